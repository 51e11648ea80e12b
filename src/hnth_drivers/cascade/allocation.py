"""Site-to-MCU allocation over the area hierarchy (the planner's inner engine).

An MCU may serve the subtree under one site, so the MCUs' areas form a laminar family: a
site may be served by the MCUs whose area is the site itself or one of its ancestors. The
hierarchy is compressed to the *area tree* (one node per site that some MCU's area starts
at); each site counts at the deepest area node above it.

With laminar eligibility, "can these sites fit in these per-MCU port budgets?" is answered
exactly by one bottom-up pass: each area node serves what it can of its own sites and of
what its subtrees could not hold, and passes the rest up. Serving as deep as possible never
hurts, because an ancestor's ports can serve everything a descendant's can. The pass costs
O(area nodes + MCUs), so the planner can ask it thousands of times.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from .topology import McuRole, McuSpec, Topology

__all__ = ["AreaTree", "Shortage", "min_ratio"]


@dataclass(frozen=True, slots=True)
class Shortage:
    """Where sites do not fit: ``area`` lacks ``missing`` ports (``0`` when all fit)."""

    missing: int
    area: str | None = None
    area_sites: int = 0
    ports_reachable: int = 0


class AreaTree:
    """The compressed area hierarchy of one topology, with MCUs indexed ``0..n-1``.

    Budgets passed to the methods are per-MCU port counts for sites, indexed like
    :attr:`mcus`; an MCU not in use has budget 0.

    :attr:`usable` holds, per MCU, the ports a plan may use: capacity minus the reserve,
    the master held to what its standby can take over, the standby 0 (it stays out of the
    plan). Each is capped at sites + MCUs + 1, more than any plan can use, so no work or
    memory depends on how large a declared capacity is.
    """

    def __init__(self, topology: Topology) -> None:
        self.topology = topology
        self.mcus: tuple[McuSpec, ...] = topology.mcus
        self.index = {m.id: i for i, m in enumerate(self.mcus)}
        most = len(topology.sites) + len(self.mcus) + 1
        master_ports = topology.master_ports()
        self.usable = [min(most, 0 if m.role is McuRole.STANDBY else
                           master_ports if m.role is McuRole.MASTER else m.usable_ports)
                       for m in self.mcus]
        roots = sorted({m.area for m in self.mcus})
        root_set = set(roots)
        self.nodes: list[str] = []
        node_of: dict[str, int] = {}
        # Order nodes so that every node comes after all of its descendants.
        depth_of = {a: sum(1 for x in topology.ancestors(a) if x in root_set) for a in roots}
        for a in sorted(roots, key=lambda a: (-depth_of[a], a)):
            node_of[a] = len(self.nodes)
            self.nodes.append(a)
        self.node_of = node_of
        self.depth = [depth_of[a] for a in self.nodes]
        self.parent: list[int] = []
        for a in self.nodes:
            up = next((node_of[x] for x in topology.ancestors(a) if x != a and x in node_of), -1)
            self.parent.append(up)
        self.sites: list[list[str]] = [[] for _ in self.nodes]
        for s in topology.sites:
            home = next(node_of[x] for x in topology.ancestors(s.id) if x in node_of)
            self.sites[home].append(s.id)
        self.demand = [len(ss) for ss in self.sites]
        self.mcus_at: list[list[int]] = [[] for _ in self.nodes]
        for i, m in enumerate(self.mcus):
            self.mcus_at[node_of[m.area]].append(i)
        self.node_of_mcu = [node_of[m.area] for m in self.mcus]
        subtree = list(self.demand)
        for v in range(len(self.nodes)):
            if self.parent[v] >= 0:
                subtree[self.parent[v]] += subtree[v]
        self.subtree_demand = subtree

    def area_depth(self, mcu: int) -> int:
        """How many area nodes lie above and at this MCU's area (1 for a top area)."""
        return self.depth[self.node_of_mcu[mcu]]

    def serves_within(self, inner: int, outer: int) -> bool:
        """Whether MCU ``outer``'s area contains MCU ``inner``'s area."""
        v = self.node_of_mcu[inner]
        target = self.node_of_mcu[outer]
        while v >= 0:
            if v == target:
                return True
            v = self.parent[v]
        return False

    def overflow(self, budget: Sequence[int],
                 demand: Sequence[int] | None = None) -> list[int]:
        """Per area node: the sites it cannot serve and passes up (bottom-up pass);
        ``demand`` (sites per node) defaults to all of the topology's sites."""
        demand = self.demand if demand is None else demand
        incoming = [0] * len(self.nodes)
        out = [0] * len(self.nodes)
        for v in range(len(self.nodes)):
            need = demand[v] + incoming[v] - sum(budget[m] for m in self.mcus_at[v])
            if need > 0:
                out[v] = need
                if self.parent[v] >= 0:
                    incoming[self.parent[v]] += need
        return out

    def headroom(self, budget: Sequence[int]) -> list[int]:
        """Per area node: how many ports an MCU of that node could give up with every site
        still placed (what the node leaves unused plus what its ancestors leave unused).
        Assumes every site fits."""
        incoming = [0] * len(self.nodes)
        unused = [0] * len(self.nodes)
        for v in range(len(self.nodes)):
            need = self.demand[v] + incoming[v] - sum(budget[m] for m in self.mcus_at[v])
            if need > 0:
                if self.parent[v] >= 0:
                    incoming[self.parent[v]] += need
            else:
                unused[v] = -need
        room = [0] * len(self.nodes)
        for v in reversed(range(len(self.nodes))):  # parents before children
            p = self.parent[v]
            room[v] = unused[v] + (room[p] if p >= 0 else 0)
        return room

    def missing(self, budget: Sequence[int], demand: Sequence[int] | None = None) -> int:
        """Sites left without a port under ``budget`` (0 means every site fits)."""
        out = self.overflow(budget, demand)
        return sum(out[v] for v in range(len(self.nodes)) if self.parent[v] < 0)

    def shortage(self, budget: Sequence[int]) -> Shortage:
        """The deepest area whose overflow exceeds every port above it (Hall violation)."""
        out = self.overflow(budget)
        above = [0] * len(self.nodes)
        for v in reversed(range(len(self.nodes))):  # parents before children
            p = self.parent[v]
            above[v] = 0 if p < 0 else above[p] + sum(budget[m] for m in self.mcus_at[p])
        worst: int | None = None
        for v in range(len(self.nodes)):
            if out[v] > above[v] and (worst is None or self.depth[v] > self.depth[worst]):
                worst = v
        if worst is None:
            return Shortage(0)
        missing = out[worst] - above[worst]
        need = self.subtree_demand[worst]
        return Shortage(missing, self.nodes[worst], need, need - missing)

    def home(self, site: str) -> int:
        """The deepest area node above ``site`` (the node whose demand it counts in)."""
        return next(self.node_of[x] for x in self.topology.ancestors(site)
                    if x in self.node_of)

    def assign(self, budget: Sequence[int],
               pools: Sequence[list[str]] | None = None) -> dict[int, list[str]]:
        """Sites per MCU within ``budget``, as deep as possible, spread in proportion;
        ``pools`` (sites per node) defaults to all of the topology's sites.

        Assumes every site fits (``missing(budget) == 0``).
        """
        pools = self.sites if pools is None else pools
        passed: list[list[str]] = [[] for _ in self.nodes]
        result: dict[int, list[str]] = {}
        for v in range(len(self.nodes)):
            pool = pools[v] + passed[v]
            mcus = [m for m in self.mcus_at[v] if budget[m] > 0]
            total = sum(budget[m] for m in mcus)
            served = min(len(pool), total)
            shares = _proportional(served, [budget[m] for m in mcus])
            start = 0
            for m, share in zip(mcus, shares, strict=True):
                result.setdefault(m, []).extend(pool[start:start + share])
                start += share
            if start < len(pool) and self.parent[v] >= 0:
                passed[self.parent[v]].extend(pool[start:])
        return result


def _proportional(total: int, weights: Sequence[int]) -> list[int]:
    """Split ``total`` (≤ sum of weights) in proportion to ``weights``, never above one."""
    whole = sum(weights)
    if whole == 0:
        return [0] * len(weights)
    shares = [total * w // whole for w in weights]
    rest = total - sum(shares)
    order = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % whole), i))
    for i in order:
        if rest == 0:
            break
        if shares[i] < weights[i]:
            shares[i] += 1
            rest -= 1
    return shares


def min_ratio(capacities: Iterable[int], ok: Callable[[Fraction], bool],
              hi: Fraction = Fraction(1), lo: Fraction = Fraction(0)) -> Fraction:
    """The smallest ``k/c`` (``c`` among ``capacities``) in ``[lo, hi]`` with ``ok`` true,
    given that ``ok`` is monotone and true at ``hi``. Costs about ``log2(c)`` calls for the
    first capacity and a few for each other one, whatever the port counts."""
    best = hi
    for c in sorted(set(capacities), reverse=True):
        if c <= 0:
            continue
        low = -(-lo.numerator * c // lo.denominator)  # ceil(lo * c)
        high = best.numerator * c // best.denominator  # floor(best * c)
        if Fraction(high, c) == best:
            high -= 1
        if low > high or not ok(Fraction(high, c)):
            continue
        while low < high:
            mid = (low + high) // 2
            if ok(Fraction(mid, c)):
                high = mid
            else:
                low = mid + 1
        best = Fraction(high, c)
    return best
