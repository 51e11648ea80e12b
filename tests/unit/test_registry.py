"""Drivers are found through entry points of any installed distribution, loaded lazily."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from hnth_drivers.errors import RegistryError
from hnth_drivers.mcu.base import Mcu
from hnth_drivers.registry import available, describe, get_driver

PLUGIN = '''
from hnth_drivers.mcu.base import Mcu
from hnth_drivers.model import Capability, DeviceHealth

class AcmeMcu(Mcu):
    name = "acme"
    capabilities = frozenset({Capability.HEALTH})

    @property
    def device(self) -> str:
        return "acme"

    async def open(self) -> None: ...
    async def close(self) -> None: ...

    async def health(self) -> DeviceHealth:  # declared capabilities are implemented
        return DeviceHealth("acme", True)

class NotADriver:
    pass
'''


@pytest.fixture
def vendor_dist(tmp_path: Path) -> Iterator[str]:
    """A throwaway distribution (dist-info + module) on sys.path, as pip would install it."""
    module = f"acme_hnth_{tmp_path.name.replace('-', '_')}"
    (tmp_path / f"{module}.py").write_text(PLUGIN)
    info = tmp_path / "acme_hnth-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-hnth\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[hnth_drivers.mcu]\n"
        f"acme = {module}:AcmeMcu\n"
        f"broken = {module}_missing:Nothing\n"
        f"wrong-type = {module}:NotADriver\n"
        f"Bad Name = {module}:AcmeMcu\n"
    )
    sys.path.insert(0, str(tmp_path))
    try:
        yield module
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop(module, None)


def test_found_lazily_and_loaded(vendor_dist: str) -> None:
    found = available("mcu")
    assert "acme" in found and "Bad Name" not in found
    assert vendor_dist not in sys.modules  # listing does not import the plug-in
    cls = get_driver("mcu", "acme")
    assert issubclass(cls, Mcu) and cls.name == "acme"
    assert vendor_dist in sys.modules


def test_broken_and_wrong_type_reported_by_name(vendor_dist: str) -> None:
    with pytest.raises(RegistryError, match="'broken' failed to load"):
        get_driver("mcu", "broken")
    with pytest.raises(RegistryError, match="not a Mcu driver"):
        get_driver("mcu", "wrong-type")
    infos = {i.name: i for i in describe() if i.kind == "mcu"}
    assert infos["acme"].error is None and infos["broken"].error


@pytest.mark.parametrize(("kind", "name"), [("mcu", "Bad Name"), ("mcu", "../x"),
                                            ("printer", "acme"), ("mcu", "nope")])
def test_invalid_or_unknown_names(kind: str, name: str) -> None:
    with pytest.raises(RegistryError):
        get_driver(kind, name)
