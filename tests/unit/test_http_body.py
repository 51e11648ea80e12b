"""transport.http_body.BoundedBody (sans-I/O): decoding within the limit, any chunking."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Callable

import pytest

from hnth_drivers.transport.http_body import BodyRefused, BoundedBody

BODY = b"<r>" + bytes(range(256)) * 40 + b"</r>"


def _fed(coding: str, data: bytes, size: int, limit: int = 1 << 20) -> bytes:
    reader = BoundedBody(coding, limit)
    for at in range(0, len(data), size):
        reader.feed(data[at:at + size])
    return reader.body()


@pytest.mark.parametrize("size", [1, 7, 4096, 1 << 20])
@pytest.mark.parametrize(("coding", "pack"), [
    ("", lambda b: b), ("identity", lambda b: b), ("GZIP", gzip.compress),
    ("deflate", zlib.compress), ("gzip", lambda b: gzip.compress(b[:99]) + gzip.compress(b[99:])),
])
def test_any_chunking_decodes_the_same(coding: str, pack: Callable[[bytes], bytes],
                                       size: int) -> None:
    assert _fed(coding, pack(BODY), size) == BODY


@pytest.mark.parametrize("size", [1, 333, 1 << 20])
def test_the_limit_counts_decoded_bytes_exactly(size: int) -> None:
    packed = gzip.compress(BODY)
    assert _fed("gzip", packed, size, limit=len(BODY)) == BODY
    with pytest.raises(BodyRefused) as err:
        _fed("gzip", packed, size, limit=len(BODY) - 1)
    assert err.value.too_large and "decoded (gzip)" in err.value.got


def test_one_chunk_of_a_bomb_is_not_inflated_whole() -> None:
    reader = BoundedBody("gzip", 1000)
    with pytest.raises(BodyRefused, match="too large"):
        reader.feed(gzip.compress(b"\0" * 50_000_000))
    assert sum(map(len, reader._chunks)) <= 1000   # what it held when it stopped


@pytest.mark.parametrize(("coding", "data", "message"), [
    ("br", b"x", "unsupported"), ("gzip, gzip", b"x", "unsupported"),
    ("gzip", b"\x1f\x8b\x08garbage", "undecodable"),
    ("deflate", zlib.compress(b"a") + b"z", "undecodable"),
    ("gzip", gzip.compress(BODY)[:-3], "cut short"),
])
def test_refusals(coding: str, data: bytes, message: str) -> None:
    with pytest.raises(BodyRefused, match=message) as err:
        _fed(coding, data, 64)
    assert not err.value.too_large


def test_an_empty_compressed_body_is_empty() -> None:
    assert BoundedBody("gzip", 10).body() == b""      # e.g. a 200 with no body at all
