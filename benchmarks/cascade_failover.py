"""Failover benchmark on the HTTPS simulation: the master dies mid-meeting; time until the
chair sees its site again through the standby.

``hnth sim network --profile vn-2021`` runs in its own process (every planned MCU and the
standby behind one loopback TLS socket, real wire protocols); this process reaches it
through the network file, the registry's drivers and a :class:`~hnth_drivers.network.Fleet`,
as ``hnth cascade failover`` does. Each run: the cascade is brought up and the chair
switched to a site of the deepest MCU; the master is killed (SIGUSR1 to the simulation:
its calls drop, it stops answering); the loss is *detected* when a read of the master
fails; then :func:`~hnth_drivers.cascade.failover.failover` moves the meeting to the
standby and restores the chair's screen. Goal: restored within 60 s of the detection.

The floor, measured in the same run on the same network (the master revived, the meeting
failed back, the master killed again; each measurement in a fresh Fleet, the two in
alternating order), is the same driver calls made bare in their minimal dependency order:
the standby's conference; the master's sites dialled and the master's links re-dialled to
the standby, all at once; the chair and the links read until connected; the switch's
actions, then its confirming reads. The ratio is failover / floor.

Usage: python benchmarks/cascade_failover.py [--profile vn-2021|vn-2025] [--runs 3]
       [--latency-ms 0]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

from hnth_drivers.cascade.failover import failback, failover, successor
from hnth_drivers.cascade.live import LiveCascade, McuNode, gather_bounded
from hnth_drivers.cascade.switch import Switcher
from hnth_drivers.errors import HnthError
from hnth_drivers.model import ConnectionState, Endpoint, ParticipantKind
from hnth_drivers.network import Fleet
from hnth_drivers.security.access import Operator, Role, SiteTree

GOAL_S = 60.0
CENTRAL = Operator("central", Role.CENTRAL_OPERATOR)


class Simulation:
    """``hnth sim network`` in a child process; SIGUSR1 kills the master, SIGUSR2 revives."""

    def __init__(self, profile: str, latency_ms: float, out: Path) -> None:
        hnth = [sys.executable, "-c", "from hnth_drivers.cli import main; main()"]
        env = {k: v for k, v in os.environ.items() if not k.startswith("HNTH_")}
        self.proc = subprocess.Popen([*hnth, "sim", "network", "--profile", profile, "--out",
                                      str(out), "--rooms", "1", "--latency-ms",
                                      str(latency_ms)], stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True, env=env)
        self.network = Path(self.wait_for("READY network", 300).split()[2])

    def wait_for(self, text: str, within_s: float = 30) -> str:
        assert self.proc.stdout is not None
        deadline = time.monotonic() + within_s
        while (left := deadline - time.monotonic()) > 0:
            if not select.select([self.proc.stdout], [], [], left)[0]:
                break
            line = self.proc.stdout.readline()
            if text in line:
                return line
            if not line:
                break
        raise SystemExit(f"the simulation did not print {text!r}")

    def kill_master(self) -> None:
        self.proc.send_signal(signal.SIGUSR1)
        self.wait_for("KILLED mcu")

    def revive_master(self) -> None:
        self.proc.send_signal(signal.SIGUSR2)
        self.wait_for("REVIVED mcu")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(30)


async def detect(node: McuNode) -> float:
    """Read the master until a read fails: the loss is detected (returns that instant)."""
    while True:
        try:
            await node.driver.participants(node.conference)
        except HnthError:
            return time.perf_counter()
        await asyncio.sleep(0.05)


async def bare(cascade: LiveCascade, standby: McuNode, endpoints: dict[str, Endpoint],
               far: str, poll_s: float) -> float:
    """The same calls made bare, in their minimal dependency order."""
    old, conf = cascade.master, standby.conference
    mine = [s for s, m in cascade.sites.items() if m == old]
    children = [s for s, link in cascade.links.items() if link.master.mcu_id == old]
    new = successor(cascade, standby)
    t0 = time.perf_counter()
    with contextlib.suppress(HnthError):  # kept warm: it exists
        await standby.driver.create_conference(conf)

    async def relink(slave: str) -> None:
        link = cascade.links[slave]
        await link.slave.mcu.remove_participant(link.slave.conference, link.leg)
        await link.slave.mcu.add_participant(
            link.slave.conference, Endpoint(site=standby.id, address=new.links[slave].address),
            name=link.leg, kind=ParticipantKind.CASCADE)

    await asyncio.gather(  # the sites and the links at once, each bounded as in failover
        gather_bounded([partial(standby.driver.add_participant, conf, endpoints[s], name=s)
                        for s in mine], cascade.concurrency),
        gather_bounded([partial(relink, s) for s in children], cascade.concurrency))
    while True:
        chair, states = await asyncio.gather(standby.driver.participant(conf, cascade.chair),
                                             new.link_states(children))
        if chair.state is ConnectionState.CONNECTED and all(
                v is ConnectionState.CONNECTED for v in states.values()):
            break
        await asyncio.sleep(poll_s)
    steps = Switcher(new, operator=CENTRAL, tree=SiteTree({}), audit=None).steps(far)
    await asyncio.gather(*(call for st in steps for call in (
        st.driver.show_full_screen(st.conference, st.shown, target=st.to),
        st.driver.mute(st.conference, st.shown, False))))
    await asyncio.gather(*(call for st in steps for call in (
        st.driver.layout(st.conference, target=st.to),
        st.driver.participant(st.conference, st.to),
        st.driver.participant(st.conference, st.shown))))
    return time.perf_counter() - t0


async def meeting(fleet: Fleet) -> tuple[LiveCascade, McuNode, dict[str, Endpoint], str]:
    """The cascade up, the chair showing a site of the deepest MCU."""
    cascade = fleet.cascade(operator=CENTRAL)
    results = await fleet.open_all(fleet.targets("mcu"))
    failed = [r.target.id for r in results if not r.ok]
    if failed:
        raise SystemExit(f"MCUs did not open: {failed[:5]}")
    await cascade.up(wait_s=60)
    entry = next(m for m in fleet.network.mcus if m.role.value == "standby")
    standby = McuNode(entry.id, fleet.mcu_driver(entry.id), fleet.network.conference)
    endpoints = {s.id: Endpoint(s.id, str(s.dial)) for s in fleet.network.sites
                 if s.mcu == cascade.master}
    deepest = max(len(cascade.path(s)) for s in cascade.sites)
    far = next(s for s in cascade.sites if len(cascade.path(s)) == deepest
               and s != cascade.chair)
    trace = await Switcher(cascade, operator=CENTRAL, tree=fleet.tree,
                           audit=None).switch_to(far)
    assert trace.ok, trace.reason
    return cascade, standby, endpoints, far


async def restore(fleet: Fleet, sim: Simulation, cascade: LiveCascade, standby: McuNode,
                  endpoints: dict[str, Endpoint], far: str) -> None:
    """Revive the master and fail the meeting back to it (not timed)."""
    sim.revive_master()
    master = cascade.nodes[cascade.master]
    await fleet.open_all([fleet.network.mcu(master.id).target()])
    _, trace = await failback(successor(cascade, standby), master, endpoints,
                              operator=CENTRAL, tree=fleet.tree, audit=None, showing=far,
                              wait_s=GOAL_S)
    assert trace.ok, trace.reason


async def measure(sim: Simulation, poll_s: float, *, floor: bool) -> tuple[float, str]:
    """One measurement in a fresh Fleet (cold connections, as an operator's command has):
    the meeting set up, the master killed and its loss detected, then the failover (or the
    bare calls) timed; the meeting failed back afterwards."""
    fleet = Fleet.from_file(sim.network)
    async with fleet:
        cascade, standby, endpoints, far = await meeting(fleet)
        master = cascade.nodes[cascade.master]
        killed = time.perf_counter()
        sim.kill_master()
        detected = await detect(master)
        if floor:
            took = await bare(cascade, standby, endpoints, far, poll_s)
            note = f"floor {took:.2f} s"
        else:
            _, trace = await failover(cascade, standby, endpoints, operator=CENTRAL,
                                      tree=fleet.tree, audit=None, showing=far,
                                      wait_s=GOAL_S, poll_s=poll_s)
            took = time.perf_counter() - detected
            assert trace.ok, trace.reason
            moved = sum(1 for m in cascade.sites.values() if m == master.id)
            links = sum(1 for k in cascade.links.values() if k.master.mcu_id == master.id)
            note = (f"{moved} sites and {links} links to {standby.id}, {len(trace.calls)} "
                    "calls; steps " + ", ".join(f"{s} {t:.2f}" for s, t in trace.steps)
                    + f"; chair restored {took:.2f} s after detection (detected "
                    f"{detected - killed:.2f} s after the kill)")
        await restore(fleet, sim, cascade, standby, endpoints, far)
        return took, note


async def one_run(sim: Simulation, poll_s: float, n: int) -> dict[str, float]:
    # alternate which goes first, so neither always meets a warmer simulation
    order = (False, True) if n % 2 == 0 else (True, False)
    got = {}
    for floor in order:
        got[floor] = await measure(sim, poll_s, floor=floor)
    (restored, note), (bare_s, floor_note) = got[False], got[True]
    print(f"  {note}; {floor_note}; ratio {restored / bare_s:.2f}x", flush=True)
    return {"failover": restored, "floor": bare_s, "restored": restored}


async def main_async(sim: Simulation, runs: int, poll_s: float) -> list[dict[str, float]]:
    return [await one_run(sim, poll_s, n) for n in range(runs)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="vn-2021", choices=("vn-2021", "vn-2025"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--poll-s", type=float, default=0.2,
                        help="How often both wait for the calls to connect.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        sim = Simulation(args.profile, args.latency_ms, Path(tmp))
        print(f"{args.profile} over HTTPS (simulation started in "
              f"{time.perf_counter() - t0:.1f} s, API latency {args.latency_ms:g} ms)",
              flush=True)
        try:
            results = asyncio.run(main_async(sim, args.runs, args.poll_s))
        finally:
            sim.stop()
    worst = max(r["restored"] for r in results)
    ratios = [r["failover"] / r["floor"] for r in results]
    print(f"{len(results)} runs: failover median "
          f"{statistics.median(r['failover'] for r in results):.2f} s, floor median "
          f"{statistics.median(r['floor'] for r in results):.2f} s, ratio "
          f"{min(ratios):.2f}-{max(ratios):.2f}x; chair restored at worst {worst:.2f} s "
          f"after detection (goal < {GOAL_S:g} s) -> {'met' if worst < GOAL_S else 'MISSED'}")
    return 0 if worst < GOAL_S else 1


if __name__ == "__main__":
    sys.exit(main())
