"""HTTPS clients that the security policy allows: httpx with a verified peer.

The peer is verified against a CA file, or by the SHA-256 fingerprint of its certificate
(pinning), checked right after the TLS handshake and before any request byte is sent.
TLS below the policy's minimum (never below 1.2) is refused. Plain ``http://`` needs a
waiver naming the device.

:func:`exchange` is the one size-bounded request/reply over such a client that the
XML-RPC (``codian``) and SOAP (``smc``) drivers use: bytes in, bytes out, a deadline on
the whole exchange, the size limit on the received and the decoded bytes
(:mod:`.http_body` decodes ``Content-Encoding`` within it), every reply header kept, and
typed errors whose ``transient`` flag says whether trying again may help.
"""

from __future__ import annotations

import asyncio
import builtins
import hashlib
import re
import ssl
import typing
from collections.abc import Callable, Collection, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

import httpcore
import httpx

from ..errors import (
    ConfigError,
    ConnectError,
    DeviceTimeout,
    HnthError,
    PolicyViolation,
    ProtocolError,
)
from ..security.policy import SecurityPolicy, WaiverKind
from .http_body import ACCEPT_ENCODING, BodyRefused, BoundedBody

__all__ = ["ACCEPT_ENCODING", "HttpReply", "TlsTrust", "TransportHook", "checked_url",
           "exchange", "https_client", "normalize_pin", "ssl_context", "transport_hook"]

#: ``hook(transport, base_url=..., device=...)`` returns the transport a client uses instead.
TransportHook = Callable[..., httpx.AsyncBaseTransport]

#: Set by ``hnth_drivers.testing.recording`` / ``.replay`` (``hnth record``, offline kit
#: runs): every client :func:`https_client` builds while it is set sends its requests
#: through what the hook returns, after the policy checks above it have passed. Unset
#: (the default), clients are built as if it did not exist.
transport_hook: ContextVar[TransportHook | None] = ContextVar("hnth_https_transport_hook",
                                                              default=None)


_PIN_RE = re.compile(r"^[0-9a-f]{64}$")


def checked_url(url: str, *, operation: str = "open HTTPS client") -> httpx.URL:
    """``url`` parsed; ConfigError if it does not parse or carries credentials.

    A password in the URL (``https://user:pw@host/``) would show in reprs and logs: drivers
    take it as a :class:`~hnth_drivers.security.secrets.Secret`. Messages never echo the
    URL's user information.
    """
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise ConfigError("invalid URL", operation=operation, expected="https://host[:port]/path",
                          got=str(exc)[:80]) from None
    if parsed.userinfo:
        raise ConfigError("credentials do not belong in the URL", operation=operation,
                          device=parsed.host or None,
                          expected="user=... and password=Secret(...)",
                          got="user information in the URL")
    return parsed


def normalize_pin(pin: str) -> str:
    """Lower-case hex without separators; ConfigError if it is not a SHA-256."""
    value = pin.strip().lower().removeprefix("sha256:").replace(":", "")
    if not _PIN_RE.match(value):
        raise ConfigError("invalid certificate pin", operation="TlsTrust",
                          expected="64 hex digits (SHA-256), colons allowed", got=repr(pin))
    return value


@dataclass(frozen=True, slots=True)
class TlsTrust:
    """How to verify the server: a CA bundle, or a pinned certificate fingerprint."""

    ca_file: Path | None = None
    pin_sha256: str | None = None

    def __post_init__(self) -> None:
        if (self.ca_file is None) == (self.pin_sha256 is None):
            raise ConfigError("give exactly one of a CA file or a certificate pin",
                              operation="TlsTrust", expected="ca_file or pin_sha256")
        if self.ca_file is not None and not Path(self.ca_file).is_file():
            raise ConfigError("CA file not found", operation="TlsTrust",
                              got=str(self.ca_file))
        if self.pin_sha256 is not None:
            object.__setattr__(self, "pin_sha256", normalize_pin(self.pin_sha256))


def ssl_context(policy: SecurityPolicy, trust: TlsTrust) -> ssl.SSLContext:
    """A client context: TLS ≥ the policy's minimum, verified peer."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = policy.min_tls
    if trust.ca_file is not None:
        try:
            ctx.load_verify_locations(cafile=str(trust.ca_file))
        except (ssl.SSLError, OSError) as exc:
            raise ConfigError("the CA file holds no usable certificate", operation="TlsTrust",
                              expected="PEM certificates", got=f"{trust.ca_file} "
                              f"({type(exc).__name__})") from None
        # PROTOCOL_TLS_CLIENT: CERT_REQUIRED and hostname checking are on by default.
    else:
        # Pinning: the chain is not checked by OpenSSL; instead _PinningStream compares the
        # peer certificate's SHA-256 with the pin after the handshake and before any
        # request is sent, and closes the connection on a mismatch.
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


class _PinningStream(httpcore.AsyncNetworkStream):
    def __init__(self, inner: httpcore.AsyncNetworkStream, pin: str, device: str) -> None:
        self._inner, self._pin, self._device = inner, pin, device

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    def get_extra_info(self, info: str) -> typing.Any:
        return self._inner.get_extra_info(info)

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self._inner.start_tls(ssl_context, server_hostname, timeout)
        ssl_object = stream.get_extra_info("ssl_object")
        der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
        seen = hashlib.sha256(der).hexdigest() if der else "no certificate"
        if seen != self._pin:
            await stream.aclose()
            raise PolicyViolation("server certificate does not match the pin",
                                  device=self._device, operation="TLS handshake",
                                  expected=f"sha256 {self._pin}", got=f"sha256 {seen}")
        return _PinningStream(stream, self._pin, self._device)


class _PinningBackend(httpcore.AsyncNetworkBackend):
    def __init__(self, inner: httpcore.AsyncNetworkBackend, pin: str, device: str) -> None:
        self._inner, self._pin, self._device = inner, pin, device

    async def connect_tcp(
        self, host: str, port: int, timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        return _PinningStream(stream, self._pin, self._device)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise PolicyViolation("unix sockets are not HTTPS", device=self._device,
                              operation="connect")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def _cert_failure(exc: BaseException) -> ssl.SSLError | None:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return seen
        if isinstance(seen, ssl.SSLError) and "PROTOCOL" in (seen.reason or "").upper():
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


class _PolicyTransport(httpx.AsyncBaseTransport):
    """Turns a failed certificate or protocol-version check into PolicyViolation."""

    def __init__(self, inner: httpx.AsyncHTTPTransport, device: str) -> None:
        self._inner, self._device = inner, device

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await self._inner.handle_async_request(request)
        except httpx.ConnectError as exc:
            failure = _cert_failure(exc)
            if failure is None:
                raise
            raise PolicyViolation("the server's TLS certificate or version is refused",
                                  device=self._device, operation="TLS handshake",
                                  expected="a certificate verified by the trusted CA, TLS >= 1.2",
                                  got=(getattr(failure, "verify_message", None)
                                       or failure.reason or type(failure).__name__)) from None

    async def aclose(self) -> None:
        await self._inner.aclose()


def https_client(
    base_url: str,
    *,
    policy: SecurityPolicy,
    trust: TlsTrust | None,
    timeout: float = 10.0,
    device: str | None = None,
    max_connections: int = 20,
    headers: dict[str, str] | None = None,
) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` for ``base_url`` that the policy allows.

    Every request has ``timeout`` seconds for each phase; waiting for a pool slot is not
    bounded separately: callers bound their own concurrency (a cold pool under a large
    burst would otherwise end in pool timeouts).
    """
    url = checked_url(base_url)
    label = device or f"{url.host}:{url.port or (443 if url.scheme == 'https' else 80)}"
    limits = httpx.Limits(max_connections=max_connections,
                          max_keepalive_connections=max_connections)
    tmo = httpx.Timeout(timeout, pool=None)
    if url.scheme == "http":
        policy.require_waiver(label, WaiverKind.HTTP, "open HTTP client")
        hook = transport_hook.get()
        plain = (None if hook is None else
                 hook(httpx.AsyncHTTPTransport(limits=limits, trust_env=False),
                      base_url=base_url, device=label))
        return httpx.AsyncClient(base_url=base_url, timeout=tmo, limits=limits,
                                 transport=plain, headers=headers, trust_env=False)
    if url.scheme != "https":
        raise PolicyViolation("only HTTPS is allowed", device=label, operation="open HTTP client",
                              expected="https://", got=f"{url.scheme}://")
    if trust is None:
        raise PolicyViolation("HTTPS needs a CA file or a certificate pin to verify the server",
                              device=label, operation="open HTTPS client",
                              expected="TlsTrust(ca_file=...) or TlsTrust(pin_sha256=...)",
                              got="no trust anchor")
    ctx = ssl_context(policy, trust)
    transport = httpx.AsyncHTTPTransport(verify=ctx, limits=limits, trust_env=False)
    if trust.pin_sha256 is not None:
        pool = transport._pool  # httpx keeps its httpcore pool here; no public hook exists
        pool._network_backend = _PinningBackend(pool._network_backend, trust.pin_sha256, label)
    checked: httpx.AsyncBaseTransport = _PolicyTransport(transport, label)
    hook = transport_hook.get()
    if hook is not None:
        checked = hook(checked, base_url=base_url, device=label)
    return httpx.AsyncClient(base_url=base_url, timeout=tmo, transport=checked,
                             headers=headers, trust_env=False)


@dataclass(frozen=True, slots=True)
class HttpReply:
    """One HTTP reply read by :func:`exchange`: status, decoded body, headers.

    ``headers`` keeps every header as sent, repeated ones included (``Set-Cookie``):
    look one up case-insensitively (``headers["content-type"]``), read all values of a
    repeated one with ``headers.get_list("set-cookie")``.
    """

    status: int
    body: bytes
    headers: httpx.Headers = field(default_factory=httpx.Headers)

    @property
    def content_type(self) -> str:
        """The ``Content-Type`` header ('' if absent)."""
        return str(self.headers.get("content-type", ""))


def _transient(error: HnthError) -> HnthError:
    error.transient = True
    return error


async def exchange(
    client: httpx.AsyncClient,
    path: str,
    body: bytes,
    *,
    content_type: str,
    device: str,
    operation: str,
    max_bytes: int,
    deadline_s: float,
    headers: Mapping[str, str] | None = None,
    accept_status: Collection[int] = (200,),
) -> HttpReply:
    """``POST body`` to ``path`` and read the reply, at most ``max_bytes`` of it, within
    ``deadline_s`` seconds for the whole exchange (a server dripping bytes cannot hold it).

    The limit holds for the bytes received and for the decoded body: a ``gzip`` or
    ``deflate`` reply (:data:`ACCEPT_ENCODING` is asked for) is inflated here chunk by
    chunk, never past ``max_bytes`` + 1 bytes, so a compression bomb is refused without
    being expanded; a ``Content-Length`` over the limit is refused before any body byte.
    The reply's headers are kept whole, repeated ones included.

    Errors (each names ``device`` and ``operation``): DeviceTimeout and ConnectError with
    ``transient=True`` (no answer in time, connection refused or dropped, HTTP 502/503/504
    unless accepted), PolicyViolation for a refused certificate or TLS version,
    ProtocolError for a reply over ``max_bytes``, a body its ``Content-Encoding`` does
    not describe (corrupt, cut short or an unknown coding) or a status not in
    ``accept_status``. SOAP callers accept 500 (faults travel in it); XML-RPC accepts
    only 200.
    """
    send = {"Content-Type": content_type, "Accept-Encoding": ACCEPT_ENCODING,
            **(headers or {})}
    try:
        async with asyncio.timeout(deadline_s):
            async with client.stream("POST", path, content=body, headers=send) as response:
                status = response.status_code
                reply_headers = httpx.Headers(response.headers)
                reader: BoundedBody | None = None
                content = b""
                if status in accept_status:
                    declared = response.headers.get("content-length", "").strip()
                    if declared.isdigit() and int(declared) > max_bytes:
                        raise BodyRefused("reply too large", f"Content-Length "
                                          f"{declared[:20]}", too_large=True)
                    if response.is_stream_consumed:
                        # built whole (and decoded) by an in-process transport: replay,
                        # tests; the limit still holds for what the caller gets
                        reader = BoundedBody("identity", max_bytes)
                        reader.feed(response.content)
                    else:
                        reader = BoundedBody(response.headers.get("content-encoding", ""),
                                             max_bytes)
                        # raw bytes, decoded by the reader: a huge reply is refused,
                        # never buffered or inflated whole
                        async for chunk in response.aiter_raw():
                            reader.feed(chunk)
                    content = reader.body()
    except HnthError:
        raise
    except (BodyRefused, httpx.DecodingError) as exc:   # DecodingError: in-process transport
        refused = exc if isinstance(exc, BodyRefused) else BodyRefused(
            "undecodable reply", str(exc)[:80])
        raise ProtocolError(refused.message, device=device, operation=operation,
                            expected=(f"at most {max_bytes} bytes" if refused.too_large else
                                      f"a body its Content-Encoding describes "
                                      f"({ACCEPT_ENCODING} or none)"),
                            got=refused.got) from None
    except (builtins.TimeoutError, httpx.TimeoutException) as exc:
        raise _transient(DeviceTimeout("no answer in time", device=device, operation=operation,
                                      expected=f"a reply within {deadline_s:g} s",
                                      got=type(exc).__name__)) from None
    except httpx.HTTPError as exc:
        failure = _cert_failure(exc)
        if failure is not None:
            raise PolicyViolation("the server's TLS certificate or version is refused",
                                  device=device, operation=operation,
                                  got=(getattr(failure, "verify_message", None)
                                       or failure.reason or type(failure).__name__)) from None
        raise _transient(ConnectError("connection failed", device=device, operation=operation,
                                      got=type(exc).__name__)) from None
    if reader is None:
        if status in (502, 503, 504):
            raise _transient(ConnectError("server unavailable", device=device,
                                          operation=operation, got=f"HTTP {status}"))
        raise ProtocolError("unexpected HTTP status", device=device, operation=operation,
                            expected=" or ".join(f"HTTP {s}" for s in sorted(accept_status)),
                            got=f"HTTP {status}")
    return HttpReply(status, content, reply_headers)
