"""Fixtures: our Codian and SMC simulators on loopback HTTPS, drivers built from targets."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from hnth_drivers.driver import DeviceTarget
from hnth_drivers.security.secrets import Secret
from hnth_sim.mcu.codian_server import CodianServer
from hnth_sim.mcu.model import Network
from hnth_sim.mcu.smc_server import SmcServer

PASSWORD = "rec-pw-0f3a9c"


class OneSecret:
    """A SecretSource holding one password."""

    def __init__(self, value: str) -> None:
        self.secret = Secret(value)

    def resolve(self, ref: str) -> Secret:
        return self.secret


@dataclass(frozen=True)
class Sim:
    """A running simulator and how a driver reaches it."""

    driver: str
    target: DeviceTarget


@pytest.fixture(scope="session")
def rec_tls_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("rec-tls")


@pytest.fixture(params=["codian", "smc"])
async def sim(request: pytest.FixtureRequest, rec_tls_dir: Path) -> AsyncIterator[Sim]:
    net = Network(seed=3)
    net.add_mcu("mcu-hn", ports=30)
    name = request.param
    tls = rec_tls_dir / name
    if name == "codian":
        codian = CodianServer(net, user="admin", password=PASSWORD, tls_dir=tls,
                              default_mcu="mcu-hn")
        await codian.start()
        try:
            yield Sim(name, DeviceTarget("mcu", "sim-codian", name, codian.url(),
                                         password_ref="x", ca_file=codian.ca_file))
        finally:
            await codian.close()
    else:
        async with SmcServer(net, user="admin", password=PASSWORD, tls_dir=tls,
                             default_mcu="mcu-hn") as smc:
            yield Sim(name, DeviceTarget("mcu", "sim-smc", name, smc.url(),
                                         password_ref="x", ca_file=smc.ca_file))


# -- codecs (SSH) and cameras (VISCA over IP) -------------------------------------------------
SSH_PASSWORD = "rec-ssh-pw-5e1d"
#: Codec variants recorded: registry name, simulator settings.
CODEC_VARIANTS = {"xapi-ce": ("xapi", {"software": "ce9.15.0"}),
                  "xapi-tc": ("xapi", {"software": "tc7.3.6"}),
                  "polycom": ("polycom", {"family": "group"})}


@pytest.fixture(scope="session")
def ssh_keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from hnth_sim.codec import generate_key

    base = tmp_path_factory.mktemp("rec-ssh")
    generate_key(base / "host")
    return base / "host"


@dataclass
class CodecSim:
    """A running codec simulator, its variant and how a driver reaches it."""

    variant: str
    driver: str
    target: DeviceTarget
    sim: Any


def codec_target(sim: Any, known_hosts: Path, driver: str) -> DeviceTarget:
    host, port = sim.address
    return DeviceTarget("vcs", "sim-codec", driver, f"{host}:{port}", password_ref="x",
                        known_hosts=known_hosts)


@pytest.fixture(params=list(CODEC_VARIANTS))
def codec_sim(request: pytest.FixtureRequest, ssh_keys: Path,
              tmp_path: Path) -> Iterator[CodecSim]:
    import paramiko

    from hnth_sim.codec import CodecModel, CodecSimulator

    driver, settings = CODEC_VARIANTS[request.param]
    host_key = paramiko.Ed25519Key.from_private_key_file(str(ssh_keys))
    with CodecSimulator(driver, host_key=host_key, users={"admin": SSH_PASSWORD},
                        model=CodecModel(connect_delay_s=0.02), **settings) as sim:
        host, port = sim.address
        kind, blob = Path(f"{ssh_keys}.pub").read_text().split()[:2]
        known = tmp_path / "known_hosts"
        known.write_text(f"[{host}]:{port} {kind} {blob}\n")
        yield CodecSim(request.param, driver, codec_target(sim, known, driver), sim)


@dataclass
class CameraSim:
    """A running camera simulator, the policy waiving VISCA over IP for it, its target."""

    target: DeviceTarget
    policy: Any
    sim: Any


@pytest.fixture
async def camera_sim(tmp_path: Path) -> AsyncIterator[CameraSim]:
    from hnth_drivers.security.audit import AuditLog
    from hnth_drivers.security.policy import SecurityPolicy, Waiver, WaiverKind
    from hnth_sim.camera import CameraSimulator

    async with CameraSimulator(udp=("127.0.0.1", 0), travel_scale=0.05) as sim:
        assert sim.udp_address is not None
        host, port = sim.udp_address
        policy = SecurityPolicy(
            waivers=(Waiver("sim-camera", WaiverKind.VISCA_IP, "test camera on loopback"),),
            audit=AuditLog(tmp_path / "audit.jsonl", durable=False))
        yield CameraSim(DeviceTarget("camera", "sim-camera", "visca-ip", f"{host}:{port}",
                                     options={"model": "generic"}), policy, sim)
