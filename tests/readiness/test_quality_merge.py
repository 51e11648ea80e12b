"""Each figure from the highest-precedence source that measured it, never a made-up one."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from hnth_drivers.model import FIGURES, CallStats
from hnth_drivers.monitor.health import CallQuality, SnmpHealth, unreachable
from hnth_drivers.monitor.quality import (
    FIGURE_NAMES,
    MCU,
    MONITOR,
    PRECEDENCE,
    SNMP,
    SOURCES,
    SiteFigures,
    merge,
    parse_sources,
    site_stats_from_snmp,
    sources_text,
)

_FIELD = {"loss": "loss_percent", "jitter": "jitter_ms", "delay": "delay_ms"}


@st.composite
def stats(draw: st.DrawFn) -> CallStats:
    measured = frozenset(draw(st.sets(st.sampled_from(sorted(FIGURES)))))
    # a figure not measured is still a number in CallStats (0 or anything): it must never
    # come out of the merge
    return CallStats("site", draw(st.floats(0, 100)), draw(st.floats(0, 60_000)),
                     draw(st.floats(0, 60_000)), measured=measured)


readings = st.dictionaries(st.sampled_from(SOURCES), st.none() | stats())
orders = st.permutations(SOURCES)


@settings(max_examples=300, deadline=None)
@given(readings, orders, orders, orders)
def test_each_figure_comes_from_the_first_source_that_measured_it(
        got: dict[str, CallStats | None], loss: list[str], jitter: list[str],
        delay: list[str]) -> None:
    precedence = {"loss": tuple(loss), "jitter": tuple(jitter), "delay": tuple(delay)}
    merged = merge(got, precedence)
    for figure in FIGURE_NAMES:
        measured_by = [s for s in precedence[figure]
                       if (r := got.get(s)) is not None and figure in r.measured]
        if not measured_by:  # nobody measured it: no value, no source
            assert merged.value(figure) is None and figure not in merged.sources
            continue
        source = measured_by[0]
        reading = got[source]
        assert reading is not None
        assert merged.sources[figure] == source
        assert merged.value(figure) == getattr(reading, _FIELD[figure])
    assert merged.measured == frozenset(merged.sources)
    assert parse_sources(merged.summary) == dict(merged.sources)


def test_codian_loss_with_snmp_jitter_and_delay() -> None:
    mcu = CallStats("s", 5.0, source="mcu packetLossCritical", measured=frozenset({"loss"}))
    snmp = CallStats("s", 1.0, 12.0, 80.0, source="snmp polycom-codec")
    merged = merge({MCU: mcu, SNMP: snmp})
    assert (merged.loss_percent, merged.jitter_ms, merged.delay_ms) == (5.0, 12.0, 80.0)
    assert merged.sources == {"loss": "mcu", "jitter": "snmp", "delay": "snmp"}
    assert merged.summary == "loss: mcu, jitter: snmp, delay: snmp"
    # the MCU alone: jitter and delay stay unknown, not zero
    alone = merge({MCU: mcu, SNMP: None})
    assert alone.jitter_ms is None and alone.delay_ms is None
    assert alone.to_call_stats("s").measured == frozenset({"loss"})


def test_the_default_rule_puts_the_mcu_first_for_every_figure() -> None:
    assert all(order[0] == MCU and set(order) == {MCU, SNMP, MONITOR}
               for order in PRECEDENCE.values())
    assert sources_text({}) == "" and merge({}) == SiteFigures()


def _health(*calls: CallQuality, error: str | None = None) -> SnmpHealth:
    return SnmpHealth("room", True, 0.0, calls=calls, error=error, vendor="cisco-tp")


def test_a_room_agent_gives_only_what_it_told() -> None:
    # Cisco: jitter per stream, no latency, loss only after a second poll
    got = site_stats_from_snmp("s", _health(CallQuality("1", state="inProgress",
                                                        jitter_ms=7.0)))
    assert got is not None and got.measured == frozenset({"jitter"}) and got.jitter_ms == 7.0
    assert got.source == "snmp cisco-tp"
    # ended or ringing calls tell nothing about the meeting's call
    assert site_stats_from_snmp("s", _health(CallQuality("1", state="ringing",
                                                         jitter_ms=7.0))) is None
    # two live calls: each figure the worst
    two = site_stats_from_snmp("s", _health(
        CallQuality("1", audio_loss_percent=1.0, jitter_ms=3.0, delay_ms=90.0),
        CallQuality("2", video_loss_percent=2.5, jitter_ms=9.0)))
    assert two is not None and (two.loss_percent, two.jitter_ms, two.delay_ms) == (2.5, 9.0, 90.0)
    assert two.measured == FIGURES
    # a failed poll, or no figure at all: nothing
    assert site_stats_from_snmp("s", unreachable("room", 0.0, "timeout")) is None
    assert site_stats_from_snmp("s", _health(CallQuality("1"))) is None
    assert site_stats_from_snmp("s", None) is None


def test_call_quality_as_call_stats_measures_only_what_the_agent_told() -> None:
    stats_ = CallQuality("*", jitter_ms=4.0).to_call_stats()
    assert stats_.measured == frozenset({"jitter"}) and stats_.source.startswith("snmp")
    assert not math.isnan(stats_.loss_percent)
