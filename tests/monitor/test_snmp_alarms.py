"""The alarm engine alone: thresholds (docs/monitoring.md), hysteresis, damping, delivery."""

from __future__ import annotations

import asyncio
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hnth_drivers.errors import ConfigError
from hnth_drivers.monitor import (
    AlarmEngine,
    AlarmEvent,
    AlarmKind,
    CallQuality,
    FlapDamping,
    InterfaceStatus,
    QualityThresholds,
    Severity,
    SnmpHealth,
)


def health(*, up: bool = True, links: tuple[int, ...] = (1, 1),
           calls: tuple[CallQuality, ...] = (), rebooted: bool = False) -> SnmpHealth:
    return SnmpHealth("mcu-1", up, 0.0, uptime_s=10.0 if up else None, rebooted=rebooted,
                      interfaces=tuple(InterfaceStatus(i + 1, s) for i, s in enumerate(links)),
                      calls=calls, error=None if up else "no answer")


@pytest.mark.parametrize(("field", "bad", "good"), [
    ("delay_ms", 250.0, 249.0), ("jitter_ms", 50.0, 49.0),
    ("audio_loss_percent", 10.0, 9.9), ("video_loss_percent", 3.0, 2.9),
    ("loss_percent", 3.0, 2.9)])
def test_default_thresholds_are_the_documented_ones(field: str, bad: float, good: float
                                                    ) -> None:
    t = QualityThresholds()
    assert t.breaches(CallQuality("1", **{field: bad})) == {field: bad}
    assert t.breaches(CallQuality("1", **{field: good})) == {}


def test_thresholds_are_configurable_and_validated() -> None:
    t = QualityThresholds(delay_ms=150.0, jitter_ms=None)
    assert t.breaches(CallQuality("1", delay_ms=160.0, jitter_ms=500.0)) == {"delay_ms": 160.0}
    for bad in ({"delay_ms": 0.0}, {"jitter_ms": -1.0}, {"recover_ratio": 1.5}):
        with pytest.raises(ConfigError):
            QualityThresholds(**bad)  # type: ignore[arg-type]
    with pytest.raises(ConfigError):
        FlapDamping(suppress_at=1.0, reuse_at=2.0)


def test_baseline_reports_only_what_is_wrong() -> None:
    engine = AlarmEngine()
    assert engine.evaluate(health()) == []
    other = AlarmEngine()
    events = other.evaluate(health(links=(1, 2), calls=(CallQuality("4", jitter_ms=80.0),)))
    assert [e.kind for e in events] == [AlarmKind.LINK_DOWN, AlarmKind.QUALITY_DEGRADED]
    assert {e.severity for e in events} == {Severity.CRITICAL, Severity.WARNING}
    assert len(other.active()) == 2
    down = AlarmEngine().evaluate(health(up=False))
    assert [e.kind for e in down] == [AlarmKind.DEVICE_DOWN]


def test_quality_hysteresis_and_call_end() -> None:
    engine = AlarmEngine(damping=FlapDamping(enabled=False))
    kinds = []
    for delay in (100.0, 260.0, 230.0, 210.0, 190.0, 300.0):
        kinds.append([e.kind for e in engine.evaluate(
            health(calls=(CallQuality("1", remote="84-1", delay_ms=delay),)))])
    assert kinds == [[], [AlarmKind.QUALITY_DEGRADED], [], [], [AlarmKind.QUALITY_RECOVERED],
                     [AlarmKind.QUALITY_DEGRADED]]
    ended = engine.evaluate(health(calls=()))
    assert [(e.kind, e.message) for e in ended] == [
        (AlarmKind.QUALITY_RECOVERED, "mcu-1 call 1 ended")]
    assert engine.active() == []


def test_reboot_event() -> None:
    engine = AlarmEngine()
    engine.evaluate(health())
    (event,) = engine.evaluate(health(rebooted=True))
    assert event.kind is AlarmKind.REBOOT and event.severity is Severity.WARNING


def test_damping_suppresses_then_reports_the_settled_state() -> None:
    now = [0.0]
    engine = AlarmEngine(damping=FlapDamping(penalty=1, suppress_at=3, reuse_at=1,
                                             half_life_s=10), clock=lambda: now[0])
    engine.evaluate(health())
    out: list[AlarmKind] = []
    for up in (False, True, False, True, False, True, False):
        now[0] += 1
        out += [e.kind for e in engine.evaluate(health(up=up))]
    assert out == [AlarmKind.DEVICE_DOWN, AlarmKind.DEVICE_UP, AlarmKind.DEVICE_DOWN,
                   AlarmKind.FLAPPING]
    now[0] += 5
    assert engine.evaluate(health(up=False)) == []      # still damped
    now[0] += 100
    assert engine.evaluate(health(up=False)) == []      # settled = last reported (down)
    for up in (True, True):
        now[0] += 100
        got = [e.kind for e in engine.evaluate(health(up=up))]
    assert got == []  # the second poll: no change
    assert [a.kind for a in engine.active()] == []


@given(st.lists(st.booleans(), min_size=1, max_size=60),
       st.lists(st.floats(min_value=0.0, max_value=120.0), min_size=60, max_size=60))
def test_damped_events_alternate_and_end_true(states: list[bool], gaps: list[float]) -> None:
    """Whatever the flapping: raise/clear alternate per subject, and after a long quiet
    spell the last reported state equals the real one."""
    now = [0.0]
    engine = AlarmEngine(clock=lambda: now[0])
    reported: list[AlarmKind] = []
    for up, gap in zip(states, gaps, strict=False):
        now[0] += gap
        reported += [e.kind for e in engine.evaluate(health(up=up))
                     if e.kind is not AlarmKind.FLAPPING]
    now[0] += 10_000
    reported += [e.kind for e in engine.evaluate(health(up=states[-1]))]
    assert all(a != b for a, b in itertools.pairwise(reported))
    final_down = bool(reported) and reported[-1] is AlarmKind.DEVICE_DOWN
    assert final_down == (not states[-1])


async def test_delivery_to_callbacks_and_iterators() -> None:
    engine = AlarmEngine(queue_size=2)
    plain: list[AlarmEvent] = []
    later: list[AlarmEvent] = []

    async def slow(e: AlarmEvent) -> None:
        await asyncio.sleep(0)
        later.append(e)

    def broken(e: AlarmEvent) -> None:
        raise RuntimeError("a bad callback")

    engine.on_event(broken)
    stop = engine.on_event(plain.append)
    engine.on_event(slow)
    it = engine.events()  # subscribed now, before the first iteration
    early = engine.events()
    early.unsubscribe()
    await engine.observe(health(links=(2, 2, 2)))   # three LINK_DOWN, the queue keeps 2
    assert len(plain) == 3 and len(later) == 3
    async with asyncio.timeout(5):
        assert [(await it.__anext__()).subject for _ in range(2)] == ["if 2", "if 3"]
    assert engine.dropped == 1
    stop()
    await engine.observe(health(links=(1, 1, 1)))   # three LINK_UP, queue holds 2
    assert len(plain) == 3 and len(later) == 6
    rest = []
    engine.close()
    async with asyncio.timeout(5):
        async for e in it:
            rest.append(e.kind)
    assert rest == [AlarmKind.LINK_UP, AlarmKind.LINK_UP] and engine.dropped == 2
    assert plain[0].to_json()["severity"] == "critical"
