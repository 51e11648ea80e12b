"""One SMC session: login, cookies, keep-alive, result codes → typed errors, one re-login.

Used by the ``smc`` driver (:mod:`hnth_drivers.mcu.smc`). Rules (Huawei eSDK TP interface
reference, eSDK_tp_00002, 00019–00022):

- ``LoginRequest`` is sent without a session; ``Authenticate`` carries the session cookie
  that the LoginRequest reply set; every later call carries the one the Authenticate reply
  set (the login's if it set none). Cookies are kept here, not in httpx's jar.
- ``KeepAlive`` runs in a background task every ``keepalive_s`` (at most 40 s: a session
  lives 60 s) and ends with the session.
- A reply whose ``resultCode`` says the session is invalid (:data:`SESSION_INVALID`) logs
  in again once (shared by concurrent callers); a read is repeated, a write is not: it is
  reported as :class:`WriteNotRepeated` (the device did not do it; the session is fresh).
- Every other non-zero ``resultCode`` becomes a typed error carrying the code and its
  documented meaning (:func:`error_for`); SOAP faults whose faultcode ends in a number
  are read the same way.
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from typing import Any

import httpx
from zeep.exceptions import ValidationError

from ..errors import (
    AuthError,
    ConnectError,
    DeviceError,
    DeviceTimeout,
    HnthError,
    ProtocolError,
)
from ..security.policy import SecurityPolicy
from ..security.secrets import Secret
from ..transport.https import HttpReply, TlsTrust, exchange, https_client
from .smc_client import SoapFault, codec, parse_reply
from .smc_protocol import (
    CLIENT_TYPE,
    KEEPALIVE_MAX_S,
    LOGIN_VERSION,
    NAMESPACE,
    READ_OPERATIONS,
    SESSION_INVALID,
    ErrorKind,
    encrypt_password,
    result_code,
    service_of,
)

__all__ = ["SmcAuthError", "SmcOptions", "SmcSession", "SmcTimeoutError", "WriteNotRepeated",
           "cookies_of", "error_for"]

log = logging.getLogger(__name__)

INLINE_PARSE_BYTES = 64 * 1024
"""Replies up to this size are prechecked and parsed on the event loop (after the
precheck's bounds, zeep needs a few milliseconds at most); larger ones in a worker
thread, so that the loop never waits on a large or hostile reply."""


@dataclass(frozen=True, slots=True)
class SmcOptions:
    """Tuning of the ``smc`` driver.

    ``keepalive_s`` is capped at 40 s; ``sleep`` is what the keep-alive task waits with
    (tests pass a fake clock); ``confirm_s`` bounds the read-back of asynchronous
    site-control calls.
    """

    timeout_s: float = 10.0
    keepalive_s: float = 30.0
    max_reply_bytes: int = 4 * 1024 * 1024
    confirm_s: float = 5.0
    conference_minutes: int = 120
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep, repr=False)


class SmcAuthError(AuthError):
    """Login refused, with the device's result code."""

    def __init__(self, message: str, *, code: int | None = None, **kw: str | None) -> None:
        self.code = code
        super().__init__(message, **kw)


class SmcTimeoutError(DeviceTimeout):
    """The MCU says a conference-control command timed out (its result code kept)."""

    def __init__(self, message: str, *, code: int | None = None, **kw: str | None) -> None:
        self.code = code
        super().__init__(message, **kw)


class WriteNotRepeated(DeviceError):
    """A write refused because the session had expired: logged in again, not repeated."""


class _SessionInvalid(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def error_for(code: int, *, device: str, operation: str) -> HnthError:
    """The typed error of a non-zero ``resultCode``: code and documented meaning kept."""
    known = result_code(code)
    got = f"resultCode {code}: {known.meaning}"
    if known.kind in (ErrorKind.AUTH, ErrorKind.SESSION):
        return SmcAuthError("credentials or session refused", code=code, device=device,
                            operation=operation, got=got)
    if known.kind is ErrorKind.TIMEOUT:
        return SmcTimeoutError("the MCU timed out", code=code, device=device,
                               operation=operation, got=got)
    message = {ErrorKind.NO_CONFERENCE: "no such conference", ErrorKind.NO_SITE: "no such site",
               ErrorKind.PARAMETER: "parameter refused"}.get(known.kind, known.meaning)
    return DeviceError(message, code=code, device=device, operation=operation, got=got)


def cookies_of(headers: httpx.Headers) -> str | None:
    """``name=value; …`` of every cookie a reply sets (None if it sets none)."""
    pairs: dict[str, str] = {}
    for header in headers.get_list("set-cookie"):
        jar: SimpleCookie = SimpleCookie()
        with contextlib.suppress(CookieError):
            jar.load(header[:4096])
        pairs.update({name: morsel.value for name, morsel in jar.items()})
    return "; ".join(f"{k}={v}" for k, v in pairs.items()) or None


def _fault_code(fault: SoapFault) -> int | None:
    local = fault.faultcode.rpartition(":")[2][:12]
    return int(local) if local.isdigit() else None


class SmcSession:
    """A logged-in session with one SMC (see the module docstring)."""

    def __init__(self, base_url: str, *, user: str, password: Secret,
                 trust: TlsTrust | None, policy: SecurityPolicy, options: SmcOptions,
                 device: str) -> None:
        self._base = base_url.rstrip("/")
        self._user = user
        self._password = password
        self._trust = trust
        self._policy = policy
        self.options = options
        self._device = device
        self._http: httpx.AsyncClient | None = None
        self._keepalive: asyncio.Task[None] | None = None
        self._login_lock = asyncio.Lock()
        self._generation = 0
        #: the cookie header of the session (never logged)
        self.cookie: str | None = None

    @property
    def generation(self) -> int:
        """How many logins succeeded."""
        return self._generation

    async def open(self) -> None:
        """Connect over verified HTTPS, log in, start the keep-alive."""
        if self._http is not None:
            return
        codec()  # the WSDL loads (once per process) before anything is sent
        self._http = https_client(self._base, policy=self._policy, trust=self._trust,
                                  timeout=self.options.timeout_s, device=self._device)
        try:
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
        if self._http is not None and self.cookie is not None:
            with contextlib.suppress(HnthError, _SessionInvalid):
                await self._invoke("Logout", {}, timeout_s=min(2.0, self.options.timeout_s))
        self.cookie = None
        http, self._http = self._http, None
        if http is not None:
            await http.aclose()

    async def _login(self, seen_generation: int) -> None:
        async with self._login_lock:
            if self._generation != seen_generation:
                return  # another task logged in again meanwhile
            self.cookie = None
            try:
                challenge = await self._invoke("LoginRequest", {
                    "userName": self._user, "clientType": CLIENT_TYPE,
                    "version": LOGIN_VERSION})
                sequence = challenge.randomSequence
                if not isinstance(sequence, bytes) or not sequence:
                    raise ProtocolError("no login challenge", device=self._device,
                                        operation="LoginRequest",
                                        expected="randomSequence (base64Binary)",
                                        got=type(sequence).__name__)
                hash_type = challenge.hashType
                if hash_type not in (None, "SHA256"):
                    raise ProtocolError("unknown hash type", device=self._device,
                                        operation="LoginRequest", expected="SHA256",
                                        got=repr(str(hash_type)[:20]))
                proof = encrypt_password(self._password.reveal(), sequence)
                await self._invoke("Authenticate", {"encryptPassword": proof})
            except _SessionInvalid as exc:
                raise error_for(exc.code, device=self._device, operation="login") from None
            self._generation += 1

    async def _keep_alive(self) -> None:
        interval = min(self.options.keepalive_s, KEEPALIVE_MAX_S)
        while True:
            await self.options.sleep(interval)
            try:
                await self.call("KeepAlive")
            except HnthError as exc:  # the next call reports it; keep trying
                log.warning("%s: keep-alive failed: %s", self._device, exc)

    async def call(self, operation: str, **params: Any) -> Any:
        """Call ``operation``; on an invalid session log in again once, then repeat a
        read once or report a write as :class:`WriteNotRepeated`."""
        if self._http is None:
            raise ConnectError("not open", device=self._device, operation=operation,
                               expected="async with the driver, or await open()")
        generation = self._generation
        try:
            return await self._invoke(operation, params)
        except _SessionInvalid as lost:
            await self._login(generation)
            if operation not in READ_OPERATIONS:
                known = result_code(lost.code)
                raise WriteNotRepeated(
                    "the session had expired: logged in again, the write was not repeated",
                    code=lost.code, device=self._device, operation=operation,
                    got=f"resultCode {lost.code}: {known.meaning}") from None
        try:
            return await self._invoke(operation, params)
        except _SessionInvalid as again:
            raise error_for(again.code, device=self._device, operation=operation) from None

    async def _invoke(self, operation: str, params: dict[str, Any],
                      timeout_s: float | None = None) -> Any:
        assert self._http is not None
        limit = timeout_s or self.options.timeout_s
        where = {"device": self._device, "operation": operation}
        try:
            body = codec().envelope(operation, params)
        except (ValidationError, TypeError, ValueError) as exc:
            raise ProtocolError("request does not match the WSDL", **where,
                                got=str(exc)[:120]) from None
        headers = {"SOAPAction": f'"{NAMESPACE}{operation}"'}
        if self.cookie:
            headers["Cookie"] = self.cookie
        # the shared exchange: size limit (received and decoded), deadline, status (SOAP
        # faults travel in 500), TLS and connection failures as typed errors
        deadline = asyncio.get_running_loop().time() + limit
        reply = await exchange(self._http, f"{self._base}/{service_of(operation)}", body,
                               content_type="text/xml; charset=utf-8", headers=headers,
                               max_bytes=self.options.max_reply_bytes, deadline_s=limit,
                               accept_status=(200, 500), **where)
        try:
            if len(reply.body) <= INLINE_PARSE_BYTES:
                result = parse_reply(operation, reply)   # bounded: a few ms at most
            else:   # off the loop, within what is left of the call's deadline
                async with asyncio.timeout_at(deadline):
                    result = await asyncio.to_thread(parse_reply, operation, reply)
        except SoapFault as fault:
            raise self._from_fault(operation, fault) from None
        except ProtocolError as exc:
            raise type(exc)(exc.message, **where, expected=exc.expected, got=exc.got) from None
        except builtins.TimeoutError:
            raise DeviceTimeout("reply not read in time", **where,
                               expected=f"a reply read within {limit} s",
                               got="reading a large reply") from None
        return self._result(operation, result, reply)

    def _result(self, operation: str, result: Any, reply: HttpReply) -> Any:
        code = getattr(result, "resultCode", None)
        if isinstance(code, bool) or not isinstance(code, int):
            raise ProtocolError("no resultCode in the reply", device=self._device,
                                operation=operation, expected="resultCode (int)",
                                got=repr(code)[:40])
        if code in SESSION_INVALID:
            raise _SessionInvalid(code)
        if code != 0:
            raise error_for(code, device=self._device, operation=operation)
        if operation in ("LoginRequest", "Authenticate"):
            self.cookie = cookies_of(reply.headers) or self.cookie
        return result

    def _from_fault(self, operation: str, fault: SoapFault) -> HnthError | _SessionInvalid:
        code = _fault_code(fault)
        if code is not None and code in SESSION_INVALID:
            return _SessionInvalid(code)
        if code is not None:
            return error_for(code, device=self._device, operation=operation)
        return DeviceError("SOAP fault", code=fault.faultcode, device=self._device,
                           operation=operation, got=fault.faultstring)
