"""transport.https.exchange: one size-bounded request/reply with typed, flagged errors."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hnth_drivers.errors import ConnectError, DeviceTimeout, PolicyViolation, ProtocolError
from hnth_drivers.security.policy import STRICT
from hnth_drivers.transport.https import TlsTrust, exchange, https_client
from hnth_sim.mcu.http import HttpRequest, HttpResponse, HttpsServer
from hnth_sim.mcu.tls import ensure_tls, server_context


@pytest.fixture
async def peer(tls_dir: Path) -> AsyncIterator[tuple[str, Path]]:
    async def handle(request: HttpRequest) -> HttpResponse:
        if request.path == "/echo":
            return HttpResponse(200, request.body, request.headers.get("content-type", ""),
                                {"X-Seen": request.headers.get("soapaction", "-")})
        if request.path == "/big":
            return HttpResponse(200, b"x" * 5000)
        if request.path == "/busy":
            return HttpResponse(500, b"<fault/>")
        if request.path == "/slow":
            await asyncio.sleep(5)
        return HttpResponse(404, b"no")

    files = ensure_tls(tls_dir)
    server = HttpsServer(server_context(files))
    server.mount(handle)
    host, port = await server.start()
    try:
        yield f"https://{host}:{port}", files.ca_cert
    finally:
        await server.close()


async def run(base: str, ca: Path, path: str, **kw: object) -> object:
    async with https_client(base, policy=STRICT, trust=TlsTrust(ca_file=ca)) as client:
        options = {"content_type": "text/xml", "device": "dev", "operation": "op",
                   "max_bytes": 1000, "deadline_s": 2.0, **kw}
        return await exchange(client, path, b"<a/>", **options)  # type: ignore[arg-type]


async def test_bytes_in_bytes_out_with_headers(peer: tuple[str, Path]) -> None:
    base, ca = peer
    reply = await run(base, ca, "/echo", content_type="text/xml; charset=utf-8",
                      headers={"SOAPAction": '"urn:x"'})
    assert reply.status == 200 and reply.body == b"<a/>"            # type: ignore[attr-defined]
    assert reply.content_type == "text/xml; charset=utf-8"           # type: ignore[attr-defined]
    assert reply.headers["x-seen"] == '"urn:x"'                      # type: ignore[attr-defined]


async def test_a_reply_over_the_cap_is_refused(peer: tuple[str, Path]) -> None:
    base, ca = peer
    with pytest.raises(ProtocolError, match="too large") as err:
        await run(base, ca, "/big")
    assert not err.value.transient and err.value.device == "dev"


async def test_status_accepted_or_refused(peer: tuple[str, Path]) -> None:
    base, ca = peer
    with pytest.raises(ProtocolError, match="HTTP 404") as err:
        await run(base, ca, "/nothing")
    assert not err.value.transient
    soap = await run(base, ca, "/busy", accept_status=(200, 500))   # SOAP faults come in 500
    assert soap.status == 500 and soap.body == b"<fault/>"          # type: ignore[attr-defined]


async def test_deadline_is_transient(peer: tuple[str, Path]) -> None:
    base, ca = peer
    with pytest.raises(DeviceTimeout) as err:
        await run(base, ca, "/slow", deadline_s=0.3)
    assert err.value.transient and err.value.operation == "op"


async def test_refused_connection_is_transient() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    async with https_client(f"https://127.0.0.1:{port}", policy=STRICT,
                            trust=TlsTrust(pin_sha256="0" * 64)) as client:
        with pytest.raises(ConnectError) as err:
            await exchange(client, "/", b"", content_type="text/xml", device="dev",
                           operation="op", max_bytes=10, deadline_s=2.0)
    assert err.value.transient


async def test_untrusted_certificate_is_a_policy_violation(peer: tuple[str, Path],
                                                           tmp_path: Path) -> None:
    base, _ = peer
    other = ensure_tls(tmp_path / "other").ca_cert
    with pytest.raises(PolicyViolation) as err:
        await run(base, other, "/echo")
    assert not err.value.transient
