"""Property: whatever each step takes, the runner's verdicts and events follow the rules."""

from __future__ import annotations

import asyncio
import datetime as dt
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from hnth_drivers.meeting.clock import FakeClock
from hnth_drivers.meeting.definition import parse_meeting
from hnth_drivers.meeting.runbook import Runbook, Runner
from hnth_drivers.meeting.state import DeadlineStatus, RunStatus, judge_deadline
from hnth_drivers.meeting.steps import AD_HOC, PLANNED

from .conftest import REQUEST, START, TimedSteps, meeting_text

# fsync on tmpfs costs nothing: the property is about time rules, not disks
_SCRATCH = "/dev/shm" if Path("/dev/shm").is_dir() else None
durations = st.integers(min_value=0, max_value=6 * 3600).map(lambda s: dt.timedelta(seconds=s))


@settings(max_examples=40, deadline=None)
@given(kind=st.sampled_from(["planned", "ad-hoc"]),
       took=st.lists(durations, min_size=8, max_size=8))
def test_verdicts_and_events_follow_the_rules(kind: str, took: list[dt.timedelta]) -> None:
    procedure = PLANNED if kind == "planned" else AD_HOC
    request = REQUEST if kind == "planned" else START - dt.timedelta(hours=3)
    clock = FakeClock(request)
    timed = TimedSteps(clock)
    timed.durations = dict(zip(procedure.names, took, strict=False))
    meeting = parse_meeting(meeting_text(kind=kind, request=request))
    book = Runbook(meeting, registry=timed.registry())
    with tempfile.TemporaryDirectory(dir=_SCRATCH) as d:
        state = asyncio.run(Runner(book, Path(d) / "s.json", clock=clock).run())
    assert state.status is RunStatus.DONE
    previous_end = request
    for sched in book.schedule:
        rec = state.steps[sched.step.name]
        assert rec.started_at is not None and rec.finished_at is not None
        # in order, never before its time, for exactly as long as it took
        assert rec.started_at == max(previous_end, sched.not_before or previous_end)
        assert rec.finished_at == rec.started_at + timed.durations[sched.step.name]
        previous_end = rec.finished_at
        verdict = judge_deadline(sched.deadline, sched.warn_at, rec.finished_at,
                                 rec.finished_at)
        assert rec.deadline_status is verdict
        kinds = [e.kind for e in state.events if e.step == sched.step.name]
        assert sched.deadline is not None
        late = rec.finished_at > sched.deadline
        assert ("missed" in kinds) is late
        assert kinds.count("missed") <= 1 and kinds.count("warning") <= 1
        # a warning is given exactly when the step was still open after its warning time
        # (unless the deadline had already passed when it was first noticed)
        if verdict is DeadlineStatus.WARNED:
            assert "warning" in kinds
        if verdict is DeadlineStatus.MET:
            assert "warning" not in kinds
