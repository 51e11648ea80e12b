"""The runbook's steps wired to the library: plan, cascade, test calls, readiness, serve,
evaluate.

:func:`register_live_actions` registers, on a :class:`~.actions.StepRegistry`, actions
and checks that do each step of the procedure through a :class:`LiveMeeting` (a live
cascade with its drivers):

=======================  =====================  ==============================================
step                     action / check          what it does
=======================  =====================  ==============================================
agree_connection_plan    ``cascade.plan``        the planner's plan is checked against the topology
cascade_slave_mcus       ``cascade.bring_up``    every cascade link up; the check reads link states
chair_test_calls         ``chair.test_calls``    the chair calls sample district/commune sites
system_ready             ``readiness.sweep``     the readiness sweep; the check: no site not ready
serve_meeting            ``meeting.serve``       the chair's script, watchdog, recorder
quality_evaluation       ``quality.report``      the HTML and JSON evaluation from the record
=======================  =====================  ==============================================

:data:`LIVE_STEPS` is the matching set of step overrides for a meeting. All actions are
idempotent (running one again after a crash redoes harmless work). When the run's clock
is a virtual one (:class:`~.clock.FakeClock`), each action moves it to where the step
plausibly ends in the procedure's timeline (``timeline``), so a whole simulated meeting
runs in seconds with every deadline judged in meeting time.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..cascade.live import LiveCascade
from ..cascade.planner import Plan
from ..cascade.switch import Switcher, SwitchTrace
from ..cascade.topology import Topology
from ..cascade.watchdog import EventKind, Watchdog
from ..model import ConnectionState
from ..monitor.alarms import AlarmEngine
from ..monitor.snmp import SnmpPoller, SnmpTarget
from ..security.audit import AuditLog
from .actions import StepContext, StepOutcome, StepRegistry, SwitchTiming
from .clock import FakeClock
from .definition import StepOverride
from .readiness import ReadinessCheck, ReadinessReport, SiteInfo, Status, TestCall
from .record import MeetingRecorder, load_record
from .report import evaluate, to_json
from .report_html import render_html
from .state import write_atomic

if TYPE_CHECKING:
    from ..network.fleet import Fleet
    from ..security.access import Operator
    from .definition import Meeting

__all__ = ["LIVE_STEPS", "TIMELINE", "LiveMeeting", "ProcedureClock", "live_meeting_from_fleet",
           "register_live_actions"]

LIVE_STEPS: Mapping[str, StepOverride] = {
    "agree_connection_plan": StepOverride("cascade.plan", "cascade.plan"),
    "cascade_slave_mcus": StepOverride("cascade.bring_up", "cascade.links_up"),
    "chair_test_calls": StepOverride("chair.test_calls"),
    "system_ready": StepOverride("readiness.sweep", "readiness.ready"),
    "serve_meeting": StepOverride("meeting.serve"),
    "quality_evaluation": StepOverride("quality.report", "quality.report"),
}
"""Step overrides that run a meeting through :func:`register_live_actions`."""

TIMELINE: Mapping[str, tuple[str, dt.timedelta]] = {
    "agree_connection_plan": ("request", dt.timedelta(minutes=20)),
    "rehearse": ("start", dt.timedelta(hours=-2, minutes=-50)),
    "cascade_slave_mcus": ("start", dt.timedelta(hours=-2, minutes=-40)),
    "chair_test_calls": ("start", dt.timedelta(minutes=-60)),
    "system_ready": ("start", dt.timedelta(minutes=-50)),
    "serve_meeting": ("end", dt.timedelta(0)),
    "quality_evaluation": ("end", dt.timedelta(minutes=15)),
}
"""Where each step ends in meeting time when the clock is virtual."""

Inject = Callable[["LiveMeeting", MeetingRecorder], Awaitable[str]]


@dataclass
class LiveMeeting:
    """What the live actions work on, and what they leave for the caller to show.

    ``script`` is the chair's list of sites to show during the meeting; ``inject`` (a
    simulation's fault injection) is awaited during the meeting, after the first switch;
    ``report_html`` is where the evaluation is written (JSON beside it).
    """

    topology: Topology
    plan: Plan
    cascade: LiveCascade
    switcher: Switcher
    directory: Mapping[str, SiteInfo]
    carriers: Mapping[str, str]
    script: list[str]
    report_html: Path
    snmp: SnmpPoller | None = None
    snmp_targets: Mapping[str, SnmpTarget] = field(default_factory=dict)
    site_snmp_targets: Mapping[str, SnmpTarget] = field(default_factory=dict)
    sample_calls: int = 3
    seed: int = 0
    audit: AuditLog | None = None
    inject: Inject | None = None
    progress: Callable[[str, int, int], None] | None = None
    test_calls: tuple[TestCall, ...] = ()
    readiness: ReadinessReport | None = None
    record_path: Path | None = None
    serve_log: list[str] = field(default_factory=list)
    traces: list[SwitchTrace] = field(default_factory=list)

    def _check(self) -> ReadinessCheck:
        return ReadinessCheck(self.cascade, self.directory, carriers=self.carriers,
                              snmp=self.snmp, snmp_targets=self.snmp_targets,
                              site_snmp_targets=self.site_snmp_targets,
                              switcher=self.switcher, sample_calls=self.sample_calls,
                              seed=self.seed)


async def live_meeting_from_fleet(fleet: Fleet, meeting: Meeting, *, operator: Operator,
                                  report_html: Path, sample_calls: int = 3, seed: int = 0,
                                  progress: Callable[[str, int, int], None] | None = None
                                  ) -> LiveMeeting:
    """A :class:`LiveMeeting` over a network file's :class:`~hnth_drivers.network.Fleet`:
    its cascade (MCU drivers opened here), the operator's switcher, the file's sites and
    carriers, its SNMP targets, and the meeting file's script as the chair's list."""
    from ..network.fleet import DeviceResult
    from .readiness import directory_from_network

    cascade = fleet.cascade(operator=operator)
    results: list[DeviceResult] = await fleet.open_all(
        [fleet.network.mcu(m).target() for m in cascade.nodes])
    for result in results:
        if result.error is not None:
            raise result.error
    switcher = Switcher(cascade, operator=operator, tree=fleet.tree, audit=fleet.audit)
    return LiveMeeting(
        fleet.network.topology(), fleet.plan(), cascade, switcher,
        directory_from_network(fleet.network), {m.id: m.carrier for m in fleet.network.mcus},
        [item.show for item in meeting.script], report_html,
        snmp=await fleet.poller() if fleet.network.snmp else None,
        snmp_targets={k: v for k, v in fleet.snmp_targets().items() if k in cascade.nodes},
        site_snmp_targets=fleet.site_snmp_targets(), sample_calls=sample_calls, seed=seed,
        audit=fleet.audit, progress=progress)


def _advance(ctx: StepContext) -> None:
    """Move a virtual clock to where the step ends in the procedure's timeline."""
    if not isinstance(ctx.clock, FakeClock) or ctx.step.name not in TIMELINE:
        return
    anchor, delta = TIMELINE[ctx.step.name]
    base = {"request": ctx.meeting.request, "start": ctx.meeting.start,
            "end": ctx.meeting.end}[anchor]
    target = base + delta
    if target > ctx.clock.now():
        ctx.clock.set(target)


def register_live_actions(registry: StepRegistry, live: LiveMeeting) -> None:
    """Register the live actions and checks (see the module docstring) for ``live``."""
    from ..cascade.plan_check import violations as check_plan

    cascade = live.cascade

    async def plan_action(ctx: StepContext) -> StepOutcome:
        problems = check_plan(live.topology, live.plan)
        _advance(ctx)
        return StepOutcome(summary=f"{len(live.plan.mcus)} MCUs, {len(live.plan.links)} links, "
                           f"max depth {live.plan.max_depth}; {len(problems)} problems",
                           detail={"mcus": len(live.plan.mcus), "links": len(live.plan.links),
                                   "problems": len(problems)})

    async def plan_check(ctx: StepContext) -> bool:
        return not check_plan(live.topology, live.plan)

    async def bring_up(ctx: StepContext) -> StepOutcome:
        states = await cascade.up(wait_s=60)
        _advance(ctx)
        return StepOutcome(summary=f"{len(states)} links connected",
                           detail={"links": len(states)})

    async def links_up(ctx: StepContext) -> bool:
        states = await cascade.link_states()
        return all(s is ConnectionState.CONNECTED for s in states.values())

    async def test_calls(ctx: StepContext) -> StepOutcome:
        check = live._check()
        live.test_calls = await check.test_calls()
        _advance(ctx)
        passed = sum(1 for c in live.test_calls if c.ok)
        return StepOutcome(
            summary=f"{passed}/{len(live.test_calls)} test calls on the chair's screen",
            detail={"passed": passed, "calls": len(live.test_calls)},
            switches=tuple(SwitchTiming(c.site, c.seconds) for c in live.test_calls))

    async def sweep(ctx: StepContext) -> StepOutcome:
        total = len(cascade.sites)
        done = 0

        def tick(n: int) -> None:
            nonlocal done
            done += n
            if live.progress is not None:
                live.progress("readiness", done, total)

        live.readiness = report = await live._check().run(tick, calls=live.test_calls)
        _advance(ctx)
        counts = {s.value: report.count(s) for s in Status}
        return StepOutcome(summary=", ".join(f"{v} {k}" for k, v in counts.items()),
                           detail={**counts, "ready": report.ready})

    async def ready(ctx: StepContext) -> bool:
        return live.readiness is not None and live.readiness.ready

    async def serve(ctx: StepContext) -> StepOutcome:
        return await _serve(ctx, live, cascade)

    async def quality(ctx: StepContext) -> StepOutcome:
        assert live.record_path is not None, "the meeting was not served"
        report = evaluate(load_record(live.record_path))
        html_path = live.report_html
        json_path = html_path.with_suffix(".json")
        html_path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(html_path, render_html(report).encode("utf-8"))
        import json

        write_atomic(json_path, json.dumps(to_json(report), ensure_ascii=False,
                                           indent=1).encode("utf-8"))
        _advance(ctx)
        return StepOutcome(summary=f"report written to {html_path}",
                           detail={"html": str(html_path), "json": str(json_path)})

    async def quality_check(ctx: StepContext) -> bool:
        return live.report_html.exists() and live.report_html.with_suffix(".json").exists()

    for name, fn, doc in (
            ("cascade.plan", plan_action, "check the cascade plan against the topology"),
            ("cascade.bring_up", bring_up, "bring every cascade link up"),
            ("chair.test_calls", test_calls, "the chair calls sample district/commune sites"),
            ("readiness.sweep", sweep, "readiness sweep of every site"),
            ("meeting.serve", serve, "serve the meeting: script, watchdog, recorder"),
            ("quality.report", quality, "write the quality evaluation (HTML and JSON)")):
        registry.add_action(name, fn, idempotent=True, description=doc, replace=True)
    for name, chk, doc in (
            ("cascade.plan", plan_check, "the plan fits the topology"),
            ("cascade.links_up", links_up, "every cascade link is connected"),
            ("readiness.ready", ready, "no site is not ready and every test call passed"),
            ("quality.report", quality_check, "the report files exist")):
        registry.add_check(name, chk, description=doc, replace=True)


async def _serve(ctx: StepContext, live: LiveMeeting, cascade: LiveCascade) -> StepOutcome:
    """The chair's script with recording, SNMP alarms, an injected fault and the watchdog."""
    recorder = MeetingRecorder.start(cascade, live.directory, meeting=ctx.meeting.id,
                                     title=ctx.meeting.title, carriers=live.carriers,
                                     snmp=live.snmp,
                                     site_snmp_targets=live.site_snmp_targets)
    engine = AlarmEngine()
    engine.on_event(lambda e: recorder.alarm("snmp", e.kind.value, e.severity.value,
                                             e.device, e.subject, e.message))

    async def snmp_round() -> None:
        if live.snmp is not None and live.snmp_targets:
            for health in await live.snmp.poll_all(live.snmp_targets.values()):
                await engine.observe(health)

    if live.readiness is not None:  # every site's figures (and sources) from the sweep
        recorder.observe_readiness(live.readiness)
    watched = {m for site in live.script for m in cascade.path(site)}
    await recorder.sample(stats_mcus=watched)
    await snmp_round()
    dog = Watchdog(cascade, notify=recorder.watchdog, audit=live.audit, poll_s=0.1)
    timings: list[SwitchTiming] = []
    for i, site in enumerate(live.script):
        trace = await live.switcher.switch_to(site)
        recorder.switch(trace)
        live.traces.append(trace)
        timings.append(SwitchTiming(trace.site, trace.total_s if trace.ok else 1e9))
        if i == 0 and live.inject is not None:
            live.serve_log.append(await live.inject(live, recorder))
            await recorder.sample()  # what the central office sees at once
            await _until_recovered(dog, recorder, live)
            await snmp_round()
        await recorder.sample(stats_mcus=watched)
    await snmp_round()
    await recorder.sample(stats_mcus=watched)
    record = recorder.finish()
    live.record_path = ctx.work_dir / f"{ctx.meeting.id}.record.json"
    record.save(live.record_path)
    _advance(ctx)
    over = sum(1 for t in timings if t.seconds > 30)
    return StepOutcome(summary=f"{len(timings)} switches ({over} over 30 s), "
                       f"{len(record.alarms)} alarms",
                       detail={"record": str(live.record_path), "alarms": len(record.alarms)},
                       switches=tuple(timings))


async def _until_recovered(dog: Watchdog, recorder: MeetingRecorder, live: LiveMeeting,
                           rounds: int = 100) -> None:
    """Let the watchdog redial what dropped; the recorder samples every round."""
    for _ in range(rounds):
        await dog.poll_once()
        await recorder.sample()
        kinds = [a.kind for a in recorder.record.alarms if a.source == "watchdog"]
        if kinds and kinds.count(EventKind.RECOVERED.value) >= \
                kinds.count(EventKind.DROPPED.value):
            live.serve_log.append("watchdog: " + " -> ".join(kinds))
            return
        await asyncio.sleep(dog.poll_s)
    live.serve_log.append("watchdog: not recovered")


class ProcedureClock(FakeClock):
    """Virtual meeting time for a simulated run: moved by the live actions, and jumping
    at once to the instants in ``jump_to`` (the steps' earliest starts) when the runner
    waits for them, instead of waiting in real time. Any other sleep (the runner's
    deadline watcher) waits until the actions move the clock past it."""

    def __init__(self, start: dt.datetime, jump_to: set[dt.datetime]) -> None:
        super().__init__(start, autojump=False)
        self.jump_to = set(jump_to)

    async def sleep_until(self, when: dt.datetime) -> None:
        """Jump to ``when`` if it is a step's earliest start, else wait for it."""
        if when in self.jump_to and when > self.now():
            self.set(when)
        await super().sleep_until(when)
