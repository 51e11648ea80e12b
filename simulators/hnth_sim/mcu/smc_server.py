"""The Huawei SMC eSDK TP SOAP front end of a simulated MCU (same WSDL as the driver).

:class:`SmcService` answers at ``<prefix>esdk/services/<service>`` on one
:class:`~hnth_sim.mcu.model.McuModel` as the interface reference documents it:

- the WSDL at ``GET …?wsdl`` (addresses rewritten to this server);
- ``LoginRequest`` → a random sequence and a session cookie; ``Authenticate`` checks
  ``Base64(SHA-256(hex(SHA-256(password)) + hex(randomSequence)))`` on that session and
  answers with a **new** session cookie (the login's one is dropped); later calls need it;
  a session unused for ``session_ttl_s`` (60 s) expires; ``KeepAlive`` refreshes it;
- every reply carries ``resultCode`` (0, or a documented code: 571052032 for a missing or
  invalid session, 1351614478 for an expired one, 1344274482 for a wrong password);
- a malformed envelope, a missing mandatory element or a wrongly typed value is a SOAP
  ``Client`` fault; a DTD, entities or a body above ``max_body`` are refused unread;
- injected faults of the model apply per operation (``faults.down`` drops connections).
"""

from __future__ import annotations

import asyncio
import hmac
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from typing import Any

from hnth_drivers.errors import ConfigError
from hnth_drivers.mcu.smc_protocol import (
    SERVICES,
    SESSION_LIFETIME_S,
    encrypt_password,
    wsdl_bytes,
)

from .frontend import HttpsFrontEnd
from .http import DropConnection, HttpRequest, HttpResponse
from .model import McuModel, Network, SimError
from .smc_ops import OPERATIONS, ResultError, SmcState, code_of
from .smc_soap import BadRequest, fault, parse_request, reply

__all__ = ["SESSION_COOKIE", "SmcServer", "SmcService"]

SESSION_COOKIE = "JSESSIONID"      # the documented example's cookie (eSDK_tp_00002)
_NOT_LOGGED_IN = 571052032
_TIMED_OUT = 1351614478
_BAD_PASSWORD = 1344274482
_XML = "text/xml; charset=utf-8"


@dataclass(slots=True)
class _Session:
    user: str
    challenge: bytes | None
    authenticated: bool
    last_seen: float


class SmcService:
    """The SOAP services of one simulated SMC MCU (see the module docstring)."""

    def __init__(self, mcu: McuModel, *, user: str, password: str,
                 session_ttl_s: float = SESSION_LIFETIME_S, max_body: int = 256 * 1024,
                 max_sessions: int = 256, path: str = "/",
                 site_control_delay_s: float = 0.02,
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
        self.path = path.rstrip("/") + "/esdk/services/"
        self._now = now
        self._sessions: dict[str, _Session] = {}
        self.state = SmcState(mcu, site_control_delay_s=site_control_delay_s)
        #: requests that reached an operation, by name (refusals included)
        self.calls: dict[str, int] = {}
        #: session cookies set, in order (tests check the rotation)
        self.cookies_set: list[str] = []

    # ---- test hooks -------------------------------------------------------------------

    def expire_sessions(self) -> None:
        """Make every current session expired (the next call on it is refused)."""
        for session in self._sessions.values():
            session.last_seen = -float("inf")

    @property
    def session_count(self) -> int:
        """Sessions held now."""
        return len(self._sessions)

    def base_url(self, host: str) -> str:
        """The service base for clients reaching this server as ``host``."""
        return f"https://{host}{self.path}".rstrip("/")

    # ---- HTTP -------------------------------------------------------------------------

    async def handle(self, request: HttpRequest) -> HttpResponse | None:
        """Answer one HTTP request addressed to this service (None: not ours)."""
        path, _, query = request.path.partition("?")
        service = path[len(self.path):] if path.startswith(self.path) else None
        if service is None or service not in SERVICES:
            return None
        if self.mcu.faults.down:
            raise DropConnection
        if request.method == "GET" and query.lower() == "wsdl":
            return HttpResponse(200, self._wsdl(request), _XML)
        if request.method != "POST":
            return HttpResponse(405, b"POST a SOAP request, or GET ?wsdl", "text/plain")
        if len(request.body) > self.max_body:
            return HttpResponse(413, fault("Client", f"request body above {self.max_body} "
                                           "bytes"), _XML)
        try:
            soap = parse_request(request.body, service)
        except BadRequest as exc:
            return HttpResponse(500, fault("Client", str(exc)), _XML)
        operation = soap.operation
        self.calls[operation] = self.calls.get(operation, 0) + 1
        headers: dict[str, str] = {}
        try:
            delay = self.mcu.admit(operation) if operation in OPERATIONS else 0.0
            if delay:
                await asyncio.sleep(delay)
            fields = self._answer(operation, soap.params,
                                  _cookie(request.headers.get("cookie", "")), headers)
            return HttpResponse(200, reply(operation, 0, fields), _XML, headers)
        except ResultError as exc:
            return HttpResponse(200, reply(operation, exc.code), _XML)
        except SimError as exc:
            return HttpResponse(200, reply(operation, code_of(exc)), _XML)

    def _wsdl(self, request: HttpRequest) -> bytes:
        host = request.headers.get("host", "localhost")
        if not all(ch.isalnum() or ch in ".:-[]" for ch in host):
            host = "localhost"
        return wsdl_bytes().replace(b'location="https://localhost/esdk/services/',
                                    f'location="https://{host}{self.path}'.encode())

    # ---- sessions ---------------------------------------------------------------------

    def _answer(self, operation: str, params: Any, session_id: str | None,
                headers: dict[str, str]) -> dict[str, Any] | None:
        if operation == "LoginRequest":
            return self._login(params, headers)
        if operation == "Authenticate":
            self._authenticate(params, session_id, headers)
            return None
        session = self._session(session_id)
        session.last_seen = self._now()
        if operation == "Logout":
            self._sessions.pop(session_id or "", None)
            return None
        if operation == "KeepAlive":
            return None
        return OPERATIONS[operation](self.state, params)

    def _new_session(self, session: _Session, headers: dict[str, str]) -> None:
        if len(self._sessions) >= self.max_sessions:
            oldest = min(self._sessions, key=lambda k: self._sessions[k].last_seen)
            del self._sessions[oldest]
        session_id = secrets.token_hex(16).upper()
        self._sessions[session_id] = session
        self.cookies_set.append(session_id)
        headers["Set-Cookie"] = f"{SESSION_COOKIE}={session_id}; Path=/; Secure; HttpOnly"

    def _login(self, params: Any, headers: dict[str, str]) -> dict[str, Any]:
        challenge = secrets.token_bytes(16)
        self._new_session(_Session(params.userName or "", challenge, False, self._now()),
                          headers)
        return {"randomSequence": challenge, "hashType": "SHA256"}

    def _authenticate(self, params: Any, session_id: str | None,
                      headers: dict[str, str]) -> None:
        session = self._sessions.get(session_id or "")
        if session is None or session.challenge is None:
            raise ResultError(_NOT_LOGGED_IN)
        challenge, session.challenge = session.challenge, None   # one answer per challenge
        del self._sessions[session_id or ""]
        proof = params.encryptPassword or b""
        expected = encrypt_password(self._password, challenge)
        user_ok = hmac.compare_digest(session.user.encode(), self.user.encode())
        if not (hmac.compare_digest(proof, expected) and user_ok):
            raise ResultError(_BAD_PASSWORD)
        session.authenticated = True
        session.last_seen = self._now()
        self._new_session(session, headers)

    def _session(self, session_id: str | None) -> _Session:
        session = self._sessions.get(session_id or "")
        if session is None or not session.authenticated:
            raise ResultError(_NOT_LOGGED_IN)
        if self._now() - session.last_seen > self.session_ttl_s:
            self._sessions.pop(session_id or "", None)
            raise ResultError(_TIMED_OUT)
        return session


def _cookie(header: str) -> str | None:
    if not header:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header[:4096])
    except CookieError:
        return None
    morsel = jar.get(SESSION_COOKIE)
    return morsel.value if morsel is not None else None


class SmcServer(HttpsFrontEnd):
    """SMC services for the MCUs of ``network`` on one HTTPS socket (certs in ``tls_dir``).

    ``default_mcu`` answers at ``/esdk/services/…``; any MCU of the network at
    ``/mcu/<id>/esdk/services/…``. :meth:`url` is the base a driver is given.
    """

    def __init__(self, network: Network, *, user: str, password: str,
                 tls_dir: str | os.PathLike[str], default_mcu: str | None = None,
                 session_ttl_s: float = SESSION_LIFETIME_S, max_body: int = 256 * 1024,
                 site_control_delay_s: float = 0.02,
                 now: Callable[[], float] = time.monotonic) -> None:
        if not password:
            raise ConfigError("the simulator needs a password", operation="SmcServer",
                              expected="a non-empty password")
        self.network = network
        self.default_mcu = default_mcu
        self._user, self._password = user, password
        self.session_ttl_s, self.max_body = session_ttl_s, max_body
        self.site_control_delay_s = site_control_delay_s
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
                               session_ttl_s=self.session_ttl_s, max_body=self.max_body,
                               site_control_delay_s=self.site_control_delay_s)
            self._services[key] = found
        return found

    async def handle(self, request: HttpRequest) -> HttpResponse | None:
        """Route a request to the MCU its path names (None: not an SMC path)."""
        path = request.path.split("?", 1)[0]
        if path.startswith("/esdk/services/") and self.default_mcu is not None:
            return await self.service().handle(request)
        parts = path.split("/")
        if len(parts) >= 4 and parts[1] == "mcu" and self.network.find(parts[2]) is not None:
            return await self.service(parts[2]).handle(request)
        return None

    def url(self, mcu_id: str | None = None) -> str:
        """The service base of ``mcu_id`` (default: the default MCU)."""
        prefix = "" if mcu_id is None else f"/mcu/{mcu_id}"
        return self.base_url() + prefix + "/esdk/services"
