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


# ---- a vendor's codec and camera drivers through 'hnth codec' and 'hnth camera' --------

ROOM_PLUGIN = '''
"""Acme's room: a codec on Cisco's xAPI and a VISCA-over-IP camera, each with its own
from_target that notes what it built (in $ACME_BUILT) and labels the device."""
import os

from hnth_drivers.vcs.ssh_codec import XapiCodec
from hnth_drivers.vcs.visca.ip import ViscaIpCamera


def _note(kind, target):
    with open(os.environ["ACME_BUILT"], "a") as f:
        f.write(f"{kind} {target.id} {target.address}\\n")


class AcmeCodec(XapiCodec):
    name = "acme-codec"

    @classmethod
    def from_target(cls, target, *, secrets, policy, audit):
        _note("codec", target)
        return super().from_target(target, secrets=secrets, policy=policy, audit=audit)


class AcmeCamera(ViscaIpCamera):
    name = "acme-cam"

    @classmethod
    def from_target(cls, target, *, secrets, policy, audit):
        _note("camera", target)
        return super().from_target(target, secrets=secrets, policy=policy, audit=audit)
'''


def install_room_plugin(site: Path) -> Path:
    """Acme's codec and camera drivers, registered by entry point only."""
    site.mkdir(parents=True, exist_ok=True)
    (site / "acme_room.py").write_text(textwrap.dedent(ROOM_PLUGIN))
    info = site / "acme_room-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-room\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        "[hnth_drivers.vcs]\nacme-codec = acme_room:AcmeCodec\n\n"
        "[hnth_drivers.camera]\nacme-cam = acme_room:AcmeCamera\n")
    return site


def _room(sim_network: Path) -> tuple[str, str, str]:
    """(site, codec address, camera address) of an xAPI room of the simulation."""
    net = load_network(sim_network)
    for s in net.sites:
        if s.room and s.room.codec and s.room.codec.driver == "xapi" and s.room.cameras:
            address = s.room.cameras[0].address
            assert address is not None
            return s.id, s.room.codec.address, address
    raise AssertionError("no xAPI room in the simulation")


def _codec_password(sim_network: Path) -> str:
    from hnth_drivers.security.secrets import SecretStore, StoreKey

    out = sim_network.parent
    store = SecretStore(out / "secrets.json", StoreKey.from_key_file(out / "secrets.key"))
    return store.get("codec/admin").reveal()


def test_plugin_codec_and_camera_through_the_cli(sim_network: Path, tmp_path: Path) -> None:
    _, codec_at, camera_at = _room(sim_network)
    built = tmp_path / "built.txt"
    env = user_env(tmp_path, PYTHONPATH=str(install_room_plugin(tmp_path / "site")),
                   ACME_BUILT=str(built), HNTH_PASSWORD=_codec_password(sim_network))
    listed = {d["name"]: d for d in json.loads(hnth("drivers", "--json", env=env).stdout)}
    assert listed["acme-codec"]["error"] is None and listed["acme-cam"]["error"] is None

    status = hnth("codec", "status", "--driver", "acme-codec", "--ssh", codec_at,
                  "--known-hosts", str(sim_network.parent / "known_hosts"), "--json", env=env)
    assert status.returncode == 0, status.stderr[-2000:]
    report = json.loads(status.stdout)
    assert report["driver"] == "acme-codec" and report["reachable"] is True
    muted = hnth("codec", "mute", "on", "--driver", "acme-codec", "--ssh", codec_at,
                 "--known-hosts", str(sim_network.parent / "known_hosts"), env=env)
    assert muted.returncode == 0, muted.stderr[-2000:]

    where = hnth("camera", "position", "--driver", "acme-cam", "--device", camera_at,
                 "--trusted-segment", "--json", env=env)
    assert where.returncode == 0, where.stderr[-2000:]
    assert set(json.loads(where.stdout)) == {"pan", "tilt", "zoom"}
    recalled = hnth("camera", "recall", "2", "--driver", "acme-cam", "--device", camera_at,
                    "--trusted-segment", env=env)
    assert recalled.returncode == 0, recalled.stderr[-2000:]

    assert built.read_text().splitlines() == [
        f"codec {codec_at} {codec_at}", f"codec {codec_at} {codec_at}",
        f"camera {camera_at} {camera_at}", f"camera {camera_at} {camera_at}"]
    records = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert [(r["action"], r["result"]) for r in records if r["action"] in (
        "codec.mute", "camera.recall")] == [("codec.mute", "ok"), ("camera.recall", "ok")]


def test_codec_and_camera_from_the_network_file(sim_network: Path, tmp_path: Path) -> None:
    site, _, _ = _room(sim_network)
    env = user_env(tmp_path, HNTH_NETWORK=str(sim_network))
    status = hnth("codec", "status", "--site", site, "--json", env=env)
    assert status.returncode == 0, status.stderr[-2000:]
    assert json.loads(status.stdout)["driver"] == "xapi"
    where = hnth("camera", "position", "--site", site, "--json", env=env)
    assert where.returncode == 0, where.stderr[-2000:]
    assert set(json.loads(where.stdout)) == {"pan", "tilt", "zoom"}
    recalled = hnth("camera", "recall", "podium", "--site", site, env=env)
    assert recalled.returncode == 0, recalled.stderr[-2000:]
    # the device comes from the file: options that would say otherwise are refused
    mixed = hnth("codec", "status", "--site", site, "--ssh", "127.0.0.1:9", env=env)
    assert mixed.returncode == 2 and "--ssh" in mixed.stderr
    nowhere = hnth("camera", "position", "--site", "no-such-site", env=env)
    assert nowhere.returncode == 2 and "no such device" in nowhere.stderr
    without = hnth("codec", "status", "--site", site,
                   env={k: v for k, v in env.items() if k != "HNTH_NETWORK"})
    assert without.returncode == 2 and "HNTH_NETWORK" in without.stderr


def test_unknown_driver_is_one_line_and_nothing_is_contacted(tmp_path: Path) -> None:
    import socket

    env = user_env(tmp_path)  # no password anywhere: the driver is looked up first
    (tmp_path / "known_hosts").write_text("")
    with socket.socket() as tcp, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        tcp.bind(("127.0.0.1", 0))
        tcp.listen()
        tcp.settimeout(0.5)
        udp.bind(("127.0.0.1", 0))
        udp.settimeout(0.5)
        tcp_at = f"127.0.0.1:{tcp.getsockname()[1]}"
        udp_at = f"127.0.0.1:{udp.getsockname()[1]}"
        for args in (
            ("codec", "status", "--driver", "nope", "--ssh", tcp_at, "--known-hosts",
             str(tmp_path / "known_hosts")),
            ("codec", "mute", "on", "--driver", "nope", "--ssh", tcp_at, "--known-hosts",
             str(tmp_path / "known_hosts")),
            ("camera", "position", "--driver", "nope", "--visca-udp", udp_at,
             "--trusted-segment"),
            ("camera", "recall", "1", "--driver", "nope", "--device", udp_at),
            ("mcu", "health", "--driver", "nope", "--url", f"https://{tcp_at}/RPC2"),
        ):
            done = hnth(*args, env=env)
            lines = done.stderr.strip().splitlines()
            assert done.returncode == 2 and len(lines) == 1, (args, done.stderr)
            assert "driver called 'nope' is installed" in lines[0], lines
            with pytest.raises(TimeoutError):
                tcp.accept()
            with pytest.raises(TimeoutError):
                udp.recvfrom(100)
