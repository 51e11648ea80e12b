"""One SMC session: login, keep-alive, one re-login on expiry, faults → typed errors.

Used by the ``smc`` driver (:mod:`hnth_drivers.mcu.smc`). ``open()`` builds zeep's safe
async client (:mod:`hnth_drivers.mcu.smc_client`) over the policy's HTTPS client and logs
in: ``LoginRequest`` → challenge, ``Authenticate`` with the HMAC proof; the session is
the ``JSESSIONID`` cookie that the httpx client keeps. A background task calls
``KeepAlive``. :meth:`SmcSession.call` repeats a call refused for an expired session once,
after one fresh login shared by every concurrent caller.
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import logging
from dataclasses import dataclass
from typing import Any

import httpx
from zeep.exceptions import Fault, TransportError

from ..errors import (
    AuthError,
    ConnectError,
    DeviceError,
    HnthError,
    PolicyViolation,
    ProtocolError,
    TimeoutError,
)
from ..security.policy import SecurityPolicy
from ..security.secrets import Secret
from ..transport.https import TlsTrust, https_client
from .smc_client import (
    HOSTILE_XML,
    ReplyTooLarge,
    SafeTransport,
    is_cert_failure,
    service_proxy,
)
from .smc_protocol import CLIENT_TYPE, NAMESPACE, AuthFaultReason, encrypt_password

__all__ = ["SmcOptions", "SmcSession"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SmcOptions:
    """Tuning of the ``smc`` driver.

    ``keepalive_s``: seconds between KeepAlive calls (None: a third of the session
    timeout the service announces at login, at least 1 s).
    """

    timeout_s: float = 10.0
    keepalive_s: float | None = None
    max_reply_bytes: int = 4 * 1024 * 1024
    client_type: str = CLIENT_TYPE


class _SessionLost(Exception):
    pass


class SmcSession:
    """A logged-in session with one SMC service (see the module docstring)."""

    def __init__(self, url: str, *, user: str, password: Secret, trust: TlsTrust | None,
                 policy: SecurityPolicy, options: SmcOptions, device: str) -> None:
        self._url = url
        self._user = user
        self._password = password
        self._trust = trust
        self._policy = policy
        self.options = options
        self._device = device
        self._http: httpx.AsyncClient | None = None
        self._service: Any = None
        self._keepalive: asyncio.Task[None] | None = None
        self._login_lock = asyncio.Lock()
        self._generation = 0
        self.session_timeout_s = 300.0

    async def open(self) -> None:
        """Build the SOAP client over verified HTTPS and log in."""
        if self._service is not None:
            return
        self._http = https_client(self._url, policy=self._policy, trust=self._trust,
                                  timeout=self.options.timeout_s, device=self._device)
        try:
            transport = SafeTransport(self._http, max_reply_bytes=self.options.max_reply_bytes,
                                      device=self._device)
            self._service = service_proxy(transport, self._url)
            await self._login(self._generation)
        except BaseException:
            await self.close()
            raise
        self._keepalive = asyncio.create_task(self._keep_alive(), name=f"{self._device} alive")

    async def close(self) -> None:
        """Stop the keep-alive, log out (best effort) and close the connection."""
        task, self._keepalive = self._keepalive, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._service is not None and self._generation > 0:
            with contextlib.suppress(HnthError, _SessionLost):
                await self._invoke("Logout", {}, timeout_s=min(2.0, self.options.timeout_s))
        self._service = None
        http, self._http = self._http, None
        if http is not None:
            await http.aclose()

    async def _login(self, seen_generation: int) -> None:
        async with self._login_lock:
            if self._generation != seen_generation:
                return  # another task logged in again meanwhile
            challenge = await self._invoke("LoginRequest", {
                "userName": self._user, "clientType": self.options.client_type})
            if not isinstance(challenge, bytes | bytearray) or not challenge:
                raise ProtocolError("no login challenge", device=self._device,
                                    operation="LoginRequest", expected="randomSequence bytes",
                                    got=type(challenge).__name__)
            proof = encrypt_password(self._password.reveal(), bytes(challenge))
            try:
                timeout = await self._invoke("Authenticate", {"encryptPassword": proof})
            except _SessionLost as exc:
                raise AuthError("login refused", device=self._device,
                                operation="Authenticate", got=str(exc)) from None
            if isinstance(timeout, int) and timeout > 0:
                self.session_timeout_s = float(timeout)
            self._generation += 1

    async def _keep_alive(self) -> None:
        interval = self.options.keepalive_s or max(1.0, self.session_timeout_s / 3)
        while True:
            await asyncio.sleep(interval)
            try:
                await self.call("KeepAlive")
            except HnthError as exc:  # the next call reports it; keep trying
                log.warning("%s: keep-alive failed: %s", self._device, exc)

    async def call(self, operation: str, **params: Any) -> Any:
        """Call ``operation``; on an expired session log in again once and repeat once."""
        if self._service is None:
            raise ConnectError("not open", device=self._device, operation=operation,
                               expected="async with the driver, or await open()")
        generation = self._generation
        try:
            return await self._invoke(operation, params)
        except _SessionLost:
            await self._login(generation)
        try:
            return await self._invoke(operation, params)
        except _SessionLost as exc:
            raise AuthError("session refused after a fresh login", device=self._device,
                            operation=operation, got=str(exc)) from None

    async def _invoke(self, operation: str, params: dict[str, Any],
                      timeout_s: float | None = None) -> Any:
        where = {"device": self._device, "operation": operation}
        try:
            async with asyncio.timeout(timeout_s or self.options.timeout_s):
                return await getattr(self._service, operation)(**params)
        except Fault as fault:
            raise self._fault(operation, fault) from None
        except ReplyTooLarge as exc:
            raise ReplyTooLarge(exc.message, **where, expected=exc.expected,
                                got=exc.got) from None
        except HOSTILE_XML as exc:
            raise ProtocolError("refused or invalid SOAP reply", **where,
                                expected="a plain SOAP envelope (no DTD, entities or "
                                "external references) that matches the WSDL",
                                got=f"{type(exc).__name__}: {str(exc)[:120]}") from None
        except TransportError as exc:
            raise ProtocolError("not a SOAP reply", **where, expected="HTTP 200 or a fault",
                                got=f"HTTP {exc.status_code}") from None
        except (builtins.TimeoutError, httpx.TimeoutException):
            raise TimeoutError("no answer in time", **where,
                               expected=f"a reply within {timeout_s or self.options.timeout_s}"
                               " s") from None
        except httpx.HTTPError as exc:
            if is_cert_failure(exc):
                raise PolicyViolation("server certificate not trusted", **where,
                                      expected="a certificate the trust anchor verifies",
                                      got=type(exc).__name__) from None
            raise ConnectError("connection failed", **where,
                               got=type(exc).__name__) from None

    def _fault(self, operation: str, fault: Fault) -> HnthError | _SessionLost:
        detail = fault.detail
        auth = detail.find(f"{{{NAMESPACE}}}AuthenticationFault") if detail is not None \
            else None
        conf = detail.find(f"{{{NAMESPACE}}}ConferenceFault") if detail is not None else None
        if auth is not None:
            reason = (auth.findtext(f"{{{NAMESPACE}}}reason") or "")[:60]
            if reason in (AuthFaultReason.SESSION_EXPIRED, AuthFaultReason.NOT_LOGGED_IN):
                return _SessionLost(reason)
            return AuthError("credentials refused", device=self._device, operation=operation,
                             got=reason or str(fault.message)[:80])
        if conf is not None:
            code_text = (conf.findtext(f"{{{NAMESPACE}}}errorCode") or "").strip()[:40]
            # bounded before int(): a hostile reply must not trip int()'s digit limit
            code: int | str = int(code_text) if code_text.lstrip("-").isdigit() and \
                len(code_text) <= 10 else code_text
            return DeviceError((conf.findtext(f"{{{NAMESPACE}}}description") or "refused")[:200],
                               code=code, device=self._device, operation=operation,
                               got=(conf.findtext(f"{{{NAMESPACE}}}reason") or "")[:60])
        return DeviceError(str(fault.message)[:200] or "SOAP fault", code=str(fault.code)[:60],
                           device=self._device, operation=operation)
