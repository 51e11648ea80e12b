"""'hnth sim network' then 'hnth network check', from subprocesses as a user types them."""

from __future__ import annotations

import json
import re
from pathlib import Path

from hnth_drivers.network import load_network

from .conftest import hnth, user_env


def test_sim_writes_a_network_file_with_everything_it_needs(sim_network: Path) -> None:
    out = sim_network.parent
    for name in ("tls/ca.pem", "known_hosts", "secrets.json", "secrets.key",
                 "operators.toml"):
        assert (out / name).is_file(), name
    assert (out / "secrets.key").stat().st_mode & 0o077 == 0
    net = load_network(sim_network)
    assert net.store == out / "secrets.json" and net.key_file == out / "secrets.key"
    mcu_ids, site_ids = {m.id for m in net.mcus}, {s.id for s in net.sites}
    assert len(net.sites) > 3000 and len(net.mcus) > 30
    assert {t.id for t in net.snmp if t.id in mcu_ids} == mcu_ids  # each MCU's agent
    rooms = {s.id for s in net.sites if s.room}  # and each sampled room's own agent
    assert {t.id for t in net.snmp if t.id not in mcu_ids} == rooms <= site_ids
    assert sum(1 for s in net.sites if s.room and s.room.codec) == 3
    text = sim_network.read_text()
    assert "password = {" in text and "token" not in text


def test_network_check_passes_every_device(sim_network: Path, tmp_path: Path) -> None:
    done = hnth("network", "check", str(sim_network), "--json", env=user_env(tmp_path))
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    kinds = {r["kind"] for r in report["rows"]}
    assert kinds == {"mcu", "snmp", "vcs", "camera"}
    assert report["failed"] == 0 and all(r["ok"] for r in report["rows"])
    assert {r["driver"] for r in report["rows"] if r["kind"] == "mcu"} == {"codian", "smc"}


def test_network_check_table_and_default_from_environment(sim_network: Path,
                                                         tmp_path: Path) -> None:
    env = user_env(tmp_path, HNTH_NETWORK=str(sim_network))
    done = hnth("network", "check", "--only", "vcs", "--only", "camera", env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert re.search(r"6/6 devices passed", done.stdout), done.stdout


def test_device_down_or_untrusted_is_reported_and_the_rest_carry_on(
        sim_network: Path, tmp_path: Path) -> None:
    out = sim_network.parent
    text = sim_network.read_text()
    # one MCU unreachable (a closed port), one codec whose host key is not trusted
    urls = re.findall(r'url = "(https://127\.0\.0\.1:\d+)/mcu/([^/]+)/RPC2"', text)
    origin, victim = urls[1]
    text = text.replace(f'"{origin}/mcu/{victim}/RPC2"', f'"https://127.0.0.1:9/mcu/{victim}/RPC2"')
    (tmp_path / "empty_known_hosts").write_text("")
    text = text.replace('known_hosts = "known_hosts"',
                        f'known_hosts = "{tmp_path / "empty_known_hosts"}"', 1)
    for name in ("secrets.json", "secrets.key", "operators.toml", "known_hosts"):
        text = text.replace(f'"{name}"', f'"{out / name}"')
    assert f"127.0.0.1:9/mcu/{victim}/RPC2" in text
    text = text.replace('"tls/ca.pem"', f'"{out / "tls" / "ca.pem"}"')
    broken = tmp_path / "network.toml"
    broken.write_text(text)
    done = hnth("network", "check", str(broken), "--json", "--timeout", "10",
                env=user_env(tmp_path))
    assert done.returncode == 1, done.stderr[-2000:]
    rows = {(r["kind"], r["device"]): r for r in json.loads(done.stdout)["rows"]}
    failed = {d for d, r in rows.items() if not r["ok"]}
    codec = next(d for d in rows if d[0] == "vcs")
    assert failed == {("mcu", victim), codec}, failed
    assert "host key" in rows[codec]["error"].lower(), rows[codec]["error"]
    assert sum(1 for r in rows.values() if r["ok"]) == len(rows) - 2


def test_bad_network_file_exits_2_naming_file_line_key_and_contacts_nothing(
        tmp_path: Path) -> None:
    bad = tmp_path / "network.toml"
    bad.write_text('name = "x"\nchair = "a"\ncolour = 1\nmcus = []\nsites = []\n')
    done = hnth("network", "check", str(bad), env=user_env(tmp_path))
    assert done.returncode == 2
    lines = [ln for ln in done.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, done.stderr  # one line per problem, however long
    assert lines[0].startswith(f"error: {bad}:3: colour: unknown key"), done.stderr
    assert "Traceback" not in done.stderr
