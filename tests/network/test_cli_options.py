"""Every operator command over a network file takes ``--json`` and ``--network`` (default
``$HNTH_NETWORK``): the options are in each ``--help``, and a broken ``$HNTH_NETWORK``
is what each command reads when ``--network`` is left out (one line naming the file,
exit 2, nothing contacted)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hnth_drivers.cli import app

from .conftest import hnth, user_env

# command → the arguments it needs besides the network file
OPERATOR_COMMANDS: dict[tuple[str, ...], tuple[str, ...]] = {
    ("cascade", "up"): (),
    ("cascade", "down"): (),
    ("cascade", "status"): (),
    ("switch",): ("p01",),
    ("readiness",): (),
    ("watch",): ("--duration", "1"),
    ("camera", "preset"): ("p01", "podium"),
    ("meeting", "run"): ("MEETING",),
    ("network", "check"): (),
    ("monitor",): ("--once",),
}


@pytest.mark.parametrize("command", list(OPERATOR_COMMANDS), ids=" ".join)
def test_help_shows_json_and_network(command: tuple[str, ...]) -> None:
    shown = CliRunner().invoke(app, [*command, "--help"], terminal_width=200)
    assert shown.exit_code == 0, shown.output
    assert "--json" in shown.output and "--network" in shown.output, shown.output
    assert "HNTH_NETWORK" in shown.output, shown.output


def _meeting(tmp_path: Path) -> Path:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    start = now + dt.timedelta(hours=2)
    path = tmp_path / "meeting.toml"
    path.write_text(f"""[meeting]
id = "m1"
title = "Hội nghị thử"
kind = "planned"
request = {(now - dt.timedelta(days=3)).isoformat()}
start = {start.isoformat()}
end = {(start + dt.timedelta(hours=1)).isoformat()}
chair = "vn"

[[sites]]
id = "vn"
name = "Chair"
level = "government"
unit = "central office"
mcu = "mcu-hn"
""", encoding="utf-8")
    return path


@pytest.mark.parametrize("command", list(OPERATOR_COMMANDS), ids=" ".join)
def test_network_defaults_to_the_environment(command: tuple[str, ...],
                                             tmp_path: Path) -> None:
    broken = tmp_path / "broken-network.toml"
    broken.write_text('name = "x"\nchair = "vn"\nmcus = 3\n', encoding="utf-8")
    args = [str(_meeting(tmp_path)) if a == "MEETING" else a
            for a in OPERATOR_COMMANDS[command]]
    env = user_env(tmp_path, HNTH_NETWORK=str(broken), HNTH_OPERATOR="central")
    done = hnth(*command, *args, "--json", env=env, timeout=60)
    assert done.returncode == 2, (done.stdout[-1000:], done.stderr[-1000:])
    assert f"{broken}:3: mcus" in done.stderr and "Traceback" not in done.stderr


def test_meeting_run_json_is_json_lines(tmp_path: Path) -> None:
    """Without a network file the run stops at its first manual step: every line on stdout
    is JSON, the events first and the outcome last."""
    import json

    meeting = _meeting(tmp_path)
    done = hnth("meeting", "run", str(meeting), "--no-wait", "--json", env=user_env(tmp_path))
    assert done.returncode == 1, done.stderr[-2000:]
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    outcome = lines[-1]
    assert outcome["status"] == "waiting" and isinstance(outcome["missed"], list)
    assert outcome["state"] == str(tmp_path / "meeting.state.json")
    assert lines[0]["kind"] == "session"
    assert all(set(e) == {"at", "step", "kind", "message"} for e in lines[:-1])

    # a --network that disagrees with the meeting file's network is refused
    named = tmp_path / "named.toml"
    text = meeting.read_text(encoding="utf-8").replace(
        'chair = "vn"', f'chair = "vn"\nnetwork = "{named}"', 1)
    meeting.write_text(text, encoding="utf-8")
    other = tmp_path / "elsewhere.toml"
    refused = hnth("meeting", "run", str(meeting), "--network", str(other), "--state",
                   str(tmp_path / "second.state.json"), env=user_env(tmp_path))
    assert refused.returncode == 2, refused.stderr
    assert "disagrees with the meeting file's network" in refused.stderr
