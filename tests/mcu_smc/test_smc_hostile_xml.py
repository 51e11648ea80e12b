"""Hostile XML both ways: to the simulator (requests) and to the driver (replies).

XXE, billion laughs, a bare DOCTYPE and oversized bodies are each refused with a typed
error (SOAP Client fault / ProtocolError), nothing is expanded, and nothing is fetched:
every external reference points at a local listener that counts connections.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

from hnth_drivers.errors import ProtocolError
from hnth_drivers.mcu.smc import SmcMcu, SmcOptions
from hnth_drivers.security.secrets import Secret
from hnth_drivers.transport.https import TlsTrust
from hnth_sim.mcu.http import HttpRequest, HttpResponse, HttpsServer
from hnth_sim.mcu.model import Network
from hnth_sim.mcu.smc_server import SmcServer, SmcService
from hnth_sim.mcu.tls import ensure_tls, server_context

from .conftest import PASSWORD

ENV = ('<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
       'xmlns:smc="http://smc.huawei.com/"><soapenv:Body>{}</soapenv:Body></soapenv:Envelope>')
LAUGHS = ('<!DOCTYPE lolz [<!ENTITY lol0 "lol">'
          + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
          + ']>')


class Listener:
    """A TCP listener standing in for an attacker's server: counts connections."""

    def __init__(self) -> None:
        self.connections = 0
        self.url = ""

    async def _seen(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        writer.close()


@pytest.fixture
async def listener() -> AsyncIterator[Listener]:
    spy = Listener()
    server = await asyncio.start_server(spy._seen, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    spy.url = f"http://127.0.0.1:{port}/evil.dtd"
    try:
        yield spy
    finally:
        server.close()
        await server.wait_closed()


def hostile_documents(spy: Listener, secret_file: Path) -> dict[str, bytes]:
    """Each attack as a whole SOAP document whose body would be the operation."""
    op = "<smc:queryConferencesStatusEx>{}</smc:queryConferencesStatusEx>"
    return {
        "xxe-file": (f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM '
                     f'"file://{secret_file}">]>' + ENV.format(op.format(
                         "<smc:confIds>&xxe;</smc:confIds>"))).encode(),
        "xxe-http": (f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "{spy.url}">]>'
                     + ENV.format(op.format("<smc:confIds>&xxe;</smc:confIds>"))).encode(),
        "billion-laughs": ('<?xml version="1.0"?>' + LAUGHS + ENV.format(
            op.format("<smc:confIds>&lol9;</smc:confIds>"))).encode(),
        "bare-doctype": (f'<?xml version="1.0"?><!DOCTYPE Envelope SYSTEM "{spy.url}">'
                         + ENV.format(op.format(""))).encode(),
        "parameter-entity": (f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY % p SYSTEM '
                             f'"{spy.url}"> %p;]>' + ENV.format(op.format(""))).encode(),
    }


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text("TOP-SECRET-CONTENT")
    return path


# ---- hostile requests to the simulator ------------------------------------------------

@pytest.mark.parametrize("attack", ["xxe-file", "xxe-http", "billion-laughs", "bare-doctype",
                                    "parameter-entity"])
async def test_simulator_refuses_hostile_requests(smc_server: SmcServer, listener: Listener,
                                                  secret_file: Path, attack: str) -> None:
    body = hostile_documents(listener, secret_file)[attack]
    ctx = ssl.create_default_context(cafile=str(smc_server.ca_file))
    async with httpx.AsyncClient(verify=ctx, timeout=5) as client:
        reply = await client.post(smc_server.url(), content=body,
                                  headers={"Content-Type": "text/xml"})
    assert reply.status_code == 500
    assert b"<faultcode>soapenv:Client</faultcode>" in reply.content
    assert b"refused XML construct" in reply.content
    assert b"TOP-SECRET" not in reply.content and b"lollol" not in reply.content
    assert smc_server.service().calls == {}       # no operation ran
    assert listener.connections == 0              # nothing fetched


async def test_simulator_refuses_oversized_requests(smc_server: SmcServer) -> None:
    service = smc_server.service()
    body = ENV.format("<smc:KeepAlive>" + "x" * (service.max_body + 1) + "</smc:KeepAlive>")
    ctx = ssl.create_default_context(cafile=str(smc_server.ca_file))
    async with httpx.AsyncClient(verify=ctx, timeout=5) as client:
        reply = await client.post(smc_server.url(), content=body.encode())
        assert reply.status_code == 413 and b"soapenv:Client" in reply.content
        huge = await client.post(smc_server.url(), content=b"x" * (service.max_body * 4 + 1))
        assert huge.status_code == 413            # refused by the HTTP layer, unread
    assert service.calls == {}


async def test_simulator_refuses_deep_nesting_and_garbage(smc_server: SmcServer) -> None:
    ctx = ssl.create_default_context(cafile=str(smc_server.ca_file))
    deep = ENV.format("<smc:KeepAlive>" + "<a>" * 200 + "</a>" * 200 + "</smc:KeepAlive>")
    async with httpx.AsyncClient(verify=ctx, timeout=5) as client:
        for body in (deep.encode(), b"\x00\xff not xml", b"<a/>", ENV.format("").encode()):
            reply = await client.post(smc_server.url(), content=body)
            assert reply.status_code == 500 and b"soapenv:Client" in reply.content
    assert smc_server.service().calls == {}


# ---- hostile replies to the driver ----------------------------------------------------

def _hostile_reply(service: SmcService, poison: Callable[[bytes], bytes | None]
                   ) -> Callable[[HttpRequest], object]:
    async def handle(request: HttpRequest) -> HttpResponse | None:
        bad = poison(request.body)
        if bad is not None:
            return HttpResponse(200, bad, "text/xml")
        return await service.handle(request)
    return handle


@pytest.fixture
async def hostile_server(smc_tls_dir: Path) -> AsyncIterator[tuple[HttpsServer, SmcService,
                                                                  list[bytes | None]]]:
    """A real SMC service behind a proxy that poisons replies to queryConferencesStatusEx."""
    net = Network(seed=1)
    service = SmcService(net.add_mcu("mcu-x"), user="admin", password=PASSWORD)
    poison: list[bytes | None] = [None]
    server = HttpsServer(server_context(ensure_tls(smc_tls_dir)), max_body=16 * 1024 * 1024)

    def pick(body: bytes) -> bytes | None:
        return poison[0] if b"queryConferencesStatusEx" in body else None
    server.mount(_hostile_reply(service, pick))  # type: ignore[arg-type]
    await server.start()
    try:
        yield server, service, poison
    finally:
        await server.close()


def _reply_document(prolog: str, inner: str) -> bytes:
    return (f'<?xml version="1.0"?>{prolog}' + ENV.format(
        f"<smc:queryConferencesStatusExResponse>{inner}"
        "</smc:queryConferencesStatusExResponse>")).encode()


@pytest.mark.parametrize("attack", ["xxe-file", "xxe-http", "billion-laughs", "bare-doctype",
                                    "parameter-entity", "oversized", "not-xml", "wrong-shape"])
async def test_driver_refuses_hostile_replies(hostile_server: tuple[HttpsServer, SmcService,
                                                                    list[bytes | None]],
                                              listener: Listener, secret_file: Path,
                                              smc_tls_dir: Path, attack: str) -> None:
    server, _service, poison = hostile_server
    status = ("<smc:conferenceStatuses><smc:confId>&{};</smc:confId><smc:name>n</smc:name>"
              "<smc:duration>1</smc:duration><smc:siteCount>0</smc:siteCount>"
              "<smc:connectedSiteCount>0</smc:connectedSiteCount>"
              "<smc:presenceMode>1</smc:presenceMode></smc:conferenceStatuses>")
    replies = {
        "xxe-file": _reply_document(f'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file://{secret_file}">]>',
                                    status.format("xxe")),
        "xxe-http": _reply_document(f'<!DOCTYPE x [<!ENTITY xxe SYSTEM "{listener.url}">]>',
                                    status.format("xxe")),
        "billion-laughs": _reply_document(LAUGHS, status.format("lol9")),
        "bare-doctype": _reply_document(f'<!DOCTYPE Envelope SYSTEM "{listener.url}">', ""),
        "parameter-entity": _reply_document(
            f'<!DOCTYPE x [<!ENTITY % p SYSTEM "{listener.url}"> %p;]>', ""),
        "oversized": _reply_document("", "<!--" + "x" * 300_000 + "-->"),
        "not-xml": b"\x00\xff garbage",
        "wrong-shape": _reply_document("", "<smc:unexpected>1</smc:unexpected>"),
    }
    poison[0] = replies[attack]
    host, port = server.address or ("", 0)
    driver = SmcMcu(f"https://{host}:{port}/", password=Secret(PASSWORD),
                    trust=TlsTrust(ca_file=smc_tls_dir / "ca.pem"),
                    options=SmcOptions(timeout_s=5, max_reply_bytes=64 * 1024))
    async with driver:
        with pytest.raises(ProtocolError) as info:
            await driver.conferences()
        assert "TOP-SECRET" not in str(info.value)
        assert info.value.operation == "queryConferencesStatusEx"
        poison[0] = None
        assert await driver.conferences() == []   # the session survives a bad reply
    assert listener.connections == 0


async def test_the_safe_settings_are_what_refuses_a_bare_doctype(
        hostile_server: tuple[HttpsServer, SmcService, list[bytes | None]],
        listener: Listener, smc_tls_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With zeep's default settings the same reply is accepted (GOTCHAS.md): the test
    above can fail."""
    import zeep

    from hnth_drivers.mcu import smc_client

    server, _service, poison = hostile_server
    poison[0] = _reply_document(f'<!DOCTYPE Envelope SYSTEM "{listener.url}">', "")
    monkeypatch.setattr(smc_client, "SAFE_SETTINGS", zeep.Settings())
    host, port = server.address or ("", 0)
    async with SmcMcu(f"https://{host}:{port}/", password=Secret(PASSWORD),
                      trust=TlsTrust(ca_file=smc_tls_dir / "ca.pem")) as driver:
        assert await driver.conferences() == []


async def test_hostile_fault_details_are_bounded(
        hostile_server: tuple[HttpsServer, SmcService, list[bytes | None]],
        smc_tls_dir: Path) -> None:
    from hnth_drivers.errors import DeviceError

    server, _service, poison = hostile_server
    poison[0] = ('<?xml version="1.0"?>' + ENV.format(
        "<soapenv:Fault><faultcode>soapenv:Server</faultcode><faultstring>x</faultstring>"
        "<detail><smc:ConferenceFault><smc:errorCode>" + "9" * 5000 + "</smc:errorCode>"
        "<smc:reason>" + "r" * 5000 + "</smc:reason><smc:description>" + "d" * 5000
        + "</smc:description></smc:ConferenceFault></detail></soapenv:Fault>")).encode()
    host, port = server.address or ("", 0)
    async with SmcMcu(f"https://{host}:{port}/", password=Secret(PASSWORD),
                      trust=TlsTrust(ca_file=smc_tls_dir / "ca.pem")) as driver:
        with pytest.raises(DeviceError) as info:
            await driver.conferences()
    assert len(str(info.value)) < 500 and isinstance(info.value.code, str)
