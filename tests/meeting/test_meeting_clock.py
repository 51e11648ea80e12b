"""The fake clock: ordered wake-ups, no going back, autojump; the system clock sleeps."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from hnth_drivers.meeting.clock import FakeClock, SystemClock

T0 = dt.datetime(2026, 11, 30, 1, 0, tzinfo=dt.UTC)
S = dt.timedelta(seconds=1)


async def test_manual_clock_wakes_in_order() -> None:
    clock = FakeClock(T0, autojump=False)
    woke: list[str] = []

    async def sleeper(name: str, at: dt.datetime) -> None:
        await clock.sleep_until(at)
        woke.append(name)

    tasks = [asyncio.create_task(sleeper("b", T0 + 2 * S)),
             asyncio.create_task(sleeper("a", T0 + S))]
    await asyncio.sleep(0)
    clock.advance(S / 2)
    await asyncio.sleep(0)
    assert woke == []
    clock.advance(S)
    await asyncio.sleep(0)
    assert woke == ["a"]
    clock.set(T0 + 10 * S)
    await asyncio.gather(*tasks)
    assert woke == ["a", "b"]
    with pytest.raises(ValueError, match="cannot go back"):
        clock.set(T0)


async def test_autojump_follows_virtual_time() -> None:
    clock = FakeClock(T0)
    order: list[tuple[str, dt.datetime]] = []

    async def worker(name: str, pause: dt.timedelta, times: int) -> None:
        for _ in range(times):
            await clock.sleep(pause)
            order.append((name, clock.now()))

    await asyncio.gather(worker("slow", 3 * S, 2), worker("fast", 2 * S, 3))
    assert order == [("fast", T0 + 2 * S), ("slow", T0 + 3 * S), ("fast", T0 + 4 * S),
                     ("slow", T0 + 6 * S), ("fast", T0 + 6 * S)]  # ties: who slept first


async def test_cancelled_sleeper_does_not_hold_time() -> None:
    clock = FakeClock(T0)
    far = asyncio.create_task(clock.sleep_until(T0 + dt.timedelta(days=1)))
    await asyncio.sleep(0)
    far.cancel()
    await clock.sleep(S)
    assert clock.now() == T0 + S


def test_fake_clock_needs_aware_time() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        FakeClock(dt.datetime(2026, 1, 1))


async def test_system_clock_sleeps_until() -> None:
    clock = SystemClock(slice_s=0.01)
    target = clock.now() + dt.timedelta(milliseconds=30)
    await clock.sleep_until(target)
    assert clock.now() >= target
    assert clock.now().tzinfo is dt.UTC
