"""A small HTTPS/1.1 server for the simulators: one socket, many handlers, bounded input.

Handlers are tried in mount order; each returns an :class:`HttpResponse`, or ``None``
when the request is not its own (so one listening socket can host the Codian API of many
MCUs at ``/mcu/<id>/RPC2``, a SOAP API beside it, ...). A handler raising
:class:`DropConnection` makes the server close the connection without answering (an MCU
that is down). Limits: request head ``max_head`` bytes (431), body ``max_body`` bytes
(413), ``Content-Length`` required for bodies (411; chunked uploads are refused), a
``read_timeout`` per request and an ``idle_timeout`` between keep-alive requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

__all__ = ["DropConnection", "Handler", "HttpRequest", "HttpResponse", "HttpsServer"]

log = logging.getLogger(__name__)

_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed",
            411: "Length Required", 413: "Content Too Large",
            431: "Request Header Fields Too Large", 500: "Internal Server Error",
            501: "Not Implemented"}


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """One request: method, path (query string included), lower-case headers, body."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True, slots=True)
class HttpResponse:
    """One response."""

    status: int
    body: bytes = b""
    content_type: str = "text/xml"
    headers: dict[str, str] = field(default_factory=dict)


class DropConnection(Exception):
    """Raised by a handler: close the connection without answering."""


Handler = Callable[[HttpRequest], Awaitable[HttpResponse | None]]


class HttpsServer:
    """An asyncio HTTPS server; ``start()`` binds, ``close()`` stops and drops clients."""

    def __init__(self, ssl_context: ssl.SSLContext, *, max_head: int = 16 * 1024,
                 max_body: int = 1024 * 1024, read_timeout: float = 10.0,
                 idle_timeout: float = 30.0) -> None:
        self._ssl = ssl_context
        self.max_head = max_head
        self.max_body = max_body
        self.read_timeout = read_timeout
        self.idle_timeout = idle_timeout
        self._handlers: list[Handler] = []
        self._server: asyncio.Server | None = None
        self._clients: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self.address: tuple[str, int] | None = None

    def mount(self, handler: Handler) -> None:
        """Add a handler (tried after those mounted before it)."""
        self._handlers.append(handler)

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> tuple[str, int]:
        """Listen; returns the bound ``(host, port)`` (port 0 picks a free one)."""
        self._server = await asyncio.start_server(self._serve, host, port, ssl=self._ssl,
                                                  limit=self.max_head,
                                                  ssl_handshake_timeout=self.read_timeout)
        sock = self._server.sockets[0].getsockname()
        self.address = (str(sock[0]), int(sock[1]))
        return self.address

    async def close(self) -> None:
        """Stop listening and close every client connection."""
        if self._server is not None:
            self._server.close()
        for writer in list(self._clients):
            writer.close()
        for task in list(self._tasks):      # e.g. a handler sleeping out injected latency
            task.cancel()
        for writer in list(self._clients):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), 2.0)
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2.0)
            self._server = None

    async def _read_request(self, reader: asyncio.StreamReader,
                            first: bool) -> HttpRequest | HttpResponse | None:
        wait = self.read_timeout if first else self.idle_timeout
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), wait)
        except (asyncio.IncompleteReadError, ConnectionError, TimeoutError):
            return None
        except asyncio.LimitOverrunError:
            return HttpResponse(431, b"request head too large", "text/plain")
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            return HttpResponse(400, b"bad request line", "text/plain")
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if line:
                name, sep, value = line.partition(":")
                if not sep:
                    return HttpResponse(400, b"bad header", "text/plain")
                headers[name.strip().lower()] = value.strip()
        if "chunked" in headers.get("transfer-encoding", "").lower():
            return HttpResponse(411, b"Content-Length required", "text/plain")
        length_text = headers.get("content-length", "0")
        if not length_text.isdigit():
            return HttpResponse(400, b"bad Content-Length", "text/plain")
        length = int(length_text)
        if length > self.max_body:
            return HttpResponse(413, b"request too large", "text/plain")
        try:
            body = await asyncio.wait_for(reader.readexactly(length), self.read_timeout)
        except (asyncio.IncompleteReadError, ConnectionError, TimeoutError):
            return None
        return HttpRequest(parts[0], parts[1], headers, body)

    async def _dispatch(self, request: HttpRequest) -> HttpResponse:
        for handler in self._handlers:
            response = await handler(request)
            if response is not None:
                return response
        return HttpResponse(404, b"no such path", "text/plain")

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._clients.add(writer)
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        first = True
        try:
            while True:
                got = await self._read_request(reader, first)
                first = False
                if got is None:
                    return
                keep = True
                if isinstance(got, HttpResponse):
                    response, keep = got, False
                else:
                    keep = got.headers.get("connection", "").lower() != "close"
                    try:
                        response = await self._dispatch(got)
                    except DropConnection:
                        return
                    except Exception:  # a simulator bug must answer 500, never hang
                        log.exception("handler failed")
                        response, keep = HttpResponse(500, b"internal error", "text/plain"), \
                            False
                head = [f"HTTP/1.1 {response.status} {_REASONS.get(response.status, 'Status')}",
                        f"Content-Type: {response.content_type}",
                        f"Content-Length: {len(response.body)}",
                        f"Connection: {'keep-alive' if keep else 'close'}"]
                head += [f"{k}: {v}" for k, v in response.headers.items()]
                writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + response.body)
                await writer.drain()
                if not keep:
                    return
        except (ConnectionError, ssl.SSLError):
            return
        except asyncio.CancelledError:
            # close() cancelled this connection's task; it is the task's top level and
            # nothing awaits it, so end quietly (asyncio's streams would log the cancel)
            return
        finally:
            self._clients.discard(writer)
            if task is not None:
                self._tasks.discard(task)
            writer.close()
