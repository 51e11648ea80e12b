"""transport.https.exchange: Content-Encoding decoded within the limit, headers kept whole.

Over a raw TLS peer on loopback (:mod:`tests.unit.raw_https`), so the reply bytes are
exactly what a server could send.
"""

from __future__ import annotations

import gzip
import tracemalloc
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from hnth_drivers.errors import ProtocolError
from hnth_drivers.security.policy import STRICT
from hnth_drivers.transport.https import (
    ACCEPT_ENCODING,
    HttpReply,
    TlsTrust,
    exchange,
    https_client,
)
from hnth_sim.mcu.tls import TlsFiles, ensure_tls, server_context

from .raw_https import RawHttpsPeer, http_reply

LIMIT = 64 * 1024


@dataclass
class Serve:
    """``await serve(reply_bytes)``: one exchange against a peer answering those bytes."""

    client: httpx.AsyncClient
    peer: RawHttpsPeer
    replies: list[bytes]

    async def __call__(self, reply: bytes, max_bytes: int = LIMIT) -> HttpReply:
        self.replies[:] = [reply]
        return await exchange(self.client, "/x", b"<a/>", content_type="text/xml",
                              device="dev", operation="op", max_bytes=max_bytes,
                              deadline_s=5.0)


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return ensure_tls(tmp_path_factory.mktemp("decode-tls"))


@pytest.fixture
async def serve(tls: TlsFiles) -> AsyncIterator[Serve]:
    replies: list[bytes] = []

    async def answer(_head: bytes, _body: bytes) -> bytes | None:
        return replies[0]

    async with RawHttpsPeer(server_context(tls), answer) as peer, \
            https_client(f"https://127.0.0.1:{peer.port}", policy=STRICT,
                         trust=TlsTrust(ca_file=tls.ca_cert)) as client:
        yield Serve(client, peer, replies)


async def test_gzip_and_deflate_are_decoded_once(serve: Serve) -> None:
    body = b"<r>" + b"ab" * 5000 + b"</r>"
    for coding, packed in (("gzip", gzip.compress(body)), ("x-gzip", gzip.compress(body)),
                           ("deflate", zlib.compress(body)), ("identity", body)):
        reply = await serve(http_reply(packed, headers=[("Content-Encoding", coding)]))
        assert reply.body == body, coding
    head = serve.peer.requests[0][0].decode().lower()
    assert f"accept-encoding: {ACCEPT_ENCODING}" in head


async def test_a_multi_member_gzip_body_is_read_whole(serve: Serve) -> None:
    packed = gzip.compress(b"<r>one") + gzip.compress(b"two</r>")   # RFC 1952 2.2
    reply = await serve(http_reply(packed, headers=[("Content-Encoding", "gzip")]))
    assert reply.body == b"<r>onetwo</r>"


async def test_the_limit_is_on_the_decoded_size(serve: Serve) -> None:
    exact = gzip.compress(b"x" * LIMIT)
    reply = await serve(http_reply(exact, headers=[("Content-Encoding", "gzip")]))
    assert len(reply.body) == LIMIT
    over = gzip.compress(b"x" * (LIMIT + 1))
    assert len(over) < LIMIT // 10        # small on the wire, one byte too many decoded
    with pytest.raises(ProtocolError, match="too large") as err:
        await serve(http_reply(over, headers=[("Content-Encoding", "gzip")]))
    assert "decoded (gzip)" in str(err.value) and not err.value.transient


async def test_a_bomb_is_refused_without_being_inflated(serve: Serve) -> None:
    """httpx's own decoder inflates each received chunk whole (a 16 KiB TLS record of
    zeros is ~16 MiB); exchange inflates at most the limit + 1 byte."""
    bomb = gzip.compress(b"\0" * 200_000_000)
    assert len(bomb) < 250_000
    tracemalloc.start()
    try:
        with pytest.raises(ProtocolError, match="too large"):
            await serve(http_reply(bomb, headers=[("Content-Encoding", "gzip")]))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * 1024 * 1024, f"{peak} bytes held while refusing the bomb"


async def test_broken_encodings_are_protocol_errors(serve: Serve) -> None:
    whole = gzip.compress(b"<a/>" * 1000)
    cases = {
        "not gzip": (b"\x1f\x8b garbage", "gzip", "undecodable"),
        "cut short": (whole[: len(whole) // 2], "gzip", "undecodable"),
        "trailing garbage": (whole + b"garbage!", "gzip", "undecodable"),
        "deflate then more": (zlib.compress(b"<a/>") + b"more", "deflate", "undecodable"),
        "brotli": (b"\x0b\x02\x80<a/>\x03", "br", "unsupported Content-Encoding"),
        "stacked": (gzip.compress(gzip.compress(b"<a/>")), "gzip, gzip",
                    "unsupported Content-Encoding"),
    }
    for name, (body, coding, message) in cases.items():
        with pytest.raises(ProtocolError, match=message) as err:
            await serve(http_reply(body, headers=[("Content-Encoding", coding)]))
        assert not err.value.transient and err.value.device == "dev", name


async def test_a_declared_length_over_the_limit_is_refused_unread(
        serve: Serve) -> None:
    # the peer declares a huge body and sends none: refused at the header, not timed out
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 999999999\r\n\r\n"
    with pytest.raises(ProtocolError, match="too large") as err:
        await serve(head)
    assert "Content-Length 999999999" in str(err.value)


async def test_repeated_headers_survive(serve: Serve) -> None:
    reply = await serve(http_reply(b"<a/>", headers=[
        ("Set-Cookie", "JSESSIONID=one; Path=/; Secure"), ("Set-Cookie", "route=r1; Secure"),
        ("set-cookie", "JSESSIONID=two; Path=/; Secure"), ("X-Other", "1")]))
    assert isinstance(reply.headers, httpx.Headers)
    assert reply.headers.get_list("set-cookie") == [
        "JSESSIONID=one; Path=/; Secure", "route=r1; Secure", "JSESSIONID=two; Path=/; Secure"]
    assert reply.headers["x-other"] == "1" and reply.headers["X-OTHER"] == "1"
    assert reply.content_type == "text/xml"


async def test_a_replayed_reply_keeps_the_limit_and_headers() -> None:
    """In-process transports (record/replay, tests) hand over a body already read."""
    def answer(request: httpx.Request) -> httpx.Response:
        size = int(request.url.params["n"])
        return httpx.Response(200, content=b"y" * size,
                              headers=[("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")])

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer),
                                 base_url="https://mcu.test") as client:
        reply = await exchange(client, "/x?n=10", b"", content_type="text/xml", device="dev",
                               operation="op", max_bytes=10, deadline_s=5.0)
        assert reply.body == b"y" * 10
        assert reply.headers.get_list("set-cookie") == ["a=1", "b=2"]
        with pytest.raises(ProtocolError, match="too large"):
            await exchange(client, "/x?n=11", b"", content_type="text/xml", device="dev",
                           operation="op", max_bytes=10, deadline_s=5.0)


def test_fixture_paths(tls: TlsFiles) -> None:
    assert Path(tls.ca_cert).is_file()
