"""The codian driver passes the MCU conformance kit against the simulator over HTTPS, as
API 2.10 (the default) and as API 2.8."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hnth_drivers.mcu.codian import CodianMcu
from hnth_drivers.testing.conformance import McuConformance
from hnth_sim.mcu.codian_server import CodianServer
from hnth_sim.mcu.model import Network

from .conftest import PASSWORD, make_driver


class TestCodianConformance(McuConformance):
    """Uses the ``driver`` fixture from conftest.py (API 2.10)."""


class TestCodian28Conformance(McuConformance):
    """The same kit against a simulator behaving as API 2.8."""

    @pytest.fixture
    async def driver(self, network: Network, tls_dir: Path) -> AsyncIterator[CodianMcu]:
        sim = CodianServer(network, user="admin", password=PASSWORD, tls_dir=tls_dir,
                           default_mcu="mcu-hn", page_size=25, api_version="2.8")
        await sim.start()
        try:
            async with make_driver(sim) as mcu:
                assert mcu.api_version == (2, 8)
                yield mcu
        finally:
            await sim.close()
