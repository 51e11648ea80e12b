"""What happened during a served meeting, recorded for the quality evaluation.

A :class:`MeetingRecord` keeps, per site, the changes of its connection state and its
call-quality samples; per cascade link its state changes; every switch the chair asked
for with its time; every alarm raised (watchdog events, SNMP alarms). It is written as
one JSON file (atomically, so a crash leaves the previous version) that ``hnth report``
reads: the *meeting state* of ``hnth report MEETING-STATE``.

:class:`MeetingRecorder` fills a record from a live cascade: :meth:`~MeetingRecorder.sample`
reads every MCU's participant list once (site and link states) and, for the MCUs asked,
the call statistics, and polls each site's own SNMP agent when it has them; each
figure of a sample comes from the source that measures it (loss from a Codian MCU,
jitter and delay from the room's SNMP agent: :func:`~hnth_drivers.monitor.quality.merge`)
and the record keeps, per site and figure, the sources its samples came from
(``sources``). A figure no source measured is NaN in memory and ``null`` in the file.
:meth:`~MeetingRecorder.switch` and :meth:`~MeetingRecorder.watchdog` take what the switch
path and the watchdog report. Times are seconds since the epoch.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from ..cascade.live import LiveCascade, gather_bounded
from ..cascade.switch import SwitchTrace
from ..cascade.watchdog import WatchdogEvent
from ..documents import load_document
from ..errors import ConfigError, HnthError
from ..model import CallStats, ConnectionState, Participant
from ..monitor.health import SnmpHealth
from ..monitor.quality import (
    FIGURE_NAMES,
    MCU,
    PRECEDENCE,
    SNMP,
    SOURCES,
    SiteFigures,
    merge,
    site_stats_from_snmp,
)
from ..monitor.snmp import SnmpPoller, SnmpTarget
from .readiness import ReadinessReport, SiteInfo, link_states_from
from .state import write_atomic

__all__ = ["AlarmEntry", "MeetingRecord", "MeetingRecorder", "SiteEntry", "SwitchEntry",
           "load_record"]

FORMAT = "hnth-meeting-record/1"


@dataclass(frozen=True, slots=True)
class SiteEntry:
    """A site of the meeting as the report groups it."""

    id: str
    name: str
    level: str
    unit: str
    mcu: str
    carrier: str


@dataclass(frozen=True, slots=True)
class SwitchEntry:
    """One switch the chair asked for: when, which site, how long, and the verdict."""

    at: float
    site: str
    seconds: float
    ok: bool
    limit_s: float = 30.0
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class AlarmEntry:
    """One alarm: ``source`` is ``watchdog`` or ``snmp``; ``severity`` critical/warning/clear."""

    at: float
    source: str
    kind: str
    severity: str
    device: str
    subject: str
    message: str


@dataclass
class MeetingRecord:
    """Everything the quality evaluation needs (see the module docstring)."""

    meeting: str
    title: str
    start: float
    end: float | None = None
    sites: dict[str, SiteEntry] = field(default_factory=dict)
    states: dict[str, list[tuple[float, str]]] = field(default_factory=dict)
    links: dict[str, list[tuple[float, str]]] = field(default_factory=dict)
    samples: dict[str, list[tuple[float, float, float, float]]] = field(default_factory=dict)
    switches: list[SwitchEntry] = field(default_factory=list)
    alarms: list[AlarmEntry] = field(default_factory=list)
    sources: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    """Per site, per figure (``loss``, ``jitter``, ``delay``), the sources its samples of
    that figure came from, in the order first seen (``mcu``, ``snmp``, ``monitor``)."""

    def to_json(self) -> dict[str, Any]:
        """JSON-ready data."""
        return {"format": FORMAT, "meeting": self.meeting, "title": self.title,
                "start": self.start, "end": self.end,
                "sites": {k: asdict(v) for k, v in self.sites.items()},
                "states": self.states, "links": self.links,
                # an unmeasured figure (NaN in memory) is null in the file: JSON has no NaN
                "samples": {k: [[None if isinstance(x, float) and math.isnan(x) else x
                                 for x in row] for row in v]
                            for k, v in self.samples.items()},
                "switches": [asdict(s) for s in self.switches],
                "alarms": [asdict(a) for a in self.alarms],
                "sources": self.sources}

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> MeetingRecord:
        """The record back from :meth:`to_json` data; ConfigError if it is not one."""
        if not isinstance(doc, Mapping) or doc.get("format") != FORMAT:
            raise ConfigError("not a meeting record", operation="read meeting record",
                              expected=f"format {FORMAT!r}",
                              got=repr(doc.get("format") if isinstance(doc, Mapping)
                                       else type(doc).__name__))
        try:
            return cls(
                meeting=str(doc["meeting"]), title=str(doc["title"]),
                start=float(doc["start"]),
                end=None if doc["end"] is None else float(doc["end"]),
                sites={k: SiteEntry(**v) for k, v in doc["sites"].items()},
                states={k: [(float(t), str(s)) for t, s in v] for k, v in doc["states"].items()},
                links={k: [(float(t), str(s)) for t, s in v] for k, v in doc["links"].items()},
                samples={k: [(float(t), _figure(a), _figure(b), _figure(c))
                             for t, a, b, c in v]
                         for k, v in doc["samples"].items()},
                switches=[SwitchEntry(**s) for s in doc["switches"]],
                alarms=[AlarmEntry(**a) for a in doc["alarms"]],
                sources=_sources(doc.get("sources", {})))  # absent in older records
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError("malformed meeting record", operation="read meeting record",
                              got=f"{type(exc).__name__}: {exc}"[:200]) from exc

    def save(self, path: Path) -> None:
        """Write the record atomically (the previous version survives a crash)."""
        write_atomic(path, json.dumps(self.to_json(), ensure_ascii=False).encode("utf-8"))


def load_record(path: Path) -> MeetingRecord:
    """Read a record written by :meth:`MeetingRecord.save`."""
    try:
        doc = load_document(path, what="meeting record", fmt="json")
    except ConfigError as exc:
        raise ConfigError("cannot read the meeting record", device=str(path),
                          operation="read meeting record", expected=exc.expected,
                          got=exc.message[:200]) from None
    return MeetingRecord.from_json(doc)


def _figure(value: Any) -> float:
    """A sample's figure from the file: null (not measured) is NaN."""
    return math.nan if value is None else float(value)


def _sources(raw: Any) -> dict[str, dict[str, list[str]]]:
    out: dict[str, dict[str, list[str]]] = {}
    for site, figures in dict(raw).items():
        out[str(site)] = {}
        for figure, names in dict(figures).items():
            if figure not in FIGURE_NAMES or not isinstance(names, list) \
                    or not all(isinstance(n, str) for n in names):
                raise ValueError(f"sources of {site!r}: figure -> [source, ...], "
                                 f"got {figure!r}: {names!r}"[:200])
            out[str(site)][figure] = list(names)
    return out


def _kind(stats: CallStats, default: str) -> str:
    """The source a CallStats names first (``"mcu packetLossCritical"`` → ``mcu``)."""
    word = stats.source.split(" ", 1)[0]
    return word if word in SOURCES else default


def _change(series: list[tuple[float, str]], at: float, state: str) -> None:
    if not series or series[-1][1] != state:
        series.append((at, state))


class MeetingRecorder:
    """Fills a :class:`MeetingRecord` from a live cascade (see the module docstring)."""

    def __init__(self, record: MeetingRecord, cascade: LiveCascade, *,
                 clock: Callable[[], float] = time.time, snmp: SnmpPoller | None = None,
                 site_snmp_targets: Mapping[str, SnmpTarget] | None = None) -> None:
        self.record = record
        self.cascade = cascade
        self.clock = clock
        self.snmp = snmp
        self.site_snmp_targets = {s: t for s, t in (site_snmp_targets or {}).items()
                                  if s in record.sites}

    @classmethod
    def start(cls, cascade: LiveCascade, directory: Mapping[str, SiteInfo], *,
              meeting: str, title: str, carriers: Mapping[str, str] | None = None,
              clock: Callable[[], float] = time.time, snmp: SnmpPoller | None = None,
              site_snmp_targets: Mapping[str, SnmpTarget] | None = None
              ) -> MeetingRecorder:
        """A recorder for a meeting starting now, with every site of the cascade;
        with ``snmp``, each sample also polls ``site_snmp_targets`` (by site id)."""
        carriers = carriers or {}
        sites = {}
        for site, mcu in cascade.sites.items():
            info = directory.get(site)
            sites[site] = SiteEntry(site, info.name if info else site,
                                    info.level.value if info else "", info.unit if info else "",
                                    mcu, carriers.get(mcu, ""))
        return cls(MeetingRecord(meeting, title, clock(), sites=sites), cascade, clock=clock,
                   snmp=snmp, site_snmp_targets=site_snmp_targets)

    def observe_sites(self, states: Mapping[str, ConnectionState],
                      at: float | None = None) -> None:
        """Record each site's state (only changes are kept)."""
        now = self.clock() if at is None else at
        for site, state in states.items():
            _change(self.record.states.setdefault(site, []), now, state.value)

    def observe_links(self, states: Mapping[str, ConnectionState],
                      at: float | None = None) -> None:
        """Record each cascade link's state (by slave MCU; only changes are kept)."""
        now = self.clock() if at is None else at
        for mcu, state in states.items():
            _change(self.record.links.setdefault(mcu, []), now, state.value)

    def observe_stats(self, stats: Iterable[CallStats], at: float | None = None, *,
                      source: str = MCU) -> None:
        """Record call-quality samples of one source (participants that are not sites
        are ignored). The source is the one the stats name first (``mcu …``,
        ``snmp …``), else ``source``."""
        self.observe_figures({s.participant: merge({_kind(s, source): s}) for s in stats},
                             at)

    def observe_figures(self, figures: Mapping[str, SiteFigures],
                        at: float | None = None) -> None:
        """Record one sample per site of figures already merged, with their sources
        (sites not in the meeting, and samples with no figure at all, are ignored)."""
        now = self.clock() if at is None else at
        for site, got in figures.items():
            if site not in self.record.sites or not got.sources:
                continue

            # a figure no source measured is NaN: the report leaves it out
            def fig(name: str, got: SiteFigures = got) -> float:
                value = got.value(name)
                return math.nan if value is None else value
            self.record.samples.setdefault(site, []).append(
                (now, fig("loss"), fig("jitter"), fig("delay")))
            seen = self.record.sources.setdefault(site, {})
            for figure, source in got.sources.items():
                names = seen.setdefault(figure, [])
                if source not in names:
                    names.append(source)

    def observe_readiness(self, report: ReadinessReport) -> None:
        """Every site's figures of a readiness sweep, with their sources, as one sample
        at the time of the sweep."""
        self.observe_figures({
            r.site: SiteFigures(r.loss_percent, r.jitter_ms, r.delay_ms,
                                dict(r.quality_sources))
            for r in report.rows}, at=report.checked_at)

    def switch(self, trace: SwitchTrace, at: float | None = None) -> None:
        """Record one switch (``at``: when it was asked for; default now − its duration)."""
        when = (self.clock() - trace.total_s) if at is None else at
        self.record.switches.append(SwitchEntry(when, trace.site, round(trace.total_s, 4),
                                                trace.ok and trace.within_limit,
                                                trace.limit_s, trace.reason))

    def alarm(self, source: str, kind: str, severity: str, device: str, subject: str,
              message: str, at: float | None = None) -> None:
        """Record one alarm."""
        self.record.alarms.append(AlarmEntry(self.clock() if at is None else at, source,
                                             kind, severity, device, subject, message))

    def watchdog(self, event: WatchdogEvent) -> None:
        """A :class:`~hnth_drivers.cascade.watchdog.WatchdogEvent` as an alarm (use as, or
        from, the watchdog's ``notify`` callback); the state it saw is recorded too, so a
        drop redialed between two samples still counts."""
        kind = str(event.kind.value)
        state = ConnectionState(event.state)
        if event.what == "site" and event.participant in self.record.sites:
            self.observe_sites({event.participant: state})
        elif event.what == "link" and event.mcu in self.cascade.links:
            self.observe_links({event.mcu: state})
        severity = {"dropped": "critical", "gave_up": "critical", "redial_failed": "warning",
                    "recovered": "clear"}.get(kind, "warning")
        self.alarm("watchdog", kind, severity, event.mcu,
                   f"{event.what} {event.participant}",
                   f"{event.what} {event.participant} on {event.mcu}: {kind}"
                   + (f" (attempt {event.attempt})" if event.attempt else ""))

    async def sample(self, *, stats_mcus: Iterable[str] = ()) -> None:
        """One observation round: every MCU's participant list (site and link states),
        the call statistics of ``stats_mcus`` and a poll of each site's SNMP agent, each
        figure from the source that measures it. An MCU that fails is skipped (its sites
        keep their last state) and recorded as an alarm."""
        cascade = self.cascade
        want_stats = set(stats_mcus)
        from_mcu: dict[str, CallStats] = {}

        async def one(mcu_id: str) -> tuple[str, list[Participant] | None]:
            node = cascade.nodes[mcu_id]
            try:
                parts = await node.driver.participants(node.conference)
                if mcu_id in want_stats:
                    from_mcu.update((s.participant, s)
                                    for s in await node.driver.stats(node.conference))
            except HnthError as exc:
                self.alarm("recorder", "mcu_error", "warning", mcu_id, "mcu",
                           f"{type(exc).__name__}: {exc}"[:200])
                return mcu_id, None
            return mcu_id, parts

        lists = dict(await gather_bounded([partial(one, m) for m in cascade.nodes],
                                          cascade.concurrency))
        from_snmp = await self._poll_sites()
        now = self.clock()
        self.observe_figures({
            site: merge({MCU: from_mcu.get(site),
                         SNMP: site_stats_from_snmp(site, from_snmp.get(site))}, PRECEDENCE)
            for site in {*from_mcu, *from_snmp}}, now)
        sites: dict[str, ConnectionState] = {}
        for site, mcu in cascade.sites.items():
            parts = lists.get(mcu)
            if parts is not None:
                found = next((p.state for p in parts if p.name == site), None)
                sites[site] = found or ConnectionState.DISCONNECTED
        self.observe_sites(sites, now)
        links = link_states_from(cascade, lists)
        self.observe_links(links, now)

    async def _poll_sites(self) -> dict[str, SnmpHealth]:
        snmp = self.snmp
        if snmp is None or not self.site_snmp_targets:
            return {}
        sites = list(self.site_snmp_targets)
        got = await snmp.poll_all(self.site_snmp_targets[s] for s in sites)
        return dict(zip(sites, got, strict=True))

    def finish(self, at: float | None = None) -> MeetingRecord:
        """Mark the end of the meeting; returns the record."""
        self.record.end = self.clock() if at is None else at
        return self.record
