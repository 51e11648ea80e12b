"""A meeting's runbook on the console: its steps, deadlines and verdicts, the manual
steps confirmed from the page, and the quality report it links to.

The state file ``hnth meeting run`` keeps (:mod:`hnth_drivers.meeting.state`, rewritten
atomically after every change) is read on each request; a step not finished yet is
judged against its deadline now (:func:`~hnth_drivers.meeting.state.judge_deadline`).
The console never writes that file (its runner alone does): a manual step that waits
for an operator (``waiting``, or ``awaiting_confirmation`` while the runner polls) is
confirmed by appending to the run's confirmation file
(:mod:`hnth_drivers.meeting.confirmations`), which the runner takes the confirmation
from. Confirming is authorised like any control of the whole network
(``mcu_control`` over the national root site: a central operator, or an MCU
technician whose area is the whole network) and audited (``console.runbook_confirm``),
refusals too. Both files are watched, and every change is an event on the alarm feed
(``runbook``), so open pages refresh at once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import AccessDenied, ConfigError
from ..meeting.confirmations import (
    Confirmation,
    confirmation_path_for,
    confirmations,
    record_confirmation,
    run_key,
)
from ..meeting.state import RunState, StepStatus, judge_deadline, load_state
from ..security.access import Action, Operator, authorize
from .i18n import Msg, Word

if TYPE_CHECKING:
    from .service import ConsoleService

__all__ = ["Refusal", "RunbookBoard", "render_report", "runbook_json"]


class Refusal(Exception):
    """A request the runbook refuses: an HTTP status and the message to show."""

    def __init__(self, status: int, message: Msg) -> None:
        super().__init__(message.key)
        self.status, self.message = status, message


def _iso(t: dt.datetime | None) -> str | None:
    return t.isoformat(timespec="seconds") if t is not None else None


def _asking(status: StepStatus, detail: dict[str, object]) -> bool:
    return status is StepStatus.WAITING or (status is StepStatus.STARTED and bool(
        detail.get("awaiting_confirmation")))


def runbook_json(path: Path, state: RunState | None = None) -> dict[str, object]:
    """The run's status, each step (status, deadline, verdict, summary, whether it waits
    for a confirmation and who gave one) and the last events, from the state file."""
    state = state or load_state(path)
    now = dt.datetime.now(dt.UTC)
    given = confirmations(path, run_key(state))
    steps = []
    for rec in state.steps.values():
        finished = rec.finished_at if rec.status is StepStatus.DONE else None
        verdict = judge_deadline(rec.deadline, rec.warn_at, finished, now)
        got = given.get(rec.name)
        steps.append({"name": rec.name, "status": rec.status.value,
                      "deadline": _iso(rec.deadline), "finished_at": _iso(rec.finished_at),
                      "verdict": verdict.value, "summary": rec.summary, "error": rec.error,
                      "asking": _asking(rec.status, rec.detail),
                      "confirmed_by": got.by if got is not None and
                      rec.status is not StepStatus.DONE else None})
    return {"meeting": state.meeting_id, "kind": state.kind, "status": state.status.value,
            "updated_at": _iso(state.updated_at), "steps": steps,
            "events": [{"at": _iso(e.at), "step": e.step, "kind": e.kind,
                        "message": e.message} for e in state.events[-20:]]}


def render_report(record: Path, lang: str) -> str:
    """The quality report of a meeting record as HTML in ``lang`` (``en`` or ``vi``)."""
    from ..meeting.record import load_record
    from ..meeting.report import evaluate
    from ..meeting.report_html import render_html

    return render_html(evaluate(load_record(record)), lang=lang)


class RunbookBoard:
    """The runbook of the state file ``path`` as the console shows and drives it."""

    def __init__(self, path: Path, service: ConsoleService) -> None:
        self.path = path
        self.service = service
        root: str = service.cascade.chair
        while (parent := service.parent.get(root)) is not None:
            root = parent
        self.root = root
        self._lock = asyncio.Lock()

    def may_confirm(self, operator: Operator) -> bool:
        """Whether ``operator`` may confirm the runbook's steps (what the page offers)."""
        return self.service.may(operator, Action.MCU_CONTROL, self.root)

    def may_see_all(self, operator: Operator) -> bool:
        """Whether ``operator`` sees the whole network (the quality report covers it)."""
        return self.service.may(operator, Action.VIEW, self.root)

    async def view(self, operator: Operator) -> dict[str, object]:
        """:func:`runbook_json`, with whether ``operator`` may confirm steps."""
        data = await asyncio.to_thread(runbook_json, self.path)
        return {**data, "can_confirm": self.may_confirm(operator),
                "can_report": self.may_see_all(operator)}

    async def confirm(self, operator: Operator, step: str, client: str) -> Confirmation:
        """Record that ``operator`` confirmed ``step`` done; :class:`Refusal` (audited)
        when the role or area may not, the step is unknown or does not wait for it."""
        async def refused(status: int, message: Msg, **detail: object) -> Refusal:
            await self.service.audit(operator.name, "console.runbook_confirm", step,
                                     "refused", reason=message.text("en"), client=client,
                                     **detail)
            return Refusal(status, message)

        try:
            authorize(operator, Action.MCU_CONTROL, self.root, self.service.tree)
        except AccessDenied as exc:
            raise await refused(403, Msg("confirm_refused"), denied=exc.message) from None
        async with self._lock:  # two operators at once: the second is told the first
            try:
                state = await asyncio.to_thread(load_state, self.path)
                given = await asyncio.to_thread(confirmations, self.path, run_key(state))
            except ConfigError as exc:
                raise Refusal(502, Msg("runbook_unreadable", {"error": exc})) from None
            rec = state.steps.get(step)
            if rec is None:
                raise await refused(404, Msg("no_step", {"step": repr(step)}))
            if step in given and rec.status is not StepStatus.DONE:
                raise await refused(409, Msg("already_confirmed",
                                             {"step": step, "by": given[step].by}))
            if not _asking(rec.status, rec.detail):
                raise await refused(409, Msg("not_asking", {
                    "step": step, "status": Word(f"st_{rec.status.value}")}))
            done = Confirmation(step, operator.name, dt.datetime.now(dt.UTC), run_key(state))
            await asyncio.to_thread(record_confirmation, self.path, done)
        await self.service.audit(operator.name, "console.runbook_confirm", step, "ok",
                                 meeting=state.meeting_id, run=done.run, client=client)
        self.service.hub.publish({"type": "runbook"})
        return done

    def record_path(self) -> Path | None:
        """The meeting record the run's ``serve_meeting`` step names (for the quality
        report), or None while it names none."""
        state = load_state(self.path)
        rec = state.steps.get("serve_meeting")
        named = rec.detail.get("record") if rec is not None else None
        if not isinstance(named, str) or not named:
            return None
        where = Path(named)
        return where if where.is_absolute() else self.path.parent / where

    async def watch(self, every_s: float = 0.5) -> None:
        """Publish a ``runbook`` event whenever the state or confirmation file changes."""
        files = (self.path, confirmation_path_for(self.path))

        def stamp() -> tuple[int, ...]:
            out = []
            for f in files:
                try:
                    st = f.stat()
                    out += [st.st_mtime_ns, st.st_size, st.st_ino]
                except FileNotFoundError:
                    out += [0, 0, 0]
            return tuple(out)

        last = stamp()
        while True:
            await asyncio.sleep(every_s)
            now = stamp()
            if now != last:
                last = now
                self.service.hub.publish({"type": "runbook"})
