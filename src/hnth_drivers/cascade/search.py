"""The planner's two searches: exhaustive for small inventories, greedy for national ones.

Both optimise, in order: the depth of the cascade tree, the number of MCUs in use (each
slave in use is one cascade link), then the peak port utilisation (the highest
``ports_used / capacity`` of any MCU in use). A candidate is a set of MCUs in use and a
parent for each slave; the sites then fit or not, which :class:`AreaTree` decides exactly,
and the lowest peak utilisation for that candidate is found by bisection over the finitely
many ratios ``k / capacity``.

:func:`exact` enumerates every set and every tree shape (distinct per-MCU child counts) and
is exact; it is used up to :data:`EXACT_MAX_MCUS` MCUs. :func:`greedy` opens MCUs bottom-up
where the sites are, hangs each under the most local MCU with a free port, then closes
MCUs whose sites fit elsewhere; it is not guaranteed optimal.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

from .allocation import AreaTree, min_ratio

__all__ = ["EXACT_MAX_MCUS", "Solution", "balance", "exact", "greedy", "link_ports"]

EXACT_MAX_MCUS = 7


@dataclass(frozen=True, slots=True)
class Solution:
    """MCUs by index: each slave in use → its parent; sites per MCU; the peak utilisation."""

    parent: dict[int, int]
    sites: dict[int, list[str]]
    peak: Fraction
    method: str


def link_ports(n: int, parent: dict[int, int]) -> list[int]:
    """Ports each MCU spends on cascade links: one per child, one for its own uplink."""
    ports = [0] * n
    for child, up in parent.items():
        ports[child] += 1
        ports[up] += 1
    return ports


def _budget(tree: AreaTree, used: set[int], links: Sequence[int],
            t: Fraction | None = None) -> list[int] | None:
    """Ports left for sites on each MCU in use when no MCU may exceed utilisation ``t``
    (and none uses its reserve)."""
    budget = [0] * len(tree.mcus)
    for m in used:
        cap = tree.mcus[m].capacity
        limit = tree.usable[m] if t is None else min(tree.usable[m],
                                                     (t.numerator * cap) // t.denominator)
        if limit < links[m]:
            return None
        budget[m] = limit - links[m]
    return budget


def balance(tree: AreaTree, master: int, parent: dict[int, int], method: str,
            below: Fraction | None = None) -> Solution | None:
    """The lowest peak utilisation for this tree, with its site assignment; ``None`` if the
    sites do not fit at all (or cannot fit with a peak ``below`` the given one).

    The peak is searched over the ratios ``k / capacity`` by bisection per distinct
    capacity (:func:`~hnth_drivers.cascade.allocation.min_ratio`): the work grows with the
    logarithm of the port counts, not with the port counts.
    """
    used = {master, *parent}
    links = link_ports(len(tree.mcus), parent)
    full = _budget(tree, used, links)
    if full is None or tree.missing(full):
        return None

    def ok(t: Fraction) -> bool:
        b = _budget(tree, used, links, t)
        return b is not None and not tree.missing(b)

    t = min_ratio((tree.mcus[m].capacity for m in used), ok)
    if below is not None and t >= below:
        return None
    best = _budget(tree, used, links, t)
    assert best is not None
    sites = tree.assign(best)
    peak = max((Fraction(len(sites.get(m, ())) + links[m], tree.mcus[m].capacity)
                for m in used if tree.mcus[m].capacity), default=Fraction(0))
    return Solution(dict(parent), sites, peak, method)


# --- exact ------------------------------------------------------------------------------

@lru_cache(maxsize=64)
def tree_shapes(n: int, depth: int) -> tuple[tuple[int, ...], ...]:
    """Trees on positions ``0..n-1`` rooted at 0 with height ≤ ``depth``, one per distinct
    vector of child counts: ``shape[i-1]`` is the parent position of position ``i``."""
    seen: dict[tuple[int, ...], tuple[int, ...]] = {}
    for levels in itertools.product(range(1, depth + 1), repeat=n - 1):
        used_levels = set(levels)
        if any(d - 1 not in used_levels and d > 1 for d in used_levels):
            continue
        at = [[0]] + [[i + 1 for i, d in enumerate(levels) if d == k]
                      for k in range(1, depth + 1)]
        for choice in itertools.product(*(at[d - 1] for d in levels)):
            counts = [0] * n
            for p in choice:
                counts[p] += 1
            seen.setdefault(tuple(counts), tuple(choice))
    return tuple(seen.values())


def exact(tree: AreaTree, master: int, max_depth: int) -> Solution | None:
    """The optimum by enumeration (sets of MCUs by size, every tree shape)."""
    slaves = [i for i in range(len(tree.mcus)) if i != master]
    caps = tree.usable
    for depth in range(max_depth + 1):
        sizes = [0] if depth == 0 else range(1, len(slaves) + 1)
        for size in sizes:
            best: Solution | None = None
            for combo in itertools.combinations(slaves, size):
                nodes = (master, *combo)
                optimistic = [0] * len(caps)
                for m in nodes:
                    optimistic[m] = max(0, caps[m] - (0 if m == master else 1))
                if tree.missing(optimistic):
                    continue
                shapes = tree_shapes(size + 1, depth) if size else ((),)
                for shape in shapes:
                    parent = {nodes[i + 1]: nodes[p] for i, p in enumerate(shape)}
                    found = balance(tree, master, parent, "exact",
                                    None if best is None else best.peak)
                    if found is not None:
                        best = found
            if best is not None:
                return best
    return None


# --- greedy -----------------------------------------------------------------------------

def greedy(tree: AreaTree, master: int, max_depth: int) -> Solution | None:
    """A good plan fast: the lowest depth at which the greedy finds one."""
    for depth in range(max_depth + 1):
        found = _greedy_at(tree, master, depth)
        if found is not None:
            return found
    return None


def _greedy_at(tree: AreaTree, master: int, depth: int) -> Solution | None:
    if depth == 0:
        return balance(tree, master, {}, "greedy")
    used = _open_bottom_up(tree, master)
    parent = _fit(tree, master, used, depth)
    relays = 0  # a tree that does not fit may need a relay MCU with free ports; try few
    while parent is None or parent[1]:
        if parent is None:
            relays += 1
            if relays > 2:
                return None
        extra = _another(tree, master, used, parent[1] if parent else None)
        if extra is None:
            return None
        used.add(extra)
        parent = _fit(tree, master, used, depth)
    for m in sorted(used - {master}, key=lambda m: (tree.usable[m], tree.mcus[m].id)):
        trial = used - {m}
        optimistic = _optimistic(tree, master, trial)
        if tree.missing(optimistic):
            continue
        fitted = _fit(tree, master, trial, depth)
        if fitted is not None and not fitted[1]:
            used, parent = trial, fitted
    assert parent is not None
    return balance(tree, master, parent[0], "greedy")


def _optimistic(tree: AreaTree, master: int, used: set[int]) -> list[int]:
    budget = [0] * len(tree.mcus)
    for m in used:
        budget[m] = max(0, tree.usable[m] - (0 if m == master else 1))
    return budget


def _open_bottom_up(tree: AreaTree, master: int) -> set[int]:
    """Open the largest MCUs of each area until its sites (and what its subtrees pass up)
    fit, counting one uplink port per slave."""
    used = {master}
    incoming = [0] * len(tree.nodes)
    for v in range(len(tree.nodes)):
        need = tree.demand[v] + incoming[v]
        here = sorted(tree.mcus_at[v], key=lambda m: (m != master, -tree.usable[m],
                                                      tree.mcus[m].id))
        for m in here:
            if need <= 0:
                break
            cap = tree.usable[m] - (0 if m == master else 1)
            if m != master and cap <= 0:
                continue
            used.add(m)
            need -= cap
        if need > 0 and tree.parent[v] >= 0:
            incoming[tree.parent[v]] += need
    return used


def _another(tree: AreaTree, master: int, used: set[int], missing: int | None) -> int | None:
    """The unused MCU to open next: the largest one nearest to the area short of ports."""
    spare = [m for m in range(len(tree.mcus)) if m not in used and tree.usable[m] > 1]
    if not spare:
        return None
    budget = _optimistic(tree, master, used)
    area = tree.shortage(budget).area if missing else None
    target = tree.node_of.get(area, -1) if area else -1

    def distance(m: int) -> int:
        v, steps = tree.node_of_mcu[m], 0
        while v >= 0 and v != target:
            v, steps = tree.parent[v], steps + 1
        return steps if v == target else 10_000

    return min(spare, key=lambda m: (distance(m), -tree.usable[m], tree.mcus[m].id))


def _fit(tree: AreaTree, master: int, used: set[int],
         depth: int) -> tuple[dict[int, int], int] | None:
    """A tree over ``used`` within ``depth`` and the sites that then do not fit (0 = all)."""
    estimate = tree.assign(_optimistic(tree, master, used))
    best: tuple[dict[int, int], int] | None = None
    # Ports for children: first what the estimated sites leave, then all ports (the sites
    # may then move to other MCUs of their area).
    for count_sites in (True, False):
        spare = {m: tree.usable[m] - (m != master)
                 - (len(estimate.get(m, ())) if count_sites else 0) for m in used}
        parent = _hang_locally(tree, master, used, depth, spare)
        if parent is None:
            parent = _hang_by_ports(master, used, depth, spare)
        if parent is None:
            continue
        budget = _budget(tree, used, link_ports(len(tree.mcus), parent))
        if budget is None:
            continue
        missing = tree.missing(budget)
        if best is None or missing < best[1]:
            best = (parent, missing)
        if missing == 0:
            break
    return best


def _hang_locally(tree: AreaTree, master: int, used: set[int], depth: int,
                  spare: dict[int, int]) -> dict[int, int] | None:
    """Each slave under the MCU of the most local enclosing area that has a free port."""
    level = {master: 0}
    kids = {m: 0 for m in used}
    by_node: dict[int, list[int]] = {tree.node_of_mcu[master]: [master]}
    parent: dict[int, int] = {}
    order = sorted(used - {master}, key=lambda m: (tree.area_depth(m), -spare[m],
                                                    tree.mcus[m].id))
    for x in order:
        v = tree.node_of_mcu[x]
        choice = None
        while v >= 0 and choice is None:
            free = [p for p in by_node.get(v, ()) if level[p] < depth and kids[p] < spare[p]]
            if free:
                choice = max(free, key=lambda p: (spare[p] - kids[p], -level[p]))
            v = tree.parent[v]
        if choice is None:
            free = [p for p in level if level[p] < depth and kids[p] < spare[p]]
            if not free:
                return None
            choice = max(free, key=lambda p: (spare[p] - kids[p], -level[p]))
        parent[x] = choice
        kids[choice] += 1
        level[x] = level[choice] + 1
        by_node.setdefault(tree.node_of_mcu[x], []).append(x)
    return parent


def _hang_by_ports(master: int, used: set[int], depth: int,
                   spare: dict[int, int]) -> dict[int, int] | None:
    """Breadth-first, MCUs with the most free ports highest: reaches the most MCUs."""
    waiting = sorted(used - {master}, key=lambda m: -spare[m])
    frontier = [master]
    parent: dict[int, int] = {}
    for _ in range(depth):
        nxt: list[int] = []
        for p in frontier:
            for _ in range(max(0, spare[p])):
                if not waiting:
                    return parent
                child = waiting.pop(0)
                parent[child] = p
                nxt.append(child)
        frontier = nxt
    return parent if not waiting else None
