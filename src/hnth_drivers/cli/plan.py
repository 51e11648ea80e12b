"""``hnth plan``: plan the cascade of a built-in profile or a topology file."""

from __future__ import annotations

import json
import time
from pathlib import Path

import typer

from .app import app
from .common import console, fail, typed_errors


@app.command("plan")
def plan_command(
    profile: str | None = typer.Option(None, "--profile",
                                       help="A built-in topology: vn-2021 or vn-2025."),
    topology: Path | None = typer.Option(None, "--topology",
                                         help="A topology file (.toml, .json or .csv)."),
    max_depth: int = typer.Option(2, "--max-depth", min=0,
                                  help="Most cascade hops from a site's MCU to the master."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Plan which MCU serves each site and how the slave MCUs cascade to the master.

    Every MCU keeps its reserve of spare ports free; the plan comes with a lower bound on
    its objective and the gap (0: proven optimal), and with the standby's failover links.
    Exit 0 with a plan, 1 when no plan fits (the explanation says which area lacks ports,
    reserve included, and which MCUs are the bottleneck), 2 for bad input.
    """
    from ..cascade.planner import PlanInfeasible, plan
    from ..cascade.profiles import profile as builtin
    from ..cascade.topology import load_topology

    if (profile is None) == (topology is None):
        fail("give exactly one of --profile vn-2021|vn-2025 and --topology FILE")
    with typed_errors():
        topo = builtin(profile) if profile is not None else load_topology(topology or Path())
    started = time.perf_counter()
    try:
        result = plan(topo, max_depth)
    except PlanInfeasible as exc:
        why = exc.explanation
        if as_json:
            typer.echo(json.dumps({"error": "infeasible", "reason": why.reason,
                                   "area": why.area, "missing_ports": why.missing,
                                   "reserved_ports": why.reserved,
                                   "bottleneck": list(why.bottleneck),
                                   "detail": why.detail}, ensure_ascii=False, indent=2))
        else:
            console.print(f"[bold red]no plan:[/] {why.detail}", highlight=False)
        raise typer.Exit(1) from None
    elapsed = time.perf_counter() - started
    if as_json:
        typer.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=1))
        return
    _print_table(topo, result, elapsed)


def _print_table(topo: object, result: object, elapsed: float) -> None:
    from rich import box
    from rich.table import Table

    from ..cascade.planner import Plan
    from ..cascade.topology import Topology

    assert isinstance(topo, Topology) and isinstance(result, Plan)
    table = Table(title=f"Cascade plan for {topo.name}", box=box.SIMPLE_HEAD,
                  padding=(0, 1, 0, 0), pad_edge=False)
    widest = max(len(m.id) for m in result.mcus)
    for col in ("MCU", "operator", "parent", "depth", "sites", "links", "ports", "spare",
                "load"):
        numeric = col in ("depth", "sites", "links", "ports", "spare", "load")
        table.add_column(col, justify="right" if numeric else "left",
                         no_wrap=True, min_width=widest if col in ("MCU", "parent")
                         else len(col) if numeric else 8,
                         max_width=12 if col == "operator" else None)
    for m in result.mcus:
        spec = topo.mcu(m.id)
        table.add_row(m.id, spec.operator, m.parent or "-", str(m.depth),
                      str(m.sites), str(m.children + (m.parent is not None)),
                      f"{m.ports_used}/{m.capacity}", str(m.reserve), f"{m.utilization:.0%}")
    console.print(table)
    bound, gap = result.bound, result.gap
    if bound is not None and gap is not None:
        verdict = "optimal" if result.optimal else (
            f"gap {gap[0]} depth, {gap[1]} links, {float(gap[2]):.2%} peak")
        console.print(f"lower bound: depth {bound.depth}, {bound.links} links, peak "
                      f"{float(bound.peak):.2%} -> {verdict}", highlight=False)
    if result.standby is not None:
        console.print(f"standby {result.standby}: takes the master's "
                      f"{len(result.sites_of(result.master))} sites and "
                      f"{len(result.failover_links)} links on failover", highlight=False)
    console.print(
        f"master {result.master}; max depth {result.max_depth} (limit {result.depth_limit}); "
        f"{len(result.links)} cascade links; {len(result.sites):,} sites on "
        f"{len(result.mcus)} of {len(topo.mcus)} MCUs; peak load "
        f"{result.peak_utilization:.2%}; {result.method} search in {elapsed:.2f} s",
        highlight=False)
