"""The runbook runner: executes a meeting's procedure step by step, on a clock.

The runner walks the steps in order. For each it waits until the step may start, records
it STARTED (persisted), runs its action, asks its check, and records it DONE with the
time and the action's summary (persisted). A watcher task runs alongside and, for every
step not yet done, records a *warning* once its warning time passes and flags a *missed*
deadline once the deadline passes, whichever step is running at the time.

Resuming after a crash (``resume=True``) continues from the state file:

* DONE steps are never run again.
* A step found STARTED (in progress when the process died) or FAILED is retried:
  an **idempotent** action is simply run again (*at least once*); a **non-idempotent**
  action is run again only if its check shows the step *not* done, and is recorded DONE
  ("recovered") without running if the check shows it done (*at most once*, and exactly
  once as far as the check can tell). A check that fails stops the run rather than guess.
* A WAITING step (an action needed an operator) follows the same rule: idempotent
  actions (``manual`` is one) simply ask again.

So no step is lost (every step ends DONE or the run stops at it) and none is repeated
except idempotent actions, whose repetition is harmless by definition.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path

from ..errors import ConfigError, HnthError
from ..security.audit import AuditLog
from .actions import (
    Confirmer,
    OperatorNeeded,
    StepAction,
    StepCheck,
    StepContext,
    StepOutcome,
    StepRegistry,
    default_registry,
    no_operator,
)
from .clock import Clock, SystemClock
from .confirmations import confirmations, run_key
from .definition import Meeting
from .state import (
    DeadlineStatus,
    RunEvent,
    RunLock,
    RunState,
    RunStatus,
    StepRecord,
    StepStatus,
    judge_deadline,
    load_state,
    save_state,
)
from .steps import Procedure, Scheduled, Step, procedure_for, schedule

__all__ = ["Runbook", "Runner", "state_path_for"]

log = logging.getLogger(__name__)
_EPS = dt.timedelta(microseconds=1)  # deadlines are missed strictly after their instant


def state_path_for(meeting_file: Path) -> Path:
    """Default state file of a meeting file: ``meeting.toml`` → ``meeting.state.json``."""
    return meeting_file.with_name(meeting_file.stem + ".state.json")


class Runbook:
    """A meeting, its procedure and the resolved action and check of every step.

    Construction fails with ConfigError if a step names an action or check that is not
    registered, or a non-idempotent action without a check (it could not be resumed
    safely).
    """

    def __init__(self, meeting: Meeting, *, procedure: Procedure | None = None,
                 registry: StepRegistry | None = None) -> None:
        self.meeting = meeting
        self.procedure = procedure or procedure_for(meeting)
        self.registry = registry or default_registry()
        self.schedule: tuple[Scheduled, ...] = schedule(self.procedure, meeting)
        self.actions: dict[str, StepAction] = {}
        self.checks: dict[str, StepCheck | None] = {}
        for step in self.procedure.steps:
            try:
                action = self.registry.get_action(step.action)
                check = self.registry.get_check(step.check) if step.check else None
            except ConfigError as exc:
                raise ConfigError(f"step {step.name!r}: {exc.message}", device=meeting.id,
                                  operation="prepare runbook", expected=exc.expected,
                                  got=exc.got) from None
            if not action.idempotent and check is None:
                raise ConfigError(
                    f"step {step.name!r}: action {action.name!r} is not idempotent and the "
                    "step has no check to prove it done after a crash",
                    device=meeting.id, operation="prepare runbook",
                    expected="an idempotent action, or a check (steps.NAME.check)")
            self.actions[step.name] = action
            self.checks[step.name] = check

    def problems(self) -> list[str]:
        """Deadlines that cannot be met as scheduled (shown by ``hnth meeting plan``)."""
        out = []
        request = self.meeting.request
        for s in self.schedule:
            if s.deadline is not None and s.deadline < request:
                out.append(f"{s.step.name}: deadline {s.deadline.isoformat()} is before the "
                           f"request ({request.isoformat()}): it cannot be met")
            if s.deadline is not None and s.not_before is not None and \
                    s.not_before > s.deadline:
                out.append(f"{s.step.name}: may start only at {s.not_before.isoformat()}, "
                           f"after its deadline {s.deadline.isoformat()}")
        return out

    def new_state(self, now: dt.datetime) -> RunState:
        """A fresh state: every step PENDING with its absolute deadline."""
        return RunState(
            meeting_id=self.meeting.id, meeting_sha256=self.meeting.sha256,
            kind=self.meeting.kind.value, created_at=now, updated_at=now,
            steps={s.step.name: StepRecord(s.step.name, deadline=s.deadline, warn_at=s.warn_at)
                   for s in self.schedule})

    def check_state(self, state: RunState, source: str) -> None:
        """Refuse to resume a state that belongs to another meeting or procedure."""
        def bad(msg: str, expected: str, got: str) -> ConfigError:
            return ConfigError(msg, device=source, operation="resume run",
                               expected=expected, got=got)
        if state.meeting_id != self.meeting.id:
            raise bad("the state belongs to another meeting", self.meeting.id, state.meeting_id)
        if state.meeting_sha256 != self.meeting.sha256:
            raise bad("the meeting file changed since this run began",
                      f"sha256 {state.meeting_sha256[:16]}…",
                      f"sha256 {self.meeting.sha256[:16]}…")
        if tuple(state.steps) != self.procedure.names:
            raise bad("the state's steps differ from the procedure",
                      repr(list(self.procedure.names)), repr(list(state.steps)))


class Runner:
    """Runs a :class:`Runbook`, persisting its state to ``state_path`` after every change.

    ``clock`` (default: the system clock) is the only source of time. ``confirm`` asks an
    operator for manual steps (default: nobody, so a manual step makes the run WAIT).
    ``on_event`` sees every event as it is recorded; ``audit`` receives step results.
    ``work_dir`` (default: the state file's directory) is where actions keep files.
    With ``wait=False`` the run stops (WAITING) at a step that may not start yet instead
    of sleeping until it may: a scheduler then calls ``resume`` later.

    A manual step also takes a confirmation recorded in the run's confirmation file
    (:mod:`.confirmations`, written by the console): one found when the step asks counts
    at once; with ``confirm_poll_s`` a step that ``confirm`` cannot confirm waits for one
    (the step marked ``awaiting_confirmation`` in the state, the file read this often)
    instead of stopping the run WAITING.
    """

    def __init__(self, runbook: Runbook, state_path: Path, *, clock: Clock | None = None,
                 confirm: Confirmer | None = None,
                 on_event: Callable[[RunEvent], None] | None = None,
                 audit: AuditLog | None = None, actor: str = "runbook",
                 work_dir: Path | None = None, wait: bool = True,
                 confirm_poll_s: float | None = None) -> None:
        self.runbook = runbook
        self.state_path = state_path
        self.clock: Clock = clock or SystemClock()
        self.confirm = confirm
        self.on_event = on_event
        self.audit = audit
        self.actor = actor
        self.work_dir = work_dir or state_path.parent
        self.wait = wait
        self.confirm_poll_s = confirm_poll_s
        self._state: RunState | None = None

    # --- persistence and events -------------------------------------------------------

    def _save(self, state: RunState) -> None:
        now = self.clock.now()
        state.updated_at = now
        for s in self.runbook.schedule:
            rec = state.steps[s.step.name]
            finished = rec.finished_at if rec.status is StepStatus.DONE else None
            rec.deadline_status = judge_deadline(rec.deadline, rec.warn_at, finished, now)
        save_state(self.state_path, state)

    def _event(self, state: RunState, step: str, kind: str, message: str) -> None:
        ev = RunEvent(self.clock.now(), step, kind, message)
        state.events.append(ev)
        log.log(logging.WARNING if kind in ("warning", "missed", "violation", "failed")
                else logging.INFO, "%s %s: %s", step, kind, message)
        if self.on_event is not None:
            self.on_event(ev)

    def _audit(self, step: str, result: str, detail: dict[str, object]) -> None:
        if self.audit is not None:
            self.audit.append(actor=self.actor, action="meeting.step",
                              target=f"{self.runbook.meeting.id}/{step}", result=result,
                              detail=detail)

    # --- the run ------------------------------------------------------------------------

    async def run(self, *, resume: bool = False) -> RunState:
        """Start a run (``resume=False``, no state may exist) or continue one."""
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        with RunLock(self.state_path):
            # Under the lock nobody else writes: a temporary file left now is a dead
            # writer's, never a live one's.
            for stale in self.state_path.parent.glob(f".{self.state_path.name}.*.tmp"):
                stale.unlink(missing_ok=True)
            if resume:
                state = load_state(self.state_path)
                self.runbook.check_state(state, str(self.state_path))
            elif self.state_path.exists():
                raise ConfigError("a run of this meeting exists already",
                                  device=str(self.state_path), operation="start run",
                                  expected="'hnth meeting resume' to continue it, or "
                                  "another --state file")
            else:
                state = self.runbook.new_state(self.clock.now())
            state.sessions += 1
            state.status = RunStatus.RUNNING
            self._state = state
            self._event(state, "", "session",
                        f"{'resumed' if resume else 'started'} (session {state.sessions})")
            self._save(state)
            watcher = asyncio.ensure_future(self._watch(state))
            stopped = True
            try:
                for sched in self.runbook.schedule:
                    if state.steps[sched.step.name].status is StepStatus.DONE:
                        continue
                    if not await self._run_step(sched, state):
                        break
                else:
                    state.status = RunStatus.DONE
                    self._event(state, "", "session", "procedure complete")
                stopped = False
            finally:
                if stopped and state.status is RunStatus.RUNNING:
                    state.status = RunStatus.STOPPED
                    self._event(state, "", "session", "stopped before the procedure ended")
                watcher.cancel()  # it only touches the state between its awaits
                self._save(state)
                with contextlib.suppress(asyncio.CancelledError):
                    await watcher
            return state

    def _context(self, sched: Scheduled, attempt: int) -> StepContext:
        return StepContext(self.runbook.meeting, sched.step, self.clock, self.work_dir,
                           attempt, self._confirm)

    async def _confirm(self, step: Step, meeting: Meeting) -> str:
        """Who confirms a manual step: the confirmation file, else ``confirm``, else (with
        ``confirm_poll_s``) a confirmation recorded in the file while the step waits."""
        state = self._state
        assert state is not None
        key = run_key(state)
        found = confirmations(self.state_path, key).get(step.name)
        if found is not None:
            return found.by
        try:
            return await (self.confirm or no_operator)(step, meeting)
        except OperatorNeeded:
            if self.confirm_poll_s is None:
                raise
        rec = state.steps[step.name]
        rec.detail["awaiting_confirmation"] = True
        self._event(state, step.name, "asking",
                    f"waits for an operator to confirm it done ({step.owner}: {step.rule})")
        self._save(state)
        try:
            while (found := confirmations(self.state_path, key).get(step.name)) is None:
                await self.clock.sleep_until(
                    self.clock.now() + dt.timedelta(seconds=self.confirm_poll_s))
        finally:
            rec.detail.pop("awaiting_confirmation", None)
        return found.by

    async def _run_step(self, sched: Scheduled, state: RunState) -> bool:
        step = sched.step
        rec = state.steps[step.name]
        action = self.runbook.actions[step.name]
        check = self.runbook.checks[step.name]
        if rec.status in (StepStatus.STARTED, StepStatus.FAILED, StepStatus.WAITING):
            how = {StepStatus.STARTED: "was in progress when the run stopped",
                   StepStatus.FAILED: "failed",
                   StepStatus.WAITING: "waited for an operator"}[rec.status]
            if not action.idempotent:
                assert check is not None  # Runbook refuses this combination
                try:
                    proven = await check.run(self._context(sched, rec.attempts))
                except Exception as exc:
                    return self._fail(state, rec, f"{how}; its check {check.name!r} could not "
                                      f"tell whether it is done: {_describe(exc)}")
                if proven:
                    # The true finish time is unknown (before the crash): the record keeps
                    # the time it was proven, which can only judge the deadline harsher.
                    rec.recovered = True
                    text = f"{how}; check {check.name!r} shows it done: not run again"
                    self._event(state, step.name, "recovered", text)
                    self._finish(state, sched, rec, StepOutcome(summary=text))
                    return True
                self._event(state, step.name, "rerun",
                            f"{how}; check {check.name!r} shows it not done: running it again")
            else:
                self._event(state, step.name, "rerun", f"{how}; idempotent: running it again")

        if sched.not_before is not None and self.clock.now() < sched.not_before:
            self._event(state, step.name, "waiting",
                        f"may start at {sched.not_before.isoformat()}")
            if not self.wait:
                state.status = RunStatus.WAITING
                self._save(state)
                return False
            self._save(state)
            await self.clock.sleep_until(sched.not_before)

        rec.status = StepStatus.STARTED
        rec.attempts += 1
        rec.started_at = self.clock.now()
        rec.error = None
        self._event(state, step.name, "started",
                    f"attempt {rec.attempts}: {step.title} ({step.owner})")
        self._save(state)  # from here a crash leaves the step recorded as in progress

        try:
            outcome = await action.run(self._context(sched, rec.attempts))
        except OperatorNeeded as exc:
            rec.status = StepStatus.WAITING
            state.status = RunStatus.WAITING
            rec.error = exc.message
            self._event(state, step.name, "waiting", exc.message)
            self._save(state)
            return False
        except Exception as exc:  # plug-in bugs included: record, never lose the state
            if not isinstance(exc, HnthError):
                log.exception("step %s: action %s raised", step.name, action.name)
            return self._fail(state, rec, f"action {action.name!r} failed: {_describe(exc)}")
        if check is not None:
            try:
                proven = await check.run(self._context(sched, rec.attempts))
            except Exception as exc:
                return self._fail(state, rec, f"check {check.name!r} failed: {_describe(exc)}")
            if not proven:
                return self._fail(state, rec, f"action {action.name!r} returned but check "
                                  f"{check.name!r} does not show the step done")
        self._finish(state, sched, rec, outcome or StepOutcome())
        return True

    def _fail(self, state: RunState, rec: StepRecord, message: str) -> bool:
        rec.status = StepStatus.FAILED
        rec.error = message
        state.status = RunStatus.FAILED
        self._event(state, rec.name, "failed", message)
        self._audit(rec.name, "failed", {"error": message, "attempt": rec.attempts})
        self._save(state)
        return False

    def _finish(self, state: RunState, sched: Scheduled, rec: StepRecord,
                outcome: StepOutcome) -> None:
        now = self.clock.now()
        limit = sched.step.switch_limit_s
        for sw in outcome.switches:
            if limit is not None and sw.seconds > limit:
                text = f"switch to {sw.site} took {sw.seconds:.1f} s (limit {limit:.0f} s)"
                rec.violations.append(text)
                self._event(state, rec.name, "violation", text)
        if outcome.switches:
            rec.detail["switches"] = len(outcome.switches)
            rec.detail["slowest_switch_s"] = max(sw.seconds for sw in outcome.switches)
        rec.detail.update(outcome.detail)
        rec.status = StepStatus.DONE
        rec.finished_at = now
        rec.summary = outcome.summary or rec.summary
        status = judge_deadline(rec.deadline, rec.warn_at, now, now)
        if status is DeadlineStatus.MISSED and rec.missed_at is None:
            rec.missed_at = now
            self._event(state, rec.name, "missed",
                        f"done after its deadline {_hhmm(rec.deadline)}")
        self._event(state, rec.name, "done",
                    f"{rec.summary or 'done'} (deadline: {status.value})")
        self._audit(rec.name, "done", {"deadline": status.value, "summary": rec.summary,
                                       "recovered": rec.recovered})
        self._save(state)

    async def _watch(self, state: RunState) -> None:
        """Warn before, and flag after, the deadline of every step not yet done."""
        while True:
            now = self.clock.now()
            wake: dt.datetime | None = None
            changed = False
            for sched in self.runbook.schedule:
                rec = state.steps[sched.step.name]
                if rec.status is StepStatus.DONE or sched.deadline is None:
                    continue
                if rec.missed_at is None and now > sched.deadline:
                    rec.missed_at = now
                    rec.warned_at = rec.warned_at or now
                    self._event(state, rec.name, "missed",
                                f"deadline {_hhmm(sched.deadline)} passed and the step is not "
                                f"done ({sched.step.owner}: {sched.step.rule})")
                    changed = True
                    continue
                warn_at = sched.warn_at
                if rec.warned_at is None and warn_at is not None and now > warn_at:
                    rec.warned_at = now
                    left = round((sched.deadline - now).total_seconds() / 60)
                    self._event(state, rec.name, "warning",
                                f"not done, deadline {_hhmm(sched.deadline)} in {left} min "
                                f"({sched.step.owner}: {sched.step.rule})")
                    changed = True
                for t in (warn_at if rec.warned_at is None else None,
                          sched.deadline if rec.missed_at is None else None):
                    if t is not None and (wake is None or t + _EPS < wake):
                        wake = t + _EPS
            if changed:
                self._save(state)
            if wake is None:
                return
            await self.clock.sleep_until(wake)


def _describe(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, HnthError) else f"{type(exc).__name__}: {exc}"


def _hhmm(t: dt.datetime | None) -> str:
    return "-" if t is None else t.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
