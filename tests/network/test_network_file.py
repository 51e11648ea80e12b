"""The network file parser: a valid file, and one test per kind of bad input."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from hnth_drivers.cascade.topology import McuRole
from hnth_drivers.network import (
    NetworkFileError,
    NetworkSecrets,
    check_credentials,
    load_network,
)
from hnth_drivers.security.secrets import Secret, SecretStore, StoreKey

from .conftest import VALID


def write(d: Path, text: str, name: str = "network.toml") -> Path:
    path = d / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, needle: str, nth: int = 1) -> int:
    count = 0
    for n, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            count += 1
            if count == nth:
                return n
    raise AssertionError(needle)


def problems(d: Path, text: str) -> list[str]:
    with pytest.raises(NetworkFileError) as info:
        load_network(write(d, text))
    return info.value.lines()


def test_valid_file_loads(net_dir: Path) -> None:
    net = load_network(write(net_dir, VALID))
    assert net.name == "test network" and net.chair == "vn"
    assert [m.id for m in net.mcus] == ["mcu-hn", "mcu-p01"]
    assert net.master.id == "mcu-hn" and net.mcus[1].role is McuRole.SLAVE
    assert net.mcus[0].ca_file == net_dir / "ca.pem"
    assert net.mcus[1].pin_sha256 is not None and net.mcus[1].ca_file is None
    p01 = net.site("p01")
    assert p01.room is not None and p01.room.codec is not None
    assert p01.room.codec.known_hosts == net_dir / "known_hosts"
    assert p01.room.cameras[0].presets == {"chair": 1, "podium": 2}
    assert net.site("vn").unit == "Văn phòng Chính phủ"
    assert [(lk.slave, lk.master) for lk in net.links] == [("mcu-p01", "mcu-hn")]
    assert net.store == net_dir / "secrets.json" and net.key_file == net_dir / "secrets.key"
    assert net.mcus[0].where.line == line_of(VALID, "[[mcus]]")
    topo = net.topology()
    assert topo.master.id == "mcu-hn" and len(topo.sites) == 3
    target = net.mcus[0].target()
    assert target.kind == "mcu" and target.password_ref == "secret:mcu/mcu-hn"


def test_json_is_accepted_with_lines(net_dir: Path) -> None:
    doc = tomllib.loads(VALID)
    text = json.dumps(doc, indent=2, ensure_ascii=False)
    net = load_network(write(net_dir, text, "network.json"))
    assert net.site("p01").room is not None
    doc["mcus"][1]["porst"] = 3
    text = json.dumps(doc, indent=2)
    with pytest.raises(NetworkFileError) as info:
        load_network(write(net_dir, text, "network.json"))
    [line] = info.value.lines()
    assert line.startswith(f"{net_dir / 'network.json'}:{line_of(text, 'porst')}: "
                           "mcus[1].porst: unknown key")


def test_unknown_key_names_file_line_key(net_dir: Path) -> None:
    text = VALID.replace('ports = 60\n', 'ports = 60\nprots = 61\n')
    [line] = problems(net_dir, text)
    assert line.startswith(f"{net_dir / 'network.toml'}:{line_of(text, 'prots')}: "
                           "mcus[1].prots: unknown key")


def test_unknown_key_in_a_nested_table(net_dir: Path) -> None:
    text = VALID.replace('model = "generic"\n', 'model = "generic"\nzoom = 3\n')
    [line] = problems(net_dir, text)
    assert f":{line_of(text, 'zoom = 3')}: sites[1].room.cameras[0].zoom: unknown key" in line


def test_wrong_type(net_dir: Path) -> None:
    text = VALID.replace("ports = 200", 'ports = "200"')
    [line] = problems(net_dir, text)
    n = line_of(text, 'ports = "200"')
    assert f":{n}: mcus[0].ports: expected an integer, got a string" in line


def test_wrong_type_boolean_is_not_an_integer(net_dir: Path) -> None:
    text = VALID.replace("ports = 60", "ports = true")
    [line] = problems(net_dir, text)
    assert "mcus[1].ports: expected an integer, got a boolean" in line


def test_duplicate_ids(net_dir: Path) -> None:
    text = VALID.replace('id = "p01-c001"', 'id = "p01"')
    lines = problems(net_dir, text)
    n = line_of(text, 'id = "p01"', 2)
    assert any(f":{n}: sites[2].id: duplicate site id 'p01'" in ln for ln in lines)


def test_duplicate_mcu_ids(net_dir: Path) -> None:
    text = VALID.replace('id = "mcu-p01"', 'id = "mcu-hn"').replace(
        'slave = "mcu-p01"', 'slave = "mcu-hn"')
    lines = problems(net_dir, text)
    assert any("mcus[1].id: duplicate MCU id 'mcu-hn'" in ln for ln in lines)


def test_site_hierarchy_cycle(net_dir: Path) -> None:
    text = VALID.replace('level = "government"\n', 'level = "government"\nparent = "p01"\n')
    lines = problems(net_dir, text)
    assert any("parent: the site hierarchy has a cycle" in ln for ln in lines)
    assert all(ln.startswith(f"{net_dir / 'network.toml'}:") for ln in lines)


def test_cascade_link_cycle(net_dir: Path) -> None:
    text = VALID + '\n[[links]]\nslave = "mcu-hn"\nmaster = "mcu-p01"\n'
    lines = problems(net_dir, text)
    assert any("links[" in ln and "the cascade links have a cycle" in ln for ln in lines)


def test_site_on_an_unknown_mcu(net_dir: Path) -> None:
    text = VALID.replace('mcu = "mcu-p01"\n\n[sites.room', 'mcu = "mcu-p99"\n\n[sites.room')
    [line] = problems(net_dir, text)
    assert f":{line_of(text, 'mcu-p99')}: sites[1].mcu: no MCU 'mcu-p99' in this file" in line


def test_unknown_driver_name(net_dir: Path) -> None:
    text = VALID.replace('driver = "smc"', 'driver = "acme-mcu"')
    [line] = problems(net_dir, text)
    assert f":{line_of(text, 'acme-mcu')}: mcus[1].driver: unknown mcu driver 'acme-mcu'" \
        in line


def test_unknown_camera_driver(net_dir: Path) -> None:
    text = VALID.replace('driver = "visca-ip"', 'driver = "pelco"')
    [line] = problems(net_dir, text)
    assert "sites[1].room.cameras[0].driver: unknown camera driver 'pelco'" in line


def test_credential_value_refused(net_dir: Path) -> None:
    text = VALID.replace('password = { secret = "mcu/mcu-hn" }', 'password = "hunter22"')
    [line] = problems(net_dir, text)
    assert "mcus[0].password: credentials are references, never values" in line
    assert "hunter22" not in line


def test_credential_reference_resolving_to_nothing(net_dir: Path) -> None:
    net = load_network(write(net_dir, VALID))
    key = net_dir / "secrets.key"
    key.write_bytes(b"k" * 32)
    key.chmod(0o600)
    store = SecretStore(net_dir / "secrets.json", StoreKey.from_key_file(key))
    store.set("mcu/mcu-hn", Secret("pw-hn-123"))
    store.set("codec/p01", Secret("pw-codec-1"))
    store.set("snmp/auth", Secret("auth-key-1"))
    secrets = NetworkSecrets.for_network(net, environ={})
    with pytest.raises(NetworkFileError) as info:
        check_credentials(net, secrets)
    lines = info.value.lines()
    assert len(lines) == 2
    assert any(f":{line_of(VALID, 'HNTH_TEST_MCU_PW')}: mcus[1].password: credential "
               "'env:HNTH_TEST_MCU_PW' resolves to nothing" in ln for ln in lines)
    assert any("snmp[0].priv: credential 'secret:snmp/priv' resolves to nothing" in ln
               for ln in lines)
    secrets = NetworkSecrets.for_network(net, environ={"HNTH_TEST_MCU_PW": "from-env-1"})
    store.set("snmp/priv", Secret("priv-key-1"))
    check_credentials(net, secrets)
    assert secrets.resolve("env:HNTH_TEST_MCU_PW").reveal() == "from-env-1"


def test_missing_trust_file(net_dir: Path) -> None:
    (net_dir / "ca.pem").unlink()
    [line] = problems(net_dir, VALID)
    assert f":{line_of(VALID, 'ca.pem')}: mcus[0].ca_file: no such file" in line


def test_every_problem_reported_one_line_each(net_dir: Path) -> None:
    text = VALID.replace("ports = 200", "ports = -1").replace(
        'carrier = "Viettel"', 'carrier = "Viettel"\ncolour = "red"')
    lines = problems(net_dir, text)
    assert len(lines) == 2 and all("\n" not in ln for ln in lines)


def test_syntax_error_names_the_line(net_dir: Path) -> None:
    text = VALID.replace('ports = 60', 'ports = = 60')
    [line] = problems(net_dir, text)
    assert f"network.toml:{line_of(text, 'ports = = 60')}: (syntax): not valid TOML" in line


def test_exactly_one_master(net_dir: Path) -> None:
    text = VALID.replace('role = "slave"', 'role = "master"')
    lines = problems(net_dir, text)
    assert any("mcus: expected exactly one MCU with role = \"master\", got 2" in ln
               for ln in lines)


def test_reserve_reaches_the_topology_and_bad_ones_name_their_line(net_dir: Path) -> None:
    net = load_network(write(net_dir, VALID.replace("ports = 200", 'ports = 200\nreserve = "15%"')
                             .replace("ports = 60", "ports = 60\nreserve = 4")))
    topo = net.topology()
    assert [topo.mcu(m).spare_ports for m in ("mcu-hn", "mcu-p01")] == [30, 4]
    text = VALID.replace("ports = 60", "ports = 60\nreserve = 61")
    [line] = problems(net_dir, text)
    assert f":{line_of(text, 'reserve = ')}: mcus[1].reserve: a reserve of 61 ports is " \
        "larger than the MCU's 60 ports" in line
    for bad in ('"lots"', "-1", "true", '"150%"'):
        text = VALID.replace("ports = 60", f"ports = 60\nreserve = {bad}")
        [line] = problems(net_dir, text)
        assert f":{line_of(text, 'reserve = ')}: mcus[1].reserve: expected a port count" in line
