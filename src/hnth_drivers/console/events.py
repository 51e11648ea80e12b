"""The console's events (alarms, states, what the chair sees) fanned out to the open
alarm feeds, each subscriber getting only what lies in its operator's area."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from ..security.access import Operator

__all__ = ["EventHub"]


@dataclass(frozen=True, slots=True)
class _Subscriber:
    operator: Operator
    queue: asyncio.Queue[dict[str, Any]]


class EventHub:
    """Fan-out of console events to the open alarm feeds, filtered by area."""

    def __init__(self, sees: Callable[[Operator, str | None], bool], *,
                 backlog: int = 256) -> None:
        self._sees = sees
        self._subscribers: set[_Subscriber] = set()
        self._backlog = backlog
        self.recent: list[dict[str, Any]] = []

    def publish(self, event: dict[str, Any]) -> None:
        """Send ``event`` (its ``area`` is a site id; ``None``: everyone) to subscribers."""
        event.setdefault("at", time.strftime("%H:%M:%S"))
        if event.get("type") == "alarm":
            self.recent = [*self.recent[-49:], event]
        for sub in list(self._subscribers):
            if not self._sees(sub.operator, event.get("area")):
                continue
            try:
                sub.queue.put_nowait(event)
            except asyncio.QueueFull:  # a stalled feed loses old news, never blocks others
                with contextlib.suppress(asyncio.QueueEmpty):
                    sub.queue.get_nowait()
                sub.queue.put_nowait(event)

    def close(self) -> None:
        """End every open feed (the console is stopping)."""
        for sub in list(self._subscribers):
            with contextlib.suppress(asyncio.QueueFull):
                sub.queue.put_nowait({"type": "_end"})

    @contextlib.asynccontextmanager
    async def subscribe(self, operator: Operator) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
        """A queue of the events ``operator`` may see, while the context lasts."""
        sub = _Subscriber(operator, asyncio.Queue(self._backlog))
        for event in self.recent:
            if self._sees(operator, event.get("area")):
                sub.queue.put_nowait(event)
        self._subscribers.add(sub)
        try:
            yield sub.queue
        finally:
            self._subscribers.discard(sub)
