"""The runbook on the console: a meeting's state file (as ``hnth meeting run`` keeps it),
each step judged against its deadline, and the quality report of the meeting record its
``serve_meeting`` step names, in the console's language."""

from __future__ import annotations

import datetime as dt
from contextlib import closing
from pathlib import Path

from hnth_drivers.meeting.state import (
    RunEvent,
    RunState,
    RunStatus,
    StepRecord,
    StepStatus,
    save_state,
)
from tests.conftest import simulator_process
from tests.readiness.test_quality_report import hand_record

from .conftest import Console, user_env


def test_runbook_steps_with_deadlines_and_verdicts(console: Console, tmp_path: Path) -> None:
    now = dt.datetime.now(dt.UTC)
    hour = dt.timedelta(hours=1)
    steps = {
        "cascade_ready": StepRecord("cascade_ready", StepStatus.DONE, 1, deadline=now - hour,
                                    finished_at=now - 2 * hour, summary="46/46 links"),
        "system_ready": StepRecord("system_ready", StepStatus.PENDING, deadline=now - hour / 60),
        "serve_meeting": StepRecord("serve_meeting", StepStatus.PENDING,
                                    deadline=now + 3 * hour,
                                    detail={"record": "meeting.record.json"}),
    }
    hand_record().save(tmp_path / "meeting.record.json")
    state_file = tmp_path / "meeting.state.json"
    save_state(state_file, RunState("hop-2026-12-06", "0" * 64, "planned", steps,
                                    status=RunStatus.WAITING, updated_at=now,
                                    events=[RunEvent(now, "cascade_ready", "done", "ok")]))
    with simulator_process(["console", "--network", str(console.network), "--listen",
                            "127.0.0.1:0", "--tls-dir", str(console.ca.parent), "--no-watch",
                            "--runbook", str(state_file)], kind="console",
                           env=user_env(tmp_path), ready_within_s=90.0) as url:
        with_runbook = Console(url, console.ca, tmp_path / "audit.jsonl", console.network,
                               console.passwords)
        client, _ = with_runbook.session("op-p03")
        with closing(client):
            assert 'id="runbook-panel"' in client.get("/").text
            run = client.get("/api/runbook").json()
            assert run["can_report"] is False and run["can_confirm"] is False
            refused = client.get("/report", params={"lang": "en"})
            assert refused.status_code == 403 and "whole network" in refused.text
        client, _ = with_runbook.session("central")
        with closing(client):
            assert client.get("/api/runbook").json()["can_report"] is True
            vi = client.get("/report", params={"lang": "vi"})
            en = client.get("/report", params={"lang": "en"})
    assert run["meeting"] == "hop-2026-12-06" and run["status"] == "waiting"
    verdicts = {s["name"]: s["verdict"] for s in run["steps"]}
    assert verdicts == {"cascade_ready": "met", "system_ready": "missed",
                        "serve_meeting": "pending"}
    assert run["events"][0]["message"] == "ok"
    assert vi.status_code == 200 and '<html lang="vi">' in vi.text
    assert vi.headers["content-security-policy"].startswith("default-src 'none'; style-src")
    assert "<script" not in vi.text
    assert "Đánh giá chất lượng: Họp thử" in vi.text and "Thời gian chuyển hình" in vi.text
    assert en.status_code == 200 and "Quality evaluation: Họp thử" in en.text
    assert any(r["action"] == "console.report" and r["result"] == "refused"
               and r["actor"] == "op-p03" for r in with_runbook.records())
    client, _ = console.session("central")  # the shared console has no runbook
    with closing(client):
        assert 'id="runbook-panel"' not in client.get("/").text
        assert client.get("/api/runbook").status_code == 404
        no_report = client.get("/report", params={"lang": "vi"})
        assert no_report.status_code == 404 and "chưa có báo cáo" in no_report.text
