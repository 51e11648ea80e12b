"""Confirmations of manual runbook steps given from outside the runner (the console).

A manual step (action ``manual``) needs an operator to say "done". ``hnth meeting run``
asks at its terminal or takes ``--confirm STEP``; an operator elsewhere (the console's
runbook panel) records the confirmation here instead: one JSON line appended to the
run's *confirmation file* beside its state file (``meeting.state.json`` →
``meeting.state.confirm.jsonl``). The runner, which alone writes the state file, takes
a confirmation from this file when the step asks for one (see
:class:`~hnth_drivers.meeting.runbook.Runner`, ``confirm_poll_s``).

A confirmation names the run it is for (:func:`run_key`: the meeting and the time the
run began), so a file left by an earlier run of the same meeting confirms nothing.
Lines are appended with a single ``write`` on a file opened ``O_APPEND`` and synced
(after a torn tail, on a line of their own); a line a crash tore, or any line that does
not parse, is skipped when read.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError
from .state import RunState

__all__ = ["MAX_FILE", "Confirmation", "confirmation_path_for", "confirmations",
           "record_confirmation", "run_key"]

MAX_FILE = 1 << 20
"""A confirmation file larger than this (bytes) is refused: it is not ours."""

_MAX_FIELD = 200


def confirmation_path_for(state_path: Path) -> Path:
    """The confirmation file of a run state file (``x.state.json`` → ``x.state.confirm.jsonl``)."""
    return state_path.with_name(state_path.stem + ".confirm.jsonl")


def run_key(state: RunState) -> str:
    """What identifies one run of a meeting: its id and the time the run began."""
    began = state.created_at.astimezone(dt.UTC).isoformat() if state.created_at else "-"
    return f"{state.meeting_id}@{began}"


@dataclass(frozen=True, slots=True)
class Confirmation:
    """``by`` confirmed the manual step ``step`` of the run ``run`` done at ``at`` (UTC)."""

    step: str
    by: str
    at: dt.datetime
    run: str


def record_confirmation(state_path: Path, confirmation: Confirmation) -> None:
    """Append ``confirmation`` to the run's confirmation file (created 0640 if missing)."""
    for name, value in (("step", confirmation.step), ("by", confirmation.by),
                        ("run", confirmation.run)):
        if not value or len(value) > _MAX_FIELD:
            raise ConfigError(f"a confirmation's {name} must be 1 to {_MAX_FIELD} characters",
                              device=str(state_path), operation="record confirmation",
                              got=repr(value[:40]))
    line = json.dumps({"step": confirmation.step, "by": confirmation.by,
                       "at": confirmation.at.astimezone(dt.UTC).isoformat(),
                       "run": confirmation.run}, ensure_ascii=False) + "\n"
    path = confirmation_path_for(state_path)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o640)
    try:
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            line = "\n" + line  # after a torn tail: a line of its own, not glued to it
        os.write(fd, line.encode("utf-8"))  # one write: appends do not interleave
        os.fsync(fd)
    finally:
        os.close(fd)


def confirmations(state_path: Path, run: str) -> dict[str, Confirmation]:
    """The first confirmation of each step recorded for the run ``run`` (none when the
    file is missing); ConfigError when the file is too large to be ours."""
    path = confirmation_path_for(state_path)
    try:
        with path.open("rb") as f:
            data = f.read(MAX_FILE + 1)
    except FileNotFoundError:
        return {}
    if len(data) > MAX_FILE:
        raise ConfigError("the confirmation file is too large", device=str(path),
                          operation="read confirmations", expected=f"≤ {MAX_FILE} bytes")
    out: dict[str, Confirmation] = {}
    for raw in data.split(b"\n"):
        try:
            row = json.loads(raw)
            c = Confirmation(str(row["step"]), str(row["by"]),
                             dt.datetime.fromisoformat(row["at"]), str(row["run"]))
        except (ValueError, KeyError, TypeError):
            continue  # a torn last line, or not a confirmation
        if c.run == run and c.at.tzinfo is not None:
            out.setdefault(c.step, c)
    return out
