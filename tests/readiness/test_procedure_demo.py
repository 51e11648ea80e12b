"""The whole procedure on the simulated network (hnth demo), and hnth readiness / report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hnth_drivers.cli import app
from hnth_drivers.meeting.live import LIVE_STEPS
from hnth_drivers.meeting.record import load_record
from hnth_drivers.meeting.state import DeadlineStatus, StepStatus, load_state
from hnth_drivers.meeting.summary import read_csv
from hnth_sim.procedure import run_procedure

from .province import province


async def test_the_procedure_runs_every_step_through_the_runbook(tmp_path: Path) -> None:
    report = tmp_path / "out" / "report.html"
    work = tmp_path / "work"
    work.mkdir()
    result = await run_procedure(province(), latency_ms=0, per_level=1, seed=1,
                                 audit_path=tmp_path / "audit.jsonl", report_html=report,
                                 work_dir=work, lang="en")
    assert result.ok, [s for s in result.steps if not s[1]]
    state = load_state(work / "meeting.state.json")
    assert state.status.value == "done"
    for name, rec in state.steps.items():
        assert rec.status is StepStatus.DONE, name
        assert rec.deadline_status is not DeadlineStatus.MISSED, name
        assert rec.attempts == 1, name  # nothing repeated
    # the live actions did the work, not the manual defaults
    assert "links connected" in state.steps["cascade_slave_mcus"].summary
    assert set(LIVE_STEPS) <= set(state.steps)
    serve = state.steps["serve_meeting"]
    record = load_record(Path(serve.detail["record"]))
    kinds = [a.kind for a in record.alarms]
    assert kinds.count("dropped") == 2 and kinds.count("recovered") == 2  # link and site
    assert "link_down" in kinds  # the SNMP alarm of the injected port fault
    assert len(record.switches) == 3 and all(s.ok for s in record.switches)
    data = json.loads(report.with_suffix(".json").read_text(encoding="utf-8"))
    assert data["summary"]["drops"] >= 1 and data["summary"]["unrecovered"] == 0
    assert report.read_text(encoding="utf-8").count("<svg") == 5
    rows = read_csv(report.with_name("report.readiness.csv"))
    assert len(rows) == len(province().sites)


def test_hnth_report_reads_the_record_or_the_runbook_state(tmp_path: Path) -> None:
    from .test_quality_report import hand_record

    record = tmp_path / "m.record.json"
    hand_record().save(record)
    html, out = tmp_path / "r.html", tmp_path / "r.json"
    runner = CliRunner()
    done = runner.invoke(app, ["report", str(record), "--html", str(html), "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert "3 sites" in done.output and "1 over 30 s" in done.output
    assert html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert 'lang="en"' in html.read_text(encoding="utf-8")
    assert json.loads(out.read_text(encoding="utf-8"))["summary"]["poor"] == 1
    # --json: the report on stdout, nothing else there; --lang vi: the HTML in Vietnamese
    printed = runner.invoke(
        app, ["report", str(record), "--json", "--html", str(html), "--lang", "vi"])
    assert printed.exit_code == 0, printed.output
    assert json.loads(printed.stdout) == json.loads(out.read_text(encoding="utf-8"))
    assert "3 sites" in printed.stderr
    assert 'lang="vi"' in html.read_text(encoding="utf-8")
    bad = runner.invoke(app, ["report", str(record), "--lang", "fr"])
    assert bad.exit_code == 2 and "--lang" in bad.output
    state = tmp_path / "meeting.state.json"
    state.write_text(json.dumps({"steps": {"serve_meeting": {"detail": {
        "record": "m.record.json"}}}}))
    again = runner.invoke(app, ["report", str(state), "--out", str(out)])
    assert again.exit_code == 0, again.output
    state.write_text(json.dumps({"steps": {}}))
    refused = runner.invoke(app, ["report", str(state)])
    assert refused.exit_code == 2 and "names no meeting record" in refused.output


@pytest.mark.slow
def test_hnth_readiness_on_vn_2025(tmp_path: Path) -> None:
    csv_path, json_path = tmp_path / "s.csv", tmp_path / "s.json"
    done = CliRunner().invoke(app, ["readiness", "--profile", "vn-2025", "--no-stats",
                                    "--rows", "2", "--lang", "en", "--csv", str(csv_path),
                                    "--out", str(json_path)])
    assert done.exit_code == 0, done.output
    assert "Summary form" in done.output and "Ready: 3,359" in done.output
    assert len(read_csv(csv_path)) == 3_359
    assert json.loads(json_path.read_text(encoding="utf-8"))["ready"] is True


def test_bad_language_is_refused() -> None:
    done = CliRunner().invoke(app, ["readiness", "--lang", "fr"])
    assert done.exit_code == 2 and "vi or en" in done.output
