"""Fixtures: a Codian simulator on loopback HTTPS, and a driver trusting its CA."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hnth_drivers.mcu.codian import CodianMcu, CodianOptions
from hnth_drivers.security.secrets import Secret
from hnth_drivers.transport.https import TlsTrust
from hnth_sim.mcu.codian_server import CodianServer
from hnth_sim.mcu.model import Network

PASSWORD = "s3cret-for-tests"


@pytest.fixture(scope="session")
def tls_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One certificate directory for the session (key generation is not free)."""
    return tmp_path_factory.mktemp("mcu-tls")


@pytest.fixture
def network() -> Network:
    net = Network(seed=5)
    net.add_mcu("mcu-hn", ports=60)
    return net


@pytest.fixture
async def server(network: Network, tls_dir: Path) -> AsyncIterator[CodianServer]:
    sim = CodianServer(network, user="admin", password=PASSWORD, tls_dir=tls_dir,
                       default_mcu="mcu-hn", page_size=25)
    await sim.start()
    try:
        yield sim
    finally:
        await sim.close()


@pytest.fixture(params=["2.8", "2.9", "2.10"])
async def any_version(request: pytest.FixtureRequest, network: Network,
                      tls_dir: Path) -> AsyncIterator[CodianServer]:
    """The simulator behaving as each documented API version in turn."""
    sim = CodianServer(network, user="admin", password=PASSWORD, tls_dir=tls_dir,
                       default_mcu="mcu-hn", page_size=25, api_version=request.param)
    await sim.start()
    try:
        yield sim
    finally:
        await sim.close()


def make_driver(server: CodianServer, *, password: str = PASSWORD, mcu: str | None = None,
                timeout_s: float = 5.0) -> CodianMcu:
    return CodianMcu(server.url(mcu), user="admin", password=Secret(password),
                     trust=TlsTrust(ca_file=server.ca_file),
                     options=CodianOptions(timeout_s=timeout_s))


@pytest.fixture
async def driver(server: CodianServer) -> AsyncIterator[CodianMcu]:
    async with make_driver(server) as mcu:
        yield mcu
