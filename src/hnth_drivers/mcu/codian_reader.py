"""Replies of the Cisco TelePresence MCU ("Codian") API read into model values, sans I/O.

:class:`CodianReader` turns the structs the ``codian`` driver receives into
:class:`~hnth_drivers.model.Participant`, :class:`~hnth_drivers.model.Layout`,
:class:`~hnth_drivers.model.Conference` and health values. A missing or mistyped member
is a :class:`~hnth_drivers.errors.ProtocolError` naming the device, the method, the item
of a list and the member. It remembers each participant's protocol and type as the device
gives them (every participant call must carry them) and which participants are cascade
links. Names: :mod:`hnth_drivers.mcu.codian_api`; pages: docs/mcu.md.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..errors import ConfigError, ProtocolError
from ..model import (
    CallStats,
    Conference,
    ConnectionState,
    DeviceHealth,
    Layout,
    LayoutKind,
    Pane,
    PaneKind,
    Participant,
    ParticipantKind,
    SignalProtocol,
)
from . import codian_api as api
from .codian_api import M, Method

__all__ = ["CodianReader", "Identity"]

Identity = tuple[str, str, str, str]
"""conferenceName, participantName, participantProtocol, participantType."""

_LOSS_CRITICAL_PERCENT = 5.0   # packetLossCritical: "above 5 % in the last five seconds"


class CodianReader:
    """Reads one device's replies (see the module docstring).

    ``dial_ins_are_links``: see :class:`~hnth_drivers.mcu.codian.CodianOptions`.
    """

    def __init__(self, device: str, *, dial_ins_are_links: bool = True) -> None:
        self.device = device
        self.dial_ins_are_links = dial_ins_are_links
        self.api_version: api.ApiVersion = api.API_VERSIONS[-1]
        #: (conference, name) -> (protocol, type), learnt from the device's own replies
        self.known: dict[tuple[str, str], tuple[str, str]] = {}
        #: participants added as cascade links
        self.links: set[tuple[str, str]] = set()

    def bad(self, method: str, member: str, expected: str, got: object,
            item: int | None = None) -> ProtocolError:
        """The error for ``member`` of ``method``'s reply (of list item ``item``)."""
        where = f"member {member}" if item is None else f"item {item}: member {member}"
        return ProtocolError(f"{where} missing or mistyped", device=self.device,
                             operation=method, expected=expected, got=repr(got)[:60])

    def get(self, struct: Any, member: str, kind: type | tuple[type, ...], method: str,
            item: int | None = None, *, required: bool = True) -> Any:
        """``member`` of ``struct``, checked to be a ``kind``; None when absent and not
        ``required``."""
        if not isinstance(struct, dict):
            raise self.bad(method, "(struct)", "struct", struct, item)
        value = struct.get(member)
        if value is None and not required:
            return None
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__
                                                                         for k in kind)
            raise self.bad(method, member, names, value, item)
        return value

    def opt(self, struct: dict[str, Any], member: str, kind: type, method: str,
            item: int | None) -> Any:
        """An optional member of ``struct`` (a dict) of exactly type ``kind`` (the common
        case, checked inline); else the checks and errors of :meth:`get`."""
        value = struct.get(member)
        if value is None or value.__class__ is kind:
            return value
        return self.get(struct, member, kind, method, item, required=False)

    # ---- participants -----------------------------------------------------------------

    def learn(self, item: Any, method: str, index: int | None) -> Identity:
        """The identity of a participant struct, remembered."""
        if item.__class__ is dict:
            conf, name = item.get(M.CONFERENCE_NAME), item.get(M.PARTICIPANT_NAME)
            proto, ptype = item.get(M.PARTICIPANT_PROTOCOL), item.get(M.PARTICIPANT_TYPE)
            if conf.__class__ is name.__class__ is proto.__class__ is ptype.__class__ is str:
                self.known[(conf, name)] = (proto, ptype)
                return conf, name, proto, ptype
        conf = self.get(item, M.CONFERENCE_NAME, str, method, index)
        name = self.get(item, M.PARTICIPANT_NAME, str, method, index)
        proto = self.get(item, M.PARTICIPANT_PROTOCOL, str, method, index)
        ptype = self.get(item, M.PARTICIPANT_TYPE, str, method, index)
        self.known[(conf, name)] = (proto, ptype)
        return conf, name, proto, ptype

    def participant(self, item: dict[str, Any], method: str, index: int | None = None,
                    ident: Identity | None = None) -> Participant:
        """A participant struct (``participant.status`` or an enumeration item, whose
        ``ident`` was learnt already) as the model's value."""
        conference, name, proto, ptype = ident or self.learn(item, method, index)
        current = self.opt(item, M.CURRENT_STATE, dict, method, index) or {}
        configured = self.opt(item, M.CONFIGURED_STATE, dict, method, index) or {}
        raw = None
        if api.has_call_state_ex(self.api_version):
            raw = self.opt(current, M.CALL_STATE_EX, str, method, index)
        if raw is None:
            raw = self.opt(current, M.CALL_STATE, str, method, index)
        state = api.call_state(raw) if raw is not None else ConnectionState.UNKNOWN
        reason = self.opt(current, M.DISCONNECT_REASON, str, method, index)
        address = self.opt(configured, M.ADDRESS, str, method, index)
        dial_in = ptype == api.AD_HOC
        link = (conference, name) in self.links or (dial_in and self.dial_ins_are_links)
        kind = ParticipantKind.CASCADE if link else ParticipantKind.SITE
        try:
            return Participant(
                conference=conference, name=name, address=address or name,
                protocol=SignalProtocol.SIP if proto == "sip" else SignalProtocol.H323,
                kind=kind, state=state,
                muted=bool(self.opt(current, M.AUDIO_RX_MUTED, bool, method, index)),
                site=name if kind is ParticipantKind.SITE else None,
                raw_state=raw or None, disconnect_reason=reason or None)
        except ConfigError as exc:
            raise ProtocolError(f"item {index}: {exc.message}", device=self.device,
                                operation=method, expected=exc.expected, got=exc.got) from exc

    def loss(self, item: dict[str, Any], participant: Participant, index: int) -> CallStats:
        """Loss of a connected participant from ``packetLossCritical`` (above 5 % in the
        last 5 s, MCU28 p82); the MCU documents no jitter or delay member."""
        current = item.get(M.CURRENT_STATE) or {}
        critical = self.get(current, M.PACKET_LOSS_CRITICAL, bool,
                            Method.PARTICIPANT_ENUMERATE, index, required=False)
        return CallStats(participant.name, _LOSS_CRITICAL_PERCENT if critical else 0.0,
                         source=f"mcu {M.PACKET_LOSS_CRITICAL}", measured=frozenset({"loss"}))

    # ---- conferences and layouts ------------------------------------------------------

    def conference(self, item: Any, index: int) -> Conference:
        """One ``conference.enumerate`` item."""
        method = Method.CONFERENCE_ENUMERATE
        name = self.get(item, M.CONFERENCE_NAME, str, method, index)
        unique = self.get(item, M.UNIQUE_ID, int, method, index, required=False)
        active = self.get(item, M.CONFERENCE_ACTIVE, bool, method, index, required=False)
        return Conference(name=name, id=None if unique is None else str(unique),
                          active=True if active is None else active)

    def own_layout(self, status: dict[str, Any]) -> Layout | None:
        """What one participant sees, from its ``participant.status``; None when it
        follows the conference's layout."""
        method = Method.PARTICIPANT_STATUS
        current = self.get(status, M.CURRENT_STATE, dict, method)
        cp = self.get(current, M.CP_LAYOUT, str, method, required=False) \
            or api.DEFAULT_LAYOUT
        focus = self.get(current, M.FOCUS_TYPE, str, method, required=False)
        who = self.get(current, M.FOCUS_PARTICIPANT, dict, method, required=False)
        name = self.get(who, M.PARTICIPANT_NAME, str, method) if who else None
        return api.layout_from_focus(cp, focus, name)

    def pane_placement(self, reply: dict[str, Any]) -> Layout:
        """The conference's layout from ``conference.paneplacement.query``."""
        method = Method.PANES_QUERY
        if not self.get(reply, M.ENABLED, bool, method):
            # no panes while disabled: the MCU lays the conference out itself
            return Layout(LayoutKind.OTHER, api.MAX_PANES, (), api.DEFAULT_LAYOUT)
        entries = self.get(reply, M.PANES, list, method, required=False) or []
        panes = []
        top = 0
        for i, item in enumerate(entries):
            index = self.get(item, M.INDEX, int, method, i)
            type_name = self.get(item, M.TYPE, str, method, i)
            kind = api.PANE_TYPES.get(type_name)
            if kind is None or not 0 <= index < api.MAX_PANES:
                raise self.bad(method, M.TYPE if kind is None else M.INDEX,
                               f"one of {sorted(api.PANE_TYPES)}, index 0..19",
                               type_name if kind is None else index, i)
            top = max(top, index + 1)
            if kind is PaneKind.DEFAULT:
                continue
            who = self.get(item, M.PARTICIPANT_NAME, str, method, i) \
                if kind is PaneKind.PARTICIPANT else None
            panes.append(Pane(index, kind, who))
        count = max(len(entries), top, 1)
        return api.layout_from_panes(count, tuple(panes), api.CONFERENCE_CUSTOM)

    # ---- the device ---------------------------------------------------------------------

    def health(self, health: dict[str, Any], info: dict[str, Any],
               calls: int) -> DeviceHealth:
        """``device.health.query`` and ``device.query`` (uptime from ``currentTime`` −
        ``restartTime``), with ``calls`` connected participants."""
        cpu = self.get(health, M.CPU_LOAD, int, Method.DEVICE_HEALTH_QUERY, required=False)
        members = (*api.HEALTH_STATUS_MEMBERS, M.OPERATIONAL_STATUS, M.MEDIA_LOAD,
                   M.AUDIO_LOAD, M.VIDEO_LOAD)
        detail: dict[str, str] = {k: str(health[k]) for k in members if k in health}
        for key in (M.MODEL, M.SOFTWARE_VERSION, M.API_VERSION, M.SERIAL):
            if isinstance(info.get(key), str):
                detail[key] = info[key]
        return DeviceHealth(device=self.device, reachable=True,
                            uptime_s=_uptime(info), active_calls=calls,
                            cpu_load_percent=None if cpu is None else float(min(cpu, 100)),
                            detail=detail)


def _uptime(info: dict[str, Any]) -> float | None:
    times = []
    for key in (M.CURRENT_TIME, M.RESTART_TIME):
        text = info.get(key)
        try:
            times.append(dt.datetime.strptime(str(text), "%Y%m%dT%H:%M:%S"))
        except ValueError:
            return None
    return max(0.0, (times[0] - times[1]).total_seconds())
