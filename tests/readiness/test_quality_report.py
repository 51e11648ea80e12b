"""The quality evaluation: exact figures from a hand-made record, and a recorded meeting."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from hnth_drivers.cascade.watchdog import EventKind, Watchdog
from hnth_drivers.errors import ConfigError
from hnth_drivers.meeting.readiness import directory_from_topology
from hnth_drivers.meeting.record import (
    AlarmEntry,
    MeetingRecord,
    MeetingRecorder,
    SiteEntry,
    SwitchEntry,
    load_record,
)
from hnth_drivers.meeting.report import evaluate, percentile, to_json
from hnth_drivers.meeting.report_html import render_html
from hnth_sim.simulated import simulated_meeting

from .province import province

T0 = 1_800_000_000.0


def hand_record() -> MeetingRecord:
    """Three sites over 100 s: a dropped one (down 10 s), a poor one, one never sampled."""
    sites = {
        "a": SiteEntry("a", "Site A", "commune", "Tỉnh Một", "m1", "VNPT"),
        "b": SiteEntry("b", "Site B", "commune", "Tỉnh Một", "m1", "VNPT"),
        "c": SiteEntry("c", "Site C", "district", "Tỉnh Hai", "m2", "Viettel"),
    }
    rec = MeetingRecord("m-1", "Họp thử", T0, T0 + 100.0, sites=sites)
    rec.states = {"a": [(T0, "connected"), (T0 + 40, "disconnected"), (T0 + 50, "connected")],
                  "b": [(T0, "connected")],
                  "c": [(T0 + 20, "connected"), (T0 + 90, "failed")]}
    rec.links = {"m2": [(T0, "connected"), (T0 + 60, "disconnected"), (T0 + 62, "connected")]}
    rec.samples = {"a": [(T0 + i, 0.1 * i, 2.0 * i, 10.0 * i) for i in range(1, 11)],
                   "b": [(T0 + i, 5.0, 60.0, 300.0) for i in range(1, 5)]}
    rec.switches = [SwitchEntry(T0 + 10, "a", 0.8, True), SwitchEntry(T0 + 30, "c", 31.5, False,
                                                                      reason="over the limit")]
    rec.alarms = [AlarmEntry(T0 + 40, "watchdog", "dropped", "critical", "m1", "site a",
                             "site a on m1: dropped")]
    return rec


def test_site_figures_are_exact() -> None:
    report = evaluate(hand_record())
    a, b, c = (report.site(x) for x in "abc")
    assert (a.time_in_call_s, a.drops, a.recoveries_s, a.unrecovered) == (90.0, 1, (10.0,), 0)
    assert a.in_call_share == 0.9
    assert a.delay is not None and a.delay.p50 == percentile([10.0 * i for i in range(1, 11)], 50)
    assert a.delay.max == 100.0 and a.verdict == "good"
    assert b.verdict == "poor" and set(b.poor) == {"loss", "jitter", "delay"}
    assert (c.time_in_call_s, c.drops, c.unrecovered, c.verdict) == (70.0, 1, 1, "unknown")
    assert (c.switches, c.switches_over_limit) == (1, 1)
    assert report.link_drops == {"m2": 1}
    prov = {g.key: g for g in report.by_province}
    assert prov["Tỉnh Một"].sites == 2 and prov["Tỉnh Một"].drops == 1
    assert prov["Tỉnh Một"].poor_sites == 1 and prov["Tỉnh Hai"].switches_over_limit == 1
    carriers = {g.key: g for g in report.by_carrier}
    assert set(carriers) == {"VNPT", "Viettel"} and carriers["VNPT"].median_recovery_s == 10.0
    assert [g.key for g in report.by_mcu] == ["m1", "m2"]
    data = to_json(report)
    assert data["summary"]["switches_over_limit"] == 1 and data["summary"]["poor"] == 1
    json.dumps(data)  # JSON-ready


def test_percentile_interpolates() -> None:
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([5], 95) == 5
    with pytest.raises(ValueError, match="no values"):
        percentile([], 50)


def test_record_round_trip_and_refusals(tmp_path: Path) -> None:
    rec = hand_record()
    path = tmp_path / "meeting.record.json"
    rec.save(path)
    assert load_record(path) == rec
    path.write_text('{"format": "something else"}')
    with pytest.raises(ConfigError, match="not a meeting record"):
        load_record(path)
    path.write_text("{broken")
    with pytest.raises(ConfigError, match="cannot read"):
        load_record(path)


def test_html_report_says_where_each_figure_came_from() -> None:
    rec = hand_record()
    rec.sources = {"a": {"loss": ["mcu"], "jitter": ["snmp"], "delay": ["snmp"]},
                   "b": {"loss": ["mcu", "snmp"]}}
    report = evaluate(rec)
    for lang in ("en", "vi"):
        page = render_html(report, lang=lang)
        num = r"\d+\.\d+"
        assert re.search(rf"<td>{num} \[MCU\]</td><td>{num} \[SNMP\]</td>"
                         rf"<td>{num} \[SNMP\]</td>", page)
        # site b: loss from both, jitter and delay without a recorded source stay bare
        assert re.search(rf"<td>5\.00 \[MCU/SNMP\]</td><td>{num}</td><td>{num}</td>", page)
    assert "[" not in render_html(evaluate(hand_record())).split("<tbody>")[-1].split("</tbody>")[0]


def test_html_report_is_self_contained() -> None:
    page = render_html(evaluate(hand_record()))
    assert page.startswith("<!DOCTYPE html>") and page.count("<svg") == 5
    # nothing is fetched: every src/href points inside the page
    refs = re.findall(r'(?:src|href)\s*=\s*["\']([^"\']*)', page, flags=re.IGNORECASE)
    assert all(r.startswith("#") for r in refs), [r for r in refs if not r.startswith("#")]
    assert "<link" not in page.lower() and "@import" not in page and "url(http" not in page
    assert "Họp thử" in page and "FAIL" in page


async def test_a_recorded_meeting_with_a_drop_the_watchdog_recovers(tmp_path: Path) -> None:
    topo = province()
    async with simulated_meeting(topo) as meeting:
        cascade = meeting.cascade
        await cascade.up(wait_s=10, poll_s=0.05)
        recorder = MeetingRecorder.start(
            cascade, directory_from_topology(topo), meeting="t-1", title="Test",
            carriers={m.id: m.operator for m in topo.mcus})
        await recorder.sample(stats_mcus=cascade.nodes)
        switcher = meeting.switcher()
        for site in ("p1-d1-c1", "p1-d2-c2"):
            recorder.switch(await switcher.switch_to(site))
        victim = "p1-d1-c3"
        meeting.sim.mcu(cascade.sites[victim]).drop(meeting.sim.conference, victim)
        await recorder.sample(stats_mcus=cascade.nodes)
        dog = Watchdog(cascade, notify=recorder.watchdog, poll_s=0.05)
        for _ in range(100):
            await dog.poll_once()
            await recorder.sample()
            if any(a.kind == EventKind.RECOVERED.value for a in recorder.record.alarms):
                break
        await recorder.sample(stats_mcus=cascade.nodes)
        record = recorder.finish()
    path = tmp_path / "state.json"
    record.save(path)
    report = evaluate(load_record(path))
    dropped = report.site(victim)
    assert dropped.drops == 1 and len(dropped.recoveries_s) == 1 and dropped.unrecovered == 0
    assert all(s.drops == 0 for s in report.sites if s.site.id != victim)
    assert [s.site for s in report.switches] == ["p1-d1-c1", "p1-d2-c2"]
    assert all(s.ok for s in report.switches)
    kinds = [a.kind for a in report.alarms]
    assert "dropped" in kinds and "recovered" in kinds
    assert report.site("p1-d1-c1").samples >= 2 and report.site("p1-d1-c1").verdict == "good"
    assert {g.key for g in report.by_carrier} >= {"VNPT", "central office"}
