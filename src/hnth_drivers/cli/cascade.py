"""``hnth cascade up|down|status`` and ``hnth switch SITE`` over a network file.

The cascade is the file's fixed links (or the planner's, when it has none) over the
MCU drivers the :class:`~hnth_drivers.network.Fleet` builds from the registry. Bringing
links up or down is MCU control over every slave's area and switching is MCU control over
the site: both authorised for ``--operator`` against the operators file, and audited
(refusals too). Exit codes: 0 done, 1 not done (a link not connected, a switch not
confirmed within 30 s), 2 bad input, 3 refused or a device error.

After a failover (``hnth cascade failover``, in :mod:`.cascade_failover`) the cascade each
command works on is the one running, read back from the master and the standby
(:func:`~hnth_drivers.cli.cascade_failover.live_cascade`): the standby as master.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from .app import app
from .common import console, fail, typed_errors
from .fleet_options import JSON_OPT, NETWORK_OPT, OPERATOR_OPT, fleet_from, operator_from

if TYPE_CHECKING:
    from ..cascade.live import LiveCascade
    from ..cascade.switch import Call, SwitchTrace
    from ..network.fleet import Fleet

__all__ = ["cascade_app", "open_cascade_mcus", "trace_json"]

cascade_app = typer.Typer(no_args_is_help=True, help="The meeting's cascade links.")
app.add_typer(cascade_app, name="cascade")


async def open_cascade_mcus(fleet: Fleet, cascade: LiveCascade,
                            only: list[str] | None = None) -> None:
    """Open the cascade's MCU drivers (``only`` these when given); the first failure is
    raised after all were tried."""
    ids = only if only is not None else list(cascade.nodes)
    results = await fleet.open_all([fleet.network.mcu(m).target() for m in ids])
    for result in results:
        if result.error is not None:
            raise result.error


def _states_json(states: dict[str, object]) -> dict[str, str]:
    return {k: getattr(v, "value", str(v)) for k, v in sorted(states.items())}


def _print_states(cascade: LiveCascade, states: dict[str, object], title: str) -> None:
    from rich import box
    from rich.table import Table

    table = Table(title=title, box=box.SIMPLE_HEAD)
    for col in ("slave MCU", "master", "depth", "state"):
        table.add_column(col)
    for slave, state in sorted(states.items(), key=lambda kv: (cascade.depth(kv[0]), kv[0])):
        value = getattr(state, "value", str(state))
        colour = "green" if value == "connected" else "red"
        table.add_row(slave, cascade.links[slave].master.mcu_id, str(cascade.depth(slave)),
                      f"[{colour}]{value}[/]")
    console.print(table)


def _run_links(network: Path | None, operator: str | None, as_json: bool, what: str,
               wait_s: float) -> None:
    from ..model import ConnectionState
    from .cascade_failover import live_cascade

    fleet = fleet_from(network)
    op = operator_from(fleet, operator)

    async def run() -> dict[str, object]:
        async with fleet:
            cascade = await live_cascade(fleet, operator=op)
            await open_cascade_mcus(fleet, cascade)
            if what == "up":
                return dict(await cascade.up(wait_s=wait_s))
            if what == "down":
                await cascade.down()
            return dict(await cascade.link_states())

    with typed_errors():
        states = asyncio.run(run())
    connected = sum(1 for s in states.values() if s is ConnectionState.CONNECTED)
    if as_json:
        typer.echo(json.dumps({"links": len(states), "connected": connected,
                               "states": _states_json(states)}, indent=2))
    else:
        console.print(f"{connected}/{len(states)} cascade links connected", highlight=False)
    if what == "up" and connected != len(states):
        raise typer.Exit(1)
    if what == "down" and connected:
        raise typer.Exit(1)


@cascade_app.command("up")
def cascade_up(network: Path | None = NETWORK_OPT, operator: str | None = OPERATOR_OPT,
               as_json: bool = JSON_OPT,
               wait: float = typer.Option(60.0, "--wait", min=0.0,
                                          help="Seconds to wait for every link.")) -> None:
    """Bring every cascade link up (idempotent) and wait until all are connected."""
    _run_links(network, operator, as_json, "up", wait)


@cascade_app.command("down")
def cascade_down(network: Path | None = NETWORK_OPT, operator: str | None = OPERATOR_OPT,
                 as_json: bool = JSON_OPT) -> None:
    """Tear every cascade link down, deepest first (idempotent)."""
    _run_links(network, operator, as_json, "down", 0.0)


@cascade_app.command("status")
def cascade_status(network: Path | None = NETWORK_OPT, as_json: bool = JSON_OPT) -> None:
    """Each link's state, as both of its MCUs report it (a read: no operator needed)."""
    from .cascade_failover import live_cascade

    fleet = fleet_from(network)

    async def run() -> tuple[LiveCascade, dict[str, object]]:
        async with fleet:
            cascade = await live_cascade(fleet)
            await open_cascade_mcus(fleet, cascade)
            return cascade, dict(await cascade.link_states())

    with typed_errors():
        cascade, states = asyncio.run(run())
    if as_json:
        typer.echo(json.dumps({"links": len(states), "states": _states_json(states)},
                              indent=2))
        return
    _print_states(cascade, states, f"Cascade of {fleet.network.name}")


@app.command("switch")
def switch(site: str = typer.Argument(..., help="The site to put on the chair's screen."),
           network: Path | None = NETWORK_OPT, operator: str | None = OPERATOR_OPT,
           as_json: bool = JSON_OPT,
           limit: float = typer.Option(30.0, "--limit", min=0.1,
                                       help="The rule, in seconds (national: 30).")) -> None:
    """Put SITE on the chair's screen: every hop's call timed, confirmed on the chair's
    screen through the MCUs' status queries; exit 1 unless confirmed within the limit."""
    from ..cascade.switch import Switcher
    from .cascade_failover import live_cascade

    fleet = fleet_from(network)
    op = operator_from(fleet, operator)
    try:
        fleet.network.site(site)
    except Exception:
        fail(f"unknown site {site!r}: not in {fleet.network.source}")

    async def run() -> SwitchTrace:
        async with fleet:
            cascade = await live_cascade(fleet, operator=op)
            with typed_errors():
                await open_cascade_mcus(fleet, cascade, cascade.path(site))
            switcher = Switcher(cascade, operator=op, tree=fleet.tree, audit=fleet.audit,
                                limit_s=limit)
            return await switcher.switch_to(site)

    with typed_errors():
        trace = asyncio.run(run())
    if as_json:
        typer.echo(json.dumps(trace_json(trace), indent=2))
    else:
        _print_trace(trace)
    raise typer.Exit(0 if trace.within_limit else 1)


def trace_json(trace: SwitchTrace) -> dict[str, object]:
    """A switch's trace as JSON-ready data (``hnth switch --json``)."""
    def call(c: Call) -> dict[str, object]:
        return {"mcu": c.mcu, "operation": c.operation, "detail": c.detail,
                "started_ms": round(c.started_s * 1000, 1),
                "ms": round(c.duration_s * 1000, 1), "error": c.error}

    return {"site": trace.site, "path": list(trace.path), "hops": trace.hops,
            "total_ms": round(trace.total_s * 1000, 1), "limit_s": trace.limit_s,
            "verdict": trace.verdict, "reason": trace.reason,
            "actions": [call(c) for c in trace.actions],
            "confirmations": [call(c) for c in trace.confirmations]}


def _print_trace(trace: SwitchTrace) -> None:
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=f"Switch to {trace.site}: {' -> '.join(trace.path)}",
                  box=box.SIMPLE_HEAD)
    for col in ("phase", "MCU", "call", "detail", "at ms", "ms", "result"):
        table.add_column(col, justify="right" if col in ("at ms", "ms") else "left")
    for phase, calls in (("act", trace.actions), ("confirm", trace.confirmations)):
        for c in calls:
            table.add_row(phase, c.mcu, c.operation, escape(c.detail),
                          f"{c.started_s * 1000:.0f}", f"{c.duration_s * 1000:.0f}",
                          "[green]ok[/]" if c.error is None else f"[red]{escape(c.error)}[/]")
    console.print(table)
    verdict = "[green]PASS[/]" if trace.within_limit else "[bold red]FAIL[/]"
    console.print(f"{verdict} {trace.site} on the chair's screen in "
                  f"{trace.total_s * 1000:.0f} ms ({trace.hops} hops, limit "
                  f"{trace.limit_s:g} s)" + (f": {escape(trace.reason)}" if trace.reason
                                             else ""), highlight=False)


from . import cascade_failover  # noqa: E402,F401  (registers failover and failback)
