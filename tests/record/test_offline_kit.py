"""The conformance kits, offline: each driver answered from its recording.

The recordings were made by ``tests/record/make_recordings.sh`` (``hnth record
mcu|codec|camera`` against ``hnth sim mcu|codec|camera``); re-make them when a driver's
requests change.
"""

from __future__ import annotations

from pathlib import Path

from hnth_drivers.testing.conformance import CameraConformance, CodecConformance, McuConformance
from hnth_drivers.testing.recorded import replay_fixture

RECORDINGS = Path(__file__).parent / "recordings"


class TestCodianOffline(McuConformance):
    driver = replay_fixture("mcu", "codian", RECORDINGS / "codian.jsonl")


class TestSmcOffline(McuConformance):
    driver = replay_fixture("mcu", "smc", RECORDINGS / "smc.jsonl")


class TestXapiCeOffline(CodecConformance):
    """Cisco CE (JSON output), recorded against ``hnth sim codec --software ce9.15.0``."""

    driver = replay_fixture("vcs", "xapi", RECORDINGS / "xapi-ce.jsonl")


class TestXapiTcOffline(CodecConformance):
    """Cisco TC7 (terminal output), recorded against ``--software tc7.3.6``."""

    driver = replay_fixture("vcs", "xapi", RECORDINGS / "xapi-tc.jsonl")


class TestPolycomOffline(CodecConformance):
    """Poly Group Series, recorded against ``hnth sim codec --dialect polycom``."""

    driver = replay_fixture("vcs", "polycom", RECORDINGS / "polycom.jsonl")


class TestViscaIpOffline(CameraConformance):
    """VISCA over IP, recorded against ``hnth sim camera``."""

    driver = replay_fixture("camera", "visca-ip", RECORDINGS / "visca-ip.jsonl")


class TestViscaSerialOffline(CameraConformance):
    """VISCA over RS-232, recorded against ``hnth sim camera --visca-pty``."""

    driver = replay_fixture("camera", "visca-serial", RECORDINGS / "visca-serial.jsonl")
