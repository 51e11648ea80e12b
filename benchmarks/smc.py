"""SMC benchmark: the timed switch over SMC MCUs against the floor of its bare SOAP calls.

A chain of ``--mcus`` simulated SMC MCUs (NationalSim, HTTPS on loopback) is cascaded; the
chair's switch to the site at the bottom is made once to warm every cache. Then one more
switch to the same site is recorded: every SOAP request and reply, by URL path. In the
same run the benchmark measures (median of ``--rounds``):

- **switch**: ``Switcher.switch_to(site)`` with the ``smc`` drivers pointed at a server
  that answers the recorded reply bytes for each request (so the simulator's own work is
  not counted: what is timed is the driver — zeep, the reply precheck, the worker thread
  — and the switch logic);
- **floor**: the same POSTs made bare with httpx to the same server, in the same two
  concurrent rounds as the switch (the control calls, then the read-backs).

``switch / floor`` is what the driver adds to the documented calls; the goal is ≤ 1.2.

Run: ``python benchmarks/smc.py [--mcus 3] [--rounds 30]``
"""

from __future__ import annotations

import argparse
import asyncio
import ssl
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any

import httpx

from hnth_drivers.cascade.live import LiveCascade, McuNode
from hnth_drivers.cascade.switch import Switcher
from hnth_drivers.mcu.smc import SmcMcu
from hnth_drivers.model import Level, Site
from hnth_drivers.security.access import Operator, Role, SiteTree
from hnth_drivers.security.secrets import Secret
from hnth_drivers.transport.https import TlsTrust
from hnth_sim.mcu.http import HttpRequest, HttpResponse, HttpsServer
from hnth_sim.mcu.tls import server_context
from hnth_sim.network import NationalSim, SimMcu

PASSWORD = "bench-password"


async def timed(rounds: int, *works: Callable[[], Awaitable[Any]]) -> list[float]:
    """Median seconds of each of ``works``, interleaved round by round (so that the load
    of a shared machine weighs on each alike), after three warm-up rounds."""
    samples: list[list[float]] = [[] for _ in works]
    for n in range(rounds + 3):
        for work, seen in zip(works, samples, strict=True):
            start = time.perf_counter()
            await work()
            if n >= 3:
                seen.append(time.perf_counter() - start)
    return [statistics.median(seen) for seen in samples]


async def main(mcus: int, rounds: int) -> None:
    sites = {"gov": "m0", **{f"s{k}": f"m{k}" for k in range(1, mcus)}}
    target = f"s{mcus - 1}"
    tree = SiteTree.of([Site("gov", "gov", Level.GOVERNMENT)] +
                       [Site(s, s, Level.PROVINCE, "gov") for s in sites if s != "gov"])
    with tempfile.TemporaryDirectory() as tls_dir:
        sim = NationalSim([SimMcu(f"m{k}", "smc", ports=10) for k in range(mcus)], sites,
                          password=PASSWORD, tls_dir=tls_dir, latency_ms=0)
        recorded: list[tuple[str, bytes, bytes]] = []
        recording = [False]
        for service in sim.smc.values():
            real = service.handle

            async def record(request: HttpRequest, real: Any = real) -> HttpResponse | None:
                reply: HttpResponse | None = await real(request)
                if recording[0] and reply is not None:
                    recorded.append((request.path, request.body, reply.body))
                return reply
            service.handle = record  # type: ignore[method-assign]  # bench probe
        canned: dict[tuple[str, bytes], bytes] = {}

        async def answer(request: HttpRequest) -> HttpResponse:
            return HttpResponse(200, canned[(request.path, request.body)],
                                "text/xml; charset=utf-8")

        async with AsyncExitStack() as stack:
            await stack.enter_async_context(sim)
            trust = TlsTrust(ca_file=sim.ca_file)
            nodes, drivers = [], []
            for k in range(mcus):
                drv = SmcMcu(sim.url(f"m{k}"), password=Secret(PASSWORD), trust=trust)
                await stack.enter_async_context(drv)
                drivers.append(drv)
                nodes.append(McuNode(f"m{k}", drv, sim.conference, f"m{k - 1}" if k else None))
            cascade = LiveCascade(nodes, sites, chair="gov")
            await cascade.up(wait_s=5)
            switcher = Switcher(cascade, operator=Operator("bench", Role.CENTRAL_OPERATOR),
                                tree=tree, audit=None)
            assert (await switcher.switch_to(target)).ok
            recording[0] = True
            trace = await switcher.switch_to(target)
            recording[0] = False
            assert trace.ok, trace.reason
            canned.update({(p, b): r for p, b, r in recorded})
            floor_server = HttpsServer(server_context(sim.tls), max_body=16 * 1024 * 1024)
            floor_server.mount(answer)
            host, port = await floor_server.start()
            base = f"https://{host}:{port}"
            real_bases = [drv.session._base for drv in drivers]
            for k, drv in enumerate(drivers):   # same paths, canned answers
                drv.session._base = f"{base}/smc/m{k}/esdk/services"
            ctx = ssl.create_default_context(cafile=str(sim.ca_file))
            writes = [(p, b) for p, b, _ in recorded if b"<ns0:set" in b]
            reads = [(p, b) for p, b, _ in recorded if b"<ns0:set" not in b]
            headers = {"Cookie": drivers[0].session.cookie or "",
                       "Content-Type": "text/xml; charset=utf-8"}
            try:
                async with httpx.AsyncClient(verify=ctx, trust_env=False,
                                             base_url=base) as bare:
                    async def floor() -> None:
                        for batch in (writes, reads):
                            replies = await asyncio.gather(*(
                                bare.post(p, content=b, headers=headers) for p, b in batch))
                            for reply in replies:
                                _ = reply.content

                    async def switch() -> None:
                        result = await switcher.switch_to(target)
                        assert result.ok, result.reason

                    floor_s, switch_s = await timed(rounds, floor, switch)
            finally:
                for drv, real_base in zip(drivers, real_bases, strict=True):
                    drv.session._base = real_base      # log out from the simulator
            await floor_server.close()
    size = sum(len(b) + len(r) for _, b, r in recorded)
    print(f"SMC switch benchmark: {mcus} SMC MCUs, {mcus - 1} hops, median of {rounds} "
          f"rounds, HTTPS on loopback")
    print(f"  switch_to({target}): {switch_s * 1000:.2f} ms; floor (the same {len(recorded)} "
          f"POSTs bare, {len(writes)} then {len(reads)} at once, {size / 1024:.1f} KiB) "
          f"{floor_s * 1000:.2f} ms; ratio {switch_s / floor_s:.2f}x (goal <= 1.2x)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mcus", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    asyncio.run(main(args.mcus, args.rounds))
