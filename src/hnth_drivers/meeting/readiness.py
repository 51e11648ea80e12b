"""Readiness: is every site of a meeting ready, and can the chair reach sample sites?

:class:`ReadinessCheck` sweeps a live cascade (:class:`~hnth_drivers.cascade.live.LiveCascade`)
and gives one :class:`ReadinessRow` per site:

- **connected** to its MCU (one participant list per MCU, never one call per site);
- **cascade path up**: every link between the site's MCU and the master is connected
  (link states come from the same participant lists);
- **recent call quality** within :class:`~hnth_drivers.monitor.alarms.QualityThresholds`
  (defaults: delay ≥ 250 ms, jitter ≥ 50 ms, loss ≥ 3 % are bad), each figure from the
  source that measures it (:func:`~hnth_drivers.monitor.quality.merge`): the MCU's
  receive-side statistics (one ``stats`` call per MCU), the site's own SNMP agent (its
  room codec: ``site_snmp_targets``), or figures handed in (``recent_quality``). A Codian
  MCU documents loss, not jitter or delay: on a Codian network loss comes from the MCU
  and jitter and delay from the room's SNMP agent where one is known. Only measured
  figures are judged; the row names the source of each (``quality_sources``);
- the **MCU's own health** over SNMP when a target is known for it (one poll per MCU);
- the **room codec and camera** reachable, where a probe is known for the site;
- **test calls** from the chair to ``sample_calls`` district/commune sites (the procedure
  asks for "some"), one after another through the timed switch path, each against 30 s.

A row's status is ``ready``, ``degraded`` (the meeting can go on but someone should look:
quality over a threshold, the MCU blind to SNMP or with an interface down, a camera not
answering) or ``not_ready`` (disconnected, cascade path down, MCU not answering, codec
unreachable, test call failed). Every problem is a :class:`Problem` with a code, so the
summary table (:mod:`.summary`) can say it in Vietnamese or English.
"""

from __future__ import annotations

import asyncio
import enum
import random
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

from ..cascade.link import worse
from ..cascade.live import LiveCascade, gather_bounded
from ..cascade.switch import Switcher, SwitchTrace
from ..cascade.topology import Topology
from ..errors import HnthError
from ..model import CallStats, ConnectionState, Level, Participant
from ..monitor.alarms import QualityThresholds
from ..monitor.health import CallQuality, SnmpHealth, unreachable
from ..monitor.quality import MCU, MONITOR, PRECEDENCE, SNMP, merge, site_stats_from_snmp
from ..monitor.snmp import SnmpPoller, SnmpTarget

if TYPE_CHECKING:
    from ..network.model import Network

__all__ = [
    "Probe",
    "Problem",
    "ReadinessCheck",
    "ReadinessReport",
    "ReadinessRow",
    "SiteInfo",
    "Status",
    "TestCall",
    "directory_from_network",
    "directory_from_topology",
    "link_states_from",
]

Probe = Callable[[], Awaitable[object]]
"""A reachability probe: returns (anything) when the device answers, raises when not."""


class Status(enum.StrEnum):
    """A site's readiness."""

    READY = "ready"
    DEGRADED = "degraded"
    NOT_READY = "not_ready"


class Problem(enum.StrEnum):
    """What is wrong with a site (codes; :mod:`.summary` has the words)."""

    DISCONNECTED = "disconnected"
    CASCADE_DOWN = "cascade_down"
    MCU_ERROR = "mcu_error"
    QUALITY = "quality"
    MCU_SNMP_UNREACHABLE = "mcu_snmp_unreachable"
    MCU_INTERFACE_DOWN = "mcu_interface_down"
    CODEC_UNREACHABLE = "codec_unreachable"
    CAMERA_UNREACHABLE = "camera_unreachable"
    TEST_CALL_FAILED = "test_call_failed"


_BLOCKING = frozenset({Problem.DISCONNECTED, Problem.CASCADE_DOWN, Problem.MCU_ERROR,
                       Problem.CODEC_UNREACHABLE, Problem.TEST_CALL_FAILED})


@dataclass(frozen=True, slots=True)
class SiteInfo:
    """Who a site is for the summary: its name, level, the unit that runs it, a contact."""

    id: str
    name: str
    level: Level
    unit: str
    contact: str = ""


def directory_from_topology(topology: Topology, *,
                            contacts: Mapping[str, str] | None = None) -> dict[str, SiteInfo]:
    """Site infos from a :class:`~hnth_drivers.cascade.topology.Topology`.

    A site's unit is its province (the site itself, or its ancestor at the province
    level); government sites belong to the top of the hierarchy. ``contacts`` maps a site
    id or a unit name to a contact (the site's own entry wins).
    """
    contacts = contacts or {}
    out: dict[str, SiteInfo] = {}
    for site in topology.sites:
        unit = site
        for anc in (site.id, *topology.ancestors(site.id)):
            candidate = topology.site(anc)
            unit = candidate
            if candidate.level is Level.PROVINCE:
                break
        out[site.id] = SiteInfo(site.id, site.name, site.level, unit.name,
                                contacts.get(site.id, contacts.get(unit.name, "")))
    return out


def directory_from_network(network: Network) -> dict[str, SiteInfo]:
    """Site infos from a network file: its own ``unit`` and ``contact`` where it gives
    them, else as :func:`directory_from_topology` finds them."""
    directory = directory_from_topology(network.topology())
    for entry in network.sites:
        info = directory[entry.id]
        directory[entry.id] = SiteInfo(info.id, info.name, info.level, entry.unit or info.unit,
                                       entry.contact or info.contact)
    return directory


@dataclass(frozen=True, slots=True)
class TestCall:
    """One test call from the chair: the site, how long until it was on screen, verdict."""

    site: str
    seconds: float
    ok: bool
    reason: str | None = None

    @classmethod
    def of(cls, trace: SwitchTrace) -> TestCall:
        """From a switch trace."""
        return cls(trace.site, round(trace.total_s, 4), trace.ok and trace.within_limit,
                   trace.reason)


@dataclass(frozen=True, slots=True)
class ReadinessRow:
    """One line of the summary: a site and what the sweep found."""

    site: str
    name: str
    level: Level
    unit: str
    mcu: str
    carrier: str
    status: Status
    connection: ConnectionState | None
    loss_percent: float | None = None
    jitter_ms: float | None = None
    delay_ms: float | None = None
    quality_ok: bool | None = None
    quality_source: str = ""
    """The sources of the figures, readable: ``loss: mcu, jitter: snmp, delay: snmp``
    (:func:`~hnth_drivers.monitor.quality.sources_text` of ``quality_sources``)."""
    test_call_s: float | None = None
    problems: tuple[Problem, ...] = ()
    detail: str = ""
    contact: str = ""
    quality_sources: Mapping[str, str] = field(default_factory=dict)
    """Per figure (``loss``, ``jitter``, ``delay``) the source it came from (``mcu``,
    ``snmp``, ``monitor``); a figure no source measured is absent here and None above."""


@dataclass(frozen=True)
class ReadinessReport:
    """Every site's row, the test calls, and when and how long the sweep ran."""

    rows: tuple[ReadinessRow, ...]
    test_calls: tuple[TestCall, ...] = ()
    thresholds: QualityThresholds = field(default_factory=QualityThresholds)
    checked_at: float = 0.0
    duration_s: float = 0.0

    def count(self, status: Status) -> int:
        """How many sites have ``status``."""
        return sum(1 for r in self.rows if r.status is status)

    @property
    def ready(self) -> bool:
        """No site is not ready and every test call passed (degraded sites are allowed)."""
        return self.count(Status.NOT_READY) == 0 and all(c.ok for c in self.test_calls)

    def row(self, site: str) -> ReadinessRow:
        """The row of ``site`` (KeyError if none)."""
        for r in self.rows:
            if r.site == site:
                return r
        raise KeyError(site)


def link_states_from(cascade: LiveCascade, lists: Mapping[str, list[Participant] | None]
                     ) -> dict[str, ConnectionState]:
    """Each link's state (by slave MCU, the worse side) from participant lists already
    read (by MCU id); a link with a side whose list is missing is left out."""
    out: dict[str, ConnectionState] = {}
    for slave, link in cascade.links.items():
        caller, callee = lists.get(link.caller.mcu_id), lists.get(link.callee.mcu_id)
        if caller is None or callee is None:
            continue
        leg, answer = link.caller_side(caller), link.callee_side(callee)
        out[slave] = worse(leg.state if leg else ConnectionState.DISCONNECTED,
                           answer.state if answer else ConnectionState.DISCONNECTED)
    return out


def _status(problems: Iterable[Problem]) -> Status:
    found = set(problems)
    if found & _BLOCKING:
        return Status.NOT_READY
    return Status.DEGRADED if found else Status.READY


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:200]


@dataclass
class _McuReading:
    parts: list[Participant] | None = None
    stats: dict[str, CallStats] = field(default_factory=dict)
    error: str | None = None
    stats_error: str | None = None
    snmp: SnmpHealth | None = None


class ReadinessCheck:
    """A readiness sweep of one meeting (see the module docstring).

    ``directory`` describes the sites (:func:`directory_from_topology`); ``carriers``
    names the operator of each MCU. ``snmp`` with ``snmp_targets`` (by MCU id) adds the
    MCUs' own health; ``codecs`` and ``cameras`` (by site id) are reachability probes,
    each bounded by ``probe_timeout_s``. ``switcher`` makes the test calls: to
    ``test_sites`` if given, else to ``sample_calls`` sites drawn (seeded) from
    ``sample_levels``, the deepest in the cascade first.

    Call quality is read from each MCU (``Mcu.stats``) unless ``recent_quality`` gives the
    monitor's latest figures by site id (then no statistics call is made). With ``snmp``,
    ``site_snmp_targets`` (by site id: the room codec's agent) are polled too, one poll
    per site. Each figure of a site comes from the first source of ``precedence[figure]``
    (default :data:`~hnth_drivers.monitor.quality.PRECEDENCE`: MCU, SNMP, monitor) that
    measured it; the row names each figure's source.
    """

    def __init__(self, cascade: LiveCascade, directory: Mapping[str, SiteInfo], *,
                 carriers: Mapping[str, str] | None = None,
                 thresholds: QualityThresholds | None = None,
                 snmp: SnmpPoller | None = None,
                 snmp_targets: Mapping[str, SnmpTarget] | None = None,
                 codecs: Mapping[str, Probe] | None = None,
                 cameras: Mapping[str, Probe] | None = None,
                 switcher: Switcher | None = None, sample_calls: int = 3,
                 sample_levels: Sequence[Level] = (Level.DISTRICT, Level.COMMUNE),
                 test_sites: Sequence[str] | None = None, seed: int = 0,
                 probe_timeout_s: float = 5.0,
                 recent_quality: Mapping[str, CallStats] | None = None,
                 site_snmp_targets: Mapping[str, SnmpTarget] | None = None,
                 precedence: Mapping[str, Sequence[str]] = PRECEDENCE) -> None:
        self.cascade = cascade
        self.directory = directory
        self.carriers = dict(carriers or {})
        self.thresholds = thresholds or QualityThresholds()
        self.snmp = snmp
        self.snmp_targets = dict(snmp_targets or {})
        self.codecs = dict(codecs or {})
        self.cameras = dict(cameras or {})
        self.switcher = switcher
        self.sample_calls = sample_calls
        self.sample_levels = tuple(sample_levels)
        self.test_sites = list(test_sites) if test_sites is not None else None
        self.seed = seed
        self.probe_timeout_s = probe_timeout_s
        self.recent_quality = recent_quality
        self.site_snmp_targets = dict(site_snmp_targets or {})
        self.precedence = precedence

    # ---- what to call -----------------------------------------------------------------

    def pick_test_sites(self) -> list[str]:
        """The sites the chair test-calls: ``test_sites``, or a seeded sample."""
        if self.test_sites is not None:
            return list(self.test_sites)
        rng = random.Random(self.seed)
        pool = sorted(s for s in self.cascade.sites
                      if s != self.cascade.chair and s in self.directory
                      and self.directory[s].level in self.sample_levels)
        if not pool or self.sample_calls <= 0:
            return []
        deepest = max(pool, key=lambda s: (len(self.cascade.path(s)), s))
        rest = [s for s in pool if s != deepest]
        return [deepest, *rng.sample(rest, min(self.sample_calls - 1, len(rest)))]

    async def _read_mcu(self, mcu_id: str) -> _McuReading:
        node = self.cascade.nodes[mcu_id]
        reading = _McuReading()
        try:
            reading.parts = await node.driver.participants(node.conference)
        except HnthError as exc:
            reading.error = _describe(exc)
        if reading.parts is not None and self.recent_quality is None:
            try:
                reading.stats = {s.participant: s
                                 for s in await node.driver.stats(node.conference)}
            except HnthError as exc:  # quality unknown; the sites may still be fine
                reading.stats_error = _describe(exc)
        target = self.snmp_targets.get(mcu_id)
        if self.snmp is not None and target is not None:
            try:
                reading.snmp = await self.snmp.poll(target)
            except HnthError as exc:
                reading.snmp = unreachable(mcu_id, time.time(), _describe(exc))
        return reading

    async def _read_site_snmp(self) -> dict[str, SnmpHealth]:
        """One poll of each site's own SNMP agent (none without a poller)."""
        if self.snmp is None:
            return {}
        jobs = [(site, target) for site, target in self.site_snmp_targets.items()
                if site in self.cascade.sites]

        async def one(target: SnmpTarget) -> SnmpHealth:
            assert self.snmp is not None
            try:
                return await self.snmp.poll(target)
            except HnthError as exc:  # a policy or profile error: no figures from it
                return unreachable(target.name, time.time(), _describe(exc))

        got = await gather_bounded([partial(one, t) for _, t in jobs],
                                   self.cascade.concurrency)
        return {site: health for (site, _), health in zip(jobs, got, strict=True)}

    async def _probe(self, probe: Probe) -> str | None:
        try:
            await asyncio.wait_for(probe(), self.probe_timeout_s)
        except (TimeoutError, HnthError, OSError) as exc:
            return _describe(exc)
        return None

    # ---- the sweep ----------------------------------------------------------------------

    async def test_calls(self, progress: Callable[[int], None] | None = None
                         ) -> tuple[TestCall, ...]:
        """The chair's test calls, one after another (none without a switcher)."""
        calls: list[TestCall] = []
        if self.switcher is None:
            return ()
        for site in self.pick_test_sites():
            try:
                calls.append(TestCall.of(await self.switcher.switch_to(site)))
            except HnthError as exc:
                calls.append(TestCall(site, 0.0, False, _describe(exc)))
            if progress is not None:
                progress(1)
        return tuple(calls)

    async def run(self, progress: Callable[[int], None] | None = None, *,
                  calls: Sequence[TestCall] | None = None) -> ReadinessReport:
        """Sweep every site; ``progress(n)`` is told of each batch of ``n`` sites checked
        (the MCU sweep first, then each test call counts as one more step). ``calls``:
        test calls already made (:meth:`test_calls`), else they are made now."""
        t0 = time.perf_counter()
        cascade = self.cascade
        per_mcu: dict[str, list[str]] = {}
        for site, mcu in cascade.sites.items():
            per_mcu.setdefault(mcu, []).append(site)

        async def one(mcu_id: str) -> tuple[str, _McuReading]:
            reading = await self._read_mcu(mcu_id)
            if progress is not None:
                progress(len(per_mcu.get(mcu_id, ())))
            return mcu_id, reading

        readings = dict(await gather_bounded([partial(one, m) for m in cascade.nodes],
                                             cascade.concurrency))
        links = self._link_states(readings)
        site_snmp = await self._read_site_snmp()
        probed = await self._probe_rooms()
        made = tuple(calls) if calls is not None else await self.test_calls(progress)
        by_site = {c.site: c for c in made}
        rows = tuple(self._row(site, readings, links, probed, by_site, site_snmp.get(site))
                     for site in cascade.sites)
        return ReadinessReport(rows, made, self.thresholds, time.time(),
                               time.perf_counter() - t0)

    def _link_states(self, readings: Mapping[str, _McuReading]) -> dict[str, ConnectionState]:
        return link_states_from(self.cascade, {m: r.parts for m, r in readings.items()})

    async def _probe_rooms(self) -> dict[tuple[str, str], str | None]:
        jobs = [(("codec", s), p) for s, p in self.codecs.items()]
        jobs += [(("camera", s), p) for s, p in self.cameras.items()]
        results = await gather_bounded([partial(self._probe, p) for _, p in jobs],
                                       self.cascade.concurrency)
        return {key: res for (key, _), res in zip(jobs, results, strict=True)}

    def _row(self, site: str, readings: Mapping[str, _McuReading],
             links: Mapping[str, ConnectionState], probed: Mapping[tuple[str, str], str | None],
             calls: Mapping[str, TestCall], site_snmp: SnmpHealth | None = None
             ) -> ReadinessRow:
        mcu = self.cascade.sites[site]
        info = self.directory.get(site) or SiteInfo(site, site, Level.COMMUNE, "")
        reading = readings[mcu]
        problems: list[Problem] = []
        notes: list[str] = []
        state: ConnectionState | None = None
        figures = merge({})
        quality_ok: bool | None = None
        if reading.error is not None:
            problems.append(Problem.MCU_ERROR)
            notes.append(f"{mcu}: {reading.error}")
        else:
            assert reading.parts is not None
            part = next((p for p in reading.parts if p.name == site), None)
            state = part.state if part else ConnectionState.DISCONNECTED
            if state is not ConnectionState.CONNECTED:
                problems.append(Problem.DISCONNECTED)
            else:
                figures = merge({
                    MCU: reading.stats.get(site) if self.recent_quality is None else None,
                    MONITOR: None if self.recent_quality is None
                    else self.recent_quality.get(site),
                    SNMP: site_stats_from_snmp(site, site_snmp)}, self.precedence)
                if figures.sources:
                    breaches = self.thresholds.breaches(CallQuality(
                        "*", site, loss_percent=figures.loss_percent,
                        jitter_ms=figures.jitter_ms, delay_ms=figures.delay_ms))
                    quality_ok = not breaches
                    if breaches:
                        problems.append(Problem.QUALITY)
                        notes.append(", ".join(f"{k} {v:g}" for k, v in breaches.items()))
        down = [m for m in self.cascade.path(site)[:-1]
                if links.get(m) is not ConnectionState.CONNECTED]
        if down:
            problems.append(Problem.CASCADE_DOWN)
            notes.append("link " + ", ".join(f"{m}: {links.get(m, '?')}" for m in down))
        if reading.stats_error is not None:
            notes.append(f"{mcu} statistics: {reading.stats_error}")
        if site_snmp is not None and site_snmp.error is not None:
            notes.append(f"SNMP: {site_snmp.error}")
        snmp = reading.snmp
        if snmp is not None:
            if not snmp.reachable or snmp.error is not None:  # silent, or refused us
                problems.append(Problem.MCU_SNMP_UNREACHABLE)
                notes.append(f"{mcu} SNMP: {snmp.error or 'no answer'}")
            elif snmp.interfaces_down:
                problems.append(Problem.MCU_INTERFACE_DOWN)
                notes.append("if " + ", ".join(i.label for i in snmp.interfaces_down))
        for kind, problem in (("codec", Problem.CODEC_UNREACHABLE),
                              ("camera", Problem.CAMERA_UNREACHABLE)):
            err = probed.get((kind, site))
            if err is not None:
                problems.append(problem)
                notes.append(f"{kind}: {err}")
        call = calls.get(site)
        if call is not None and not call.ok:
            problems.append(Problem.TEST_CALL_FAILED)
            notes.append(f"test call: {call.reason or 'over 30 s'}")
        return ReadinessRow(
            site=site, name=info.name, level=info.level, unit=info.unit, mcu=mcu,
            carrier=self.carriers.get(mcu, ""), status=_status(problems), connection=state,
            loss_percent=figures.loss_percent, jitter_ms=figures.jitter_ms,
            delay_ms=figures.delay_ms, quality_ok=quality_ok,
            quality_source=figures.summary, quality_sources=dict(figures.sources),
            test_call_s=call.seconds if call else None, problems=tuple(problems),
            detail="; ".join(notes)[:300], contact=info.contact)

