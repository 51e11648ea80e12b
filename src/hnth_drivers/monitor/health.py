"""The health of one SNMP-managed device, and how raw readings become it (no I/O).

:func:`interpret` turns the values one poll read (GET scalars, WALKed columns) into a
:class:`SnmpHealth` following a :class:`~.vendors.VendorProfile`; it compares with the
previous poll to see a reboot (uptime going back). Readings are plain Python values
(``int`` for numbers and TimeTicks, ``str`` for strings and OIDs, ``None`` for
noSuchObject / noSuchInstance / endOfMibView), so it is tested without a network.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..model import CallStats, DeviceHealth
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
    figure (vendors that report one worst-call value, not one per call).
    """

    call: str
    remote: str | None = None
    loss_percent: float | None = None
    audio_loss_percent: float | None = None
    video_loss_percent: float | None = None
    jitter_ms: float | None = None
    delay_ms: float | None = None

    def to_call_stats(self) -> CallStats:
        """The library-wide :class:`~hnth_drivers.model.CallStats` (worst loss of any kind)."""
        losses = [v for v in (self.loss_percent, self.audio_loss_percent,
                              self.video_loss_percent) if v is not None]
        return CallStats(participant=(self.remote or "").strip()[:255] or f"call {self.call}",
                         loss_percent=min(100.0, max(losses, default=0.0)),
                         jitter_ms=min(60_000.0, self.jitter_ms or 0.0),
                         delay_ms=min(60_000.0, self.delay_ms or 0.0))


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


def _num(value: Value, metric: Metric) -> float | None:
    # Every figure read here is a count, a duration or a share: a negative one is noise
    # from a broken agent and reads as "not told".
    if value is None or isinstance(value, str) or value < 0:
        return None
    return value * metric.scale


def _text(value: Value) -> str | None:
    return None if value is None else str(value)


def _index(suffix: OID) -> str:
    return ".".join(str(p) for p in suffix)


def _calls(profile: VendorProfile, scalars: Mapping[OID, Value],
           columns: Mapping[OID, Mapping[OID, Value]]) -> tuple[CallQuality, ...]:
    out: list[CallQuality] = []
    table = {name: columns.get(m.oid, {}) for name, m in profile.call_table.items()}
    rows = sorted({row for values in table.values() for row in values})
    for row in rows:
        got = {name: table[name].get(row) for name in table}
        out.append(_quality(_index(row), got, profile.call_table))
    if profile.call_scalars:
        got = {name: scalars.get(m.oid) for name, m in profile.call_scalars.items()}
        if any(v is not None for v in got.values()):
            out.append(_quality("*", got, profile.call_scalars))
    return tuple(out)


def _quality(call: str, got: Mapping[str, Value], metrics: Mapping[str, Metric]
             ) -> CallQuality:
    def num(name: str) -> float | None:
        return _num(got.get(name), metrics[name]) if name in metrics else None

    loss = num("loss_percent")
    total, lost = num("rx_packets"), num("rx_lost_packets")
    if loss is None and total and lost is not None:
        loss = min(100.0, 100.0 * lost / total)
    return CallQuality(call=call, remote=_text(got.get("remote")), loss_percent=loss,
                       audio_loss_percent=num("audio_loss_percent"),
                       video_loss_percent=num("video_loss_percent"),
                       jitter_ms=num("jitter_ms"), delay_ms=num("delay_ms"))


def interpret(device: str, profile: VendorProfile, scalars: Mapping[OID, Value],
              columns: Mapping[OID, Mapping[OID, Value]], *, polled_at: float,
              previous: SnmpHealth | None = None) -> SnmpHealth:
    """The health a poll's readings show, following ``profile``.

    A reboot is an uptime lower than at the previous poll, unless the previous uptime was
    within a day of the 32-bit TimeTicks wrap.
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
    calls = _calls(profile, scalars, columns)
    active = _num(scalar(profile.active_calls), profile.active_calls) \
        if profile.active_calls else None
    if active is None and profile.call_table:
        active = float(sum(1 for c in calls if c.call != "*"))
    conferences = _num(scalar(profile.active_conferences), profile.active_conferences) \
        if profile.active_conferences else None
    raw = {".".join(map(str, k)): v for k, v in scalars.items()}
    return SnmpHealth(
        device=device, reachable=True, polled_at=polled_at, uptime_s=uptime,
        rebooted=rebooted, descr=_text(scalar(profile.descr)), interfaces=tuple(interfaces),
        cpu_load_percent=cpu, active_calls=None if active is None else max(0, int(active)),
        active_conferences=None if conferences is None else max(0, int(conferences)),
        calls=calls, vendor=profile.name, raw=raw)
