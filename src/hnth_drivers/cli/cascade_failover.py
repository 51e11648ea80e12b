"""``hnth cascade failover`` and ``hnth cascade failback`` over a network file.

Failover moves the meeting from a lost master to the standby the network file names
(``role = "standby"``) through :func:`~hnth_drivers.cascade.failover.failover`; failback
returns it to the master once the master answers again. Both are MCU control over the
chair's site (the whole meeting), authorised for ``--operator`` and audited (refusals
too), and print the timed trace of every step (``--json``). What the chair was seeing is
restored: ``--showing SITE``, else the last switch the audit log records as confirmed.

Which MCU is the master now is read back from the MCUs
(:func:`~hnth_drivers.network.live.live_cascade`), so every
later command (``hnth cascade status``, ``hnth switch``, ``hnth watch``…) works on the
cascade as it runs. Exit codes: 0 done, 1 not done (nothing to move, or the chair not
restored), 2 bad input, 3 refused or a device error.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from ..network.live import PROBE_S, live_cascade, standby_entry, standby_node
from .cascade import cascade_app, open_cascade_mcus, trace_json
from .common import console, fail, typed_errors
from .fleet_options import JSON_OPT, NETWORK_OPT, OPERATOR_OPT, fleet_from, operator_from

if TYPE_CHECKING:
    from ..cascade.failover import FailoverTrace
    from ..cascade.live import McuNode
    from ..model import Endpoint
    from ..network.fleet import Fleet
    from ..security.access import Operator

__all__ = ["last_shown", "live_cascade", "master_endpoints", "standby_entry", "standby_node"]

def master_endpoints(fleet: Fleet) -> dict[str, Endpoint]:
    """How to dial each site of the file's master (its ``dial`` address): what the
    standby calls at failover and the master again at failback. One line and exit 2 when
    a site has none."""
    from ..model import Endpoint

    master = fleet.network.master.id
    mine = [s for s, m in fleet.site_mcus().items() if m == master]
    entries = {s.id: s for s in fleet.network.sites}
    missing = [s for s in mine if not entries[s].dial]
    if missing:
        fail(f"{fleet.network.source}: sites of the master {master} without a dial address "
             f"(dial = \"...\"), needed to call them from another MCU: "
             f"{', '.join(missing[:10])}{' ...' if len(missing) > 10 else ''}")
    return {s: Endpoint(s, str(entries[s].dial)) for s in mine}


def last_shown(fleet: Fleet, *, tail_bytes: int = 4 * 1024 * 1024) -> str | None:
    """The site of the last switch to the chair's screen that the audit log records as
    confirmed (``cascade.switch_to``, result ``ok``) among this network's sites."""
    if fleet.audit is None or not fleet.audit.path.exists():
        return None
    sites = {s.id for s in fleet.network.sites}
    with fleet.audit.path.open("rb") as fh:
        fh.seek(max(0, fh.seek(0, 2) - tail_bytes))
        lines = deque(fh.read().splitlines(), maxlen=100_000)
    for raw in reversed(lines):
        try:
            record = json.loads(raw)
        except ValueError:
            continue  # a torn first line of the tail
        if isinstance(record, dict) and record.get("action") == "cascade.switch_to" \
                and record.get("result") == "ok" and record.get("target") in sites:
            return str(record["target"])
    return None


async def _answers(node: McuNode) -> bool:
    from ..errors import HnthError

    try:
        async with asyncio.timeout(PROBE_S):
            await node.driver.participants(node.conference)
    except (HnthError, TimeoutError):
        return False
    return True


def _authorised(fleet: Fleet, op: Operator, action: str) -> None:
    """MCU control over the chair's site, checked before anything is contacted (audited)."""
    from ..errors import AccessDenied
    from ..security.access import Action, authorize

    chair = fleet.network.chair
    try:
        authorize(op, Action.MCU_CONTROL, chair, fleet.tree)
    except AccessDenied as exc:
        if fleet.audit is not None:
            fleet.audit.append(actor=op.name, action=action, target=chair, result="denied",
                               detail={"reason": exc.message})
        with typed_errors():
            raise


def _showing(fleet: Fleet, showing: str | None) -> str | None:
    if showing is None:
        return last_shown(fleet)
    if showing not in {s.id for s in fleet.network.sites}:
        fail(f"unknown site {showing!r}: not in {fleet.network.source}")
    return showing


def _move(network: Path | None, operator: str | None, as_json: bool, showing: str | None,
          wait: float, force: bool, back: bool) -> None:
    from ..cascade.failover import failback, failover

    action = "cascade.failback" if back else "cascade.failover"
    fleet = fleet_from(network)
    op = operator_from(fleet, operator)
    entry = standby_entry(fleet)
    if entry is None:
        fail(f"{fleet.network.source}: names no standby MCU (an [[mcus]] entry with "
             f"role = \"standby\")")
    endpoints = master_endpoints(fleet)
    shown = _showing(fleet, showing)
    _authorised(fleet, op, action)

    async def run() -> tuple[str | None, FailoverTrace | None]:
        async with fleet:
            cascade = await live_cascade(fleet, operator=op)
            master = fleet.network.master.id
            if back and cascade.master == master:
                return f"nothing to fail back: {master} is the master", None
            if not back and cascade.master != master:
                return f"already failed over: {cascade.master} is the master", None
            if back:
                node = fleet.cascade().nodes[master]
                await fleet.open_all([fleet.network.master.target()], timeout_s=PROBE_S)
                if not await _answers(node):
                    return f"{master} does not answer yet: the meeting stays on " \
                           f"{cascade.master}", None
                await open_cascade_mcus(fleet, cascade)
                _, trace = await failback(cascade, node, endpoints, operator=op,
                                          tree=fleet.tree, audit=fleet.audit, showing=shown,
                                          wait_s=wait)
                return None, trace
            alive = await _answers(cascade.nodes[master])
            if alive and not force:
                return f"{master} still answers: failover is for a lost master (--force " \
                       f"moves a live meeting, hanging up the master's sites first)", None
            others = [m for m in cascade.nodes if m != master]
            await open_cascade_mcus(fleet, cascade, others)
            _, trace = await failover(cascade, standby_node(fleet, entry), endpoints,
                                      operator=op, tree=fleet.tree, audit=fleet.audit,
                                      showing=shown, wait_s=wait, release=alive)
            return None, trace

    with typed_errors():
        why, trace = asyncio.run(run())
    if trace is None:
        if as_json:
            typer.echo(json.dumps({"ok": False, "reason": why}, indent=2))
        else:
            console.print(f"[bold red]not done:[/] {why}", highlight=False)
        raise typer.Exit(1)
    if as_json:
        typer.echo(json.dumps(failover_json(trace, shown), indent=2))
    else:
        _print(trace, shown, "Failback" if back else "Failover")
    raise typer.Exit(0 if trace.ok else 1)


def failover_json(trace: FailoverTrace, showing: str | None) -> dict[str, object]:
    """A failover's (or failback's) trace as JSON-ready data."""
    return {"from": trace.master, "to": trace.standby, "ok": trace.ok, "reason": trace.reason,
            "showing": showing, "total_ms": round(trace.total_s * 1000, 1),
            "steps": [{"step": s, "at_ms": round(t * 1000, 1)} for s, t in trace.steps],
            "calls": [{"step": c.step, "mcu": c.mcu, "operation": c.operation,
                       "detail": c.detail, "started_ms": round(c.started_s * 1000, 1),
                       "ms": round(c.duration_s * 1000, 1), "error": c.error}
                      for c in trace.calls],
            "restored": trace_json(trace.restored) if trace.restored else None}


def _print(trace: FailoverTrace, showing: str | None, title: str) -> None:
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=f"{title}: {trace.master} -> {trace.standby}", box=box.SIMPLE_HEAD)
    for col in ("step", "MCU", "call", "detail", "at ms", "ms", "result"):
        table.add_column(col, justify="right" if col in ("at ms", "ms") else "left")
    rows = [(c.step, c.mcu, c.operation, c.detail, c.started_s, c.duration_s, c.error)
            for c in trace.calls]
    restored_at = trace.step_s("connected") or 0.0  # the switch starts once connected
    if trace.restored is not None:
        rows += [("restored", c.mcu, c.operation, c.detail, restored_at + c.started_s,
                  c.duration_s, c.error)
                 for c in (*trace.restored.actions, *trace.restored.confirmations)]
    for step, mcu, operation, detail, at, took, error in rows:
        table.add_row(step, mcu, operation, escape(detail), f"{at * 1000:.0f}",
                      f"{took * 1000:.0f}",
                      "[green]ok[/]" if error is None else f"[red]{escape(error)}[/]")
    console.print(table)
    console.print("steps: " + ", ".join(f"{s} at {t * 1000:.0f} ms" for s, t in trace.steps),
                  highlight=False)
    verdict = "[green]DONE[/]" if trace.ok else "[bold red]FAILED[/]"
    what = (f"the chair sees {showing} again" if showing and trace.restored
            else "nothing to restore on the chair's screen")
    console.print(f"{verdict} {trace.master} -> {trace.standby} in "
                  f"{trace.total_s * 1000:.0f} ms; {what}"
                  + (f": {escape(trace.reason)}" if trace.reason else ""), highlight=False)


_SHOWING_OPT = typer.Option(None, "--showing", help="The site to put back on the chair's "
                            "screen (default: the last confirmed switch in the audit log).")
_WAIT_OPT = typer.Option(30.0, "--wait", min=0.1, max=3600.0,
                         help="Seconds to wait for the chair and the links to connect.")


@cascade_app.command("failover")
def cascade_failover(network: Path | None = NETWORK_OPT, operator: str | None = OPERATOR_OPT,
                     as_json: bool = JSON_OPT, showing: str | None = _SHOWING_OPT,
                     wait: float = _WAIT_OPT,
                     force: bool = typer.Option(False, "--force", help="Move the meeting "
                                                "even though the master still answers.")
                     ) -> None:
    """The standby takes the lost master's place: the chair's conference, the master's
    sites and links move to it, the chair's screen restored; timed trace of every step."""
    _move(network, operator, as_json, showing, wait, force, back=False)


@cascade_app.command("failback")
def cascade_failback(network: Path | None = NETWORK_OPT, operator: str | None = OPERATOR_OPT,
                     as_json: bool = JSON_OPT, showing: str | None = _SHOWING_OPT,
                     wait: float = _WAIT_OPT) -> None:
    """Return the meeting from the standby to the master once the master answers again."""
    _move(network, operator, as_json, showing, wait, False, back=True)
