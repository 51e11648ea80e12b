"""Fixtures: our Codian and SMC simulators on loopback HTTPS, drivers built from targets."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

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
