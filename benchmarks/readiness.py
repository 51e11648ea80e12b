"""Readiness sweep of every site of vn-2021 against the floor of the same calls made bare.

The national simulation (every planned MCU over HTTPS, one SNMPv3 device per MCU on one
agent) is started once, the cascade brought up, then, alternating, in the same run:

- **sweep**: ``ReadinessCheck.run()`` over every site (connection, cascade path, quality
  against the thresholds, the MCU's SNMP health), no test calls;
- **floor**: the same MCU and SNMP calls made bare: per MCU ``participants()`` (and
  ``stats()`` when the sweep reads them) and ``SnmpPoller.poll()``, concurrently with
  the same bound, results dropped; no readiness logic.

Three modes: ``recent`` (quality from the monitor's latest figures, given as a mapping,
so the sweep's calls are one participant list and one SNMP poll per MCU), ``stats``
(quality read fresh from every MCU: one ``participant.enumerate`` of ``currentState`` per
Codian MCU; the SMC has no statistics) and ``rooms`` (``stats`` plus one SNMP poll of
``--rooms`` sites' own agents, Polycom codecs in a call, whose jitter and delay are
merged with the MCU's loss; the floor makes the same polls after the MCU calls, as the
sweep does). Goal: sweep ≤ 1.5x the floor and < 10 s. Peak memory: the sweep's peak Python
allocation (tracemalloc, one extra sweep) and the process's max RSS.

Usage: python benchmarks/readiness.py [--profile vn-2021] [--rounds 3]
       [--modes recent,stats,rooms] [--rooms 200] [--latency-ms 0]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from functools import partial

from hnth_drivers.cascade.live import gather_bounded
from hnth_drivers.cascade.profiles import profile
from hnth_drivers.meeting.readiness import ReadinessCheck, directory_from_topology
from hnth_drivers.model import CallStats
from hnth_drivers.monitor.snmp import SnmpTarget
from hnth_drivers.security.secrets import Secret
from hnth_drivers.transport.snmp import SnmpV3User
from hnth_sim.simulated import simulated_meeting
from hnth_sim.simulated_snmp import SimulatedSnmp, simulated_snmp
from hnth_sim.snmp import SimDevice, SnmpAgent
from hnth_sim.snmp.device import SimVendor


async def timed(fn: Callable[[], Awaitable[object]]) -> float:
    t = time.perf_counter()
    await fn()
    return time.perf_counter() - t


async def main(args: argparse.Namespace) -> int:
    topo = profile(args.profile)
    directory = directory_from_topology(topo)
    carriers = {m.id: m.operator for m in topo.mcus}
    worst = 0.0
    rooms = sorted(s.id for s in topo.sites)[:args.rooms]
    room_devices = [SimDevice(r, vendor=SimVendor.POLYCOM_CODEC) for r in rooms]
    for n, device in enumerate(room_devices):
        device.add_call("mcu", audio_loss_percent=0.1, jitter_ms=3 + n % 7, delay_ms=40)
    keys = ("bench-auth-key", "bench-priv-key")
    async with simulated_meeting(topo, latency_ms=args.latency_ms) as meeting, \
            simulated_snmp(meeting.drivers, timeout_s=5.0) as snmp, \
            SnmpAgent(room_devices, auth_key=keys[0], priv_key=keys[1]) as room_agent:
        cascade = meeting.cascade
        await cascade.up(wait_s=120)
        creds = SnmpV3User("admin", Secret(keys[0]), Secret(keys[1]))
        host, port = room_agent.address
        room_targets = {r: SnmpTarget(r, host, creds, port=port, vendor="polycom-codec",
                                      context=r, timeout=5.0) for r in rooms}
        recent = {s: CallStats(s, 0.1, 4.0, 40.0) for s in cascade.sites}
        print(f"{topo.name}: {len(cascade.sites):,} sites, {len(meeting.drivers)} MCUs, "
              f"{len(snmp.targets)} SNMP devices, {args.latency_ms:g} ms API latency")
        gc.collect()
        gc.freeze()
        for mode in args.modes.split(","):
            sites = room_targets if mode == "rooms" else {}
            check = ReadinessCheck(cascade, directory, carriers=carriers, snmp=snmp.poller,
                                   snmp_targets=snmp.targets, site_snmp_targets=sites,
                                   recent_quality=recent if mode == "recent" else None)
            report = await check.run()
            assert report.ready, "the simulated network should be ready"
            if sites:
                assert all(report.row(r).quality_sources.get("jitter") == "snmp"
                           for r in sites), "every room's jitter from its agent"
            floor = partial(bare, meeting.drivers, cascade.concurrency, snmp, mode != "recent",
                            meeting.sim.conference, list(sites.values()))
            sweeps, floors = [], []
            for i in range(args.rounds):
                pair = [("sweep", check.run), ("floor", floor)]
                for name, fn in (pair if i % 2 == 0 else pair[::-1]):
                    (sweeps if name == "sweep" else floors).append(await timed(fn))
            s, f = statistics.median(sweeps), statistics.median(floors)
            tracemalloc.start()
            await check.run()
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            ratio = s / f
            worst = max(worst, ratio)
            print(f"  {mode:6s}: sweep {s:6.2f} s (runs {', '.join(f'{x:.2f}' for x in sweeps)})"
                  f"  floor {f:6.2f} s  ratio {ratio:.2f}x  "
                  f"{'< 10 s' if s < 10 else '>= 10 s'}; sweep peak Python memory "
                  f"{peak / 2**20:.0f} MiB")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process max RSS {rss:.0f} MiB (simulation of every MCU included)")
    print(f"goal: ≤ 1.5x the floor: {'met' if worst <= 1.5 else 'NOT met'} (worst {worst:.2f}x)")
    return 0


async def bare(drivers: dict[str, object], limit: int, snmp: SimulatedSnmp, stats: bool,
               conference: str, rooms: list[SnmpTarget]) -> None:
    """The sweep's calls without the readiness logic."""
    from hnth_drivers.errors import NotSupported
    from hnth_drivers.mcu.base import Mcu

    async def one(mcu_id: str) -> None:
        driver = drivers[mcu_id]
        assert isinstance(driver, Mcu)
        await driver.participants(conference)
        if stats:
            with contextlib.suppress(NotSupported):  # as the sweep: no statistics, no figures
                await driver.stats(conference)
        await snmp.poller.poll(snmp.targets[mcu_id])

    await gather_bounded([partial(one, m) for m in drivers], limit)
    await gather_bounded([partial(snmp.poller.poll, t) for t in rooms], limit)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--profile", default="vn-2021")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--modes", default="recent,stats,rooms")
    parser.add_argument("--rooms", type=int, default=200)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    sys.exit(asyncio.run(main(parser.parse_args())))
