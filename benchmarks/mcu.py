"""MCU benchmark: the codian driver against the simulator, over HTTPS on loopback.

Measures (1) the participant list of a 500-site conference (every page) and (2) a
``show_full_screen`` round trip, each against two floors measured in the same run: the
same request bytes POSTed bare (httpx, replies read, not parsed) to the simulator itself
(goal: ratio <= 1.5), and to a server on the same HTTPS stack that answers the same
pre-recorded reply bytes (what moving the bytes alone costs).

It also builds a vn-2021-sized network in the model alone (1 master, 63 provincial and
705 district MCUs, 10,599 commune sites, each MCU cascaded to its parent) and reports the
build time, memory, and the cost of ``view_of`` from the chair through 3 hops against
the floor of one participant lookup.

Run: ``python benchmarks/mcu.py [--sites 500] [--rounds 30] [--page-size 100]``
"""

from __future__ import annotations

import argparse
import asyncio
import ssl
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from hnth_drivers.mcu.codian import CodianMcu
from hnth_drivers.model import Endpoint, ParticipantKind
from hnth_drivers.security.secrets import Secret
from hnth_drivers.transport.https import TlsTrust
from hnth_sim.mcu.codian_server import CodianServer
from hnth_sim.mcu.http import HttpRequest, HttpResponse, HttpsServer
from hnth_sim.mcu.model import ManualClock, McuModel, Network, cascade_address
from hnth_sim.mcu.tls import server_context

PASSWORD = "bench-password"


async def timed(rounds: int, *works: Callable[[], Awaitable[Any]],
                ) -> tuple[list[float], list[float]]:
    """Median seconds of each of ``works``, run in turn round by round (so that a change
    of load on a shared machine touches them alike): wall-clock time, and the process's
    CPU time (driver, simulator and floor share one thread, so CPU time leaves out the
    waits for other processes that make wall time wobble on a loaded machine)."""
    for work in works:
        for _ in range(3):
            await work()
    samples: list[list[float]] = [[] for _ in works]
    cpu: list[list[float]] = [[] for _ in works]
    for _ in range(rounds):
        for work, into, cpu_into in zip(works, samples, cpu, strict=True):
            start, start_cpu = time.perf_counter(), time.process_time()
            await work()
            into.append(time.perf_counter() - start)
            cpu_into.append(time.process_time() - start_cpu)
    return [statistics.median(s) for s in samples], [statistics.median(s) for s in cpu]


async def main(sites: int, rounds: int, page_size: int) -> None:
    net = Network(seed=1)
    mcu: McuModel = net.add_mcu("bench", ports=sites + 10)
    mcu.create_conference("big")
    for i in range(sites):
        mcu.add_participant("big", Endpoint(f"site-{i:05d}", f"10.{i // 65000}."
                                            f"{i // 250 % 250}.{i % 250 + 1}"))
    with tempfile.TemporaryDirectory() as tls_dir:
        server = CodianServer(net, user="admin", password=PASSWORD, tls_dir=tls_dir,
                              default_mcu="bench", page_size=page_size)
        await server.start()
        recorded: list[tuple[bytes, bytes]] = []
        real_call = server.api.call

        async def recording(model: McuModel, body: bytes) -> bytes:
            reply = await real_call(model, body)
            recorded.append((body, reply))
            return reply

        driver = CodianMcu(server.url(), password=Secret(PASSWORD),
                           trust=TlsTrust(ca_file=server.ca_file))
        canned: dict[bytes, bytes] = {}

        async def floor_handler(request: HttpRequest) -> HttpResponse:
            return HttpResponse(200, canned[request.body])

        floor_server = HttpsServer(server_context(server.tls), max_body=16 * 1024 * 1024)
        floor_server.mount(floor_handler)
        host, port = await floor_server.start()
        ctx = ssl.create_default_context(cafile=str(server.ca_file))
        async with driver, httpx.AsyncClient(verify=ctx, trust_env=False,
                                             base_url=f"https://{host}:{port}") as bare, \
                httpx.AsyncClient(verify=ctx, trust_env=False,
                                  base_url=server.base_url()) as to_sim:
            results = []
            cases: list[tuple[str, Callable[[], Awaitable[Any]]]] = [
                (f"participants of a {sites}-site conference",
                 lambda: driver.participants("big")),
                ("show_full_screen round trip",
                 lambda: driver.show_full_screen("big", "site-00007", target="site-00001")),
            ]
            for label, work in cases:
                await work()          # the driver learns identities once, then records
                recorded.clear()
                server.api.call = recording  # type: ignore[method-assign]  # bench probe
                await work()
                server.api.call = real_call  # type: ignore[method-assign]
                pairs = list(recorded)
                canned.update(pairs)

                async def replay(pairs: list[tuple[bytes, bytes]] = pairs,
                                 client: httpx.AsyncClient = bare) -> None:
                    for body, _ in pairs:
                        reply = await client.post("/RPC2", content=body,
                                                  headers={"Content-Type": "text/xml"})
                        reply.raise_for_status()
                        _ = reply.content

                (floor, sim_floor, ours), (_, sim_cpu, our_cpu) = await timed(
                    rounds, replay, lambda pairs=pairs: replay(pairs, to_sim), work)
                size = sum(len(b) + len(r) for b, r in pairs)
                results.append((label, len(pairs), size, floor, sim_floor, ours,
                                sim_cpu, our_cpu))
        await floor_server.close()
        await server.close()
    print(f"MCU benchmark: {sites} sites, page size {page_size}, median of {rounds} rounds")
    for label, posts, size, floor, sim_floor, ours, sim_cpu, our_cpu in results:
        print(f"  {label}: {posts} POST(s), {size / 1024:.1f} KiB; codian driver "
              f"{ours * 1000:.2f} ms")
        print(f"    vs the same requests made bare to the simulator {sim_floor * 1000:.2f} ms:"
              f" ratio {ours / sim_floor:.2f}x (goal <= 1.5x)")
        print(f"    CPU time of the process: driver {our_cpu * 1000:.2f} ms, bare to the "
              f"simulator {sim_cpu * 1000:.2f} ms: ratio {our_cpu / sim_cpu:.2f}x")
        print(f"    vs canned replies (bytes moved only) {floor * 1000:.2f} ms: "
              f"ratio {ours / floor:.2f}x")


def national(provinces: int = 63, districts: int = 705, communes: int = 10_599) -> None:
    """Build a whole country in the model; time view_of through the hierarchy."""
    tracemalloc.start()
    start = time.perf_counter()
    net = Network(clock=ManualClock(), seed=2021)
    master = net.add_mcu("master", ports=provinces + 10)
    master.create_conference("national")
    master.add_participant("national", Endpoint("chair", "10.0.0.1"))
    link = ParticipantKind.CASCADE
    for p in range(provinces):
        prov = net.add_mcu(f"p{p}", ports=40)
        prov.create_conference("c")
        prov.add_participant("c", Endpoint(f"p{p}-hall", f"10.{p}.0.1"))
        prov.add_participant("c", cascade_address("master", "national"), name="up", kind=link)
    for d in range(districts):
        p = d % provinces
        dist = net.add_mcu(f"d{d}", ports=40)
        dist.create_conference("c")
        dist.add_participant("c", Endpoint(f"d{d}-hall", f"10.{p}.{d // provinces}.1"))
        dist.add_participant("c", cascade_address(f"p{p}", "c"), name="up", kind=link)
    for c in range(communes):
        net.mcu(f"d{c % districts}").add_participant(
            "c", Endpoint(f"c{c}", f"10.200.{c // 250}.{c % 250 + 1}"))
    built = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # the chair asks for commune c42: its district, province and the master switch to it
    d = 42 % districts
    p = d % provinces
    net.mcu(f"d{d}").show_full_screen("c", "c42", target="up")
    net.mcu(f"p{p}").show_full_screen("c", f"d{d}", target="up")
    master.show_full_screen("national", f"p{p}", target="chair")
    assert master.view_of("national", "chair") == ("c42",)
    rounds = 2000
    start = time.perf_counter()
    for _ in range(rounds):
        master.view_of("national", "chair")
    view = (time.perf_counter() - start) / rounds
    start = time.perf_counter()
    for _ in range(rounds):
        master.participant("national", "chair")
    floor = (time.perf_counter() - start) / rounds
    start = time.perf_counter()
    heard = master.audio_of("national", "chair")
    audio = time.perf_counter() - start
    sites = sum(len(conf.participants) for mcu in net for conf in mcu.conferences())
    print(f"National network (model only): {len(net)} MCUs, {sites} participants; built in "
          f"{built:.2f} s, peak {peak / 2**20:.1f} MiB")
    print(f"  view_of(chair) through 3 hops: {view * 1e6:.1f} us; floor (one participant "
          f"lookup) {floor * 1e6:.2f} us; ratio {view / floor:.1f}x")
    print(f"  audio_of(chair) over the whole country: {audio * 1000:.1f} ms, "
          f"{len(heard)} sites heard")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--page-size", type=int, default=100)
    args = parser.parse_args()
    asyncio.run(main(args.sites, args.rounds, args.page_size))
    national()
