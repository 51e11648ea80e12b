"""The whole MCU conformance kit, offline, from a recording: this is all a plug-in needs."""

from pathlib import Path

from hnth_drivers.testing import McuConformance
from hnth_drivers.testing.recorded import replay_fixture


class TestAcmeOffline(McuConformance):
    driver = replay_fixture("mcu", "acme", Path(__file__).parent / "recordings/acme.jsonl")
