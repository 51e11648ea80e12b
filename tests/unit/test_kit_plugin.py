"""The kit as a vendor meets it: a project outside this repository, with its own pytest
configuration (no ``asyncio_mode``, every warning an error, no ``pytest_plugins`` line),
runs the conformance kit through the ``pytest11`` entry point alone."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

DRIVER = '''
from hnth_drivers.mcu.base import Mcu
from hnth_drivers.model import Capability, Conference, DeviceHealth


class TinyMcu(Mcu):
    name = "tiny"
    capabilities = frozenset({Capability.CONFERENCES, Capability.HEALTH})

    @property
    def device(self) -> str:
        return "tiny-mcu"

    async def open(self) -> None:
        pass

    async def close(self) -> None:
        pass

    async def conferences(self) -> list[Conference]:
        return [Conference("national")]

    async def health(self) -> DeviceHealth:
        return DeviceHealth(self.device, reachable=True)
'''

TESTS = '''
import pytest_asyncio

from hnth_drivers.testing import McuConformance
from tiny_driver import TinyMcu


class TestTiny(McuConformance):
    @pytest_asyncio.fixture
    async def driver(self):
        async with TinyMcu() as mcu:
            yield mcu
'''

INI = '''
[pytest]
filterwarnings = error
'''


def _vendor_project(root: Path, driver: str = DRIVER) -> Path:
    (root / "tiny_driver.py").write_text(textwrap.dedent(driver))
    (root / "test_tiny.py").write_text(textwrap.dedent(TESTS))
    (root / "pytest.ini").write_text(textwrap.dedent(INI))
    return root


def _run(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs",
         "--rootdir", str(root), "-c", str(root / "pytest.ini"), str(root)],
        cwd=root, capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root), "HOME": str(root)},
    )


def test_a_vendor_project_runs_the_kit_with_no_configuration(tmp_path: Path) -> None:
    run = _run(_vendor_project(tmp_path))
    out = run.stdout + run.stderr
    assert run.returncode == 0, out
    assert "failed" not in out and "error" not in out.lower().replace("errors", "")
    # the async kit tests ran (not skipped as "async def functions are not supported")
    assert "not natively supported" not in out
    assert "hnth-drivers capability matrix" in out       # the plug-in is active
    assert "supported: conferences, health" in out
    passed = int(out.split(" passed")[0].split()[-1])
    assert passed >= 6


def test_a_drifted_signature_fails_the_kit_naming_the_method(tmp_path: Path) -> None:
    drifted = DRIVER.replace("async def conferences(self)",
                             "async def conferences(self, active_only: bool = False)")
    run = _run(_vendor_project(tmp_path, drifted))
    out = run.stdout + run.stderr
    assert run.returncode == 1, out
    assert "conferences: signature" in out


@pytest.mark.parametrize("method", ["conferences", "health"])
def test_capabilities_are_declared_once_on_the_contract(method: str) -> None:
    from hnth_drivers.mcu.base import Mcu
    from hnth_drivers.model import Capability

    assert Mcu.capability_map()[method] is Capability(method)
    assert Mcu.contract_capabilities()[Capability.TARGETED_LAYOUT] == ()
