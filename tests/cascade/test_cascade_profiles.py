"""The built-in national profiles: sizes, determinism, and that both plan within depth 2."""

from __future__ import annotations

from collections import Counter

import pytest

from hnth_drivers.cascade.plan_check import violations
from hnth_drivers.cascade.planner import Plan, moved_sites, plan
from hnth_drivers.cascade.profiles import profile
from hnth_drivers.cascade.replan import replan
from hnth_drivers.cascade.topology import McuRole, Topology, TopologyError
from hnth_drivers.model import Level

SIZES = {
    "vn-2021": {Level.GOVERNMENT: 4, Level.PROVINCE: 63, Level.DISTRICT: 705,
                Level.COMMUNE: 10_599},
    "vn-2025": {Level.GOVERNMENT: 4, Level.PROVINCE: 34, Level.COMMUNE: 3_321},
}


@pytest.fixture(scope="module", params=sorted(SIZES))
def national(request: pytest.FixtureRequest) -> tuple[Topology, Plan]:
    topo = profile(request.param)
    return topo, plan(topo)


def test_levels_have_the_national_counts(national: tuple[Topology, Plan]) -> None:
    topo, _ = national
    assert Counter(s.level for s in topo.sites) == SIZES[topo.name]


def test_hierarchy_shape(national: tuple[Topology, Plan]) -> None:
    topo, _ = national
    for s in topo.sites:
        if s.level is Level.PROVINCE:
            assert s.parent == "gov"
        elif s.level is Level.COMMUNE:
            parent = topo.site(s.parent or "")
            expected = Level.DISTRICT if topo.name == "vn-2021" else Level.PROVINCE
            assert parent.level is expected


def test_inventory_is_plausible(national: tuple[Topology, Plan]) -> None:
    topo, _ = national
    assert topo.master.role is McuRole.MASTER and topo.master.area == "gov"
    operators = Counter(m.operator for m in topo.mcus)
    provinces = SIZES[topo.name][Level.PROVINCE]
    assert operators["province"] == provinces
    assert operators["VNPT"] >= provinces and operators["Viettel"] >= provinces
    assert {m.driver for m in topo.mcus} == {"codian", "smc"}
    for m in topo.mcus:
        if m.operator in ("VNPT", "Viettel", "MobiFone"):
            assert m.capacity in (48, 64, 96, 128)
            assert topo.site(m.area).level is Level.PROVINCE


def test_generation_is_deterministic(national: tuple[Topology, Plan]) -> None:
    topo, result = national
    again = profile(topo.name)
    assert again.sites == topo.sites and again.mcus == topo.mcus
    assert plan(again) == result


def test_plans_within_depth_two_and_capacity(national: tuple[Topology, Plan]) -> None:
    topo, result = national
    assert result.max_depth <= 2
    assert all(m.ports_used <= m.capacity for m in result.mcus)
    assert violations(topo, result, 2) == []
    # links come top-down: each slave's master is already linked (or is the master)
    linked = {result.master}
    for link in result.links:
        assert link.master in linked
        linked.add(link.slave)


def test_replan_after_losing_a_busy_mcu(national: tuple[Topology, Plan]) -> None:
    topo, result = national
    victim = max((m for m in result.mcus if m.parent is not None), key=lambda m: m.sites)
    smaller = topo.without_mcu(victim.id)
    after = replan(result, smaller)
    assert violations(smaller, after, 2) == []
    assert set(result.sites_of(victim.id)) <= set(moved_sites(result, after))
    if after.method.endswith("+repair"):  # (more in test_replan.py)
        kept = {(k.slave, k.master) for k in result.links
                if victim.id not in (k.slave, k.master)}
        assert kept <= {(k.slave, k.master) for k in after.links}


def test_unknown_profile() -> None:
    with pytest.raises(TopologyError, match="profile"):
        profile("vn-1999")
