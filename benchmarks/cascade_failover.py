"""Failover benchmark: the master dies mid-meeting; time until the chair sees its site again.

On the whole planned profile (vn-2021 by default) in simulated MCUs reached in-process
(``ModelMcu``), each MCU answering every API call after ``--latency-ms`` (50): the cascade
is brought up, the chair switched to a site of the deepest MCU, the master killed (its calls
drop, it stops answering), then :func:`~hnth_drivers.cascade.failover.failover` moves the
meeting to the standby and restores the chair's screen. Goal: restored within 60 s of the
loss being detected.

The floor, measured in the same run on an identical fresh network, is the same driver calls
made bare in their minimal dependency order: create the conference; dial the master's
sites and re-dial the master's links, all at once; read the chair and the links once; the
switch's actions, then its confirming reads. The ratio is failover / floor.

Usage: python benchmarks/cascade_failover.py [--profile vn-2021|vn-2025] [--latency-ms 50]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from dataclasses import dataclass
from functools import partial

from hnth_drivers.cascade.failover import failover
from hnth_drivers.cascade.link import default_cascade_address
from hnth_drivers.cascade.live import LiveCascade, McuNode, gather_bounded
from hnth_drivers.cascade.planner import Plan, plan
from hnth_drivers.cascade.profiles import profile
from hnth_drivers.cascade.switch import Switcher
from hnth_drivers.cascade.topology import Topology
from hnth_drivers.model import Endpoint, ParticipantKind
from hnth_drivers.security.access import Operator, Role, SiteTree
from hnth_drivers.testing.model_mcu import ModelMcu
from hnth_sim.mcu.model import ManualClock, Network

CONF = "hnth"
GOAL_S = 60.0


@dataclass
class Meeting:
    net: Network
    cascade: LiveCascade
    standby: McuNode
    endpoints: dict[str, Endpoint]
    far: str


async def build(topo: Topology, result: Plan, latency_ms: float) -> Meeting:
    """The planned meeting on a fresh network, links up, the chair showing a far site."""
    assert result.standby is not None
    net = Network(clock=ManualClock(), seed=7)
    drivers = {}
    for placed in result.mcus:
        model = net.add_mcu(placed.id, ports=placed.capacity)
        model.create_conference(CONF)
        drivers[placed.id] = ModelMcu(model)
    endpoints = {}
    for n, a in enumerate(result.sites):
        endpoints[a.site] = Endpoint(a.site, f"10.{n // 65536}.{n // 256 % 256}.{n % 256}")
        net.mcu(a.mcu).add_participant(CONF, endpoints[a.site])
    spec = topo.mcu(result.standby)
    standby = McuNode(spec.id, ModelMcu(net.add_mcu(spec.id, ports=spec.capacity)), CONF)
    cascade = LiveCascade.from_plan(result, drivers, conference=CONF, chair="gov")
    await cascade.up(wait_s=30)
    deepest = max(len(result.path(a.site)) for a in result.sites)
    far = next(a.site for a in result.sites if len(result.path(a.site)) == deepest
               and a.site != "gov")
    trace = await Switcher(cascade, operator=Operator("central", Role.CENTRAL_OPERATOR),
                           tree=SiteTree.of(topo.sites), audit=None).switch_to(far)
    assert trace.ok, trace.reason
    for model in net:
        model.faults.latency_ms = latency_ms
    return Meeting(net, cascade, standby, endpoints, far)


def kill(meeting: Meeting) -> None:
    master = meeting.net.mcu(meeting.cascade.master)
    for p in list(master.participants(CONF)):
        master.drop(CONF, p.name)
    master.faults.down = True


async def bare(meeting: Meeting) -> float:
    """The same calls made bare, in their minimal dependency order."""
    c, sb = meeting.cascade, meeting.standby
    old = c.master
    mine = [s for s, m in c.sites.items() if m == old]
    children = [s for s, link in c.links.items() if link.master.mcu_id == old]
    t0 = time.perf_counter()
    await sb.driver.create_conference(CONF)

    async def relink(slave: str) -> None:
        link = c.links[slave]
        await link.slave.mcu.remove_participant(link.slave.conference, link.leg)
        await link.slave.mcu.add_participant(
            link.slave.conference, Endpoint(site=sb.id,
                                            address=default_cascade_address(sb.id, CONF)),
            name=link.leg, kind=ParticipantKind.CASCADE)

    await gather_bounded([partial(sb.driver.add_participant, CONF, meeting.endpoints[s],
                                  name=s) for s in mine]
                         + [partial(relink, s) for s in children], c.concurrency)
    await gather_bounded([partial(sb.driver.participant, CONF, c.chair)]
                         + [partial(c.links[s].slave.mcu.participant, CONF, c.links[s].leg)
                            for s in children], c.concurrency)
    # the switch's calls, as Switcher makes them on the cascade under the standby
    successor = LiveCascade(
        [McuNode(sb.id, sb.driver, CONF)] + [
            McuNode(n.id, n.driver, n.conference, sb.id if n.parent == old else n.parent)
            for n in c.nodes.values() if n.id != old],
        {s: sb.id if m == old else m for s, m in c.sites.items()}, chair=c.chair)
    steps = Switcher(successor, operator=Operator("central", Role.CENTRAL_OPERATOR),
                     tree=SiteTree({}), audit=None).steps(meeting.far)
    await asyncio.gather(*(call for st in steps for call in (
        st.driver.show_full_screen(st.conference, st.shown, target=st.to),
        st.driver.mute(st.conference, st.shown, False))))
    await asyncio.gather(*(call for st in steps for call in (
        st.driver.layout(st.conference, target=st.to),
        st.driver.participant(st.conference, st.to),
        st.driver.participant(st.conference, st.shown))))
    return time.perf_counter() - t0


async def main_async(name: str, latency_ms: float) -> int:
    topo = profile(name)
    result = plan(topo)
    tree = SiteTree.of(topo.sites)
    central = Operator("central", Role.CENTRAL_OPERATOR)

    meeting = await build(topo, result, latency_ms)
    kill(meeting)
    detected = time.perf_counter()
    _, trace = await failover(
        meeting.cascade, meeting.standby, meeting.endpoints, operator=central, tree=tree,
        audit=None, showing=meeting.far, wait_s=GOAL_S, poll_s=0.05,
        view_of=lambda: meeting.net.view_of(meeting.standby.id, CONF, "gov"))
    restored_s = time.perf_counter() - detected
    assert trace.ok, trace.reason

    fresh = await build(topo, result, latency_ms)
    kill(fresh)
    floor = await bare(fresh)

    steps = ", ".join(f"{s} {t:.2f}" for s, t in trace.steps)
    moved = sum(1 for s, m in meeting.cascade.sites.items() if m == result.master)
    print(f"{name}: {len(result.mcus)} MCUs, latency {latency_ms:g} ms/call; "
          f"{moved} sites and {len(result.failover_links)} links moved to "
          f"{result.standby}; {len(trace.calls)} calls")
    print(f"steps (s from the start): {steps}")
    print(f"failover {trace.total_s:.2f} s; floor (same calls bare) {floor:.2f} s; "
          f"ratio {trace.total_s / floor:.2f}x; chair restored {restored_s:.2f} s after "
          f"the loss was detected (goal < {GOAL_S:g} s) -> "
          f"{'met' if restored_s < GOAL_S else 'MISSED'}")
    return 0 if restored_s < GOAL_S else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="vn-2021", choices=("vn-2021", "vn-2025"))
    parser.add_argument("--latency-ms", type=float, default=50.0)
    args = parser.parse_args()
    return asyncio.run(main_async(args.profile, args.latency_ms))


if __name__ == "__main__":
    sys.exit(main())
