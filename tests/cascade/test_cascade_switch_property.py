"""Property: on any planned cascade, every switch puts the site, and only it, on the chair's
screen with its sound, and the trace's path is the plan's path."""

from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from hnth_drivers.cascade.live import LiveCascade
from hnth_drivers.cascade.planner import PlanInfeasible, plan
from hnth_drivers.cascade.switch import Switcher
from hnth_drivers.cascade.topology import McuRole, McuSpec, Topology
from hnth_drivers.model import Endpoint, Level, Site
from hnth_drivers.security.access import Operator, Role, SiteTree
from hnth_drivers.testing.model_mcu import ModelMcu
from hnth_sim.mcu.model import ManualClock, Network

CONF = "hnth"


@st.composite
def cramped(draw: st.DrawFn) -> Topology:
    """A random hierarchy whose master has 2 ports: the planner must cascade slaves under
    slaves, so switches cross 1, 2 and 3 hops (no spare ports reserved: cramped on
    purpose)."""
    n = draw(st.integers(4, 14))
    parents = [-1] + [draw(st.integers(0, i - 1)) for i in range(1, n)]
    sites = [Site(f"s{i}", f"site {i}", Level.GOVERNMENT if i == 0 else Level.COMMUNE,
                  None if i == 0 else f"s{parents[i]}") for i in range(n)]
    mcus = [McuSpec("m0", "test", "codian", "https://m0.test", 2, "s0",
                    McuRole.MASTER, reserve=0)]
    for j in range(1, draw(st.integers(3, 7)) + 1):
        area = f"s{draw(st.integers(0, n - 1))}"
        mcus.append(McuSpec(f"m{j}", "test", "codian", f"https://m{j}.test",
                            draw(st.integers(3, 5)), area, reserve=0))
    return Topology.build("cramped", sites, mcus)


async def _switch_all(topo: Topology, max_depth: int, order: list[int]) -> None:
    try:
        the_plan = plan(topo, max_depth)
    except PlanInfeasible:
        assume(False)
        return
    on_master = [a.site for a in the_plan.sites if a.mcu == the_plan.master]
    assume(on_master)
    chair = on_master[0]
    others = [a.site for a in the_plan.sites if a.site != chair]
    assume(others)
    net = Network(clock=ManualClock(), seed=3)
    drivers = {}
    for m in the_plan.mcus:
        model = net.add_mcu(m.id, ports=m.capacity)
        model.create_conference(CONF)
        drivers[m.id] = ModelMcu(model)
    for a in the_plan.sites:
        net.mcu(a.mcu).add_participant(CONF, Endpoint(a.site, f"{a.site}.test"))
    cascade = LiveCascade.from_plan(the_plan, drivers, conference=CONF, chair=chair)
    await cascade.up(wait_s=1)
    switcher = Switcher(cascade, operator=Operator("c", Role.CENTRAL_OPERATOR),
                        tree=SiteTree.of(topo.sites), audit=None,
                        view_of=lambda: net.view_of(the_plan.master, CONF, chair),
                        hears=lambda: net.audio_of(the_plan.master, CONF, chair))
    for i in order:
        site = others[i % len(others)]
        trace = await switcher.switch_to(site)
        assert trace.ok, trace.reason
        assert trace.path == the_plan.path(site)
        assert net.view_of(the_plan.master, CONF, chair) == (site,)
        assert site in net.audio_of(the_plan.master, CONF, chair)
        assert trace.round_trips == 2
        event(f"hops={trace.hops}")


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(cramped(), st.integers(1, 3),
       st.lists(st.integers(0, 50), min_size=1, max_size=6))
def test_every_switch_shows_exactly_the_site(topo: Topology, max_depth: int,
                                             order: list[int]) -> None:
    asyncio.run(_switch_all(topo, max_depth, order))
