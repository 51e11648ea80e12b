"""Re-planning during a meeting: an MCU lost, the master lost, an MCU's ports exhausted.

:func:`replan` *repairs* the previous plan and moves only what it must:

- every site whose MCU is still there and within its (new) usable ports keeps it, and every
  link whose two ends are still there stays;
- an MCU whose usable ports shrank below its load sheds exactly the excess: sites first
  (those another MCU in use can take), then child links;
- the sites of a lost MCU (and the shed ones) go to MCUs in use with free ports, most local
  area first; unused MCUs are opened only where none has a free port; orphaned slave MCUs
  are re-hung under an MCU with a free port within the depth limit;
- when the master is lost and the topology has promoted its standby
  (:meth:`~hnth_drivers.cascade.topology.Topology.promote_standby`), the standby takes the
  master's sites and links, as :attr:`~hnth_drivers.cascade.planner.Plan.failover_links`
  said.

Only if the repair cannot fit does it plan from scratch, and then every site that the new
plan's MCUs can keep where it was stays there (:func:`_sticky`). :func:`actions` lists, before
anything runs, what turns the old plan into the new one, in a safe order: new links up
(top-down), sites moved, old links down (bottom-up).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from .allocation import AreaTree
from .planner import Plan, plan, to_plan
from .search import Solution, link_ports
from .topology import Topology

__all__ = ["Action", "actions", "forced_moves", "moves", "replan"]


@dataclass(frozen=True, slots=True)
class Action:
    """One step of a re-plan: ``link-up``/``link-down`` (``subject`` is the slave MCU,
    ``target``/``source`` its parent) or ``move-site`` (``subject`` is the site)."""

    kind: str
    subject: str
    source: str | None
    target: str | None

    def __str__(self) -> str:
        if self.kind == "move-site":
            return f"move site {self.subject}: {self.source or '(new)'} -> {self.target}"
        if self.kind == "link-up":
            return f"link up {self.subject} -> {self.target}"
        return f"link down {self.subject} -> {self.source}"


def actions(old: Plan, new: Plan) -> tuple[Action, ...]:
    """What turns ``old`` into ``new``: links to bring up (top-down), sites to move, links
    to take down (bottom-up). Sites and links that stay are not listed."""
    before = {k.slave: k.master for k in old.links}
    after = {k.slave: k.master for k in new.links}
    ups = [Action("link-up", k.slave, before.get(k.slave), k.master) for k in new.links
           if before.get(k.slave) != k.master]
    moves = [Action("move-site", a.site, old.mcu_of(a.site) if a.site in old._site_mcu
                    else None, a.mcu) for a in new.sites
             if a.site not in old._site_mcu or old.mcu_of(a.site) != a.mcu]
    downs = [Action("link-down", k.slave, k.master, after.get(k.slave))
             for k in reversed(old.links) if after.get(k.slave) != k.master]
    return (*ups, *moves, *downs)


def moves(steps: tuple[Action, ...]) -> int:
    """Sites and slave MCUs that change MCU (new sites and newly opened MCUs excluded)."""
    return sum(1 for a in steps if a.kind in ("move-site", "link-up") and a.source is not None)


def forced_moves(old: Plan, topology: Topology) -> int:
    """The fewest site and link moves any repair needs: the sites and child links of MCUs
    that are gone, plus each remaining MCU's load above its new usable ports."""
    tree = AreaTree(topology)
    lost = sum(p.sites + p.children for p in old.mcus if not topology.has_mcu(p.id))
    over = 0
    for p in old.mcus:
        if topology.has_mcu(p.id):
            usable = tree.usable[tree.index[p.id]]
            over += max(0, p.ports_used - usable)
    return lost + over


def replan(previous: Plan, topology: Topology, max_depth: int | None = None) -> Plan:
    """A plan for ``topology`` that keeps as much of ``previous`` as possible.

    Raises :class:`~hnth_drivers.cascade.planner.PlanInfeasible` like :func:`plan`.
    """
    limit = previous.depth_limit if max_depth is None else max_depth
    tree = AreaTree(topology)
    master = tree.index[topology.master.id]
    successor = previous.master == topology.master.id or (
        previous.standby == topology.master.id and not topology.has_mcu(previous.master))
    if successor:
        repaired = _repair(tree, previous, master, limit)
        if repaired is not None:
            return to_plan(tree, master, repaired, limit)
    fresh = plan(topology, limit)
    kept = _sticky(tree, master, fresh, previous)
    return fresh if kept is None else to_plan(tree, master, kept, limit)


def _sticky(tree: AreaTree, master: int, fresh: Plan, previous: Plan) -> Solution | None:
    """``fresh``'s cascade tree with the sites kept where ``previous`` had them whenever
    that MCU is in use and has room, the others placed in the ports left."""
    idx = tree.index
    parent = {idx[p.id]: idx[p.parent] for p in fresh.mcus if p.parent is not None}
    links = link_ports(len(tree.mcus), parent)
    budget = [0] * len(tree.mcus)
    for m in {master, *parent}:
        budget[m] = tree.usable[m] - links[m]
    wanted: dict[int, list[str]] = {}
    loose: list[str] = []
    for a in fresh.sites:
        before = idx.get(previous.mcu_of(a.site)) if a.site in previous._site_mcu else None
        if before is not None and (before in parent or before == master):
            wanted.setdefault(before, []).append(a.site)
        else:
            loose.append(a.site)
    # Keep sites on the most local MCUs first; release the shallowest ones until the rest
    # fits (an MCU of a wide area can serve what a local one cannot, not the reverse).
    levels = sorted({tree.area_depth(m) for m in wanted}, reverse=True)
    for cut in range(len(levels) + 1):
        keep_levels = set(levels[:len(levels) - cut])
        left = list(budget)
        kept: dict[int, list[str]] = {}
        pools: list[list[str]] = [[] for _ in tree.nodes]
        for s in loose:
            pools[tree.home(s)].append(s)
        for m, ss in wanted.items():
            n = min(len(ss), max(0, left[m])) if tree.area_depth(m) in keep_levels else 0
            kept[m] = ss[:n]
            left[m] -= n
            for s in ss[n:]:
                pools[tree.home(s)].append(s)
        if not tree.missing(left, [len(p) for p in pools]):
            budget = left
            break
    else:
        return None
    sites = tree.assign(budget, pools)
    for m, ss in kept.items():
        sites.setdefault(m, []).extend(ss)
    used = {master, *parent}
    peak = max((Fraction(len(sites.get(m, ())) + links[m], tree.mcus[m].capacity)
                for m in used if tree.mcus[m].capacity), default=Fraction(0))
    return Solution(parent, sites, peak, f"{fresh.method}+sticky")


def _repair(tree: AreaTree, previous: Plan, master: int, limit: int) -> Solution | None:
    idx = dict(tree.index)
    idx.setdefault(previous.master, master)  # a lost master's place goes to its standby
    caps = tree.usable
    parent: dict[int, int] = {}
    orphans: list[int] = []
    for p in previous.mcus:
        if p.id not in idx or p.parent is None or idx[p.id] == master:
            continue
        if p.parent in idx:
            parent[idx[p.id]] = idx[p.parent]
        else:
            orphans.append(idx[p.id])
    sites: dict[int, list[str]] = {}
    loose: list[str] = []
    for a in previous.sites:
        if not tree.topology.has_site(a.site):
            continue
        if a.mcu in idx:
            sites.setdefault(idx[a.mcu], []).append(a.site)
        else:
            loose.append(a.site)
    known = {a.site for a in previous.sites}
    loose += [s.id for s in tree.topology.sites if s.id not in known]

    # An MCU over its (new) usable ports sheds exactly the excess: sites first, then links.
    for m in sorted({master, *parent, *sites}, key=lambda m: tree.mcus[m].id):
        excess = _load(m, parent, sites, master) - caps[m]
        if excess <= 0:
            continue
        mine = sites.get(m, [])
        movable = [s for s in mine if any(
            h != m and h in {master, *parent} and _load(h, parent, sites, master) < caps[h]
            for h in (tree.index[x.id] for x in tree.topology.covering(s)))]
        shed = (movable + [s for s in mine if s not in movable])[:excess]
        sites[m] = [s for s in mine if s not in shed]
        loose += shed
        excess -= len(shed)
        for child in [c for c, up in parent.items() if up == m][:max(0, excess)]:
            del parent[child]
            orphans.append(child)

    for orphan in sorted(orphans, key=lambda m: -_height(m, parent)):
        room = limit - _height(orphan, parent)
        up = _free_parent(tree, orphan, parent, sites, caps, master, room)
        if up is None:
            up = _make_room(tree, orphan, parent, sites, caps, master, room)
        if up is None:
            return None
        parent[orphan] = up
    for site in loose:
        host = _host(tree, site, parent, sites, caps, master, limit)
        if host is None:
            return None
        sites.setdefault(host, []).append(site)
    used = {master, *parent}
    if any(_load(m, parent, sites, master) > caps[m] for m in used):
        return None
    links = link_ports(len(caps), parent)
    caps_phys = [m.capacity for m in tree.mcus]
    peak = max((Fraction(len(sites.get(m, ())) + links[m], caps_phys[m]) for m in used
                if caps_phys[m]), default=Fraction(0))
    method = previous.method.removesuffix("+repair")
    return Solution(parent, sites, peak, f"{method}+repair")


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
    """An MCU with a free port allowed to serve ``site``; opens an unused one if needed;
    failing both, makes room on a full one by moving one of its sites on (two moves)."""
    found = _free_or_new(tree, site, parent, sites, caps, master, limit, None)
    if found is not None:
        return found
    used = {master, *parent}
    allowed = [tree.index[m.id] for m in tree.topology.covering(site)]
    for h in sorted((m for m in allowed if m in used), key=lambda m: -tree.area_depth(m)):
        for other in list(sites.get(h, ())):
            r = _free_or_new(tree, other, parent, sites, caps, master, limit, h)
            if r is not None:
                if other in sites[h]:  # (opening r may already have moved it)
                    sites[h].remove(other)
                    sites.setdefault(r, []).append(other)
                if _load(h, parent, sites, master) < caps[h]:
                    return h
    return None


def _free_or_new(tree: AreaTree, site: str, parent: dict[int, int],
                 sites: dict[int, list[str]], caps: list[int], master: int, limit: int,
                 avoid: int | None) -> int | None:
    allowed = [tree.index[m.id] for m in tree.topology.covering(site)]
    used = {master, *parent}
    free = [m for m in allowed if m in used and m != avoid
            and _load(m, parent, sites, master) < caps[m]]
    if free:
        return min(free, key=lambda m: (-tree.area_depth(m),
                                        _load(m, parent, sites, master) - caps[m]))
    for m in sorted((m for m in allowed if m not in used),
                    key=lambda m: (-tree.area_depth(m), -caps[m])):
        if caps[m] < 2:
            continue
        up = _free_parent(tree, m, parent, sites, caps, master, limit)
        if up is None and caps[m] >= 3:
            up = _make_room(tree, m, parent, sites, caps, master, limit)
        if up is not None:
            parent[m] = up
            return m
    return None


def _make_room(tree: AreaTree, taker: int, parent: dict[int, int],
               sites: dict[int, list[str]], caps: list[int], master: int,
               max_parent_depth: int) -> int | None:
    """A parent for ``taker`` (an orphaned or newly opened MCU) when every port near the
    top is taken: one site of a full MCU at depth < ``max_parent_depth`` moves to ``taker``
    or to another MCU in use with a free port that may serve it, and the port it frees
    takes ``taker``'s uplink (one move more, instead of re-planning)."""
    used = {master, *parent}
    below = {m for m in used if _reaches(m, parent, [taker])}
    room = _load(taker, parent, sites, master) + 2 <= caps[taker]  # uplink and the site
    options = sorted((m for m in used if m not in below and m != taker
                      and _depth(m, parent) < max_parent_depth),
                     key=lambda m: (not tree.serves_within(taker, m), -tree.area_depth(m),
                                    tree.mcus[m].id))
    for m in options:
        mine = sites.get(m, [])
        for site in mine:
            for spec in tree.topology.covering(site):
                r = tree.index[spec.id]
                if (r == taker and room) or (r != m and r != taker and r in used
                                             and _load(r, parent, sites, master) < caps[r]):
                    mine.remove(site)
                    sites.setdefault(r, []).append(site)
                    return m
    return None
