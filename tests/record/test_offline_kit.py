"""The MCU conformance kit, offline: each driver answered from its recording.

The recordings were made by ``tests/record/make_recordings.sh`` (``hnth record mcu``
against ``hnth sim mcu``); re-make them when a driver's requests change.
"""

from __future__ import annotations

from pathlib import Path

from hnth_drivers.testing.conformance import McuConformance
from hnth_drivers.testing.recorded import replay_fixture

RECORDINGS = Path(__file__).parent / "recordings"


class TestCodianOffline(McuConformance):
    driver = replay_fixture("mcu", "codian", RECORDINGS / "codian.jsonl")


class TestSmcOffline(McuConformance):
    driver = replay_fixture("mcu", "smc", RECORDINGS / "smc.jsonl")
