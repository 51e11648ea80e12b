"""Hostile XML both ways: requests to the simulator, replies to the driver.

Replies: a corpus (attributes, depth, size, entities, DTDs, gzip bombs, empty Body) served
by a raw TLS peer. Each must end in a typed error within the call's deadline, and the
event loop must stay free meanwhile: a ticker task runs beside the call and the largest
gap between its ticks must stay under half the call's timeout (zeep once took 11 s on
60,000 attributes of one element).
"""

from __future__ import annotations

import asyncio
import gzip
import ssl
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from hnth_drivers.errors import DeviceTimeout, HnthError, ProtocolError
from hnth_drivers.mcu.smc_session import SmcOptions, SmcSession
from hnth_drivers.security.policy import STRICT
from hnth_drivers.security.secrets import Secret
from hnth_drivers.transport.https import TlsTrust
from hnth_sim.mcu.smc_server import SmcServer
from hnth_sim.mcu.tls import ensure_tls, server_context

ENV = ('<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
       'xmlns:smc="http://smc.huawei.com/"><soapenv:Body>{}</soapenv:Body></soapenv:Envelope>')
LAUGHS = ('<!DOCTYPE lolz [<!ENTITY lol0 "lol">'
          + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
          + ']>')
TIMEOUT_S = 2.0


def _reply(inner: str, prolog: str = "") -> bytes:
    return (f'<?xml version="1.0"?>{prolog}' + ENV.format(
        f"<smc:KeepAliveResponse><resultCode>0</resultCode>{inner}</smc:KeepAliveResponse>"
    )).encode()


def _attrs(n: int) -> bytes:
    attrs = " ".join(f'a{i}="x"' for i in range(n))
    return ('<?xml version="1.0"?>' + ENV.format(
        f"<smc:KeepAliveResponse {attrs}><resultCode>0</resultCode>"
        "</smc:KeepAliveResponse>")).encode()


def _deep(n: int) -> bytes:
    return _reply("<x>" * n + "</x>" * n)


CORPUS: dict[str, tuple[bytes, dict[str, str]]] = {
    "attributes-33": (_attrs(33), {}),
    "attributes-60k": (_attrs(60_000), {}),
    "attributes-200k": (_attrs(200_000), {}),
    "depth-5000": (_deep(5000), {}),
    "size-8MB": (_reply("<!--" + "x" * 8_000_000 + "-->"), {}),
    "billion-laughs": (_reply("&lol9;", LAUGHS), {}),
    "external-entity": (_reply("&x;", '<!DOCTYPE x [<!ENTITY x SYSTEM "file:///etc/passwd">]>'),
                        {}),
    "bare-doctype": (_reply("", '<!DOCTYPE Envelope SYSTEM "http://127.0.0.1:9/x.dtd">'), {}),
    "gzip-bomb": (gzip.compress(b"<a>" + b" " * 50_000_000 + b"</a>"),
                  {"Content-Encoding": "gzip"}),
    "gzip-garbage": (b"\x1f\x8b not gzip at all", {"Content-Encoding": "gzip"}),
    "empty-body": (ENV.format("").encode(), {}),
    "not-xml": (b"\x00\xff garbage", {}),
    "wrong-element": (ENV.format("<smc:LogoutResponse><resultCode>0</resultCode>"
                                 "</smc:LogoutResponse>").encode(), {}),
    "no-result-code": (ENV.format("<smc:KeepAliveResponse/>").encode(), {}),
    "undeclared-child": (_reply("<extra>1</extra>"), {}),
    "wrong-type": (ENV.format("<smc:KeepAliveResponse><resultCode>zero</resultCode>"
                              "</smc:KeepAliveResponse>").encode(), {}),
    "qualified-child": (ENV.format("<smc:KeepAliveResponse><smc:resultCode>0</smc:resultCode>"
                                   "</smc:KeepAliveResponse>").encode(), {}),
}


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> object:
    return ensure_tls(tmp_path_factory.mktemp("hostile-tls"))


@pytest.fixture
async def peer(tls: object) -> AsyncIterator[tuple[str, list[tuple[bytes, dict[str, str]]]]]:
    """A raw HTTPS peer answering every POST with the reply set in the list."""
    answer: list[tuple[bytes, dict[str, str]]] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                await reader.readexactly(length)
                body, headers = answer[0]
                extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
                writer.write(f"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n{extra}"
                             f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0,
                                        ssl=server_context(tls))  # type: ignore[arg-type]
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"https://127.0.0.1:{port}/esdk/services", answer
    finally:
        server.close()


async def _ticked(call: asyncio.Future[object] | object) -> tuple[float, BaseException | None]:
    """Run ``call`` beside a 10 ms ticker: (largest gap between ticks, error)."""
    gaps: list[float] = []
    stop = asyncio.Event()

    async def ticker() -> None:
        last = time.monotonic()
        while not stop.is_set():
            await asyncio.sleep(0.01)
            now = time.monotonic()
            gaps.append(now - last)
            last = now

    task = asyncio.create_task(ticker())
    error: BaseException | None = None
    try:
        await call  # type: ignore[misc]
    except HnthError as exc:
        error = exc
    finally:
        stop.set()
        await task
    return max(gaps, default=0.0), error


@pytest.mark.parametrize("attack", sorted(CORPUS))
async def test_hostile_replies_never_block_the_loop(
        peer: tuple[str, list[tuple[bytes, dict[str, str]]]], tls: object, attack: str) -> None:
    url, answer = peer
    answer.append(CORPUS[attack])
    session = SmcSession(url, user="u", password=Secret("p"),
                         trust=TlsTrust(ca_file=tls.ca_cert),  # type: ignore[attr-defined]
                         policy=STRICT, options=SmcOptions(timeout_s=TIMEOUT_S,
                                                           max_reply_bytes=4 * 1024 * 1024),
                         device="hostile")
    session._http = __import__("hnth_drivers.transport.https", fromlist=["x"]).https_client(
        url, policy=STRICT, trust=TlsTrust(ca_file=tls.ca_cert),  # type: ignore[attr-defined]
        timeout=TIMEOUT_S, device="hostile")
    try:
        gap, error = await _ticked(session.call("KeepAlive"))
    finally:
        await session._http.aclose()
    assert isinstance(error, ProtocolError | DeviceTimeout), (attack, error)
    assert "passwd" not in str(error) and "lollol" not in str(error)
    assert gap < TIMEOUT_S / 2, f"{attack}: the event loop was blocked for {gap:.2f} s"


async def test_a_gzip_reply_is_decoded_once(
        peer: tuple[str, list[tuple[bytes, dict[str, str]]]], tls: object) -> None:
    url, answer = peer
    answer.append((gzip.compress(_reply("")), {"Content-Encoding": "gzip"}))
    session = SmcSession(url, user="u", password=Secret("p"),
                         trust=TlsTrust(ca_file=tls.ca_cert),  # type: ignore[attr-defined]
                         policy=STRICT, options=SmcOptions(timeout_s=TIMEOUT_S),
                         device="gzip")
    session._http = __import__("hnth_drivers.transport.https", fromlist=["x"]).https_client(
        url, policy=STRICT, trust=TlsTrust(ca_file=tls.ca_cert),  # type: ignore[attr-defined]
        timeout=TIMEOUT_S, device="gzip")
    try:
        assert (await session.call("KeepAlive")).resultCode == 0
    finally:
        await session._http.aclose()


# ---- hostile requests to the simulator ------------------------------------------------

REQUESTS = {
    "xxe": '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           + ENV.format("<smc:KeepAlive>&x;</smc:KeepAlive>"),
    "billion-laughs": '<?xml version="1.0"?>' + LAUGHS + ENV.format(
        "<smc:KeepAlive>&lol9;</smc:KeepAlive>"),
    "deep": ENV.format("<smc:KeepAlive>" + "<a>" * 200 + "</a>" * 200 + "</smc:KeepAlive>"),
    "garbage": "\x00 not xml",
    "empty-body": ENV.format(""),
    "foreign-namespace": ENV.format("<KeepAlive/>"),
}


@pytest.mark.parametrize("attack", sorted(REQUESTS))
async def test_simulator_refuses_hostile_requests(smc_server: SmcServer, attack: str) -> None:
    ctx = ssl.create_default_context(cafile=str(smc_server.ca_file))
    async with httpx.AsyncClient(verify=ctx, timeout=5) as client:
        reply = await client.post(smc_server.url() + "/tpCommon",
                                  content=REQUESTS[attack].encode())
        assert reply.status_code == 500 and b"soapenv:Client" in reply.content
        assert b"root:" not in reply.content and b"lollol" not in reply.content
        big = await client.post(smc_server.url() + "/tpCommon",
                                content=b"x" * (smc_server.service().max_body + 1))
        assert big.status_code == 413
    assert smc_server.service().calls == {}


def test_tls_fixture_is_a_path(tls: object) -> None:
    assert Path(tls.ca_cert).exists()  # type: ignore[attr-defined]
