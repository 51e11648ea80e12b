"""The ``smc`` driver: an SMC-style SOAP conference service (zeep) over verified HTTPS.

::

    mcu = SmcMcu("https://smc.example/", user="admin", password=Secret(...),
                 trust=TlsTrust(ca_file=Path("ca.pem")))
    async with mcu:
        await mcu.show_full_screen("national", "hp-tp", target="chair")

``open()`` logs in (``LoginRequest`` → challenge, ``Authenticate`` with the HMAC answer;
the session is the ``JSESSIONID`` cookie) and keeps the session alive with ``KeepAlive``
in the background. A call refused because the session expired logs in again once and is
repeated once. ``show_full_screen`` uses ``setBroadcastSiteEx`` (everyone) or
``setVideoSourceEx`` (one target), ``set_layout`` ``setContinuousPresenceEx``, ``stats``
``queryConfSitesStatusEx``. The service names conferences by ``confId`` and sites by URI;
the driver maps the contract's names to them (cached, refreshed on a miss).

Errors: ``AuthenticationFault`` → :class:`AuthError`; ``ConferenceFault`` →
:class:`DeviceError` (``code`` = ``errorCode``); a reply with a DTD, entities, external
references, invalid XML or above ``max_reply_bytes`` → :class:`ProtocolError`; an
untrusted certificate → :class:`PolicyViolation`. Not supported: ``capacity`` (the service
reports no port usage).
"""

from __future__ import annotations

import contextlib
import enum
from typing import Any, Self, TypeVar

from ..driver import DeviceTarget, SecretSource
from ..errors import ConfigError, DeviceError, ProtocolError
from ..model import (
    CallStats,
    Capability,
    Conference,
    ConnectionState,
    DeviceHealth,
    Endpoint,
    Layout,
    PaneKind,
    Participant,
    ParticipantKind,
    SignalProtocol,
)
from ..security.audit import AuditLog
from ..security.policy import STRICT, SecurityPolicy
from ..security.secrets import Secret
from ..transport.https import TlsTrust, checked_url
from .base import Mcu
from .smc_protocol import ConferenceFaultReason, SubPicture, layout_of, presence_of
from .smc_session import SmcOptions, SmcSession

__all__ = ["SmcMcu", "SmcOptions"]

E = TypeVar("E", bound=enum.Enum)

_NO_CONF = ConferenceFaultReason.NO_SUCH_CONFERENCE
_NO_SITE = ConferenceFaultReason.NO_SUCH_PARTICIPANT


def _items(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


class SmcMcu(Mcu):
    """An MCU managed through the SMC-style SOAP service (see the module docstring)."""

    name = "smc"
    capabilities = frozenset({
        Capability.CONFERENCES, Capability.CREATE_CONFERENCE, Capability.PARTICIPANTS,
        Capability.ADD_PARTICIPANT, Capability.REMOVE_PARTICIPANT,
        Capability.CONNECT_PARTICIPANT, Capability.SET_LAYOUT, Capability.TARGETED_LAYOUT,
        Capability.FULL_SCREEN, Capability.MUTE, Capability.STATS, Capability.HEALTH,
    })

    @classmethod
    def from_target(cls, target: DeviceTarget, *, secrets: SecretSource,
                    policy: SecurityPolicy, audit: AuditLog | None) -> Self:
        """Build from a network file's MCU entry (``docs/network.md``): URL, TLS trust,
        user and password reference; ``timeout_s`` option."""
        timeout = target.option("timeout_s", float)
        return cls(target.address, password=target.password(secrets), user=target.user,
                   trust=target.tls_trust(), policy=policy, device=target.id,
                   options=SmcOptions(timeout_s=timeout) if timeout else None)

    def __init__(self, url: str, *, password: Secret, user: str = "admin",
                 trust: TlsTrust | None = None, policy: SecurityPolicy = STRICT,
                 options: SmcOptions | None = None, device: str | None = None) -> None:
        parsed = checked_url(url, operation=f"{self.name} driver")
        self._url = url
        self._user = user
        self.options = options or SmcOptions()
        self._device = device or f"smc {parsed.host}:{parsed.port or 443}{parsed.path}"
        self._session = SmcSession(url, user=user, password=password, trust=trust,
                                   policy=policy, options=self.options, device=self._device)
        self._conf_ids: dict[str, str] = {}
        self._uris: dict[tuple[str, str], str] = {}
        self._names: dict[tuple[str, str], str] = {}

    def __repr__(self) -> str:
        return f"SmcMcu({self._url!r}, user={self._user!r})"

    @property
    def device(self) -> str:
        """``smc host:port/path``."""
        return self._device

    async def open(self) -> None:
        """Build the SOAP client over verified HTTPS, log in, start the keep-alive."""
        await self._session.open()

    async def close(self) -> None:
        """Stop the keep-alive, log out (best effort) and close the connection."""
        await self._session.close()

    async def _call(self, operation: str, **params: Any) -> Any:
        return await self._session.call(operation, **params)

    # ---- names ↔ identifiers --------------------------------------------------------

    def _missing(self, what: ConferenceFaultReason, operation: str, got: str) -> DeviceError:
        return DeviceError(f"no such {'conference' if what is _NO_CONF else 'participant'}",
                           code=what.code, device=self._device, operation=operation,
                           got=got)

    async def _conf_id(self, conference: str, operation: str, *, fresh: bool = False) -> str:
        if fresh or conference not in self._conf_ids:
            await self.conferences()
        found = self._conf_ids.get(conference)
        if found is None:
            raise self._missing(_NO_CONF, operation, repr(conference))
        return found

    async def _on_conf(self, conference: str, operation: str, **params: Any) -> Any:
        """Call ``operation`` with the conference's confId (re-resolved once if stale)."""
        conf_id = await self._conf_id(conference, operation)
        try:
            return await self._call(operation, confId=conf_id, **params)
        except DeviceError as exc:
            if exc.code != _NO_CONF.code:
                raise
        conf_id = await self._conf_id(conference, operation, fresh=True)
        return await self._call(operation, confId=conf_id, **params)

    async def _uri(self, conference: str, participant: str, operation: str) -> str:
        key = (conference, participant)
        if key not in self._uris:
            await self.participants(conference)
        found = self._uris.get(key)
        if found is None:
            raise self._missing(_NO_SITE, operation, f"{participant!r} in {conference!r}")
        return found

    async def _name(self, conference: str, uri: str) -> str:
        key = (conference, uri)
        if key not in self._names:
            await self.participants(conference)
        return self._names.get(key, uri)

    def _remember(self, conference: str, name: str, uri: str) -> None:
        self._uris[(conference, name)] = uri
        self._names[(conference, uri)] = name

    def _wire(self, kind: type[E], value: Any, operation: str) -> E:
        """A wire value as one of our enums; ProtocolError for a value the WSDL's
        enumeration does not list (zeep does not check enumerations)."""
        try:
            return kind(value)
        except ValueError:
            raise ProtocolError(f"unknown {kind.__name__} value", device=self._device,
                                operation=operation,
                                expected=f"one of {[str(k.value) for k in kind]}",
                                got=repr(value)[:60]) from None

    def _one(self, value: Any, operation: str) -> Any:
        items = _items(value)
        if len(items) != 1:
            raise ProtocolError("expected exactly one status", device=self._device,
                                operation=operation, expected="1 status",
                                got=f"{len(items)} statuses")
        return items[0]

    def _participant(self, conference: str, status: Any, site: str | None = None
                     ) -> Participant:
        op = "queryConfSitesStatusEx"
        self._remember(conference, status.name, status.uri)
        kind = self._wire(ParticipantKind, status.kind, op)
        fields = {"conference": conference, "name": status.name, "address": status.uri,
                  "protocol": self._wire(SignalProtocol, status.type, op), "kind": kind,
                  "state": self._wire(ConnectionState, status.status, op),
                  "muted": bool(status.isMute)}
        if kind is ParticipantKind.SITE:
            # the wire has no site id: like codian, a site participant's site is its name
            with contextlib.suppress(ConfigError):   # a name that is not a valid site id
                return Participant(**fields, site=site or status.name)
        return Participant(**fields)

    async def _layout_from(self, conference: str, status: Any) -> Layout:
        pics = [SubPicture(p.index, self._wire(PaneKind, p.type, "subPics"),
                           await self._name(conference, p.siteUri) if p.siteUri else None)
                for p in _items(status.subPics)]
        try:
            return layout_of(status.presenceMode, pics)
        except ProtocolError as exc:  # name the device that sent it
            raise ProtocolError(exc.message, device=self._device, operation="read layout",
                                expected=exc.expected, got=exc.got) from None

    # ---- the contract ---------------------------------------------------------------

    async def conferences(self) -> list[Conference]:
        """All conferences (``queryConferencesStatusEx``)."""
        statuses = _items(await self._call("queryConferencesStatusEx"))
        self._conf_ids = {s.name: s.confId for s in statuses}
        return [Conference(name=s.name, id=s.confId, active=True,
                           participant_count=s.siteCount) for s in statuses]

    async def create_conference(self, name: str, *, pin: str | None = None) -> Conference:
        """``scheduleConfEx`` starting now."""
        info: dict[str, Any] = {"name": name}
        if pin is not None:
            info["password"] = pin
        status = await self._call("scheduleConfEx", conferenceInfo=info)
        self._conf_ids[status.name] = status.confId
        return Conference(name=status.name, id=status.confId, active=True,
                          participant_count=status.siteCount)

    async def destroy_conference(self, name: str) -> None:
        """``delScheduledConfEx``."""
        await self._on_conf(name, "delScheduledConfEx")
        self._conf_ids.pop(name, None)
        for key in [k for k in self._uris if k[0] == name]:
            self._names.pop((name, self._uris.pop(key)), None)

    async def prolong_conference(self, name: str, minutes: int) -> int:
        """``prolongScheduledConfEx``: extend by ``minutes``; returns the new duration."""
        operation = "prolongScheduledConfEx"
        duration = await self._on_conf(name, operation, prolongTime=minutes)
        if isinstance(duration, bool) or not isinstance(duration, int):
            raise ProtocolError("no new duration in the reply", device=self._device,
                                operation=operation, expected="an integer number of minutes",
                                got=repr(duration)[:40])
        return duration

    async def participants(self, conference: str) -> list[Participant]:
        """Every site of the conference (``queryConfSitesStatusEx`` without URIs)."""
        statuses = _items(await self._on_conf(conference, "queryConfSitesStatusEx"))
        for key in [k for k in self._uris if k[0] == conference]:
            self._names.pop((conference, self._uris.pop(key)), None)
        return [self._participant(conference, s) for s in statuses]

    async def participant(self, conference: str, name: str) -> Participant:
        """One site (``queryConfSitesStatusEx`` with its URI)."""
        uri = await self._uri(conference, name, "participant")
        status = self._one(await self._on_conf(conference, "queryConfSitesStatusEx",
                                               siteUris=[uri]), "queryConfSitesStatusEx")
        return self._participant(conference, status)

    async def add_participant(self, conference: str, endpoint: Endpoint, *,
                              name: str | None = None,
                              kind: ParticipantKind = ParticipantKind.SITE) -> Participant:
        """``addSiteToConfEx`` (the service dials the site)."""
        info = {"name": name or endpoint.site, "uri": endpoint.address,
                "type": endpoint.protocol.value, "kind": kind.value}
        status = await self._on_conf(conference, "addSiteToConfEx", siteInfo=info)
        return self._participant(conference, status, endpoint.site)

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
        """``setContinuousPresenceEx`` for ``target`` (or the conference)."""
        mode, pics = presence_of(layout)
        sub_pics = []
        for pic in pics:
            entry: dict[str, Any] = {"index": pic.index, "type": pic.kind.value}
            if pic.site is not None:
                entry["siteUri"] = await self._uri(conference, pic.site, "set_layout")
            sub_pics.append(entry)
        params: dict[str, Any] = {"presenceMode": mode, "subPics": sub_pics}
        if target is not None:
            params["target"] = await self._uri(conference, target, "set_layout")
        await self._on_conf(conference, "setContinuousPresenceEx", **params)

    async def layout(self, conference: str, *, target: str | None = None) -> Layout:
        """What ``target`` sees (its site status), or the conference's default layout."""
        if target is None:
            conf_id = await self._conf_id(conference, "layout")
            status = self._one(await self._call("queryConferencesStatusEx",
                                                confIds=[conf_id]), "queryConferencesStatusEx")
        else:
            uri = await self._uri(conference, target, "layout")
            status = self._one(await self._on_conf(conference, "queryConfSitesStatusEx",
                                                   siteUris=[uri]), "queryConfSitesStatusEx")
        return await self._layout_from(conference, status)

    async def show_full_screen(self, conference: str, participant: str, *,
                               target: str | None = None) -> None:
        """``setBroadcastSiteEx`` to everyone, or ``setVideoSourceEx`` to ``target``."""
        uri = await self._uri(conference, participant, "show_full_screen")
        if target is None:
            await self._on_conf(conference, "setBroadcastSiteEx", siteUri=uri,
                                isBroadcast=True)
            return
        viewer = await self._uri(conference, target, "show_full_screen")
        await self._on_conf(conference, "setVideoSourceEx", siteUri=viewer,
                            videoSourceUri=uri)

    async def mute(self, conference: str, participant: str, on: bool) -> None:
        """``setSitesMuteEx``."""
        uri = await self._uri(conference, participant, "mute")
        await self._on_conf(conference, "setSitesMuteEx", siteUris=[uri], isMute=on)

    async def stats(self, conference: str) -> list[CallStats]:
        """Loss, jitter and delay of connected sites (``queryConfSitesStatusEx``)."""
        out = []
        for s in _items(await self._on_conf(conference, "queryConfSitesStatusEx")):
            self._remember(conference, s.name, s.uri)
            if s.status == ConnectionState.CONNECTED.value and s.packetLossRate is not None:
                out.append(CallStats(s.name, float(s.packetLossRate), float(s.jitter or 0.0),
                                     float(s.delay or 0.0)))
        return out

    async def health(self) -> DeviceHealth:
        """Reachability and active calls, from ``queryConferencesStatusEx``."""
        statuses = _items(await self._call("queryConferencesStatusEx"))
        return DeviceHealth(device=self._device, reachable=True,
                            active_calls=sum(s.connectedSiteCount for s in statuses),
                            detail={"conferences": str(len(statuses)),
                                    "session_timeout_s": str(int(self._session.session_timeout_s))})

