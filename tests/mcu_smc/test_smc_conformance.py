"""The smc driver passes the MCU conformance kit against the same simulated model."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from hnth_drivers.mcu.smc import SmcMcu
from hnth_drivers.model import Capability
from hnth_drivers.registry import get_driver
from hnth_drivers.testing.conformance import McuConformance
from hnth_sim.mcu.smc_server import SmcServer

from .conftest import make_driver


class TestSmcConformance(McuConformance):
    """The kit's ``driver`` is an ``smc`` driver logged in to the SOAP simulator."""

    @pytest.fixture
    async def driver(self, smc_server: SmcServer) -> AsyncIterator[SmcMcu]:
        async with make_driver(smc_server) as mcu:
            yield mcu


def test_registered_as_smc() -> None:
    assert get_driver("mcu", "smc") is SmcMcu


def test_differences_from_codian_are_declared_capabilities() -> None:
    codian = get_driver("mcu", "codian")
    # the interface reports neither port usage nor call statistics
    assert codian.capabilities - SmcMcu.capabilities == {Capability.CAPACITY,
                                                         Capability.STATS}
    assert SmcMcu.capabilities <= codian.capabilities
