"""A throwaway vendor plug-in, registered by entry point only (a dist-info in a temporary
site directory), used through the Fleet and through the CLI against 'hnth sim network'."""

from __future__ import annotations

import importlib
import json
import re
import textwrap
from pathlib import Path

import pytest

from hnth_drivers import registry
from hnth_drivers.network import Fleet, load_network

from .conftest import hnth, user_env

PLUGIN = '''
"""Acme's MCU: a rebadged Codian-API MCU with its own from_target."""
from hnth_drivers.mcu.codian import CodianMcu, CodianOptions

BUILT = []


class AcmeMcu(CodianMcu):
    name = "acme"

    @classmethod
    def from_target(cls, target, *, secrets, policy, audit):
        BUILT.append(target.id)
        return cls(target.address, password=target.password(secrets), user=target.user,
                   trust=target.tls_trust(), policy=policy, device=f"acme {target.id}",
                   options=CodianOptions(timeout_s=5.0))
'''


def install_plugin(site: Path) -> Path:
    """Write the module and its dist-info (what ``pip install`` would leave)."""
    site.mkdir(parents=True, exist_ok=True)
    (site / "acme_hnth.py").write_text(textwrap.dedent(PLUGIN))
    info = site / "acme_hnth-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-hnth\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[hnth_drivers.mcu]\nacme = acme_hnth:AcmeMcu\n")
    return site


def acme_network(sim_network: Path, dest: Path) -> tuple[Path, str]:
    """A copy of the simulation's network file whose first Codian slave uses 'acme'."""
    out = sim_network.parent
    text = sim_network.read_text()
    match = re.search(r'id = "([^"]+)"\nrole = "slave"\n(?:.*\n){2}driver = "codian"', text)
    assert match is not None
    victim = match.group(1)
    block = match.group(0)
    text = text.replace(block, block.replace('driver = "codian"', 'driver = "acme"'))
    for name in ("secrets.json", "secrets.key", "operators.toml", "known_hosts"):
        text = text.replace(f'"{name}"', f'"{out / name}"')
    text = text.replace('"tls/ca.pem"', f'"{out / "tls" / "ca.pem"}"')
    path = dest / "network.toml"
    path.write_text(text)
    return path, victim


async def test_plugin_through_the_fleet(sim_network: Path, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    path, victim = acme_network(sim_network, tmp_path)
    with pytest.raises(Exception, match="unknown mcu driver 'acme'"):
        load_network(path)  # not installed yet
    monkeypatch.syspath_prepend(str(install_plugin(tmp_path / "site")))
    importlib.invalidate_caches()
    assert "acme" in registry.available("mcu")
    fleet = Fleet.from_file(path)
    async with fleet:
        results = await fleet.open_all(fleet.targets("mcu"))
        assert all(r.ok for r in results), [str(r.error) for r in results if r.error]
        driver = await fleet.mcu(victim)
        assert type(driver).__name__ == "AcmeMcu" and driver.device == f"acme {victim}"
        assert [c.name for c in await driver.conferences()] == [fleet.network.conference]
    import acme_hnth  # type: ignore[import-not-found]

    assert [victim] == acme_hnth.BUILT


def test_plugin_through_the_cli(sim_network: Path, tmp_path: Path) -> None:
    path, victim = acme_network(sim_network, tmp_path)
    site = install_plugin(tmp_path / "site")
    env = user_env(tmp_path, PYTHONPATH=str(site))
    listed = hnth("drivers", "--json", env=env)
    assert any(d["name"] == "acme" and d["error"] is None for d in json.loads(listed.stdout))
    done = hnth("network", "check", str(path), "--json", "--only", "mcu", env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    rows = {r["device"]: r for r in json.loads(done.stdout)["rows"]}
    assert rows[victim]["driver"] == "acme" and rows[victim]["ok"]
    without = hnth("network", "check", str(path), env=user_env(tmp_path))
    assert without.returncode == 2 and "unknown mcu driver 'acme'" in without.stderr
