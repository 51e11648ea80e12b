"""The conformance kit: test classes every driver of a contract passes (napalm style).

A driver's test module is a small subclass that provides a ``driver`` fixture yielding a
connected driver (against a simulator, a recording or real hardware)::

    import pytest_asyncio
    from hnth_drivers.testing import McuConformance

    class TestCodian(McuConformance):
        @pytest_asyncio.fixture
        async def driver(self, codian_sim):
            async with CodianMcu(...) as mcu:
                yield mcu

Capabilities a driver does not declare are skipped, and listed in the capability matrix
that the kit's pytest plug-in (``hnth_drivers.testing.plugin``, enabled by the ``pytest11``
entry point when hnth-drivers is installed) prints at the end of the run.
"""


from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .conformance import (
        CameraConformance,
        CodecConformance,
        McuConformance,
        check_signatures,
    )

__all__ = ["CameraConformance", "CodecConformance", "McuConformance", "check_signatures"]


def __getattr__(name: str) -> Any:
    # The kit needs pytest; loaded on first use so that ``hnth_drivers.testing.model_mcu``
    # (the in-process MCU adapter) imports without the test extra.
    if name in __all__:
        from . import conformance

        return getattr(conformance, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
