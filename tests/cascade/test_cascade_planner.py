"""The planner: every constraint on random topologies, optimality against an exact ILP,
explanations of infeasible inputs, re-planning after an MCU is removed."""

from __future__ import annotations

import pytest
from cascade_gen import any_topology, ilp_optimum, topologies
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hnth_drivers.cascade.plan_check import violations
from hnth_drivers.cascade.planner import PlanInfeasible, moved_sites, plan
from hnth_drivers.cascade.replan import actions, forced_moves, moves, replan
from hnth_drivers.cascade.search import tree_shapes
from hnth_drivers.cascade.topology import McuRole, McuSpec, Topology
from hnth_drivers.errors import ConfigError
from hnth_drivers.model import Level, Site

FAST = settings(max_examples=150, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(any_topology(), st.integers(0, 3), st.sampled_from(["exact", "greedy"]))
def test_every_constraint_holds_or_the_input_is_explained(
        topo: Topology, max_depth: int, method: str) -> None:
    try:
        result = plan(topo, max_depth, method=method)
    except PlanInfeasible as exc:
        why = exc.explanation
        assert why.reason in ("ports", "depth")
        assert topo.has_site(why.area)
        assert why.bottleneck and all(topo.has_mcu(m) for m in why.bottleneck)
        assert why.area in why.detail
        if why.reason == "ports":
            assert why.missing > 0
        return
    assert violations(topo, result, max_depth) == []
    assert result.max_depth <= max_depth
    assert len(result.links) == len(result.mcus) - 1
    for site in topo.sites:
        path = result.path(site.id)
        assert path[-1] == topo.master.id
        assert len(path) - 1 <= max_depth
    for m in result.mcus:
        assert m.ports_used <= m.capacity
        assert set(result.children_of(m.id)) == {c.id for c in result.mcus if c.parent == m.id}


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(any_topology(), st.integers(0, 3))
def test_objective_equals_the_ilp_optimum(topo: Topology, max_depth: int) -> None:
    optimum = ilp_optimum(topo, max_depth)
    try:
        result = plan(topo, max_depth)  # auto: exact for 6 MCUs
    except PlanInfeasible:
        assert optimum is None
        return
    assert result.method == "exact"
    assert optimum is not None, "the planner found a plan the ILP calls infeasible"
    assert (result.max_depth, len(result.links)) == (optimum.depth, optimum.links)
    assert result.peak_utilization == pytest.approx(optimum.peak, abs=1e-6)


@settings(max_examples=100, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(any_topology(), st.integers(1, 3))
def test_greedy_is_never_better_than_the_optimum(topo: Topology, max_depth: int) -> None:
    try:
        greedy = plan(topo, max_depth, method="greedy")
    except PlanInfeasible:
        return
    optimum = ilp_optimum(topo, max_depth)
    assert optimum is not None
    got = (greedy.max_depth, len(greedy.links), round(greedy.peak_utilization, 9))
    assert got >= (optimum.depth, optimum.links, round(optimum.peak, 9))


@FAST
@given(topologies(max_sites=20, max_mcus=6), st.data())
def test_replan_after_removal_keeps_unaffected_sites(topo: Topology, data: st.DataObject
                                                     ) -> None:
    try:
        before = plan(topo, 3)
    except PlanInfeasible:
        return
    slaves = [m.id for m in before.mcus if m.parent is not None]
    if not slaves:
        return
    victim = data.draw(st.sampled_from(slaves))
    try:
        smaller = topo.without_mcu(victim)
    except ConfigError:  # without it the standby could not take the master's load
        return
    try:
        after = replan(before, smaller)
    except PlanInfeasible:
        return
    assert violations(smaller, after) == []
    steps = actions(before, after)
    assert moves(steps) >= forced_moves(before, smaller)
    if after.method.endswith("+repair"):
        # the victim's sites move; any other move frees a port for one of them (at most
        # two more per site or MCU that had to be placed)
        moved = set(moved_sites(before, after))
        assert set(before.sites_of(victim)) <= moved
        assert moves(steps) <= 3 * forced_moves(before, smaller)


def _tiny(sites: list[Site], mcus: list[McuSpec]) -> Topology:
    return Topology.build("tiny", sites, mcus)


def _province(n_communes: int, prov_ports: int, master_ports: int,
              reserve: int | str | None = 0) -> Topology:
    sites = [Site("gov", "Government", Level.GOVERNMENT),
             Site("p1", "Province 1", Level.PROVINCE, "gov")]
    sites += [Site(f"c{i}", f"Commune {i}", Level.COMMUNE, "p1") for i in range(n_communes)]
    return _tiny(sites, [
        McuSpec("master", "central office", "codian", "https://m", master_ports, "gov",
                McuRole.MASTER, reserve=reserve),
        McuSpec("prov", "province", "smc", "https://p", prov_ports, "p1", reserve=reserve),
    ])


def test_small_hand_made_plan_is_the_obvious_one() -> None:
    result = plan(_province(6, 8, 4))
    assert result.master == "master" and result.max_depth == 1
    assert [(k.slave, k.master) for k in result.links] == [("prov", "master")]
    # 8 sites + a link on both sides in 12 ports: the lowest peak is 7/8 on prov
    # (6 sites + uplink) and 3/4 on master (2 sites + the link).
    assert result.placement("prov").ports_used == 7
    assert result.placement("master").ports_used == 3
    assert result.peak_utilization == 7 / 8
    assert result.path("c3") == ("prov", "master")


def test_shortage_names_area_missing_ports_and_bottleneck() -> None:
    topo = _province(30, 10, 5)  # 31 sites in p1; prov has 9 ports for them, master 5
    with pytest.raises(PlanInfeasible) as info:
        plan(topo)
    why = info.value.explanation
    assert (why.reason, why.area) == ("ports", "p1")
    assert why.missing == 31 - 9 - 5
    assert why.bottleneck == ("prov", "master")
    assert "p1" in str(info.value) and "lacks 17 ports" in str(info.value)


def test_depth_limit_is_explained() -> None:
    sites = [Site("gov", "Government", Level.GOVERNMENT)]
    mcus = [McuSpec("master", "central office", "codian", "https://m", 2, "gov",
                    McuRole.MASTER, reserve=0)]
    for p in range(3):
        sites.append(Site(f"p{p}", f"Province {p}", Level.PROVINCE, "gov"))
        sites += [Site(f"p{p}c{i}", "Commune", Level.COMMUNE, f"p{p}") for i in range(5)]
        mcus.append(McuSpec(f"m{p}", "VNPT", "smc", f"https://m{p}", 10, f"p{p}", reserve=0))
    topo = _tiny(sites, mcus)
    with pytest.raises(PlanInfeasible) as info:
        plan(topo, max_depth=1)
    assert info.value.explanation.reason == "depth"
    assert info.value.explanation.bottleneck == ("master",)
    deeper = plan(topo, max_depth=2)
    assert deeper.max_depth == 2 and violations(topo, deeper) == []


def test_tree_shapes_cover_every_child_count_vector() -> None:
    shapes = tree_shapes(4, 2)
    counts = set()
    for shape in shapes:
        c = [0] * 4
        for p in shape:
            c[p] += 1
        counts.add(tuple(c))
    assert len(counts) == len(shapes)
    # master with 3 children; a chain root-1-2 is deeper than 2 so (1,1,1,0) is absent
    assert (3, 0, 0, 0) in counts and (1, 2, 0, 0) in counts
    assert (1, 1, 1, 0) not in counts


@pytest.mark.parametrize("bad", [-1, True, "2"])
def test_bad_max_depth_is_a_config_error(bad: object) -> None:
    with pytest.raises(ConfigError, match="max_depth"):
        plan(_province(1, 4, 4), bad)  # type: ignore[arg-type]
