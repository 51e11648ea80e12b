"""Interop: OpenSSH's ``ssh`` client (a third-party peer) against the codec simulator.

Strict host-key checking is on; the documented replies (docs/codecs.md) come back.
"""

from __future__ import annotations

import os
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from hnth_sim.codec import CodecSimulator
from tests.conftest import require_tool

from .conftest import PASSWORD, make_sim, write_known_hosts

pytestmark = pytest.mark.interop


@pytest.fixture
def ssh() -> str:
    return require_tool("ssh")


@pytest.fixture(params=["xapi", "polycom"])
def served(request: pytest.FixtureRequest, keys: dict[str, Path], tmp_path: Path
           ) -> Iterator[tuple[CodecSimulator, Path]]:
    with make_sim(str(request.param), keys) as sim:
        host, port = sim.address
        yield sim, write_known_hosts(tmp_path / "known_hosts", host, port,
                                     Path(f"{keys['host']}.pub"))


def ssh_args(ssh: str, sim: CodecSimulator, known_hosts: Path, user: str,
             *extra: str) -> list[str]:
    host, port = sim.address
    return [ssh, "-F", "/dev/null", "-p", str(port), "-o", "StrictHostKeyChecking=yes",
            "-o", f"UserKnownHostsFile={known_hosts}", "-o", "GlobalKnownHostsFile=/dev/null",
            "-o", "ConnectTimeout=10", "-o", "IdentitiesOnly=yes", *extra,
            f"{user}@{host}"]


def with_key(keys: dict[str, Path]) -> tuple[str, ...]:
    return ("-i", str(keys["client"]), "-o", "BatchMode=yes",
            "-o", "PreferredAuthentications=publickey")


def run(args: list[str], stdin: str | None = None, env: dict[str, str] | None = None
        ) -> subprocess.CompletedProcess[str]:
    """Run ssh; output decoded without newline translation (CR LF vs LF CR matters)."""
    done = subprocess.run(args, input=None if stdin is None else stdin.encode(),
                          capture_output=True, timeout=30, env=env, check=False,
                          stdin=subprocess.DEVNULL if stdin is None else None)
    return subprocess.CompletedProcess(done.args, done.returncode, done.stdout.decode(),
                                       done.stderr.decode())


EXEC = {"xapi": ("xStatus Audio Microphones Mute",
                 "*s Audio Microphones Mute: Off\r\n** end\r\nOK\r\n"),
        "polycom": ("mute near get", "mute near get\n\rmute near off\r\n")}


def test_exec_with_public_key(ssh: str, served: tuple[CodecSimulator, Path],
                              keys: dict[str, Path]) -> None:
    sim, known_hosts = served
    command, reply = EXEC[sim.dialect]
    done = run([*ssh_args(ssh, sim, known_hosts, "keyuser", *with_key(keys)), command])
    assert done.returncode == 0, done.stderr
    assert done.stdout == reply


def test_exec_with_password_through_askpass(ssh: str, served: tuple[CodecSimulator, Path],
                                            tmp_path: Path) -> None:
    sim, known_hosts = served
    askpass = tmp_path / "askpass.sh"
    askpass.write_text(f"#!/bin/sh\necho '{PASSWORD}'\n")
    askpass.chmod(stat.S_IRWXU)
    env = dict(os.environ, SSH_ASKPASS=str(askpass), SSH_ASKPASS_REQUIRE="force",
               DISPLAY=":0")
    command = ("xCommand Dial Number:543210 Protocol:h323" if sim.dialect == "xapi"
               else "dial manual 384 543210 h323")
    done = run([*ssh_args(ssh, sim, known_hosts, "admin",
                          "-o", "PreferredAuthentications=password",
                          "-o", "NumberOfPasswordPrompts=1"), command], env=env)
    assert done.returncode == 0, done.stderr
    if sim.dialect == "xapi":
        assert done.stdout.startswith(
            "OK\r\n*r DialResult (status=OK):\r\n    CallId: 1\r\n    ConferenceId: 1\r\n"
            "** end\r\n")
    else:
        # the session that dialled hears the call's cs: lines (HDX reference, doc p. C-1)
        assert done.stdout.startswith("dial manual 384 543210 h323\n\rdialing manual\r\n"
                                      "cs: call[1] chan[0] dialstr[543210] state[ALLOCATED]"
                                      "\r\n")
    assert [c.number for c in sim.model.calls()] == ["543210"]


def test_interactive_shell_session(ssh: str, served: tuple[CodecSimulator, Path],
                                   keys: dict[str, Path]) -> None:
    sim, known_hosts = served
    if sim.dialect == "xapi":
        script = "xCommand Audio Microphones Mute\nxStatus Audio Microphones Mute\n"
        expected = ["*r AudioMicrophonesMuteResult (status=OK):",
                    "*s Audio Microphones Mute: On\r\n** end\r\nOK"]
    else:
        script = "mute near on\r\ncallinfo all\r\n"
        expected = ["mute near on\n\rmute near on\r\n",
                    "callinfo all\n\rsystem is not in a call\r\n"]
    done = run(ssh_args(ssh, sim, known_hosts, "keyuser", *with_key(keys), "-T"),
               stdin=script)
    assert done.returncode == 0, done.stderr
    for text in expected:
        assert text in done.stdout
    assert sim.model.microphones_muted


def test_unknown_host_is_refused_by_openssh(ssh: str, served: tuple[CodecSimulator, Path],
                                            keys: dict[str, Path], tmp_path: Path) -> None:
    sim, _ = served
    empty = tmp_path / "empty_known_hosts"
    empty.write_text("")
    done = run([*ssh_args(ssh, sim, empty, "keyuser", *with_key(keys)), "xStatus Call"])
    assert done.returncode == 255
    assert "Host key verification failed" in done.stderr


def test_wrong_key_is_refused_by_the_simulator(ssh: str, served: tuple[CodecSimulator, Path],
                                               keys: dict[str, Path]) -> None:
    sim, known_hosts = served
    done = run([*ssh_args(ssh, sim, known_hosts, "admin", *with_key(keys)), "xStatus Call"])
    assert done.returncode == 255
    assert "Permission denied" in done.stderr
