"""The kit against the simulated Acme MCU over loopback HTTPS, and a wrong password."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from hnth_drivers.errors import AuthError
from hnth_drivers.registry import get_driver
from hnth_drivers.security.policy import STRICT
from hnth_drivers.security.secrets import Secret
from hnth_drivers.testing import McuConformance
from hnth_drivers.transport.https import TlsTrust
from hnth_sim.mcu.model import Network

from acme_hnth.mcu import AcmeMcu
from acme_hnth.server import AcmeServer

PASSWORD = "acme-test-pw"


@pytest_asyncio.fixture
async def server(tmp_path: Path) -> AsyncIterator[AcmeServer]:
    mcu = Network(seed=2).add_mcu("acme-1", ports=20)
    async with AcmeServer(mcu, user="admin", password=PASSWORD, tls_dir=tmp_path) as sim:
        yield sim


def make(server: AcmeServer, password: str = PASSWORD) -> AcmeMcu:
    return AcmeMcu(server.url(), user="admin", password=Secret(password),
                   trust=TlsTrust(ca_file=server.ca_file), policy=STRICT)


class TestAcmeLive(McuConformance):
    @pytest_asyncio.fixture
    async def driver(self, server: AcmeServer) -> AsyncIterator[AcmeMcu]:
        async with make(server) as mcu:
            yield mcu


def test_registered_by_entry_point() -> None:
    assert get_driver("mcu", "acme") is AcmeMcu


@pytest.mark.asyncio
async def test_wrong_password_is_an_auth_error(server: AcmeServer) -> None:
    with pytest.raises(AuthError, match="login refused"):
        async with make(server, "not-the-password"):
            pass
