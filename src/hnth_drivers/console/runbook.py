"""A meeting's runbook on the console: its steps, deadlines and verdicts, read-only.

The state file ``hnth meeting run`` keeps (:mod:`hnth_drivers.meeting.state`, rewritten
atomically after every change) is read on each request; a step not finished yet is
judged against its deadline now (:func:`~hnth_drivers.meeting.state.judge_deadline`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..meeting.state import StepStatus, judge_deadline, load_state

__all__ = ["runbook_json"]


def _iso(t: dt.datetime | None) -> str | None:
    return t.isoformat(timespec="seconds") if t is not None else None


def runbook_json(path: Path) -> dict[str, object]:
    """The run's status, each step (status, deadline, verdict, summary) and the last
    events, from the state file at ``path``."""
    state = load_state(path)
    now = dt.datetime.now(dt.UTC)
    steps = []
    for rec in state.steps.values():
        finished = rec.finished_at if rec.status is StepStatus.DONE else None
        verdict = judge_deadline(rec.deadline, rec.warn_at, finished, now)
        steps.append({"name": rec.name, "status": rec.status.value,
                      "deadline": _iso(rec.deadline), "finished_at": _iso(rec.finished_at),
                      "verdict": verdict.value, "summary": rec.summary, "error": rec.error})
    return {"meeting": state.meeting_id, "kind": state.kind, "status": state.status.value,
            "updated_at": _iso(state.updated_at), "steps": steps,
            "events": [{"at": _iso(e.at), "step": e.step, "kind": e.kind,
                        "message": e.message} for e in state.events[-20:]]}
