"""``hnth meeting plan|run|status|resume`` end to end (real clock, real files)."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hnth_drivers.cli import app
from hnth_drivers.meeting.steps import PLANNED
from hnth_drivers.security.audit import verify

from .conftest import write_meeting


def _times(**offsets: dt.timedelta) -> dict[str, dt.datetime]:
    """The meeting's times around now, taken when a test writes its meeting (a module-level
    'now' would be stale by the time a long suite reaches the test, and a deadline counted
    from it would read 'missed')."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    return {name: now + offset for name, offset in offsets.items()}


def past() -> dict[str, dt.datetime]:
    return _times(request=-dt.timedelta(days=2), start=-dt.timedelta(hours=5),
                  end=-dt.timedelta(hours=3))


def future() -> dict[str, dt.datetime]:
    return _times(request=-dt.timedelta(minutes=1), start=dt.timedelta(days=2),
                  end=dt.timedelta(days=2, hours=2))


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("HNTH_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    monkeypatch.setenv("COLUMNS", "200")
    return CliRunner()


def test_plan_table_and_json(tmp_path: Path, cli: CliRunner) -> None:
    path = write_meeting(tmp_path)
    res = cli.invoke(app, ["meeting", "plan", str(path)])
    assert res.exit_code == 0, res.output
    for name in PLANNED.names:
        assert name in res.output
    assert "2026-11-30 05:00" in res.output  # the rehearsal (start − 3 h), in +07:00
    res = cli.invoke(app, ["meeting", "plan", str(path), "--json"])
    data = json.loads(res.output)
    steps = {s["name"]: s for s in data["steps"]}
    assert list(steps) == list(PLANNED.names)
    assert steps["notify_units"]["deadline"] == "2026-11-28T09:15:00+07:00"
    assert steps["system_ready"]["deadline"] == "2026-11-30T07:30:00+07:00"
    assert steps["serve_meeting"]["switch_limit_s"] == 30.0
    assert data["problems"] == []
    assert data["script"][1] == {"at": "2026-11-30T09:05:00+07:00", "show": "p-haiphong",
                                 "note": ""}


def test_plan_bad_file(tmp_path: Path, cli: CliRunner) -> None:
    path = tmp_path / "m.toml"
    path.write_text(write_meeting(tmp_path).read_text().replace('"planned"', '"urgent"'))
    res = cli.invoke(app, ["meeting", "plan", str(path)])
    assert res.exit_code == 2
    assert "meeting.kind: unknown meeting kind" in res.output


def test_run_waits_for_operator_then_resume(tmp_path: Path, cli: CliRunner) -> None:
    path = write_meeting(tmp_path, **past())
    res = cli.invoke(app, ["meeting", "run", str(path)])
    assert res.exit_code == 1, res.output
    assert "waiting agree_connection_plan" in res.output
    assert "run waiting" in res.output and "deadlines missed" in res.output
    assert (tmp_path / "gov-2026-11-30.outbox.jsonl").is_file()

    res = cli.invoke(app, ["meeting", "run", str(path)])
    assert res.exit_code == 2 and "a run of this meeting exists already" in res.output

    res = cli.invoke(app, ["meeting", "resume", str(path), "--confirm", "bogus"])
    assert res.exit_code == 2 and "--confirm names no step" in res.output

    confirms = [a for n in PLANNED.names[1:] for a in ("--confirm", n)]
    res = cli.invoke(app, ["meeting", "resume", str(path), *confirms, "--operator", "trực ban"])
    assert res.exit_code == 0, res.output
    assert "run done" in res.output

    res = cli.invoke(app, ["meeting", "status", str(path), "--json"])
    state = json.loads(res.output)
    assert state["status"] == "done" and state["sessions"] == 2
    assert {s["status"] for s in state["steps"].values()} == {"done"}
    assert state["steps"]["rehearse"]["detail"]["confirmed_by"] == "trực ban"
    assert state["steps"]["notify_units"]["attempts"] == 1
    res = cli.invoke(app, ["meeting", "status", str(path)])
    assert res.exit_code == 0 and "run done" in res.output and "missed" in res.output

    report = verify(tmp_path / "audit.jsonl")
    assert report.ok and report.lines == len(PLANNED.names)


def test_no_wait_stops_before_the_rehearsal(tmp_path: Path, cli: CliRunner) -> None:
    path = write_meeting(tmp_path, **future())
    res = cli.invoke(app, ["meeting", "run", str(path), "--no-wait",
                           "--confirm", "agree_connection_plan"])
    assert res.exit_code == 1, res.output
    assert "waiting rehearse: may start at" in res.output
    state = json.loads(cli.invoke(app, ["meeting", "status", str(path), "--json"]).output)
    assert state["status"] == "waiting"
    assert state["steps"]["rehearse"]["status"] == "pending"
    assert state["steps"]["notify_units"]["deadline_status"] == "met"


def test_killed_cli_run_is_reported_and_resumable(tmp_path: Path, cli: CliRunner) -> None:
    path = write_meeting(tmp_path, **future())
    env = {**os.environ, "HNTH_AUDIT_LOG": str(tmp_path / "audit.jsonl")}
    proc = subprocess.Popen(
        [sys.executable, "-c", "from hnth_drivers.cli import main; main()", "meeting", "run",
         str(path), "--confirm", "agree_connection_plan"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    state_file = tmp_path / "meeting.state.json"
    deadline = time.monotonic() + 20
    while "rehearse" not in (state_file.read_text() if state_file.exists() else "") or \
            '"kind": "waiting"' not in state_file.read_text():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=10)
    res = cli.invoke(app, ["meeting", "status", str(path)])
    assert "stopped abnormally" in res.output
    res = cli.invoke(app, ["meeting", "resume", str(path), "--no-wait"])
    assert res.exit_code == 1 and "session resumed (session 2)" in res.output
    state = json.loads(cli.invoke(app, ["meeting", "status", str(path), "--json"]).output)
    assert state["steps"]["agree_connection_plan"]["attempts"] == 1  # not asked again


def test_an_unusable_audit_log_is_one_line_and_exit_2(tmp_path: Path, cli: CliRunner,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Before any step runs: no traceback, and nothing done without its audit record."""
    (tmp_path / "audit-dir").mkdir()
    monkeypatch.setenv("HNTH_AUDIT_LOG", str(tmp_path / "audit-dir"))
    path = write_meeting(tmp_path, **past())
    res = cli.invoke(app, ["meeting", "run", str(path)])
    assert res.exit_code == 2, res.output
    assert "cannot read the audit log" in res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)
    assert not (tmp_path / "gov-2026-11-30.outbox.jsonl").exists()
