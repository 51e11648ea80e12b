"""A lower bound on the planning objective, and plans built to meet it (national scale).

The master's area is the root of the area tree; each subtree under it is a *block* (a
province) whose sites may use only the block's MCUs or the root's. A dynamic programme over
the area tree gives, for every number ``j`` of slave MCUs in use, the fewest sites the
blocks must pass up to the root (:func:`root_need`); it is exact, because an area's overflow
only grows with what its sub-areas pass up, and the ``i`` largest MCUs of one area are
always the best ``i`` to open. Its size is the number of area nodes times the number of
MCUs, independent of port counts.

Cascade links then add what the relaxation must respect:

- depth 0: no slave; depth 1: the master holds every link, ``j`` ports;
- depth 2: the master holds ``h`` links to *hubs*, the hubs hold the other ``j - h``; a hub
  has at most its own site budget for them, so ``h + (the h largest budgets) >= j``;
- depth 3 and more: at least one master port for links, and all ports together hold the
  sites and both ends of every link.

The smallest ``(depth, j)`` meeting these is a lower bound on the depth and the links of
any plan; the smallest peak utilisation ``t`` at which the same ``j`` still meets them
bounds the peak (:func:`lower_bound`). :func:`construct` builds a plan from the
programme's choice of MCUs; when it succeeds at the bound, the plan is optimal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from .allocation import AreaTree, min_ratio
from .search import Solution, link_ports

__all__ = ["Bound", "Tables", "construct", "lower_bound", "site_budgets"]

_INF = float("inf")


@dataclass(frozen=True, slots=True)
class Bound:
    """No plan has a smaller ``depth``; none of that depth fewer ``links``; none of that depth
    and number of links a lower ``peak`` utilisation."""

    depth: int
    links: int
    peak: Fraction


def site_budgets(tree: AreaTree, t: Fraction | None) -> list[int]:
    """Per MCU, the ports a plan may use when no MCU may exceed utilisation ``t``."""
    if t is None:
        return list(tree.usable)
    return [min(u, t.numerator * m.capacity // t.denominator)
            for u, m in zip(tree.usable, tree.mcus, strict=True)]


class Tables:
    """The overflow programme for one budget vector (slaves pay one port for their uplink).

    ``need[j]``: the fewest root ports (beyond the root's own sites' share of the other root
    MCUs) the master must give to sites when ``j`` slave MCUs are in use; ``inf`` when
    ``j`` MCUs cannot hold the blocks' sites at all.
    """

    def __init__(self, tree: AreaTree, master: int, budget: Sequence[int]) -> None:
        self.tree = tree
        self.master = master
        self.budget = [max(0, b - (0 if m == master else 1)) if b > 1 or m == master else 0
                       for m, b in enumerate(budget)]
        nodes = len(tree.nodes)
        kids: list[list[int]] = [[] for _ in range(nodes)]
        for v in range(nodes):
            if tree.parent[v] >= 0:
                kids[tree.parent[v]].append(v)
        self.local: list[list[int]] = []
        for v in range(nodes):
            here = [m for m in tree.mcus_at[v] if m != master and self.budget[m] > 0]
            self.local.append(sorted(here, key=lambda m: (-self.budget[m], tree.mcus[m].id)))
        self.kids = kids
        self.splits: list[list[list[int]]] = [[] for _ in range(nodes)]
        self.pick: list[list[tuple[int, int]]] = [[] for _ in range(nodes)]
        table: list[list[float]] = [[] for _ in range(nodes)]
        root = tree.node_of_mcu[master]
        for v in range(nodes):  # children before parents
            acc: list[float] = [0.0]
            for c in kids[v]:
                acc, split = _convolve(acc, table[c])
                self.splits[v].append(split)
            prefix = [0]
            for m in self.local[v]:
                prefix.append(prefix[-1] + self.budget[m])
            out = [_INF] * (len(acc) + len(prefix) - 1)
            pick = [(0, 0)] * len(out)
            for jc, o in enumerate(acc):
                if o == _INF:
                    continue
                for i, p in enumerate(prefix):
                    val = tree.demand[v] + o - p
                    if v != root:
                        val = max(0.0, val)
                    if val < out[jc + i]:
                        out[jc + i] = val
                        pick[jc + i] = (jc, i)
            table[v] = out
            self.pick[v] = pick
        self.root = root
        need = table[root]
        # A root area with overflow left is short whatever the master gives; other roots
        # (areas outside the master's) must pass nothing up.
        self.need = [max(0.0, x) for x in need]
        for v in range(nodes):
            if tree.parent[v] < 0 and v != root:
                self.need = [_INF] * len(self.need)  # not decomposable: no bound here
        self.hub_budgets = sorted((self.budget[m] for m in range(len(budget)) if m != master
                                   and self.budget[m] > 0), reverse=True)
        self.top = [0]
        for b in self.hub_budgets:
            self.top.append(self.top[-1] + b)

    def chosen(self, j: int) -> list[int]:
        """The slave MCUs of the optimum for ``j`` (the programme's choice)."""
        out: list[int] = []
        stack = [(self.root, j)]
        while stack:
            v, jj = stack.pop()
            jc, i = self.pick[v][jj]
            out += self.local[v][:i]
            for c, split in zip(reversed(self.kids[v]), reversed(self.splits[v]), strict=True):
                here = split[jc]
                stack.append((c, here))
                jc -= here
        return out

    def hubs_needed(self, j: int) -> int | None:
        """The fewest hubs (master's children) whose budgets could hold the other links."""
        for h in range(1, len(self.hub_budgets) + 1):
            if h + self.top[h] >= j:
                return h
        return None

    def fits(self, depth: int, j: int, master_ports: int) -> bool:
        """Whether the relaxation admits ``j`` slaves within ``depth`` hops."""
        if j >= len(self.need) or self.need[j] == _INF:
            return False
        need = self.need[j]
        if depth == 0 or j == 0:
            return j == 0 and need <= master_ports
        if depth == 1:
            return need + j <= master_ports
        total = master_ports + self.top[min(j, len(self.top) - 1)]
        if total - len(self.tree.topology.sites) < j:
            return False
        if depth == 2:
            h = self.hubs_needed(j)
            return h is not None and need + h <= master_ports
        return need + 1 <= master_ports


def _convolve(a: list[float], b: list[float]) -> tuple[list[float], list[int]]:
    """Min-plus convolution, with the share of ``b`` at each optimum."""
    out = [_INF] * (len(a) + len(b) - 1)
    arg = [0] * len(out)
    for i, x in enumerate(a):
        if x == _INF:
            continue
        for k, y in enumerate(b):
            s = x + y
            if s < out[i + k]:
                out[i + k] = s
                arg[i + k] = k
    return out, arg


def _relaxed(tables: Tables, depth: int, master_ports: int) -> int | None:
    for j in range(len(tables.need)):
        if tables.fits(depth, j, master_ports):
            return j
    return None


def lower_bound(tree: AreaTree, master: int, max_depth: int) -> Bound | None:
    """The bound described in the module docstring; ``None`` if even the relaxation finds
    no plan within ``max_depth`` or the instance does not decompose under the master."""
    full = Tables(tree, master, site_budgets(tree, None))
    for depth in range(max_depth + 1):
        j = _relaxed(full, depth, tree.usable[master])
        if j is not None:
            break
    else:
        return None

    def ok(t: Fraction) -> bool:
        budget = site_budgets(tree, t)
        return Tables(tree, master, budget).fits(depth, j, budget[master])

    caps = [tree.mcus[m].capacity for m in range(len(tree.mcus)) if tree.usable[m] > 0]
    return Bound(depth, j, min_ratio(caps, ok))


def construct(tree: AreaTree, master: int, depth: int, j: int,
              t: Fraction | None) -> Solution | None:
    """A plan with exactly ``j`` slaves within ``depth`` hops and peak ≤ ``t``, built on the
    programme's choice of MCUs; ``None`` if this construction does not find one."""
    budget = site_budgets(tree, t)
    tables = Tables(tree, master, budget)
    if j >= len(tables.need) or tables.need[j] == _INF:
        return None
    slaves = tables.chosen(j)
    if len(slaves) != j:
        return None
    sites_budget = [0] * len(budget)
    for m in slaves:
        sites_budget[m] = budget[m] - 1
    parent: dict[int, int] = {}
    if depth <= 1 or j == 0:
        if depth == 0 and j:
            return None
        sites_budget[master] = budget[master] - j
        parent = dict.fromkeys(slaves, master)
    else:
        found = _hang_on_hubs(tree, master, slaves, budget, sites_budget, tables)
        if found is None:
            return None
        parent = found
    if sites_budget[master] < 0 or tree.missing(sites_budget):
        return None
    sites = tree.assign(sites_budget)
    links = link_ports(len(budget), parent)
    used = {master, *parent}
    peak = max((Fraction(len(sites.get(m, ())) + links[m], tree.mcus[m].capacity)
                for m in used if tree.mcus[m].capacity), default=Fraction(0))
    return Solution(parent, sites, peak, "bound")


def _hang_on_hubs(tree: AreaTree, master: int, slaves: list[int], budget: Sequence[int],
                  sites_budget: list[int], tables: Tables) -> dict[int, int] | None:
    """Depth 2: ``h`` of the slaves under the master (``h`` from the fewest the bound
    allows up), each taking as many of the others as children as its area's spare ports
    allow, the one that can take the most first; ``sites_budget`` is updated in place."""
    h = tables.hubs_needed(len(slaves)) or 1
    while h <= min(budget[master], len(slaves)):
        trial = list(sites_budget)
        trial[master] = budget[master] - h  # the master's ports for its h children
        if tree.missing(trial):
            return None  # more children of the master only take more of its ports
        take, needed = _pick_hubs(tree, slaves, trial, h)
        if take is not None:
            sites_budget[:] = trial
            parent = dict.fromkeys(take, master)
            waiting = sorted((m for m in slaves if m not in take),
                             key=lambda m: tree.mcus[m].id)
            for hub, count in take.items():
                for _ in range(count):
                    parent[waiting.pop()] = hub
            return parent
        h = max(h + 1, needed)
    return None


def _pick_hubs(tree: AreaTree, slaves: list[int], trial: list[int],
               h: int) -> tuple[dict[int, int] | None, int]:
    """At most ``h`` hubs and their child counts; else ``None`` and the fewest hubs this
    pass shows are needed (once no hub can take children, every other slave is one)."""
    rest = len(slaves)
    take: dict[int, int] = {}
    while rest > 0:
        if len(take) == h:
            return None, h + 1
        rest -= 1
        room = tree.headroom(trial)
        spare = [m for m in slaves if m not in take]
        hub = max(spare, key=lambda m: (min(trial[m], room[tree.node_of_mcu[m]]),
                                        tree.mcus[m].id))
        x = min(rest, trial[hub], room[tree.node_of_mcu[hub]])
        if x == 0 and len(take) + 1 + rest > h:  # only leaves left: each a master child
            return None, len(take) + 1 + rest
        take[hub] = x
        trial[hub] -= x
        rest -= x
    return take, h
