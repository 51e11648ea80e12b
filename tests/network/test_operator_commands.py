"""Every operator command against a running 'hnth sim network', typed as a user would:
``HNTH_NETWORK`` and ``HNTH_OPERATOR`` set once, then plain commands."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from hnth_drivers.network import load_network
from hnth_drivers.security.audit import verify

from .conftest import hnth, user_env


@pytest.fixture(scope="module")
def shell(sim_network: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The user's environment: the network file and who they are."""
    home = tmp_path_factory.mktemp("operator")
    return user_env(home, HNTH_NETWORK=str(sim_network), HNTH_OPERATOR="central")


def audit_records(env: dict[str, str]) -> list[dict[str, object]]:
    path = Path(env["HNTH_AUDIT_LOG"])
    assert verify(path).ok
    return [json.loads(line) for line in path.read_text().splitlines()]


def a_room(sim_network: Path) -> tuple[str, str]:
    """(site with a room outside province p01, that site's province)."""
    net = load_network(sim_network)
    for s in net.sites:
        if s.room and s.room.cameras and s.site.parent and not s.id.startswith("p01"):
            return s.id, s.id.split("-")[0]
    raise AssertionError("no room")


def test_cascade_up_status_switch_down(shell: dict[str, str], sim_network: Path) -> None:
    up = hnth("cascade", "up", "--json", env=shell)
    assert up.returncode == 0, up.stderr[-2000:]
    report = json.loads(up.stdout)
    assert report["links"] > 30 and report["connected"] == report["links"]

    status = hnth("cascade", "status", env=shell)
    assert status.returncode == 0 and "connected" in status.stdout
    assert "disconnected" not in status.stdout

    site, _ = a_room(sim_network)
    switched = hnth("switch", site, "--json", env=shell)
    assert switched.returncode == 0, switched.stderr[-2000:]
    trace = json.loads(switched.stdout)
    assert trace["verdict"] == "PASS" and trace["site"] == site
    assert trace["path"][-1] == load_network(sim_network).master.id
    assert {c["mcu"] for c in trace["actions"]} == set(trace["path"])
    assert all(c["error"] is None for c in trace["confirmations"])
    table = hnth("switch", site, env=shell)
    assert table.returncode == 0 and re.search(r"PASS .* on the chair's screen in \d+ ms",
                                               table.stdout)

    down = hnth("cascade", "down", "--json", env=shell)
    assert down.returncode == 0, down.stderr[-2000:]
    assert json.loads(down.stdout)["connected"] == 0
    kinds = {(r["action"], r["result"]) for r in audit_records(shell)}
    assert {("cascade.link.up", "ok"), ("cascade.switch_to", "ok"),
            ("cascade.link.down", "ok")} <= kinds
    # bring it back for the other tests
    assert hnth("cascade", "up", env=shell).returncode == 0


def test_switch_not_confirmed_exits_1(shell: dict[str, str], sim_network: Path) -> None:
    # with the cascade down the site's picture cannot reach the chair: the switch is
    # reported, per hop, as not confirmed
    assert hnth("cascade", "down", env=shell).returncode == 0
    site, _ = a_room(sim_network)
    done = hnth("switch", site, "--json", env=shell)
    assert done.returncode == 1, done.stderr[-2000:]
    trace = json.loads(done.stdout)
    assert trace["verdict"] == "FAIL" and trace["reason"]
    assert hnth("cascade", "up", env=shell).returncode == 0


def test_province_operator_is_refused_outside_its_area_and_audited(
        shell: dict[str, str], sim_network: Path) -> None:
    site, province = a_room(sim_network)
    env = {**shell, "HNTH_OPERATOR": "op-p01"}
    for args in (("switch", site), ("camera", "preset", site, "podium"),
                 ("cascade", "up")):
        done = hnth(*args, env=env)
        assert done.returncode == 3, (args, done.stderr)
        assert "outside the operator's area" in done.stderr and "Traceback" not in done.stderr
    own = hnth("switch", site, "--operator", f"op-{province}", env=shell)
    assert own.returncode == 0, own.stderr[-2000:]
    denied = [r for r in audit_records(shell) if r["result"] == "denied"]
    assert {r["action"] for r in denied} >= {"cascade.switch_to", "camera.preset",
                                             "cascade.link.up"}
    assert all(r["actor"] == "op-p01" or r["detail"].get("operator") == "op-p01"
               for r in denied)


def test_unknown_operator_and_missing_network(shell: dict[str, str], tmp_path: Path) -> None:
    done = hnth("cascade", "up", "--operator", "mallory", env=shell)
    assert done.returncode == 2 and "unknown operator 'mallory'" in done.stderr
    env = {k: v for k, v in shell.items() if k != "HNTH_NETWORK"}
    done = hnth("cascade", "status", env=env)
    assert done.returncode == 2 and "HNTH_NETWORK" in done.stderr


def test_camera_preset(shell: dict[str, str], sim_network: Path) -> None:
    site, _ = a_room(sim_network)
    done = hnth("camera", "preset", site, "podium", "--json", env=shell)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout)["ok"] is True
    bad = hnth("camera", "preset", site, "balcony", env=shell)
    assert bad.returncode == 2 and "unknown preset name" in bad.stderr
    assert any(r["action"] == "camera.preset" and r["result"] == "ok"
               for r in audit_records(shell))


def test_readiness_over_the_network_file(shell: dict[str, str], tmp_path: Path) -> None:
    assert hnth("cascade", "up", env=shell).returncode == 0
    out = tmp_path / "summary.json"
    done = hnth("readiness", "--no-stats", "--sample-calls", "2", "--out", str(out),
                "--lang", "en", env=shell)
    assert done.returncode == 0, done.stderr[-2000:] + done.stdout[-2000:]
    assert re.search(r"test calls: \S+ [\d.]+ s ok, \S+ [\d.]+ s ok", done.stdout)
    summary = json.loads(out.read_text())
    assert summary["ready"] is True and len(summary["rows"]) == len(
        load_network(Path(shell["HNTH_NETWORK"])).sites)
    # --json: the same document on stdout, and nothing else there
    printed = hnth("readiness", "--no-stats", "--sample-calls", "0", "--json", "--lang",
                   "en", env=shell)
    assert printed.returncode == 0, printed.stderr[-2000:]
    document = json.loads(printed.stdout)
    assert document.keys() == summary.keys() and document["ready"] is True
    assert "test calls: none" in printed.stderr


async def _drop_uplink(sim_network: Path, env: dict[str, str]) -> str:
    """Hang up one slave's cascade link as another tool would (through its driver)."""
    from hnth_drivers.network import Fleet

    fleet = Fleet.from_file(sim_network)
    async with fleet:
        cascade = fleet.cascade()
        victim = sorted(cascade.links)[0]
        mcu = await fleet.mcu(victim)
        await mcu.disconnect_participant(fleet.network.conference,
                                         cascade.links[victim].uplink)
    return victim


async def _watch(env: dict[str, str], *extra: str) -> list[dict[str, object]]:
    import asyncio

    from tests.conftest import HNTH

    proc = await asyncio.create_subprocess_exec(
        *HNTH, "watch", "--json", "--interval", "0.3", "--no-snmp", *extra,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env)
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()[-2000:]
    return [json.loads(line) for line in out.decode().splitlines() if line.strip()]


async def test_watch_redials_a_dropped_link_and_respects_holds(
        shell: dict[str, str], sim_network: Path) -> None:
    import asyncio

    assert hnth("cascade", "up", env=shell).returncode == 0
    watching = asyncio.ensure_future(_watch(shell, "--duration", "8"))
    await asyncio.sleep(3)  # the watcher has started and made a round or two
    victim = await _drop_uplink(sim_network, shell)
    events = await watching
    mine = [e["event"] for e in events if e["mcu"] == victim and e["what"] == "link"]
    assert "dropped" in mine and "redialed" in mine and mine[-1] == "recovered", events
    assert any(r["action"].startswith("watchdog") or r["actor"] == "central"
               for r in audit_records(shell))

    held = asyncio.ensure_future(_watch(shell, "--duration", "5", "--hold",
                                        f"{victim}:uplink"))
    await asyncio.sleep(3)
    await _drop_uplink(sim_network, shell)
    events = await held
    assert not any(e["mcu"] == victim and e["event"] == "redialed" for e in events), events
    status = json.loads(hnth("cascade", "status", "--json", env=shell).stdout)
    assert status["states"][victim] != "connected"
    assert hnth("cascade", "up", env=shell).returncode == 0  # the operator redials it


def test_meeting_run_does_the_device_steps_through_the_network_file(
        shell: dict[str, str], sim_network: Path, tmp_path: Path) -> None:
    import datetime as dt

    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    start, site = now + dt.timedelta(seconds=20), a_room(sim_network)[0]
    net = load_network(sim_network)
    mcu = net.site(site).mcu
    meeting = tmp_path / "meeting.toml"
    meeting.write_text(f"""[meeting]
id = "net-meeting"
title = "Hội nghị thử"
kind = "planned"
request = {(now - dt.timedelta(hours=3)).isoformat()}
start = {start.isoformat()}
end = {(start + dt.timedelta(seconds=60)).isoformat()}
chair = "{net.chair}"
network = "{sim_network}"

[[sites]]
id = "{net.chair}"
name = "Chair"
level = "government"
unit = "central office"
mcu = "{net.master.id}"

[[sites]]
id = "{site}"
name = "A room"
level = "{net.site(site).site.level.value}"
unit = "province"
mcu = "{mcu}"

[[script]]
at = "0m"
show = "{site}"
""", encoding="utf-8")
    done = hnth("meeting", "run", str(meeting), "--confirm", "notify_units", "--confirm",
                "rehearse", env=shell, timeout=600)
    state = json.loads((tmp_path / "meeting.state.json").read_text())["steps"]
    assert "links connected" in state["cascade_slave_mcus"]["summary"], done.stdout[-3000:]
    assert state["cascade_slave_mcus"]["status"] == "done"
    assert state["chair_test_calls"]["summary"].startswith("3/3 test calls")
    assert state["system_ready"]["status"] == "done", done.stdout[-3000:]
    assert state["serve_meeting"]["status"] == "done", done.stdout[-3000:]
    assert "1 switches (0 over 30 s)" in state["serve_meeting"]["summary"]
    assert (tmp_path / "net-meeting.quality-report.html").is_file()
    switched = [r for r in audit_records(shell) if r["action"] == "cascade.switch_to"
                and r["target"] == site and r["actor"] == "central"]
    assert switched


def test_monitor_watches_every_snmp_target_of_the_network_file(
        shell: dict[str, str], sim_network: Path) -> None:
    import signal
    import subprocess

    from tests.conftest import HNTH

    wanted = {t.id for t in load_network(sim_network).snmp}
    assert len(wanted) > 30
    once = hnth("monitor", "--once", "--json", env=shell)
    assert once.returncode == 0, once.stderr[-2000:]
    report = json.loads(once.stdout)
    assert {d["device"] for d in report["devices"]} == wanted
    assert all(d["reachable"] and d["error"] is None and d["uptime_s"] > 0
               for d in report["devices"])
    assert report["alarms"] == []
    table = hnth("monitor", "--once", "--network", str(sim_network), env=shell)
    assert table.returncode == 0 and "Device health" in table.stdout

    # live: one JSON line per sweep, until interrupted
    live = subprocess.Popen([*HNTH, "monitor", "--json", "--interval", "0.2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=shell)
    assert live.stdout is not None
    try:
        lines = [json.loads(live.stdout.readline()) for _ in range(2)]
    finally:
        live.send_signal(signal.SIGINT)
        _, err = live.communicate(timeout=30)
    assert live.returncode == 0 and "Traceback" not in err, err[-2000:]
    for line in lines:
        assert {d["device"] for d in line["sweep"]} == wanted

    both = hnth("monitor", "--once", "--targets", str(sim_network), "--network",
                str(sim_network), env=shell)
    assert both.returncode == 2 and "not both" in both.stderr
    env = {k: v for k, v in shell.items() if k != "HNTH_NETWORK"}
    neither = hnth("monitor", "--once", env=env)
    assert neither.returncode == 2 and "HNTH_NETWORK" in neither.stderr
