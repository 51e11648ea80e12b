"""Clocks for the runbook: the system clock, and a fake one for tests and simulations.

The runner only ever asks a clock for ``now()`` (an aware UTC datetime) and to
``sleep_until(when)``; nothing in the meeting package reads the time any other way, so a
:class:`FakeClock` makes deadline behaviour exact and instant to test.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import heapq
import itertools
from typing import Protocol

__all__ = ["Clock", "FakeClock", "SystemClock"]

_UTC = dt.UTC


class Clock(Protocol):
    """What the runner needs of time."""

    def now(self) -> dt.datetime:
        """The current time, timezone-aware."""
        ...

    async def sleep_until(self, when: dt.datetime) -> None:
        """Return once ``now() >= when`` (at once if it already is)."""
        ...


class SystemClock:
    """Wall-clock time in UTC. Sleeps in slices so that a clock step is noticed."""

    def __init__(self, *, slice_s: float = 30.0) -> None:
        self.slice_s = slice_s

    def now(self) -> dt.datetime:
        """The current UTC time."""
        return dt.datetime.now(_UTC)

    async def sleep_until(self, when: dt.datetime) -> None:
        """Sleep until ``when``, re-reading the clock at least every ``slice_s`` seconds."""
        while True:
            left = (when - self.now()).total_seconds()
            if left <= 0:
                return
            await asyncio.sleep(min(left, self.slice_s))


class FakeClock:
    """Virtual time. ``advance``/``set`` move it; with ``autojump`` it moves by itself.

    With ``autojump`` (the default), whenever someone sleeps, the clock lets the event
    loop turn ``idle_turns`` times and then jumps to the earliest pending wake-up: a run
    whose actions only await this clock (or short pure-asyncio work) takes no real time
    and happens in exactly the order its virtual times say.
    Actions doing real I/O in threads should use ``autojump=False`` and drive the clock.
    """

    def __init__(self, start: dt.datetime, *, autojump: bool = True, idle_turns: int = 20
                 ) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs a timezone-aware start time")
        self._now = start
        self.autojump = autojump
        self.idle_turns = idle_turns
        self._sleepers: list[tuple[dt.datetime, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._jumper: asyncio.Task[None] | None = None

    def now(self) -> dt.datetime:
        """The virtual time."""
        return self._now

    def set(self, when: dt.datetime) -> None:
        """Move the clock to ``when`` (never backwards) and wake whoever it concerns."""
        if when < self._now:
            raise ValueError(f"FakeClock cannot go back from {self._now} to {when}")
        self._now = when
        while self._sleepers and self._sleepers[0][0] <= self._now:
            _, _, fut = heapq.heappop(self._sleepers)
            if not fut.done():
                fut.set_result(None)

    def advance(self, delta: dt.timedelta) -> None:
        """Move the clock forward by ``delta``."""
        self.set(self._now + delta)

    async def sleep(self, delta: dt.timedelta) -> None:
        """Sleep for ``delta`` of virtual time (what a fake step action uses to take time)."""
        await self.sleep_until(self._now + delta)

    async def sleep_until(self, when: dt.datetime) -> None:
        """Wait until the virtual time reaches ``when``."""
        if when <= self._now:
            await asyncio.sleep(0)
            return
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[None] = loop.create_future()
        heapq.heappush(self._sleepers, (when, next(self._order), fut))
        if self.autojump and (self._jumper is None or self._jumper.done()):
            self._jumper = loop.create_task(self._autojump())
        try:
            await fut
        finally:
            fut.cancel()  # no-op when woken; marks an abandoned sleep as done

    async def _autojump(self) -> None:
        while True:
            for _ in range(self.idle_turns):
                await asyncio.sleep(0)
            while self._sleepers and self._sleepers[0][2].done():
                heapq.heappop(self._sleepers)
            if not self._sleepers:
                return
            self.set(self._sleepers[0][0])
