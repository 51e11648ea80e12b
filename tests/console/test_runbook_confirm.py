"""Manual runbook steps confirmed from the console: the runner's hook (the confirmation
file), and the endpoint over HTTPS (rights by role and area, CSRF, replays, bad bodies,
steps that do not wait; every refusal audited)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest

from hnth_drivers.meeting.actions import default_registry
from hnth_drivers.meeting.clock import FakeClock
from hnth_drivers.meeting.confirmations import (
    Confirmation,
    confirmation_path_for,
    confirmations,
    record_confirmation,
    run_key,
)
from hnth_drivers.meeting.definition import parse_meeting
from hnth_drivers.meeting.runbook import Runbook, Runner
from hnth_drivers.meeting.state import RunStatus, StepStatus, load_state
from tests.conftest import simulator_process
from tests.meeting.conftest import REQUEST, meeting_text

from .conftest import Console, state_headers, user_env
from .runner import RunnerThread

# ---- the runner's hook ----------------------------------------------------------------


async def test_a_recorded_confirmation_lets_a_resumed_run_go_on(tmp_path: Path) -> None:
    clock = FakeClock(REQUEST.astimezone(dt.UTC))
    book = Runbook(parse_meeting(meeting_text()), registry=default_registry(plugins=False))
    path = tmp_path / "meeting.state.json"
    state = await Runner(book, path, clock=clock).run()
    assert state.steps["agree_connection_plan"].status is StepStatus.WAITING
    # an earlier run's confirmation, and a torn line, confirm nothing
    record_confirmation(path, Confirmation("agree_connection_plan", "old", clock.now(),
                                           "gov-2026-11-30@2000-01-01T00:00:00+00:00"))
    with confirmation_path_for(path).open("a") as f:
        f.write('{"step": "agree_connection_plan", "by": "torn"')
    state = await Runner(book, path, clock=clock).run(resume=True)
    assert state.steps["agree_connection_plan"].status is StepStatus.WAITING
    record_confirmation(path, Confirmation("agree_connection_plan", "duty officer",
                                           clock.now(), run_key(state)))
    state = await Runner(book, path, clock=clock).run(resume=True)
    rec = state.steps["agree_connection_plan"]
    assert rec.status is StepStatus.DONE and rec.summary == "confirmed by duty officer"
    assert state.steps["rehearse"].status is StepStatus.WAITING  # the next one asks
    assert set(confirmations(path, run_key(state))) == {"agree_connection_plan"}


# ---- the console, over HTTPS ------------------------------------------------------------


@dataclass(frozen=True)
class RunbookConsole:
    """A console started with ``--runbook`` over a run that waits for confirmations."""

    console: Console
    runner: RunnerThread


@pytest.fixture(scope="module")
def runbook_console(console: Console, tmp_path_factory: pytest.TempPathFactory
                    ) -> Iterator[RunbookConsole]:
    home = tmp_path_factory.mktemp("runbook-console")
    runner = RunnerThread(home)
    runner.start()
    try:
        with simulator_process(["console", "--network", str(console.network), "--listen",
                                "127.0.0.1:0", "--tls-dir", str(console.ca.parent),
                                "--no-watch", "--runbook", str(runner.state)],
                               kind="console", env=user_env(home), ready_within_s=90.0) as url:
            yield RunbookConsole(Console(url, console.ca, home / "audit.jsonl",
                                         console.network, console.passwords), runner)
    finally:
        runner.stop()


def _confirm(client: object, csrf: str | None, body: object, **headers: str) -> object:
    sent = {**(state_headers(csrf) if csrf else {}), **headers}
    return client.post("/api/runbook/confirm",  # type: ignore[attr-defined]
                       content=body if isinstance(body, bytes) else json.dumps(body),
                       headers={"Content-Type": "application/json", **sent})


def test_a_confirmation_is_refused_without_rights_token_or_a_waiting_step(
        runbook_console: RunbookConsole) -> None:
    rc = runbook_console
    asking = rc.runner.wait_asking()
    client, csrf = rc.console.session("op-p01")
    with closing(client):
        view = client.get("/api/runbook").json()
        assert view["can_confirm"] is False  # nothing offered to a provincial operator
        assert any(s["asking"] for s in view["steps"])
        refused = _confirm(client, csrf, {"step": asking})
        assert refused.status_code == 403  # type: ignore[attr-defined]
        assert "may not confirm" in refused.json()["error"]  # type: ignore[attr-defined]
        vi = client.post("/api/runbook/confirm?lang=vi", json={"step": asking},
                         headers=state_headers(csrf))
        assert vi.status_code == 403 and "bị từ chối" in vi.json()["error"]
    client, csrf = rc.console.session("central")
    with closing(client):
        assert client.get("/api/runbook").json()["can_confirm"] is True
        no_token = _confirm(client, None, {"step": asking},
                            **{"X-Request-Id": uuid.uuid4().hex})
        assert no_token.status_code == 403  # type: ignore[attr-defined]
        assert "CSRF" in no_token.json()["error"]  # type: ignore[attr-defined]
        assert _confirm(client, "forged" + csrf, {"step": asking}).status_code == 403  # type: ignore[attr-defined]
        for body in ({"steps": asking}, {"step": 7}, b"{not json", {"step": ""}):
            assert _confirm(client, csrf, body).status_code == 400  # type: ignore[attr-defined]
        assert _confirm(client, csrf, {"step": "no_such_step"}).status_code == 404  # type: ignore[attr-defined]
        done = _confirm(client, csrf, {"step": "notify_units"})  # done, not asking
        assert done.status_code == 409  # type: ignore[attr-defined]
        assert "not waiting" in done.json()["error"]  # type: ignore[attr-defined]
        big = _confirm(client, csrf, b'{"step": "' + b"x" * 20_000 + b'"}')
        assert big.status_code == 413  # type: ignore[attr-defined]
        assert rc.runner.asking() == asking  # nothing of the above confirmed anything
        headers = state_headers(csrf)
        ok = client.post("/api/runbook/confirm", json={"step": asking}, headers=headers)
        assert ok.status_code == 200 and ok.json()["by"] == "central"
        replay = client.post("/api/runbook/confirm", json={"step": asking}, headers=headers)
        assert replay.status_code == 409 and "replayed" in replay.json()["error"]
        rc.runner.wait_asking(not_=asking)  # the runner took it and went on
        state = load_state(rc.runner.state)
        assert state.steps[asking].status is StepStatus.DONE
        assert state.steps[asking].detail["confirmed_by"] == "central"
        assert state.status is RunStatus.RUNNING
    records = rc.console.records()
    mine = [r for r in records if r["action"] == "console.runbook_confirm"]
    assert [r["actor"] for r in mine if r["result"] == "ok"] == ["central"]
    refused_by = {(r["actor"], r["target"]) for r in mine if r["result"] == "refused"}
    assert ("op-p01", asking) in refused_by and ("central", "notify_units") in refused_by
    assert ("central", "no_such_step") in refused_by
    assert all("client" in r["detail"] for r in mine)


def test_hnth_meeting_run_waits_for_the_consoles_confirmation(tmp_path: Path) -> None:
    """``hnth meeting run --console-confirm`` without a terminal: the manual step waits
    (instead of stopping the run) until a confirmation is recorded, then the run goes on."""
    import signal
    import subprocess
    import time

    from tests.conftest import HNTH

    from .runner import now_meeting

    meeting = tmp_path / "meeting.toml"
    meeting.write_text(now_meeting(), encoding="utf-8")
    state_file = tmp_path / "meeting.state.json"
    proc = subprocess.Popen([*HNTH, "meeting", "run", str(meeting), "--console-confirm"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=user_env(tmp_path))

    def asking(within_s: float = 60.0) -> str:
        end = time.monotonic() + within_s
        while time.monotonic() < end and proc.poll() is None:
            if state_file.exists():
                state = load_state(state_file)
                for rec in state.steps.values():
                    if rec.detail.get("awaiting_confirmation") and (
                            rec.name not in confirmations(state_file, run_key(state))):
                        return rec.name
            time.sleep(0.1)
        raise AssertionError(f"no step asks (exit {proc.poll()})")

    try:
        first = asking()
        state = load_state(state_file)
        assert state.status is RunStatus.RUNNING  # waiting, not stopped
        record_confirmation(state_file, Confirmation(first, "op-console",
                                                     dt.datetime.now(dt.UTC), run_key(state)))
        second = asking()
        assert second != first
        assert load_state(state_file).steps[first].detail["confirmed_by"] == "op-console"
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err[-2000:]
    assert "asking" in out and first in out


def test_an_open_page_hears_of_a_confirmation_on_its_event_stream(
        runbook_console: RunbookConsole) -> None:
    """The alarm feed (server-sent events) carries a ``runbook`` event when a step is
    confirmed, so every open page refreshes its runbook at once."""
    rc = runbook_console
    asking = rc.runner.wait_asking()
    client, csrf = rc.console.session("central")
    with closing(client), client.stream("GET", "/events") as feed:
        lines = feed.iter_lines()
        assert next(lines).startswith("retry:")
        ok = client.post("/api/runbook/confirm", json={"step": asking},
                         headers=state_headers(csrf))
        assert ok.status_code == 200, ok.text
        for _, line in zip(range(2000), lines, strict=False):
            if line == "event: runbook":
                break
        else:
            raise AssertionError("no runbook event on the feed")
