"""``hnth meeting plan|run|status|resume FILE``: a meeting's runbook from its TOML file.

``plan`` shows the procedure with absolute deadlines; ``run`` starts it; ``resume``
continues it after a crash, an interrupt or a step that waited for an operator;
``status`` shows where it stands. The run state lives beside the meeting file
(``meeting.state.json``) unless ``--state`` says otherwise. Manual steps are confirmed
interactively on a terminal, or ahead of time with ``--confirm STEP`` (repeatable), or
from the operator console (``hnth console --runbook STATE``): taken whenever the step
asks, and waited for with ``--console-confirm``; without any the run stops at the step
(exit 1) and ``resume`` picks it up.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import getpass
import json
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

if TYPE_CHECKING:
    from ..meeting.actions import Confirmer
    from ..meeting.definition import Meeting
    from ..meeting.state import RunEvent, RunState

from .app import app
from .common import audit_log, console, err_console, typed_errors

meeting_app = typer.Typer(no_args_is_help=True,
                          help="Meeting runbooks: the national procedure and its deadlines.")
app.add_typer(meeting_app, name="meeting")

FILE_ARG = typer.Argument(..., help="The meeting file (TOML).")
STATE_OPT = typer.Option(None, "--state", help="Run state file (default: beside FILE).")
CONFIRM_OPT = typer.Option(None, "--confirm", metavar="STEP",
                           help="Confirm this manual step done without asking (repeatable).")
OPERATOR_OPT = typer.Option(None, "--operator",
                            help="Who confirms manual steps (default: the login name).")
JSON_OPT = typer.Option(False, "--json", help="Machine-readable output.")
CONSOLE_OPT = typer.Option(False, "--console-confirm",
                           help="Wait for manual steps to be confirmed from the operator "
                           "console (hnth console --runbook STATE) instead of asking here.")
NO_WAIT_OPT = typer.Option(False, "--no-wait",
                           help="Stop (exit 1) at a step that may not start yet, instead of "
                           "waiting for its time; run 'resume' later (e.g. from cron).")

_STYLE = {"done": "green", "met": "green", "warned": "yellow", "waiting": "yellow",
          "started": "cyan", "failed": "bold red", "missed": "bold red", "warning": "yellow",
          "violation": "bold red", "recovered": "cyan", "rerun": "cyan"}


def _local(t: dt.datetime | None, tz: dt.tzinfo | None) -> str:
    return "-" if t is None else t.astimezone(tz).strftime("%Y-%m-%d %H:%M")


@meeting_app.command("plan")
def plan(file: Path = FILE_ARG, as_json: bool = JSON_OPT) -> None:
    """Show the procedure for this meeting: steps, owners, actions, absolute deadlines."""
    from ..meeting.definition import load_meeting
    from ..meeting.runbook import Runbook

    with typed_errors():
        meeting = load_meeting(file)
        book = Runbook(meeting)
    tz = meeting.start.tzinfo
    if as_json:
        typer.echo(json.dumps({
            "meeting": meeting.id, "kind": meeting.kind.value, "problems": book.problems(),
            "steps": [{
                "name": s.step.name, "title": s.step.title, "owner": s.step.owner,
                "rule": s.step.rule, "action": s.step.action, "check": s.step.check,
                "idempotent": book.actions[s.step.name].idempotent,
                "not_before": s.not_before.isoformat() if s.not_before else None,
                "deadline": s.deadline.isoformat() if s.deadline else None,
                "warn_at": s.warn_at.isoformat() if s.warn_at else None,
                "switch_limit_s": s.step.switch_limit_s} for s in book.schedule],
            "script": [{"at": (meeting.start + i.at).isoformat(), "show": i.show,
                        "note": i.note} for i in meeting.script]},
            ensure_ascii=False, indent=2))
        return
    table = Table(title=f"{meeting.title} — {meeting.kind} meeting {meeting.id}")
    for col in ("step", "owner", "action / check", "not before", "deadline", "rule"):
        table.add_column(col)
    for s in book.schedule:
        how = s.step.action + (f" / {s.step.check}" if s.step.check else "")
        table.add_row(s.step.name, s.step.owner, how, _local(s.not_before, tz),
                      _local(s.deadline, tz), s.step.rule)
    console.print(table)
    if meeting.script:
        script = Table(title="The chair's script")
        for col in ("at", "show", "site", "note"):
            script.add_column(col)
        for item in meeting.script:
            script.add_row(_local(meeting.start + item.at, tz), item.show,
                           meeting.site(item.show).name, item.note)
        console.print(script)
    console.print(f"{len(meeting.sites)} sites, {len(meeting.units)} units, "
                  f"{len(meeting.script)} script items; times in UTC{_offset(tz)}")
    for p in book.problems():
        err_console.print(f"[yellow]warning:[/] {p}", highlight=False)


def _offset(tz: dt.tzinfo | None) -> str:
    off = dt.datetime(2000, 1, 1, tzinfo=tz).utcoffset() or dt.timedelta(0)
    hours, rest = divmod(int(off.total_seconds()), 3600)
    return f"{hours:+03d}:{rest // 60:02d}"


def _run(file: Path, state: Path | None, confirm: list[str] | None, operator: str | None,
         *, resume: bool, wait: bool, console_confirm: bool = False,
         network: Path | None = None, as_json: bool = False) -> None:
    from ..meeting.actions import OperatorNeeded
    from ..meeting.definition import load_meeting
    from ..meeting.runbook import Runbook, Runner, state_path_for
    from ..meeting.state import RunStatus
    from ..meeting.steps import Step

    who = operator or getpass.getuser()
    confirmed = set(confirm or ())
    with typed_errors():
        meeting = load_meeting(file)
        book = Runbook(meeting)
        unknown = confirmed - set(book.procedure.names)
        if unknown:
            from ..errors import ConfigError
            raise ConfigError("--confirm names no step of this procedure",
                              operation="run meeting", expected=repr(list(book.procedure.names)),
                              got=repr(sorted(unknown)))
    tz = meeting.start.tzinfo

    async def ask(step: Step, _meeting: Meeting) -> str:
        if step.name in confirmed:
            return who
        import sys
        if sys.stdin.isatty() and not console_confirm:
            prompt = f"{step.title} ({step.owner}: {step.rule}) — done?"
            if await asyncio.to_thread(typer.confirm, prompt, default=False):
                return who
        raise OperatorNeeded(f"waits for an operator: {step.rule}",
                             operation=f"step {step.name}",
                             expected=f"'hnth meeting resume {file} --confirm {step.name}'")

    def show(ev: RunEvent) -> None:
        if as_json:
            typer.echo(json.dumps({"at": ev.at.isoformat(), "step": ev.step, "kind": ev.kind,
                                   "message": ev.message}, ensure_ascii=False))
            return
        style = _STYLE.get(ev.kind, "")
        kind = f"[{style}]{ev.kind}[/]" if style else ev.kind
        step = f"{ev.step}: " if ev.step else ""
        console.print(f"{_local(ev.at, tz)} {kind} {step}{ev.message}", highlight=False)

    path = state or state_path_for(file)
    poll = 1.0 if console_confirm else None  # seconds between reads of the console's file
    with typed_errors():                # an unusable audit log: one line, exit 2
        audit = audit_log()
    if audit.recovered:                 # a torn tail left by a killed writer, completed
        err_console.print(f"audit log {audit.path}: {audit.recovered}", highlight=False,
                          soft_wrap=True)
    where = _network_of(file, meeting, network)
    if where is not None:
        run = _network_run(where, meeting, path, ask, show, operator, resume=resume,
                           wait=wait, poll=poll)
    else:
        runner = Runner(book, path, confirm=ask, on_event=show, audit=audit, actor=who,
                        wait=wait, confirm_poll_s=poll)
        run = runner.run(resume=resume)
    try:
        with typed_errors():
            result = asyncio.run(run)
    except KeyboardInterrupt:
        err_console.print(f"interrupted: the state is saved; continue with "
                          f"'hnth meeting resume {file}'")
        raise typer.Exit(130) from None
    missed = [n for n, r in result.steps.items() if r.missed_at is not None]
    if as_json:
        typer.echo(json.dumps({"status": result.status.value, "state": str(path),
                               "missed": missed}))
    else:
        console.print(f"run {result.status}: state in {path}"
                      + (f"; deadlines missed: {', '.join(missed)}" if missed else ""))
    raise typer.Exit(0 if result.status is RunStatus.DONE else 1)


def _network_of(file: Path, meeting: Meeting, given: Path | None) -> Path | None:
    """The network file of the run: ``--network``, else the meeting file's ``network``
    (relative to the meeting file), else ``$HNTH_NETWORK``; ``None`` for none. A
    ``--network`` that disagrees with the meeting file is refused."""
    import os

    from .common import fail
    from .fleet_options import ENV_NETWORK

    named = None
    if meeting.network is not None:
        named = Path(meeting.network)
        named = named if named.is_absolute() else file.parent / named
    if given is not None and named is not None and given.resolve() != named.resolve():
        fail(f"--network {given} disagrees with the meeting file's network = {named}")
    if given is not None or named is not None:
        return given or named
    env = os.environ.get(ENV_NETWORK)
    return Path(env) if env else None


def _network_run(where: Path, meeting: Meeting, path: Path, ask: Confirmer,
                 show: Callable[[RunEvent], None], operator: str | None, *, resume: bool,
                 wait: bool, poll: float | None = None) -> Coroutine[Any, Any, RunState]:
    """The run when the meeting file names a network file: the device steps (cascade,
    test calls, readiness, the chair's script served, quality evaluation) run through the
    network's Fleet; the human steps keep their confirmation."""
    import dataclasses

    from ..meeting.actions import default_registry
    from ..meeting.live import LIVE_STEPS, live_meeting_from_fleet, register_live_actions
    from ..meeting.runbook import Runbook, Runner
    from .fleet_options import fleet_from, operator_from

    fleet = fleet_from(where, actor=operator or "runbook")
    op = operator_from(fleet, operator)
    meeting = dataclasses.replace(meeting, steps={**LIVE_STEPS, **meeting.steps})

    async def go() -> RunState:
        async with fleet:
            live = await live_meeting_from_fleet(
                fleet, meeting, operator=op,
                report_html=path.parent / f"{meeting.id}.quality-report.html")
            registry = default_registry()
            register_live_actions(registry, live)
            runner = Runner(Runbook(meeting, registry=registry), path, confirm=ask,
                            on_event=show, audit=fleet.audit, actor=op.name, wait=wait,
                            confirm_poll_s=poll)
            return await runner.run(resume=resume)

    return go()


NETWORK_OPT = typer.Option(None, "--network", help="Run the device steps through this "
                           "network file (default: the meeting file's network, else "
                           "$HNTH_NETWORK; without one the device steps are manual).")


@meeting_app.command("run")
def run(file: Path = FILE_ARG, state: Path | None = STATE_OPT,
        confirm: list[str] | None = CONFIRM_OPT, operator: str | None = OPERATOR_OPT,
        no_wait: bool = NO_WAIT_OPT, console_confirm: bool = CONSOLE_OPT,
        network: Path | None = NETWORK_OPT,
        as_json: bool = typer.Option(False, "--json", help="Events as JSON lines, then "
                                     "the outcome as one JSON line.")) -> None:
    """Start the meeting's procedure (exit 0 when complete, 1 when it stops at a step)."""
    _run(file, state, confirm, operator, resume=False, wait=not no_wait,
         console_confirm=console_confirm, network=network, as_json=as_json)


@meeting_app.command("resume")
def resume(file: Path = FILE_ARG, state: Path | None = STATE_OPT,
           confirm: list[str] | None = CONFIRM_OPT, operator: str | None = OPERATOR_OPT,
           no_wait: bool = NO_WAIT_OPT, console_confirm: bool = CONSOLE_OPT,
           network: Path | None = NETWORK_OPT,
           as_json: bool = typer.Option(False, "--json", help="Events as JSON lines, then "
                                        "the outcome as one JSON line.")) -> None:
    """Continue a run where it stopped: nothing done is repeated, nothing is lost."""
    _run(file, state, confirm, operator, resume=True, wait=not no_wait,
         console_confirm=console_confirm, network=network, as_json=as_json)


@meeting_app.command("status")
def status(file: Path = FILE_ARG, state: Path | None = STATE_OPT,
           as_json: bool = JSON_OPT) -> None:
    """Where the run stands: each step's status, times and deadline, and recent events."""
    from ..meeting.definition import load_meeting
    from ..meeting.runbook import state_path_for
    from ..meeting.state import RunLock, RunStatus, load_state

    path = state or state_path_for(file)
    with typed_errors():
        meeting = load_meeting(file)
        run_state = load_state(path)
    if as_json:
        typer.echo(run_state.to_json())
        return
    tz = meeting.start.tzinfo
    how = run_state.status.value
    if run_state.status is RunStatus.RUNNING and not RunLock(path).held_elsewhere():
        how = "running, but no runner holds it: it stopped abnormally; resume it"
    table = Table(title=f"{meeting.id}: run {how} "
                  f"(session {run_state.sessions}, times UTC{_offset(tz)})")
    for col in ("step", "status", "tries", "started", "finished", "deadline", "vs deadline",
                "summary"):
        table.add_column(col)
    for rec in run_state.steps.values():
        st, dl = rec.status.value, rec.deadline_status.value
        table.add_row(rec.name, f"[{_STYLE.get(st, '')}]{st}[/]" if st in _STYLE else st,
                      str(rec.attempts), _local(rec.started_at, tz), _local(rec.finished_at, tz),
                      _local(rec.deadline, tz),
                      f"[{_STYLE.get(dl, '')}]{dl}[/]" if dl in _STYLE else dl,
                      rec.error or "; ".join([rec.summary, *rec.violations]).strip("; "))
    console.print(table)
    for ev in run_state.events[-8:]:
        console.print(f"{_local(ev.at, tz)} {ev.kind} {ev.step} {ev.message}".replace("  ", " "),
                      highlight=False)
