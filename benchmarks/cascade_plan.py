"""Cascade planning benchmark: vn-2021 planned with its lower bound (goal < 2 s), peak
memory, re-planning, and a profile whose MCUs all declare 10^9 ports.

Run: ``python benchmarks/cascade_plan.py``. Two floors, measured in the same run: building
the topology (``build s``; parsing a file costs more), and the least any planner must do,
one pass giving every site its most local allowed MCU (``floor s``; no capacity, no tree).
``plan s`` includes the bound and the gap; ratios are against both floors. Figures are
medians of several runs; peak memory is measured with tracemalloc around one planning call
(the topology already built).
"""

from __future__ import annotations

import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import replace
from functools import partial

from hnth_drivers.cascade.planner import plan
from hnth_drivers.cascade.profiles import profile
from hnth_drivers.cascade.replan import replan
from hnth_drivers.cascade.topology import MAX_PORTS, Topology

RUNS = 3


def median_s(fn: Callable[[], object], runs: int = RUNS) -> float:
    """Median wall time of ``fn`` over ``runs`` calls."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def floor_pass(topo: Topology) -> None:
    """Every site → its most local allowed MCU: the work no planner can skip."""
    for s in topo.sites:
        topo.covering(s.id)[0]


def peak_mib(fn: Callable[[], object]) -> float:
    """Peak Python heap allocated while ``fn`` runs, in MiB."""
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def huge(topo: Topology) -> Topology:
    """The same profile with every MCU at 10^9 ports (the largest accepted)."""
    return Topology.build(topo.name, topo.sites,
                          [replace(m, capacity=MAX_PORTS) for m in topo.mcus])


def bench(name: str) -> float:
    """Measure one profile, print its row, return its planning time."""
    build = median_s(partial(profile, name))
    topo = profile(name)
    floor = median_s(partial(floor_pass, topo))
    planning = median_s(partial(plan, topo))
    result = plan(topo)
    busiest = max((m for m in result.mcus if m.parent), key=lambda m: m.sites)
    re_s = median_s(partial(replan, result, topo.without_mcu(busiest.id)))
    mem = peak_mib(partial(plan, topo))
    big = huge(topo)
    big_s = median_s(partial(plan, big), 1)
    gap = result.gap
    print(f"{name:8} {len(topo.sites):>6} {len(topo.mcus):>5} {build:>8.3f} {floor:>8.4f} "
          f"{planning:>7.3f} {planning / build:>6.1f}x {planning / floor:>6.0f}x "
          f"{re_s:>9.3f} {mem:>9.1f} {big_s:>7.3f} {result.max_depth:>5} "
          f"{len(result.links):>5} {'0' if result.optimal else str(gap):>4}")
    return planning


def main() -> int:
    print(f"{'profile':8} {'sites':>6} {'MCUs':>5} {'build s':>8} {'floor s':>8} "
          f"{'plan s':>7} {'/build':>7} {'/floor':>7} {'replan s':>9} {'peak MiB':>9} "
          f"{'1e9 s':>7} depth links  gap")
    ok = bench("vn-2021") < 2.0
    bench("vn-2025")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process max RSS {rss:.0f} MiB; goal: vn-2021 planned with its bound < 2 s -> "
          f"{'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
