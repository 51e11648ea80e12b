"""A runbook run in its own process, for the SIGKILL tests (not collected by pytest).

usage: python crash_runner.py MEETING_FILE STATE_FILE STEPS [run|resume]

STEPS is a comma-separated list of ``name:idem`` or ``name:once``. Each action appends
``start NAME`` and ``effect NAME`` lines (fsync'ed) to ``effects.log`` beside the state
file. ``once`` actions are not idempotent; their check looks for the effect line.
With ``CRASH_AT=NAME:pre|post`` the action announces itself in ``blocking`` and sleeps
before (pre) or after (post) its effect until it is killed.
With ``CRASH_POINT=K`` the process exits at once (``os._exit(77)``) at the K-th crash
point it reaches (``hnth_drivers.security.crashpoints``: inside audit appends, state saves,
and before/after each action's effect); it prints ``points M`` at the end otherwise.
Step results go to the audit log ``audit.jsonl`` beside the state file.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from hnth_drivers.meeting.actions import StepContext, StepOutcome, StepRegistry
from hnth_drivers.meeting.definition import load_meeting
from hnth_drivers.meeting.runbook import Runbook, Runner
from hnth_drivers.meeting.steps import Procedure, Step
from hnth_drivers.security import crashpoints
from hnth_drivers.security.audit import AuditLog


def _append(path: Path, line: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (line + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def main() -> int:
    meeting_file, state_file, spec, mode = sys.argv[1:5]
    state_path = Path(state_file)
    effects = state_path.parent / "effects.log"
    crash_step, _, crash_when = os.environ.get("CRASH_AT", "").partition(":")
    crash_point = int(os.environ.get("CRASH_POINT", "0"))
    seen = 0

    def hook(point: str) -> None:
        nonlocal seen
        seen += 1
        if seen == crash_point:
            os._exit(77)

    crashpoints.set_hook(hook)

    async def block(name: str, when: str) -> None:
        if name == crash_step and when == crash_when:
            _append(state_path.parent / "blocking", name)
            await asyncio.sleep(3600)

    async def act(ctx: StepContext) -> StepOutcome:
        name = ctx.step.name
        _append(effects, f"start {name}")
        await block(name, "pre")
        crashpoints.reached("action.before-effect")
        _append(effects, f"effect {name}")
        crashpoints.reached("action.after-effect")
        await block(name, "post")
        return StepOutcome(summary=f"{name} ok")

    async def effect_seen(ctx: StepContext) -> bool:
        lines = effects.read_text().splitlines() if effects.exists() else []
        return f"effect {ctx.step.name}" in lines

    reg = StepRegistry()
    reg.add_action("work.idem", act, idempotent=True)
    reg.add_action("work.once", act, idempotent=False)
    reg.add_check("work.once", effect_seen)
    meeting = load_meeting(meeting_file)
    steps = []
    for item in spec.split(","):
        name, kind = item.split(":")
        steps.append(Step(name, name, "test unit", "test", action=f"work.{kind}",
                          check="work.once" if kind == "once" else None))
    book = Runbook(meeting, procedure=Procedure(meeting.kind, tuple(steps)), registry=reg)
    audit = AuditLog(state_path.parent / "audit.jsonl")
    state = asyncio.run(Runner(book, state_path, audit=audit).run(resume=mode == "resume"))
    print(state.status.value)
    print(f"points {seen}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
