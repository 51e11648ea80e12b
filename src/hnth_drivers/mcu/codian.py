"""The ``codian`` driver: Cisco TelePresence MCU ("Codian") XML-RPC over verified HTTPS.

::

    mcu = CodianMcu("https://mcu.example:443/RPC2", user="admin", password=Secret(...),
                    trust=TlsTrust(ca_file=Path("ca.pem")))
    async with mcu:
        await mcu.show_full_screen("national", "hp-tp", target="chair")

Every call is one ``POST`` of a ``methodCall`` whose single struct carries
``authenticationUser`` / ``authenticationPassword`` (one size-bounded exchange of
:func:`hnth_drivers.transport.https.exchange`). ``open()`` reads ``device.query`` once:
its ``apiVersion`` (2.8, 2.9, 2.10) chooses ``callStateEx`` and ``participant.statistics``
(2.10) or ``callState`` and ``participant.diagnostics`` (older). Every participant call
carries the full identity (name, protocol, type, conference); the driver learns protocol
and type from ``participant.enumerate`` when it has not seen the participant yet.
Faults: 15 (user/password not valid) and 14 (not permitted) → :class:`AuthError`, every
other → :class:`DeviceError` with ``code``. Idempotent reads are tried once more after a
transient failure; writes are never repeated. Replies become model values in
:class:`~hnth_drivers.mcu.codian_reader.CodianReader`. Names: :mod:`hnth_drivers.mcu.codian_api`;
every method and member with its guide page: docs/mcu.md.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, Self

import httpx

from ..driver import DeviceTarget, SecretSource
from ..errors import (
    AuthError,
    ConnectError,
    DeviceError,
    HnthError,
    NotSupported,
    ProtocolError,
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
    Participant,
    ParticipantKind,
)
from ..security.audit import AuditLog
from ..security.policy import STRICT, SecurityPolicy
from ..security.secrets import Secret
from ..transport.https import TlsTrust, checked_url, exchange, https_client
from . import codian_api as api
from . import xmlrpc
from .base import Mcu
from .codian_api import M, Method, Scope
from .codian_reader import CodianReader, Identity
from .targets import https_mcu_from_target

__all__ = ["CodianMcu", "CodianOptions"]

_STATE_SCOPE = [Scope.CURRENT_STATE.value]
_FULL_SCOPE = [Scope.CURRENT_STATE.value, Scope.CONFIGURED_STATE.value]


@dataclass(frozen=True, slots=True)
class CodianOptions:
    """Tuning of the ``codian`` driver.

    ``dial_ins_are_links``: the API has no member saying that a participant is another
    MCU. The driver reports CASCADE for participants it added as cascade links and, when
    this is True (the national network, where the MCU calls every site out), for every
    dial-in (``participantType`` ``ad_hoc``). Set it False where sites dial in.
    """

    timeout_s: float = 10.0
    retry_reads: bool = True
    max_response_bytes: int = 16 * 1024 * 1024
    max_pages: int = 10_000
    dial_ins_are_links: bool = True


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
        return https_mcu_from_target(cls, target, secrets=secrets, policy=policy,
                                     options=CodianOptions)

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
        self.device_info: dict[str, Any] = {}
        self._read = CodianReader(self._device,
                                  dial_ins_are_links=self.options.dial_ins_are_links)
        self._status_reads: dict[tuple[str, str], asyncio.Task[dict[str, Any]]] = {}

    def __repr__(self) -> str:
        return f"CodianMcu({self._url!r}, user={self._user!r})"

    @property
    def api_version(self) -> api.ApiVersion:
        """The API version the device gave at open (2.8, 2.9 or 2.10; default 2.10)."""
        return self._read.api_version

    @property
    def device(self) -> str:
        """``codian host:port/path``."""
        return self._device

    async def open(self) -> None:
        """Connect, check the credentials and read ``apiVersion`` with ``device.query``."""
        if self._client is None:
            self._client = https_client(self._origin, policy=self._policy, trust=self._trust,
                                        timeout=self.options.timeout_s, device=self._device)
        try:
            info = await self._call(Method.DEVICE_QUERY, {})
            version = api.parse_api_version(info.get(M.API_VERSION))
            if version is None:
                raise self._read.bad(Method.DEVICE_QUERY, M.API_VERSION, "text like 2.10",
                                     info.get(M.API_VERSION))
            # a later guide is taken as 2.10, an earlier one as 2.8
            self._read.api_version = min(max(version, api.API_VERSIONS[0]),
                                         api.API_VERSIONS[-1])
            self.device_info = info
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        """Close the HTTPS client (idempotent)."""
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    # ---- one call ---------------------------------------------------------------------

    async def _call(self, method: Method, params: dict[str, Any]) -> dict[str, Any]:
        attempts = 2 if self.options.retry_reads and method in api.READ_METHODS else 1
        for attempt in range(attempts):
            try:
                return await self._once(method, params)
            except HnthError as error:
                if not error.transient or attempt + 1 == attempts:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    async def _once(self, method: Method, params: dict[str, Any]) -> dict[str, Any]:
        if self._client is None:
            raise ConnectError("not open", device=self._device, operation=method,
                               expected="async with driver: or await driver.open()")
        body = xmlrpc.encode_call(method.value, [{M.USER: self._user,
                                                  M.PASSWORD: self._password.reveal(),
                                                  **params}])
        limit = self.options.max_response_bytes
        reply = await exchange(self._client, self._path, body, content_type="text/xml",
                               device=self._device, operation=method, max_bytes=limit,
                               deadline_s=self.options.timeout_s * 2)
        try:
            value = xmlrpc.decode_response(reply.body, max_bytes=limit)
        except ProtocolError as exc:
            raise ProtocolError(exc.message, device=self._device, operation=method,
                                expected=exc.expected, got=exc.got) from exc
        if isinstance(value, xmlrpc.Fault):
            if value.code in (api.FaultCode.UNAUTHORISED, api.FaultCode.INSUFFICIENT_PRIVILEGES):
                raise AuthError(value.string or "refused", device=self._device,
                                operation=method, got=f"fault {value.code}")
            error = DeviceError(value.string or "fault", code=value.code, device=self._device,
                                operation=method)
            error.transient = value.code in api.TRANSIENT_FAULTS
            raise error
        if not isinstance(value, dict):
            raise ProtocolError("reply is not a struct", device=self._device, operation=method,
                                expected="struct", got=type(value).__name__)
        return value

    async def _enumerate(self, method: Method, key: str,
                         params: dict[str, Any]) -> list[Any]:
        items: list[Any] = []
        query = dict(params)
        for _ in range(self.options.max_pages):
            reply = await self._call(method, query)
            page = reply.get(key, [])   # "if there are entries to return" (MCU210 p46)
            if not isinstance(page, list):
                raise self._read.bad(method, key, "array", page)
            items.extend(page)
            token = reply.get(M.ENUMERATE_ID)
            if token is None:
                return items
            query = {**params, M.ENUMERATE_ID: token}
        raise ProtocolError("enumeration does not end", device=self._device, operation=method,
                            expected=f"at most {self.options.max_pages} pages")

    # ---- identity ---------------------------------------------------------------------

    async def _identity(self, conference: str, name: str) -> dict[str, Any]:
        """Full identity of a participant, asking the device when it is not known yet."""
        known = self._read.known.get((conference, name))
        if known is None:
            await self._enumerate_all([])
            known = self._read.known.get((conference, name))
        if known is None:
            await self._check_conference(conference)
            raise DeviceError("no such participant", code=api.FaultCode.NO_SUCH_PARTICIPANT,
                              device=self._device, operation="participant identity",
                              got=f"{name!r} in {conference!r}")
        return api.identity(conference, name, *known)

    async def _enumerate_all(self, scope: list[str], only: str | None = None,
                             ) -> list[tuple[dict[str, Any], Identity]]:
        """Every participant struct (of conference ``only``), with its identity."""
        method = Method.PARTICIPANT_ENUMERATE
        out = []
        for index, item in enumerate(await self._enumerate(
                method, M.PARTICIPANTS, {M.OPERATION_SCOPE: scope})):
            ident = self._read.learn(item, method, index)
            if only is None or ident[0] == only:
                out.append((item, ident))
        return out

    async def _check_conference(self, conference: str) -> None:
        await self._call(Method.CONFERENCE_STATUS, {M.CONFERENCE_NAME: conference})

    # ---- participants -----------------------------------------------------------------

    async def participants(self, conference: str) -> list[Participant]:
        """Every participant of ``conference`` (all pages of ``participant.enumerate``;
        the API enumerates the whole MCU, so the list is filtered here)."""
        method = Method.PARTICIPANT_ENUMERATE
        items = await self._enumerate_all(_FULL_SCOPE, conference)
        if not items:
            await self._check_conference(conference)   # fault 4 for an unknown one
        return [self._read.participant(item, method, i, ident)
                for i, (item, ident) in enumerate(items)]

    async def _status(self, conference: str, name: str) -> dict[str, Any]:
        """``participant.status`` (both scopes). Reads of the same participant that overlap
        share one request: the switch confirms a layout and a state with one read."""
        key = (conference, name)
        task = self._status_reads.get(key)
        if task is None:
            task = asyncio.ensure_future(self._status_once(conference, name))
            self._status_reads[key] = task
            task.add_done_callback(lambda _t: self._status_reads.pop(key, None))
        return await asyncio.shield(task)

    async def _status_once(self, conference: str, name: str) -> dict[str, Any]:
        ident = await self._identity(conference, name)
        return await self._call(Method.PARTICIPANT_STATUS,
                                {**ident, M.OPERATION_SCOPE: _FULL_SCOPE})

    async def participant(self, conference: str, name: str) -> Participant:
        """One participant (``participant.status``)."""
        reply = await self._status(conference, name)
        return self._read.participant(reply, Method.PARTICIPANT_STATUS)

    async def add_participant(self, conference: str, endpoint: Endpoint, *,
                              name: str | None = None,
                              kind: ParticipantKind = ParticipantKind.SITE) -> Participant:
        """``participant.add`` by address (dialled out); fault 7 when no port is free."""
        pname = name or endpoint.site
        ident = api.identity(conference, pname, endpoint.protocol.value, api.BY_ADDRESS)
        await self._call(Method.PARTICIPANT_ADD, {**ident, M.ADDRESS: endpoint.address})
        self._read.known[(conference, pname)] = (endpoint.protocol.value, api.BY_ADDRESS)
        if kind is ParticipantKind.CASCADE:
            self._read.links.add((conference, pname))
        return Participant(conference=conference, name=pname, address=endpoint.address,
                           protocol=endpoint.protocol, kind=kind,
                           state=ConnectionState.DIALLING,
                           site=endpoint.site if kind is ParticipantKind.SITE else None)

    async def _on_participant(self, method: Method, conference: str, name: str,
                              extra: dict[str, Any] | None = None) -> None:
        await self._call(method, {**await self._identity(conference, name), **(extra or {})})

    async def remove_participant(self, conference: str, participant: str) -> None:
        """``participant.remove``."""
        await self._on_participant(Method.PARTICIPANT_REMOVE, conference, participant)
        self._read.known.pop((conference, participant), None)
        self._read.links.discard((conference, participant))

    async def connect_participant(self, conference: str, participant: str) -> None:
        """``participant.connect``."""
        await self._on_participant(Method.PARTICIPANT_CONNECT, conference, participant)

    async def disconnect_participant(self, conference: str, participant: str) -> None:
        """``participant.disconnect``."""
        await self._on_participant(Method.PARTICIPANT_DISCONNECT, conference, participant)

    async def mute(self, conference: str, participant: str, on: bool) -> None:
        """``participant.modify`` (``activeState``) with ``audioRxMuted``."""
        await self._on_participant(Method.PARTICIPANT_MODIFY, conference, participant,
                                   {M.OPERATION_SCOPE: Scope.ACTIVE_STATE.value,
                                    M.AUDIO_RX_MUTED: bool(on)})

    # ---- conferences ------------------------------------------------------------------

    async def conferences(self) -> list[Conference]:
        """Every conference (all pages of ``conference.enumerate``)."""
        method = Method.CONFERENCE_ENUMERATE
        params: dict[str, Any] = {}
        if self.api_version >= (2, 10):
            params[M.MORE_THAN_FOUR] = True   # MCU210 p46
        items = await self._enumerate(method, M.CONFERENCES, params)
        return [self._read.conference(item, i) for i, item in enumerate(items)]

    async def create_conference(self, name: str, *, pin: str | None = None) -> Conference:
        """``conference.create`` (fault 2 if the name exists, 6 if no room)."""
        params: dict[str, Any] = {M.CONFERENCE_NAME: name}
        if pin:
            params[M.PIN] = pin
        await self._call(Method.CONFERENCE_CREATE, params)
        return Conference(name=name)

    async def destroy_conference(self, name: str) -> None:
        """``conference.destroy``."""
        await self._call(Method.CONFERENCE_DESTROY, {M.CONFERENCE_NAME: name})
        for key in [k for k in self._read.known if k[0] == name]:
            self._read.known.pop(key, None)
            self._read.links.discard(key)

    # ---- layouts ----------------------------------------------------------------------

    async def set_layout(self, conference: str, layout: Layout, *,
                         target: str | None = None) -> None:
        """What ``target`` sees: ``participant.modify`` (``activeState``, ``cpLayout``
        ``layout1``, ``focusType``/``focusParticipant``); only single-pane layouts can be
        said for one participant. The conference's own: ``conference.modify`` (the
        single-pane custom layout for full screen, else the MCU's own layout family) and
        ``conference.paneplacement.modify`` with every pane 0–19."""
        if target is not None:
            focus = None
            if layout.panes and layout.panes[0].participant is not None:
                focus = await self._identity(conference, layout.panes[0].participant)
            request = api.focus_request(layout, focus)
            if request is None:
                raise NotSupported("the API sets only single-pane layouts for one participant",
                                   device=self._device, operation="set_layout",
                                   expected="full screen of a participant, the loudest "
                                   "speaker or the content channel",
                                   got=f"{layout.kind.value}, {layout.pane_count} panes")
            await self._on_participant(Method.PARTICIPANT_MODIFY, conference, target, request)
            return
        if layout.pane_count > api.MAX_PANES:
            raise NotSupported("too many panes", device=self._device, operation="set_layout",
                               expected=f"at most {api.MAX_PANES}", got=str(layout.pane_count))
        single = layout.pane_count == api.FULL_SCREEN.pane_count
        modify: dict[str, Any] = {M.CONFERENCE_NAME: conference,
                                  M.CUSTOM_LAYOUT_ENABLED: single}
        if single:
            modify[M.CUSTOM_LAYOUT] = api.FULL_SCREEN.index
        panes = {p.index: p for p in layout.panes}
        entries = []
        for index in range(api.MAX_PANES):
            pane = panes.get(index, Pane(index))
            entry: dict[str, Any] = {M.INDEX: index, M.TYPE: api.PANE_NAMES[pane.kind]}
            if pane.participant is not None:
                ident = await self._identity(conference, pane.participant)
                entry.update({k: ident[k] for k in (M.PARTICIPANT_NAME,
                                                    M.PARTICIPANT_PROTOCOL,
                                                    M.PARTICIPANT_TYPE)})
            entries.append(entry)
        await self._call(Method.CONFERENCE_MODIFY, modify)
        await self._call(Method.PANES_MODIFY, {M.CONFERENCE_NAME: conference,
                                               M.ENABLED: True, M.PANES: entries})

    async def layout(self, conference: str, *, target: str | None = None) -> Layout:
        """What ``target`` sees (from its ``participant.status``; the conference's pane
        placement when it follows the conference), or the conference's layout."""
        if target is not None:
            own = self._read.own_layout(await self._status(conference, target))
            if own is not None:
                return own
        return await self._pane_placement(conference)

    async def _pane_placement(self, conference: str) -> Layout:
        return self._read.pane_placement(await self._call(Method.PANES_QUERY,
                                                          {M.CONFERENCE_NAME: conference}))

    async def show_full_screen(self, conference: str, participant: str, *,
                               target: str | None = None) -> None:
        """``participant`` on the whole screen of ``target`` (or of the conference)."""
        await self.set_layout(conference, Layout.full_screen(participant), target=target)

    # ---- quality, health, capacity ----------------------------------------------------

    async def stats(self, conference: str) -> list[CallStats]:
        """Loss of every connected participant from ``packetLossCritical`` (above 5 % in
        the last 5 s) and ``packetLossWarning`` (MCU28 p82), one enumeration asking only
        for ``currentState``. The MCU documents no jitter or delay member: only loss is
        ``measured``; jitter and delay come from SNMP or the codec (docs/mcu.md)."""
        method = Method.PARTICIPANT_ENUMERATE
        out = []
        for i, (item, ident) in enumerate(await self._enumerate_all(_STATE_SCOPE,
                                                                    conference)):
            p = self._read.participant(item, method, i, ident)
            if p.state is ConnectionState.CONNECTED:
                out.append(self._read.loss(item, p, i))
        return out

    async def media_statistics(self, conference: str, participant: str) -> dict[str, Any]:
        """The MCU's own media statistics of one participant, as it sends them:
        ``participant.statistics`` asking for audio and video media (2.10, MCU210 p133),
        or ``participant.diagnostics`` (2.8/2.9, MCU29 p75)."""
        ident = await self._identity(conference, participant)
        if api.uses_statistics(self.api_version):
            return await self._call(Method.PARTICIPANT_STATISTICS,
                                    {**ident, M.AUDIO_MEDIA: True, M.VIDEO_MEDIA: True})
        return await self._call(Method.PARTICIPANT_DIAGNOSTICS, ident)

    async def _ports_in_use(self) -> int:
        # No member gives ports in use: count connected participants in every conference.
        items = await self._enumerate(Method.PARTICIPANT_ENUMERATE, M.PARTICIPANTS,
                                      {M.OPERATION_SCOPE: [],
                                       M.ENUMERATE_FILTER: api.CONNECTED_FILTER})
        return len(items)

    async def health(self) -> DeviceHealth:
        """``device.health.query``, ``device.query`` (uptime from ``currentTime`` −
        ``restartTime``) and the connected participants."""
        health, info, calls = await asyncio.gather(
            self._call(Method.DEVICE_HEALTH_QUERY, {}), self._call(Method.DEVICE_QUERY, {}),
            self._ports_in_use())
        return self._read.health(health, info, calls)

    async def capacity(self) -> Capacity:
        """``totalVideoPorts`` of ``device.query``; ports in use counted from connected
        participants across conferences."""
        method = Method.DEVICE_QUERY
        total = self._read.get(self.device_info or await self._call(method, {}),
                               M.TOTAL_VIDEO_PORTS, int, method)
        used = await self._ports_in_use()
        return Capacity(ports_total=total, ports_used=min(used, total))

