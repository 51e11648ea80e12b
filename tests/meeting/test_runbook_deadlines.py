"""Deadline logic on a fake clock: met, warned, missed; planned and ad-hoc step sets."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from hnth_drivers.errors import ConfigError
from hnth_drivers.meeting.actions import StepContext, StepOutcome, StepRegistry
from hnth_drivers.meeting.clock import FakeClock
from hnth_drivers.meeting.definition import Meeting, parse_meeting
from hnth_drivers.meeting.runbook import Runbook, Runner
from hnth_drivers.meeting.state import (
    DeadlineStatus,
    RunState,
    RunStatus,
    StepStatus,
    judge_deadline,
    load_state,
)
from hnth_drivers.meeting.steps import AD_HOC, PLANNED, SWITCH_LIMIT_S, Anchor, Step

from .conftest import END, REQUEST, START, TimedSteps, meeting_text

MIN = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)


def runner(tmp_path: Path, timed: TimedSteps, **kw: Any) -> Runner:
    meeting = parse_meeting(meeting_text(**kw))
    return Runner(Runbook(meeting, registry=timed.registry()), tmp_path / "state.json",
                  clock=timed.clock)


def events(state: RunState, step: str, kind: str) -> list[str]:
    return [e.message for e in state.events if e.step == step and e.kind == kind]


def test_step_sets_planned_and_ad_hoc() -> None:
    assert PLANNED.names == ("notify_units", "agree_connection_plan", "rehearse",
                             "cascade_slave_mcus", "chair_test_calls", "system_ready",
                             "serve_meeting", "quality_evaluation")
    assert AD_HOC.names == tuple(n for n in PLANNED.names if n != "rehearse")
    for proc in (PLANNED, AD_HOC):
        notify = proc.step("notify_units").deadline
        assert notify is not None and (notify.anchor, notify.delta) == (Anchor.REQUEST, 15 * MIN)
        ready = proc.step("system_ready").deadline
        assert ready is not None and (ready.anchor, ready.delta) == (Anchor.START, -30 * MIN)
        assert proc.step("serve_meeting").switch_limit_s == SWITCH_LIMIT_S == 30.0
        evaluation = proc.step("quality_evaluation").not_before
        assert evaluation is not None and evaluation.anchor is Anchor.END
    cascade = PLANNED.step("cascade_slave_mcus").deadline
    assert cascade is not None and cascade.delta == -2 * HOUR
    rehearse = PLANNED.step("rehearse").deadline
    assert rehearse is not None and rehearse.delta == -2 * HOUR
    adhoc_cascade = AD_HOC.step("cascade_slave_mcus").deadline
    assert adhoc_cascade is not None and adhoc_cascade.delta == -30 * MIN


@pytest.mark.parametrize(("took", "expected"), [
    (10 * MIN, DeadlineStatus.MET),              # warning time is request + 10 min
    (10 * MIN + dt.timedelta(seconds=1), DeadlineStatus.WARNED),
    (15 * MIN, DeadlineStatus.WARNED),           # exactly at the deadline is in time
    (15 * MIN + dt.timedelta(seconds=1), DeadlineStatus.MISSED),
])
async def test_notify_deadline_met_warned_missed(tmp_path: Path, timed: TimedSteps,
                                                 took: dt.timedelta,
                                                 expected: DeadlineStatus) -> None:
    timed.durations["notify_units"] = took
    state = await runner(tmp_path, timed).run()
    rec = state.steps["notify_units"]
    assert rec.status is StepStatus.DONE
    assert rec.finished_at == REQUEST + took
    assert rec.deadline_status is expected
    warned = events(state, "notify_units", "warning")
    missed = events(state, "notify_units", "missed")
    assert len(warned) == (expected in (DeadlineStatus.WARNED, DeadlineStatus.MISSED))
    assert len(missed) == (expected is DeadlineStatus.MISSED)
    if expected is DeadlineStatus.WARNED:
        # the warning is raised while the step runs, at its warning time
        assert rec.warned_at is not None and rec.warned_at <= REQUEST + 10 * MIN + MIN
    assert load_state(tmp_path / "state.json").steps["notify_units"].deadline_status is expected


async def test_watcher_flags_steps_that_have_not_started(tmp_path: Path,
                                                         timed: TimedSteps) -> None:
    # The rehearsal (from start − 3 h) runs 2 h: the cascade step, still waiting behind it,
    # is warned 30 min before start − 2 h and flagged missed at start − 2 h.
    timed.durations["rehearse"] = 2 * HOUR
    state = await runner(tmp_path, timed).run()
    assert state.status is RunStatus.DONE
    rehearse, cascade = state.steps["rehearse"], state.steps["cascade_slave_mcus"]
    assert rehearse.started_at == START - 3 * HOUR
    assert rehearse.deadline_status is DeadlineStatus.MISSED
    assert cascade.warned_at is not None and cascade.started_at is not None
    assert cascade.warned_at < cascade.started_at
    assert cascade.missed_at is not None and cascade.missed_at < cascade.started_at
    assert cascade.deadline_status is DeadlineStatus.MISSED
    kinds = [(e.step, e.kind) for e in state.events]
    assert kinds.index(("cascade_slave_mcus", "warning")) < kinds.index(
        ("rehearse", "done")) < kinds.index(("cascade_slave_mcus", "started"))
    # steps that finished quickly meet their deadlines
    assert state.steps["system_ready"].deadline_status is DeadlineStatus.MET


async def test_planned_run_waits_for_rehearsal_start_and_end(tmp_path: Path,
                                                            timed: TimedSteps) -> None:
    state = await runner(tmp_path, timed).run()
    assert state.status is RunStatus.DONE
    assert [name for name, _ in timed.ran] == list(PLANNED.names)
    starts = dict(timed.ran)
    assert starts["rehearse"] == START - 3 * HOUR
    assert starts["serve_meeting"] == START
    assert starts["quality_evaluation"] == END
    assert all(r.deadline_status is DeadlineStatus.MET for r in state.steps.values())


async def test_ad_hoc_skips_rehearsal_keeps_ready_and_30s(tmp_path: Path,
                                                          timed: TimedSteps) -> None:
    request = START - 2 * HOUR
    timed.clock.set(request)
    timed.durations["agree_connection_plan"] = 70 * MIN   # ends at start − 50 min
    timed.durations["cascade_slave_mcus"] = 15 * MIN      # ends at start − 35 min: warned
    timed.durations["chair_test_calls"] = 10 * MIN        # ends at start − 25 min: missed
    timed.switches["serve_meeting"] = (12.0, 30.0, 31.5)
    state = await runner(tmp_path, timed, kind="ad-hoc", request=request).run()
    assert list(state.steps) == list(AD_HOC.names)
    assert "rehearse" not in [name for name, _ in timed.ran]
    assert state.steps["cascade_slave_mcus"].deadline_status is DeadlineStatus.WARNED
    assert state.steps["chair_test_calls"].deadline_status is DeadlineStatus.MISSED
    assert state.steps["system_ready"].deadline_status is DeadlineStatus.MISSED
    serve = state.steps["serve_meeting"]
    assert serve.violations == ["switch to p-haiphong took 31.5 s (limit 30 s)"]
    assert serve.detail["switches"] == 3
    assert events(state, "serve_meeting", "violation") == serve.violations


async def test_planned_meeting_keeps_30s_rule(tmp_path: Path, timed: TimedSteps) -> None:
    timed.switches["serve_meeting"] = (29.9, 30.1)
    state = await runner(tmp_path, timed).run()
    assert state.steps["serve_meeting"].violations == [
        "switch to p-haiphong took 30.1 s (limit 30 s)"]


def test_judge_deadline_table() -> None:
    d = START
    w = d - 10 * MIN
    s = dt.timedelta(seconds=1)
    assert judge_deadline(None, None, None, d) is DeadlineStatus.NONE
    assert judge_deadline(d, w, None, w) is DeadlineStatus.PENDING
    assert judge_deadline(d, w, None, w + s) is DeadlineStatus.WARNED
    assert judge_deadline(d, w, None, d + s) is DeadlineStatus.MISSED
    assert judge_deadline(d, w, w, d + HOUR) is DeadlineStatus.MET
    assert judge_deadline(d, w, d, d + HOUR) is DeadlineStatus.WARNED
    assert judge_deadline(d, w, d + s, d + s) is DeadlineStatus.MISSED


async def test_manual_step_waits_for_operator_then_resumes(tmp_path: Path,
                                                           clock: FakeClock) -> None:
    from hnth_drivers.meeting.actions import default_registry

    meeting = parse_meeting(meeting_text())
    path = tmp_path / "state.json"
    book = Runbook(meeting, registry=default_registry(plugins=False))
    state = await Runner(book, path, clock=clock).run()
    assert state.status is RunStatus.WAITING
    assert state.steps["notify_units"].status is StepStatus.DONE  # the outbox action is real
    assert state.steps["agree_connection_plan"].status is StepStatus.WAITING
    outbox = (tmp_path / "gov-2026-11-30.outbox.jsonl").read_text(encoding="utf-8")
    assert len(outbox.splitlines()) == 2  # two units: central office, Hai Phong DIC

    asked: list[str] = []

    async def operator(step: Step, _meeting: Meeting) -> str:
        asked.append(step.name)
        return "duty officer"

    state = await Runner(book, path, clock=clock, confirm=operator).run(resume=True)
    assert state.status is RunStatus.DONE
    assert asked == list(PLANNED.names[1:])
    assert state.steps["rehearse"].detail["confirmed_by"] == "duty officer"
    assert len(outbox.splitlines()) == 2  # notify not repeated


async def _never(ctx: StepContext) -> bool:
    return False


def test_non_idempotent_action_needs_a_check() -> None:
    reg = StepRegistry()

    async def once(ctx: StepContext) -> StepOutcome:
        return StepOutcome()

    reg.add_action("manual", once, idempotent=False)
    reg.add_action("notify.outbox", once, idempotent=True)
    reg.add_check("notify.outbox", _never)
    with pytest.raises(ConfigError, match="'agree_connection_plan': action 'manual' is not "
                       "idempotent and the step has no check"):
        Runbook(parse_meeting(meeting_text()), registry=reg)


def test_unknown_action_named_by_meeting_file() -> None:
    text = meeting_text(tail='\n[steps.system_ready]\naction = "readiness.sweep"\n')
    with pytest.raises(ConfigError, match=r"step 'system_ready': no step action called "
                       r"'readiness.sweep' is registered \(expected one of \['manual'"):
        Runbook(parse_meeting(text))


def test_override_unknown_step() -> None:
    text = meeting_text(kind="ad-hoc", tail='\n[steps.rehearse]\naction = "manual"\n')
    with pytest.raises(ConfigError, match=r"steps\.rehearse: no such step in the ad-hoc"):
        Runbook(parse_meeting(text))


async def test_resume_refuses_changed_meeting(tmp_path: Path, timed: TimedSteps) -> None:
    await runner(tmp_path, timed).run()
    later = runner(tmp_path, timed, end=END + HOUR)
    with pytest.raises(ConfigError, match="the meeting file changed since this run began"):
        await later.run(resume=True)
    with pytest.raises(ConfigError, match="a run of this meeting exists already"):
        await runner(tmp_path, timed).run()


def test_plan_problems_for_late_planned_request() -> None:
    meeting = parse_meeting(meeting_text(request=START - HOUR))
    problems = Runbook(meeting).problems()
    assert any(p.startswith("rehearse: deadline") and "cannot be met" in p for p in problems)
    assert any(p.startswith("cascade_slave_mcus: deadline") for p in problems)
    assert Runbook(parse_meeting(meeting_text(kind="ad-hoc", request=START - HOUR))
                   ).problems() == []


async def test_non_idempotent_step_that_waited_is_not_repeated(tmp_path: Path,
                                                               clock: FakeClock) -> None:
    """An action that did its effect and then needed an operator is proven by its check."""
    effects: list[str] = []
    reg = StepRegistry()

    async def instant(ctx: StepContext) -> StepOutcome:
        return StepOutcome()

    async def book_room(ctx: StepContext) -> StepOutcome:
        effects.append(ctx.step.name)
        await ctx.confirm(ctx.step, ctx.meeting)  # nobody: OperatorNeeded
        return StepOutcome()

    async def booked(ctx: StepContext) -> bool:
        return ctx.step.name in effects

    reg.add_action("manual", instant, idempotent=True)
    reg.add_action("notify.outbox", instant, idempotent=True)
    reg.add_action("room.book", book_room, idempotent=False)
    reg.add_check("room.book", booked)
    reg.add_check("notify.outbox", booked)
    text = meeting_text(tail='\n[steps.agree_connection_plan]\naction = "room.book"\n'
                             'check = "room.book"\n')
    book = Runbook(parse_meeting(text), registry=reg)
    effects.append("notify_units")
    state = await Runner(book, tmp_path / "s.json", clock=clock).run()
    assert state.steps["agree_connection_plan"].status is StepStatus.WAITING
    state = await Runner(book, tmp_path / "s.json", clock=clock).run(resume=True)
    assert state.status is RunStatus.DONE
    assert effects.count("agree_connection_plan") == 1
    assert state.steps["agree_connection_plan"].recovered
