"""The quality evaluation after a meeting, from its :class:`~.record.MeetingRecord`.

:func:`evaluate` gives, per site: time in call (and its share of the meeting), drops and
how long each took to recover, loss/jitter/delay percentiles (p50, p95, max) against the
thresholds (defaults in docs/monitoring.md; a site is *poor* when a p95 reaches one),
the switches to it with their times against 30 s; then the same aggregated by province
(the site's unit), by MCU and by carrier; every switch and every alarm. Each figure says
which sources its samples came from (``sources``: e.g. loss from the MCU, jitter and
delay from the room's SNMP agent); a figure no source measured has no percentiles
(``None``, ``null`` in JSON). :func:`to_json` is the machine-readable report;
:mod:`.report_html` renders the HTML one with charts.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from ..model import ConnectionState
from ..monitor.alarms import QualityThresholds
from ..monitor.quality import FIGURE_NAMES, SOURCES
from .record import AlarmEntry, MeetingRecord, SiteEntry, SwitchEntry

__all__ = ["GroupQuality", "Percentiles", "QualityReport", "SiteQuality", "evaluate",
           "percentile", "to_json"]

_CONNECTED = ConnectionState.CONNECTED.value


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0..100) with linear interpolation between ranks."""
    if not values:
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


@dataclass(frozen=True, slots=True)
class Percentiles:
    """p50, p95 and the maximum of one metric."""

    p50: float
    p95: float
    max: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Percentiles | None:
        """None when there are no values."""
        if not values:
            return None
        return cls(round(percentile(values, 50), 3), round(percentile(values, 95), 3),
                   round(max(values), 3))


@dataclass(frozen=True, slots=True)
class SiteQuality:
    """One site's evaluation; ``poor`` lists the metrics whose p95 reached a threshold."""

    site: SiteEntry
    time_in_call_s: float
    in_call_share: float
    drops: int
    recoveries_s: tuple[float, ...]
    unrecovered: int
    samples: int
    loss: Percentiles | None
    jitter: Percentiles | None
    delay: Percentiles | None
    poor: tuple[str, ...]
    switches: int
    switches_over_limit: int
    sources: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Per figure with samples, the sources they came from (``mcu``, ``snmp``...)."""

    @property
    def verdict(self) -> str:
        """``good``, ``poor`` or ``unknown`` (no samples)."""
        if self.samples == 0:
            return "unknown"
        return "poor" if self.poor else "good"


@dataclass(frozen=True, slots=True)
class GroupQuality:
    """Sites grouped (by province, MCU or carrier): sums, shares and pooled percentiles."""

    key: str
    sites: int
    in_call_share: float
    drops: int
    worst_recovery_s: float | None
    median_recovery_s: float | None
    loss_p95: float | None
    jitter_p95: float | None
    delay_p95: float | None
    poor_sites: int
    switches: int
    switches_over_limit: int
    sources: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Per figure, the sources the members' samples of it came from."""


@dataclass(frozen=True)
class QualityReport:
    """The whole evaluation."""

    meeting: str
    title: str
    start: float
    end: float
    thresholds: QualityThresholds
    sites: tuple[SiteQuality, ...]
    by_province: tuple[GroupQuality, ...]
    by_mcu: tuple[GroupQuality, ...]
    by_carrier: tuple[GroupQuality, ...]
    switches: tuple[SwitchEntry, ...]
    alarms: tuple[AlarmEntry, ...]
    link_drops: dict[str, int]

    @property
    def duration_s(self) -> float:
        """How long the meeting lasted."""
        return self.end - self.start

    def site(self, site_id: str) -> SiteQuality:
        """One site's evaluation (KeyError if none)."""
        for s in self.sites:
            if s.site.id == site_id:
                return s
        raise KeyError(site_id)


def _intervals(series: list[tuple[float, str]], start: float, end: float
               ) -> tuple[float, int, list[float], int]:
    """(time connected, drops, recovery times, drops not recovered by the end)."""
    connected = 0.0
    drops, recoveries, dropped_at = 0, [], None
    for i, (at, state) in enumerate(series):
        nxt = series[i + 1][0] if i + 1 < len(series) else end
        lo, hi = max(at, start), min(nxt, end)
        if state == _CONNECTED:
            if hi > lo:
                connected += hi - lo
            if dropped_at is not None:
                recoveries.append(round(at - dropped_at, 3))
                dropped_at = None
        elif i > 0 and series[i - 1][1] == _CONNECTED:
            drops += 1
            dropped_at = at
    return connected, drops, recoveries, int(dropped_at is not None)


def _threshold(thresholds: QualityThresholds, metric: str) -> float | None:
    if metric == "loss":
        limits = [v for v in (thresholds.loss_percent, thresholds.video_loss_percent,
                              thresholds.audio_loss_percent) if v is not None]
        return min(limits) if limits else None  # CallStats' loss is the worst of any kind
    return thresholds.jitter_ms if metric == "jitter" else thresholds.delay_ms


def _site(entry: SiteEntry, record: MeetingRecord, end: float,
          thresholds: QualityThresholds, switches: list[SwitchEntry]) -> SiteQuality:
    series = record.states.get(entry.id, [])
    connected, drops, recoveries, open_drops = _intervals(series, record.start, end)
    samples = record.samples.get(entry.id, [])
    # NaN = a figure its source did not measure (e.g. jitter from a Codian MCU): left out
    metrics = {name: Percentiles.of([s[i] for s in samples if not math.isnan(s[i])])
               for i, name in ((1, "loss"), (2, "jitter"), (3, "delay"))}
    poor = []
    for name, pct in metrics.items():
        limit = _threshold(thresholds, name)
        if pct is not None and limit is not None and pct.p95 >= limit:
            poor.append(name)
    span = max(end - record.start, 1e-9)
    mine = [s for s in switches if s.site == entry.id]
    seen = record.sources.get(entry.id, {})
    sources = {f: tuple(seen.get(f, ())) for f in FIGURE_NAMES
               if metrics[f] is not None and seen.get(f)}
    return SiteQuality(entry, round(connected, 3), round(min(1.0, connected / span), 4), drops,
                       tuple(recoveries), open_drops, len(samples), metrics["loss"],
                       metrics["jitter"], metrics["delay"], tuple(poor), len(mine),
                       sum(1 for s in mine if not s.ok), sources)


def _union(members: Iterable[SiteQuality]) -> dict[str, tuple[str, ...]]:
    """Per figure, every member's sources: known ones in precedence order, then others."""
    found: dict[str, set[str]] = {}
    for m in members:
        for figure, names in m.sources.items():
            found.setdefault(figure, set()).update(names)
    rank = {s: i for i, s in enumerate(SOURCES)}
    return {f: tuple(sorted(found[f], key=lambda s: (rank.get(s, len(rank)), s)))
            for f in FIGURE_NAMES if f in found}


def _group(key: str, members: list[SiteQuality], record: MeetingRecord) -> GroupQuality:
    recoveries = [r for m in members for r in m.recoveries_s]
    pooled: dict[int, list[float]] = {1: [], 2: [], 3: []}
    for m in members:
        for sample in record.samples.get(m.site.id, []):
            for k in pooled:
                if not math.isnan(sample[k]):
                    pooled[k].append(sample[k])

    def p95(k: int) -> float | None:
        return round(percentile(pooled[k], 95), 3) if pooled[k] else None

    return GroupQuality(
        key, len(members), round(statistics.fmean(m.in_call_share for m in members), 4),
        sum(m.drops for m in members), max(recoveries, default=None),
        round(statistics.median(recoveries), 3) if recoveries else None,
        p95(1), p95(2), p95(3), sum(1 for m in members if m.poor),
        sum(m.switches for m in members), sum(m.switches_over_limit for m in members),
        _union(members))


def _groups(sites: Iterable[SiteQuality], key: Callable[[SiteQuality], str],
            record: MeetingRecord) -> tuple[GroupQuality, ...]:
    buckets: dict[str, list[SiteQuality]] = {}
    for s in sites:
        buckets.setdefault(key(s) or "-", []).append(s)
    return tuple(_group(k, v, record) for k, v in sorted(buckets.items()))


def evaluate(record: MeetingRecord, thresholds: QualityThresholds | None = None
             ) -> QualityReport:
    """The quality evaluation of a recorded meeting (see the module docstring).

    A record without an end is evaluated up to its last observation.
    """
    thresholds = thresholds or QualityThresholds()
    end = record.end
    if end is None:
        times = [t for v in record.states.values() for t, _ in v]
        times += [t for v in record.samples.values() for t, *_ in v]
        end = max(times, default=record.start)
    switches = sorted(record.switches, key=lambda s: s.at)
    sites = tuple(_site(e, record, end, thresholds, switches) for e in record.sites.values())
    link_drops = {mcu: _intervals(series, record.start, end)[1]
                  for mcu, series in record.links.items()}
    return QualityReport(
        record.meeting, record.title, record.start, end, thresholds, sites,
        _groups(sites, lambda s: s.site.unit, record),
        _groups(sites, lambda s: s.site.mcu, record),
        _groups(sites, lambda s: s.site.carrier, record),
        tuple(switches), tuple(sorted(record.alarms, key=lambda a: a.at)),
        {k: v for k, v in sorted(link_drops.items()) if v})


def _site_json(s: SiteQuality) -> dict[str, Any]:
    return {**asdict(s.site), "time_in_call_s": s.time_in_call_s,
            "in_call_share": s.in_call_share, "drops": s.drops,
            "recoveries_s": list(s.recoveries_s), "unrecovered": s.unrecovered,
            "samples": s.samples, "verdict": s.verdict, "poor": list(s.poor),
            "loss_percent": asdict(s.loss) if s.loss else None,
            "jitter_ms": asdict(s.jitter) if s.jitter else None,
            "delay_ms": asdict(s.delay) if s.delay else None,
            "switches": s.switches, "switches_over_limit": s.switches_over_limit,
            "sources": {f: list(v) for f, v in s.sources.items()}}


def _group_json(g: GroupQuality) -> dict[str, Any]:
    return {**asdict(g), "sources": {f: list(v) for f, v in g.sources.items()}}


def to_json(report: QualityReport) -> dict[str, Any]:
    """The report as JSON-ready data (the HTML report shows the same figures)."""
    verdicts = [s.verdict for s in report.sites]
    times = [s.seconds for s in report.switches]
    return {
        "meeting": report.meeting, "title": report.title, "start": report.start,
        "end": report.end, "duration_s": round(report.duration_s, 3),
        "thresholds": {k: getattr(report.thresholds, k) for k in
                       ("delay_ms", "jitter_ms", "audio_loss_percent", "video_loss_percent",
                        "loss_percent")},
        "summary": {
            "sites": len(report.sites),
            "good": verdicts.count("good"), "poor": verdicts.count("poor"),
            "unknown": verdicts.count("unknown"),
            "drops": sum(s.drops for s in report.sites),
            "unrecovered": sum(s.unrecovered for s in report.sites),
            "link_drops": sum(report.link_drops.values()),
            "switches": len(times),
            "switches_over_limit": sum(1 for s in report.switches if not s.ok),
            "switch_median_s": round(statistics.median(times), 4) if times else None,
            "switch_max_s": max(times, default=None),
            "alarms": len(report.alarms),
        },
        "sites": [_site_json(s) for s in report.sites],
        "by_province": [_group_json(g) for g in report.by_province],
        "by_mcu": [_group_json(g) for g in report.by_mcu],
        "by_carrier": [_group_json(g) for g in report.by_carrier],
        "switches": [asdict(s) for s in report.switches],
        "alarms": [asdict(a) for a in report.alarms],
        "link_drops": report.link_drops,
    }


def groups_by(report: QualityReport) -> Mapping[str, tuple[GroupQuality, ...]]:
    """The three aggregations by name."""
    return {"province": report.by_province, "mcu": report.by_mcu,
            "carrier": report.by_carrier}
