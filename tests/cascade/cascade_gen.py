"""Random small topologies (hypothesis) and an exact ILP oracle (scipy.optimize.milp)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from hnth_drivers.cascade.topology import McuRole, McuSpec, Topology
from hnth_drivers.model import Level, Site

LEVELS = (Level.GOVERNMENT, Level.PROVINCE, Level.DISTRICT, Level.COMMUNE, Level.ROOM)


@st.composite
def topologies(draw: st.DrawFn, max_sites: int = 30, max_mcus: int = 6,
               max_capacity: int = 24) -> Topology:
    """A random hierarchy (site i's parent is an earlier site) and a random inventory:
    the master serves the whole tree, every slave a random subtree."""
    n = draw(st.integers(1, max_sites))
    parents = [-1] + [draw(st.integers(0, i - 1)) for i in range(1, n)]
    depth = [0] * n
    for i in range(1, n):
        depth[i] = depth[parents[i]] + 1
    sites = [Site(f"s{i}", f"site {i}", LEVELS[min(depth[i], 4)],
                  None if parents[i] < 0 else f"s{parents[i]}") for i in range(n)]
    k = draw(st.integers(1, max_mcus))
    mcus = []
    for j in range(k):
        area = "s0" if j == 0 else f"s{draw(st.integers(0, n - 1))}"
        # A small master forces cascades; slaves get the bulk of the ports.
        cap = draw(st.integers(0, max_capacity // 2 if j == 0 else max_capacity))
        mcus.append(McuSpec(f"m{j}", "test", "codian", f"https://m{j}.test", cap, area,
                            McuRole.MASTER if j == 0 else McuRole.SLAVE))
    return Topology.build("random", sites, mcus)


@st.composite
def regional_topologies(draw: st.DrawFn) -> Topology:
    """National-like small instances: a government root, 1-4 provinces with communes, a
    small master and per-province MCUs (at most 6 MCUs, 30 sites)."""
    provinces = draw(st.integers(1, 4))
    sites = [Site("gov", "Government", Level.GOVERNMENT)]
    mcus = [McuSpec("m0", "central office", "codian", "https://m0.test",
                    draw(st.integers(1, 6)), "gov", McuRole.MASTER)]
    for p in range(provinces):
        sites.append(Site(f"p{p}", f"Province {p}", Level.PROVINCE, "gov"))
        sites += [Site(f"p{p}c{c}", f"Commune {c}", Level.COMMUNE, f"p{p}")
                  for c in range(draw(st.integers(0, 6)))]
    for p in range(provinces):
        for _ in range(draw(st.integers(0, 2))):
            if len(mcus) < 6:
                mcus.append(McuSpec(f"m{len(mcus)}", "VNPT", "smc", "https://x.test",
                                    draw(st.integers(1, 12)), f"p{p}"))
    return Topology.build("regional", sites, mcus)


def any_topology() -> st.SearchStrategy[Topology]:
    """Random trees or national-like instances, half and half."""
    return st.one_of(topologies(), regional_topologies())


@dataclass(frozen=True)
class Optimum:
    """The lexicographic optimum: depth, number of cascade links, peak utilisation."""

    depth: int
    links: int
    peak: float


def ilp_optimum(topology: Topology, max_depth: int) -> Optimum | None:
    """Solve the planning problem exactly as an ILP; ``None`` when infeasible.

    Independent of the planner: eligibility from ``Topology.in_area``, a depth label per
    MCU (a child is one level below its parent, so there is no cycle), ports counted per
    MCU as sites + children + uplink.
    """
    for depth in range(max_depth + 1):
        first = _solve(topology, depth, None)
        if first is not None:
            used = round(first)
            peak = _solve(topology, depth, used)
            assert peak is not None
            return Optimum(depth, used - 1, peak)
    return None


def _solve(topology: Topology, depth: int, fixed_used: int | None) -> float | None:
    mcus = topology.mcus
    k = len(mcus)
    master = next(i for i, m in enumerate(mcus) if m.role is McuRole.MASTER)
    classes: dict[frozenset[int], int] = {}
    for s in topology.sites:
        key = frozenset(i for i, m in enumerate(mcus) if topology.in_area(s.id, m))
        classes[key] = classes.get(key, 0) + 1
    names: list[tuple[object, ...]] = []
    z = {}
    for c, (elig, _n) in enumerate(classes.items()):
        for m in sorted(elig):
            z[c, m] = len(names)
            names.append(("z", c, m))
    u = {m: _new(names, ("u", m)) for m in range(k)}
    p = {(m, q): _new(names, ("p", m, q)) for m in range(k) for q in range(k)
         if m != master and m != q}
    a = {(m, d): _new(names, ("a", m, d)) for m in range(k) for d in range(depth + 1)}
    t = _new(names, ("t",))
    nv = len(names)
    rows: list[tuple[dict[int, float], float, float]] = []
    for c, (elig, n) in enumerate(classes.items()):
        rows.append(({z[c, m]: 1 for m in elig}, n, n))
        for m in elig:
            rows.append(({z[c, m]: 1, u[m]: -n}, -np.inf, 0))
    rows.append(({u[master]: 1}, 1, 1))
    for m in range(k):
        rows.append(({a[m, d]: 1 for d in range(depth + 1)} | {u[m]: -1}, 0, 0))
        if m == master:
            rows.append(({a[m, 0]: 1}, 1, 1))
            continue
        rows.append(({a[m, 0]: 1}, 0, 0))
        rows.append(({p[m, q]: 1 for q in range(k) if q != m} | {u[m]: -1}, 0, 0))
        for q in range(k):
            if q == m:
                continue
            rows.append(({p[m, q]: 1, u[q]: -1}, -np.inf, 0))
            for d in range(depth):
                rows.append(({p[m, q]: 1, a[q, d]: 1, a[m, d + 1]: -1}, -np.inf, 1))
            rows.append(({p[m, q]: 1, a[q, depth]: 1}, -np.inf, 1))
    for m in range(k):
        load: dict[int, float] = {z[c, m]: 1 for c, (elig, _n) in enumerate(classes.items())
                                  if m in elig}
        for (_child, q), var in p.items():
            if q == m:
                load[var] = load.get(var, 0) + 1
        if m != master:
            load[u[m]] = load.get(u[m], 0) + 1
        rows.append((load | {u[m]: load.get(u[m], 0) - mcus[m].capacity}, -np.inf, 0))
        if fixed_used is not None:
            rows.append((load | {t: -mcus[m].capacity}, -np.inf, 0))
    if fixed_used is not None:
        rows.append(({u[m]: 1 for m in range(k)}, fixed_used, fixed_used))
    matrix = np.zeros((len(rows), nv))
    lo = np.zeros(len(rows))
    hi = np.zeros(len(rows))
    for r, (coeffs, low, high) in enumerate(rows):
        for var, coef in coeffs.items():
            matrix[r, var] += coef
        lo[r], hi[r] = low, high
    cost = np.zeros(nv)
    integrality = np.ones(nv)
    integrality[t] = 0
    upper = np.full(nv, np.inf)
    for var, name in enumerate(names):
        if name[0] in ("u", "p", "a"):
            upper[var] = 1
    if fixed_used is None:
        for m in range(k):
            cost[u[m]] = 1
        upper[t] = 0
    else:
        cost[t] = 1
        upper[t] = 1
    res = milp(cost, integrality=integrality, bounds=Bounds(np.zeros(nv), upper),
               constraints=LinearConstraint(matrix, lo, hi))
    if res.status != 0:
        return None
    return float(res.fun)


def _new(names: list[tuple[object, ...]], name: tuple[object, ...]) -> int:
    names.append(name)
    return len(names) - 1


def peak_of(value: float) -> Fraction:
    """A utilisation as a fraction with a small denominator (capacities are ≤ 16)."""
    return Fraction(value).limit_denominator(1000)
