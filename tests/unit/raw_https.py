"""A raw HTTPS peer on loopback for exchange tests: it answers with exactly the bytes given.

No HTTP library stands between the test and the wire, so a reply can be anything a broken
or hostile server sends (wrong lengths, repeated headers, a compressed bomb, silence).
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from types import TracebackType

#: ``answer(head, body)``: the bytes to write back; ``b""`` closes the connection, ``None``
#: holds it open and silent until the peer goes away.
Answer = Callable[[bytes, bytes], Awaitable[bytes | None]]


def http_reply(body: bytes, status: str = "200 OK",
               headers: list[tuple[str, str]] | None = None) -> bytes:
    """``HTTP/1.1`` reply bytes with ``Content-Length`` (headers may repeat)."""
    lines = [("Content-Type", "text/xml"), *(headers or []),
             ("Content-Length", str(len(body)))]
    return (f"HTTP/1.1 {status}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in lines)
            + "\r\n").encode() + body


@dataclass
class RawHttpsPeer:
    """``async with RawHttpsPeer(ctx, answer) as peer``: ``peer.port``, ``peer.requests``."""

    context: ssl.SSLContext
    answer: Answer
    requests: list[tuple[bytes, bytes]] = field(default_factory=list)
    port: int = 0
    _server: asyncio.Server | None = None
    _hold: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                body = await reader.readexactly(length)
                self.requests.append((head, body))
                reply = await self.answer(head, body)
                if reply is None:
                    await self._hold.wait()
                if not reply:
                    break
                writer.write(reply)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError,
                asyncio.CancelledError):   # cancelled by __aexit__ only: end quietly
            pass
        finally:
            writer.close()
            self._tasks.discard(task)

    async def __aenter__(self) -> RawHttpsPeer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0,
                                                  ssl=self.context)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        tb: TracebackType | None) -> None:
        self._hold.set()
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):    # connections still open end with the peer
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
