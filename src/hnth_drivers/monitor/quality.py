"""Each call-quality figure of a site from the source that measures it (no I/O).

A site's loss, jitter and delay may come from different places: a Codian MCU documents
packet loss only (``packetLossCritical`` / ``packetLossWarning`` of a participant's
``currentState``), the room codec's SNMP agent may tell jitter and latency
(POLYCOM-VIDEO-MIB ``polycomVSJitter`` / ``polycomVSLatency``, CISCO-TELEPRESENCE-CALL-MIB
``ctpcAvgPeriodJitter``), the monitor may hold recent figures. :func:`merge` takes the
readings a sweep has for one site, by source, and gives each figure from the
highest-precedence source that measured it (:data:`PRECEDENCE`), with the source of each
in :attr:`SiteFigures.sources`. A figure no source measured stays ``None``: nothing is
made up. The rule is documented in ``docs/readiness-and-reports.md``.

No room-codec driver reads call statistics: neither the Cisco xAPI status paths nor the
Polycom API commands the drivers are built from document a loss, jitter or delay value,
so there is no ``codec`` source; a codec's figures come over SNMP.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

from ..model import CallStats
from .health import CallQuality, SnmpHealth
from .streams import ACTIVE_STATES, CTPC_STATES

__all__ = ["FIGURE_NAMES", "MCU", "MONITOR", "PRECEDENCE", "SNMP", "SOURCES", "SiteFigures",
           "figures_of", "merge", "parse_sources", "site_stats_from_snmp", "sources_text"]

MCU: Final = "mcu"
"""The site's MCU (``Mcu.stats``): the MCU's receive side of the site's call."""
SNMP: Final = "snmp"
"""The site's own SNMP agent (its room codec), a poll of an ``[[snmp]]`` target whose id
is the site's id."""
MONITOR: Final = "monitor"
"""Figures the caller already holds (``recent_quality``: e.g. the monitor's last poll)."""
SOURCES: Final = (MCU, SNMP, MONITOR)

FIGURE_NAMES: Final = ("loss", "jitter", "delay")
"""The figures, in the order reports print them."""

PRECEDENCE: Final[Mapping[str, tuple[str, ...]]] = {
    "loss": (MCU, SNMP, MONITOR),
    "jitter": (MCU, SNMP, MONITOR),
    "delay": (MCU, SNMP, MONITOR),
}
"""Per figure, the sources in the order they are believed. The MCU comes first: it sees
every site of the meeting the same way, in one read per MCU, as the vendor documents it;
the site's own agent next; figures handed in by the caller last."""

_FIELD = {"loss": "loss_percent", "jitter": "jitter_ms", "delay": "delay_ms"}


def figures_of(stats: CallStats | None) -> dict[str, float]:
    """The figures ``stats`` really measured (by name), none made up for the others."""
    if stats is None:
        return {}
    return {name: float(getattr(stats, _FIELD[name])) for name in FIGURE_NAMES
            if name in stats.measured}


@dataclass(frozen=True, slots=True)
class SiteFigures:
    """One site's figures after the merge; ``sources`` names the source of each figure
    that has a value (a figure absent from it is ``None``: no source measured it)."""

    loss_percent: float | None = None
    jitter_ms: float | None = None
    delay_ms: float | None = None
    sources: Mapping[str, str] = field(default_factory=dict)

    def value(self, figure: str) -> float | None:
        """One figure by name (``loss``, ``jitter``, ``delay``)."""
        value: float | None = getattr(self, _FIELD[figure])
        return value

    @property
    def measured(self) -> frozenset[str]:
        """The figures some source measured."""
        return frozenset(self.sources)

    @property
    def summary(self) -> str:
        """``loss: mcu, jitter: snmp, delay: snmp`` (see :func:`sources_text`)."""
        return sources_text(self.sources)

    def to_call_stats(self, participant: str) -> CallStats:
        """As a :class:`~hnth_drivers.model.CallStats` (``source``: the summary)."""
        return CallStats(participant, self.loss_percent or 0.0, self.jitter_ms or 0.0,
                         self.delay_ms or 0.0, source=self.summary,
                         measured=self.measured)


def merge(readings: Mapping[str, CallStats | None],
          precedence: Mapping[str, Iterable[str]] = PRECEDENCE) -> SiteFigures:
    """Each figure from the first source in ``precedence[figure]`` whose reading measured
    it. ``readings`` maps a source name to that source's reading of the site (``None`` or
    absent: the source has none); sources not named in ``precedence`` are not used."""
    values: dict[str, float] = {}
    sources: dict[str, str] = {}
    measured = {source: figures_of(stats) for source, stats in readings.items()}
    for figure in FIGURE_NAMES:
        for source in precedence.get(figure, ()):
            got = measured.get(source, {})
            if figure in got and math.isfinite(got[figure]):
                values[figure], sources[figure] = got[figure], source
                break
    return SiteFigures(values.get("loss"), values.get("jitter"), values.get("delay"),
                       sources)


def sources_text(sources: Mapping[str, str]) -> str:
    """``loss: mcu, jitter: snmp, delay: snmp`` in figure order; ``""`` for none."""
    return ", ".join(f"{f}: {sources[f]}" for f in FIGURE_NAMES if f in sources)


def parse_sources(text: str) -> dict[str, str]:
    """:func:`sources_text` read back; pairs that are not ``figure: source`` are skipped."""
    out: dict[str, str] = {}
    for part in text.split(","):
        figure, sep, source = part.partition(":")
        figure, source = figure.strip(), source.strip()
        if sep and figure in FIGURE_NAMES and source:
            out[figure] = source
    return out


def _worst(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return max(known) if known else None


def site_stats_from_snmp(site: str, health: SnmpHealth | None) -> CallStats | None:
    """What a site's own SNMP agent (its room codec) tells of the site's call.

    A room in a meeting has one call, to its MCU. Calls the agent lists as ended are left
    out (Cisco keeps recent calls in ``ctpcTable``); if more than one call remains, each
    figure is the worst of them (the site is as good as its worst leg). A codec-wide row
    (Polycom's scalars) counts as one call. Only figures the agent gave are ``measured``;
    ``None`` when the poll failed or told no figure.
    """
    if health is None or health.error is not None or not health.reachable:
        return None
    calls: list[CallQuality] = [c for c in health.calls
                                if c.state is None or c.state in _ACTIVE_NAMES]
    if not calls:
        return None
    loss = _worst(_loss(c) for c in calls)
    jitter = _worst(c.jitter_ms for c in calls)
    delay = _worst(c.delay_ms for c in calls)
    measured = frozenset(name for name, v in (("loss", loss), ("jitter", jitter),
                                              ("delay", delay)) if v is not None)
    if not measured:
        return None
    return CallStats(site, min(100.0, loss or 0.0), min(60_000.0, jitter or 0.0),
                     min(60_000.0, delay or 0.0), source=f"{SNMP} {health.vendor}",
                     measured=measured)


def _loss(call: CallQuality) -> float | None:
    return _worst((call.loss_percent, call.audio_loss_percent, call.video_loss_percent))


_ACTIVE_NAMES: Final = frozenset(CTPC_STATES[code] for code in ACTIVE_STATES)
