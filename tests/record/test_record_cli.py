"""``hnth record mcu``: the kit against a simulator, the recording written and redacted;
bad input is one line and exit 2."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from hnth_drivers.testing.replay import Recording
from hnth_sim.mcu.codian_server import CodianServer
from hnth_sim.mcu.model import Network

PASSWORD = "cli-rec-pw-77"


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HNTH_")}
    return {**env, "COLUMNS": "200", **extra}


async def test_record_writes_a_replayable_redacted_recording(tmp_path: Path) -> None:
    net = Network(seed=9)
    net.add_mcu("mcu-hn", ports=20)
    out = tmp_path / "rec" / "codian.jsonl"
    async with CodianServer(net, user="admin", password=PASSWORD, tls_dir=tmp_path / "tls",
                            default_mcu="mcu-hn") as sim:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "hnth_drivers.cli", "record", "mcu", "--driver", "codian",
            "--url", sim.url(), "--ca", str(sim.ca_file), "--out", str(out),
            "-k", "test_conferences or test_mute",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            env=_env(HNTH_PASSWORD=PASSWORD))
        stdout, stderr = await asyncio.wait_for(proc.communicate(), 300)
    assert proc.returncode == 0, (stdout + stderr).decode()
    assert "2 passed" in stdout.decode()
    recording = Recording.load(out, kind="mcu", driver="codian")
    methods = {ex.describe() for ex in recording.exchanges}
    assert {"POST /RPC2 conference.enumerate", "POST /RPC2 participant.modify"} <= methods
    assert PASSWORD not in out.read_text()
    assert recording.header.redactions == ("xml-rpc member authenticationPassword",)


def _record(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hnth_drivers.cli", "record", "mcu", *args],
                          capture_output=True, text=True, timeout=120, env=_env(**env),
                          check=False)


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    out = str(tmp_path / "x.jsonl")
    url = "https://127.0.0.1:9/RPC2"
    cases = [
        (["--driver", "codian", "--url", url, "--ca", str(tmp_path / "none.pem"),
          "--out", out], {"HNTH_PASSWORD": "pw"}, "CA file not found"),
        (["--driver", "codian", "--url", url, "--pin", "ab", "--out", out], {},
         "no password"),
        (["--driver", "nosuch", "--url", url, "--pin", "00" * 32, "--out", out],
         {"HNTH_PASSWORD": "pw"}, "no mcu driver called 'nosuch'"),
    ]
    for args, env, message in cases:
        done = _record(*args, **env)
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert message in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1
        assert not Path(out).exists()
