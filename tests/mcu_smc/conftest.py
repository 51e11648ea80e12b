"""Fixtures: an SMC SOAP simulator on loopback HTTPS, and an ``smc`` driver trusting its CA."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from hnth_drivers.mcu.smc import SmcMcu, SmcOptions
from hnth_drivers.security.secrets import Secret
from hnth_drivers.transport.https import TlsTrust
from hnth_sim.mcu.model import Network
from hnth_sim.mcu.smc_server import SmcServer

PASSWORD = "smc-s3cret-for-tests"


@pytest.fixture(scope="session")
def smc_tls_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One certificate directory for the session (key generation is not free)."""
    return tmp_path_factory.mktemp("smc-tls")


@pytest.fixture
def network() -> Network:
    net = Network(seed=11)
    net.add_mcu("mcu-hn", ports=60)
    return net


@pytest.fixture
async def smc_server(network: Network, smc_tls_dir: Path) -> AsyncIterator[SmcServer]:
    async with SmcServer(network, user="admin", password=PASSWORD, tls_dir=smc_tls_dir,
                         default_mcu="mcu-hn") as sim:
        yield sim


def make_driver(server: SmcServer, *, password: str = PASSWORD, timeout_s: float = 5.0,
                **options: Any) -> SmcMcu:
    return SmcMcu(server.url(), user="admin", password=Secret(password),
                  trust=TlsTrust(ca_file=server.ca_file),
                  options=SmcOptions(timeout_s=timeout_s, **options))


@pytest.fixture
async def smc(smc_server: SmcServer) -> AsyncIterator[SmcMcu]:
    async with make_driver(smc_server) as mcu:
        yield mcu
