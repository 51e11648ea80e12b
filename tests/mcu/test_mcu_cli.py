"""``hnth sim mcu`` in a real process, ``hnth mcu ...`` against it."""

from __future__ import annotations

import json
import os
import ssl
import xmlrpc.client
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hnth_drivers.cli import app
from tests.conftest import simulator_process

PASSWORD = "cli-secret"


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    env = {**os.environ, "HNTH_SIM_PASSWORD": PASSWORD}
    with simulator_process(["sim", "mcu", "--api", "codian", "--listen", "127.0.0.1:0",
                            "--tls-dir", str(tmp_path / "tls"), "--ports", "12",
                            "--page-size", "2"], kind="mcu", env=env) as address:
        yield f"https://{address}/RPC2", tmp_path / "tls" / "ca.pem"


def run(args: list[str], password: str = PASSWORD) -> tuple[int, str]:
    result = CliRunner().invoke(app, args, env={"HNTH_PASSWORD": password,
                                                "HNTH_AUDIT_LOG": os.environ["HNTH_TEST_AUDIT"]})
    return result.exit_code, result.output


@pytest.fixture(autouse=True)
def audit_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "audit.jsonl"
    monkeypatch.setenv("HNTH_TEST_AUDIT", str(path))
    return path


def test_cli_reads_the_simulator(sim: tuple[str, Path], audit_path: Path) -> None:
    url, ca = sim
    common = ["--driver", "codian", "--url", url, "--ca", str(ca), "--json"]
    code, out = run(["mcu", "conferences", *common])
    assert code == 0 and json.loads(out) == []
    code, out = run(["mcu", "health", *common])
    assert code == 0
    health = json.loads(out)
    assert health["reachable"] is True and health["ports_total"] == 12
    code, out = run(["mcu", "participants", "nope", *common])
    # (the "[code 4]" suffix is eaten by rich markup in cli.common.fail: reported)
    assert code == 3 and "no such conference" in out
    code, out = run(["mcu", "conferences", *common], password="wrong")
    assert code == 3 and "insufficient privileges" in out and "wrong" not in out


def test_cli_layout_show_is_audited(sim: tuple[str, Path], audit_path: Path) -> None:
    url, ca = sim
    ctx = ssl.create_default_context(cafile=str(ca))
    auth = {"authenticationUser": "admin", "authenticationPassword": PASSWORD}
    with xmlrpc.client.ServerProxy(url, context=ctx) as proxy:
        proxy.conference.create({**auth, "conferenceName": "national"})
        for name in ("chair", "hp", "hcm"):
            proxy.participant.add({**auth, "conferenceName": "national",
                                   "participantName": name, "address": f"{name}.example"})
    common = ["--driver", "codian", "--url", url, "--ca", str(ca), "--json"]
    code, out = run(["mcu", "participants", "national", *common])
    assert code == 0 and [p["name"] for p in json.loads(out)] == ["chair", "hp", "hcm"]
    code, out = run(["mcu", "layout", "national", "--target", "chair", "--show", "hcm",
                     *common])
    assert code == 0, out
    assert json.loads(out) == {"kind": "full_screen", "pane_count": 1, "panes": [
        {"index": 0, "type": "participant", "participant": "hcm"}]}
    record = json.loads(audit_path.read_text().splitlines()[-1])
    assert record["action"] == "mcu.show_full_screen" and record["result"] == "ok"
    assert PASSWORD not in audit_path.read_text()


def test_cli_refuses_without_trust_anchor(sim: tuple[str, Path], tmp_path: Path) -> None:
    url, _ = sim
    code, out = run(["mcu", "conferences", "--url", url])
    assert code == 3 and "no trust anchor" in out


def test_sim_needs_its_password_from_the_environment(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["sim", "mcu", "--tls-dir", str(tmp_path)],
                                env={"HNTH_SIM_PASSWORD": ""})
    assert result.exit_code == 2 and "HNTH_SIM_PASSWORD" in result.output


def test_sim_behaves_as_the_api_version_asked_for(tmp_path: Path) -> None:
    env = {**os.environ, "HNTH_SIM_PASSWORD": PASSWORD}
    with simulator_process(["sim", "mcu", "--listen", "127.0.0.1:0", "--api-version", "2.8",
                            "--tls-dir", str(tmp_path / "tls")], kind="mcu",
                           env=env) as address:
        code, out = run(["mcu", "health", "--url", f"https://{address}/RPC2",
                         "--ca", str(tmp_path / "tls" / "ca.pem"), "--json"])
    assert code == 0 and json.loads(out)["detail"]["apiVersion"] == "2.8"


def test_sim_refuses_an_unknown_api_version(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["sim", "mcu", "--tls-dir", str(tmp_path),
                                      "--api-version", "3.0"],
                                env={"HNTH_SIM_PASSWORD": "x"})
    assert result.exit_code == 2 and "--api-version" in result.output
