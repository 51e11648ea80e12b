"""The SMC-style SOAP front end of a simulated MCU (PROTOCOLS.md §6, our WSDL).

:class:`SmcService` answers SOAP requests on one :class:`~hnth_sim.mcu.model.McuModel`:
the WSDL at ``GET /?wsdl`` (its address rewritten to the server's), sessions by the
``JSESSIONID`` cookie (``LoginRequest`` → challenge, ``Authenticate`` → logged in,
``KeepAlive`` refreshes, idle sessions expire after ``session_ttl_s``), the conference
operations on the model, and typed SOAP faults (``AuthenticationFault``,
``ConferenceFault``). Request bodies above ``max_body`` bytes are refused (413), and XML
with a DTD, entities or external references is refused before it is expanded.
Injected faults of the model apply per operation; ``faults.down`` drops connections.

Mount :meth:`SmcService.handle` on a shared :class:`~hnth_sim.mcu.http.HttpsServer`, or
use :class:`SmcServer`, which owns one and serves every MCU of a network::

    async with SmcServer(net, user="admin", password=pw, tls_dir=d,
                         default_mcu="mcu-hn") as server:
        server.url()            # https://127.0.0.1:PORT/         (WSDL: ...?wsdl)
        server.url("mcu-hp")    # https://127.0.0.1:PORT/mcu/mcu-hp/
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import os
import secrets
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie

from hnth_drivers.errors import ConfigError
from hnth_drivers.mcu.smc_protocol import (
    SESSION_COOKIE,
    AuthFaultReason,
    ConferenceFaultReason,
    encrypt_password,
    wsdl_bytes,
)

from .frontend import HttpsFrontEnd
from .http import DropConnection, HttpRequest, HttpResponse
from .model import McuModel, Network, Refusal, SimError
from .smc_ops import OPERATIONS, SmcState
from .smc_soap import BadRequest, element, envelope, fault, parse_request, serialize, text_of

__all__ = ["SmcServer", "SmcService"]

_SESSION_OPS = {"LoginRequest", "Authenticate", "KeepAlive", "Logout"}


@dataclass(slots=True)
class _Session:
    user: str
    challenge: bytes | None
    authenticated: bool
    last_seen: float


class _AuthFault(Exception):
    def __init__(self, reason: AuthFaultReason, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class SmcService:
    """SOAP conference service of one simulated MCU (see the module docstring)."""

    def __init__(self, mcu: McuModel, *, user: str, password: str,
                 session_ttl_s: float = 300.0, max_body: int = 256 * 1024,
                 max_sessions: int = 256, path: str = "/",
                 now: Callable[[], float] = time.monotonic) -> None:
        if not password:
            raise ConfigError("the simulator needs a password", operation="SmcService",
                              expected="a non-empty password")
        self.mcu = mcu
        self.user = user
        self._password = password
        self.session_ttl_s = session_ttl_s
        self.max_body = max_body
        self.max_sessions = max_sessions
        self.path = path
        self._now = now
        self._sessions: dict[str, _Session] = {}
        self.state = SmcState(mcu)
        #: requests that reached an operation, by name (faults included)
        self.calls: dict[str, int] = {}

    # ---- test hooks -------------------------------------------------------------------

    def expire_sessions(self) -> None:
        """Make every current session expired (the next call on it is refused)."""
        for session in self._sessions.values():
            session.last_seen = -float("inf")

    @property
    def session_count(self) -> int:
        """Sessions held now."""
        return len(self._sessions)

    # ---- HTTP -------------------------------------------------------------------------

    async def handle(self, request: HttpRequest) -> HttpResponse | None:
        """Answer one HTTP request addressed to this service (None: not ours)."""
        path, _, query = request.path.partition("?")
        if path != self.path:
            return None
        if self.mcu.faults.down:
            raise DropConnection
        if request.method == "GET" and query.lower() == "wsdl":
            return HttpResponse(200, self._wsdl(request), "text/xml; charset=utf-8")
        if request.method != "POST":
            return HttpResponse(405, b"POST a SOAP request, or GET ?wsdl", "text/plain")
        if len(request.body) > self.max_body:
            return self._fault(413, "Client", f"request body above {self.max_body} bytes")
        try:
            soap = parse_request(request.body)
        except BadRequest as exc:
            return self._fault(500, "Client", str(exc))
        operation = soap.operation
        if operation not in OPERATIONS and operation not in _SESSION_OPS:
            return self._fault(500, "Client", f"unknown operation {operation!r}")
        session_id = _cookie(request.headers.get("cookie", ""))
        try:
            # injected faults apply to conference operations (the WSDL declares only
            # AuthenticationFault on the session operations)
            delay = self.mcu.admit(operation) if operation in OPERATIONS else 0.0
            if delay:
                await asyncio.sleep(delay)
            return self._answer(operation, soap.body, session_id)
        except _AuthFault as exc:
            return self._fault(500, "Client", str(exc), "AuthenticationFault",
                               [("reason", exc.reason.value), ("description", str(exc))])
        except SimError as exc:
            reason = ConferenceFaultReason[exc.reason.name]
            side = "Server" if exc.reason is Refusal.INTERNAL_ERROR else "Client"
            return self._fault(500, side, exc.message, "ConferenceFault",
                               [("errorCode", reason.code), ("reason", reason.value),
                                ("description", exc.message)])

    def _wsdl(self, request: HttpRequest) -> bytes:
        host = request.headers.get("host", "localhost")
        if not all(ch.isalnum() or ch in ".:-[]" for ch in host):
            host = "localhost"
        return wsdl_bytes().replace(b'location="https://localhost/"',
                                    f'location="https://{host}{self.path}"'.encode())

    def _fault(self, status: int, code: str, message: str, detail: str | None = None,
               fields: list[tuple[str, object]] | None = None) -> HttpResponse:
        return HttpResponse(status, fault(code, message, detail, fields or []),
                            "text/xml; charset=utf-8")

    # ---- sessions ---------------------------------------------------------------------

    def _answer(self, operation: str, body: ET.Element, session_id: str | None
                ) -> HttpResponse:
        headers: dict[str, str] = {}
        self.calls[operation] = self.calls.get(operation, 0) + 1
        env, reply = envelope(operation)
        if operation == "LoginRequest":
            session_id = self._login(body, reply)
            headers["Set-Cookie"] = f"{SESSION_COOKIE}={session_id}; Path=/; Secure; HttpOnly"
        elif operation == "Authenticate":
            self._authenticate(body, reply, session_id)
        else:
            session = self._session(session_id)
            if operation == "Logout":
                self._sessions.pop(session_id or "", None)
            elif operation != "KeepAlive":
                OPERATIONS[operation](self.state, body, reply)
            session.last_seen = self._now()
        return HttpResponse(200, serialize(env), "text/xml; charset=utf-8", headers)

    def _login(self, body: ET.Element, reply: ET.Element) -> str:
        user = text_of(body, "userName") or ""
        if len(self._sessions) >= self.max_sessions:
            oldest = min(self._sessions, key=lambda k: self._sessions[k].last_seen)
            del self._sessions[oldest]
        session_id = secrets.token_hex(16)
        challenge = secrets.token_bytes(32)
        self._sessions[session_id] = _Session(user, challenge, False, self._now())
        element(reply, "randomSequence", base64.b64encode(challenge).decode("ascii"))
        return session_id

    def _authenticate(self, body: ET.Element, reply: ET.Element, session_id: str | None
                      ) -> None:
        session = self._sessions.get(session_id or "")
        if session is None or session.challenge is None:
            raise _AuthFault(AuthFaultReason.NOT_LOGGED_IN, "send LoginRequest first")
        challenge, session.challenge = session.challenge, None  # one answer per challenge
        try:
            proof = base64.b64decode(text_of(body, "encryptPassword") or "", validate=True)
        except (binascii.Error, ValueError):
            proof = b""
        expected = encrypt_password(self._password, challenge)
        user_ok = hmac.compare_digest(session.user.encode(), self.user.encode())
        if not (hmac.compare_digest(proof, expected) and user_ok):
            self._sessions.pop(session_id or "", None)
            raise _AuthFault(AuthFaultReason.BAD_CREDENTIALS, "wrong user name or password")
        session.authenticated = True
        session.last_seen = self._now()
        element(reply, "sessionTimeout", int(self.session_ttl_s))

    def _session(self, session_id: str | None) -> _Session:
        session = self._sessions.get(session_id or "")
        if session is None or not session.authenticated:
            raise _AuthFault(AuthFaultReason.NOT_LOGGED_IN, "no authenticated session")
        if self._now() - session.last_seen > self.session_ttl_s:
            self._sessions.pop(session_id or "", None)
            raise _AuthFault(AuthFaultReason.SESSION_EXPIRED, "session expired")
        return session


def _cookie(header: str) -> str | None:
    if not header:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except CookieError:
        return None
    morsel = jar.get(SESSION_COOKIE)
    return morsel.value if morsel is not None else None



class SmcServer(HttpsFrontEnd):
    """SMC services for the MCUs of ``network`` on one HTTPS socket (certs in ``tls_dir``).

    ``default_mcu`` answers at ``/``; any MCU of the network at ``/mcu/<id>/``.
    """

    def __init__(self, network: Network, *, user: str, password: str,
                 tls_dir: str | os.PathLike[str], default_mcu: str | None = None,
                 session_ttl_s: float = 300.0, max_body: int = 256 * 1024,
                 now: Callable[[], float] = time.monotonic) -> None:
        if not password:
            raise ConfigError("the simulator needs a password", operation="SmcServer",
                              expected="a non-empty password")
        self.network = network
        self.default_mcu = default_mcu
        self._user, self._password = user, password
        self.session_ttl_s, self.max_body = session_ttl_s, max_body
        self._now = now
        self._services: dict[str, SmcService] = {}
        # the HTTP layer allows a larger body so that the SOAP fault names the limit
        super().__init__(tls_dir, max_body=max_body * 4, handler=self.handle)

    def service(self, mcu_id: str | None = None) -> SmcService:
        """The SOAP service of ``mcu_id`` (default: the default MCU), made on first use."""
        key = mcu_id if mcu_id is not None else self.default_mcu
        if key is None:
            raise ConfigError("no MCU named and no default MCU", operation="SmcServer.service")
        found = self._services.get(key)
        if found is None:
            path = "/" if mcu_id is None else f"/mcu/{mcu_id}/"
            found = SmcService(self.network.mcu(key), path=path, now=self._now,
                               user=self._user, password=self._password,
                               session_ttl_s=self.session_ttl_s, max_body=self.max_body)
            self._services[key] = found
        return found

    async def handle(self, request: HttpRequest) -> HttpResponse | None:
        """Route a request to the MCU its path names (None: not an SMC path)."""
        path = request.path.split("?", 1)[0]
        if path == "/" and self.default_mcu is not None:
            return await self.service().handle(request)
        parts = path.split("/")
        if len(parts) == 4 and parts[1] == "mcu" and parts[3] == "" and \
                self.network.find(parts[2]) is not None:
            return await self.service(parts[2]).handle(request)
        return None

    def url(self, mcu_id: str | None = None) -> str:
        """The service URL of ``mcu_id`` (default: the default MCU at ``/``)."""
        return self.base_url() + ("/" if mcu_id is None else f"/mcu/{mcu_id}/")
