"""The runbook on the console: a meeting's state file (as ``hnth meeting run`` keeps it)
shown read-only, each step judged against its deadline."""

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

from .conftest import Console, user_env


def test_runbook_steps_with_deadlines_and_verdicts(console: Console, tmp_path: Path) -> None:
    now = dt.datetime.now(dt.UTC)
    hour = dt.timedelta(hours=1)
    steps = {
        "cascade_ready": StepRecord("cascade_ready", StepStatus.DONE, 1, deadline=now - hour,
                                    finished_at=now - 2 * hour, summary="46/46 links"),
        "system_ready": StepRecord("system_ready", StepStatus.PENDING, deadline=now - hour / 60),
        "serve_meeting": StepRecord("serve_meeting", StepStatus.PENDING,
                                    deadline=now + 3 * hour),
    }
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
    assert run["meeting"] == "hop-2026-12-06" and run["status"] == "waiting"
    verdicts = {s["name"]: s["verdict"] for s in run["steps"]}
    assert verdicts == {"cascade_ready": "met", "system_ready": "missed",
                        "serve_meeting": "pending"}
    assert run["events"][0]["message"] == "ok"
    client, _ = console.session("central")  # the shared console has no runbook
    with closing(client):
        assert 'id="runbook-panel"' not in client.get("/").text
        assert client.get("/api/runbook").status_code == 404
