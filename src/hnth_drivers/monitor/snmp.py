"""Health and call-quality poller on pysnmp 7 (asyncio), SNMPv3 authPriv by policy.

Credentials and targets come only from :mod:`hnth_drivers.transport.snmp`, which refuses
v1/v2c, noAuthNoPriv, authNoPriv, MD5/SHA-1 and DES/3DES unless an audited waiver names
the device. Every request is bounded three ways: pysnmp's per-target timeout and retries,
an outer deadline as a safety net, and one semaphore that caps requests in flight across
all targets (an unbounded burst over UDP loses answers to receive-buffer drops).

One poll of a device is one GET of the profile's scalars and one GETBULK walk of all its
columns together (:mod:`.vendors`); :func:`.health.interpret` turns the readings into
an :class:`~.health.SnmpHealth`.
"""

from __future__ import annotations

import asyncio
import builtins
import functools
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, TypeVar

from pysnmp.error import PySnmpError
from pysnmp.hlapi.v3arch.asyncio import (
    ContextData,
    SnmpEngine,
    bulk_cmd,
    get_cmd,
    next_cmd,
)
from pysnmp.proto import errind
from pysnmp.proto.rfc1902 import Null, ObjectName

from ..errors import (
    AuthError,
    ConfigError,
    ConnectError,
    DeviceError,
    DeviceTimeout,
    HnthError,
    ProtocolError,
)
from ..security.policy import SecurityPolicy
from ..transport.snmp import SnmpCommunity, SnmpV3User, snmp_credentials, snmp_target
from .health import SnmpHealth, Value, interpret, unreachable
from .vendors import OID, VendorProfile, builtin_profiles, format_oid, parse_oid

__all__ = ["SnmpPoller", "SnmpTarget"]

log = logging.getLogger(__name__)
T = TypeVar("T")

_AUTH_FAILURES = (errind.UnknownUserName, errind.WrongDigest, errind.DecryptionError,
                  errind.UnsupportedSecurityLevel, errind.AuthenticationFailure,
                  errind.AuthenticationError, errind.UnknownSecurityName,
                  errind.NotInTimeWindow)
_MAX_WALK_ROWS = 10_000


@dataclass(frozen=True)
class SnmpTarget:
    """A device to poll: where, with which credentials, read through which vendor profile.

    ``context`` is the SNMPv3 context name (empty for most devices; one per device on an
    agent that serves several, like the simulator). ``timeout`` is per attempt, in seconds.
    """

    name: str
    host: str
    credentials: SnmpV3User | SnmpCommunity = field(repr=False)
    port: int = 161
    vendor: str = "mib2"
    context: str = ""
    timeout: float = 2.0
    retries: int = 1

    def __post_init__(self) -> None:
        if not self.name or not self.host:
            raise ConfigError("a target needs a name and a host", operation="SnmpTarget",
                              got=f"name={self.name!r} host={self.host!r}")
        if not 0 < self.port < 65536:
            raise ConfigError("invalid port", device=self.name, operation="SnmpTarget",
                              expected="1..65535", got=str(self.port))
        if self.timeout <= 0 or self.retries < 0:
            raise ConfigError("invalid timeout or retries", device=self.name,
                              operation="SnmpTarget", expected="timeout > 0, retries ≥ 0",
                              got=f"timeout={self.timeout} retries={self.retries}")

    @property
    def deadline_s(self) -> float:
        """The longest one request may take: every attempt, plus a margin."""
        return self.timeout * (self.retries + 1) + 1.0


@dataclass
class _Session:
    engine: Any
    auth: Any
    transport: Any
    context: Any
    bulk: bool


def _value(raw: Any) -> Value:
    """pysnmp value → int / str / None (noSuchObject, noSuchInstance, endOfMibView)."""
    tag = raw.__class__.__name__
    if tag in ("NoSuchObject", "NoSuchInstance", "EndOfMibView", "Null"):
        return None
    if tag in ("ObjectIdentifier", "ObjectName"):
        return format_oid(tuple(raw))
    if tag in ("OctetString", "DisplayString", "IpAddress", "Opaque"):
        return bytes(raw).decode("utf-8", errors="replace")
    try:
        return int(raw)
    except (TypeError, ValueError):
        return str(raw)


@functools.lru_cache(maxsize=4096)
def _oid(text: str) -> OID:
    return parse_oid(text)


@functools.lru_cache(maxsize=4096)
def _bind(oid: OID) -> tuple[Any, Any]:
    # pyasn1 values are immutable: one request variable per OID, shared by every request.
    return ObjectName(oid), Null()


class SnmpPoller:
    """Reads devices over SNMP with bounded concurrency.

    ``async with SnmpPoller(policy) as poller:`` then :meth:`get`, :meth:`walk`,
    :meth:`poll` (one device's health) or :meth:`poll_all`. ``max_in_flight`` caps the
    requests outstanding at once across every target.
    """

    def __init__(self, policy: SecurityPolicy, *, max_in_flight: int = 32,
                 profiles: dict[str, VendorProfile] | None = None,
                 max_repetitions: int = 16, clock: Callable[[], float] = time.time) -> None:
        if not 1 <= max_in_flight <= 1024:
            raise ConfigError("max_in_flight out of range", operation="SnmpPoller",
                              expected="1..1024", got=str(max_in_flight))
        if not 1 <= max_repetitions <= 128:
            raise ConfigError("max_repetitions out of range", operation="SnmpPoller",
                              expected="1..128", got=str(max_repetitions))
        self.policy = policy
        self.max_in_flight = max_in_flight
        self.profiles = profiles if profiles is not None else builtin_profiles()
        self.max_repetitions = max_repetitions
        self._clock = clock
        self._open = False
        self._engines: dict[bytes, Any] = {}
        self._slots = asyncio.Semaphore(max_in_flight)
        self._sessions: dict[SnmpTarget, _Session] = {}
        self._auth: dict[SnmpTarget, Any] = {}
        self._previous: dict[str, SnmpHealth] = {}

    async def __aenter__(self) -> SnmpPoller:
        self._open = True
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the engine's sockets. Idempotent."""
        self._open = False
        self._sessions.clear()
        self._auth.clear()
        engines, self._engines = list(self._engines.values()), {}
        for engine in engines:
            engine.close_dispatcher()

    def _engine_for(self, creds: SnmpV3User | SnmpCommunity) -> Any:
        # pysnmp's high-level API keys USM users by name alone: two devices with the same
        # user name but different keys would overwrite each other in one engine. One
        # engine per distinct credential set (keyed by a digest, not the keys themselves).
        if isinstance(creds, SnmpCommunity):
            material = ["community", creds.version, creds.community.reveal()]
        else:
            material = ["usm", creds.user, creds.auth.value, creds.priv.value,
                        creds.auth_key.reveal() if creds.auth_key else "",
                        creds.priv_key.reveal() if creds.priv_key else ""]
        key = hashlib.sha256("\0".join(material).encode()).digest()
        engine = self._engines.get(key)
        if engine is None:
            engine = self._engines[key] = SnmpEngine()
        return engine

    # ---- sessions and requests ------------------------------------------------------
    async def _session(self, target: SnmpTarget) -> _Session:
        session = self._sessions.get(target)
        if session is None:
            if not self._open:
                raise ConfigError("the poller is not open", device=target.name,
                                  operation="snmp", expected="async with SnmpPoller(...)")
            # Policy check (and the waiver audit, if any) once per target, not per poll.
            auth = self._auth.get(target)
            if auth is None:
                auth = self._auth[target] = snmp_credentials(
                    self.policy, target.credentials, device=target.name)
            try:  # resolving the host name has a deadline too
                async with asyncio.timeout(target.deadline_s):
                    transport = await snmp_target(target.host, target.port,
                                                  timeout=target.timeout,
                                                  retries=target.retries)
            except (builtins.TimeoutError, PySnmpError) as exc:
                raise ConnectError("cannot resolve the target address", device=target.name,
                                   operation="snmp target", expected="a resolvable host",
                                   got=type(exc).__name__) from None
            bulk = not (isinstance(target.credentials, SnmpCommunity)
                        and target.credentials.version == "v1")
            session = _Session(self._engine_for(target.credentials), auth, transport,
                               ContextData(contextName=target.context), bulk)
            self._sessions[target] = session
        return session

    async def _request(self, target: SnmpTarget, operation: str,
                       send: Callable[[_Session], Awaitable[Any]]) -> list[tuple[OID, Value]]:
        session = await self._session(target)
        async with self._slots:
            try:
                async with asyncio.timeout(target.deadline_s):
                    indication, status, index, var_binds = await send(session)
            except builtins.TimeoutError:
                raise DeviceTimeout("no answer before the deadline", device=target.name,
                                   operation=operation,
                                   expected=f"an answer within {target.deadline_s:.1f} s"
                                   ) from None
        if indication:
            text = str(indication)
            if isinstance(indication, errind.RequestTimedOut):
                raise DeviceTimeout("no answer", device=target.name, operation=operation,
                                   expected=f"an answer within {target.timeout} s × "
                                   f"{target.retries + 1} attempts")
            if isinstance(indication, _AUTH_FAILURES):
                raise AuthError("the agent refused the SNMPv3 credentials",
                                device=target.name, operation=operation, got=text)
            raise ProtocolError("SNMP engine error", device=target.name, operation=operation,
                                got=text)
        if status:
            raise DeviceError("the agent answered with an error", device=target.name,
                              operation=operation, code=str(status.prettyPrint()
                                                            if hasattr(status, "prettyPrint")
                                                            else status),
                              got=f"error index {int(index)}")
        return [(vb[0].asTuple(), _value(vb[1])) for vb in var_binds]

    async def get(self, target: SnmpTarget, oids: Sequence[str | OID]) -> dict[OID, Value]:
        """One GET of ``oids``: value per OID (``None`` where the agent has no such object)."""
        binds = [_bind(_oid(o) if isinstance(o, str) else tuple(o)) for o in oids]
        if not binds:
            return {}

        async def send(s: _Session) -> Any:
            return await get_cmd(s.engine, s.auth, s.transport, s.context, *binds,
                                 lookupMib=False)
        return dict(await self._request(target, "snmp get", send))

    async def walk(self, target: SnmpTarget, columns: Sequence[str | OID]
                   ) -> dict[OID, dict[OID, Value]]:
        """WALK each subtree in ``columns`` together: rows by index suffix, per column."""
        roots = [_oid(c) if isinstance(c, str) else tuple(c) for c in columns]
        result: dict[OID, dict[OID, Value]] = {root: {} for root in roots}
        last = {root: root for root in roots}
        rows = 0
        while last:
            pending = list(last)
            binds = [_bind(last[r]) for r in pending]

            async def send(s: _Session, binds: list[Any] = binds) -> Any:
                if s.bulk:
                    return await bulk_cmd(s.engine, s.auth, s.transport, s.context, 0,
                                    self.max_repetitions, *binds, lookupMib=False)
                return await next_cmd(s.engine, s.auth, s.transport, s.context, *binds,
                                lookupMib=False)
            answer = await self._request(target, "snmp walk", send)
            if not answer:
                raise ProtocolError("empty answer to a walk", device=target.name,
                                    operation="snmp walk", expected="at least one variable")
            done: set[OID] = set()
            for i, (oid, value) in enumerate(answer):
                root = pending[i % len(pending)]
                if root in done:
                    continue
                if oid[:len(root)] != root or len(oid) == len(root) or (
                        value is None and oid == last[root]):
                    done.add(root)
                    continue
                if oid <= last[root]:
                    raise ProtocolError("OID not increasing", device=target.name,
                                        operation="snmp walk", expected=f"after "
                                        f"{format_oid(last[root])}", got=format_oid(oid))
                result[root][oid[len(root):]] = value
                last[root] = oid
                rows += 1
            for root in done:
                del last[root]
            if rows > _MAX_WALK_ROWS:
                raise ProtocolError("walk too long", device=target.name, operation="snmp walk",
                                    expected=f"at most {_MAX_WALK_ROWS} rows", got=str(rows))
        return result

    # ---- health ---------------------------------------------------------------------
    def profile(self, target: SnmpTarget) -> VendorProfile:
        """The vendor profile a target names."""
        try:
            return self.profiles[target.vendor]
        except KeyError:
            raise ConfigError("unknown vendor profile", device=target.name, operation="poll",
                              expected=f"one of {sorted(self.profiles)}",
                              got=target.vendor) from None

    async def poll(self, target: SnmpTarget) -> SnmpHealth:
        """One device's health now. Never raises for the device's sake: a device that does
        not answer, or answers with an error, yields a health with ``error`` set.
        Configuration and policy errors (bad profile, refused credentials) do raise."""
        profile = self.profile(target)
        started = self._clock()
        try:
            await self._session(target)  # policy errors raise here, before any packet
            scalars = await self.get(target, profile.scalar_oids())
            columns = await self.walk(target, profile.column_oids())
        except (DeviceTimeout, ConnectError, AuthError, ProtocolError, DeviceError) as exc:
            health = unreachable(target.name, started, str(exc), vendor=profile.name,
                                 answered=not isinstance(exc, DeviceTimeout | ConnectError))
        else:
            health = interpret(target.name, profile, scalars, columns, polled_at=started,
                               previous=self._previous.get(target.name))
        if health.error is None:
            # The last good reading survives outages, so a reboot while down is still seen
            # and packet counters are compared with the last values read.
            self._previous[target.name] = health
        return health

    async def poll_all(self, targets: Iterable[SnmpTarget]) -> list[SnmpHealth]:
        """Every target's health, in order, polled by at most ``max_in_flight`` workers."""
        items = list(targets)
        results: list[SnmpHealth | None] = [None] * len(items)
        await self._bounded(items, lambda i, t: self._store(results, i, self.poll(t)))
        return [r for r in results if r is not None]

    async def get_all(self, targets: Iterable[SnmpTarget], oids: Sequence[str | OID]
                      ) -> list[dict[OID, Value] | HnthError]:
        """One GET of ``oids`` from every target, in order, by at most ``max_in_flight``
        workers; a target that fails gives its error in place of the values."""
        items = list(targets)
        results: list[dict[OID, Value] | HnthError | None] = [None] * len(items)

        async def one(i: int, target: SnmpTarget) -> None:
            try:
                results[i] = await self.get(target, oids)
            except (DeviceTimeout, ConnectError, AuthError, ProtocolError, DeviceError) as exc:
                results[i] = exc

        await self._bounded(items, one)
        return [r for r in results if r is not None]

    @staticmethod
    async def _store(results: list[T | None], i: int, work: Awaitable[T]) -> None:
        results[i] = await work

    async def _bounded(self, items: Sequence[SnmpTarget],
                       job: Callable[[int, SnmpTarget], Awaitable[None]]) -> None:
        queue: asyncio.Queue[int] = asyncio.Queue()
        for i in range(len(items)):
            queue.put_nowait(i)

        async def worker() -> None:
            while not queue.empty():
                i = queue.get_nowait()
                await job(i, items[i])

        try:
            async with asyncio.TaskGroup() as group:
                for _ in range(min(self.max_in_flight, len(items))):
                    group.create_task(worker())
        except BaseExceptionGroup as failed:
            # A worker's own error (a refused credential, a bad profile) is raised as
            # itself, the first one, never as a group the caller cannot catch by type.
            raise _first_leaf(failed) from None


def _first_leaf(group: BaseExceptionGroup[BaseException]) -> BaseException:
    first = group.exceptions[0]
    return _first_leaf(first) if isinstance(first, BaseExceptionGroup) else first

