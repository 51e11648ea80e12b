"""Readiness over a simulated province with injected faults: each fault in the right row."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from hnth_drivers.errors import ConnectError, DeviceError
from hnth_drivers.meeting.readiness import (
    Problem,
    ReadinessCheck,
    ReadinessReport,
    Status,
    directory_from_topology,
)
from hnth_drivers.meeting.summary import from_json, read_csv, rich_table, to_json, write_csv
from hnth_sim.mcu.model import Impairment
from hnth_sim.simulated import simulated_meeting
from hnth_sim.simulated_snmp import simulated_snmp

from .province import province


async def _ok() -> None:
    return None


async def _refused() -> None:
    raise ConnectError("connection refused", device="codec", operation="probe")


async def test_each_injected_fault_shows_in_its_row(tmp_path: Path) -> None:
    topo = province()
    async with simulated_meeting(topo) as meeting, \
            simulated_snmp(meeting.drivers, timeout_s=0.3, retries=0) as snmp:
        await meeting.cascade.up(wait_s=10, poll_s=0.05)
        sim, conf, cascade = meeting.sim, meeting.sim.conference, meeting.cascade
        mcu_of = cascade.sites
        deep = "mcu-p1"  # cascades through vnpt-p1-d1 (the plan of this topology)
        assert cascade.path("p1-d2-c1") == [deep, "vnpt-p1-d1", "central"]

        # faults, each in one place
        sim.mcu(mcu_of["p1-d1-c2"]).drop(conf, "p1-d1-c2")                   # a site drops
        # bad quality: loss above 5 %, which a Codian MCU reports (packetLossCritical);
        # it documents no delay or jitter member
        sim.mcu(mcu_of["p1-d2-c1"]).impair(conf, "p1-d2-c1",
                                           Impairment(8.0, 4.0, 40.0, spread=0.0))
        sim.mcu(deep).drop(conf, cascade.links[deep].uplink)                  # a link drops
        snmp.device("central").silent = True                                  # MCU blind
        snmp.device("vnpt-p1-d1").set_link(2, up=False)                       # MCU port down
        codecs = {"p1-d1-c3": _refused, "p1-d1": _ok}
        cameras = {"p1-d2-c3": _refused}

        seen: list[int] = []
        check = ReadinessCheck(
            cascade, directory_from_topology(topo, contacts={"Tỉnh Một": "0912 345 678"}),
            carriers={m.id: m.operator for m in topo.mcus}, snmp=snmp.poller,
            snmp_targets=snmp.targets, codecs=codecs, cameras=cameras,
            switcher=meeting.switcher(), test_sites=["p1-d1-c1", "p1-d1-c2"])
        report = await check.run(progress=seen.append)

    expected: dict[str, set[Problem]] = {
        "p1-d1-c2": {Problem.DISCONNECTED, Problem.TEST_CALL_FAILED},
        "p1-d2-c1": {Problem.QUALITY, Problem.CASCADE_DOWN},
        "p1-d1-c3": {Problem.CODEC_UNREACHABLE},
        "p1-d2-c3": {Problem.CAMERA_UNREACHABLE},
    }
    for site, mcu in mcu_of.items():
        if mcu == deep:
            expected.setdefault(site, set()).add(Problem.CASCADE_DOWN)
        if mcu == "central":
            expected.setdefault(site, set()).add(Problem.MCU_SNMP_UNREACHABLE)
        if mcu == "vnpt-p1-d1":
            expected.setdefault(site, set()).add(Problem.MCU_INTERFACE_DOWN)
    assert {r.site for r in report.rows} == {s.id for s in topo.sites}
    for row in report.rows:
        want = expected.get(row.site, set())
        assert set(row.problems) == want, row
        blocking = want & {Problem.DISCONNECTED, Problem.CASCADE_DOWN,
                           Problem.CODEC_UNREACHABLE, Problem.TEST_CALL_FAILED}
        assert row.status is (Status.NOT_READY if blocking else
                              Status.DEGRADED if want else Status.READY), row
    bad = report.row("p1-d2-c1")
    assert bad.quality_ok is False and bad.loss_percent == 5.0 and "loss" in bad.detail
    assert report.row("p1-d1-c1").quality_ok is True
    assert report.row("p1-d1-c2").connection is not None
    assert report.row("p1-d1-c2").quality_ok is None  # disconnected: no figures
    calls = {c.site: c for c in report.test_calls}
    assert calls["p1-d1-c1"].ok and report.row("p1-d1-c1").test_call_s is not None
    assert not calls["p1-d1-c2"].ok
    assert report.row("p1-d1").unit == "Tỉnh Một" and report.row("p1").contact == "0912 345 678"
    assert report.row("p1-d1").carrier == "VNPT"
    assert not report.ready
    assert sum(seen) == len(topo.sites) + 2  # every site once, then each test call

    # the same report, round-tripped through CSV (both languages) and JSON
    for lang in ("vi", "en"):
        path = tmp_path / f"summary-{lang}.csv"
        write_csv(report, path, lang=lang)
        assert read_csv(path) == list(report.rows)
    text = json.dumps(to_json(report, lang="en"), ensure_ascii=False)
    assert from_json(text) == report


async def test_a_healthy_province_is_ready_and_the_sample_is_district_or_commune() -> None:
    topo = province()
    async with simulated_meeting(topo) as meeting:
        await meeting.cascade.up(wait_s=10, poll_s=0.05)
        check = ReadinessCheck(meeting.cascade, directory_from_topology(topo),
                               switcher=meeting.switcher(), sample_calls=3, seed=7)
        picked = check.pick_test_sites()
        report = await check.run()
    assert len(picked) == 3 and len(set(picked)) == 3
    assert all(topo.site(s).level.value in ("district", "commune") for s in picked)
    # the deepest site in the cascade is always among them
    assert max(picked, key=lambda s: len(meeting.cascade.path(s))) == picked[0]
    assert report.ready, [r for r in report.rows if r.status is not Status.READY]
    assert report.count(Status.READY) == len(topo.sites)
    assert [c.site for c in report.test_calls] == picked


def _render(report: ReadinessReport, lang: str) -> str:
    console = Console(file=io.StringIO(), width=160, record=True)
    console.print(rich_table(report, lang=lang))
    return console.export_text()


async def test_rich_table_speaks_both_languages() -> None:
    topo = province()
    async with simulated_meeting(topo) as meeting:
        await meeting.cascade.up(wait_s=10, poll_s=0.05)
        meeting.sim.mcu(meeting.cascade.sites["p1-d1-c1"]).drop(meeting.sim.conference,
                                                                 "p1-d1-c1")
        report = await ReadinessCheck(meeting.cascade, directory_from_topology(topo)).run()
    vi, en = _render(report, "vi"), _render(report, "en")
    assert "Mẫu tổng hợp thông tin" in vi and "Chưa sẵn sàng" in vi and "mất kết nối" in vi
    assert "Summary form" in en and "Not ready" in en and "disconnected" in en
    # problem rows first
    assert vi.index("p1-d1-c1") < vi.index("p1-d1-c3")


async def test_an_mcu_that_fails_its_api_and_one_that_fails_statistics(
        monkeypatch: pytest.MonkeyPatch) -> None:
    topo = province()

    async def no_stats(conference: str) -> list[object]:
        raise DeviceError("statistics unavailable", device="vnpt-p1-d1", operation="stats",
                          code=201)

    async with simulated_meeting(topo) as meeting:
        await meeting.cascade.up(wait_s=10, poll_s=0.05)
        meeting.sim.mcu("mcu-p1").faults.fail_next("*", times=1000)         # API refuses
        monkeypatch.setattr(meeting.drivers["vnpt-p1-d1"], "stats", no_stats)
        report = await ReadinessCheck(meeting.cascade, directory_from_topology(topo)).run()
    for row in report.rows:
        if row.mcu == "mcu-p1":
            assert set(row.problems) == {Problem.MCU_ERROR, Problem.CASCADE_DOWN}, row
            assert row.status is Status.NOT_READY and "mcu-p1" in row.detail
        elif row.mcu == "vnpt-p1-d1":
            # statistics failed: quality unknown and said so, the site itself is fine
            assert row.problems == () and row.quality_ok is None, row
            assert "statistics" in row.detail
        else:
            assert row.status is Status.READY, row
