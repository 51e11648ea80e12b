"""Plug-ins through the CLI: the example package (examples/acme-mcu) installed into a
temporary directory (its files and a dist-info with its entry point), and broken ones.

``hnth drivers`` lists the example and names each broken plug-in with the reason while
the others still load; ``hnth mcu conferences --driver acme`` reaches the example's
server; the conformance kit fails a broken driver naming the method and the capability.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hnth_drivers.model import Endpoint
from hnth_drivers.testing import McuConformance

EXAMPLE = Path(__file__).parents[2] / "examples" / "acme-mcu"

BAD_PLUGINS = '''
from typing import ClassVar
from hnth_drivers.mcu.base import Mcu
from hnth_drivers.model import Capability, Conference


class _Base(Mcu):
    @property
    def device(self) -> str:
        return "bad"

    async def open(self) -> None:
        pass

    async def close(self) -> None:
        pass


class NotADriver:
    pass


class HalfCreate(_Base):
    """Declares create_conference but never implements destroy_conference."""
    name: ClassVar[str] = "half"
    capabilities = frozenset({Capability.CREATE_CONFERENCE})

    async def create_conference(self, name: str, *, pin: str | None = None) -> Conference:
        return Conference(name)


class Undeclared(_Base):
    """Implements mute without declaring it."""
    name: ClassVar[str] = "undeclared"

    async def mute(self, conference: str, participant: str, on: bool) -> None:
        pass


class Drifted(_Base):
    """conferences() grew an argument."""
    name: ClassVar[str] = "drifted"
    capabilities = frozenset({Capability.CONFERENCES})

    async def conferences(self, page: int = 0) -> list[Conference]:
        return []
'''


def _dist(site: Path, name: str, entry_points: dict[str, str]) -> None:
    info = site / f"{name.replace('-', '_')}-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1.0\n")
    lines = "".join(f"{k} = {v}\n" for k, v in entry_points.items())
    (info / "entry_points.txt").write_text(f"[hnth_drivers.mcu]\n{lines}")


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A directory on the path holding the example plug-in and the broken ones."""
    site = tmp_path / "site"
    shutil.copytree(EXAMPLE / "src" / "acme_hnth", site / "acme_hnth")
    _dist(site, "acme-hnth-mcu", {"acme": "acme_hnth.mcu:AcmeMcu"})
    (site / "bad_plugins.py").write_text(BAD_PLUGINS)
    _dist(site, "bad-plugins", {"broken": "no_such_module_hnth:Driver",
                                "notdriver": "bad_plugins:NotADriver",
                                "half": "bad_plugins:HalfCreate",
                                "undeclared": "bad_plugins:Undeclared",
                                "drifted": "bad_plugins:Drifted"})
    monkeypatch.syspath_prepend(str(site))
    importlib.invalidate_caches()
    yield site
    for module in ("bad_plugins", "acme_hnth", "acme_hnth.mcu", "acme_hnth.api",
                   "acme_hnth.server"):
        sys.modules.pop(module, None)


def _env(site: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HNTH_")}
    return {**env, "PYTHONPATH": os.pathsep.join([str(site), env.get("PYTHONPATH", "")]),
            "COLUMNS": "200", **extra}


def _hnth(site: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hnth_drivers.cli", *args],
                          capture_output=True, text=True, timeout=120, env=_env(site, **env),
                          check=False)


def test_hnth_drivers_lists_the_plugin_and_names_the_broken_ones(site: Path) -> None:
    done = _hnth(site, "drivers", "--json")
    assert done.returncode == 0, done.stderr
    found = {d["name"]: d for d in json.loads(done.stdout) if d["kind"] == "mcu"}
    assert found["acme"]["error"] is None
    assert found["acme"]["capabilities"] == ["add_participant", "conferences",
                                             "create_conference", "health", "mute",
                                             "participants", "remove_participant"]
    assert found["codian"]["error"] is None and found["smc"]["error"] is None
    assert "failed to load" in found["broken"]["error"]
    assert "ModuleNotFoundError" in found["broken"]["error"]
    assert "is not a Mcu driver" in found["notdriver"]["error"]
    assert ("destroy_conference: capability create_conference is declared but "
            "destroy_conference is not implemented") in found["half"]["error"]
    assert ("mute: implemented but capability mute is not declared"
            in found["undeclared"]["error"])
    assert "conferences: signature (self, page: int = 0)" in found["drifted"]["error"]


def test_hnth_drivers_table_shows_the_reason(site: Path) -> None:
    done = _hnth(site, "drivers")
    assert done.returncode == 0, done.stderr
    assert "acme" in done.stdout and "drifted" in done.stdout
    assert "disagrees with the Mcu contract" in done.stdout


async def test_hnth_mcu_conferences_through_the_plugin(site: Path, tmp_path: Path) -> None:
    from acme_hnth.server import AcmeServer

    from hnth_drivers.registry import get_driver
    from hnth_drivers.security.policy import STRICT
    from hnth_drivers.security.secrets import Secret
    from hnth_drivers.transport.https import TlsTrust
    from hnth_sim.mcu.model import Network

    mcu = Network(seed=4).add_mcu("acme-1", ports=10)
    async with AcmeServer(mcu, user="admin", password="acme-cli-pw",
                          tls_dir=tmp_path / "tls") as server:
        cls: Any = get_driver("mcu", "acme")
        async with cls(server.url(), user="admin", password=Secret("acme-cli-pw"),
                       trust=TlsTrust(ca_file=server.ca_file), policy=STRICT) as driver:
            await driver.create_conference("national")
            await driver.add_participant("national", Endpoint("hanoi", "10.1.0.1"))
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "hnth_drivers.cli", "mcu", "conferences", "--driver",
            "acme", "--url", server.url(), "--ca", str(server.ca_file), "--json",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            env=_env(site, HNTH_PASSWORD="acme-cli-pw"))
        out, err = await asyncio.wait_for(proc.communicate(), 120)
        assert proc.returncode == 0, err.decode()
        assert json.loads(out) == [{"name": "national", "id": None, "active": True,
                                    "participants": 1}]
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "hnth_drivers.cli", "mcu", "conferences", "--driver",
            "acme", "--url", server.url(), "--ca", str(server.ca_file),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            env=_env(site, HNTH_PASSWORD="wrong-password"))
        out, err = await asyncio.wait_for(proc.communicate(), 120)
        assert proc.returncode == 3
        assert "login refused" in err.decode() and "Traceback" not in err.decode()


def _kit_failure(site: Path, class_name: str, test: str) -> str:
    module = importlib.import_module("bad_plugins")
    driver = getattr(module, class_name)()
    kit = McuConformance()
    with pytest.raises((AssertionError, pytest.fail.Exception)) as caught:
        result = getattr(kit, test)(driver)
        if asyncio.iscoroutine(result):
            asyncio.run(result)
    return str(caught.value)


def test_kit_names_method_and_capability(site: Path) -> None:
    half = _kit_failure(site, "HalfCreate", "test_declared_capabilities_are_implemented")
    assert "create_conference declared but destroy_conference not overridden" in half
    undeclared = _kit_failure(site, "Undeclared",
                              "test_undeclared_capabilities_raise_not_supported")
    assert "mute is implemented but mute is not declared" in undeclared
    # test_signature_parity asserts check_signatures(...) == []; what it lists:
    from hnth_drivers.mcu.base import Mcu
    from hnth_drivers.testing import check_signatures

    _kit_failure(site, "Drifted", "test_signature_parity")
    (drifted,) = check_signatures(importlib.import_module("bad_plugins").Drifted, Mcu)
    assert drifted.startswith("conferences: signature (self, page: int = 0)")
