"""The objects a simulated device serves, as a sorted OID → value view (no I/O).

Standard objects: MIB-II ``system`` (sysDescr, sysObjectID, sysUpTime, sysName) and
``interfaces`` (ifNumber, ifIndex, ifDescr, ifAdminStatus, ifOperStatus), HOST-RESOURCES
``hrProcessorLoad``.

Our enterprise subtree, ``HNTH-SIM-MIB`` under 1.3.6.1.4.1.32473.7 (32473 is the private
enterprise number IANA reserves for documentation, RFC 5612)::

    hnthSim            1.3.6.1.4.1.32473.7
      hnthCalls        .1
        hnthCallCount  .1.1.0        Gauge32  active calls
        hnthCallTable  .1.2
          hnthCallEntry .1.2.1       INDEX hnthCallIndex
            hnthCallIndex      .1    Integer32 (1..2147483647)
            hnthCallRemote     .2    OCTET STRING  the far end's address
            hnthCallAudioLoss  .3    Gauge32  receive audio packet loss, 0.01 %
            hnthCallVideoLoss  .4    Gauge32  receive video packet loss, 0.01 %
            hnthCallJitter     .5    Gauge32  receive jitter, ms
            hnthCallDelay      .6    Gauge32  one-way delay, ms

Only devices of our own kind (:attr:`SimVendor.HNTH`) serve that subtree. Devices of
another :class:`SimVendor` serve that vendor's objects instead, with the documented types
and indexes (sources in ``docs/monitoring.md``):

- ``polycom-codec``: POLYCOM-VIDEO-MIB polycomVSPercentPacketLoss / polycomVSJitter /
  polycomVSLatency (2684.1.1.21/.22/.23.0), DisplayString numbers such as ``"4"``, while
  the device is in a call;
- ``polycom-mcu``: active conferences (13885.101.1.5.1.0, from secondary sources);
- ``cisco-tp``: CISCO-TELEPRESENCE-CALL-MIB ctpcTable (…644.1.4.8.1: ctpcRemoteDirNum .2
  when the far end is an E.164 string, ctpcState .11) for active and recently ended
  calls, and ctpcStatStreamSourceTable (…644.1.4.10.1, INDEX {ctpcIndex, ctpcStreamType,
  ctpcStreamSource}): one video and one audio stream from the primary codec per call with
  ctpcRxTotalPackets .12 and ctpcRxLostPackets .13 (Counter64, cumulative, advancing with
  the clock) and ctpcAvgPeriodJitter .22 (Unsigned64 = Counter64 on the wire, ms).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from typing import Any

from pysnmp.proto.rfc1902 import (
    Counter64,
    Gauge32,
    Integer32,
    ObjectIdentifier,
    OctetString,
    TimeTicks,
)

from .device import STREAM_RATES, SimCall, SimDevice, SimVendor

__all__ = ["HNTH_SIM", "OID", "MibView", "parse_oid", "render"]

OID = tuple[int, ...]


def parse_oid(text: str) -> OID:
    """``"1.3.6.1"`` → ``(1, 3, 6, 1)``."""
    return tuple(int(part) for part in text.strip(".").split("."))


HNTH_SIM: OID = parse_oid("1.3.6.1.4.1.32473.7")
CALL_COUNT = (*HNTH_SIM, 1, 1, 0)
CALL_ENTRY = (*HNTH_SIM, 1, 2, 1)

SYSTEM = parse_oid("1.3.6.1.2.1.1")
IF_NUMBER = parse_oid("1.3.6.1.2.1.2.1.0")
IF_ENTRY = parse_oid("1.3.6.1.2.1.2.2.1")
HR_PROCESSOR_LOAD = parse_oid("1.3.6.1.2.1.25.3.3.1.2")
HR_DEVICE_BASE = 196608  # net-snmp numbers processors from here in hrDeviceTable

POLYCOM_CODEC_QUALITY = parse_oid("1.3.6.1.4.1.2684.1.1")   # .21 loss .22 jitter .23 latency
POLYCOM_MCU_CONFERENCES = parse_oid("1.3.6.1.4.1.13885.101.1.5.1.0")
CTPC_ENTRY = parse_oid("1.3.6.1.4.1.9.9.644.1.4.8.1")           # ctpcEntry: .2 remote .11 state
CTPC_STREAM_ENTRY = parse_oid("1.3.6.1.4.1.9.9.644.1.4.10.1")   # ctpcStatStreamSourceEntry
CTPC_PRI_CODEC = 2                                                # CtpcStreamSourceType priCodec
_E164 = frozenset("0123456789*#,\"")                            # CtpcE164Address characters


def _centi(percent: float) -> int:
    return round(percent * 100)


def _hnth_calls(calls: list[SimCall]) -> Iterable[tuple[OID, Any]]:
    """HNTH-SIM-MIB: served by our own kind of device only (a simulated Cisco or Polycom
    device serves its vendor's documented objects, not ours)."""
    yield CALL_COUNT, Gauge32(len(calls))
    for c in calls:
        yield (*CALL_ENTRY, 1, c.index), Integer32(c.index)
        yield (*CALL_ENTRY, 2, c.index), OctetString(c.remote)
        yield (*CALL_ENTRY, 3, c.index), Gauge32(_centi(c.audio_loss_percent))
        yield (*CALL_ENTRY, 4, c.index), Gauge32(_centi(c.video_loss_percent))
        yield (*CALL_ENTRY, 5, c.index), Gauge32(round(c.jitter_ms))
        yield (*CALL_ENTRY, 6, c.index), Gauge32(round(c.delay_ms))


def _objects(dev: SimDevice) -> Iterable[tuple[OID, Any]]:
    yield (*SYSTEM, 1, 0), OctetString(dev.descr)
    yield (*SYSTEM, 2, 0), ObjectIdentifier(HNTH_SIM)
    yield (*SYSTEM, 3, 0), TimeTicks(dev.uptime_ticks())
    yield (*SYSTEM, 5, 0), OctetString(dev.name)
    yield IF_NUMBER, Integer32(len(dev.interfaces))
    for itf in dev.interfaces:
        yield (*IF_ENTRY, 1, itf.index), Integer32(itf.index)
        yield (*IF_ENTRY, 2, itf.index), OctetString(itf.name)
        yield (*IF_ENTRY, 7, itf.index), Integer32(1)
        yield (*IF_ENTRY, 8, itf.index), Integer32(1 if itf.up else 2)
    for n, load in enumerate(dev.cpu_loads):
        yield (*HR_PROCESSOR_LOAD, HR_DEVICE_BASE + 1 + n), Integer32(load)
    calls = sorted(dev.calls.values(), key=lambda c: c.index)
    if dev.vendor is SimVendor.HNTH:
        yield from _hnth_calls(calls)
    if dev.vendor is SimVendor.POLYCOM_CODEC and calls:
        # One codec-wide figure each: the worst call (integers, percent and ms). The MIB
        # describes them "when in an H.323 call": out of a call, none is served.
        loss = max((max(c.audio_loss_percent, c.video_loss_percent) for c in calls), default=0)
        jitter = max((c.jitter_ms for c in calls), default=0)
        delay = max((c.delay_ms for c in calls), default=0)
        # DisplayString values; latency is our delay figure.
        yield (*POLYCOM_CODEC_QUALITY, 21, 0), OctetString(f"{round(loss, 2):g}")
        yield (*POLYCOM_CODEC_QUALITY, 22, 0), OctetString(f"{round(jitter):d}")
        yield (*POLYCOM_CODEC_QUALITY, 23, 0), OctetString(f"{round(delay):d}")
    elif dev.vendor is SimVendor.POLYCOM_MCU:
        yield POLYCOM_MCU_CONFERENCES, Gauge32(len(calls))
    elif dev.vendor is SimVendor.CISCO_TP:
        for c in dev.streams_now():
            if 1 <= len(c.remote) <= 32 and set(c.remote) <= _E164:
                yield (*CTPC_ENTRY, 2, c.index), OctetString(c.remote)
            yield (*CTPC_ENTRY, 11, c.index), Integer32(c.state)
            for media in STREAM_RATES:
                row = (c.index, media, CTPC_PRI_CODEC)
                received, lost = c.packets(media)
                yield (*CTPC_STREAM_ENTRY, 12, *row), Counter64(received)
                yield (*CTPC_STREAM_ENTRY, 13, *row), Counter64(lost)
                yield (*CTPC_STREAM_ENTRY, 22, *row), Counter64(round(c.jitter_ms))


def render(dev: SimDevice) -> list[tuple[OID, Any]]:
    """Every object the device serves now, in lexicographic OID order."""
    return sorted(_objects(dev), key=lambda item: item[0])


class MibView:
    """A snapshot of one device's objects answering GET and GETNEXT lookups."""

    __slots__ = ("_oids", "_values")

    def __init__(self, dev: SimDevice) -> None:
        items = render(dev)
        self._oids = [oid for oid, _ in items]
        self._values = [value for _, value in items]

    def get(self, oid: OID) -> Any | None:
        """The value at exactly ``oid``, or ``None`` (noSuchObject/noSuchInstance)."""
        i = bisect.bisect_left(self._oids, oid)
        if i < len(self._oids) and self._oids[i] == oid:
            return self._values[i]
        return None

    def next(self, oid: OID) -> tuple[OID, Any] | None:
        """The first object after ``oid``, or ``None`` at the end of the MIB view."""
        i = bisect.bisect_right(self._oids, oid)
        if i < len(self._oids):
            return self._oids[i], self._values[i]
        return None
