"""A small valid network file (and its trust files) that tests edit to break."""

from __future__ import annotations

from pathlib import Path

import pytest

VALID = """\
name = "test network"
conference = "hnth"
chair = "vn"

[secrets]
store = "secrets.json"
key_file = "secrets.key"

[[mcus]]
id = "mcu-hn"
role = "master"
area = "vn"
carrier = "VNPT"
driver = "codian"
url = "https://mcu-hn.example:8443/RPC2"
ports = 200
password = { secret = "mcu/mcu-hn" }
ca_file = "ca.pem"

[[mcus]]
id = "mcu-p01"
role = "slave"
area = "p01"
carrier = "Viettel"
driver = "smc"
url = "https://mcu-p01.example/esdk/services"
ports = 60
password = { env = "HNTH_TEST_MCU_PW" }
pin = "sha256:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

[[links]]
slave = "mcu-p01"
master = "mcu-hn"

[[sites]]
id = "vn"
name = "Chính phủ"
level = "government"
mcu = "mcu-hn"
unit = "Văn phòng Chính phủ"
contact = "+84 24 0000 0000"

[[sites]]
id = "p01"
name = "Tỉnh 1"
level = "province"
parent = "vn"
mcu = "mcu-p01"

[sites.room.codec]
driver = "xapi"
address = "10.1.0.5:22"
known_hosts = "known_hosts"
password = { secret = "codec/p01" }

[[sites.room.cameras]]
driver = "visca-ip"
address = "10.1.0.6:52381"
model = "generic"
presets = { chair = 1, podium = 2 }
trusted_segment = true

[[sites]]
id = "p01-c001"
name = "Xã 1"
level = "commune"
parent = "p01"
mcu = "mcu-p01"

[[snmp]]
id = "mcu-hn"
address = "10.0.0.5:161"
user = "monitor"
auth = { secret = "snmp/auth" }
priv = { secret = "snmp/priv" }
"""


@pytest.fixture
def net_dir(tmp_path: Path) -> Path:
    """A directory holding ca.pem and known_hosts (contents unused by the parser)."""
    (tmp_path / "ca.pem").write_text("-----BEGIN CERTIFICATE-----\n")
    (tmp_path / "known_hosts").write_text("")
    return tmp_path


# ---- a running 'hnth sim network', shared by a module's tests -------------------------

import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from collections.abc import Iterator  # noqa: E402

from tests.conftest import HNTH, simulator_process  # noqa: E402


def user_env(tmp: Path, **extra: str) -> dict[str, str]:
    """The environment a user's shell would have: an audit log of their own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HNTH_")}
    env["HNTH_AUDIT_LOG"] = str(tmp / "audit.jsonl")
    env.update(extra)
    return env


def hnth(*args: str, env: dict[str, str], timeout: float = 120.0
         ) -> subprocess.CompletedProcess[str]:
    """Run ``hnth ARGS`` as a user types it."""
    return subprocess.run([*HNTH, *args], capture_output=True, text=True, env=env,
                          timeout=timeout, check=False)


@pytest.fixture(scope="module")
def sim_network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """``hnth sim network --profile vn-2025 --out DIR`` running; yields DIR/network.toml."""
    out = tmp_path_factory.mktemp("simnet")
    env = user_env(out)
    with simulator_process(["sim", "network", "--profile", "vn-2025", "--out", str(out),
                            "--rooms", "3"], kind="network", env=env,
                           ready_within_s=60.0) as address:
        assert address == str(out / "network.toml")
        yield Path(address)


__all__ = ["VALID", "hnth", "sys", "user_env"]
