"""Schema-valid SOAP with values outside the WSDL's enumerations (zeep does not check
them) or the wrong number of statuses: ProtocolError, never a raw ValueError."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from hnth_drivers.errors import ProtocolError
from hnth_drivers.mcu.smc import SmcMcu, SmcOptions
from hnth_drivers.model import Endpoint, Layout
from hnth_drivers.security.secrets import Secret
from hnth_drivers.transport.https import TlsTrust
from hnth_sim.mcu.http import HttpRequest, HttpResponse, HttpsServer
from hnth_sim.mcu.model import Network
from hnth_sim.mcu.smc_server import SmcService
from hnth_sim.mcu.tls import ensure_tls, server_context

from .conftest import PASSWORD

Rewrites = dict[str, tuple[bytes, bytes]]   # operation -> (regex, replacement)


@pytest.fixture
async def rewriting(smc_tls_dir: Path) -> AsyncIterator[tuple[SmcMcu, Rewrites]]:
    """A real SMC service behind a proxy that edits the replies of chosen operations."""
    service = SmcService(Network(seed=3).add_mcu("mcu-x"), user="admin", password=PASSWORD)
    rewrites: Rewrites = {}

    async def handle(request: HttpRequest) -> HttpResponse | None:
        reply = await service.handle(request)
        for operation, (old, new) in rewrites.items():
            if reply is not None and f":{operation}".encode() in request.body:
                reply = HttpResponse(reply.status, re.sub(old, new, reply.body),
                                     reply.content_type, reply.headers)
        return reply

    files = ensure_tls(smc_tls_dir)
    server = HttpsServer(server_context(files))
    server.mount(handle)
    host, port = await server.start()
    driver = SmcMcu(f"https://{host}:{port}/", password=Secret(PASSWORD),
                    trust=TlsTrust(ca_file=files.ca_cert), options=SmcOptions(timeout_s=5))
    try:
        async with driver:
            await driver.create_conference("c")
            await driver.add_participant("c", Endpoint("s1", "10.0.0.1"))
            await driver.add_participant("c", Endpoint("s2", "10.0.0.2"))
            await driver.set_layout("c", Layout.grid_of(["s1", "s2"], 2))
            yield driver, rewrites
    finally:
        await server.close()


SITES = "queryConfSitesStatusEx"
CONFS = "queryConferencesStatusEx"
CASES: list[tuple[str, str, bytes, bytes, Callable[[SmcMcu], Awaitable[object]]]] = [
    ("unknown site kind", SITES, b">site<", b">bogus<", lambda m: m.participants("c")),
    ("unknown protocol", SITES, b">h323<", b">h999<", lambda m: m.participants("c")),
    ("unknown site state", SITES, b">connected<", b">napping<",
     lambda m: m.participants("c")),
    ("unknown pane type", CONFS, b">participant<", b">hologram<", lambda m: m.layout("c")),
    ("no presenceMode", SITES,   # the last elements: zeep does not notice them missing
     rb"<smc:presenceMode>.*?</smc:siteStatuses>", b"</smc:siteStatuses>",
     lambda m: m.layout("c", target="s1")),
    ("no new duration", "prolongScheduledConfEx", rb"<smc:(\w+)>\d+</smc:\1>", b"",
     lambda m: m.prolong_conference("c", 5)),
    ("two statuses for one site", SITES, b"</smc:siteStatuses>",
     b"</smc:siteStatuses><smc:siteStatuses><smc:uri>10.0.0.9</smc:uri><smc:name>x</smc:name>"
     b"<smc:type>h323</smc:type><smc:kind>site</smc:kind><smc:status>connected</smc:status>"
     b"<smc:volume>1</smc:volume><smc:isMute>false</smc:isMute>"
     b"<smc:presenceMode>1</smc:presenceMode></smc:siteStatuses>",
     lambda m: m.participant("c", "s1")),
]


@pytest.mark.parametrize(("why", "operation", "old", "new", "call"), CASES,
                         ids=[case[0] for case in CASES])
async def test_out_of_schema_values_are_protocol_errors(
        rewriting: tuple[SmcMcu, Rewrites], why: str, operation: str, old: bytes, new: bytes,
        call: Callable[[SmcMcu], Awaitable[object]]) -> None:
    driver, rewrites = rewriting
    await driver.participants("c")          # names cached: the next call reads one reply
    rewrites[operation] = (old, new)
    with pytest.raises(ProtocolError) as info:
        await call(driver)
    assert info.value.device == driver.device
    rewrites.clear()
    assert len(await driver.participants("c")) == 2     # the session is still good
