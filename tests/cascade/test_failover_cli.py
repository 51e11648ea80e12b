"""Failover on the simulated network, typed as a user would: a running ``hnth sim network``,
the master MCU killed mid-meeting (SIGUSR1 to the simulation), ``hnth cascade failover``
restores the chair's screen through the standby, later commands find the cascade as it
runs, ``hnth cascade failback`` returns once the master answers again (SIGUSR2), and
``hnth watch --auto-failover`` does it by itself."""

from __future__ import annotations

import asyncio
import json
import os
import select
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.conftest import HNTH

from hnth_drivers.network import load_network
from hnth_drivers.security.audit import verify

MASTER, STANDBY = "mcu-central", "mcu-central-2"


@dataclass
class Sim:
    proc: subprocess.Popen[str]
    network: Path

    def signal(self, sig: int, expect: str) -> None:
        """Send ``sig`` and wait for the line saying it took effect."""
        self.proc.send_signal(sig)
        assert read_until(self.proc, expect, 30) is not None, f"no {expect!r} line"


def read_until(proc: subprocess.Popen[str], text: str, within_s: float) -> str | None:
    """Lines of ``proc``'s stdout until one contains ``text`` (None: not within_s)."""
    assert proc.stdout is not None
    deadline = time.monotonic() + within_s
    while (left := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([proc.stdout], [], [], left)
        if not ready:
            return None
        line = proc.stdout.readline()
        if not line:
            return None
        if text in line:
            return line
    return None


def user_env(home: Path, network: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HNTH_")}
    env["HNTH_AUDIT_LOG"] = str(home / "audit.jsonl")
    env["HNTH_OPERATOR"] = "central"
    if network is not None:
        env["HNTH_NETWORK"] = str(network)
    return env


def hnth(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*HNTH, *args], capture_output=True, text=True, env=env,
                          timeout=180, check=False)


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sim]:
    """``hnth sim network --profile vn-2025`` running, its process at hand."""
    out = tmp_path_factory.mktemp("failover-net")
    proc = subprocess.Popen([*HNTH, "sim", "network", "--profile", "vn-2025", "--out",
                             str(out), "--rooms", "2"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, env=user_env(out))
    try:
        line = read_until(proc, "READY network", 120)
        assert line is not None, "hnth sim network did not start"
        yield Sim(proc, Path(line.split()[2]))
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()


def audit(env: dict[str, str]) -> list[dict[str, object]]:
    path = Path(env["HNTH_AUDIT_LOG"])
    assert verify(path).ok
    return [json.loads(line) for line in path.read_text().splitlines()]


def slave_site(network: Path) -> str:
    """A site served by a slave MCU (its picture crosses a cascade link)."""
    net = load_network(network)
    return next(s.id for s in net.sites if s.mcu not in (None, MASTER))


def test_the_file_names_the_standby_and_how_to_dial_the_masters_sites(sim: Sim) -> None:
    net = load_network(sim.network)
    roles = {m.id: m.role.value for m in net.mcus}
    assert roles[MASTER] == "master" and roles[STANDBY] == "standby"
    mine = [s for s in net.sites if s.mcu == MASTER]
    assert mine and all(s.dial for s in mine)


def test_bad_input_is_one_line_and_exit_2(sim: Sim, tmp_path: Path) -> None:
    env = user_env(tmp_path, sim.network)
    unknown = hnth("cascade", "failover", "--showing", "nowhere", env=env)
    assert unknown.returncode == 2 and "nowhere" in unknown.stderr
    assert unknown.stderr.count("\n") == 1
    # without the dial addresses the standby cannot call the master's sites
    text = sim.network.read_text(encoding="utf-8")
    stripped = sim.network.with_name("no-dial.toml")
    stripped.write_text("".join(line for line in text.splitlines(keepends=True)
                                if not line.startswith("dial = ")), encoding="utf-8")
    for command in (["cascade", "failover"], ["watch", "--auto-failover"]):
        refused = hnth(*command, "--network", str(stripped), env=env)
        assert refused.returncode == 2, refused.stderr
        assert "dial" in refused.stderr and refused.stderr.count("\n") == 1


async def _console_master(network: Path) -> str:
    from hnth_drivers.console.service import ConsoleService
    from hnth_drivers.network.fleet import Fleet

    service = ConsoleService(Fleet.from_file(network), watch=False, mcu_timeout_s=5.0)
    await service.start()
    try:
        assert STANDBY in service.cascade.nodes and MASTER not in service.cascade.nodes
        return service.cascade.master
    finally:
        await service.stop()


def test_kill_the_master_fail_over_and_back(sim: Sim, tmp_path: Path) -> None:
    env = user_env(tmp_path, sim.network)
    up = hnth("cascade", "up", "--json", env=env)
    assert up.returncode == 0, up.stderr[-2000:]
    site = slave_site(sim.network)
    switched = hnth("switch", site, "--json", env=env)
    assert switched.returncode == 0, switched.stderr[-2000:]

    # a master that answers is not failed over without --force
    alive = hnth("cascade", "failover", env=env)
    assert alive.returncode == 1 and "still answers" in alive.stdout
    # an MCU technician of one province may not move the whole meeting: refused, audited
    tech = hnth("cascade", "failover", "--operator", "op-p01", env=env)
    assert tech.returncode == 3 and tech.stderr.count("\n") == 1, tech.stderr
    assert any(r["action"] == "cascade.failover" and r["result"] == "denied"
               and r["actor"] == "op-p01" for r in audit(env))

    sim.signal(signal.SIGUSR1, f"KILLED mcu {MASTER}")  # mid-meeting
    moved = hnth("cascade", "failover", "--json", env=env)
    assert moved.returncode == 0, moved.stdout[-2000:] + moved.stderr[-2000:]
    trace = json.loads(moved.stdout)
    assert trace["ok"] and (trace["from"], trace["to"]) == (MASTER, STANDBY)
    assert trace["showing"] == site  # the last confirmed switch, from the audit log
    assert [s["step"] for s in trace["steps"]][-2:] == ["connected", "restored"]
    assert trace["restored"]["verdict"] == "PASS" and trace["restored"]["site"] == site
    assert trace["restored"]["path"][-1] == STANDBY
    assert all(c["ms"] >= 0 for c in trace["calls"])
    assert {c["step"] for c in trace["calls"]} >= {"conference", "sites", "links"}

    # the next commands (other processes) find the cascade as it runs: on the standby
    status = hnth("cascade", "status", "--json", env=env)
    assert status.returncode == 0, status.stderr[-2000:]
    assert set(json.loads(status.stdout)["states"].values()) == {"connected"}
    again = hnth("switch", site, "--json", env=env)
    assert again.returncode == 0 and json.loads(again.stdout)["path"][-1] == STANDBY
    twice = hnth("cascade", "failover", env=env)
    assert twice.returncode == 1 and "already failed over" in twice.stdout
    # so does the operator console started now: its tree and switches go through the standby
    assert asyncio.run(_console_master(sim.network)) == STANDBY

    early = hnth("cascade", "failback", env=env)
    assert early.returncode == 1 and "does not answer" in early.stdout
    sim.signal(signal.SIGUSR2, f"REVIVED mcu {MASTER}")
    back = hnth("cascade", "failback", "--json", env=env)
    assert back.returncode == 0, back.stdout[-2000:] + back.stderr[-2000:]
    trace = json.loads(back.stdout)
    assert trace["ok"] and (trace["from"], trace["to"]) == (STANDBY, MASTER)
    assert "release" in [s["step"] for s in trace["steps"]]
    assert trace["restored"]["path"][-1] == MASTER
    status = hnth("cascade", "status", "--json", env=env)
    assert set(json.loads(status.stdout)["states"].values()) == {"connected"}
    home = hnth("switch", site, "--json", env=env)
    assert home.returncode == 0 and json.loads(home.stdout)["path"][-1] == MASTER
    done = {(r["action"], r["result"]) for r in audit(env)}
    assert {("cascade.failover", "ok"), ("cascade.failback", "ok")} <= done


def test_watch_raises_the_alarm_and_fails_over_only_when_allowed(sim: Sim,
                                                                 tmp_path: Path) -> None:
    env = user_env(tmp_path, sim.network)
    assert hnth("cascade", "up", env=env).returncode == 0
    site = slave_site(sim.network)
    assert hnth("switch", site, env=env).returncode == 0
    watch = ["watch", "--no-snmp", "--interval", "0.3", "--lost-after", "2",
             "--duration", "120"]

    plain = subprocess.Popen([*HNTH, *watch], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True, env=env)
    try:
        assert read_until(plain, "automatic failover off", 60) is not None
        sim.signal(signal.SIGUSR1, f"KILLED mcu {MASTER}")
        alarm = read_until(plain, "master_lost", 60)
        assert alarm is not None and "not allowed" in alarm
        assert read_until(plain, "failover", 2) is None  # no failover follows
    finally:
        plain.send_signal(signal.SIGTERM)
        plain.wait(30)
        assert plain.stdout is not None
        plain.stdout.close()
    assert plain.returncode == 0

    allowed = subprocess.Popen([*HNTH, *watch, "--auto-failover", "--json"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                               env=env)
    events: list[dict[str, object]] = []
    try:
        assert allowed.stdout is not None
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            line = read_until(allowed, "{", deadline - time.monotonic())
            assert line is not None, f"no failed_over event: {events}"
            events.append(json.loads(line))
            if events[-1]["event"] in ("failed_over", "failover_failed"):
                break
    finally:
        allowed.send_signal(signal.SIGTERM)
        allowed.wait(30)
        if allowed.stdout is not None:
            allowed.stdout.close()
    kinds = [e["event"] for e in events]
    assert kinds[-1] == "failed_over", events
    assert "master_lost" in kinds and kinds.count("failover_step") >= 4
    assert events[-1]["participant"] == STANDBY
    permission = [r for r in audit(env) if r["action"] == "cascade.auto_failover"]
    assert permission and permission[0]["actor"] == "central"
    assert permission[0]["result"] == "ok"
    # the chair sees its site through the standby; the meeting stays there
    shown = hnth("switch", site, "--json", env=env)
    assert shown.returncode == 0 and json.loads(shown.stdout)["path"][-1] == STANDBY
    sim.signal(signal.SIGUSR2, f"REVIVED mcu {MASTER}")
    assert hnth("cascade", "failback", env=env).returncode == 0
