"""Readiness over loopback simulators: loss from a Codian MCU, jitter and delay from the
room's SNMP agent, each row naming the source of each figure; the record round trip."""

from __future__ import annotations

import json
import math
import secrets
from pathlib import Path

from hnth_drivers.meeting.readiness import Problem, ReadinessCheck, directory_from_topology
from hnth_drivers.meeting.record import MeetingRecorder, load_record
from hnth_drivers.meeting.report import evaluate, to_json
from hnth_drivers.meeting.summary import (
    LABELS,
    from_json,
    quality_text,
    read_csv,
    rich_table,
    write_csv,
)
from hnth_drivers.meeting.summary import to_json as summary_json
from hnth_drivers.monitor.snmp import SnmpPoller, SnmpTarget
from hnth_drivers.security.policy import STRICT
from hnth_drivers.security.secrets import Secret
from hnth_drivers.transport.snmp import SnmpV3User
from hnth_sim.simulated import simulated_meeting
from hnth_sim.snmp import SimDevice, SnmpAgent
from hnth_sim.snmp.device import SimVendor

from .province import province

# Each room agent serves one call (to its MCU) with documented vendor objects only:
# POLYCOM-VIDEO-MIB loss/jitter/latency scalars, or CISCO-TELEPRESENCE-CALL-MIB jitter.
ROOMS = {"p1-d1-c1": SimVendor.POLYCOM_CODEC, "p1-d1-c3": SimVendor.CISCO_TP,
         "p1-d2-c1": SimVendor.POLYCOM_CODEC, "p1-d1": SimVendor.POLYCOM_CODEC}
PROFILE = {SimVendor.POLYCOM_CODEC: "polycom-codec", SimVendor.CISCO_TP: "cisco-tp"}


async def test_each_figure_from_the_source_that_measures_it(tmp_path: Path) -> None:
    topo = province()
    auth, priv = secrets.token_urlsafe(12), secrets.token_urlsafe(12)
    devices = [SimDevice(site, vendor=vendor) for site, vendor in ROOMS.items()]
    async with simulated_meeting(topo) as meeting, \
            SnmpAgent(devices, auth_key=auth, priv_key=priv) as agent, \
            SnmpPoller(STRICT) as poller:
        await meeting.cascade.up(wait_s=10, poll_s=0.05)
        cascade = meeting.cascade
        assert meeting.drivers[cascade.sites["p1-d1-c1"]].name == "codian"
        agent.device("p1-d1-c1").add_call("mcu", audio_loss_percent=1.0, jitter_ms=12.0,
                                          delay_ms=80.0)
        agent.device("p1-d1-c3").add_call("1234", jitter_ms=9.0)
        agent.device("p1-d2-c1").add_call("mcu", jitter_ms=70.0, delay_ms=30.0)
        agent.device("p1-d1").add_call("mcu", jitter_ms=3.0, delay_ms=20.0)
        agent.device("p1-d1").silent = True  # its agent does not answer: MCU loss only
        host, port = agent.address
        creds = SnmpV3User("admin", Secret(auth), Secret(priv))
        targets = {site: SnmpTarget(site, host, creds, port=port,
                                    vendor=PROFILE[vendor], context=site, timeout=0.3,
                                    retries=0)
                   for site, vendor in ROOMS.items()}
        directory = directory_from_topology(topo)
        check = ReadinessCheck(cascade, directory, snmp=poller, site_snmp_targets=targets)
        report = await check.run()

        # the recorder: one sample round reads the MCUs and the rooms' agents alike
        recorder = MeetingRecorder.start(cascade, directory, meeting="m", title="t",
                                         snmp=poller, site_snmp_targets=targets)
        recorder.observe_readiness(report)
        await recorder.sample(stats_mcus=cascade.nodes)
        record = recorder.finish()

    rows = {r.site: r for r in report.rows}
    polycom = rows["p1-d1-c1"]  # Codian MCU + Polycom agent
    assert polycom.quality_sources == {"loss": "mcu", "jitter": "snmp", "delay": "snmp"}
    assert (polycom.loss_percent, polycom.jitter_ms, polycom.delay_ms) == (0.0, 12.0, 80.0)
    assert polycom.quality_source == "loss: mcu, jitter: snmp, delay: snmp"
    assert polycom.quality_ok is True
    cisco = rows["p1-d1-c3"]  # Cisco agent: jitter per stream, no latency object read
    assert cisco.quality_sources == {"loss": "mcu", "jitter": "snmp"}
    assert cisco.jitter_ms == 9.0 and cisco.delay_ms is None
    bad = rows["p1-d2-c1"]  # jitter over 50 ms, told by the room's agent
    assert bad.quality_ok is False and Problem.QUALITY in bad.problems
    assert "jitter" in bad.detail and bad.quality_sources["jitter"] == "snmp"
    silent = rows["p1-d1"]  # the agent is silent: the MCU's loss, no jitter or delay
    assert silent.quality_sources == {"loss": "mcu"} and silent.jitter_ms is None
    assert "SNMP" in silent.detail
    plain = rows["p1-d1-c2"]  # no agent: loss from the MCU only
    assert plain.quality_sources == {"loss": "mcu"} and plain.delay_ms is None
    assert quality_text(plain, "en") == "Good (0 % MCU / – / –)"
    assert quality_text(polycom, "vi") == "Tốt (0 % MCU / 12 ms SNMP / 80 ms SNMP)"

    # the summary form in both languages: the source of each figure in its own column
    for lang, header in (("vi", "Nguồn số liệu jitter"), ("en", "Jitter from")):
        text = write_csv(report, lang=lang)
        assert header in text.splitlines()[0]
        assert read_csv(text) == list(report.rows)
        assert LABELS[lang]["jitter_source"] == header
    data = summary_json(report, lang="en")
    row = next(r for r in data["rows"] if r["site"] == "p1-d1-c3")
    assert row["quality_sources"] == {"loss": "mcu", "jitter": "snmp"}
    assert row["delay_ms"] is None
    assert from_json(json.dumps(data, ensure_ascii=False)) == report
    assert rich_table(report, lang="en").columns  # renders with the sources line

    # the record: per site and figure its sources; unmeasured figures null in the file
    assert record.sources["p1-d1-c1"] == {"loss": ["mcu"], "jitter": ["snmp"],
                                          "delay": ["snmp"]}
    assert record.sources["p1-d1-c2"] == {"loss": ["mcu"]}
    path = tmp_path / "m.record.json"
    record.save(path)
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert raw["samples"]["p1-d1-c2"][0][2] is None  # jitter: not measured
    back = load_record(path)
    assert back.sources == record.sources
    assert math.isnan(back.samples["p1-d1-c2"][0][2])
    quality = evaluate(back)
    site = quality.site("p1-d1-c1")
    assert site.sources == {"loss": ("mcu",), "jitter": ("snmp",), "delay": ("snmp",)}
    assert quality.site("p1-d1-c2").jitter is None
    assert quality.site("p1-d1-c2").sources == {"loss": ("mcu",)}
    report_json = to_json(quality)
    by_site = {s["id"]: s for s in report_json["sites"]}
    assert by_site["p1-d1-c3"]["sources"] == {"loss": ["mcu"], "jitter": ["snmp"]}
    assert by_site["p1-d1-c3"]["delay_ms"] is None
    unit = next(g for g in report_json["by_province"] if g["key"] == "Tỉnh Một")
    assert unit["sources"]["jitter"] == ["snmp"] and unit["sources"]["loss"] == ["mcu"]
