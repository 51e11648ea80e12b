"""Alarms: health readings become typed events, delivered to callbacks and async iterators.

Kinds: device down/up, reboot, link down/up, call quality degraded/recovered, and
flapping (damping engaged). By default a call is degraded at delay ≥ 250 ms, jitter
≥ 50 ms, audio loss ≥ 10 % or video loss ≥ 3 % (loss the vendor does not split by media
uses the stricter video figure; the defaults and their basis are in
``docs/monitoring.md``, "Alarms"), and recovers only below ``recover_ratio`` of each
threshold, so a value hovering at a threshold does not chatter.

Flapping is damped per subject (a device, one interface, one call) the way routers damp
route flaps: each change of state adds ``penalty``, which decays with ``half_life_s``;
above ``suppress_at`` one FLAPPING event is sent and further changes are held back until
the penalty decays below ``reuse_at``, when the then-current state is reported if it
differs from the last one sent. Time comes from an injectable clock.
"""

from __future__ import annotations

import asyncio
import enum
import inspect
import logging
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from ..errors import ConfigError
from .health import CallQuality, SnmpHealth

__all__ = ["AlarmEngine", "AlarmEvent", "AlarmKind", "AlarmSubscription", "FlapDamping",
           "QualityThresholds", "Severity"]

log = logging.getLogger(__name__)


class AlarmKind(enum.StrEnum):
    """What happened."""

    DEVICE_DOWN = "device_down"
    DEVICE_UP = "device_up"
    REBOOT = "reboot"
    LINK_DOWN = "link_down"
    LINK_UP = "link_up"
    QUALITY_DEGRADED = "quality_degraded"
    QUALITY_RECOVERED = "quality_recovered"
    FLAPPING = "flapping"


class Severity(enum.StrEnum):
    """How urgent: ``critical`` and ``warning`` raise an alarm, ``clear`` ends one."""

    CRITICAL = "critical"
    WARNING = "warning"
    CLEAR = "clear"


_SEVERITY = {
    AlarmKind.DEVICE_DOWN: Severity.CRITICAL, AlarmKind.DEVICE_UP: Severity.CLEAR,
    AlarmKind.REBOOT: Severity.WARNING, AlarmKind.LINK_DOWN: Severity.CRITICAL,
    AlarmKind.LINK_UP: Severity.CLEAR, AlarmKind.QUALITY_DEGRADED: Severity.WARNING,
    AlarmKind.QUALITY_RECOVERED: Severity.CLEAR, AlarmKind.FLAPPING: Severity.WARNING,
}


@dataclass(frozen=True)
class AlarmEvent:
    """One event: ``subject`` is ``"device"``, ``"if 2 (lan2)"`` or ``"call 3"``."""

    kind: AlarmKind
    device: str
    subject: str
    at: float
    message: str
    detail: dict[str, float | str] = field(default_factory=dict, compare=False)

    @property
    def severity(self) -> Severity:
        """``critical``, ``warning`` or ``clear``."""
        return _SEVERITY[self.kind]

    def to_json(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {"kind": self.kind.value, "severity": self.severity.value,
                "device": self.device, "subject": self.subject, "at": self.at,
                "message": self.message, "detail": dict(self.detail)}


@dataclass(frozen=True)
class QualityThresholds:
    """Where a call's quality turns bad (defaults: ``docs/monitoring.md``, "Alarms").
    ``None`` disables one."""

    delay_ms: float | None = 250.0
    jitter_ms: float | None = 50.0
    audio_loss_percent: float | None = 10.0
    video_loss_percent: float | None = 3.0
    loss_percent: float | None = 3.0
    recover_ratio: float = 0.8

    def __post_init__(self) -> None:
        for name in ("delay_ms", "jitter_ms", "audio_loss_percent", "video_loss_percent",
                     "loss_percent"):
            value = getattr(self, name)
            if value is not None and not (value > 0 and math.isfinite(value)):
                raise ConfigError("invalid threshold", operation="QualityThresholds",
                                  expected=f"{name} > 0 or None", got=repr(value))
        if not 0 < self.recover_ratio <= 1:
            raise ConfigError("invalid recover ratio", operation="QualityThresholds",
                              expected="0 < recover_ratio ≤ 1", got=repr(self.recover_ratio))

    def _pairs(self, call: CallQuality) -> list[tuple[str, float, float]]:
        out = []
        for name in ("delay_ms", "jitter_ms", "audio_loss_percent", "video_loss_percent",
                     "loss_percent"):
            limit, value = getattr(self, name), getattr(call, name)
            if limit is not None and value is not None:
                out.append((name, value, limit))
        return out

    def breaches(self, call: CallQuality) -> dict[str, float]:
        """The metrics at or over their threshold, with their values."""
        return {name: value for name, value, limit in self._pairs(call) if value >= limit}

    def recovered(self, call: CallQuality) -> bool:
        """Every metric below ``recover_ratio`` × its threshold."""
        return all(value < limit * self.recover_ratio for _, value, limit in self._pairs(call))


@dataclass(frozen=True)
class FlapDamping:
    """Route-flap-style damping; ``enabled=False`` reports every change."""

    penalty: float = 1.0
    suppress_at: float = 3.0
    reuse_at: float = 1.0
    half_life_s: float = 60.0
    enabled: bool = True

    def __post_init__(self) -> None:
        if not (0 < self.reuse_at < self.suppress_at and self.penalty > 0
                and self.half_life_s > 0):
            raise ConfigError("invalid flap damping", operation="FlapDamping",
                              expected="0 < reuse_at < suppress_at, penalty > 0, "
                              "half_life_s > 0",
                              got=f"{self.reuse_at}/{self.suppress_at}/{self.penalty}/"
                              f"{self.half_life_s}")


@dataclass
class _Subject:
    """One damped subject: its true state, the last state reported, its penalty."""

    reported: bool | None = None   # True = bad (down/degraded), as last reported
    actual: bool | None = None
    penalty: float = 0.0
    stamp: float = 0.0
    suppressed: bool = False
    last: AlarmEvent | None = None


Callback = Callable[[AlarmEvent], Awaitable[None] | None]


class AlarmSubscription:
    """An async iterator over alarm events, registered with its engine when created."""

    def __init__(self, registry: list[asyncio.Queue[AlarmEvent | None]]) -> None:
        self._registry = registry
        self._queue: asyncio.Queue[AlarmEvent | None] = asyncio.Queue()
        registry.append(self._queue)

    def __aiter__(self) -> AlarmSubscription:
        return self

    async def __anext__(self) -> AlarmEvent:
        event = await self._queue.get()
        if event is None:
            self.unsubscribe()
            raise StopAsyncIteration
        return event

    def unsubscribe(self) -> None:
        """Receive no more events (those already queued can still be read)."""
        if self._queue in self._registry:
            self._registry.remove(self._queue)


class AlarmEngine:
    """Turns successive :class:`SnmpHealth` readings into :class:`AlarmEvent` s.

    :meth:`observe` takes one reading and delivers its events to every callback
    (:meth:`on_event`) and every open :meth:`events` iterator; :meth:`evaluate` only
    computes them. The first reading of a device is its baseline: it raises what is
    already wrong (down, links down, degraded calls) and nothing for what is fine.
    """

    def __init__(self, thresholds: QualityThresholds | None = None,
                 damping: FlapDamping | None = None, *,
                 clock: Callable[[], float] = time.monotonic, queue_size: int = 1000) -> None:
        if queue_size < 1:
            raise ConfigError("queue_size must be at least 1", operation="AlarmEngine",
                              got=str(queue_size))
        self.thresholds = thresholds or QualityThresholds()
        self.damping = damping or FlapDamping()
        self._clock = clock
        self._subjects: dict[str, dict[str, _Subject]] = {}  # device → subject → state
        self._callbacks: list[Callback] = []
        self._queues: list[asyncio.Queue[AlarmEvent | None]] = []
        self._queue_size = queue_size
        self.dropped = 0

    # ---- delivery -------------------------------------------------------------------
    def on_event(self, callback: Callback) -> Callable[[], None]:
        """Call ``callback(event)`` (plain or async) for each event; returns an unsubscriber."""
        self._callbacks.append(callback)
        return lambda: self._callbacks.remove(callback) if callback in self._callbacks \
            else None

    def events(self) -> AlarmSubscription:
        """Every event from this call on, until :meth:`close` (``async for`` over it).

        Subscribed at once, so nothing is missed before the first iteration. A slow reader
        loses the oldest events beyond ``queue_size`` (counted in ``dropped``); it never
        blocks the poller. ``unsubscribe()`` stops one subscription early.
        """
        return AlarmSubscription(self._queues)

    def close(self) -> None:
        """End every :meth:`events` iterator."""
        for queue in self._queues:
            self._put(queue, None)

    def _put(self, queue: asyncio.Queue[AlarmEvent | None], item: AlarmEvent | None) -> None:
        # The end marker always fits; an event beyond queue_size pushes out the oldest.
        while item is not None and queue.qsize() >= self._queue_size:
            queue.get_nowait()
            self.dropped += 1
        queue.put_nowait(item)

    async def observe(self, health: SnmpHealth) -> list[AlarmEvent]:
        """Evaluate one reading and deliver its events; returns them."""
        events = self.evaluate(health)
        for event in events:
            for queue in self._queues:
                self._put(queue, event)
            for callback in list(self._callbacks):
                try:
                    result = callback(event)
                    if inspect.isawaitable(result):
                        await result
                except Exception:  # a broken callback must not stop monitoring
                    log.exception("alarm callback failed for %s", event.kind.value)
        return events

    def active(self) -> list[AlarmEvent]:
        """Alarms raised and not cleared (the last raising event of each subject)."""
        return [s.last for subjects in self._subjects.values() for s in subjects.values()
                if s.last is not None and s.reported and s.last.severity is not Severity.CLEAR]

    # ---- evaluation -----------------------------------------------------------------
    def evaluate(self, health: SnmpHealth) -> list[AlarmEvent]:
        """The events one reading causes (state is updated; nothing is delivered)."""
        now = self._clock()
        out: list[AlarmEvent] = []
        dev = health.device
        self._change(out, now, dev, "device", not health.reachable,
                     (AlarmKind.DEVICE_DOWN, f"{dev} does not answer: {health.error}"),
                     (AlarmKind.DEVICE_UP, f"{dev} answers again"), {})
        if not health.reachable:
            out += self._reuse(now, dev)
            return out
        if health.rebooted:
            out.append(AlarmEvent(AlarmKind.REBOOT, dev, "device", now,
                                  f"{dev} restarted (uptime {health.uptime_s:.0f} s)",
                                  {"uptime_s": health.uptime_s or 0.0}))
        for itf in health.interfaces:
            subject = f"if {itf.label}"
            self._change(out, now, dev, subject, not itf.up,
                         (AlarmKind.LINK_DOWN, f"{dev} {subject} is down"),
                         (AlarmKind.LINK_UP, f"{dev} {subject} is up"),
                         {"oper_status": float(itf.oper_status)})
        seen = set()
        for call in health.calls:
            subject = f"call {call.call}"
            seen.add(subject)
            state = self._subjects.get(dev, {}).get(subject)
            breaches = self.thresholds.breaches(call)
            was_bad = bool(state and state.actual)
            bad = bool(breaches) or (was_bad and not self.thresholds.recovered(call))
            metrics = {k: v for k, v in (("loss_percent", call.loss_percent),
                                         ("audio_loss_percent", call.audio_loss_percent),
                                         ("video_loss_percent", call.video_loss_percent),
                                         ("jitter_ms", call.jitter_ms),
                                         ("delay_ms", call.delay_ms)) if v is not None}
            who = f" with {call.remote}" if call.remote else ""
            over = ", ".join(f"{k}={v:g}" for k, v in sorted(breaches.items()))
            self._change(out, now, dev, subject, bad,
                         (AlarmKind.QUALITY_DEGRADED, f"{dev} {subject}{who} degraded: {over}"),
                         (AlarmKind.QUALITY_RECOVERED, f"{dev} {subject}{who} recovered"),
                         dict(metrics))
        subjects = self._subjects.get(dev, {})
        for subject, state in list(subjects.items()):
            if subject.startswith("call ") and subject not in seen:
                if state.reported:   # the call ended while its alarm was raised
                    out.append(self._emit(state, AlarmEvent(
                        AlarmKind.QUALITY_RECOVERED, dev, subject, now,
                        f"{dev} {subject} ended"), bad=False))
                del subjects[subject]
        out += self._reuse(now, dev)
        return out

    def _decay(self, state: _Subject, now: float) -> None:
        elapsed = max(0.0, now - state.stamp)
        state.penalty *= 0.5 ** (elapsed / self.damping.half_life_s)
        state.stamp = now

    def _emit(self, state: _Subject, event: AlarmEvent, *, bad: bool) -> AlarmEvent:
        state.reported = bad
        state.last = event
        return event

    def _change(self, out: list[AlarmEvent], now: float, dev: str, subject: str, bad: bool,
                raised: tuple[AlarmKind, str], cleared: tuple[AlarmKind, str],
                detail: dict[str, float | str]) -> None:
        """Record ``subject``'s state; report a change unless damping holds it back."""
        subjects = self._subjects.setdefault(dev, {})
        state = subjects.get(subject)
        if state is None:
            state = subjects[subject] = _Subject(stamp=now)
            state.actual = bad
            if bad:  # baseline: report what is already wrong
                kind, message = raised
                out.append(self._emit(state, AlarmEvent(kind, dev, subject, now, message,
                                                        detail), bad=True))
            else:
                state.reported = False
            return
        if state.actual == bad:
            return
        state.actual = bad
        damp = self.damping
        if damp.enabled:
            self._decay(state, now)
            state.penalty += damp.penalty
            if not state.suppressed and state.penalty >= damp.suppress_at:
                state.suppressed = True
                out.append(AlarmEvent(AlarmKind.FLAPPING, dev, subject, now,
                                      f"{dev} {subject} is flapping: changes held back",
                                      {"penalty": round(state.penalty, 3)}))
            if state.suppressed:
                return
        if state.reported != bad:
            kind, message = raised if bad else cleared
            out.append(self._emit(state, AlarmEvent(kind, dev, subject, now, message, detail),
                                  bad=bad))

    def _reuse(self, now: float, dev: str) -> list[AlarmEvent]:
        """Release suppressed subjects of ``dev`` whose penalty has decayed enough."""
        out = []
        for subject, state in self._subjects.get(dev, {}).items():
            if not state.suppressed:
                continue
            self._decay(state, now)
            if state.penalty >= self.damping.reuse_at:
                continue
            state.suppressed = False
            if state.actual is not None and state.actual != state.reported:
                kind = _settled_kind(subject, state.actual)
                out.append(self._emit(state, AlarmEvent(
                    kind, dev, subject, now, f"{dev} {subject} settled: {kind.value}",
                    {"penalty": round(state.penalty, 3)}), bad=state.actual))
        return out


def _settled_kind(subject: str, bad: bool) -> AlarmKind:
    if subject == "device":
        return AlarmKind.DEVICE_DOWN if bad else AlarmKind.DEVICE_UP
    if subject.startswith("if "):
        return AlarmKind.LINK_DOWN if bad else AlarmKind.LINK_UP
    return AlarmKind.QUALITY_DEGRADED if bad else AlarmKind.QUALITY_RECOVERED
