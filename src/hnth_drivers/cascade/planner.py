"""Cascade planning: which MCU serves each site, and how the slave MCUs cascade to the master.

:func:`plan` assigns every site to an MCU allowed to serve it and every slave MCU in use to
one parent, forming one tree under the master. Each site uses one port, each cascade link
one port on both sides, no MCU goes over capacity, and no MCU is more than ``max_depth``
cascade hops from the master, every MCU keeps its reserve of spare ports free, and the
master carries no more than its standby can take over. Objective, in order: the smallest
maximum depth, the fewest cascade links (MCUs in use), then balanced load (the lowest peak
``ports_used/capacity``).

Inventories of up to :data:`~hnth_drivers.cascade.search.EXACT_MAX_MCUS` MCUs are solved
exactly; larger ones by a plan built on a lower bound (:mod:`~hnth_drivers.cascade.bound`)
and a greedy search, the better kept; the plan carries the bound, so its gap to the
optimum is known (see ``docs/planning.md``). An input that cannot be planned raises
:class:`PlanInfeasible` carrying an :class:`Infeasibility` that says which area lacks how
many ports, reserve included, and which MCUs are the bottleneck.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction
from types import MappingProxyType
from typing import Any

from ..errors import HnthError
from ..model import Level
from .allocation import AreaTree, min_ratio
from .bound import Bound, construct, lower_bound
from .search import EXACT_MAX_MCUS, Solution, balance, exact, greedy, link_ports
from .topology import Topology, TopologyError

__all__ = [
    "DEFAULT_MAX_DEPTH",
    "Bound",
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

    ``ports_used`` = ``sites`` + ``children`` + 1 for the uplink (0 for the master);
    ``reserve`` ports stay free: ``ports_used + reserve <= capacity``.
    """

    id: str
    parent: str | None
    depth: int
    capacity: int
    sites: int
    children: int
    ports_used: int
    reserve: int = 0

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
    bound: Bound | None = None
    standby: str | None = None
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

    @property
    def objective(self) -> tuple[int, int, Fraction]:
        """``(max depth, cascade links, peak utilisation)``, compared in that order."""
        peak = max((Fraction(m.ports_used, m.capacity) for m in self.mcus if m.capacity),
                   default=Fraction(0))
        return (self.max_depth, len(self.links), peak)

    @property
    def gap(self) -> tuple[int, int, Fraction] | None:
        """Objective minus bound, per component; ``None`` without a bound. When depth or
        links differ, the peak's gap is not meaningful and is given as the difference."""
        if self.bound is None:
            return None
        b = self.bound
        depth, links, peak = self.objective
        return (depth - b.depth, links - b.links, peak - b.peak)

    @property
    def optimal(self) -> bool:
        """Whether the bound proves this plan optimal."""
        gap = self.gap
        return gap is not None and gap[0] == gap[1] == 0 and gap[2] == 0

    @property
    def failover_links(self) -> tuple[PlannedLink, ...]:
        """The links that re-home to the standby when the master is lost: every slave
        cascaded directly into the master joins the standby instead (deeper slaves keep
        their parents). Empty without a standby."""
        if self.standby is None:
            return ()
        return tuple(PlannedLink(k.slave, self.standby, 1) for k in self.links
                     if k.master == self.master)

    def to_json(self) -> dict[str, Any]:
        """The ``hnth plan --json`` document."""
        doc: dict[str, Any] = {
            "master": self.master,
            "max_depth": self.max_depth,
            "method": self.method,
            "objective": {"depth": self.max_depth, "links": len(self.links),
                          "peak": round(self.peak_utilization, 6)},
            "bound": None if self.bound is None else {
                "depth": self.bound.depth, "links": self.bound.links,
                "peak": round(float(self.bound.peak), 6)},
            "gap": None if self.gap is None else {
                "depth": self.gap[0], "links": self.gap[1], "peak": round(float(self.gap[2]), 6)},
            "optimal": self.optimal,
            "mcus": [{"id": m.id, "parent": m.parent, "capacity": m.capacity,
                      "reserve": m.reserve, "ports_used": m.ports_used, "depth": m.depth}
                     for m in self.mcus],
            "sites": [{"id": a.site, "level": a.level.value, "mcu": a.mcu} for a in self.sites],
            "links": [{"slave": k.slave, "master": k.master} for k in self.links],
            "standby": None,
        }
        if self.standby is not None:
            doc["standby"] = {
                "mcu": self.standby,
                "takes_sites": list(self.sites_of(self.master)),
                "relinks": [{"slave": k.slave, "master": k.master}
                            for k in self.failover_links]}
        return doc


@dataclass(frozen=True, slots=True)
class Infeasibility:
    """Why a topology cannot be planned.

    ``reason`` is ``"ports"`` (the sites of ``area`` need ``missing`` more ports than the
    MCUs allowed to serve them have) or ``"depth"`` (the ports exist but the MCUs needed
    cannot all hang within ``depth_limit`` hops of the master). ``bottleneck`` names the
    MCUs that are full, most local first; ``reserved`` is how many of their ports the
    reserve keeps free (counted before ``missing``).
    """

    reason: str
    area: str
    area_sites: int
    missing: int
    ports_available: int
    bottleneck: tuple[str, ...]
    depth_limit: int
    detail: str
    reserved: int = 0

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
    bound: Bound | None = None
    if use_exact:
        found = exact(tree, master, max_depth)
    elif method == "greedy":
        found = greedy(tree, master, max_depth)
    else:
        bound = lower_bound(tree, master, max_depth)
        found = _on_bound(tree, master, bound)
        if found is None or bound is None or _key(tree, master, found) != (
                bound.depth, bound.links, bound.peak):  # not proven optimal: try the greedy
            options = [s for s in (found, greedy(tree, master, max_depth)) if s is not None]
            found = min(options, key=lambda s: _key(tree, master, s), default=None)
    if found is None:
        raise PlanInfeasible(explain(topology, max_depth, tree))
    result = to_plan(tree, master, found, max_depth)
    if use_exact:  # exhaustive: the plan is its own bound
        bound = Bound(*result.objective)
    return replace(result, bound=bound)


def _key(tree: AreaTree, master: int, s: Solution) -> tuple[int, int, Fraction]:
    def depth(m: int) -> int:
        d = 0
        while m in s.parent:
            m, d = s.parent[m], d + 1
        return d
    return (max((depth(m) for m in s.parent), default=0), len(s.parent), s.peak)


def _on_bound(tree: AreaTree, master: int, bound: Bound | None) -> Solution | None:
    """The plan built on the bound's depth and links, at the lowest peak it reaches."""
    if bound is None:
        return None
    d, j = bound.depth, bound.links
    found = construct(tree, master, d, j, bound.peak)
    if found is None:
        top = construct(tree, master, d, j, None)
        if top is None:
            return None
        t = min_ratio((m.capacity for m in tree.mcus),
                      lambda t: construct(tree, master, d, j, t) is not None,
                      hi=top.peak, lo=bound.peak)
        found = construct(tree, master, d, j, t) or top
    polished = balance(tree, master, found.parent, "bound", found.peak)
    return polished or found


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
                      children[m], len(solution.sites.get(m, ())) + links[m],
                      mcus[m].spare_ports)
         for m in used),
        key=lambda p: (p.depth, p.id))
    serving = {s: mcus[m].id for m, ss in solution.sites.items() for s in ss}
    sites = tuple(SiteAssignment(s.id, s.level, serving[s.id]) for s in topology.sites)
    link_list = tuple(PlannedLink(p.id, p.parent, p.depth)
                      for p in placements if p.parent is not None)
    standby = topology.standby
    return Plan(topology.name, mcus[master].id, max((p.depth for p in placements), default=0),
                depth_limit, solution.method, float(solution.peak), tuple(placements),
                link_list, sites, None, standby.id if standby else None)


def explain(topology: Topology, max_depth: int, tree: AreaTree | None = None) -> Infeasibility:
    """Why ``topology`` cannot be planned within ``max_depth``: ports first, then depth."""
    tree = tree or AreaTree(topology)
    master = tree.index[topology.master.id]
    optimistic = [max(0, u - (0 if i == master else 1)) for i, u in enumerate(tree.usable)]
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
        inside = [m for m in inside if tree.usable[m] > 0 or m == master]
        above = [m for m in above if tree.usable[m] > 0 or m == master]
        neck = [tree.mcus[m].id for m in inside + above]
        reserved = sum(tree.mcus[m].spare_ports for m in inside + above)
        names = [f"{tree.mcus[m].id} ({tree.usable[m]} of {tree.mcus[m].capacity} ports "
                 f"usable)" for m in inside + above]
        detail = (f"area {short.area!r} lacks {short.missing} ports: its {short.area_sites} "
                  f"sites can use at most {short.ports_reachable} ports of the MCUs allowed to "
                  f"serve them (one port per slave kept for its uplink, {reserved} ports kept "
                  f"in reserve); bottleneck: {', '.join(names) or 'no MCU serves this area'}")
        return Infeasibility("ports", short.area, short.area_sites, short.missing,
                             short.ports_reachable, tuple(neck), max_depth, detail, reserved)
    master_spec = tree.mcus[master]
    own = tree.demand[tree.node_of_mcu[master]]
    free = max(0, tree.usable[master] - own)
    detail = (f"area {master_spec.area!r}: the sites fit in the inventory's ports only with "
              f"slave MCUs, and no cascade tree of depth <= {max_depth} under master "
              f"{master_spec.id!r} holds them with their link ports ({free} of its "
              f"{tree.usable[master]} usable ports free after the {own} sites only it may "
              f"serve; reserve and standby kept); raise the maximum depth or add ports near "
              f"the top")
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
