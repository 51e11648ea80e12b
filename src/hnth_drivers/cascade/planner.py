"""Cascade planning: which MCU serves each site, and how the slave MCUs cascade to the master.

:func:`plan` assigns every site to an MCU allowed to serve it and every slave MCU in use to
one parent, forming one tree under the master. Each site uses one port, each cascade link
one port on both sides, no MCU goes over capacity, and no MCU is more than ``max_depth``
cascade hops from the master. Objective, in order: the smallest maximum depth, the fewest
cascade links (MCUs in use), then balanced load (the lowest peak ``ports_used/capacity``).

Inventories of up to :data:`~hnth_drivers.cascade.search.EXACT_MAX_MCUS` MCUs are solved
exactly; larger ones by a greedy search (see ``docs/planning.md``). An input that cannot
be planned raises :class:`PlanInfeasible` carrying an :class:`Infeasibility` that says which
area lacks how many ports and which MCUs are the bottleneck.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from ..errors import HnthError
from ..model import Level
from .allocation import AreaTree
from .search import EXACT_MAX_MCUS, Solution, exact, greedy, link_ports
from .topology import Topology, TopologyError

__all__ = [
    "DEFAULT_MAX_DEPTH",
    "Infeasibility",
    "McuPlacement",
    "Plan",
    "PlanInfeasible",
    "PlannedLink",
    "SiteAssignment",
    "explain",
    "moved_sites",
    "plan",
]

DEFAULT_MAX_DEPTH = 2


@dataclass(frozen=True, slots=True)
class McuPlacement:
    """One MCU in use: its parent (``None`` for the master), depth and port use.

    ``ports_used`` = ``sites`` + ``children`` + 1 for the uplink (0 for the master).
    """

    id: str
    parent: str | None
    depth: int
    capacity: int
    sites: int
    children: int
    ports_used: int

    @property
    def utilization(self) -> float:
        """``ports_used / capacity`` (0 for an MCU without ports)."""
        return self.ports_used / self.capacity if self.capacity else 0.0


@dataclass(frozen=True, slots=True)
class PlannedLink:
    """A cascade link to bring up: ``slave``'s conference joins ``master``'s as a participant.

    ``depth`` is the slave's depth (1 for a link into the national master).
    """

    slave: str
    master: str
    depth: int


@dataclass(frozen=True, slots=True)
class SiteAssignment:
    """The MCU that serves (dials) one site."""

    site: str
    level: Level
    mcu: str


@dataclass(frozen=True)
class Plan:
    """A cascade plan. ``mcus`` lists the MCUs in use (master first, then by depth); unused
    MCUs of the topology are absent. ``links`` are ordered top-down, so bringing them up in
    order always joins a slave to a master that is already linked.
    """

    topology: str
    master: str
    max_depth: int
    depth_limit: int
    method: str
    peak_utilization: float
    mcus: tuple[McuPlacement, ...]
    links: tuple[PlannedLink, ...]
    sites: tuple[SiteAssignment, ...]
    _site_mcu: Mapping[str, str] = field(init=False, repr=False, compare=False)
    _mcus: Mapping[str, McuPlacement] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_site_mcu",
                           MappingProxyType({a.site: a.mcu for a in self.sites}))
        object.__setattr__(self, "_mcus", MappingProxyType({m.id: m for m in self.mcus}))

    def mcu_of(self, site: str) -> str:
        """The MCU serving ``site`` (``KeyError`` if the site is not in the plan)."""
        return self._site_mcu[site]

    def placement(self, mcu: str) -> McuPlacement:
        """The placement of an MCU in use (``KeyError`` if it is not in use)."""
        return self._mcus[mcu]

    def uses(self, mcu: str) -> bool:
        """Whether the plan uses this MCU."""
        return mcu in self._mcus

    def path(self, site: str) -> tuple[str, ...]:
        """MCU ids from the site's MCU up to the master: the hops of a switch to ``site``."""
        hops = [self.mcu_of(site)]
        while (up := self._mcus[hops[-1]].parent) is not None:
            hops.append(up)
        return tuple(hops)

    def children_of(self, mcu: str) -> tuple[str, ...]:
        """The slave MCUs cascaded directly under ``mcu``."""
        return tuple(k.slave for k in self.links if k.master == mcu)

    def sites_of(self, mcu: str) -> tuple[str, ...]:
        """The sites an MCU serves."""
        return tuple(a.site for a in self.sites if a.mcu == mcu)

    def to_json(self) -> dict[str, Any]:
        """The ``hnth plan --json`` document."""
        return {
            "master": self.master,
            "max_depth": self.max_depth,
            "mcus": [{"id": m.id, "parent": m.parent, "capacity": m.capacity,
                      "ports_used": m.ports_used, "depth": m.depth} for m in self.mcus],
            "sites": [{"id": a.site, "level": a.level.value, "mcu": a.mcu} for a in self.sites],
            "links": [{"slave": k.slave, "master": k.master} for k in self.links],
        }


@dataclass(frozen=True, slots=True)
class Infeasibility:
    """Why a topology cannot be planned.

    ``reason`` is ``"ports"`` (the sites of ``area`` need ``missing`` more ports than the
    MCUs allowed to serve them have) or ``"depth"`` (the ports exist but the MCUs needed
    cannot all hang within ``depth_limit`` hops of the master). ``bottleneck`` names the
    MCUs that are full, most local first.
    """

    reason: str
    area: str
    area_sites: int
    missing: int
    ports_available: int
    bottleneck: tuple[str, ...]
    depth_limit: int
    detail: str

    def __str__(self) -> str:
        return self.detail


class PlanInfeasible(HnthError):
    """No plan satisfies the constraints; ``explanation`` says why."""

    def __init__(self, explanation: Infeasibility) -> None:
        self.explanation = explanation
        super().__init__(explanation.detail, operation="plan")


def plan(topology: Topology, max_depth: int = DEFAULT_MAX_DEPTH, *,
         method: str = "auto") -> Plan:
    """Plan ``topology`` within ``max_depth`` cascade hops.

    ``method`` is ``"exact"``, ``"greedy"`` or ``"auto"`` (exact up to
    :data:`~hnth_drivers.cascade.search.EXACT_MAX_MCUS` MCUs). Raises
    :class:`PlanInfeasible` when no plan exists (or the greedy finds none).
    """
    if isinstance(max_depth, bool) or not isinstance(max_depth, int) or max_depth < 0:
        raise TopologyError("invalid maximum depth", field="max_depth",
                            expected="an integer >= 0", got=repr(max_depth))
    if method not in ("auto", "exact", "greedy"):
        raise TopologyError("unknown planning method", field="method",
                            expected="auto, exact or greedy", got=repr(method))
    tree = AreaTree(topology)
    master = tree.index[topology.master.id]
    use_exact = method == "exact" or (method == "auto" and len(tree.mcus) <= EXACT_MAX_MCUS)
    found = (exact if use_exact else greedy)(tree, master, max_depth)
    if found is None:
        raise PlanInfeasible(explain(topology, max_depth, tree))
    return to_plan(tree, master, found, max_depth)


def to_plan(tree: AreaTree, master: int, solution: Solution, depth_limit: int) -> Plan:
    """Turn a search result (MCUs by index) into a :class:`Plan`."""
    topology = tree.topology
    mcus = tree.mcus
    used = {master, *solution.parent}
    depth = {master: 0}

    def depth_of(m: int) -> int:
        if m not in depth:
            depth[m] = depth_of(solution.parent[m]) + 1
        return depth[m]

    links = link_ports(len(mcus), solution.parent)
    children = {m: 0 for m in used}
    for up in solution.parent.values():
        children[up] += 1
    placements = sorted(
        (McuPlacement(mcus[m].id, mcus[solution.parent[m]].id if m != master else None,
                      depth_of(m), mcus[m].capacity, len(solution.sites.get(m, ())),
                      children[m], len(solution.sites.get(m, ())) + links[m])
         for m in used),
        key=lambda p: (p.depth, p.id))
    serving = {s: mcus[m].id for m, ss in solution.sites.items() for s in ss}
    sites = tuple(SiteAssignment(s.id, s.level, serving[s.id]) for s in topology.sites)
    link_list = tuple(PlannedLink(p.id, p.parent, p.depth)
                      for p in placements if p.parent is not None)
    return Plan(topology.name, mcus[master].id, max((p.depth for p in placements), default=0),
                depth_limit, solution.method, float(solution.peak), tuple(placements),
                link_list, sites)


def explain(topology: Topology, max_depth: int, tree: AreaTree | None = None) -> Infeasibility:
    """Why ``topology`` cannot be planned within ``max_depth``: ports first, then depth."""
    tree = tree or AreaTree(topology)
    master = tree.index[topology.master.id]
    optimistic = [max(0, m.capacity - (0 if i == master else 1))
                  for i, m in enumerate(tree.mcus)]
    short = tree.shortage(optimistic)
    if short.missing and short.area is not None:
        node = tree.node_of[short.area]
        inside = sorted((m for m in range(len(tree.mcus))
                         if _under(tree, tree.node_of_mcu[m], node)),
                        key=lambda m: (-tree.area_depth(m), tree.mcus[m].id))
        above: list[int] = []
        v = tree.parent[node]
        while v >= 0:
            above += tree.mcus_at[v]
            v = tree.parent[v]
        neck = [tree.mcus[m].id for m in inside + above]
        detail = (f"area {short.area!r} lacks {short.missing} ports: its {short.area_sites} "
                  f"sites can use at most {short.ports_reachable} ports of the MCUs allowed to "
                  f"serve them (one port per slave kept for its uplink); bottleneck: "
                  f"{', '.join(neck) or 'no MCU serves this area'}")
        return Infeasibility("ports", short.area, short.area_sites, short.missing,
                             short.ports_reachable, tuple(neck), max_depth, detail)
    master_spec = tree.mcus[master]
    own = tree.demand[tree.node_of_mcu[master]]
    free = max(0, master_spec.capacity - own)
    detail = (f"area {master_spec.area!r}: the sites fit in the inventory's ports only with "
              f"slave MCUs, and no cascade tree of depth <= {max_depth} under master "
              f"{master_spec.id!r} holds them with their link ports ({free} of its "
              f"{master_spec.capacity} ports free after the {own} sites only it may serve); "
              f"raise the maximum depth or add ports near the top")
    return Infeasibility("depth", master_spec.area, len(topology.sites), 0, free,
                         (master_spec.id,), max_depth, detail)


def _under(tree: AreaTree, v: int, node: int) -> bool:
    while v >= 0:
        if v == node:
            return True
        v = tree.parent[v]
    return False


def moved_sites(old: Plan, new: Plan) -> tuple[str, ...]:
    """Sites served by a different MCU in ``new`` than in ``old`` (new sites excluded)."""
    return tuple(a.site for a in new.sites
                 if a.site in old._site_mcu and old.mcu_of(a.site) != a.mcu)
