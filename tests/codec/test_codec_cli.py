"""``hnth sim codec`` as a process, driven by ``hnth codec ...`` (secrets only from env)."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from hnth_drivers.security.audit import verify
from tests.conftest import HNTH, simulator_process

from .conftest import write_known_hosts

SIM_PASSWORD = "cli-sim-pass"  # test-only credential


@pytest.fixture(params=["xapi", "polycom"])
def cli_sim(request: pytest.FixtureRequest, tmp_path: Path, keys: dict[str, Path]
            ) -> Iterator[tuple[str, str, Path]]:
    """A ``hnth sim codec`` process: (dialect, HOST:PORT, known_hosts)."""
    key = tmp_path / "keys" / "host_ed25519"
    env = dict(os.environ, HNTH_SIM_PASSWORD=SIM_PASSWORD)
    with simulator_process(
            ["sim", "codec", "--dialect", str(request.param), "--listen", "127.0.0.1:0",
             "--host-key", str(key), "--connect-delay-ms", "20",
             "--authorized-keys", f"{keys['client']}.pub"], kind="codec", env=env) as address:
        host, port = address.rsplit(":", 1)
        assert Path(f"{key}.pub").read_text().startswith("ssh-ed25519 ")
        known = write_known_hosts(tmp_path / "known_hosts", host, int(port),
                                  Path(f"{key}.pub"))
        yield str(request.param), address, known


def hnth(*args: str, password: str = SIM_PASSWORD, audit: Path | None = None
         ) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, HNTH_PASSWORD=password)
    if audit is not None:
        env["HNTH_AUDIT_LOG"] = str(audit)
    return subprocess.run([*HNTH, *args],
                          capture_output=True, text=True, env=env, timeout=60, check=False)


def test_cli_dial_status_mute_preset_hangup(cli_sim: tuple[str, str, Path],
                                            tmp_path: Path) -> None:
    dialect, address, known = cli_sim
    common = ["--ssh", address, "--dialect", dialect, "--known-hosts", str(known)]
    audit = tmp_path / "audit.jsonl"
    dial = hnth("codec", "dial", "5551234", *common, "--json", audit=audit)
    assert dial.returncode == 0, dial.stderr
    call = json.loads(dial.stdout)
    assert call["number"] == "5551234"
    assert hnth("codec", "mute", "on", *common, audit=audit).returncode == 0
    assert hnth("codec", "preset", "store", "2", *common, audit=audit).returncode == 0
    assert hnth("codec", "preset", "recall", "2", *common, audit=audit).returncode == 0
    status = hnth("codec", "status", *common, "--json")
    assert status.returncode == 0, status.stderr
    state = json.loads(status.stdout)
    assert state["microphones_muted"] is True
    assert [c["call_id"] for c in state["calls"]] == [call["call_id"]]
    assert hnth("codec", "hangup", *common, audit=audit).returncode == 0
    assert json.loads(hnth("codec", "status", *common, "--json").stdout)["calls"] == []
    report = verify(audit)
    assert report.ok
    actions = [json.loads(line)["action"] for line in audit.read_text().splitlines()]
    assert actions == ["codec.dial", "codec.mute", "codec.preset.store",
                       "codec.preset.recall", "codec.hangup"]
    assert SIM_PASSWORD not in audit.read_text()


@pytest.mark.parametrize("cli_sim", ["xapi"], indirect=True)
def test_cli_wrong_password_exits_3_without_traceback(cli_sim: tuple[str, str, Path],
                                                      tmp_path: Path) -> None:
    dialect, address, known = cli_sim
    done = hnth("codec", "mute", "off", "--ssh", address, "--dialect", dialect,
                "--known-hosts", str(known), password="wrong-one",
                audit=tmp_path / "audit.jsonl")
    assert done.returncode == 3
    assert "authentication failed" in done.stderr and "Traceback" not in done.stderr
    assert "wrong-one" not in done.stderr
    assert "error: AuthError" in (tmp_path / "audit.jsonl").read_text()


@pytest.mark.parametrize("cli_sim", ["polycom"], indirect=True)
def test_cli_status_with_a_key_file(cli_sim: tuple[str, str, Path],
                                    keys: dict[str, Path]) -> None:
    dialect, address, known = cli_sim
    done = hnth("codec", "status", "--ssh", address, "--dialect", dialect, "--known-hosts",
                str(known), "--identity", str(keys["client"]), "--json", password="")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["calls"] == []


@pytest.mark.parametrize("cli_sim", ["xapi"], indirect=True)
def test_cli_unknown_host_is_refused(cli_sim: tuple[str, str, Path], tmp_path: Path) -> None:
    dialect, address, _ = cli_sim
    empty = tmp_path / "empty_known_hosts"
    empty.write_text("")
    done = hnth("codec", "status", "--ssh", address, "--dialect", dialect, "--known-hosts",
                str(empty))
    assert done.returncode == 3 and "unknown SSH host key" in done.stderr


def test_cli_unusable_audit_log_refuses_the_action_cleanly(tmp_path: Path) -> None:
    """A control action is not done without its audit record: exit 2, one line."""
    (tmp_path / "audit-dir").mkdir()
    done = hnth("codec", "mute", "on", "--ssh", "127.0.0.1:9", "--dialect", "xapi",
                "--known-hosts", str(tmp_path / "known_hosts"), audit=tmp_path / "audit-dir")
    assert done.returncode == 2, done.stderr
    assert "cannot read the audit log" in done.stderr and "Traceback" not in done.stderr


def test_cli_bad_software_or_family_is_one_line(tmp_path: Path) -> None:
    env_sim = dict(os.environ, HNTH_SIM_PASSWORD=SIM_PASSWORD)
    done = subprocess.run([*HNTH, "sim", "codec", "--dialect", "xapi", "--software", "vx1",
                           "--host-key", str(tmp_path / "k")], capture_output=True, text=True,
                          env=env_sim, timeout=60, check=False)
    assert done.returncode == 2 and "software 'vx1'" in done.stderr
    assert "Traceback" not in done.stderr
    done = hnth("codec", "status", "--ssh", "127.0.0.1:9", "--dialect", "polycom",
                "--family", "vsx", "--known-hosts", str(tmp_path / "kh"))
    assert done.returncode == 2 and "--family" in done.stderr


def test_cli_hdx_and_tc_codecs(tmp_path: Path, keys: dict[str, Path]) -> None:
    """``--family hdx`` on both sides; a TC codec's software shows in the health detail."""
    env = dict(os.environ, HNTH_SIM_PASSWORD=SIM_PASSWORD)
    for dialect, extra in (("polycom", ["--family", "hdx"]), ("xapi", ["--software", "tc7.3.6"])):
        key = tmp_path / dialect / "host_ed25519"
        with simulator_process(["sim", "codec", "--dialect", dialect, "--listen", "127.0.0.1:0",
                                "--host-key", str(key), *extra], kind="codec",
                               env=env) as address:
            host, port = address.rsplit(":", 1)
            known = write_known_hosts(tmp_path / dialect / "kh", host, int(port),
                                      Path(f"{key}.pub"))
            common = ["--ssh", address, "--dialect", dialect, "--known-hosts", str(known)]
            if dialect == "polycom":
                common += ["--family", "hdx"]
            done = hnth("codec", "status", *common, "--json")
            assert done.returncode == 0, done.stderr
            assert json.loads(done.stdout)["calls"] == []
            preset = "0" if dialect == "polycom" else "1"     # Poly 0..99, xAPI 1..35
            for action in ("store", "recall"):
                done = hnth("codec", "preset", action, preset, *common,
                            audit=tmp_path / "audit.jsonl")
                assert done.returncode == 0, done.stderr
