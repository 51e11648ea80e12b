"""The health of one SNMP-managed device, and how raw readings become it (no I/O).

:func:`interpret` turns the values one poll read (GET scalars, WALKed columns) into a
:class:`SnmpHealth` following a :class:`~.vendors.VendorProfile`; it compares with the
previous poll to see a reboot (uptime going back) and to turn cumulative packet counters
into loss per poll interval (:mod:`.streams`). Readings are plain Python values (``int``
for numbers, Counter64 and TimeTicks, ``str`` for strings and OIDs, ``None`` for
noSuchObject / noSuchInstance / endOfMibView), so it is tested without a network. A value
of the wrong kind (a string where a number is documented, or the reverse) reads as
``None``: unknown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from ..model import CallStats, DeviceHealth
from .streams import (
    ACTIVE_STATES,
    CTPC_STATES,
    ENDED_STATES,
    StreamKey,
    StreamReading,
    aggregate,
    decode_stream_index,
    parse_display_number,
)
from .vendors import OID, Metric, VendorProfile

__all__ = ["CallQuality", "InterfaceStatus", "SnmpHealth", "Value", "interpret", "unreachable"]

Value = int | str | None
TICKS_WRAP_S = 2**32 / 100  # sysUpTime is a 32-bit count of hundredths: wraps at ~497 days
IF_UP = 1


@dataclass(frozen=True, slots=True)
class InterfaceStatus:
    """One interface: ``oper_status`` as ifOperStatus (1 up, 2 down, …, 7 lowerLayerDown)."""

    index: int
    oper_status: int
    name: str | None = None

    @property
    def up(self) -> bool:
        """Operationally up."""
        return self.oper_status == IF_UP

    @property
    def label(self) -> str:
        """``"2 (lan2)"``: index and name, for messages."""
        return f"{self.index} ({self.name})" if self.name else str(self.index)


@dataclass(frozen=True, slots=True)
class CallQuality:
    """Receive-side quality of one call; ``None`` where the vendor does not tell.

    ``call`` is the row index in the vendor's call table, or ``"*"`` for a codec-wide
    figure (vendors that report one worst-call value, not one per call). ``state`` is the
    vendor's call state by name where it tells one (Cisco ``CtpcStateCode``, e.g.
    ``"inProgress"``). Loss computed from packet counters covers the last poll interval.
    """

    call: str
    remote: str | None = None
    loss_percent: float | None = None
    audio_loss_percent: float | None = None
    video_loss_percent: float | None = None
    jitter_ms: float | None = None
    delay_ms: float | None = None
    state: str | None = None

    def to_call_stats(self) -> CallStats:
        """The library-wide :class:`~hnth_drivers.model.CallStats` (worst loss of any kind);
        only the figures the agent told are ``measured``, its ``source`` is ``snmp``."""
        losses = [v for v in (self.loss_percent, self.audio_loss_percent,
                              self.video_loss_percent) if v is not None]
        told = frozenset(name for name, told in (
            ("loss", bool(losses)), ("jitter", self.jitter_ms is not None),
            ("delay", self.delay_ms is not None)) if told)
        return CallStats(participant=(self.remote or "").strip()[:255] or f"call {self.call}",
                         loss_percent=min(100.0, max(losses, default=0.0)),
                         jitter_ms=min(60_000.0, self.jitter_ms or 0.0),
                         delay_ms=min(60_000.0, self.delay_ms or 0.0),
                         source="snmp", measured=told)


@dataclass(frozen=True)
class SnmpHealth:
    """One poll of one device. ``error`` says why a poll failed (``reachable`` false on a
    timeout; true when the device answered with an error, e.g. an authentication report)."""

    device: str
    reachable: bool
    polled_at: float
    uptime_s: float | None = None
    rebooted: bool = False
    descr: str | None = None
    interfaces: tuple[InterfaceStatus, ...] = ()
    cpu_load_percent: float | None = None
    active_calls: int | None = None
    active_conferences: int | None = None
    calls: tuple[CallQuality, ...] = ()
    error: str | None = None
    vendor: str = "mib2"
    raw: Mapping[str, Value] = field(default_factory=dict, compare=False, repr=False)
    streams: tuple[StreamReading, ...] = field(default=(), compare=False, repr=False)

    @property
    def interfaces_down(self) -> tuple[InterfaceStatus, ...]:
        """Interfaces that are not operationally up."""
        return tuple(i for i in self.interfaces if not i.up)

    def to_device_health(self) -> DeviceHealth:
        """The library-wide :class:`~hnth_drivers.model.DeviceHealth`."""
        detail = {"vendor": self.vendor}
        if self.descr:
            detail["descr"] = self.descr
        if self.error:
            detail["error"] = self.error
        if self.active_conferences is not None:
            detail["active_conferences"] = str(self.active_conferences)
        return DeviceHealth(
            device=self.device, reachable=self.reachable, uptime_s=self.uptime_s,
            cpu_load_percent=self.cpu_load_percent, active_calls=self.active_calls,
            interfaces_down=tuple(i.label for i in self.interfaces_down), detail=detail)


def unreachable(device: str, polled_at: float, error: str, *, vendor: str = "mib2",
                answered: bool = False) -> SnmpHealth:
    """A poll that read nothing: no answer in time (or an error answer if ``answered``)."""
    return SnmpHealth(device=device, reachable=answered, polled_at=polled_at, error=error,
                      vendor=vendor)


def _num(value: Value, metric: Metric, unit: str = "") -> float | None:
    # Every figure read here is a count, a duration or a share: a negative one is noise
    # from a broken agent and reads as "not told". A DisplayString ("text") metric wants
    # a string holding a number (in ``unit`` if one is written); a number metric an int.
    if metric.syntax == "text":
        number = parse_display_number(value, unit)
        return None if number is None else number * metric.scale
    if not isinstance(value, int) or not 0 <= value < 2**64:  # no SMI number is wider
        return None
    return value * metric.scale


_MAX_JITTER_MS = float(2**32)


def _unit(name: str) -> str:
    return "%" if name.endswith("percent") else "ms"


def _count(value: Value) -> int | None:
    return value if isinstance(value, int) and value >= 0 else None


def _text(value: Value) -> str | None:
    return None if value is None else str(value)


def _index(suffix: OID) -> str:
    return ".".join(str(p) for p in suffix)


def _streams(profile: VendorProfile, columns: Mapping[OID, Mapping[OID, Value]]
             ) -> list[StreamReading]:
    """Stream rows (3-part index, malformed rows dropped) and per-call counter rows."""
    out: list[StreamReading] = []
    for table, per_call in ((profile.stream_table, False), (profile.call_table, True)):
        counters = {k: table[k] for k in ("rx_packets", "rx_lost_packets", "jitter_ms")
                    if k in table}
        if not counters or (per_call and "rx_packets" not in counters):
            continue
        cols = {name: columns.get(m.oid, {}) for name, m in counters.items()}
        for row in sorted({row for values in cols.values() for row in values}):
            if per_call:
                call, media = row, None
            else:
                index = decode_stream_index(row)
                if index is None:
                    continue
                call, media = index[:1], index[1]
            got = {name: cols[name].get(row) for name in cols}
            jitter = _num(got["jitter_ms"], counters["jitter_ms"]) \
                if "jitter_ms" in counters and not per_call else None
            if jitter is not None and jitter >= _MAX_JITTER_MS:
                jitter = None  # an Unsigned64 of 49 days of jitter is noise, not a figure
            out.append(StreamReading(row, call, media, _count(got.get("rx_packets")),
                                     _count(got.get("rx_lost_packets")), jitter))
    return out


def _state(value: Value) -> str | None:
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    return CTPC_STATES.get(value, f"state {value}")


def _calls(profile: VendorProfile, scalars: Mapping[OID, Value],
           columns: Mapping[OID, Mapping[OID, Value]], previous: SnmpHealth | None
           ) -> tuple[tuple[CallQuality, ...], tuple[StreamReading, ...], int | None]:
    """Calls, the stream readings kept for the next poll, and the active call count
    (``None`` unless the vendor tells call states)."""
    out: list[CallQuality] = []
    metrics = {k: m for k, m in profile.call_table.items()
               if k not in ("rx_packets", "rx_lost_packets")}
    table = {name: columns.get(m.oid, {}) for name, m in metrics.items()}
    streams = _streams(profile, columns)
    rows = sorted({row for values in table.values() for row in values}
                  | {s.call for s in streams})
    states = table.get("state", {})
    ended = {row for row in rows if states.get(row) in ENDED_STATES}
    kept = tuple(s for s in streams if s.call not in ended)
    before: dict[StreamKey, StreamReading] | None = None
    if previous is not None:
        # A call whose far end changed is a new call reusing the index: no baseline.
        was = {c.call: c.remote for c in previous.calls}
        now = table.get("remote", {})
        reused = {s.call for s in previous.streams
                  if _index(s.call) in was and (text := _text(now.get(s.call))) is not None
                  and was[_index(s.call)] not in (None, text)}
        before = {s.key: s for s in previous.streams if s.call not in reused}
    figures = aggregate(kept, before)
    for row in rows:
        if row in ended:
            continue
        got = {name: table[name].get(row) for name in table}
        quality = _quality(_index(row), got, metrics)
        streamed = figures.get(row)
        if streamed is not None:
            quality = replace(
                quality, loss_percent=_first(quality.loss_percent, streamed.loss_percent),
                audio_loss_percent=_first(quality.audio_loss_percent,
                                          streamed.audio_loss_percent),
                video_loss_percent=_first(quality.video_loss_percent,
                                          streamed.video_loss_percent),
                jitter_ms=_first(quality.jitter_ms, streamed.jitter_ms))
        out.append(quality)
    if profile.call_scalars:
        got = {name: scalars.get(m.oid) for name, m in profile.call_scalars.items()}
        codec = _quality("*", got, profile.call_scalars)
        if any(getattr(codec, name) is not None for name in profile.call_scalars):
            out.append(codec)  # nothing readable (no call, or garbage): no figure at all
    active = None
    if "state" in metrics:
        active = sum(1 for row in rows if states.get(row) in ACTIVE_STATES)
    return tuple(out), kept, active


def _first(a: float | None, b: float | None) -> float | None:
    return a if a is not None else b


def _quality(call: str, got: Mapping[str, Value], metrics: Mapping[str, Metric]
             ) -> CallQuality:
    def num(name: str) -> float | None:
        return _num(got.get(name), metrics[name], _unit(name)) if name in metrics else None

    return CallQuality(call=call, remote=_text(got.get("remote")),
                       loss_percent=num("loss_percent"),
                       audio_loss_percent=num("audio_loss_percent"),
                       video_loss_percent=num("video_loss_percent"),
                       jitter_ms=num("jitter_ms"), delay_ms=num("delay_ms"),
                       state=_state(got.get("state")) if "state" in metrics else None)


def interpret(device: str, profile: VendorProfile, scalars: Mapping[OID, Value],
              columns: Mapping[OID, Mapping[OID, Value]], *, polled_at: float,
              previous: SnmpHealth | None = None) -> SnmpHealth:
    """The health a poll's readings show, following ``profile``.

    A reboot is an uptime lower than at the previous poll, unless the previous uptime was
    within a day of the 32-bit TimeTicks wrap. Packet loss from cumulative counters is
    the loss since ``previous`` (unknown without it).
    """
    def scalar(m: Metric | None) -> Value:
        return None if m is None else scalars.get(m.oid)

    uptime = None
    if profile.uptime is not None:
        ticks = _num(scalar(profile.uptime), profile.uptime)
        uptime = None if ticks is None else ticks / 100.0
    rebooted = bool(
        previous is not None and previous.uptime_s is not None and uptime is not None
        and uptime < previous.uptime_s and previous.uptime_s < TICKS_WRAP_S - 86_400)
    interfaces: list[InterfaceStatus] = []
    if profile.if_oper_status is not None:
        names = columns.get(profile.if_descr.oid, {}) if profile.if_descr else {}
        for row, status in sorted(columns.get(profile.if_oper_status.oid, {}).items()):
            if isinstance(status, int) and len(row) == 1:
                interfaces.append(InterfaceStatus(row[0], status, _text(names.get(row))))
    cpu = None
    if profile.cpu_load is not None:
        loads = [v for v in (_num(x, profile.cpu_load) for x in
                             columns.get(profile.cpu_load.oid, {}).values()) if v is not None]
        cpu = min(100.0, max(0.0, sum(loads) / len(loads))) if loads else None
    calls, streams, stated = _calls(profile, scalars, columns, previous)
    active = _num(scalar(profile.active_calls), profile.active_calls) \
        if profile.active_calls else None
    if active is None and stated is not None:
        active = float(stated)
    elif active is None and (profile.call_table or profile.stream_table):
        active = float(sum(1 for c in calls if c.call != "*"))
    conferences = _num(scalar(profile.active_conferences), profile.active_conferences) \
        if profile.active_conferences else None
    raw = {".".join(map(str, k)): v for k, v in scalars.items()}
    return SnmpHealth(
        device=device, reachable=True, polled_at=polled_at, uptime_s=uptime,
        rebooted=rebooted, descr=_text(scalar(profile.descr)), interfaces=tuple(interfaces),
        cpu_load_percent=cpu, active_calls=None if active is None else max(0, int(active)),
        active_conferences=None if conferences is None else max(0, int(conferences)),
        calls=calls, vendor=profile.name, raw=raw, streams=streams)
