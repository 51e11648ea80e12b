"""Time, call quality and injected faults of simulated MCUs, deterministic under a seed.

Public API (re-exported by :mod:`hnth_sim.mcu.model`):

- :class:`Clock` (protocol: ``now() -> float`` seconds), :class:`MonotonicClock` (real
  time) and :class:`ManualClock` (``advance(seconds)``; for tests and the national
  simulation, where 30 simulated seconds must not take 30 real ones).
- :class:`Impairment`: the seeded model of per-participant call statistics (mean packet
  loss, jitter and one-way delay, and how much samples vary around them).
- :class:`Faults`: what an MCU does wrong on purpose: API latency (fixed + jitter),
  refused requests, internal errors, failing dial-outs, plus scripted one-shot faults
  (``fail_next("participant.enumerate", Refusal.INTERNAL_ERROR)``) that make a test's
  "the next call fails" exact.
- :class:`Refusal` (why the model refused, wire-neutral; each front end maps it to its own
  fault codes) and :class:`SimError`, a :class:`~hnth_drivers.errors.DeviceError` whose
  ``code`` is the refusal's value.
"""

from __future__ import annotations

import enum
import random
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Protocol

from hnth_drivers.errors import ConfigError, DeviceError

__all__ = [
    "Clock",
    "Faults",
    "Impairment",
    "ManualClock",
    "MonotonicClock",
    "Refusal",
    "SimError",
]


class Clock(Protocol):
    """Where simulated MCUs read the time (seconds, any epoch, never going backwards)."""

    def now(self) -> float:
        """The current time in seconds."""
        ...


class MonotonicClock:
    """Real time: :func:`time.monotonic`."""

    def now(self) -> float:
        """Seconds from :func:`time.monotonic`."""
        return time.monotonic()


class ManualClock:
    """A clock that moves only when told to: tests and whole-network simulations."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = float(start)

    def now(self) -> float:
        """The current simulated time in seconds."""
        return self._now

    def advance(self, seconds: float) -> float:
        """Move time forward by ``seconds`` (≥ 0) and return the new time."""
        if seconds < 0:
            raise ConfigError("time does not go backwards", operation="ManualClock.advance",
                              expected="seconds >= 0", got=repr(seconds))
        self._now += seconds
        return self._now


class Refusal(enum.StrEnum):
    """Why a simulated MCU refused a request (wire-neutral)."""

    NOT_SUPPORTED = "not_supported"
    DUPLICATE_CONFERENCE = "duplicate_conference"
    DUPLICATE_PARTICIPANT = "duplicate_participant"
    NO_SUCH_CONFERENCE = "no_such_conference"
    NO_SUCH_PARTICIPANT = "no_such_participant"
    TOO_MANY_CONFERENCES = "too_many_conferences"
    TOO_MANY_PARTICIPANTS = "too_many_participants"
    UNAUTHORISED = "unauthorised"
    INVALID_ENUMERATE_ID = "invalid_enumerate_id"
    INTERNAL_ERROR = "internal_error"
    MISSING_PARAMETER = "missing_parameter"
    INVALID_PARAMETER = "invalid_parameter"
    OPERATION_FAILED = "operation_failed"


class SimError(DeviceError):
    """A simulated MCU refused a request; ``reason`` says why, ``code`` is its value."""

    def __init__(self, reason: Refusal, message: str, *, device: str | None = None,
                 operation: str | None = None, got: str | None = None) -> None:
        self.reason = reason
        super().__init__(message, code=reason.value, device=device, operation=operation,
                         got=got)


@dataclass(frozen=True, slots=True)
class Impairment:
    """Mean receive-side quality of a call and its spread; samples are seeded.

    A sample draws each figure from a normal distribution around the mean with
    ``spread`` as relative standard deviation, clipped to valid ranges.
    """

    loss_percent: float = 0.1
    jitter_ms: float = 4.0
    delay_ms: float = 40.0
    spread: float = 0.25

    def __post_init__(self) -> None:
        for name in ("loss_percent", "jitter_ms", "delay_ms", "spread"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or value < 0:
                raise ConfigError(f"invalid Impairment.{name}", operation="Impairment",
                                  expected="a number >= 0", got=repr(value))

    def sample(self, rng: random.Random) -> tuple[float, float, float]:
        """(loss %, jitter ms, delay ms) for one statistics reading."""
        def draw(mean: float, hi: float) -> float:
            return round(min(hi, max(0.0, rng.gauss(mean, mean * self.spread))), 3)
        return (draw(self.loss_percent, 100.0), draw(self.jitter_ms, 60_000.0),
                draw(self.delay_ms, 60_000.0))


@dataclass(slots=True)
class Faults:
    """Faults an MCU injects; rates are probabilities per request (or per dial-out).

    ``latency_ms`` ± ``latency_jitter_ms`` is the delay a front end waits before it
    answers each API request. ``down`` makes front ends drop connections unanswered.
    """

    latency_ms: float = 0.0
    latency_jitter_ms: float = 0.0
    refuse_rate: float = 0.0
    internal_error_rate: float = 0.0
    dial_failure_rate: float = 0.0
    down: bool = False
    _scripted: dict[str, deque[Refusal]] = field(default_factory=dict, repr=False)

    def fail_next(self, operation: str, reason: Refusal = Refusal.INTERNAL_ERROR,
                  times: int = 1) -> None:
        """Make the next ``times`` requests named ``operation`` (front end's method name,
        or ``"*"`` for any) fail with ``reason``."""
        self._scripted.setdefault(operation, deque()).extend([reason] * times)

    def admit(self, operation: str, rng: random.Random, device: str) -> float:
        """Decide one API request: raise :class:`SimError` or return the delay in seconds."""
        for key in (operation, "*"):
            queue = self._scripted.get(key)
            if queue:
                reason = queue.popleft()
                raise SimError(reason, f"injected fault: {reason.value}", device=device,
                               operation=operation)
        if self.refuse_rate and rng.random() < self.refuse_rate:
            raise SimError(Refusal.OPERATION_FAILED, "injected fault: request refused",
                           device=device, operation=operation)
        if self.internal_error_rate and rng.random() < self.internal_error_rate:
            raise SimError(Refusal.INTERNAL_ERROR, "injected fault: internal error",
                           device=device, operation=operation)
        jitter = rng.uniform(-self.latency_jitter_ms, self.latency_jitter_ms) \
            if self.latency_jitter_ms else 0.0
        return max(0.0, self.latency_ms + jitter) / 1000.0
