"""``hnth record codec|camera``: the kit (or the scripted session) against a simulator, the
recording written, redacted and replayable; bad input is one line and exit 2."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from hnth_drivers.testing.recorded import replayed
from hnth_drivers.testing.replay import Recording
from hnth_drivers.testing.sessions import codec_session
from hnth_drivers.vcs.base import Codec

from .conftest import SSH_PASSWORD, CameraSim, CodecSim
from .test_record_cli import _env


async def _hnth(*args: str, **env: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "hnth_drivers.cli", "record", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, env=_env(**env))
    output, _ = await asyncio.wait_for(proc.communicate(), 300)
    assert proc.returncode is not None
    return proc.returncode, output.decode()


@pytest.mark.parametrize("codec_sim", ["xapi-ce"], indirect=True)
async def test_record_codec_kit(codec_sim: CodecSim, tmp_path: Path) -> None:
    out = tmp_path / "codec.jsonl"
    code, output = await _hnth(
        "codec", "--driver", codec_sim.driver, "--ssh", codec_sim.target.address,
        "--known-hosts", str(codec_sim.target.known_hosts), "--out", str(out),
        "-k", "mute or dial_then", HNTH_PASSWORD=SSH_PASSWORD)
    assert code == 0, output
    assert "2 passed" in output
    recording = Recording.load(out, kind="vcs", driver="xapi")
    assert recording.header.transport == "ssh"
    sent = b"".join(ex.sent or b"" for ex in recording.wire)
    assert b"xCommand Dial Number:5551234" in sent and b"Microphones Mute" in sent
    assert SSH_PASSWORD not in out.read_text()


@pytest.mark.parametrize("codec_sim", ["polycom"], indirect=True)
async def test_record_codec_scripted_replays(codec_sim: CodecSim, tmp_path: Path) -> None:
    out = tmp_path / "codec.jsonl"
    code, output = await _hnth(
        "codec", "--driver", codec_sim.driver, "--ssh", codec_sim.target.address,
        "--known-hosts", str(codec_sim.target.known_hosts), "--out", str(out),
        "--scripted", HNTH_PASSWORD=SSH_PASSWORD)
    assert code == 0, output
    async with replayed("vcs", "polycom", out) as (codec, player):
        assert isinstance(codec, Codec)
        await codec_session(codec)
    assert player.unused == []


async def test_record_camera_kit(camera_sim: CameraSim, tmp_path: Path) -> None:
    out = tmp_path / "camera.jsonl"
    code, output = await _hnth(
        "camera", "--visca-udp", camera_sim.target.address, "--trusted-segment",
        "--out", str(out), "-k", "preset_returns or power_round",
        HNTH_AUDIT_LOG=str(tmp_path / "audit.jsonl"))
    assert code == 0, output
    assert "2 passed" in output
    recording = Recording.load(out, kind="camera", driver="visca-ip")
    assert recording.header.transport == "udp"
    assert recording.header.options == {"model": "generic"}
    assert "policy.waiver" in (tmp_path / "audit.jsonl").read_text()


def _record(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hnth_drivers.cli", "record", *args],
                          capture_output=True, text=True, timeout=120, env=_env(**env),
                          check=False)


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    out = str(tmp_path / "x.jsonl")
    known = tmp_path / "known_hosts"
    known.write_text("")
    cases = [
        (["codec", "--ssh", "127.0.0.1:9", "--known-hosts", str(tmp_path / "none"),
          "--out", out], {"HNTH_PASSWORD": "pw"}, "--known-hosts"),
        (["codec", "--ssh", "127.0.0.1", "--known-hosts", str(known), "--out", out],
         {"HNTH_PASSWORD": "pw"}, "--ssh expects HOST:PORT"),
        (["codec", "--ssh", "127.0.0.1:9", "--known-hosts", str(known), "--out", out], {},
         "no password"),
        (["codec", "--driver", "nosuch", "--ssh", "127.0.0.1:9", "--known-hosts",
          str(known), "--out", out], {"HNTH_PASSWORD": "pw"}, "no vcs driver called"),
        (["camera", "--visca-udp", "127.0.0.1:9", "--out", out], {}, "--trusted-segment"),
        (["camera", "--out", out], {}, "choose one camera connection"),
        (["camera", "--visca-serial", "/dev/null", "--baud", "1200", "--out", out], {},
         "--baud"),
        (["camera", "--visca-udp", "127.0.0.1:9", "--trusted-segment", "--model", "nosuch",
          "--out", out], {}, "nosuch"),
    ]
    for args, env, message in cases:
        done = _record(*args, **env)
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert message in done.stderr, (args, done.stderr)
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert not Path(out).exists()
