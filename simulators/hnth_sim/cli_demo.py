"""``hnth demo``: a whole simulated national meeting, from plan to the chair's screen.

Steps (each one checked; any failure makes the exit code 1):

1. plan the cascade of a built-in profile (``vn-2025`` by default, or ``vn-2021``);
2. start the national simulation: every planned MCU behind one loopback HTTPS socket,
   every site connected, ``--latency-ms`` of API latency per MCU; one driver per MCU;
3. bring every cascade link up through the drivers and check all are connected;
4. read every site's connection state (a progress bar; one participant list per MCU);
5. the chair calls a handful of sites at every level, one after another: each switch is
   timed against the 30-second rule and confirmed through the drivers' status queries
   and through the simulation's own view of the chair's screen;
6. a cascade link is dropped on purpose: the watchdog must redial it and report it, and
   a site behind that link must come back on the chair's screen;
7. the audit log (a temporary file unless ``--audit``) must verify.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from hnth_drivers.cli.app import app
from hnth_drivers.cli.common import console, fail, finite
from hnth_drivers.errors import HnthError
from hnth_drivers.security.access import Operator, Role
from hnth_drivers.security.audit import AuditLog, verify

if TYPE_CHECKING:
    from hnth_drivers.cascade.planner import Plan
    from hnth_drivers.cascade.switch import SwitchTrace
    from hnth_drivers.cascade.topology import Topology

    from .simulated import SimulatedMeeting

__all__ = ["DemoResult", "demo_command", "pick_sites", "run_demo"]


@dataclass
class DemoResult:
    """What the demo did: named steps with their outcome, and the switch traces."""

    steps: list[tuple[str, bool, str]] = field(default_factory=list)
    switches: list[SwitchTrace] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether every step ran and passed."""
        return bool(self.steps) and all(ok for _, ok, _ in self.steps)

    def step(self, name: str, ok: bool, detail: str, seconds: float | None = None) -> bool:
        """Record one step and print it."""
        self.steps.append((name, ok, detail))
        if seconds is not None:
            self.seconds[name] = seconds
        mark = "[green]    ok[/]" if ok else "[bold red]FAILED[/]"
        took = f" ({seconds:.2f} s)" if seconds is not None else ""
        console.print(f"{mark} [bold]{name}[/]: {detail}{took}", highlight=False)
        return ok


def pick_sites(levels: dict[str, list[str]], paths: Callable[[str], int], *,
               per_level: int, seed: int) -> list[str]:
    """A handful of sites per level: the farthest one (most cascade hops) first, then a
    seeded random choice. ``levels`` maps a level to its sites (the chair excluded)."""
    rng = random.Random(seed)
    chosen: list[str] = []
    for _level, sites in levels.items():
        if not sites:
            continue
        deepest = max(sites, key=lambda s: (paths(s), s))
        rest = [s for s in sites if s != deepest]
        chosen += [deepest, *rng.sample(rest, min(per_level - 1, len(rest)))]
    return chosen


async def run_demo(topo: Topology, *, latency_ms: float, per_level: int, seed: int,
                   audit_path: Path,
                   prepare: Callable[[SimulatedMeeting], None] | None = None) -> DemoResult:
    """Run the whole demo on ``topo``; returns the steps (printing as it goes).

    ``prepare`` is called with the meeting before the cascade comes up (fault injection).
    """
    from hnth_drivers.cascade.planner import plan
    from hnth_drivers.model import Level

    result = DemoResult()
    t0 = time.perf_counter()
    the_plan = plan(topo)
    levels = {lv: sum(1 for s in topo.sites if s.level is lv) for lv in Level}
    result.step("plan", True, f"{topo.name}: {len(topo.sites):,} sites "
                f"({', '.join(f'{n:,} {lv.value}' for lv, n in levels.items() if n)}) on "
                f"{len(the_plan.mcus)} of {len(topo.mcus)} MCUs, {len(the_plan.links)} links, "
                f"max depth {the_plan.max_depth}", time.perf_counter() - t0)
    audit = AuditLog(audit_path, durable=False)
    chair_op = Operator("demo.central-office", Role.CENTRAL_OPERATOR)
    try:
        await _meeting(result, topo, the_plan, audit, chair_op, latency_ms=latency_ms,
                       per_level=per_level, seed=seed, prepare=prepare)
    except HnthError as exc:  # a failed step, reported on one line, never a traceback
        result.step("error", False, str(exc))
    if audit.records:
        report = verify(audit_path)
        result.step("audit log", report.ok, f"{audit_path}: {report}")
    else:
        result.step("audit log", True, "nothing was changed, nothing to record")
    _summary_table(result, time.perf_counter() - t0)
    return result


async def _meeting(result: DemoResult, topo: Topology, the_plan: Plan, audit: AuditLog,
                   chair_op: Operator, *, latency_ms: float, per_level: int, seed: int,
                   prepare: Callable[[SimulatedMeeting], None] | None) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from hnth_drivers.cascade.watchdog import EventKind, Watchdog, WatchdogEvent
    from hnth_drivers.model import ConnectionState

    from .simulated import simulated_meeting

    t = time.perf_counter()
    async with simulated_meeting(topo, the_plan=the_plan, latency_ms=latency_ms,
                                 seed=seed) as meeting:
        apis = sorted({m.api for m in meeting.sim.mcus.values()})
        result.step("simulation", True, f"{len(meeting.drivers)} MCUs ({', '.join(apis)}) "
                    f"on one HTTPS socket {meeting.sim.http.address}, {latency_ms:g} ms "
                    f"API latency, drivers connected", time.perf_counter() - t)
        cascade = meeting.cascade
        cascade.audit, cascade.actor = audit, chair_op.name
        if prepare is not None:
            prepare(meeting)
        t = time.perf_counter()
        states = await cascade.up(wait_s=60)
        up_ok = all(s is ConnectionState.CONNECTED for s in states.values())
        if not result.step("cascade up", up_ok, f"{len(states)} links connected",
                           time.perf_counter() - t):
            return

        t = time.perf_counter()
        with Progress(TextColumn("  sites"), BarColumn(), MofNCompleteColumn(),
                      console=console, transient=True) as bar:
            task = bar.add_task("sites", total=len(cascade.sites))
            sites = await cascade.site_states(progress=lambda n: bar.advance(task, n))
        bad = {s: v for s, v in sites.items() if v is not ConnectionState.CONNECTED}
        result.step("site connection states", not bad,
                    f"{len(sites) - len(bad):,}/{len(sites):,} connected"
                    + (f"; not: {sorted(bad)[:5]}" if bad else ""), time.perf_counter() - t)

        by_level: dict[str, list[str]] = {}
        for site in topo.sites:
            if site.id != meeting.chair:
                by_level.setdefault(site.level.value, []).append(site.id)
        chosen = pick_sites(by_level, lambda s: len(cascade.path(s)), per_level=per_level,
                            seed=seed)
        switcher = meeting.switcher(operator=chair_op, audit=audit)
        t = time.perf_counter()
        for site_id in chosen:
            result.switches.append(await switcher.switch_to(site_id))
        _switch_table(topo, result.switches)
        passed = [tr for tr in result.switches if tr.within_limit]
        totals = [tr.total_s for tr in result.switches]
        result.step("switches", len(passed) == len(chosen),
                    f"{len(passed)}/{len(chosen)} on the chair's screen within 30 s; "
                    f"median {statistics.median(totals) * 1000:.0f} ms, "
                    f"worst {max(totals) * 1000:.0f} ms", time.perf_counter() - t)

        events: list[WatchdogEvent] = []
        dog = Watchdog(cascade, notify=events.append, audit=audit, poll_s=0.1)
        victim = max(cascade.links, key=lambda m: (cascade.depth(m), m))
        behind = next((s for s in chosen if victim in cascade.path(s)),
                      next(s for s, m in cascade.sites.items() if m == victim))
        meeting.sim.mcu(victim).drop(meeting.sim.conference, cascade.links[victim].uplink)
        t = time.perf_counter()
        for _ in range(50):
            await dog.poll_once()
            if any(e.kind is EventKind.RECOVERED for e in events):
                break
            await asyncio.sleep(dog.poll_s)
        kinds = [e.kind.value for e in events]
        again = await switcher.switch_to(behind)
        result.step("watchdog", "recovered" in kinds and again.within_limit,
                    f"link {victim} dropped -> {' -> '.join(kinds)}; {behind} back on the "
                    f"chair's screen in {again.total_s * 1000:.0f} ms", time.perf_counter() - t)


def _summary_table(result: DemoResult, total_s: float) -> None:
    from rich import box
    from rich.table import Table

    table = Table(title="Summary", box=box.SIMPLE_HEAD)
    for col in ("step", "result", "s"):
        table.add_column(col, no_wrap=True, justify="right" if col == "s" else "left")
    for name, ok, _ in result.steps:
        seconds = result.seconds.get(name)
        table.add_row(name, "[green]ok[/]" if ok else "[bold red]FAILED[/]",
                      f"{seconds:.2f}" if seconds is not None else "")
    table.add_row("[bold]demo[/]", "[bold green]PASS[/]" if result.ok else "[bold red]FAIL[/]",
                  f"{total_s:.1f}")
    console.print(table)


def _switch_table(topo: Topology, traces: list[SwitchTrace]) -> None:
    from rich import box
    from rich.table import Table

    table = Table(title="The chair calls sites, one after another", box=box.SIMPLE_HEAD)
    for col in ("#", "site", "level", "hops", "calls/RTs", "ms", "chair sees", "≤30 s"):
        table.add_column(col, no_wrap=True, min_width=len(col),
                         justify="right" if col in ("#", "hops", "calls/RTs", "ms")
                         else "left")
    for i, tr in enumerate(traces, start=1):
        site = topo.site(tr.site)
        verdict = "[green]PASS[/]" if tr.within_limit else "[red]FAIL[/]"
        table.add_row(str(i), tr.site, site.level.value, str(tr.hops),
                      f"{len(tr.actions) + len(tr.confirmations)}/{tr.round_trips}",
                      f"{tr.total_s * 1000:.0f}", ", ".join(tr.seen or ()) or "-", verdict)
    console.print(table)
    for tr in traces:
        if not tr.within_limit:
            console.print(f"[red]  {tr.site}[/]: {tr.reason or 'over the limit'}",
                          highlight=False)


@app.command("demo")
def demo_command(
    profile: str = typer.Option("vn-2025", "--profile", help="vn-2025 or vn-2021."),
    latency_ms: float = typer.Option(50.0, "--latency-ms", min=0.0, callback=finite,
                                     help="Injected API latency of every simulated MCU."),
    per_level: int = typer.Option(3, "--per-level", min=1,
                                  help="Sites the chair calls at each level."),
    seed: int = typer.Option(2025, "--seed", help="Seed of the site choice."),
    audit: Path | None = typer.Option(None, "--audit", help="Audit log file (default: "
                                      "audit.jsonl beside the report)."),
    report: Path | None = typer.Option(
        None, "--report", help="Quality report HTML file (default: in a new directory under "
        "the temporary directory, kept; its path is printed)."),
    lang: str = typer.Option("vi", "--lang", help="Readiness summary labels: vi or en."),
) -> None:
    """Run the whole procedure on a simulated national network, through the runbook:
    plan, cascade, test calls, readiness, the served meeting, the quality report.

    Exit 0 when every step passes, 1 when one fails, 2 for bad input.
    """
    from hnth_drivers.cascade.profiles import PROFILES

    from .procedure import run_procedure

    if profile not in PROFILES:
        fail(f"unknown profile {profile!r}: expected one of {', '.join(PROFILES)}")
    if lang not in ("vi", "en"):
        fail(f"unknown language {lang!r}: expected vi or en")
    topo = PROFILES[profile]()
    out = Path(tempfile.mkdtemp(prefix="hnth-demo-"))  # kept: report, state, audit log
    result = asyncio.run(run_procedure(
        topo, latency_ms=latency_ms, per_level=per_level, seed=seed,
        audit_path=audit or out / "audit.jsonl",
        report_html=report or out / "quality-report.html", work_dir=out, lang=lang))
    raise typer.Exit(0 if result.ok else 1)
