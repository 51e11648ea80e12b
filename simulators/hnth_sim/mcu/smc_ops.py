"""The conference operations of the SMC front end, each on the MCU model (no I/O).

Each operation reads its request element and fills its ``…Response`` element; a refusal
is a :class:`~hnth_sim.mcu.model.SimError` that the front end turns into a typed
``ConferenceFault``. On the wire a conference is its ``confId`` and a site its URI.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable

from hnth_drivers.errors import ProtocolError
from hnth_drivers.mcu.smc_protocol import SubPicture, layout_of, presence_of
from hnth_drivers.model import ConnectionState, Layout, PaneKind, ParticipantKind, SignalProtocol

from .model import AUTO_LAYOUT, McuModel, Refusal, SimConference, SimError, SimParticipant
from .smc_soap import child, children, element, text_of

__all__ = ["OPERATIONS", "SmcState"]

_DEFAULT_MINUTES = 120
_VOLUME = 50


class SmcState:
    """What the SMC front end keeps beside the model: scheduled durations (minutes)."""

    def __init__(self, mcu: McuModel) -> None:
        self.mcu = mcu
        self.minutes: dict[str, int] = {}

    def refuse(self, reason: Refusal, message: str, operation: str, got: str | None = None
               ) -> SimError:
        """A refusal of this MCU."""
        return SimError(reason, message, device=self.mcu.id, operation=operation, got=got)

    def conf(self, body: ET.Element, operation: str) -> SimConference:
        """The conference named by the request's ``confId``."""
        conf_id = _required(self, body, "confId", operation)
        for conf in self.mcu.conferences():
            if conf.id == conf_id:
                return conf
        raise self.refuse(Refusal.NO_SUCH_CONFERENCE, "no such conference", operation,
                          repr(conf_id[:40]))

    def site(self, conf: SimConference, uri: str, operation: str) -> SimParticipant:
        """The participant of ``conf`` whose address is ``uri``."""
        for leg in conf.participants.values():
            if leg.address == uri:
                return leg
        raise self.refuse(Refusal.NO_SUCH_PARTICIPANT, "no such site", operation,
                          f"{uri[:60]!r} in conference {conf.id}")


def _required(state: SmcState, body: ET.Element, name: str, operation: str) -> str:
    value = text_of(body, name)
    if not value:
        raise state.refuse(Refusal.MISSING_PARAMETER, f"no {name}", operation)
    return value


def _bool(state: SmcState, body: ET.Element, name: str, operation: str) -> bool:
    value = _required(state, body, name, operation).strip()
    if value not in ("true", "false", "1", "0"):
        raise state.refuse(Refusal.INVALID_PARAMETER, f"{name} is not a boolean", operation,
                           repr(value[:20]))
    return value in ("true", "1")


def _int(state: SmcState, body: ET.Element, name: str, operation: str, lo: int, hi: int
         ) -> int:
    text = _required(state, body, name, operation).strip()
    if not text.lstrip("-").isdigit() or not lo <= int(text) <= hi:
        raise state.refuse(Refusal.INVALID_PARAMETER, f"{name} out of range", operation,
                           repr(text[:20]))
    return int(text)


def _uris(body: ET.Element, name: str) -> list[str]:
    return [node.text or "" for node in children(body, name)]


def _put_presence(state: SmcState, conf: SimConference, parent: ET.Element,
                  layout: Layout) -> None:
    mode, pics = presence_of(layout)
    element(parent, "presenceMode", mode)
    for pic in pics:
        leg = conf.participants.get(pic.site) if pic.site is not None else None
        if pic.kind is PaneKind.PARTICIPANT and leg is None:
            continue  # the participant has left: the pane shows nothing
        node = element(parent, "subPics")
        element(node, "index", pic.index)
        element(node, "type", pic.kind.value)
        if leg is not None:
            element(node, "siteUri", leg.address)


def _conference_status(state: SmcState, conf: SimConference, parent: ET.Element,
                       name: str) -> None:
    node = element(parent, name)
    element(node, "confId", conf.id)
    element(node, "name", conf.name)
    element(node, "duration", state.minutes.get(conf.id, _DEFAULT_MINUTES))
    legs = list(conf.participants.values())
    element(node, "siteCount", len(legs))
    element(node, "connectedSiteCount", sum(1 for leg in legs if leg.connected))
    shown = conf.default_layout.participants()
    if len(shown) == 1 and shown[0] in conf.participants:
        element(node, "broadcastSiteUri", conf.participants[shown[0]].address)
    _put_presence(state, conf, node, conf.default_layout)


def _site_status(state: SmcState, conf: SimConference, leg: SimParticipant,
                 parent: ET.Element, name: str,
                 stats: dict[str, tuple[float, float, float]],
                 default_view: list[SimParticipant] | None = None) -> None:
    node = element(parent, name)
    element(node, "uri", leg.address)
    element(node, "name", leg.name)
    element(node, "type", leg.protocol.value)
    element(node, "kind", leg.kind.value)
    status = leg.state
    element(node, "status", status.value)
    element(node, "volume", _VOLUME)
    if leg.connected:
        # A participant without a layout of its own that the default view does not show
        # sees exactly the default view (taking it out of the pool changes nothing):
        # one view per conference instead of one per site.
        if default_view is not None and leg.name not in conf.layouts \
                and leg not in default_view:
            shown = default_view
        else:
            shown = state.mcu.shown_to(conf.name, leg.name)
        if shown:
            element(node, "videoSource", shown[0].address)
    element(node, "isMute", leg.muted)
    if status is ConnectionState.FAILED:
        element(node, "callFailedReason", 1)
    if leg.name in stats:
        loss, jitter, delay = stats[leg.name]
        element(node, "packetLossRate", loss)
        element(node, "jitter", jitter)
        element(node, "delay", delay)
    _put_presence(state, conf, node, state.mcu.layout(conf.name, target=leg.name))


def _stats(state: SmcState, conf: SimConference) -> dict[str, tuple[float, float, float]]:
    return {s.participant: (s.loss_percent, s.jitter_ms, s.delay_ms)
            for s in state.mcu.stats(conf.name)}


# ---- operations ----------------------------------------------------------------------

def schedule_conf(state: SmcState, body: ET.Element, reply: ET.Element) -> None:
    info = child(body, "conferenceInfo")
    if info is None:
        raise state.refuse(Refusal.MISSING_PARAMETER, "no conferenceInfo", "scheduleConfEx")
    name = _required(state, info, "name", "scheduleConfEx")
    minutes = _int(state, info, "duration", "scheduleConfEx", 1, 1440) \
        if text_of(info, "duration") else _DEFAULT_MINUTES
    conf = state.mcu.create_conference(name, pin=text_of(info, "password") or None)
    state.minutes[conf.id] = minutes
    _conference_status(state, conf, reply, "conferenceStatus")


def del_scheduled_conf(state: SmcState, body: ET.Element, reply: ET.Element) -> None:
    conf = state.conf(body, "delScheduledConfEx")
    state.mcu.destroy_conference(conf.name)
    state.minutes.pop(conf.id, None)


def prolong_scheduled_conf(state: SmcState, body: ET.Element, reply: ET.Element) -> None:
    conf = state.conf(body, "prolongScheduledConfEx")
    extra = _int(state, body, "prolongTime", "prolongScheduledConfEx", 1, 1440)
    state.minutes[conf.id] = state.minutes.get(conf.id, _DEFAULT_MINUTES) + extra
    element(reply, "duration", state.minutes[conf.id])


def add_site(state: SmcState, body: ET.Element, reply: ET.Element) -> None:
    conf = state.conf(body, "addSiteToConfEx")
    info = child(body, "siteInfo")
    if info is None:
        raise state.refuse(Refusal.MISSING_PARAMETER, "no siteInfo", "addSiteToConfEx")
    uri = _required(state, info, "uri", "addSiteToConfEx")
    name = _required(state, info, "name", "addSiteToConfEx")
    try:
        protocol = SignalProtocol(text_of(info, "type") or "h323")
        kind = ParticipantKind(text_of(info, "kind") or "site")
    except ValueError as exc:
        raise state.refuse(Refusal.INVALID_PARAMETER, "invalid site type or kind",
                           "addSiteToConfEx") from exc
    if any(leg.address == uri for leg in conf.participants.values()):
        raise state.refuse(Refusal.DUPLICATE_PARTICIPANT, "a site with this URI exists",
                           "addSiteToConfEx", repr(uri[:60]))
    leg = state.mcu.add_participant(conf.name, uri, name=name, kind=kind, protocol=protocol)
    _site_status(state, conf, leg, reply, "siteStatus", {})


def del_site(state: SmcState, body: ET.Element, reply: ET.Element) -> None:
    conf = state.conf(body, "delSiteFromConfEx")
    leg = state.site(conf, _required(state, body, "siteUri", "delSiteFromConfEx"),
                     "delSiteFromConfEx")
    state.mcu.remove_participant(conf.name, leg.name)


def _each_site(operation: str, action: Callable[[McuModel, str, str], None]
               ) -> Callable[[SmcState, ET.Element, ET.Element], None]:
    def run(state: SmcState, body: ET.Element, reply: ET.Element) -> None:
        conf = state.conf(body, operation)
        legs = [state.site(conf, uri, operation) for uri in _uris(body, "siteUris")]
        if not legs:
            raise state.refuse(Refusal.MISSING_PARAMETER, "no siteUris", operation)
        for leg in legs:
            action(state.mcu, conf.name, leg.name)
    return run


def query_sites(state: SmcState, body: ET.Element, reply: ET.Element) -> None:
    conf = state.conf(body, "queryConfSitesStatusEx")
    uris = _uris(body, "siteUris")
    legs = [state.site(conf, uri, "queryConfSitesStatusEx") for uri in uris] if uris \
        else list(conf.participants.values())
    stats = _stats(state, conf)
    default_view = state.mcu.shown_to(conf.name)
    for leg in legs:
        _site_status(state, conf, leg, reply, "siteStatuses", stats, default_view)


def query_conferences(state: SmcState, body: ET.Element, reply: ET.Element) -> None:
    wanted = [node.text or "" for node in children(body, "confIds")]
    confs = state.mcu.conferences()
    if wanted:
        known = {conf.id: conf for conf in confs}
        missing = [w for w in wanted if w not in known]
        if missing:
            raise state.refuse(Refusal.NO_SUCH_CONFERENCE, "no such conference",
                               "queryConferencesStatusEx", repr(missing[0][:40]))
        confs = [known[w] for w in wanted]
    for conf in confs:
        _conference_status(state, conf, reply, "conferenceStatuses")


def set_broadcast(state: SmcState, body: ET.Element, reply: ET.Element) -> None:
    conf = state.conf(body, "setBroadcastSiteEx")
    leg = state.site(conf, _required(state, body, "siteUri", "setBroadcastSiteEx"),
                     "setBroadcastSiteEx")
    if _bool(state, body, "isBroadcast", "setBroadcastSiteEx"):
        state.mcu.show_full_screen(conf.name, leg.name)
    elif conf.default_layout.participants() == (leg.name,):
        state.mcu.set_layout(conf.name, AUTO_LAYOUT)


def set_presence(state: SmcState, body: ET.Element, reply: ET.Element) -> None:
    op = "setContinuousPresenceEx"
    conf = state.conf(body, op)
    target_uri = text_of(body, "target")
    target = state.site(conf, target_uri, op).name if target_uri else None
    mode = _int(state, body, "presenceMode", op, 1, 64)
    pics = []
    for node in children(body, "subPics"):
        index = _int(state, node, "index", op, 0, 63)
        try:
            kind = PaneKind(text_of(node, "type") or "")
        except ValueError as exc:
            raise state.refuse(Refusal.INVALID_PARAMETER, "invalid sub-picture type",
                               op) from exc
        uri = text_of(node, "siteUri")
        pics.append(SubPicture(index, kind, state.site(conf, uri, op).name if uri else None))
    try:
        layout = layout_of(mode, pics)
    except ProtocolError as exc:
        raise state.refuse(Refusal.INVALID_PARAMETER, exc.message, op, exc.got) from exc
    state.mcu.set_layout(conf.name, layout, target=target)


def set_mute(state: SmcState, body: ET.Element, reply: ET.Element) -> None:
    conf = state.conf(body, "setSitesMuteEx")
    on = _bool(state, body, "isMute", "setSitesMuteEx")
    legs = [state.site(conf, uri, "setSitesMuteEx") for uri in _uris(body, "siteUris")]
    for leg in legs:
        state.mcu.mute(conf.name, leg.name, on)


def set_video_source(state: SmcState, body: ET.Element, reply: ET.Element) -> None:
    op = "setVideoSourceEx"
    conf = state.conf(body, op)
    viewer = state.site(conf, _required(state, body, "siteUri", op), op)
    source = state.site(conf, _required(state, body, "videoSourceUri", op), op)
    state.mcu.show_full_screen(conf.name, source.name, target=viewer.name)


OPERATIONS: dict[str, Callable[[SmcState, ET.Element, ET.Element], None]] = {
    "scheduleConfEx": schedule_conf,
    "delScheduledConfEx": del_scheduled_conf,
    "prolongScheduledConfEx": prolong_scheduled_conf,
    "addSiteToConfEx": add_site,
    "delSiteFromConfEx": del_site,
    "connectSitesEx": _each_site("connectSitesEx", McuModel.connect_participant),
    "disconnectSitesEx": _each_site("disconnectSitesEx", McuModel.disconnect_participant),
    "queryConfSitesStatusEx": query_sites,
    "queryConferencesStatusEx": query_conferences,
    "setBroadcastSiteEx": set_broadcast,
    "setContinuousPresenceEx": set_presence,
    "setSitesMuteEx": set_mute,
    "setVideoSourceEx": set_video_source,
}
"""Conference operations by SOAP name (session operations live in the service)."""
