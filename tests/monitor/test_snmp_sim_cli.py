"""The simulator's object view (no network) and the two CLI commands end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pysnmp.proto.rfc1902 import Gauge32

from hnth_drivers.errors import ConfigError
from hnth_sim.snmp import MibView, SimDevice, SimVendor, render
from hnth_sim.snmp.mib import CALL_ENTRY, HNTH_SIM
from tests.conftest import HNTH, simulator_process

from .conftest import AUTH_KEY, PRIV_KEY, free_udp_port


def test_view_is_sorted_and_answers_get_and_next() -> None:
    dev = SimDevice("codec-7", clock=lambda: 12.5, boot_at=10.0)
    dev.add_call("84-1", audio_loss_percent=12.34, jitter_ms=7.6)
    items = render(dev)
    oids = [oid for oid, _ in items]
    assert oids == sorted(oids) and len(set(oids)) == len(oids)
    view = MibView(dev)
    assert int(view.get((1, 3, 6, 1, 2, 1, 1, 3, 0))) == 250   # 2.5 s in ticks
    assert view.get((1, 3, 6, 1, 2, 1, 1, 3)) is None
    assert int(view.get((*CALL_ENTRY, 3, 1))) == 1234           # 0.01 % units
    assert int(view.get((*CALL_ENTRY, 5, 1))) == 8
    nxt = view.next((1, 3, 6, 1, 4, 1, 32473))
    assert nxt is not None and nxt[0] == (*HNTH_SIM, 1, 1, 0) and isinstance(nxt[1], Gauge32)
    assert view.next(oids[-1]) is None


def test_vendor_objects_and_injection() -> None:
    now = [0.0]
    dev = SimDevice("cts", vendor=SimVendor.CISCO_TP, clock=lambda: now[0])
    idx = dev.add_call("x", video_loss_percent=5)
    now[0] = 10.0   # 400 video packets/s for 10 s, 5 % lost
    view = MibView(dev)
    assert int(view.get((1, 3, 6, 1, 4, 1, 9, 9, 644, 1, 4, 10, 1, 13, idx, 1, 2))) == 200
    assert view.get((1, 3, 6, 1, 4, 1, 9, 9, 644, 1, 4, 10, 1, 13, idx)) is None
    dev.reboot()
    assert MibView(dev).get((1, 3, 6, 1, 4, 1, 9, 9, 644, 1, 4, 10, 1, 13, idx, 1, 2)) is None
    with pytest.raises(ConfigError):
        dev.set_link(9, False)
    with pytest.raises(ConfigError):
        dev.set_cpu(101)
    with pytest.raises(ConfigError):
        dev.set_quality(99, jitter_ms=1)
    with pytest.raises(ConfigError):
        SimDevice("bad name\n")


@pytest.fixture
def sim_process() -> Iterator[tuple[str, int]]:
    env = {**os.environ, "HNTH_SIM_PASSWORD": AUTH_KEY, "HNTH_SIM_PRIV_PASSWORD": PRIV_KEY}
    with simulator_process(["sim", "snmp", "--listen", "127.0.0.1:0", "--devices", "3",
                            "--calls", "2"], kind="snmp", env=env) as address:
        host, port = address.rsplit(":", 1)
        yield host, int(port)


def test_sim_refuses_missing_keys() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HNTH_SIM_")}
    done = subprocess.run([*HNTH, "sim", "snmp", "--listen", "127.0.0.1:0"], env=env,
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 2 and "HNTH_SIM_PASSWORD" in done.stderr


def test_monitor_once_json_against_the_simulator(sim_process: tuple[str, int],
                                                 tmp_path: Path) -> None:
    host, port = sim_process
    targets = tmp_path / "targets.toml"
    targets.write_text(f'''
[defaults]
host = "{host}"
port = {port}
vendor = "hnth-sim"
timeout = 0.5
retries = 1
[[target]]
name = "dev0001"
context = "dev0001"
[[target]]
name = "dev0003"
context = "dev0003"
''')
    env = {**os.environ, "HNTH_PASSWORD": AUTH_KEY, "HNTH_PRIV_PASSWORD": PRIV_KEY}
    done = subprocess.run([*HNTH, "monitor", "--targets", str(targets), "--once", "--json"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert [d["device"] for d in report["devices"]] == ["dev0001", "dev0003"]
    assert all(d["reachable"] and d["active_calls"] == 2 for d in report["devices"])
    assert report["alarms"] == []
    assert AUTH_KEY not in done.stdout + done.stderr
    table = subprocess.run([*HNTH, "monitor", "--targets", str(targets), "--once"], env=env,
                           capture_output=True, text=True, timeout=60)
    assert table.returncode == 0 and "dev0003" in table.stdout
    # A device that does not exist on the agent: down, alarm, exit 1.
    targets.write_text(targets.read_text() + '[[target]]\nname = "ghost"\ncontext = "x"\n')
    down = subprocess.run([*HNTH, "monitor", "--targets", str(targets), "--once", "--json"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert down.returncode == 1
    alarms = json.loads(down.stdout)["alarms"]
    assert [(a["kind"], a["device"]) for a in alarms] == [("device_down", "ghost")]


def test_the_docs_polling_example_runs() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "monitoring.md").read_text()
    start = doc.index("```python\nimport asyncio") + len("```python\n")
    code = doc[start:doc.index("```", start)]
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert "room0001 True" in done.stdout and "[60.0]" in done.stdout


def test_monitor_live_json_streams_sweeps_and_events(sim_process: tuple[str, int],
                                                     tmp_path: Path) -> None:
    host, port = sim_process
    targets = tmp_path / "targets.json"
    targets.write_text(json.dumps({"defaults": {"host": host, "port": port, "timeout": 0.3,
                                                "retries": 0, "vendor": "hnth-sim"},
                                   "target": [{"name": "dev0002", "context": "dev0002"},
                                              {"name": "ghost", "context": "none"}]}))
    env = {**os.environ, "HNTH_PASSWORD": AUTH_KEY, "HNTH_PRIV_PASSWORD": PRIV_KEY}
    proc = subprocess.Popen([*HNTH, "monitor", "--targets", str(targets), "--json",
                             "--interval", "0.2"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        lines = [json.loads(proc.stdout.readline()) for _ in range(3)]
    finally:
        proc.terminate()
        proc.communicate(timeout=10)
    event = next(x["event"] for x in lines if "event" in x)
    assert (event["kind"], event["device"], event["severity"]) == (
        "device_down", "ghost", "critical")
    sweeps = [x["sweep"] for x in lines if "sweep" in x]
    assert sweeps and [d["reachable"] for d in sweeps[0]] == [True, False]


@pytest.mark.parametrize(("auth", "priv"), [("md5", "des"), ("md5", "aes128"),
                                            ("sha256", "des"), ("sha1", "3des")])
def test_cli_monitor_refuses_weak_crypto_in_one_line(tmp_path: Path, auth: str,
                                                     priv: str) -> None:
    """``hnth monitor`` with md5/des in the targets file: the policy error on one line,
    exit 2, no traceback, nothing sent."""
    port = free_udp_port()
    targets = tmp_path / "targets.toml"
    targets.write_text(f'[defaults]\nhost = "127.0.0.1"\nport = {port}\nauth = "{auth}"\n'
                       f'priv = "{priv}"\n[[target]]\nname = "old-codec"\n'
                       '[[target]]\nname = "old-mcu"\n')
    env = {**os.environ, "HNTH_PASSWORD": "auth-key-123", "HNTH_PRIV_PASSWORD": "priv-key-123"}
    done = subprocess.run([*HNTH, "monitor", "--targets", str(targets), "--once"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "ExceptionGroup" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert str(targets) in lines[0] and "refused by the security policy" in lines[0]
    assert "snmp-weak-crypto" in lines[0] and "key-123" not in done.stderr + done.stdout


@pytest.mark.parametrize(("vendor", "calls"), [("cisco-tp", 2), ("polycom-codec", 1)])
def test_monitor_once_reads_vendor_simulators(tmp_path: Path, vendor: str, calls: int) -> None:
    """``hnth sim snmp --vendor …`` and ``hnth monitor`` end to end: Cisco calls listed
    with their state (no loss figure on a single poll: there is no interval yet), Polycom's
    strings parsed into one codec-wide figure."""
    env = {**os.environ, "HNTH_SIM_PASSWORD": AUTH_KEY, "HNTH_SIM_PRIV_PASSWORD": PRIV_KEY,
           "HNTH_PASSWORD": AUTH_KEY, "HNTH_PRIV_PASSWORD": PRIV_KEY}
    with simulator_process(["sim", "snmp", "--listen", "127.0.0.1:0", "--vendor", vendor,
                            "--calls", str(calls)], kind="snmp", env=env) as address:
        host, port = address.rsplit(":", 1)
        targets = tmp_path / "targets.toml"
        targets.write_text(f'[defaults]\nhost = "{host}"\nport = {port}\nvendor = "{vendor}"\n'
                           'timeout = 1.0\nretries = 2\n[[target]]\nname = "room"\n')
        done = subprocess.run([*HNTH, "monitor", "--targets", str(targets), "--once",
                               "--json"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    (device,) = json.loads(done.stdout)["devices"]
    assert device["reachable"] and device["error"] is None
    if vendor == "cisco-tp":
        assert device["active_calls"] == 2
        assert [(c["call"], c["remote"], c["state"], c["video_loss_percent"], c["jitter_ms"])
                for c in device["calls"]] == [("1", "100000", "inProgress", None, 5.0),
                                              ("2", "100001", "inProgress", None, 6.0)]
    else:
        assert [(c["call"], c["loss_percent"], c["jitter_ms"], c["delay_ms"])
                for c in device["calls"]] == [("*", 0.0, 5.0, 40.0)]
