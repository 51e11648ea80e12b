"""A meeting's runbook running in a thread of its own (as ``hnth meeting run`` would in
its process), waiting for manual steps to be confirmed through the confirmation file."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import threading
import time
from pathlib import Path

from hnth_drivers.meeting.actions import default_registry
from hnth_drivers.meeting.definition import parse_meeting
from hnth_drivers.meeting.runbook import Runbook, Runner
from hnth_drivers.meeting.state import StepStatus, load_state
from tests.meeting.conftest import meeting_text


def now_meeting() -> str:
    """A planned meeting requested a minute ago, starting in three hours (its rehearsal
    now): the first manual steps ask at once."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    return meeting_text(request=now - dt.timedelta(minutes=1),
                        start=now + dt.timedelta(hours=3), end=now + dt.timedelta(hours=5))


class RunnerThread:
    """``Runner(..., confirm_poll_s=0.2).run()`` in a thread; ``stop`` cancels it."""

    def __init__(self, directory: Path) -> None:
        self.state = directory / "meeting.state.json"
        book = Runbook(parse_meeting(now_meeting()), registry=default_registry(plugins=False))
        self.runner = Runner(book, self.state, confirm_poll_s=0.2, actor="runbook")
        self.loop = asyncio.new_event_loop()
        self.task: asyncio.Task[object] | None = None
        self.thread = threading.Thread(target=self._main, daemon=True)

    def _main(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.task = self.loop.create_task(self.runner.run())
        with contextlib.suppress(asyncio.CancelledError):
            self.loop.run_until_complete(self.task)

    def start(self) -> None:
        """Start the run and wait until a step asks for a confirmation."""
        self.thread.start()
        self.wait_asking()

    def asking(self) -> str | None:
        """The step that waits for a confirmation now, if any."""
        if not self.state.exists():
            return None
        for rec in load_state(self.state).steps.values():
            if rec.status is StepStatus.STARTED and rec.detail.get("awaiting_confirmation"):
                return rec.name
        return None

    def wait_asking(self, *, not_: str | None = None, within_s: float = 30.0) -> str:
        """The step asking for a confirmation (other than ``not_``), waited for."""
        end = time.monotonic() + within_s
        while time.monotonic() < end:
            step = self.asking()
            if step is not None and step != not_:
                return step
            time.sleep(0.1)
        raise AssertionError(f"no step asks for a confirmation within {within_s} s")

    def stop(self) -> None:
        """Cancel the run (the state is saved as stopped) and join the thread."""
        if self.task is not None:
            self.loop.call_soon_threadsafe(self.task.cancel)
        self.thread.join(30)
