"""Concurrent switch requests for one chair's screen, against a single switch measured in
the same run.

A chain of four simulated MCUs (master, province, district, commune) behind the in-process
``ModelMcu`` adapter with ``--latency-ms`` (20) of injected API latency per call. The
floor is one switch to the deepest site (best of 5). Then ``--requests`` (100) switch
requests arrive at once from four Switcher objects (four operators' consoles); the
queue runs the first, coalesces the rest (latest wins) and runs the last. Goal: all
requests resolved (done or superseded) within 2x a single switch's time per request that
actually ran.

Usage: python benchmarks/switch_queue.py [--requests 100] [--latency-ms 20]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from hnth_drivers.cascade.live import LiveCascade, McuNode
from hnth_drivers.cascade.switch import Switcher, SwitchOutcome
from hnth_drivers.model import Endpoint, Level, Site
from hnth_drivers.security.access import Operator, Role, SiteTree
from hnth_drivers.security.audit import AuditLog
from hnth_drivers.testing.model_mcu import ModelMcu
from hnth_sim.mcu.model import ManualClock, Network

CONF = "hnth"
LEVELS = [Level.GOVERNMENT, Level.PROVINCE, Level.DISTRICT, Level.COMMUNE]


def build(tmp: Path, latency_ms: float) -> tuple[LiveCascade, SiteTree, AuditLog, list[str]]:
    net = Network(clock=ManualClock(), seed=1)
    sites: dict[str, str] = {}
    tree = [Site("gov", "Chính phủ", Level.GOVERNMENT)]
    nodes, parent = [], "gov"
    for k in range(4):
        mid = f"m{k}"
        model = net.add_mcu(mid, ports=20)
        model.faults.latency_ms = latency_ms
        model.create_conference(CONF)
        names = ["gov", "s0"] if k == 0 else [f"s{k}", f"s{k}b"]
        for name in names:
            model.add_participant(CONF, Endpoint(name, f"10.0.{k}.{len(sites) + 1}"))
            sites[name] = mid
            if name != "gov":
                tree.append(Site(name, name, LEVELS[min(k + 1, 3)] if k else
                                 Level.GOVERNMENT, parent))
        parent = names[-1] if k else "gov"
        nodes.append(McuNode(mid, ModelMcu(model), CONF, f"m{k - 1}" if k else None))
    cascade = LiveCascade(nodes, sites, chair="gov", dialler_of=lambda s, m: "slave")
    return cascade, SiteTree.of(tree), AuditLog(tmp / "audit.jsonl"), \
        [s for s in sites if s != "gov"]


async def main_async(requests: int, latency_ms: float) -> None:
    with tempfile.TemporaryDirectory() as tmpdir:
        cascade, tree, audit, sites = build(Path(tmpdir), latency_ms)
        await cascade.up(wait_s=5)
        op = Operator("central", Role.CENTRAL_OPERATOR)
        consoles = [Switcher(cascade, operator=op, tree=tree, audit=audit) for _ in range(4)]
        singles = []
        for i in range(5):
            trace = await consoles[0].switch_to("s3" if i % 2 else "s2")
            assert trace.ok, trace.reason
            singles.append(trace.total_s)
        single = min(singles)
        start = time.perf_counter()
        traces = await asyncio.gather(*(consoles[i % 4].switch_to(sites[i % len(sites)])
                                        for i in range(requests)))
        elapsed = time.perf_counter() - start
    ran = sum(t.outcome is not SwitchOutcome.SUPERSEDED for t in traces)
    done = sum(t.outcome is SwitchOutcome.DONE for t in traces)
    superseded = sum(t.outcome is SwitchOutcome.SUPERSEDED for t in traces)
    ratio = elapsed / (ran * single)
    print(f"switch queue: {requests} concurrent requests, {latency_ms:g} ms API latency")
    print(f"  single switch (floor, best of 5): {single * 1000:.1f} ms")
    print(f"  all resolved in {elapsed * 1000:.1f} ms: {done} done, {superseded} superseded, "
          f"{requests - done - superseded} failed; {ran} ran")
    print(f"  ratio {ratio:.2f}x a single switch per request that ran "
          f"({'within' if ratio <= 2.0 else 'OVER'} 2x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    args = parser.parse_args()
    asyncio.run(main_async(args.requests, args.latency_ms))


if __name__ == "__main__":
    main()
