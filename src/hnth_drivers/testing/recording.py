"""Recording a driver's HTTPS exchanges, secrets redacted (``hnth record``).

The file is JSON lines: a header, one line per request→response exchange, and an end line
that counts them (a file without it, or with another count, is truncated)::

    {"format": "hnth-recording/1", "kind": "mcu", "driver": "codian", "driver_version": "…",
     "recorded_at": "2026-…Z", "address": "https://…/RPC2", "user": "admin",
     "redactions": ["xml-rpc member authenticationPassword"]}
    {"method": "POST", "path": "/RPC2", "request_headers": [...], "request_body": "…",
     "status": 200, "response_headers": [...], "response_body": "…"}
    {"end": 1}

The recorder sits at the transport boundary: while :meth:`Recorder.installed` is active,
every client :func:`hnth_drivers.transport.https.https_client` builds sends its requests
through a :class:`RecordingTransport` wrapped around the policy-checked transport (the
verification of the server is unchanged). Nothing is written until :meth:`Recorder.save`,
which redacts by name, then scrubs every value so found (see :mod:`.redaction`).

The same recorder also records SSH shells (codecs) and VISCA-over-IP datagrams (cameras)
through the hooks of :mod:`hnth_drivers.transport.ssh` and :mod:`~hnth_drivers.transport.udp`:
the header's ``transport`` is then ``ssh`` or ``udp`` and each line a wire exchange
(:mod:`.wire`): ``{"open": true, "recv": [...]}`` or ``{"send": ..., "recv": [...]}``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import re
from collections.abc import Iterable, Iterator
from contextvars import ContextVar, Token
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

from ..errors import ConfigError
from ..transport.https import transport_hook
from ..transport.serial import serial_hook
from ..transport.ssh import ssh_hook
from ..transport.udp import udp_hook
from .redaction import REDACTED, Redactor, normalise_body
from .wire import (
    WireExchange,
    WireLog,
    record_serial,
    record_ssh,
    record_udp,
    redact_line,
    wire_to_json,
)

__all__ = ["FORMAT", "Exchange", "Recorder", "RecordingHeader", "RecordingTransport",
           "describe_request"]

#: The ``format`` of a recording's header line.
FORMAT = "hnth-recording/1"
# Request headers worth keeping (to read a recording; never matched on).
_KEEP_REQUEST = {"content-type", "soapaction", "authorization", "cookie", "x-auth-token",
                 "x-api-key", "accept"}
# Response headers a replay does not serve: they describe the original connection.
_DROP_RESPONSE = {"content-length", "transfer-encoding", "connection", "keep-alive", "date",
                  "content-encoding", "server"}
_XMLRPC_METHOD = re.compile(r"<methodName>\s*([^<]+?)\s*</methodName>")
_SOAP_OPERATION = re.compile(r"<(?:[\w.-]+:)?Body[^>]*>\s*<(?:[\w.-]+:)?([\w.-]+)")


@dataclass(frozen=True, slots=True)
class RecordingHeader:
    """The first line of a recording: which driver, when, where, what was redacted."""

    kind: str
    driver: str
    driver_version: str
    recorded_at: str
    address: str
    user: str = "admin"
    redactions: tuple[str, ...] = ()
    format: str = FORMAT
    #: ``https`` (request→response exchanges), ``ssh`` or ``udp`` (wire exchanges).
    transport: str = "https"
    #: What the device was: empty for a recording of a live session; for one built from
    #: a vendor's documented transcript, that document (title, number, pages).
    source: str = ""
    #: Target options the driver was built with (a camera's ``model``), for the replay.
    options: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The header as a JSON object."""
        data = asdict(self)
        data["redactions"] = list(self.redactions)
        for name in ("source", "options"):
            if not data[name]:
                del data[name]
        return data


@dataclass(frozen=True, slots=True)
class Exchange:
    """One request and the response it got (bodies as text)."""

    method: str
    path: str
    request_body: str
    status: int
    response_body: str
    request_headers: tuple[tuple[str, str], ...] = field(default=())
    response_headers: tuple[tuple[str, str], ...] = field(default=())
    #: The part of the session it belongs to (the kit test that made it), or "".
    section: str = ""

    @property
    def content_type(self) -> str:
        """The request's content type ('' if none was sent)."""
        return next((v for k, v in self.request_headers if k.lower() == "content-type"), "")

    def key(self) -> tuple[str, str, str]:
        """What a replayed request is matched on: method, path, normalised body."""
        return self.method, self.path, normalise_body(self.request_body, self.content_type)

    def describe(self) -> str:
        """``POST /RPC2 conference.enumerate``: the exchange in words, for messages."""
        return describe_request(self.method, self.path, self.request_body)

    def to_json(self) -> dict[str, Any]:
        """The exchange as a JSON object."""
        data: dict[str, Any] = {
            "method": self.method, "path": self.path,
            "request_headers": [list(h) for h in self.request_headers],
            "request_body": self.request_body, "status": self.status,
            "response_headers": [list(h) for h in self.response_headers],
            "response_body": self.response_body}
        if self.section:
            data["section"] = self.section
        return data


def describe_request(method: str, path: str, body: str) -> str:
    """Method, path and the operation a body names (XML-RPC method, SOAP operation)."""
    found = _XMLRPC_METHOD.search(body) or _SOAP_OPERATION.search(body)
    return f"{method} {path}" + (f" {found[1]}" if found else "")


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


class RecordingTransport(httpx.AsyncBaseTransport):
    """Sends each request through ``inner`` and notes the exchange in ``recorder``."""

    def __init__(self, inner: httpx.AsyncBaseTransport, recorder: Recorder) -> None:
        self._inner, self._recorder = inner, recorder

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        # A compressed reply could not be redacted: ask for it plain.
        request.headers["accept-encoding"] = "identity"
        response = await self._inner.handle_async_request(request)
        try:
            content = await response.aread()
        finally:
            await response.aclose()
        self._recorder.note(Exchange(
            method=request.method, path=request.url.raw_path.decode("ascii"),
            request_body=_text(body), status=response.status_code,
            response_body=_text(content),
            request_headers=tuple((k, v) for k, v in request.headers.items()
                                  if k.lower() in _KEEP_REQUEST),
            response_headers=tuple((k, v) for k, v in response.headers.multi_items()
                                   if k.lower() not in _DROP_RESPONSE)))
        return httpx.Response(response.status_code, headers=response.headers,
                              content=content, extensions=response.extensions)

    async def aclose(self) -> None:
        await self._inner.aclose()


class Recorder:
    """Collects exchanges in memory (raw) and saves them redacted.

    ``secrets`` are values that must not appear anywhere in the file (the session's
    password), whatever field carries them.
    """

    def __init__(self, *, kind: str, driver: str, driver_version: str, address: str,
                 user: str = "admin", secrets: Iterable[str] = (),
                 options: dict[str, Any] | None = None) -> None:
        self._meta = (kind, driver, driver_version, address, user)
        self._secrets = tuple(secrets)
        self._options = dict(options or {})
        self._exchanges: list[Exchange] = []
        self.wire = WireLog()

    def __repr__(self) -> str:  # never the secrets
        return f"<Recorder {self._meta[1]} {len(self._exchanges)} exchanges>"

    @property
    def count(self) -> int:
        """Exchanges recorded so far (HTTPS requests, or SSH/UDP opens and sends)."""
        return len(self._exchanges) + len(self.wire.exchanges())

    @property
    def section(self) -> str:
        """The part of the session being recorded (set by the kit to the test's name: its
        replay is then served from that part only), or ""."""
        return self.wire.section

    @section.setter
    def section(self, name: str) -> None:
        self.wire.section = name

    def note(self, exchange: Exchange) -> None:
        """Add one exchange (called by :class:`RecordingTransport`)."""
        self._exchanges.append(dataclasses.replace(exchange, section=self.section)
                               if self.section else exchange)

    def hook(self, inner: httpx.AsyncBaseTransport, *, base_url: str,
             device: str) -> httpx.AsyncBaseTransport:
        """The :data:`~hnth_drivers.transport.https.transport_hook` of this recorder."""
        del base_url, device
        return RecordingTransport(inner, self)

    def _ssh(self, target: Any, connect: Any) -> Any:
        return record_ssh(connect(), self.wire)

    async def _udp(self, device: str, open_real: Any, factory: Any) -> Any:
        return await record_udp(open_real, factory, self.wire)

    def _serial(self, port: str, open_real: Any) -> Any:
        return record_serial(open_real(), self.wire)

    @contextlib.contextmanager
    def installed(self) -> Iterator[Recorder]:
        """Record every HTTPS client, SSH connection, UDP endpoint and serial port made
        inside the ``with`` block."""
        tokens: list[tuple[ContextVar[Any], Token[Any]]] = [
            (transport_hook, transport_hook.set(self.hook)),
            (ssh_hook, ssh_hook.set(self._ssh)), (udp_hook, udp_hook.set(self._udp)),
            (serial_hook, serial_hook.set(self._serial))]
        try:
            yield self
        finally:
            for var, token in tokens:
                _reset(var, token)

    def redacted(self) -> tuple[RecordingHeader, list[Exchange]]:
        """The header and the exchanges with every secret removed."""
        redactor = Redactor(self._secrets)
        named = []
        for ex in self._exchanges:
            named.append(Exchange(
                ex.method, ex.path, redactor.body(ex.request_body, ex.content_type),
                ex.status, redactor.body(ex.response_body, _content_type(ex.response_headers)),
                tuple(redactor.headers(ex.request_headers)),
                tuple(redactor.headers(ex.response_headers)), ex.section))
        scrub = redactor.scrub
        clean = [Exchange(
            ex.method, scrub(ex.path), scrub(ex.request_body), ex.status,
            scrub(ex.response_body),
            tuple((k, scrub(v)) for k, v in ex.request_headers),
            tuple((k, scrub(v)) for k, v in ex.response_headers), ex.section) for ex in named]
        return self._header(redactor, "https"), clean

    def _header(self, redactor: Redactor, transport: str) -> RecordingHeader:
        kind, driver, version, address, user = self._meta
        return RecordingHeader(
            kind=kind, driver=driver, driver_version=version,
            recorded_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            address=redactor.scrub(address), user=user,
            redactions=tuple(sorted(redactor.names)), transport=transport,
            options=self._options)

    def redacted_wire(self) -> tuple[RecordingHeader, list[WireExchange]]:
        """The header and the SSH or UDP exchanges with every secret removed: the
        secrets given (the password, also in base64) wherever they appear, and the value
        of every secret-named ``Name: value`` pair in a shell's text."""
        transport = self.wire.transport or "ssh"
        redactor = Redactor(self._secrets)
        found: set[str] = set()

        def clean(data: bytes) -> bytes:
            if transport in ("udp", "serial"):
                for value in sorted(redactor.found, key=len, reverse=True):
                    data = data.replace(value.encode(), REDACTED.encode())
                return data
            text = redact_line(data.decode("utf-8", "surrogateescape"), found)
            return redactor.scrub(text).encode("utf-8", "surrogateescape")

        raw = self.wire.exchanges()
        named = [WireExchange(None if ex.sent is None else clean(ex.sent),
                              tuple(clean(d) for d in ex.received), ex.section) for ex in raw]
        for value in found:
            redactor.names.add("shell value of a secret-named field")
            if len(value) >= 4:
                redactor.found.add(value)
        if self._secrets:
            redactor.names.add("the session's password, wherever it appears")
        exchanges = [WireExchange(None if ex.sent is None else clean(ex.sent),
                                  tuple(clean(d) for d in ex.received), ex.section)
                     for ex in named]
        return self._header(redactor, transport), exchanges

    def save(self, path: Path) -> int:
        """Write the redacted recording to ``path``; the number of exchanges."""
        if self._exchanges and self.wire.exchanges():
            raise ConfigError("one recording holds one transport", operation="save recording",
                              expected="HTTPS, SSH or UDP exchanges",
                              got="HTTPS and SSH/UDP exchanges")
        if self._exchanges or not self.wire.transport:
            header, exchanges = self.redacted()
            body = [ex.to_json() for ex in exchanges]
        else:
            header, wire = self.redacted_wire()
            body = [wire_to_json(ex, header.transport) for ex in wire]
        lines = [header.to_json(), *body, {"end": len(body)}]
        path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines),
                        encoding="utf-8")
        return len(body)


def _content_type(headers: Iterable[tuple[str, str]]) -> str:
    return next((v for k, v in headers if k.lower() == "content-type"), "")


def _reset(var: ContextVar[Any], token: Token[Any]) -> None:
    try:
        var.reset(token)
    except ValueError:  # left in another context (an async fixture's teardown task)
        var.set(None)
