"""``hnth sim mcu --api smc`` in a real process, ``hnth mcu ... --driver smc`` against it."""

from __future__ import annotations

import json
import os
import ssl
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from hnth_drivers.cli import app
from tests.conftest import simulator_process

PASSWORD = "cli-smc-secret"


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    env = {**os.environ, "HNTH_SIM_PASSWORD": PASSWORD}
    with simulator_process(["sim", "mcu", "--api", "smc", "--listen", "127.0.0.1:0",
                            "--tls-dir", str(tmp_path / "tls"), "--ports", "12"],
                           kind="mcu", env=env) as address:
        yield f"https://{address}/esdk/services", tmp_path / "tls" / "ca.pem"


def run(args: list[str], audit: Path, password: str = PASSWORD) -> tuple[int, str]:
    result = CliRunner().invoke(app, args, env={"HNTH_PASSWORD": password,
                                                "HNTH_AUDIT_LOG": str(audit)})
    return result.exit_code, result.output


def test_cli_against_the_smc_simulator(sim: tuple[str, Path], tmp_path: Path) -> None:
    url, ca = sim
    audit = tmp_path / "audit.jsonl"
    wsdl = httpx.get(f"{url}/tpCommon?wsdl",
                     verify=ssl.create_default_context(cafile=str(ca)), trust_env=False)
    assert wsdl.status_code == 200 and f'location="{url}/tpCommon"'.encode() in wsdl.content
    common = ["--driver", "smc", "--url", url, "--ca", str(ca), "--json"]
    code, out = run(["mcu", "conferences", *common], audit)
    assert code == 0 and json.loads(out) == []
    code, out = run(["mcu", "health", *common], audit)
    assert code == 0, out
    health = json.loads(out)
    assert health["reachable"] is True and health["ports_total"] is None   # not reported
    code, out = run(["mcu", "participants", "nope", *common], audit)
    assert code == 3 and "no such conference" in out
    code, out = run(["mcu", "conferences", *common], audit, password="wrong-pass")
    assert code == 3 and "1344274482" in out and "wrong-pass" not in out
