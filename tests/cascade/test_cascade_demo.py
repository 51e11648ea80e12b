"""`hnth demo` end to end: a small mixed-API topology, and the default vn-2025 command."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

from typer.testing import CliRunner

from hnth_drivers.cascade.planner import plan
from hnth_drivers.cascade.profiles import vn_2021
from hnth_drivers.cascade.switch import SwitchTrace
from hnth_drivers.cascade.topology import McuRole, McuSpec, Topology
from hnth_drivers.cli import app
from hnth_drivers.model import Level, Site
from hnth_sim.cli_demo import pick_sites, run_demo
from hnth_sim.network import NationalSim, SimMcu


def small_topology() -> Topology:
    """gov (chair) + 2 provinces with 2 districts of 3 communes; MCUs of both APIs, so
    that the planner must cascade two levels (the master is small). No spare ports are
    reserved: the inventory is tight on purpose."""
    sites = [Site("gov", "Chính phủ", Level.GOVERNMENT)]
    mcus = [McuSpec("central", "central office", "codian", "https://central.test", 4, "gov",
                    McuRole.MASTER, reserve=0)]
    for p in (1, 2):
        pid = f"p{p}"
        sites.append(Site(pid, f"Tỉnh {p}", Level.PROVINCE, "gov"))
        mcus.append(McuSpec(f"mcu-{pid}", "province", "smc" if p == 1 else "codian",
                            f"https://{pid}.test", 5, pid, reserve=0))
        for d in (1, 2):
            did = f"{pid}-d{d}"
            sites.append(Site(did, f"Huyện {d}", Level.DISTRICT, pid))
            sites += [Site(f"{did}-c{c}", f"Xã {c}", Level.COMMUNE, did) for c in (1, 2, 3)]
            mcus.append(McuSpec(f"mcu-{did}", "carrier", "codian" if d == 1 else "smc",
                                f"https://{did}.test", 5, did, reserve=0))
    return Topology.build("small", sites, mcus)


async def test_demo_on_a_small_mixed_topology(tmp_path: Path) -> None:
    topo = small_topology()
    assert plan(topo).max_depth == 2
    result = await run_demo(topo, latency_ms=0, per_level=2, seed=1,
                            audit_path=tmp_path / "audit.jsonl")
    assert result.ok, result.steps
    assert [name for name, _, _ in result.steps] == [
        "plan", "simulation", "cascade up", "site connection states", "switches",
        "watchdog", "audit log"]
    traces = [t for t in result.switches if isinstance(t, SwitchTrace)]
    assert {t.hops for t in traces} == {1, 2}      # every level, the farthest included
    levels = {topo.site(t.site).level for t in traces}
    assert levels == {Level.PROVINCE, Level.DISTRICT, Level.COMMUNE}
    assert all(t.seen == (t.site,) for t in traces)
    simulation = dict((n, d) for n, _, d in result.steps)["simulation"]
    assert "codian" in simulation and "smc" in simulation


def test_pick_sites_takes_the_farthest_then_a_seeded_sample() -> None:
    levels = {"a": ["x1", "x2", "x3", "x4"], "b": ["y1"], "c": []}
    hops = {"x1": 1, "x2": 3, "x3": 2, "x4": 1, "y1": 0}
    first = pick_sites(levels, hops.__getitem__, per_level=2, seed=3)
    assert first[0] == "x2" and len(first) == 3 and first[2] == "y1"
    assert first == pick_sites(levels, hops.__getitem__, per_level=2, seed=3)


def test_demo_command_default_profile_passes() -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["demo", "--latency-ms", "5", "--per-level", "2"])
    assert result.exit_code == 0, result.output
    assert "PASS" in result.output and "vn-2025" in result.output


def test_demo_command_refuses_an_unknown_profile() -> None:
    result = CliRunner().invoke(app, ["demo", "--profile", "vn-1999"])
    assert result.exit_code == 2


def test_vn_2021_simulation_fits_in_memory(tmp_path: Path) -> None:
    topo = vn_2021()
    the_plan = plan(topo)
    tracemalloc.start()
    try:
        sim = NationalSim([SimMcu(m.id, topo.mcu(m.id).driver, m.capacity)
                           for m in the_plan.mcus], {a.site: a.mcu for a in the_plan.sites},
                          password="pw-for-memory-test", tls_dir=tmp_path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(sim.sites) == 11_371 and len(sim.mcus) == len(the_plan.mcus)
    assert {m.api for m in sim.mcus.values()} == {"codian", "smc"}
    assert peak < 200 * 1024 * 1024


async def test_demo_fails_when_a_site_is_down(tmp_path: Path) -> None:
    def unplug(meeting: object) -> None:
        from hnth_sim.simulated import SimulatedMeeting
        assert isinstance(meeting, SimulatedMeeting)
        mcu = meeting.plan.mcu_of("p2-d1-c2")
        meeting.sim.mcu(mcu).drop(meeting.sim.conference, "p2-d1-c2")

    result = await run_demo(small_topology(), latency_ms=0, per_level=1, seed=1,
                            audit_path=tmp_path / "audit.jsonl", prepare=unplug)
    assert not result.ok
    failed = [name for name, ok, _ in result.steps if not ok]
    assert failed == ["site connection states"]


def test_demo_needs_no_test_dependency() -> None:
    import subprocess
    import sys
    code = ("import sys; sys.modules['pytest'] = None; "
            "import hnth_sim.cli_demo, hnth_sim.simulated, hnth_sim.network")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


async def test_demo_reports_an_mcu_that_does_not_answer(tmp_path: Path) -> None:
    def power_cut(meeting: object) -> None:
        from hnth_sim.simulated import SimulatedMeeting
        assert isinstance(meeting, SimulatedMeeting)
        meeting.sim.mcu("mcu-p1-d2").faults.down = True

    result = await run_demo(small_topology(), latency_ms=0, per_level=1, seed=1,
                            audit_path=tmp_path / "audit.jsonl", prepare=power_cut)
    assert not result.ok
    assert [(name, ok) for name, ok, _ in result.steps][-2:] == [
        ("error", False), ("audit log", True)]
    assert "mcu-p1-d2" in dict((n, d) for n, _, d in result.steps)["error"]
