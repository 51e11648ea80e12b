"""SMC benchmark: per-call round trip of the ``smc`` driver vs ``codian``, same model.

One simulated MCU (a conference of ``--sites`` sites) is served at once by the SOAP front
end and the Codian XML-RPC front end, both over HTTPS on loopback, both on the same
:class:`~hnth_sim.mcu.http.HttpsServer` stack. For each contract call the benchmark times
(median of ``--rounds``):

- the ``codian`` driver and the ``smc`` driver doing that call;
- a floor measured in the same run: bare httpx POSTs of exactly the SOAP request bytes
  the ``smc`` driver sent, to a server on the same HTTPS stack answering the recorded
  SOAP reply bytes (as many POSTs as the driver made).

``smc / codian`` is what SOAP + zeep costs against XML-RPC for the same work;
``smc / floor`` is what zeep's encoding and safe parsing, the simulator's SOAP handling
and the model cost on top of moving the bytes.

Run: ``python benchmarks/smc.py [--sites 50] [--rounds 40]``
"""

from __future__ import annotations

import argparse
import asyncio
import ssl
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from hnth_drivers.mcu.codian import CodianMcu
from hnth_drivers.mcu.smc import SmcMcu
from hnth_drivers.model import Endpoint
from hnth_drivers.security.secrets import Secret
from hnth_drivers.transport.https import TlsTrust
from hnth_sim.mcu.codian_server import CodianServer
from hnth_sim.mcu.http import HttpRequest, HttpResponse, HttpsServer
from hnth_sim.mcu.model import Network
from hnth_sim.mcu.smc_server import SmcServer
from hnth_sim.mcu.tls import server_context

PASSWORD = "bench-password"


async def timed(rounds: int, work: Callable[[], Awaitable[Any]]) -> float:
    """Median seconds of ``work`` after three warm-up runs."""
    for _ in range(3):
        await work()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        await work()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


async def main(sites: int, rounds: int) -> None:
    net = Network(seed=1)
    mcu = net.add_mcu("bench", ports=sites + 10)
    mcu.create_conference("big")
    for i in range(sites):
        mcu.add_participant("big", Endpoint(f"site-{i:04d}", f"10.9.{i // 250}.{i % 250 + 1}"))
    with tempfile.TemporaryDirectory() as tls_dir:
        smc_server = SmcServer(net, user="admin", password=PASSWORD, tls_dir=tls_dir,
                               default_mcu="bench", max_body=4 * 1024 * 1024)
        codian_server = CodianServer(net, user="admin", password=PASSWORD, tls_dir=tls_dir,
                                     default_mcu="bench")
        await smc_server.start()
        await codian_server.start()
        service = smc_server.service()
        recorded: list[tuple[bytes, bytes]] = []
        real_handle = service.handle

        async def recording(request: HttpRequest) -> HttpResponse | None:
            reply = await real_handle(request)
            if reply is not None:
                recorded.append((request.body, reply.body))
            return reply

        canned: dict[bytes, bytes] = {}

        async def floor_handler(request: HttpRequest) -> HttpResponse:
            return HttpResponse(200, canned[request.body])

        floor_server = HttpsServer(server_context(smc_server.tls), max_body=16 * 1024 * 1024)
        floor_server.mount(floor_handler)
        host, port = await floor_server.start()
        trust = TlsTrust(ca_file=smc_server.ca_file)
        ctx = ssl.create_default_context(cafile=str(smc_server.ca_file))
        smc = SmcMcu(smc_server.url(), password=Secret(PASSWORD), trust=trust)
        codian = CodianMcu(codian_server.url(), password=Secret(PASSWORD), trust=trust)
        results = []
        async with smc, codian, httpx.AsyncClient(verify=ctx, trust_env=False,
                                                  base_url=f"https://{host}:{port}") as bare:
            await smc.participants("big")            # fill the name -> URI cache once
            cases: list[tuple[str, Callable[[Any], Awaitable[Any]]]] = [
                ("show_full_screen to a target",
                 lambda d: d.show_full_screen("big", "site-0007", target="site-0001")),
                ("show_full_screen to everyone", lambda d: d.show_full_screen("big",
                                                                             "site-0003")),
                ("mute", lambda d: d.mute("big", "site-0002", True)),
                ("conferences", lambda d: d.conferences()),
                (f"participants ({sites} sites)", lambda d: d.participants("big")),
                (f"stats ({sites} sites)", lambda d: d.stats("big")),
            ]
            for label, call in cases:
                recorded.clear()
                service.handle = recording  # type: ignore[method-assign]  # bench probe
                await call(smc)
                service.handle = real_handle  # type: ignore[method-assign]
                pairs = list(recorded)
                canned.update(pairs)

                async def replay(pairs: list[tuple[bytes, bytes]] = pairs) -> None:
                    for body, _ in pairs:
                        reply = await bare.post("/", content=body, headers={
                            "Content-Type": "text/xml; charset=utf-8"})
                        _ = reply.content

                floor = await timed(rounds, replay)
                smc_s = await timed(rounds, lambda call=call: call(smc))
                codian_s = await timed(rounds, lambda call=call: call(codian))
                size = sum(len(b) + len(r) for b, r in pairs)
                results.append((label, len(pairs), size, floor, smc_s, codian_s))
        await floor_server.close()
        await smc_server.close()
        await codian_server.close()
    print(f"SMC benchmark: {sites} sites, median of {rounds} rounds, HTTPS on loopback")
    for label, posts, size, floor, smc_s, codian_s in results:
        print(f"  {label}: smc {smc_s * 1000:.2f} ms ({posts} POST, {size / 1024:.1f} KiB), "
              f"codian {codian_s * 1000:.2f} ms, floor (bare httpx, same bytes) "
              f"{floor * 1000:.2f} ms; smc/codian {smc_s / codian_s:.2f}x, "
              f"smc/floor {smc_s / floor:.2f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    asyncio.run(main(args.sites, args.rounds))
