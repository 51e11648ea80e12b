"""The whole national procedure on the simulated network, run by the runbook (``hnth demo``).

request → notify the units → plan agreed → (rehearsal) → cascade up → chair's test calls →
readiness sweep (live progress bar, summary form) → ready check → the meeting served
(chair switches against 30 s, an injected link and site drop that the watchdog redials,
SNMP alarms) → the quality evaluation written to an HTML file (JSON beside it), whose
path is printed. Every step is a runbook step (:mod:`hnth_drivers.meeting.live`), its
state persisted after each change; times are meeting time on a virtual clock (the
meeting "starts" four hours after the request), so deadlines are judged as in real life
while the demo takes seconds.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AsyncExitStack
from pathlib import Path
from typing import TYPE_CHECKING

from hnth_drivers.cli.common import console

if TYPE_CHECKING:
    from hnth_drivers.cascade.live import LiveCascade
    from hnth_drivers.cascade.topology import Topology
    from hnth_drivers.meeting.definition import MeetingSite
    from hnth_drivers.meeting.live import LiveMeeting
    from hnth_drivers.meeting.readiness import SiteInfo
    from hnth_drivers.meeting.record import MeetingRecorder

    from .cli_demo import DemoResult
    from .cli_network import SimulatedNetwork

__all__ = ["run_procedure"]


def _meeting_sites(topo: Topology, plan_mcu: Callable[[str], str],
                   directory: Mapping[str, SiteInfo]) -> tuple[MeetingSite, ...]:
    from hnth_drivers.meeting.definition import MeetingSite

    out = []
    for site in topo.sites:
        info = directory[site.id]
        out.append(MeetingSite(site.id, site.name, site.level, info.unit, plan_mcu(site.id),
                               info.contact or None))
    return tuple(out)


def _injector(simnet: SimulatedNetwork, cascade: LiveCascade, script: list[str]
              ) -> Callable[[LiveMeeting, MeetingRecorder], Awaitable[str]]:
    async def inject(live: LiveMeeting, recorder: MeetingRecorder) -> str:
        sim = simnet.sim
        victim = max(cascade.links, key=lambda m: (cascade.depth(m), m))
        sim.mcu(victim).drop(sim.conference, cascade.links[victim].uplink)
        site = max((s for s in cascade.sites if s not in script and s != cascade.chair
                    and cascade.sites[s] != victim),
                   key=lambda s: (len(cascade.path(s)), s))  # a far site: the worst case
        sim.mcu(cascade.sites[site]).drop(sim.conference, site)
        simnet.agent.device(victim).set_link(2, up=False)
        return (f"injected: cascade link {victim} dropped, site {site} dropped, "
                f"{victim} port lan2 down")
    return inject


async def run_procedure(topo: Topology, *, latency_ms: float, per_level: int, seed: int,
                        audit_path: Path, report_html: Path, work_dir: Path,
                        lang: str = "vi", sample_calls: int = 3) -> DemoResult:
    """Run the whole procedure (see the module docstring); prints as it goes.

    ``work_dir`` (existing) receives the run state, the units' outbox and the meeting
    record; ``report_html`` the quality evaluation (JSON, readiness CSV/JSON beside it).
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from hnth_drivers.cascade.planner import plan
    from hnth_drivers.meeting.actions import default_registry
    from hnth_drivers.meeting.definition import Meeting, MeetingKind, format_duration
    from hnth_drivers.meeting.live import (
        LIVE_STEPS,
        ProcedureClock,
        live_meeting_from_fleet,
        register_live_actions,
    )
    from hnth_drivers.meeting.readiness import directory_from_topology
    from hnth_drivers.meeting.runbook import Runbook, Runner
    from hnth_drivers.meeting.state import DeadlineStatus, RunEvent, StepStatus
    from hnth_drivers.meeting.summary import rich_table, to_json, write_csv
    from hnth_drivers.network import Fleet
    from hnth_drivers.network.operators import load_operators
    from hnth_drivers.security.audit import AuditLog, verify

    from .cli_demo import DemoResult, _summary_table, _switch_table, pick_sites
    from .cli_network import serve_network

    result = DemoResult()
    t0 = time.perf_counter()
    the_plan = plan(topo)
    result.step("plan", True, f"{topo.name}: {len(topo.sites):,} sites on "
                f"{len(the_plan.mcus)} MCUs, {len(the_plan.links)} links, max depth "
                f"{the_plan.max_depth} ({time.perf_counter() - t0:.2f} s)")
    audit = AuditLog(audit_path, durable=False)
    units = [s.name for s in topo.sites if s.parent is None or s.level.value == "province"]
    contacts = {u: f"024 38{i:02d} {1000 + 37 * i:04d}" for i, u in enumerate(units)}
    directory = directory_from_topology(topo, contacts=contacts)
    carriers = {m.id: m.operator for m in topo.mcus}
    request = dt.datetime.now(dt.UTC).replace(microsecond=0)
    start = request + dt.timedelta(hours=4)
    t = time.perf_counter()
    # The simulation is served as a network file; everything from here on goes through
    # the same Fleet (drivers from the registry, credentials from the secret store) that
    # a real network's network file gets.
    async with AsyncExitStack() as stack:
        simnet = await stack.enter_async_context(serve_network(
            topo, work_dir / "network", rooms=2, latency_ms=latency_ms, seed=seed))
        fleet = Fleet.from_file(simnet.network_file, audit=audit, actor="demo.chair")
        chair_op = load_operators(simnet.out / "operators.toml")["central"]
        the_meeting = Meeting(
            id=f"demo-{topo.name}", title=f"Hội nghị trực tuyến toàn quốc ({topo.name}, mô phỏng)",
            kind=MeetingKind.PLANNED, request=request, start=start,
            end=start + dt.timedelta(hours=1), chair=simnet.chair,
            sites=_meeting_sites(topo, the_plan.mcu_of, directory),
            steps=LIVE_STEPS)
        progress = Progress(TextColumn("  readiness"), BarColumn(), MofNCompleteColumn(),
                            console=console, transient=True)
        task = progress.add_task("sites", total=len(topo.sites) + sample_calls)

        def tick(_what: str, done: int, total: int) -> None:
            if not progress.live.is_started:
                progress.start()
            progress.update(task, completed=done, total=total)

        await stack.enter_async_context(fleet)
        live = await live_meeting_from_fleet(fleet, the_meeting, operator=chair_op,
                                             report_html=report_html,
                                             sample_calls=sample_calls, seed=seed,
                                             progress=tick)
        live.directory, live.carriers = directory, carriers
        cascade = live.cascade
        result.step("simulation", True, f"{simnet.network_file}: {len(cascade.nodes)} MCUs "
                    f"on one HTTPS socket, {len(live.snmp_targets)} SNMPv3 devices, "
                    f"{latency_ms:g} ms API latency; drivers from the registry through the "
                    f"Fleet ({time.perf_counter() - t:.2f} s)")
        by_level: dict[str, list[str]] = {}
        for s in topo.sites:
            if s.id != simnet.chair:
                by_level.setdefault(s.level.value, []).append(s.id)
        live.script = pick_sites(by_level, lambda s: len(cascade.path(s)),
                                 per_level=per_level, seed=seed)
        live.inject = _injector(simnet, cascade, live.script)
        registry = default_registry(plugins=False)
        register_live_actions(registry, live)
        runbook = Runbook(the_meeting, registry=registry)
        jumps = {s.not_before for s in runbook.schedule if s.not_before is not None}
        clock = ProcedureClock(request, jumps)

        def on_event(ev: RunEvent) -> None:
            if ev.kind in ("warning", "missed", "violation", "failed"):
                console.print(f"[yellow]  {ev.step}: {ev.kind}: {ev.message}[/]",
                              highlight=False, markup=True)

        async def confirm(step: object, _meeting: object) -> str:
            return "demo: simulated provincial units"

        runner = Runner(runbook, work_dir / "meeting.state.json", clock=clock,
                        confirm=confirm, on_event=on_event, audit=audit)
        t = time.perf_counter()
        try:
            state = await runner.run()
        finally:
            progress.stop()
        for sched in runbook.schedule:
            rec = state.steps[sched.step.name]
            # a warning (done after the warning time, before the deadline) is not a failure
            ok = rec.status is StepStatus.DONE and rec.deadline_status in (
                DeadlineStatus.MET, DeadlineStatus.WARNED, DeadlineStatus.NONE) \
                and not rec.violations
            at = "start" + format_duration(rec.finished_at - start) if rec.finished_at \
                else "-"
            due = "start" + format_duration(sched.deadline - start) if sched.deadline \
                else "-"
            result.step(sched.step.name, ok, f"({at} ≤ {due}: {rec.deadline_status.value}) "
                        f"{rec.summary or rec.error or rec.status.value}"
                        + (f"; {'; '.join(rec.violations)}" if rec.violations else ""))
        if live.readiness is not None:
            console.print(rich_table(live.readiness, lang=lang, limit=8))
            csv_path = report_html.with_name(report_html.stem + ".readiness.csv")
            write_csv(live.readiness, csv_path, lang=lang)
            import json

            report_html.with_name(report_html.stem + ".readiness.json").write_text(
                json.dumps(to_json(live.readiness, lang=lang), ensure_ascii=False),
                encoding="utf-8")
            result.step("readiness report", live.readiness.ready,
                        f"{csv_path} (and .json), {live.readiness.duration_s:.2f} s")
        if live.traces:
            _switch_table(topo, live.traces)
        for line in live.serve_log:
            result.step("served meeting", "not recovered" not in line, line)
        result.step("runbook", state.status.value == "done",
                    f"{state.status.value}; state in {work_dir / 'meeting.state.json'} "
                    f"({time.perf_counter() - t:.1f} s)")
    report = verify(audit_path)
    result.step("audit log", report.ok, f"{audit_path}: {report}")
    written = state.steps["quality_evaluation"].detail.get("html")
    result.step("quality report", bool(written), str(written or "not written"))
    if written:
        console.print(f"quality report: {report_html}", highlight=False, soft_wrap=True)
    _summary_table(result, time.perf_counter() - t0)
    return result
