"""The Fleet without a simulator: a counting plug-in MCU driver registered by entry point,
to check that drivers come from the registry, open lazily or all at once within the bound,
close together, and that a failing device is one result among the others."""

from __future__ import annotations

import importlib
import sys
import textwrap
from pathlib import Path

import pytest

from hnth_drivers.network import Fleet, NetworkSecrets, load_network

FAKE = '''
import asyncio
from hnth_drivers.errors import ConnectError
from hnth_drivers.mcu.base import Mcu

STATS = {"in_flight": 0, "peak": 0, "opened": [], "closed": [], "passwords": set()}


class CountingMcu(Mcu):
    name = "counting"

    def __init__(self, label, password):
        self._label = label
        STATS["passwords"].add(password.reveal())

    @classmethod
    def from_target(cls, target, *, secrets, policy, audit):
        return cls(target.id, target.password(secrets))

    @property
    def device(self):
        return self._label

    async def open(self):
        STATS["in_flight"] += 1
        STATS["peak"] = max(STATS["peak"], STATS["in_flight"])
        try:
            await asyncio.sleep(0.02)
            if self._label.endswith("-down"):
                raise ConnectError("no route", device=self._label, operation="open")
            STATS["opened"].append(self._label)
        finally:
            STATS["in_flight"] -= 1

    async def close(self):
        STATS["closed"].append(self._label)
'''


@pytest.fixture
def counting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> object:
    site = tmp_path / "site"
    site.mkdir()
    (site / "counting_hnth.py").write_text(textwrap.dedent(FAKE))
    info = site / "counting_hnth-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: counting-hnth\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        "[hnth_drivers.mcu]\ncounting = counting_hnth:CountingMcu\n")
    monkeypatch.syspath_prepend(str(site))
    importlib.invalidate_caches()
    sys.modules.pop("counting_hnth", None)
    return importlib.import_module("counting_hnth")


def network_file(d: Path, mcus: int, down: int = 0) -> Path:
    lines = ['name = "fake"', 'chair = "vn"', "",
             "[[sites]]", 'id = "vn"', 'name = "Chính phủ"', 'level = "government"']
    for i in range(mcus):
        mcu_id = f"m{i:03d}" + ("-down" if i < down else "")
        lines += ["", "[[mcus]]", f'id = "{mcu_id}"',
                  f'role = "{"master" if i == 0 else "slave"}"', 'area = "vn"',
                  'carrier = "x"', 'driver = "counting"', f'url = "https://{mcu_id}.test/"',
                  "ports = 10", 'password = { env = "FAKE_MCU_PW" }']
    path = d / "network.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


async def test_open_all_is_bounded_and_close_is_together(counting: object,
                                                         tmp_path: Path) -> None:
    net = load_network(network_file(tmp_path, 40, down=3))
    secrets = NetworkSecrets(None, {"FAKE_MCU_PW": "pw-from-env"})
    seen: list[str] = []
    async with Fleet(net, secrets=secrets, concurrency=5) as fleet:
        results = await fleet.open_all(progress=lambda r: seen.append(r.target.id))
        stats = counting.STATS  # type: ignore[attr-defined]
        assert stats["peak"] == 5
        assert [r.target.id for r in results] == [m.id for m in net.mcus]
        failed = [r.target.id for r in results if not r.ok]
        assert failed == ["m000-down", "m001-down", "m002-down"]
        assert all("no route" in str(r.error) for r in results if not r.ok)
        assert sorted(seen) == sorted(m.id for m in net.mcus)
        assert stats["passwords"] == {"pw-from-env"}
        again = await fleet.mcu("m010")          # already open: not opened twice
        assert again.device == "m010" and stats["opened"].count("m010") == 1
    assert sorted(stats["closed"]) == sorted(m.id for m in net.mcus)


async def test_lazy_open_only_what_is_used(counting: object, tmp_path: Path) -> None:
    net = load_network(network_file(tmp_path, 4))
    secrets = NetworkSecrets(None, {"FAKE_MCU_PW": "pw-from-env"})
    async with Fleet(net, secrets=secrets) as fleet:
        await fleet.mcu("m002")
    stats = counting.STATS  # type: ignore[attr-defined]
    assert stats["opened"] == ["m002"] and stats["closed"] == ["m002"]
