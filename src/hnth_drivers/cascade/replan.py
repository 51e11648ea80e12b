"""Re-planning after the topology changed (typically: an MCU failed and was removed).

:func:`replan` first *repairs* the previous plan: every site whose MCU is still there keeps
it, every link whose two ends are still there stays, the orphaned slave MCUs are re-hung
under an MCU with a free port (within the depth limit, most local area first) and the
orphaned sites go to MCUs with free ports, opening unused MCUs only where needed. Only if
the repair cannot fit does it plan from scratch. Stability comes before the objective here:
a repaired plan may use a link more than a fresh plan would, but it does not move sites and
links that are working during a meeting.
"""

from __future__ import annotations

from fractions import Fraction

from .allocation import AreaTree
from .planner import Plan, plan, to_plan
from .search import Solution, link_ports
from .topology import Topology

__all__ = ["replan"]


def replan(previous: Plan, topology: Topology, max_depth: int | None = None) -> Plan:
    """A plan for ``topology`` that keeps as much of ``previous`` as possible.

    Raises :class:`~hnth_drivers.cascade.planner.PlanInfeasible` like :func:`plan`.
    """
    limit = previous.depth_limit if max_depth is None else max_depth
    tree = AreaTree(topology)
    if previous.master != topology.master.id:
        return plan(topology, limit)
    repaired = _repair(tree, previous, limit)
    if repaired is not None:
        return to_plan(tree, tree.index[topology.master.id], repaired, limit)
    return plan(topology, limit)


def _repair(tree: AreaTree, previous: Plan, limit: int) -> Solution | None:
    idx = tree.index
    master = idx[previous.master]
    caps = [m.capacity for m in tree.mcus]
    parent: dict[int, int] = {}
    orphans: list[int] = []
    for p in previous.mcus:
        if p.id not in idx or p.parent is None:
            continue
        if p.parent in idx:
            parent[idx[p.id]] = idx[p.parent]
        else:
            orphans.append(idx[p.id])
    sites: dict[int, list[str]] = {}
    loose: list[str] = []
    for a in previous.sites:
        if a.mcu in idx and tree.topology.has_site(a.site):
            sites.setdefault(idx[a.mcu], []).append(a.site)
        elif tree.topology.has_site(a.site):
            loose.append(a.site)
    known = {a.site for a in previous.sites}
    loose += [s.id for s in tree.topology.sites if s.id not in known]

    for orphan in sorted(orphans, key=lambda m: -_height(m, parent)):
        up = _free_parent(tree, orphan, parent, sites, caps, master, limit - _height(orphan,
                                                                                       parent))
        if up is None:
            return None
        parent[orphan] = up
    for site in loose:
        host = _host(tree, site, parent, sites, caps, master, limit)
        if host is None:
            return None
        sites.setdefault(host, []).append(site)
    used = {master, *parent}
    links = link_ports(len(caps), parent)
    peak = max((Fraction(len(sites.get(m, ())) + links[m], caps[m]) for m in used if caps[m]),
               default=Fraction(0))
    return Solution(parent, sites, peak, f"{previous.method}+repair")


def _reaches(m: int, parent: dict[int, int], targets: list[int]) -> bool:
    seen = 0
    while m in parent and seen <= len(parent):
        if m in targets:
            return True
        m, seen = parent[m], seen + 1
    return m in targets


def _height(m: int, parent: dict[int, int]) -> int:
    """Hops from ``m`` down to its deepest descendant."""
    kids = [c for c, up in parent.items() if up == m]
    return 1 + max((_height(c, parent) for c in kids), default=0) if kids else 0


def _depth(m: int, parent: dict[int, int]) -> int:
    d = 0
    while m in parent:
        m, d = parent[m], d + 1
    return d


def _load(m: int, parent: dict[int, int], sites: dict[int, list[str]], master: int) -> int:
    return (len(sites.get(m, ())) + sum(1 for up in parent.values() if up == m)
            + (m != master and m in parent))


def _free_parent(tree: AreaTree, child: int, parent: dict[int, int],
                 sites: dict[int, list[str]], caps: list[int], master: int,
                 max_parent_depth: int) -> int | None:
    """An MCU in use with a free port, not under ``child``, at depth < the bound; most
    local area first, then most free ports."""
    used = {master, *parent}
    below = {m for m in used if _reaches(m, parent, [child])}
    options = [m for m in used if m not in below and m != child
               and _depth(m, parent) < max_parent_depth
               and _load(m, parent, sites, master) < caps[m]]
    if not options:
        return None
    return min(options, key=lambda m: (not tree.serves_within(child, m), -tree.area_depth(m),
                                       _load(m, parent, sites, master) - caps[m],
                                       tree.mcus[m].id))


def _host(tree: AreaTree, site: str, parent: dict[int, int], sites: dict[int, list[str]],
          caps: list[int], master: int, limit: int) -> int | None:
    """An MCU with a free port allowed to serve ``site``; opens an unused one if needed."""
    allowed = [tree.index[m.id] for m in tree.topology.covering(site)]
    used = {master, *parent}
    free = [m for m in allowed if m in used and _load(m, parent, sites, master) < caps[m]]
    if free:
        return min(free, key=lambda m: (-tree.area_depth(m),
                                        _load(m, parent, sites, master) - caps[m]))
    for m in sorted((m for m in allowed if m not in used),
                    key=lambda m: (-tree.area_depth(m), -caps[m])):
        if caps[m] < 2:
            continue
        up = _free_parent(tree, m, parent, sites, caps, master, limit)
        if up is not None:
            parent[m] = up
            return m
    return None
