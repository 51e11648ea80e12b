"""The kit classes ``hnth record`` runs (collected by pytest from this file only).

The ``driver`` fixture comes from :class:`hnth_drivers.testing.recorded.KitRecorder`;
``hnth record mcu|codec|camera`` selects the class of its kind.
"""

from __future__ import annotations

from .conformance import CameraConformance, CodecConformance, McuConformance

__all__ = ["KIT_CLASSES", "TestCameraKit", "TestCodecKit", "TestMcuKit"]


class TestMcuKit(McuConformance):
    """The MCU kit, recorded."""


class TestCodecKit(CodecConformance):
    """The codec kit, recorded."""


class TestCameraKit(CameraConformance):
    """The camera kit, recorded."""


#: The kit class of each registry kind.
KIT_CLASSES = {"mcu": "TestMcuKit", "vcs": "TestCodecKit", "camera": "TestCameraKit"}
