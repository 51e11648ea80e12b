"""The ``smc`` driver: a Huawei SMC through its eSDK TP SOAP interface, over verified HTTPS.

::

    mcu = SmcMcu("https://smc.example:8443/esdk/services", user="api",
                 password=Secret(...), trust=TlsTrust(ca_file=Path("ca.pem")))
    async with mcu:
        await mcu.show_full_screen("national", "hp-tp", target="chair")

The URL is the service base; operations go to ``<base>/tpCommon``,
``<base>/tpProfessionalConfMgr`` and ``<base>/tpProfessionalConfCtrl``. Session rules,
result codes and retries: :mod:`hnth_drivers.mcu.smc_session`. Mapping (docs/mcu-smc.md
names each element's source topic):

- a conference is its ``confId``, a site its URI; the contract's names map to them (the
  SMC does not keep conference names unique: the driver refuses a duplicate name);
- ``show_full_screen`` to everyone is ``setBroadcastSiteEx`` (asynchronous: confirmed by
  reading ``ConferenceStatusEx.broadcast`` back), to one target ``setVideoSourceEx``
  (the target watches that site); ``set_layout`` for the conference is
  ``setContinuousPresenceEx`` (``presenceMode`` 0–49, ``subPics`` = site URIs in pane
  order); ``layout`` reads ``getContinuousPresenceParamEx`` or, for a target, the site's
  ``videoSource``;
- replies become the model's values in :mod:`hnth_drivers.mcu.smc_mapping` (states,
  protocols and the inverted flags from the tables of :mod:`hnth_drivers.mcu.smc_protocol`).

Not offered by the interface: port usage (``capacity``), call statistics (``stats``),
per-site continuous presence (a target's layout other than one site full screen) and
conference PINs (the SMC wants them RSA-encrypted with its own key).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Self

from ..driver import DeviceTarget, SecretSource
from ..errors import DeviceError, DeviceTimeout, NotSupported, ProtocolError
from ..model import (
    Capability,
    Conference,
    DeviceHealth,
    Endpoint,
    Layout,
    PaneKind,
    Participant,
    ParticipantKind,
)
from ..security.audit import AuditLog
from ..security.policy import STRICT, SecurityPolicy
from ..security.secrets import Secret
from ..transport.https import TlsTrust, checked_url
from .base import Mcu
from .smc_mapping import (
    CONFERENCE_CP,
    NO_CONFERENCE,
    NO_SITE,
    STALE_CONFERENCE,
    conference_of,
    items,
    layout_of,
    looks_like_cascade,
    participant_of,
    supported_modes,
)
from .smc_protocol import SITE_TYPE_OF, Flag, mode_of
from .smc_session import SmcOptions, SmcSession
from .targets import https_mcu_from_target

__all__ = ["SmcMcu", "SmcOptions", "looks_like_cascade"]

class SmcMcu(Mcu):
    """An MCU managed through Huawei SMC's eSDK TP SOAP interface (see the module doc)."""

    name = "smc"
    capabilities = frozenset({
        Capability.CONFERENCES, Capability.CREATE_CONFERENCE, Capability.PARTICIPANTS,
        Capability.ADD_PARTICIPANT, Capability.REMOVE_PARTICIPANT,
        Capability.CONNECT_PARTICIPANT, Capability.SET_LAYOUT, Capability.TARGETED_LAYOUT,
        Capability.FULL_SCREEN, Capability.MUTE, Capability.HEALTH,
    })

    @classmethod
    def from_target(cls, target: DeviceTarget, *, secrets: SecretSource,
                    policy: SecurityPolicy, audit: AuditLog | None) -> Self:
        """Build from a network file's MCU entry (``docs/network.md``): URL, TLS trust,
        user and password reference; ``timeout_s`` option."""
        return https_mcu_from_target(cls, target, secrets=secrets, policy=policy,
                                     options=SmcOptions)

    def __init__(self, url: str, *, password: Secret, user: str = "admin",
                 trust: TlsTrust | None = None, policy: SecurityPolicy = STRICT,
                 options: SmcOptions | None = None, device: str | None = None,
                 is_cascade: Callable[[str], bool] = looks_like_cascade) -> None:
        parsed = checked_url(url, operation=f"{self.name} driver")
        self._url = url
        self._user = user
        self.options = options or SmcOptions()
        self._device = device or f"smc {parsed.host}:{parsed.port or 443}"
        self._session = SmcSession(url, user=user, password=password, trust=trust,
                                   policy=policy, options=self.options, device=self._device)
        self._is_cascade = is_cascade
        self._cascades: set[str] = set()
        self._conf_ids: dict[str, str] = {}
        self._uris: dict[tuple[str, str], str] = {}
        self._names: dict[tuple[str, str], str] = {}

    def __repr__(self) -> str:
        return f"SmcMcu({self._url!r}, user={self._user!r})"

    @property
    def device(self) -> str:
        """``smc host:port`` (or the name given)."""
        return self._device

    @property
    def session(self) -> SmcSession:
        """The SOAP session (login state, cookies, keep-alive)."""
        return self._session

    async def open(self) -> None:
        """Connect over verified HTTPS, log in, start the keep-alive."""
        await self._session.open()

    async def close(self) -> None:
        """Stop the keep-alive, log out (best effort) and close the connection."""
        await self._session.close()

    async def _call(self, operation: str, **params: Any) -> Any:
        return await self._session.call(operation, **params)

    # ---- names ↔ identifiers --------------------------------------------------------

    def _missing(self, what: str, code: int, operation: str, got: str) -> DeviceError:
        return DeviceError(f"no such {what}", code=code, device=self._device,
                           operation=operation, got=got)

    async def _conf_id(self, conference: str, operation: str, *, fresh: bool = False) -> str:
        if fresh or conference not in self._conf_ids:
            await self.conferences()
        found = self._conf_ids.get(conference)
        if found is None:
            raise self._missing("conference", NO_CONFERENCE, operation, repr(conference))
        return found

    async def _on_conf(self, conference: str, operation: str, **params: Any) -> Any:
        """Call ``operation`` with the conference's confId (re-resolved once if stale)."""
        conf_id = await self._conf_id(conference, operation)
        try:
            return await self._call(operation, confId=conf_id, **params)
        except DeviceError as exc:
            if exc.code not in STALE_CONFERENCE:
                raise
        conf_id = await self._conf_id(conference, operation, fresh=True)
        return await self._call(operation, confId=conf_id, **params)

    async def _uri(self, conference: str, participant: str, operation: str) -> str:
        key = (conference, participant)
        if key not in self._uris:
            await self.participants(conference)
        found = self._uris.get(key)
        if found is None:
            raise self._missing("participant", NO_SITE, operation,
                                f"{participant!r} in {conference!r}")
        return found

    async def _name(self, conference: str, uri: str) -> str:
        if (conference, uri) not in self._names:
            await self.participants(conference)
        return self._names.get((conference, uri), uri)

    def _participant(self, conference: str, status: Any) -> Participant:
        uri = status.uri or ""
        found = participant_of(conference, status, device=self._device,
                               cascade=uri in self._cascades or self._is_cascade(uri))
        self._uris[(conference, found.name)] = found.address
        self._names[(conference, found.address)] = found.name
        return found

    # ---- the contract ---------------------------------------------------------------

    async def conferences(self) -> list[Conference]:
        """All conferences (``queryConferencesStatusEx`` without confIds)."""
        reply = await self._call("queryConferencesStatusEx")
        out = [c for c in map(conference_of, items(reply.conferenceStatuses)) if c is not None]
        self._conf_ids = {c.name: c.id for c in out if c.id is not None}
        return out

    async def create_conference(self, name: str, *, pin: str | None = None) -> Conference:
        """``scheduleConfEx`` starting now, for ``SmcOptions.conference_minutes``
        (DeviceError if the name is taken: the SMC does not refuse duplicate names)."""
        if pin is not None:
            raise NotSupported("the SMC takes conference passwords RSA2048-encrypted with "
                               "its own key", device=self._device,
                               operation="create_conference")
        if name in {c.name for c in await self.conferences()}:
            raise DeviceError("conference exists", device=self._device,
                              operation="create_conference", got=repr(name))
        # mediaEncryptType 0 = automatic, presentation 0 (eSDK_tp_00004); cpResouce (sic)
        info = {"name": name, "beginTime": datetime.now(UTC),
                "duration": timedelta(minutes=self.options.conference_minutes),
                "mediaEncryptType": 0, "cpResouce": 1, "presentation": 0}
        reply = await self._call("scheduleConfEx", scheduleConf=info)
        conf_id = getattr(reply.conferenceInfo, "confId", None)
        if not conf_id:
            raise ProtocolError("no confId in the reply", device=self._device,
                                operation="scheduleConfEx", expected="conferenceInfo.confId")
        self._conf_ids[name] = conf_id
        return Conference(name=name, id=conf_id, active=True)

    async def destroy_conference(self, name: str) -> None:
        """``delScheduledConfEx`` (ends a running conference)."""
        await self._on_conf(name, "delScheduledConfEx")
        self._conf_ids.pop(name, None)
        for key in [k for k in self._uris if k[0] == name]:
            self._names.pop((name, self._uris.pop(key)), None)

    async def prolong_conference(self, name: str, minutes: int) -> None:
        """``prolongScheduledConfEx`` by ``minutes``."""
        await self._on_conf(name, "prolongScheduledConfEx",
                            prolongTime=timedelta(minutes=minutes))

    async def participants(self, conference: str) -> list[Participant]:
        """Every site of the conference (``queryConfSitesStatusEx`` without URIs)."""
        reply = await self._on_conf(conference, "queryConfSitesStatusEx")
        for key in [k for k in self._uris if k[0] == conference]:
            self._names.pop((conference, self._uris.pop(key)), None)
        return [self._participant(conference, s) for s in items(reply.siteStatuses)]

    async def participant(self, conference: str, name: str) -> Participant:
        """One site (``queryConfSitesStatusEx`` with its URI)."""
        uri = await self._uri(conference, name, "participant")
        return await self._status(conference, uri, "participant")

    async def _status(self, conference: str, uri: str, operation: str) -> Participant:
        reply = await self._on_conf(conference, "queryConfSitesStatusEx", siteUris=[uri])
        found = [s for s in items(reply.siteStatuses) if s.uri == uri]
        if len(found) != 1:
            raise self._missing("participant", NO_SITE, operation,
                                f"{uri!r} in {conference!r}")
        return self._participant(conference, found[0])

    async def add_participant(self, conference: str, endpoint: Endpoint, *,
                              name: str | None = None,
                              kind: ParticipantKind = ParticipantKind.SITE) -> Participant:
        """``addSiteToConfEx`` (the MCU dials the site), then its status."""
        site_name = name or endpoint.site
        info = {"name": site_name, "uri": endpoint.address,
                "type": SITE_TYPE_OF[endpoint.protocol], "from": 0, "dialingMode": 0}
        if kind is ParticipantKind.CASCADE:
            self._cascades.add(endpoint.address)
        await self._on_conf(conference, "addSiteToConfEx", siteInfo=info)
        return await self._status(conference, endpoint.address, "add_participant")

    async def remove_participant(self, conference: str, participant: str) -> None:
        """``delSiteFromConfEx``."""
        uri = await self._uri(conference, participant, "remove_participant")
        await self._on_conf(conference, "delSiteFromConfEx", siteUri=uri)
        self._uris.pop((conference, participant), None)
        self._names.pop((conference, uri), None)

    async def connect_participant(self, conference: str, participant: str) -> None:
        """``connectSitesEx``."""
        uri = await self._uri(conference, participant, "connect_participant")
        await self._on_conf(conference, "connectSitesEx", siteUris=[uri])

    async def disconnect_participant(self, conference: str, participant: str) -> None:
        """``disconnectSitesEx``."""
        uri = await self._uri(conference, participant, "disconnect_participant")
        await self._on_conf(conference, "disconnectSitesEx", siteUris=[uri])

    async def set_layout(self, conference: str, layout: Layout, *,
                         target: str | None = None) -> None:
        """The conference's continuous presence (``setContinuousPresenceEx``), or what
        ``target`` watches (``setVideoSourceEx``: one site full screen only)."""
        shown = layout.participants()
        if target is not None:
            if layout.pane_count != 1 or len(shown) != 1:
                raise NotSupported("per-site continuous presence is not supported by the "
                                   "SMC interface", device=self._device,
                                   operation="set_layout",
                                   expected="one participant full screen for a target")
            await self.show_full_screen(conference, shown[0], target=target)
            return
        ordered = sorted(layout.panes, key=lambda p: p.index)
        if any(p.kind is not PaneKind.PARTICIPANT or p.index != i
               for i, p in enumerate(ordered)):
            raise NotSupported("subPics name sites in pane order only", device=self._device,
                               operation="set_layout",
                               expected="participant panes 0, 1, 2 … without gaps")
        try:
            mode = mode_of(layout.pane_count, layout.vendor_name)
        except ValueError as exc:
            raise NotSupported(str(exc), device=self._device, operation="set_layout") from None
        uris = [await self._uri(conference, n, "set_layout") for n in shown]
        await self._stop_broadcast(conference)
        await self._on_conf(conference, "setContinuousPresenceEx", target=CONFERENCE_CP,
                            presenceMode=mode, subPics=uris)

    async def _conference_status(self, conference: str) -> Any:
        conf_id = await self._conf_id(conference, "layout")
        reply = await self._call("queryConferencesStatusEx", confIds=[conf_id])
        found = [s for s in items(reply.conferenceStatuses) if s.id == conf_id]
        if not found:
            raise self._missing("conference", NO_CONFERENCE, "layout", repr(conference))
        return found[0]

    async def _stop_broadcast(self, conference: str) -> None:
        status = await self._conference_status(conference)
        if status.broadcast:
            await self._on_conf(conference, "setBroadcastSiteEx", siteUri=status.broadcast,
                                isBroadcast=Flag.BROADCAST.wire(False))
            await self._confirm_broadcast(conference, None)

    async def layout(self, conference: str, *, target: str | None = None) -> Layout:
        """What ``target`` watches (its ``videoSource``), else the broadcast site or the
        conference's continuous presence."""
        if target is not None:
            uri = await self._uri(conference, target, "layout")
            reply = await self._on_conf(conference, "queryConfSitesStatusEx", siteUris=[uri])
            source = next((s.videoSource for s in items(reply.siteStatuses)
                           if s.uri == uri), None)
            if source:
                return Layout.full_screen(await self._name(conference, source))
        status, cp = await asyncio.gather(
            self._conference_status(conference),
            self._on_conf(conference, "getContinuousPresenceParamEx", target=CONFERENCE_CP))
        if status.broadcast:
            return Layout.full_screen(await self._name(conference, status.broadcast))
        names = [await self._name(conference, uri) for uri in items(cp.subPics) if uri]
        return layout_of(cp.presenceMode, names, device=self._device)

    async def show_full_screen(self, conference: str, participant: str, *,
                               target: str | None = None) -> None:
        """``setBroadcastSiteEx`` to everyone (confirmed by reading it back), or
        ``setVideoSourceEx``: ``target`` watches ``participant``."""
        uri = await self._uri(conference, participant, "show_full_screen")
        if target is None:
            await self._on_conf(conference, "setBroadcastSiteEx", siteUri=uri,
                                isBroadcast=Flag.BROADCAST.wire(True))
            await self._confirm_broadcast(conference, uri)
            return
        viewer = await self._uri(conference, target, "show_full_screen")
        await self._on_conf(conference, "setVideoSourceEx", siteUri=viewer,
                            videoSourceUri=uri)

    async def _confirm_broadcast(self, conference: str, uri: str | None) -> None:
        """setBroadcastSiteEx only sends the command (eSDK_tp_00002): read it back."""
        deadline = time.monotonic() + self.options.confirm_s
        pause = 0.005
        while True:
            status = await self._conference_status(conference)
            if (status.broadcast or None) == uri:
                return
            if time.monotonic() >= deadline:
                raise DeviceTimeout("the broadcast site did not change", device=self._device,
                                   operation="setBroadcastSiteEx",
                                   expected=f"broadcast {uri!r}",
                                   got=repr(status.broadcast)[:60])
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.2)

    async def mute(self, conference: str, participant: str, on: bool) -> None:
        """``setSitesMuteEx`` (isMute 0 = mute)."""
        uri = await self._uri(conference, participant, "mute")
        await self._on_conf(conference, "setSitesMuteEx", siteUris=[uri],
                            isMute=Flag.MUTE.wire(on))

    async def presence_info(self, conference: str) -> tuple[list[str], int | None, list[str]]:
        """``getContinuousPresenceInfoEx``: CP targets, CP resources, supported layouts
        (their CP_ names)."""
        reply = await self._on_conf(conference, "getContinuousPresenceInfoEx")
        return ([str(t or "") for t in items(reply.targets)], reply.cpResource,
                supported_modes(reply.supportCPModes))

    async def health(self) -> DeviceHealth:
        """Reachability and the conferences it runs (``queryConferencesStatusEx``)."""
        confs = await self.conferences()
        return DeviceHealth(device=self._device, reachable=True,
                            detail={"conferences": str(len(confs)),
                                    "running": str(sum(c.active for c in confs))})
