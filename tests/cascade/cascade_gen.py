"""Random small topologies (hypothesis) and an exact ILP oracle (scipy.optimize.milp)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from hnth_drivers.cascade.topology import McuRole, McuSpec, Topology
from hnth_drivers.errors import ConfigError
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
                            McuRole.MASTER if j == 0 else McuRole.SLAVE,
                            reserve=draw(reserves(cap))))
    return with_standby(draw, Topology.build("random", sites, mcus))


def reserves(capacity: int) -> st.SearchStrategy[int | str | None]:
    """No reserve given (the default), a port count, or a percentage."""
    return st.one_of(st.none(), st.integers(0, min(capacity, 3)),
                     st.sampled_from(["0%", "10%", "25%", "12.5%"]))


def with_standby(draw: st.DrawFn, topology: Topology) -> Topology:
    """Sometimes add a standby beside the master (skipped if it would be refused)."""
    if not draw(st.booleans()):
        return topology
    master = topology.master
    cap = draw(st.integers(0, master.capacity + 2))
    standby = McuSpec("standby", "test", "smc", "https://standby.test", cap, master.area,
                      McuRole.STANDBY, reserve=draw(reserves(cap)))
    try:
        return Topology.build(topology.name, topology.sites, (*topology.mcus, standby))
    except ConfigError:
        return topology


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
                cap = draw(st.integers(1, 12))
                mcus.append(McuSpec(f"m{len(mcus)}", "VNPT", "smc", "https://x.test", cap,
                                    f"p{p}", reserve=draw(reserves(cap))))
    return with_standby(draw, Topology.build("regional", sites, mcus))


def any_topology() -> st.SearchStrategy[Topology]:
    """Random trees or national-like instances, half and half."""
    return st.one_of(topologies(), regional_topologies())


@dataclass(frozen=True)
class Optimum:
    """The lexicographic optimum: depth, number of cascade links, peak utilisation."""

    depth: int
    links: int
    peak: float


def reserve_of(m: McuSpec) -> int:
    """The spare ports of an MCU, computed here from the declared field (not by the
    library): the larger of 2 and 10 % (rounded up) by default, never above capacity."""
    r = m.reserve
    if r is None:
        return min(m.capacity, max(2, math.ceil(m.capacity / 10)))
    if isinstance(r, str):
        return min(m.capacity, math.ceil(m.capacity * Fraction(r.strip().rstrip("%")) / 100))
    return r


def usable_ports(topology: Topology) -> list[int]:
    """Per MCU: capacity minus reserve; the master no more than its standby's; standby 0."""
    ports = [m.capacity - reserve_of(m) for m in topology.mcus]
    master = next(i for i, m in enumerate(topology.mcus) if m.role is McuRole.MASTER)
    for i, m in enumerate(topology.mcus):
        if m.role is McuRole.STANDBY:
            ports[master] = min(ports[master], ports[i])
            ports[i] = 0
    return ports


def ilp_optimum(topology: Topology, max_depth: int) -> Optimum | None:
    """Solve the planning problem exactly as an ILP; ``None`` when infeasible.

    Independent of the planner: eligibility from ``Topology.in_area``, reserve and standby
    from the declared fields (:func:`usable_ports`), a level per MCU in use and its number
    of children at that level (a tree of height <= depth with these child counts exists
    exactly when each level's children fill the next level), ports counted per MCU as
    sites + children + uplink.
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
    ports = usable_ports(topology)
    master = next(i for i, m in enumerate(mcus) if m.role is McuRole.MASTER)
    live = [m for m in range(k) if ports[m] > 0 or m == master]
    classes: dict[frozenset[int], int] = {}
    for s in topology.sites:
        key = frozenset(i for i in live if topology.in_area(s.id, mcus[i]))
        classes[key] = classes.get(key, 0) + 1
    names: list[tuple[object, ...]] = []
    z = {}
    for c, (elig, _n) in enumerate(classes.items()):
        for m in sorted(elig):
            z[c, m] = _new(names, ("z", c, m))
    a = {(m, d): _new(names, ("a", m, d)) for m in live for d in range(depth + 1)}
    kids = {(m, d): _new(names, ("c", m, d)) for m in live for d in range(depth)}
    t = _new(names, ("t",))
    nv = len(names)
    rows: list[tuple[dict[int, float], float, float]] = []
    for c, (elig, n) in enumerate(classes.items()):
        rows.append(({z[c, m]: 1 for m in elig}, n, n))
    for m in live:
        rows.append(({a[m, d]: 1 for d in range(depth + 1)}, 0, 1))
        rows.append(({a[m, 0]: 1}, 1 if m == master else 0, 1 if m == master else 0))
        for d in range(depth):
            rows.append(({kids[m, d]: 1, a[m, d]: -k}, -np.inf, 0))
        load: dict[int, float] = {z[c, m]: 1 for c, (elig, _n) in enumerate(classes.items())
                                  if m in elig}
        load |= {kids[m, d]: 1 for d in range(depth)}
        load |= {a[m, d]: 1 for d in range(1, depth + 1)}  # the uplink
        in_use = {a[m, d]: load.get(a[m, d], 0) - ports[m] for d in range(depth + 1)}
        rows.append((load | in_use, -np.inf, 0))
        if fixed_used is not None:
            rows.append((load | {t: -mcus[m].capacity}, -np.inf, 0))
    for d in range(depth):
        rows.append(({kids[m, d]: 1 for m in live} | {a[m, d + 1]: -1 for m in live}, 0, 0))
    if fixed_used is not None:
        rows.append(({a[m, d]: 1 for m in live for d in range(depth + 1)}, fixed_used,
                     fixed_used))
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
        if name[0] == "a":
            upper[var] = 1
    if fixed_used is None:
        for var in a.values():
            cost[var] = 1
        upper[t] = 0
    else:
        cost[t] = 1
        upper[t] = 1
    res = milp(cost, integrality=integrality, bounds=Bounds(np.zeros(nv), upper),
               constraints=LinearConstraint(matrix, lo, hi), options={"time_limit": 60})
    if res.status != 0:
        assert res.status == 2, f"the ILP did not finish: {res.message}"
        return None
    return float(res.fun)


def _new(names: list[tuple[object, ...]], name: tuple[object, ...]) -> int:
    names.append(name)
    return len(names) - 1


def peak_of(value: float) -> Fraction:
    """A utilisation as a fraction with a small denominator (capacities are ≤ 16)."""
    return Fraction(value).limit_denominator(1000)


@st.composite
def national_like(draw: st.DrawFn, max_mcus: int = 100) -> Topology:
    """Instances shaped like the national network, up to ``max_mcus`` MCUs: a master (and
    sometimes a standby) over the whole country, provinces with a few MCUs each, some
    districts with an MCU of their own, communes under both."""
    sites = [Site("gov", "Government", Level.GOVERNMENT)]
    sites += [Site(f"gov-{r}", f"Room {r}", Level.GOVERNMENT, "gov")
              for r in range(draw(st.integers(0, 3)))]
    cap = draw(st.integers(8, 64))
    mcus = [McuSpec("m0", "central office", "codian", "https://m0.test", cap, "gov",
                    McuRole.MASTER, reserve=draw(reserves(cap)))]
    provinces = draw(st.integers(1, 30))
    for p in range(provinces):
        if len(mcus) >= max_mcus:
            break
        pid = f"p{p}"
        sites.append(Site(pid, f"Province {p}", Level.PROVINCE, "gov"))
        for d in range(draw(st.integers(0, 3))):
            did = f"{pid}d{d}"
            sites.append(Site(did, f"District {d}", Level.DISTRICT, pid))
            sites += [Site(f"{did}c{c}", f"Commune {c}", Level.COMMUNE, did)
                      for c in range(draw(st.integers(0, 12)))]
            if draw(st.integers(0, 3)) == 0 and len(mcus) < max_mcus:
                cap = draw(st.integers(2, 24))
                mcus.append(McuSpec(f"m{len(mcus)}", "district", "smc", "https://d.test",
                                    cap, did, reserve=draw(reserves(cap))))
        for _ in range(draw(st.integers(1, 6))):
            if len(mcus) < max_mcus:
                cap = draw(st.sampled_from([8, 12, 16, 24, 32, 48, 64]))
                mcus.append(McuSpec(f"m{len(mcus)}", "VNPT", "smc", "https://x.test", cap,
                                    pid, reserve=draw(reserves(cap))))
    return with_standby(draw, Topology.build("national-like", sites, mcus))
