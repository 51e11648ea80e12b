"""The codian driver passes the MCU conformance kit against the simulator over HTTPS."""

from __future__ import annotations

from hnth_drivers.testing.conformance import McuConformance


class TestCodianConformance(McuConformance):
    """Uses the ``driver`` fixture from conftest.py."""
