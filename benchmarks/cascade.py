"""Cascade benchmarks on the national simulation (vn-2021 by default), real HTTPS + XML-RPC.

1. Switch: ``switch_to(site)`` (authorised, actions, confirmation, audit) over 200 sites,
   with ``--latency-ms`` (50) of injected API latency per MCU, against the floor measured
   in the same run on the same simulation: the same protocol calls made bare (pre-encoded
   XML-RPC bodies POSTed with httpx, replies read but not parsed) in their minimal
   dependency order: every per-MCU action concurrently, then the confirming reads
   concurrently. Switches and floors alternate site by site. Goal: ≤ 1.2x the floor.
2. Sweep: the connection state of every site through the drivers (one participant list
   per MCU), against the same number of bare HTTPS calls (same requests, same
   concurrency, replies not parsed); at 0 ms and at the injected latency. Goal: ≤ 1.5x.

Usage: python benchmarks/cascade.py [--profile vn-2021|vn-2025] [--switches 200]
       [--latency-ms 50] [--sweeps 5] [--without-oracle] [--skip-switch]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from hnth_drivers.cascade.live import gather_bounded
from hnth_drivers.cascade.profiles import profile
from hnth_drivers.cascade.switch import Switcher
from hnth_drivers.mcu import codian_api as api
from hnth_drivers.mcu import xmlrpc
from hnth_drivers.model import Layout
from hnth_drivers.security.access import Operator, Role
from hnth_drivers.security.audit import AuditLog
from hnth_drivers.security.policy import STRICT
from hnth_drivers.transport.https import TlsTrust, https_client
from hnth_sim.simulated import SimulatedMeeting, simulated_meeting

USER = "admin"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


class Bare:
    """Pre-encoded XML-RPC calls, one verified httpx client per MCU (as the drivers have)."""

    def __init__(self, meeting: SimulatedMeeting, password: str) -> None:
        self.meeting = meeting
        self.password = password
        sim = meeting.sim
        assert sim.http.address is not None
        host, port = sim.http.address
        trust = TlsTrust(ca_file=sim.ca_file)
        self.clients = {m: https_client(f"https://{host}:{port}", policy=STRICT, trust=trust,
                                        timeout=30) for m in meeting.drivers}

    def body(self, method: str, params: dict[str, Any]) -> bytes:
        return xmlrpc.encode_call(method, [{"authenticationUser": USER,
                                            "authenticationPassword": self.password,
                                            **params}])

    async def post(self, mcu: str, body: bytes) -> bytes:
        response = await self.clients[mcu].post(f"/mcu/{mcu}/RPC2", content=body,
                                          headers={"Content-Type": "text/xml"})
        response.raise_for_status()
        return response.content

    def ident(self, mcu: str, name: str) -> dict[str, Any]:
        """The documented identity of a participant, read from the simulation."""
        leg = self.meeting.sim.mcu(mcu).participant(self.meeting.sim.conference, name)
        return api.identity(self.meeting.sim.conference, name, leg.protocol.value,
                            api.AD_HOC if leg.incoming else api.BY_ADDRESS)

    def switch_bodies(self, switcher: Switcher, site: str) -> tuple[list[tuple[str, bytes]],
                                                                     list[tuple[str, bytes]]]:
        steps = switcher.steps(site)
        act = []
        for s in steps:   # the documented full screen for one participant, and unmute
            focus = api.focus_request(Layout.full_screen(s.shown), self.ident(s.mcu, s.shown))
            assert focus is not None
            act.append((s.mcu, self.body("participant.modify",
                                         {**self.ident(s.mcu, s.to), **focus})))
            act.append((s.mcu, self.body("participant.modify", {
                **self.ident(s.mcu, s.shown), api.M.OPERATION_SCOPE: "activeState",
                api.M.AUDIO_RX_MUTED: False})))
        confirm = []
        both = ["currentState", "configuredState"]
        for s in steps:   # one read gives the layout sent on the leg and its state
            confirm += [(s.mcu, self.body("participant.status", {
                **self.ident(s.mcu, name), api.M.OPERATION_SCOPE: both}))
                for name in (s.to, s.shown)]
        return act, confirm

    async def rounds(self, *rounds: list[tuple[str, bytes]]) -> float:
        start = time.perf_counter()
        for calls in rounds:
            await asyncio.gather(*(self.post(m, b) for m, b in calls))
        return time.perf_counter() - start

    async def aclose(self) -> None:
        for client in self.clients.values():
            await client.aclose()


async def bench_switch(meeting: SimulatedMeeting, bare: Bare, n: int, seed: int,
                       oracle: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        audit = AuditLog(Path(tmp) / "audit.jsonl")   # durable (fsync), as in production
        switcher = meeting.switcher(operator=Operator("bench", Role.CENTRAL_OPERATOR),
                                    audit=audit)
        # The simulation's oracle of what the chair sees and hears (audio_of walks the
        # whole country) is not part of the switch path a real network runs, nor of the
        # floor; it is on unless --without-oracle.
        if not oracle:
            switcher.view_of = switcher.hears = None
        sites = [s for s in meeting.cascade.sites if s != meeting.chair]
        rng = random.Random(seed)
        chosen = [rng.choice(sites) for _ in range(n)]
        ours, wall, floor, cpu, floor_cpu = [], [], [], [], []
        hops: dict[int, int] = {}
        rts = set()
        for site in chosen[:5]:                       # warm every connection on the paths
            await switcher.switch_to(site)
            await bare.rounds(*bare.switch_bodies(switcher, site))
        for site in chosen:
            act, confirm = bare.switch_bodies(switcher, site)
            start_cpu = time.process_time()
            floor.append(await bare.rounds(act, confirm))
            floor_cpu.append(time.process_time() - start_cpu)
            start, start_cpu = time.perf_counter(), time.process_time()
            trace = await switcher.switch_to(site)
            wall.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
            if not trace.ok:
                sys.exit(f"switch to {site} failed: {trace.reason}")
            ours.append(trace.total_s)
            hops[trace.hops] = hops.get(trace.hops, 0) + 1
            rts.add(trace.round_trips)
    print(f"switch (simulation's oracle {'on' if oracle else 'off'}): {n} switches, "
          f"hops {dict(sorted(hops.items()))}, round trips on the "
          f"critical path {sorted(rts)} (actions, then confirmation)")
    for label, values in (("switch (trace)", ours), ("switch (wall, incl. audit)", wall),
                          ("floor (bare calls)", floor)):
        print(f"  {label:28} p50 {pct(values, 50) * 1000:7.1f} ms   "
              f"p99 {pct(values, 99) * 1000:7.1f} ms")
    print(f"  ratio p50 {pct(wall, 50) / pct(floor, 50):.2f}x   "
          f"p99 {pct(wall, 99) / pct(floor, 99):.2f}x   (goal <= 1.2x)")
    print(f"  CPU time of the process per switch (one thread: drivers, simulation, floor): "
          f"p50 {pct(cpu, 50) * 1000:.1f} ms vs floor {pct(floor_cpu, 50) * 1000:.1f} ms, "
          f"ratio {pct(cpu, 50) / pct(floor_cpu, 50):.2f}x")


async def bench_sweep(meeting: SimulatedMeeting, bare: Bare, runs: int) -> None:
    cascade = meeting.cascade
    conf = meeting.sim.conference
    bodies = [(m, bare.body("participant.enumerate", {
        api.M.OPERATION_SCOPE: ["currentState", "configuredState"]})) for m in cascade.nodes]
    assert conf

    async def floor_once() -> None:
        await gather_bounded([lambda m=m, b=b: bare.post(m, b) for m, b in bodies],
                             cascade.concurrency)

    ours, floor, cpu, floor_cpu = [], [], [], []
    await cascade.site_states()
    await floor_once()
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        await floor_once()
        floor.append(time.perf_counter() - start)
        floor_cpu.append(time.process_time() - start_cpu)
        start, start_cpu = time.perf_counter(), time.process_time()
        states = await cascade.site_states()
        ours.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    lat = next(iter(meeting.sim.mcus.values()))
    assert len(states) == len(cascade.sites)
    o, f = statistics.median(ours), statistics.median(floor)
    print(f"  latency {meeting.sim.mcu(lat.id).faults.latency_ms:g} ms: drivers "
          f"{o * 1000:7.1f} ms, bare {f * 1000:7.1f} ms, ratio {o / f:.2f}x (goal <= 1.5x); "
          f"CPU time ratio {statistics.median(cpu) / statistics.median(floor_cpu):.2f}x")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--profile", default="vn-2021")
    parser.add_argument("--switches", type=int, default=200)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--sweeps", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--concurrency", type=int, default=32,
                        help="calls in flight in the sweep (drivers and floor alike)")
    parser.add_argument("--skip-switch", action="store_true")
    parser.add_argument("--without-oracle", action="store_true",
                        help="switch without the simulation's check of the chair's screen")
    args = parser.parse_args()
    topo = profile(args.profile)
    # The floor is raw XML-RPC, so every MCU of the benchmark speaks Codian.
    async with simulated_meeting(topo, latency_ms=args.latency_ms,
                                 apis=frozenset({"codian"})) as meeting:
        await meeting.cascade.up(wait_s=120)
        # The simulation's ~100,000 long-lived objects would make every full collection
        # scan them, in the middle of a switch or a floor alike: set them aside.
        gc.collect()
        gc.freeze()
        bare = Bare(meeting, meeting.sim.codian._password.decode())
        try:
            print(f"{args.profile}: {len(meeting.cascade.sites):,} sites on "
                  f"{len(meeting.drivers)} MCUs, one HTTPS socket, "
                  f"{args.latency_ms:g} ms API latency")
            if not args.skip_switch:
                await bench_switch(meeting, bare, args.switches, args.seed,
                                   not args.without_oracle)
            meeting.cascade.concurrency = args.concurrency
            print(f"sweep: connection state of all {len(meeting.cascade.sites):,} sites, "
                  f"{len(meeting.drivers)} participant lists, "
                  f"{meeting.cascade.concurrency} in flight")
            for latency in (0.0, args.latency_ms):
                for spec in meeting.sim.mcus:
                    meeting.sim.mcu(spec).faults.latency_ms = latency
                await bench_sweep(meeting, bare, args.sweeps)
        finally:
            await bare.aclose()


if __name__ == "__main__":
    asyncio.run(main())
