"""The ``codian`` driver: Cisco TelePresence MCU ("Codian") XML-RPC over verified HTTPS.

::

    mcu = CodianMcu("https://mcu.example:443/RPC2", user="admin", password=Secret(...),
                    trust=TlsTrust(ca_file=Path("ca.pem")))
    async with mcu:
        await mcu.show_full_screen("national", "hp-tp", target="chair")

Every call is one ``POST`` of a ``methodCall`` whose single struct carries
``authenticationUser`` / ``authenticationPassword``. Replies are parsed safely
(:mod:`hnth_drivers.mcu.xmlrpc`: no DTD or entities, size-bounded). Faults become typed
errors: 14 and 15 → :class:`AuthError`, every other → :class:`DeviceError` with
``code`` = the fault code. An untrusted certificate → :class:`PolicyViolation`.
Idempotent reads (:data:`~hnth_drivers.mcu.codian_api.READ_METHODS`) are tried once more
after a transient failure (connection error, timeout, HTTP 5xx, fault 34 or 201); writes
are never repeated, since the first may have taken effect.
"""

from __future__ import annotations

import asyncio
import builtins
import math
import ssl
from dataclasses import dataclass
from typing import Any, Self

import httpx

from ..driver import DeviceTarget, SecretSource
from ..errors import (
    AuthError,
    ConnectError,
    DeviceError,
    HnthError,
    PolicyViolation,
    ProtocolError,
    TimeoutError,
)
from ..model import (
    CallStats,
    Capability,
    Capacity,
    Conference,
    ConnectionState,
    DeviceHealth,
    Endpoint,
    Layout,
    Pane,
    PaneKind,
    Participant,
    ParticipantKind,
    SignalProtocol,
)
from ..security.audit import AuditLog
from ..security.policy import STRICT, SecurityPolicy
from ..security.secrets import Secret
from ..transport.https import TlsTrust, checked_url, https_client
from . import xmlrpc
from .base import Mcu
from .codian_api import (
    CALL_STATES,
    PANE_TYPES,
    READ_METHODS,
    TRANSIENT_FAULTS,
    FaultCode,
    cp_layout_name,
    grid_of_cp_layout,
    layout_from_panes,
)

__all__ = ["CodianMcu", "CodianOptions"]

_PANE_NAMES = {kind: name for name, kind in PANE_TYPES.items()}


@dataclass(frozen=True, slots=True)
class CodianOptions:
    """Tuning of the ``codian`` driver."""

    timeout_s: float = 10.0
    retry_reads: bool = True
    max_response_bytes: int = 16 * 1024 * 1024
    max_pages: int = 10_000
    stats_concurrency: int = 8


class _Transient(Exception):
    def __init__(self, error: HnthError) -> None:
        super().__init__(str(error))
        self.error = error


def _is_cert_failure(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class CodianMcu(Mcu):
    """An MCU speaking the Codian XML-RPC API (see the module docstring)."""

    name = "codian"
    capabilities = frozenset({
        Capability.CONFERENCES, Capability.CREATE_CONFERENCE, Capability.PARTICIPANTS,
        Capability.ADD_PARTICIPANT, Capability.REMOVE_PARTICIPANT,
        Capability.CONNECT_PARTICIPANT, Capability.SET_LAYOUT, Capability.TARGETED_LAYOUT,
        Capability.FULL_SCREEN, Capability.MUTE, Capability.STATS, Capability.HEALTH,
        Capability.CAPACITY,
    })

    @classmethod
    def from_target(cls, target: DeviceTarget, *, secrets: SecretSource,
                    policy: SecurityPolicy, audit: AuditLog | None) -> Self:
        """Build from a network file's MCU entry (``docs/network.md``): URL, TLS trust,
        user and password reference; ``timeout_s`` option."""
        timeout = target.option("timeout_s", float)
        return cls(target.address, password=target.password(secrets), user=target.user,
                   trust=target.tls_trust(), policy=policy, device=target.id,
                   options=CodianOptions(timeout_s=timeout) if timeout else None)

    def __init__(self, url: str, *, password: Secret, user: str = "admin",
                 trust: TlsTrust | None = None, policy: SecurityPolicy = STRICT,
                 options: CodianOptions | None = None, device: str | None = None) -> None:
        parsed = checked_url(url, operation=f"{self.name} driver")
        self._url = url
        self._origin = f"{parsed.scheme}://{parsed.netloc.decode()}"
        self._path = parsed.raw_path.decode() or "/RPC2"
        self._user = user
        self._password = password
        self._trust = trust
        self._policy = policy
        self.options = options or CodianOptions()
        self._device = device or f"codian {parsed.host}:{parsed.port or 443}{self._path}"
        self._client: httpx.AsyncClient | None = None
        self._identity: dict[tuple[str, str], dict[str, str]] = {}

    def __repr__(self) -> str:
        return f"CodianMcu({self._url!r}, user={self._user!r})"

    @property
    def device(self) -> str:
        """``codian host:port/path``."""
        return self._device

    async def open(self) -> None:
        """Connect and check the credentials with ``device.query``."""
        if self._client is None:
            self._client = https_client(self._origin, policy=self._policy, trust=self._trust,
                                        timeout=self.options.timeout_s, device=self._device)
        try:
            await self._call("device.query", {})
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        """Close the HTTPS client (idempotent)."""
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    # ---- one call ---------------------------------------------------------------------

    async def _call(self, method: str, params: dict[str, Any]) -> Any:
        attempts = 2 if self.options.retry_reads and method in READ_METHODS else 1
        for attempt in range(attempts):
            try:
                return await self._deadline(method, params)
            except _Transient as transient:
                if attempt + 1 == attempts:
                    raise transient.error from transient
        raise AssertionError("unreachable")  # pragma: no cover

    async def _deadline(self, method: str, params: dict[str, Any]) -> Any:
        # httpx bounds each phase; this bounds the whole exchange (a server dripping one
        # byte at a time must not hold a call open forever)
        limit = self.options.timeout_s * 2
        try:
            async with asyncio.timeout(limit):
                return await self._once(method, params)
        except HnthError:
            raise
        except builtins.TimeoutError as exc:
            raise _Transient(TimeoutError("exchange took too long", device=self._device,
                                          operation=method, expected=f"at most {limit} s",
                                          got="deadline passed")) from exc

    async def _once(self, method: str, params: dict[str, Any]) -> Any:
        if self._client is None:
            raise ConnectError("not open", device=self._device, operation=method,
                               expected="async with driver: or await driver.open()")
        body = xmlrpc.encode_call(method, [{"authenticationUser": self._user,
                                            "authenticationPassword": self._password.reveal(),
                                            **params}])
        limit = self.options.max_response_bytes
        try:
            async with self._client.stream("POST", self._path, content=body,
                                           headers={"Content-Type": "text/xml"}) as response:
                status = response.status_code
                chunks: list[bytes] = []
                size = 0
                if status == 200:
                    # read at most limit + 1 bytes: a huge reply is refused, never buffered
                    async for chunk in response.aiter_bytes():
                        size += len(chunk)
                        if size > limit:
                            raise ProtocolError("reply too large", device=self._device,
                                                operation=method,
                                                expected=f"at most {limit} bytes",
                                                got=f"more than {limit} bytes")
                        chunks.append(chunk)
        except httpx.TimeoutException as exc:
            raise _Transient(TimeoutError("no answer in time", device=self._device,
                                          operation=method,
                                          expected=f"a reply within {self.options.timeout_s} s",
                                          got=type(exc).__name__)) from exc
        except httpx.HTTPError as exc:
            if _is_cert_failure(exc):
                raise PolicyViolation("server certificate not trusted", device=self._device,
                                      operation=method, expected="a certificate the CA signed "
                                      "for this host", got="verification failed") from exc
            raise _Transient(ConnectError("connection failed", device=self._device,
                                          operation=method, got=type(exc).__name__)) from exc
        if status >= 500:
            raise _Transient(ConnectError("server error", device=self._device,
                                          operation=method, got=f"HTTP {status}"))
        if status != 200:
            raise ProtocolError("unexpected HTTP status", device=self._device, operation=method,
                                expected="HTTP 200", got=f"HTTP {status}")
        try:
            value = xmlrpc.decode_response(b"".join(chunks), max_bytes=limit)
        except ProtocolError as exc:
            raise ProtocolError(exc.message, device=self._device, operation=method,
                                expected=exc.expected, got=exc.got) from exc
        if isinstance(value, xmlrpc.Fault):
            if value.code in (FaultCode.UNAUTHORISED, FaultCode.INSUFFICIENT_PRIVILEGES):
                raise AuthError(value.string or "refused", device=self._device,
                                operation=method, got=f"fault {value.code}")
            error = DeviceError(value.string or "fault", code=value.code, device=self._device,
                                operation=method)
            if value.code in TRANSIENT_FAULTS:
                raise _Transient(error)
            raise error
        if not isinstance(value, dict):
            raise ProtocolError("reply is not a struct", device=self._device, operation=method,
                                expected="struct", got=type(value).__name__)
        return value

    def _struct(self, value: Any, method: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise ProtocolError("list item is not a struct", device=self._device,
                                operation=method, expected="struct", got=type(value).__name__)
        return value

    def _field(self, struct: dict[str, Any], key: str, kind: type | tuple[type, ...],
               method: str) -> Any:
        value = self._struct(struct, method).get(key)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ProtocolError(f"member {key} missing or mistyped", device=self._device,
                                operation=method, expected=str(kind), got=repr(value)[:60])
        return value

    async def _enumerate(self, method: str, key: str, params: dict[str, Any]) -> list[Any]:
        items: list[Any] = []
        query = dict(params)
        for _ in range(self.options.max_pages):
            reply = await self._call(method, query)
            items.extend(self._field(reply, key, list, method))
            token = reply.get("enumerateID")
            if token is None:
                return items
            query = {**params, "enumerateID": token}
        raise ProtocolError("enumeration does not end", device=self._device, operation=method,
                            expected=f"at most {self.options.max_pages} pages")

    def _who(self, conference: str, participant: str) -> dict[str, str]:
        return {"participantName": participant,
                **self._identity.get((conference, participant), {})}

    # ---- the contract -----------------------------------------------------------------

    async def conferences(self) -> list[Conference]:
        """Every conference (all pages of ``conference.enumerate``)."""
        out = []
        method = "conference.enumerate"
        for item in await self._enumerate(method, "conferences", {}):
            name = self._field(item, "conferenceName", str, method)
            cid = item.get("conferenceID")
            count = self._field(item, "participantCount", int, method) \
                if "participantCount" in item else 0
            out.append(Conference(name=name, id=None if cid is None else str(cid),
                                  active=bool(item.get("conferenceActive", True)),
                                  participant_count=count))
        return out

    async def create_conference(self, name: str, *, pin: str | None = None) -> Conference:
        """``conference.create`` (fault 2 if the name exists, 6 if no room)."""
        params: dict[str, Any] = {"conferenceName": name}
        if pin:
            params["pin"] = pin
        reply = await self._call("conference.create", params)
        cid = reply.get("conferenceID")
        return Conference(name=name, id=None if cid is None else str(cid))

    async def destroy_conference(self, name: str) -> None:
        """``conference.destroy``."""
        await self._call("conference.destroy", {"conferenceName": name})

    async def participants(self, conference: str) -> list[Participant]:
        """Every participant of ``conference`` (all pages of ``participant.enumerate``)."""
        method = "participant.enumerate"
        return [self._participant_of(conference, item, method)
                for item in await self._enumerate(method, "participants",
                                                  {"conferenceName": conference})
                if self._struct(item, method).get("conferenceName", conference) == conference]

    def _participant_of(self, conference: str, item: dict[str, Any], method: str) -> Participant:
        name = self._field(item, "participantName", str, method)
        proto = item.get("participantProtocol", "h323")
        ptype = item.get("participantType", "by_address")
        self._identity[(conference, name)] = {"participantProtocol": str(proto),
                                              "participantType": str(ptype)}
        kind = ParticipantKind.SITE if item.get("cascadeRole", "none") == "none" \
            else ParticipantKind.CASCADE
        state = CALL_STATES.get(str(item.get("callState", "")))
        if state is None:
            raise ProtocolError("unknown callState", device=self._device, operation=method,
                                expected=str(sorted(CALL_STATES)),
                                got=repr(item.get("callState")))
        return Participant(
            conference=conference, name=name,
            address=self._field(item, "address", str, method),
            protocol=SignalProtocol(proto) if proto in ("h323", "sip")
            else SignalProtocol.H323,
            kind=kind, state=state, muted=bool(item.get("audioRxMuted", False)),
            site=name if kind is ParticipantKind.SITE else None)

    async def participant(self, conference: str, name: str) -> Participant:
        """One participant (``participant.status``)."""
        method = "participant.status"
        reply = await self._call(method, {"conferenceName": conference,
                                          **self._who(conference, name)})
        return self._participant_of(conference, reply, method)

    async def add_participant(self, conference: str, endpoint: Endpoint, *,
                              name: str | None = None,
                              kind: ParticipantKind = ParticipantKind.SITE) -> Participant:
        """``participant.add`` (by address) and dial out; fault 7 when no port is free."""
        pname = name or endpoint.site
        identity = {"participantProtocol": endpoint.protocol.value,
                    "participantType": "by_address"}
        await self._call("participant.add", {"conferenceName": conference,
                                             "participantName": pname,
                                             "address": endpoint.address, **identity})
        self._identity[(conference, pname)] = identity
        return Participant(conference=conference, name=pname, address=endpoint.address,
                           protocol=endpoint.protocol, kind=kind,
                           state=ConnectionState.DIALLING,
                           site=endpoint.site if kind is ParticipantKind.SITE else None)

    async def remove_participant(self, conference: str, participant: str) -> None:
        """``participant.remove``."""
        await self._call("participant.remove", {"conferenceName": conference,
                                                **self._who(conference, participant)})
        self._identity.pop((conference, participant), None)

    async def connect_participant(self, conference: str, participant: str) -> None:
        """``participant.connect``."""
        await self._call("participant.connect", {"conferenceName": conference,
                                                 **self._who(conference, participant)})

    async def disconnect_participant(self, conference: str, participant: str) -> None:
        """``participant.disconnect``."""
        await self._call("participant.disconnect", {"conferenceName": conference,
                                                    **self._who(conference, participant)})

    def _panes(self, conference: str, layout: Layout) -> list[dict[str, Any]]:
        panes = []
        for pane in layout.panes:
            item: dict[str, Any] = {"index": pane.index, "type": _PANE_NAMES[pane.kind]}
            if pane.participant is not None:
                item.update(self._who(conference, pane.participant))
            panes.append(item)
        return panes

    def _layout_of(self, reply: dict[str, Any], method: str) -> Layout:
        grid = grid_of_cp_layout(str(reply.get("cpLayout", ""))) or 1
        panes = []
        for item in self._field(reply, "panes", list, method):
            kind = PANE_TYPES.get(str(self._struct(item, method).get("type")))
            index = item.get("index")
            if kind is None or not isinstance(index, int):
                raise ProtocolError("bad pane", device=self._device, operation=method,
                                    got=repr(item)[:80])
            if kind is PaneKind.DEFAULT:  # real MCUs list every pane; default = unset
                continue
            panes.append(Pane(index, kind, item.get("participantName")
                              if kind is PaneKind.PARTICIPANT else None))
        top = max((p.index for p in panes), default=0)
        if top >= grid * grid:
            grid = math.isqrt(top) + 1
        return layout_from_panes(grid, tuple(panes))

    async def set_layout(self, conference: str, layout: Layout, *,
                         target: str | None = None) -> None:
        """Default layout via ``conference.paneplacement.modify``; a target's own via
        ``participant.modify`` (``cpLayout`` + ``panes``)."""
        params: dict[str, Any] = {"conferenceName": conference,
                                  "cpLayout": cp_layout_name(layout.grid),
                                  "panes": self._panes(conference, layout)}
        if target is None:
            await self._call("conference.paneplacement.modify", {**params, "enabled": True})
        else:
            await self._call("participant.modify", {**params, **self._who(conference, target)})

    async def layout(self, conference: str, *, target: str | None = None) -> Layout:
        """Read back the default layout, or what ``target`` sees."""
        if target is None:
            method, params = "conference.paneplacement.query", {"conferenceName": conference}
        else:
            method = "participant.status"
            params = {"conferenceName": conference, **self._who(conference, target)}
        return self._layout_of(await self._call(method, params), method)

    async def show_full_screen(self, conference: str, participant: str, *,
                               target: str | None = None) -> None:
        """One pane, ``participant`` in it, for ``target`` or as the default."""
        await self.set_layout(conference, Layout.full_screen(participant), target=target)

    async def mute(self, conference: str, participant: str, on: bool) -> None:
        """``participant.modify`` with ``audioRxMuted``."""
        await self._call("participant.modify", {"conferenceName": conference,
                                                **self._who(conference, participant),
                                                "audioRxMuted": bool(on)})

    async def stats(self, conference: str) -> list[CallStats]:
        """``participant.diagnostics`` of every connected participant (bounded fan-out)."""
        connected = [p.name for p in await self.participants(conference)
                     if p.state is ConnectionState.CONNECTED]
        gate = asyncio.Semaphore(self.options.stats_concurrency)
        method = "participant.diagnostics"

        async def one(name: str) -> CallStats | None:
            async with gate:
                reply = await self._call(method, {"conferenceName": conference,
                                                  **self._who(conference, name)})
            if "rxPacketLossPercent" not in reply:
                return None  # the call dropped between the two reads
            number = (int, float)
            return CallStats(name, float(self._field(reply, "rxPacketLossPercent", number,
                                                     method)),
                             float(self._field(reply, "rxJitterMs", number, method)),
                             float(self._field(reply, "oneWayDelayMs", number, method)))

        results = await asyncio.gather(*(one(n) for n in connected))
        return [r for r in results if r is not None]

    async def _device_query(self) -> dict[str, Any]:
        return dict(await self._call("device.query", {}))

    async def health(self) -> DeviceHealth:
        """``device.health.query`` and ``device.query``."""
        health = await self._call("device.health.query", {})
        info = await self._device_query()
        total = info.get("portsVideoTotal")
        free = info.get("portsVideoFree")
        calls = total - free if isinstance(total, int) and isinstance(free, int) else None
        cpu = health.get("cpuLoad")
        uptime = info.get("uptime")
        return DeviceHealth(
            device=self._device, reachable=True,
            uptime_s=float(uptime) if isinstance(uptime, int | float) else None,
            cpu_load_percent=float(cpu) if isinstance(cpu, int | float) else None,
            active_calls=calls,
            detail={k: str(v) for k, v in health.items() if isinstance(v, str | int)})

    async def capacity(self) -> Capacity:
        """Video ports from ``device.query``."""
        info = await self._device_query()
        total = self._field(info, "portsVideoTotal", int, "device.query")
        free = self._field(info, "portsVideoFree", int, "device.query")
        return Capacity(ports_total=total, ports_used=max(0, total - free))
