"""The kit classes ``hnth record`` runs (collected by pytest from this file only).

The ``driver`` fixture comes from :class:`hnth_drivers.testing.recorded.KitRecorder`.
"""

from __future__ import annotations

from .conformance import McuConformance

__all__ = ["TestMcuKit"]


class TestMcuKit(McuConformance):
    """The MCU kit, recorded."""
