"""Cascade planning benchmark: vn-2021 planning time (goal < 1 s) and peak memory.

Run: ``python benchmarks/cascade_plan.py``. The floor, measured in the same run, is the
least any planner must do: one pass giving every site its most local allowed MCU (no
capacity, no tree). Figures are medians of several runs; peak memory is measured with
tracemalloc around one planning call (the topology already built).
"""

from __future__ import annotations

import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from functools import partial

from hnth_drivers.cascade.planner import plan
from hnth_drivers.cascade.profiles import profile
from hnth_drivers.cascade.replan import replan
from hnth_drivers.cascade.topology import Topology

RUNS = 5


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


def bench(name: str) -> float:
    """Measure one profile, print its row, return its planning time."""
    build = median_s(partial(profile, name), 3)
    topo = profile(name)
    floor = median_s(partial(floor_pass, topo))
    planning = median_s(partial(plan, topo))
    result = plan(topo)
    busiest = max((m for m in result.mcus if m.parent), key=lambda m: m.sites)
    re_s = median_s(partial(replan, result, topo.without_mcu(busiest.id)))
    mem = peak_mib(partial(plan, topo))
    print(f"{name:8} {len(topo.sites):>6} {len(topo.mcus):>5} {build:>8.3f} {floor:>8.4f} "
          f"{planning:>7.3f} {planning / floor:>5.1f}x {re_s:>9.3f} {mem:>9.1f} "
          f"{result.max_depth:>5} {len(result.links):>5}")
    return planning


def main() -> int:
    print(f"{'profile':8} {'sites':>6} {'MCUs':>5} {'build s':>8} {'floor s':>8} "
          f"{'plan s':>7} {'ratio':>6} {'replan s':>9} {'peak MiB':>9} depth links")
    ok = bench("vn-2021") < 1.0
    bench("vn-2025")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process max RSS {rss:.0f} MiB; goal: vn-2021 plan < 1 s -> {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
