"""A reply body read within a size limit, its ``Content-Encoding`` decoded on the way.

Sans-I/O: :class:`BoundedBody` is fed the bytes as they arrive (by
:func:`hnth_drivers.transport.https.exchange`) and never holds more than the limit + 1
decoded bytes. httpx's own decoders inflate each received chunk whole, so 16–64 KiB of a
compression bomb become 16–64 MiB before a caller can count them; here ``zlib`` inflates
at most what the limit still allows (``max_length``) and the rest of the input waits in
``unconsumed_tail``.
"""

from __future__ import annotations

import zlib
from typing import Final

__all__ = ["ACCEPT_ENCODING", "BodyRefused", "BoundedBody"]

_GZIP: Final = 16 + zlib.MAX_WBITS     # gzip header and trailer (RFC 1952)
#: ``Content-Encoding`` values decoded here: zlib window bits (RFC 9110 8.4.1).
_WBITS: Final = {"gzip": _GZIP, "x-gzip": _GZIP, "deflate": zlib.MAX_WBITS}
ACCEPT_ENCODING: Final = "gzip, deflate"
"""The ``Accept-Encoding`` to send: the codings :class:`BoundedBody` decodes."""


class BodyRefused(Exception):
    """The body is over the limit (``too_large``) or not what its encoding says."""

    def __init__(self, message: str, got: str, *, too_large: bool = False) -> None:
        super().__init__(f"{message}: {got}")
        self.message, self.got, self.too_large = message, got, too_large


class BoundedBody:
    """Feed the chunks of one reply as received; :meth:`body` is the decoded whole.

    ``encoding`` is the reply's ``Content-Encoding`` (``""`` or ``identity``: none).
    Raises :class:`BodyRefused` for an unsupported coding, more than ``limit`` bytes
    received or decoded, a corrupt or cut-short compressed body, or data after its end
    (a gzip body may hold several members, RFC 1952 2.2).
    """

    def __init__(self, encoding: str, limit: int) -> None:
        coding = encoding.strip().lower()
        if coding in ("", "identity"):
            self._z: zlib._Decompress | None = None
        elif coding in _WBITS:
            self._z = zlib.decompressobj(_WBITS[coding])
        else:
            raise BodyRefused("reply in an unsupported Content-Encoding", coding[:40])
        self._coding = coding or "identity"
        self._limit = limit
        self._chunks: list[bytes] = []
        self._raw = self._size = 0

    def _add(self, piece: bytes) -> None:
        self._size += len(piece)
        if self._size > self._limit:
            raise BodyRefused("reply too large", f"more than {self._limit} bytes"
                              + ("" if self._z is None else f" decoded ({self._coding})"),
                              too_large=True)
        self._chunks.append(piece)

    def feed(self, data: bytes) -> None:
        """Take one chunk as received."""
        self._raw += len(data)
        if self._raw > self._limit:
            raise BodyRefused("reply too large", f"more than {self._limit} bytes",
                              too_large=True)
        if self._z is None:
            self._add(data)
            return
        try:
            while data:
                # max_length: at most one byte over the limit is ever inflated
                self._add(self._z.decompress(data, self._limit - self._size + 1))
                if not self._z.eof:
                    data = self._z.unconsumed_tail
                    continue
                data = self._z.unused_data
                if data and _WBITS[self._coding] != _GZIP:
                    raise BodyRefused("undecodable reply",
                                      f"data after the end of the {self._coding} stream")
                if data:                      # the next gzip member
                    self._z = zlib.decompressobj(_GZIP)
        except zlib.error as exc:
            raise BodyRefused("undecodable reply", f"{self._coding}: {str(exc)[:60]}") from None

    def body(self) -> bytes:
        """The decoded body (BodyRefused if a compressed one ended early)."""
        if self._z is not None and self._raw and not self._z.eof:
            raise BodyRefused("undecodable reply", f"{self._coding} stream cut short")
        return b"".join(self._chunks)
