"""The conference operations of the SMC front end, each on the MCU model (no I/O).

Each operation takes the request's parameters (read by zeep) and returns the reply's
fields; a refusal is :class:`ResultError` (its documented ``resultCode``). On the wire a
conference is its ``confId``, a site its URI; flags are the interface's inverted integers
and states its integer codes (tables in :mod:`hnth_drivers.mcu.smc_protocol`).
``setBroadcastSiteEx`` is asynchronous, as documented: it answers at once and takes
effect ``site_control_delay_s`` later.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from hnth_drivers.mcu.smc_protocol import (
    PRESENCE_MODES,
    SITE_TYPES,
    Flag,
    mode_of,
    pane_count,
)
from hnth_drivers.model import (
    ConnectionState,
    Layout,
    LayoutKind,
    Pane,
    PaneKind,
    ParticipantKind,
    SignalProtocol,
)

from .conference import parse_cascade_address
from .model import AUTO_LAYOUT, McuModel, Refusal, SimConference, SimError, SimParticipant

__all__ = ["OPERATIONS", "ResultError", "SmcState", "code_of"]

NO_CONFERENCE = 570789889
NO_SITE = 1347440653
SITES_UNKNOWN = 1345323009
OUT_OF_RANGE = 570462211
_FAILED_REASON = {"errCode": 117, "discription": ""}  # the documented example's value
_STATUS = {ConnectionState.CONNECTED: 2, ConnectionState.DIALLING: 4,
           ConnectionState.CONNECTING: 4, ConnectionState.ALERTING: 5,
           ConnectionState.DISCONNECTED: 3, ConnectionState.FAILED: 3}
_CODES = {Refusal.NO_SUCH_CONFERENCE: NO_CONFERENCE, Refusal.NO_SUCH_PARTICIPANT: NO_SITE,
          Refusal.MISSING_PARAMETER: 570462210, Refusal.INVALID_PARAMETER: OUT_OF_RANGE,
          Refusal.NOT_SUPPORTED: 2130000017, Refusal.TOO_MANY_PARTICIPANTS: 2130000028,
          Refusal.TOO_MANY_CONFERENCES: 2130000028, Refusal.DUPLICATE_CONFERENCE: 1342177281}


class ResultError(Exception):
    """A refusal: the reply carries ``code`` and nothing else."""

    def __init__(self, code: int, message: str = "") -> None:
        super().__init__(message or str(code))
        self.code = code


def code_of(error: SimError) -> int:
    """The result code of a model refusal (2130000010 SDK internal error otherwise)."""
    return _CODES.get(error.reason, 2130000010)


class SmcState:
    """What the SMC front end keeps beside the model: each conference's CP setting."""

    def __init__(self, mcu: McuModel, *, site_control_delay_s: float = 0.05) -> None:
        self.mcu = mcu
        self.site_control_delay_s = site_control_delay_s
        self.cp: dict[str, Layout] = {}

    def conf(self, conf_id: str) -> SimConference:
        """The conference whose confId is ``conf_id``."""
        for conf in self.mcu.conferences():
            if conf.id == conf_id:
                return conf
        raise ResultError(NO_CONFERENCE)

    def site(self, conf: SimConference, uri: str) -> SimParticipant:
        """The participant of ``conf`` whose address is ``uri``."""
        for leg in conf.participants.values():
            if leg.address == uri:
                return leg
        raise ResultError(NO_SITE)

    def broadcast(self, conf: SimConference) -> SimParticipant | None:
        """The site everyone sees full screen (the default layout), if any."""
        shown = conf.default_layout
        if shown.kind is LayoutKind.FULL_SCREEN and len(shown.participants()) == 1:
            return conf.participants.get(shown.participants()[0])
        return None

    def later(self, action: Callable[[], None]) -> None:
        """Run a site-control action after the documented "sent, not yet done" delay."""
        def run() -> None:
            with contextlib.suppress(SimError):   # the site or conference went away
                action()
        asyncio.get_running_loop().call_later(self.site_control_delay_s, run)


def _sub_pics(conf: SimConference, layout: Layout) -> tuple[int, list[str]]:
    uris = [conf.participants[n].address for n in layout.participants()
            if n in conf.participants]
    return mode_of(max(layout.pane_count, len(uris)), layout.vendor_name), uris


def _flag(flag: Flag, value: int) -> bool:
    try:
        return flag.read(value)
    except ValueError:
        raise ResultError(OUT_OF_RANGE) from None


# ---- operations ----------------------------------------------------------------------

def schedule_conf(state: SmcState, p: Any) -> dict[str, Any]:
    info = p.scheduleConf
    if not info.name or info.beginTime is None:
        raise ResultError(570462210)
    conf = state.mcu.create_conference(info.name)
    return {"conferenceInfo": {"confId": conf.id, "name": conf.name}}


def del_scheduled_conf(state: SmcState, p: Any) -> None:
    state.mcu.destroy_conference(state.conf(p.confId).name)


def prolong_scheduled_conf(state: SmcState, p: Any) -> None:
    state.conf(p.confId)
    if p.prolongTime is None or p.prolongTime.total_seconds() <= 0:
        raise ResultError(OUT_OF_RANGE)


def query_conferences(state: SmcState, p: Any) -> dict[str, Any]:
    wanted = list(p.confIds or [])
    confs = [state.conf(i) for i in wanted] if wanted else state.mcu.conferences()
    out = []
    for conf in confs:
        shown = state.broadcast(conf)
        out.append({"id": conf.id, "name": conf.name, "status": 3,
                    "broadcast": shown.address if shown else None,
                    "isAudioSwitch": Flag.AUDIO_SWITCH.wire(False)})
    return {"conferenceStatuses": out}


def _site_status(state: SmcState, conf: SimConference, leg: SimParticipant) -> dict[str, Any]:
    status = leg.state
    out: dict[str, Any] = {"uri": leg.address, "name": leg.name,
                           "status": _STATUS.get(status, 0), "volume": 50,
                           "isMute": Flag.MUTE.wire(leg.muted),
                           "isQuiet": Flag.QUIET.wire(False),
                           "type": 7 if leg.protocol is SignalProtocol.SIP else 4}
    if leg.connected:
        layout = state.mcu.layout(conf.name, target=leg.name)
        shown = state.mcu.shown_to(conf.name, leg.name)
        if layout.kind is LayoutKind.FULL_SCREEN and shown:
            out["videoSource"] = shown[0].address
    if status is ConnectionState.FAILED:
        out["callFailedReson"] = dict(_FAILED_REASON)
    return out


def query_sites(state: SmcState, p: Any) -> dict[str, Any]:
    conf = state.conf(p.confId)
    uris = list(p.siteUris or [])
    legs = [leg for leg in conf.participants.values() if not uris or leg.address in uris]
    return {"siteStatuses": [_site_status(state, conf, leg) for leg in legs]}


def add_site(state: SmcState, p: Any) -> dict[str, Any]:
    conf = state.conf(p.confId)
    info = p.siteInfo
    if not info.uri:
        raise ResultError(570789891)
    if any(leg.address == info.uri for leg in conf.participants.values()):
        return {}    # documented: adding an existing site succeeds, nothing new
    protocol = SITE_TYPES.get(info.type if info.type is not None else 4) \
        or SignalProtocol.H323
    kind = ParticipantKind.SITE
    try:
        mcu_id, _ = parse_cascade_address(info.uri)
        if state.mcu.network.find(mcu_id) is not None:
            kind = ParticipantKind.CASCADE
    except ValueError:
        pass
    state.mcu.add_participant(conf.name, info.uri, name=info.name or info.uri, kind=kind,
                              protocol=protocol)
    return {"siteAccessInfos": [{"uri": info.uri, "confAccessCode": conf.id}]}


def del_site(state: SmcState, p: Any) -> None:
    conf = state.conf(p.confId)
    state.mcu.remove_participant(conf.name, state.site(conf, p.siteUri).name)


def _each_site(action: Callable[[McuModel, str, str], None]
               ) -> Callable[[SmcState, Any], None]:
    def run(state: SmcState, p: Any) -> None:
        conf = state.conf(p.confId)
        legs = [leg for leg in conf.participants.values() if leg.address in p.siteUris]
        if not legs:
            raise ResultError(SITES_UNKNOWN)   # documented: all unknown → error, some → skip
        for leg in legs:
            action(state.mcu, conf.name, leg.name)
    return run


def set_broadcast(state: SmcState, p: Any) -> None:
    conf = state.conf(p.confId)
    leg = state.site(conf, p.siteUri)
    start = _flag(Flag.BROADCAST, p.isBroadcast)
    name, conf_name = leg.name, conf.name

    def apply() -> None:
        current = state.broadcast(conf)
        if start:
            if current is None:
                state.cp[conf.id] = conf.default_layout
            state.mcu.show_full_screen(conf_name, name)
        elif current is leg:
            state.mcu.set_layout(conf_name, state.cp.get(conf.id, AUTO_LAYOUT))
    state.later(apply)


def set_presence(state: SmcState, p: Any) -> None:
    conf = state.conf(p.confId)
    if (p.target or "") not in ("", "0"):
        raise ResultError(2130000017)          # documented: not supported
    if not 0 < p.presenceMode < len(PRESENCE_MODES):
        raise ResultError(OUT_OF_RANGE)
    count = pane_count(p.presenceMode)
    uris = list(p.subPics or [])
    if len(uris) > count:
        raise ResultError(OUT_OF_RANGE)
    names = [state.site(conf, uri).name for uri in uris]
    panes = tuple(Pane(i, PaneKind.PARTICIPANT, n) for i, n in enumerate(names))
    kind = LayoutKind.FULL_SCREEN if count == 1 and panes else LayoutKind.GRID
    layout = Layout(kind, count, panes, PRESENCE_MODES[p.presenceMode])
    state.cp[conf.id] = layout
    if state.broadcast(conf) is None:
        state.mcu.set_layout(conf.name, layout)


def get_presence_param(state: SmcState, p: Any) -> dict[str, Any]:
    conf = state.conf(p.confId)
    if (p.target or "") not in ("", "0"):
        raise ResultError(2130000017)
    layout = conf.default_layout if state.broadcast(conf) is None else \
        state.cp.get(conf.id, AUTO_LAYOUT)
    mode, uris = _sub_pics(conf, layout)
    return {"presenceMode": mode, "subPics": uris}


def get_presence_info(state: SmcState, p: Any) -> dict[str, Any]:
    state.conf(p.confId)
    return {"targets": [""], "cpResource": 1,
            "supportCPModes": list(range(1, len(PRESENCE_MODES)))}


def set_mute(state: SmcState, p: Any) -> None:
    conf = state.conf(p.confId)
    on = _flag(Flag.MUTE, p.isMute)
    for leg in [state.site(conf, uri) for uri in p.siteUris]:
        state.mcu.mute(conf.name, leg.name, on)


def set_quiet(state: SmcState, p: Any) -> None:
    conf = state.conf(p.confId)
    _flag(Flag.QUIET, p.isQuiet)
    for uri in p.siteUris:
        state.site(conf, uri)


def set_video_source(state: SmcState, p: Any) -> None:
    conf = state.conf(p.confId)
    viewer = state.site(conf, p.siteUri)
    source = state.site(conf, p.videoSourceUri)
    state.mcu.show_full_screen(conf.name, source.name, target=viewer.name)


OPERATIONS: dict[str, Callable[[SmcState, Any], dict[str, Any] | None]] = {
    "scheduleConfEx": schedule_conf,
    "delScheduledConfEx": del_scheduled_conf,
    "prolongScheduledConfEx": prolong_scheduled_conf,
    "queryConferencesStatusEx": query_conferences,
    "queryConfSitesStatusEx": query_sites,
    "addSiteToConfEx": add_site,
    "delSiteFromConfEx": del_site,
    "connectSitesEx": _each_site(McuModel.connect_participant),
    "disconnectSitesEx": _each_site(McuModel.disconnect_participant),
    "setBroadcastSiteEx": set_broadcast,
    "setContinuousPresenceEx": set_presence,
    "getContinuousPresenceParamEx": get_presence_param,
    "getContinuousPresenceInfoEx": get_presence_info,
    "setSitesMuteEx": set_mute,
    "setSitesQuietEx": set_quiet,
    "setVideoSourceEx": set_video_source,
}
"""Conference operations by SOAP name (session operations live in the service)."""
