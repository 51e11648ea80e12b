"""What the simulated Codian MCU answers: the model's state as the API's structs.

The structs of ``conference.status`` / ``conference.enumerate``, ``participant.status`` /
``participant.enumerate`` (``currentState``, ``configuredState``), pane placement,
``device.query`` and ``device.health.query``, as the guides document them for the API
version served. Names and values: :mod:`hnth_drivers.mcu.codian_api`; reading requests:
:mod:`hnth_sim.mcu.codian_params`; dispatch and handlers: :mod:`hnth_sim.mcu.codian_server`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hnth_drivers.mcu import codian_api as api
from hnth_drivers.mcu import xmlrpc
from hnth_drivers.mcu.codian_api import M, Scope
from hnth_drivers.model import ConnectionState, Pane, PaneKind

from .codian_params import identity_of
from .model import AUTO_LAYOUT, McuModel, SimConference, SimParticipant

__all__ = [
    "UNKNOWN_PANES",
    "conference_struct",
    "current_state",
    "device_health",
    "device_query",
    "loss_of",
    "pane_count",
    "pane_entries",
    "participant_struct",
]

UNKNOWN_PANES = AUTO_LAYOUT.pane_count
"""Panes of a layout whose geometry the guides give only as a picture."""
_REASONS = {"local": api.REASON_LOCAL, "remote": api.REASON_REMOTE,
            "network": api.REASON_NETWORK}


def conference_struct(conf: SimConference) -> dict[str, Any]:
    """One conference (MCU210 p46, p66)."""
    # API-created conferences are scheduled (MCU210 p66), permanent, hence active
    return {M.CONFERENCE_NAME: conf.name, M.CONFERENCE_TYPE: "scheduled",
            M.UNIQUE_ID: int(conf.id), M.CONFERENCE_ACTIVE: True}


def pane_count(conf: SimConference) -> int:
    """Panes of the conference's custom layout, where :data:`~hnth_drivers.mcu.codian_api.
    LAYOUTS` knows it; else the model's own continuous presence (16 panes)."""
    if conf.custom_layout_enabled and conf.custom_layout is not None:
        count = api.pane_count_of(f"layout{conf.custom_layout}")
        if count is not None:
            return count
    # a layout whose geometry the guides give only as a picture: the model's own
    # continuous presence (AUTO_LAYOUT, 16 panes); placed panes 16-19 are not shown
    return UNKNOWN_PANES


def pane_entries(conf: SimConference) -> list[dict[str, Any]]:
    """The ``panes`` of ``conference.paneplacement.query`` (MCU28 p52; MCU210 p63)."""
    entries = []
    for index in range(pane_count(conf)):
        pane = conf.placement.get(index, Pane(index))
        entry: dict[str, Any] = {M.INDEX: index, M.TYPE: api.PANE_NAMES[pane.kind]}
        leg = conf.participants.get(pane.participant or "")
        if leg is not None:
            ident = identity_of(leg)
            del ident[M.CONFERENCE_NAME]
            entry.update(ident)
        entries.append(entry)
    return entries


def current_state(leg: SimParticipant, loss: dict[str, float],
                  version: api.ApiVersion) -> dict[str, Any]:
    """``currentState`` of a participant (MCU28 p82; MCU210 p206; COD30 p34, p49)."""
    state = leg.state
    dormant = leg.call is None
    out: dict[str, Any] = {
        M.CALL_STATE: "dormant" if dormant else api.wire_call_state(state, extended=False),
        M.AUDIO_RX_MUTED: leg.muted}
    if version >= (2, 10):
        out[M.CALL_STATE_EX] = "dormant" if dormant else api.wire_call_state(
            state, extended=True)
    if not dormant:
        out[M.CALL_DIRECTION] = "incoming" if leg.incoming else "outgoing"
    if state is ConnectionState.FAILED:
        out[M.DISCONNECT_REASON] = api.REASON_FAILED
    elif state is ConnectionState.DISCONNECTED and leg.end_reason in _REASONS:
        out[M.DISCONNECT_REASON] = _REASONS[leg.end_reason]
    if state is ConnectionState.CONNECTED:
        lost = loss.get(leg.name, 0.0)
        out[M.PACKET_LOSS_WARNING] = lost > 0.0
        out[M.PACKET_LOSS_CRITICAL] = lost > 5.0
    conf = leg.conference
    own = conf.layouts.get(leg.name)
    if own is None:
        out[M.CP_LAYOUT] = api.CONFERENCE_CUSTOM if conf.custom_layout_enabled \
            else api.DEFAULT_LAYOUT
        return out
    # a layout set through another API has no Codian name: a single pane is layout1;
    # one of several panes has no documented index and is not reported
    name = own.vendor_name or (api.FULL_SCREEN.name if own.pane_count == 1 else None)
    if name is None:
        return out
    out[M.CP_LAYOUT] = name
    out[M.LAYOUT_SOURCE] = "participantCustom"
    first = own.panes[0] if own.panes else None
    if first is not None and first.kind is PaneKind.PARTICIPANT:
        out[M.FOCUS_TYPE] = api.FOCUS_PARTICIPANT
        focus = conf.participants.get(first.participant or "")
        if focus is not None:
            out[M.FOCUS_PARTICIPANT] = identity_of(focus)
    elif first is not None and first.kind is PaneKind.CONTENT:
        out[M.FOCUS_TYPE] = api.FOCUS_CONTENT
    else:
        out[M.FOCUS_TYPE] = api.FOCUS_VOICE
    return out


def participant_struct(leg: SimParticipant, scope: set[str], loss: dict[str, float],
                       version: api.ApiVersion) -> dict[str, Any]:
    """A participant with the states ``scope`` asks for (MCU28 p75; MCU27 p62)."""
    out = identity_of(leg)
    if Scope.CURRENT_STATE in scope:
        out[M.CURRENT_STATE] = current_state(leg, loss, version)
    if Scope.CONFIGURED_STATE in scope:
        # an endpoint that dialled in is not configured: empty struct (MCU28 p75)
        out[M.CONFIGURED_STATE] = {} if leg.incoming else {M.ADDRESS: leg.address}
    return out


def loss_of(mcu: McuModel, conf: SimConference) -> dict[str, float]:
    """Packet loss (percent) of each connected participant of ``conf`` now."""
    return {s.participant: s.loss_percent for s in mcu.stats(conf.name)}


def device_query(mcu: McuModel, version: api.ApiVersion) -> dict[str, Any]:
    """``device.query`` (COD30 p12)."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None)
    started = now - dt.timedelta(seconds=int(mcu.health().uptime_s or 0))
    return {M.CURRENT_TIME: xmlrpc.DateTime(now.strftime("%Y%m%dT%H:%M:%S")),
            M.RESTART_TIME: xmlrpc.DateTime(started.strftime("%Y%m%dT%H:%M:%S")),
            M.SERIAL: mcu.id, M.SOFTWARE_VERSION: "4.4(sim)", M.BUILD_VERSION: "sim",
            M.MODEL: "hnth-sim MCU", M.API_VERSION: "{}.{}".format(*version),
            M.TOTAL_VIDEO_PORTS: mcu.ports, M.TOTAL_AUDIO_ONLY_PORTS: 0,
            M.PORT_RESERVATION_MODE: "disabled"}


def device_health(mcu: McuModel) -> dict[str, Any]:
    """``device.health.query`` (MCU28 p57)."""
    load = int(mcu.health().cpu_load_percent or 0)
    return {M.CPU_LOAD: load, M.MEDIA_LOAD: load, M.AUDIO_LOAD: load, M.VIDEO_LOAD: load,
            **{k: "ok" for k in api.HEALTH_STATUS_MEMBERS},
            M.OPERATIONAL_STATUS: "active"}
