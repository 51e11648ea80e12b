"""The Cisco TelePresence MCU ("Codian") XML-RPC API as data, sans I/O.

Method names, member names, value sets, fault codes, the layouts we rely on, and the
mapping between model values and the API's structs. Shared by the ``codian`` driver and
the Codian simulator: neither spells a member name itself. Every name is cited to the
guide and page it comes from (keys below; docs/mcu.md lists them all).

Sources (page numbers are the PDF pages of these guides):

- COD30: TANDBERG "Codian Remote Management API", document version 3.0, Sep 2008.
- MCU27: Cisco TelePresence MCU Remote Management API Reference Guide 2.7, D14626.04.
- MCU28: Cisco TelePresence MCU API 2.8, May 2011.
- MCU29: Cisco TelePresence MCU API 2.9, D14626.12, Sep 2012.
- MCU210: Cisco TelePresence MCU API 2.10, D14997, Jan 2013.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Final

from ..model import ConnectionState, Layout, LayoutKind, Pane, PaneKind

__all__ = [
    "API_VERSIONS",
    "CALL_STATES",
    "CONFERENCE_CUSTOM",
    "CONFERENCE_TYPES",
    "DEFAULT_LAYOUT",
    "ENUMERATE_FILTERS",
    "FOCUS_TYPES",
    "LAYOUTS",
    "MAX_PANES",
    "PANE_TYPES",
    "PARTICIPANT_PROTOCOLS",
    "PARTICIPANT_TYPES",
    "READ_METHODS",
    "SCOPES",
    "STATISTICS_FILTERS",
    "TRANSIENT_FAULTS",
    "ApiVersion",
    "FaultCode",
    "LayoutEntry",
    "M",
    "Method",
    "Scope",
    "call_state",
    "layout_from_panes",
    "parse_api_version",
]


class Method(enum.StrEnum):
    """The methods we use (MCU28 / MCU29 / MCU210 tables of contents and method pages)."""

    CONFERENCE_CREATE = "conference.create"              # COD30 p18; MCU210 p39
    CONFERENCE_DESTROY = "conference.destroy"            # COD30 p17; MCU28 p37
    CONFERENCE_ENUMERATE = "conference.enumerate"        # MCU29 p37; MCU210 p46
    CONFERENCE_MODIFY = "conference.modify"              # MCU29 p40; COD30 p17
    CONFERENCE_STATUS = "conference.status"              # MCU27 p36
    PANES_MODIFY = "conference.paneplacement.modify"     # MCU28 p52; MCU29 p44; MCU210 p61
    PANES_QUERY = "conference.paneplacement.query"       # MCU28 p52; MCU210 p63
    PARTICIPANT_ADD = "participant.add"                  # MCU28 p65; MCU210 p103
    PARTICIPANT_REMOVE = "participant.remove"            # MCU27 p62
    PARTICIPANT_MODIFY = "participant.modify"            # MCU27 p59; MCU29 p90; COD30 p26
    PARTICIPANT_CONNECT = "participant.connect"          # MCU28 p69
    PARTICIPANT_DISCONNECT = "participant.disconnect"    # MCU28 p73
    PARTICIPANT_STATUS = "participant.status"            # MCU27 p62
    PARTICIPANT_ENUMERATE = "participant.enumerate"      # MCU28 p75; MCU29 p78
    PARTICIPANT_DIAGNOSTICS = "participant.diagnostics"  # MCU29 p75; MCU210 p108
    PARTICIPANT_STATISTICS = "participant.statistics"    # MCU210 p133 (2.9 TOC lists it)
    DEVICE_QUERY = "device.query"                        # COD30 p12
    DEVICE_HEALTH_QUERY = "device.health.query"          # MCU28 p57


READ_METHODS: Final = frozenset({
    Method.CONFERENCE_ENUMERATE, Method.CONFERENCE_STATUS, Method.PANES_QUERY,
    Method.PARTICIPANT_STATUS, Method.PARTICIPANT_ENUMERATE, Method.PARTICIPANT_DIAGNOSTICS,
    Method.PARTICIPANT_STATISTICS, Method.DEVICE_QUERY, Method.DEVICE_HEALTH_QUERY,
})
"""Idempotent methods: safe to try once more after a transient failure."""


class M:
    """Member names, each with its source."""

    # every call (MCU28 p15)
    USER: Final = "authenticationUser"
    PASSWORD: Final = "authenticationPassword"  # noqa: S105 (a member name)
    # faults (MCU28 p15; COD201 p5)
    FAULT_CODE: Final = "faultCode"
    FAULT_STRING: Final = "faultString"
    # participant identity (MCU29 p9)
    CONFERENCE_NAME: Final = "conferenceName"
    PARTICIPANT_NAME: Final = "participantName"
    PARTICIPANT_PROTOCOL: Final = "participantProtocol"
    PARTICIPANT_TYPE: Final = "participantType"
    # enumerations (MCU210 p11, p46; MCU29 p9, p78; MCU27 p51)
    ENUMERATE_ID: Final = "enumerateID"
    ENUMERATE_FILTER: Final = "enumerateFilter"
    CONFERENCES: Final = "conferences"
    PARTICIPANTS: Final = "participants"
    MORE_THAN_FOUR: Final = "moreThanFour"
    # conference struct (MCU210 p46; COD30 p18; MCU29 p40)
    CONFERENCE_TYPE: Final = "conferenceType"          # scheduled / ad_hoc (MCU210 p66)
    UNIQUE_ID: Final = "uniqueId"                      # integer (MCU210 p66)
    CONFERENCE_ACTIVE: Final = "conferenceActive"
    NUMERIC_ID: Final = "numericId"
    PIN: Final = "pin"
    CUSTOM_LAYOUT_ENABLED: Final = "customLayoutEnabled"
    CUSTOM_LAYOUT: Final = "customLayout"
    # participant.enumerate / .status (MCU28 p75, p82; MCU29 p78; MCU27 p62)
    OPERATION_SCOPE: Final = "operationScope"
    CURRENT_STATE: Final = "currentState"
    CONFIGURED_STATE: Final = "configuredState"
    ADDRESS: Final = "address"                         # configuredState (MCU28 p75)
    ADD_RESPONSE: Final = "addResponse"                # participant.add, 2.10 (MCU210 p103)
    CALL_STATE: Final = "callState"                    # MCU210 p206 (deprecated there)
    CALL_STATE_EX: Final = "callStateEx"               # MCU210 p206
    CALL_DIRECTION: Final = "callDirection"            # MCU210 p206
    DISCONNECT_REASON: Final = "disconnectReason"      # COD30 p49; MCU210 p185
    AUDIO_RX_MUTED: Final = "audioRxMuted"             # COD30 p49
    PACKET_LOSS_WARNING: Final = "packetLossWarning"   # MCU28 p82
    PACKET_LOSS_CRITICAL: Final = "packetLossCritical"  # MCU28 p82
    CP_LAYOUT: Final = "cpLayout"                      # COD30 p30, p49; MCU28 p109
    CURRENT_LAYOUT: Final = "currentLayout"            # COD30 p34
    LAYOUT_SOURCE: Final = "layoutSource"              # COD30 p34
    FOCUS_TYPE: Final = "focusType"                    # COD30 p30, p34; MCU29 p90
    FOCUS_PARTICIPANT: Final = "focusParticipant"      # COD30 p30, p34; MCU29 p90
    # pane placement (MCU28 p52; MCU29 p44; MCU210 p61, p63)
    ENABLED: Final = "enabled"
    PANES: Final = "panes"
    INDEX: Final = "index"
    TYPE: Final = "type"
    PANES_MODIFIED: Final = "panesModified"
    # participant.statistics filter (MCU210 p133)
    AUDIO_MEDIA: Final = "audioMedia"
    VIDEO_MEDIA: Final = "videoMedia"
    CONTENT_MEDIA: Final = "contentMedia"
    AUDIO_CONTROL: Final = "audioControl"
    VIDEO_CONTROL: Final = "videoControl"
    CONTENT_CONTROL: Final = "contentControl"
    # participant.diagnostics (MCU29 p75; MCU210 p108)
    VIDEO_RX_FRAME_RATE: Final = "videoRxFrameRate"
    VIDEO_TX_FRAME_RATE: Final = "videoTxFrameRate"
    # device.query (COD30 p12)
    CURRENT_TIME: Final = "currentTime"
    RESTART_TIME: Final = "restartTime"
    SERIAL: Final = "serial"
    SOFTWARE_VERSION: Final = "softwareVersion"
    BUILD_VERSION: Final = "buildVersion"
    MODEL: Final = "model"
    API_VERSION: Final = "apiVersion"
    TOTAL_VIDEO_PORTS: Final = "totalVideoPorts"
    TOTAL_AUDIO_ONLY_PORTS: Final = "totalAudioOnlyPorts"
    PORT_RESERVATION_MODE: Final = "portReservationMode"
    # device.health.query (MCU28 p57)
    CPU_LOAD: Final = "cpuLoad"
    MEDIA_LOAD: Final = "mediaLoad"
    AUDIO_LOAD: Final = "audioLoad"
    VIDEO_LOAD: Final = "videoLoad"
    FAN_STATUS: Final = "fanStatus"
    FAN_STATUS_WORST: Final = "fanStatusWorst"
    TEMPERATURE_STATUS: Final = "temperatureStatus"
    TEMPERATURE_STATUS_WORST: Final = "temperatureStatusWorst"
    RTC_BATTERY_STATUS: Final = "rtcBatteryStatus"
    RTC_BATTERY_STATUS_WORST: Final = "rtcBatteryStatusWorst"
    VOLTAGES_STATUS: Final = "voltagesStatus"
    VOLTAGES_STATUS_WORST: Final = "voltagesStatusWorst"
    OPERATIONAL_STATUS: Final = "operationalStatus"


HEALTH_STATUS_MEMBERS: Final = (
    M.FAN_STATUS, M.FAN_STATUS_WORST, M.TEMPERATURE_STATUS, M.TEMPERATURE_STATUS_WORST,
    M.RTC_BATTERY_STATUS, M.RTC_BATTERY_STATUS_WORST, M.VOLTAGES_STATUS,
    M.VOLTAGES_STATUS_WORST)
"""device.health.query members valued ``ok`` / ``outOfSpec`` / ``critical`` (MCU28 p57)."""
HEALTH_STATUSES: Final = frozenset({"ok", "outOfSpec", "critical"})
OPERATIONAL_STATUSES: Final = frozenset({"active", "shuttingDown", "shutDown"})

STATISTICS_FILTERS: Final = (M.AUDIO_MEDIA, M.VIDEO_MEDIA, M.CONTENT_MEDIA, M.AUDIO_CONTROL,
                             M.VIDEO_CONTROL, M.CONTENT_CONTROL)
"""participant.statistics filter flags, all false unless sent (MCU210 p133)."""


class Scope(enum.StrEnum):
    """``operationScope`` values of participant.enumerate / .status (MCU27 p62; MCU28 p75)
    and of participant.modify (MCU27 p59; MCU29 p90)."""

    CURRENT_STATE = "currentState"
    CONFIGURED_STATE = "configuredState"
    ACTIVE_STATE = "activeState"          # participant.modify only


SCOPES: Final = frozenset({Scope.CURRENT_STATE, Scope.CONFIGURED_STATE})
"""What participant.enumerate / .status accept in their operationScope array."""

PARTICIPANT_PROTOCOLS: Final = frozenset({"h323", "sip", "vnc"})   # MCU29 p9
PARTICIPANT_TYPES: Final = frozenset({"by_address", "by_name", "ad_hoc"})  # MCU29 p9
BY_ADDRESS: Final = "by_address"
AD_HOC: Final = "ad_hoc"
CONFERENCE_TYPES: Final = frozenset({"scheduled", "ad_hoc"})     # MCU210 p66
ENUMERATE_FILTERS: Final = frozenset({"connected", "disconnected", "connecting"})  # MCU27 p51
CONNECTED_FILTER: Final = "connected"
CALL_DIRECTIONS: Final = frozenset({"incoming", "outgoing"})        # MCU210 p206
FOCUS_TYPES: Final = frozenset({"voiceActivated", "h239", "participant"})  # COD30 p30
FOCUS_VOICE: Final = "voiceActivated"
FOCUS_CONTENT: Final = "h239"
FOCUS_PARTICIPANT: Final = "participant"
LAYOUT_SOURCES: Final = ("conferenceCustom", "participantCustom")   # COD30 p34 (+ family<x>)

# ---- versions -----------------------------------------------------------------------

ApiVersion = tuple[int, int]
API_VERSIONS: Final[tuple[ApiVersion, ...]] = ((2, 8), (2, 9), (2, 10))
"""API versions the driver and the simulator know (device.query ``apiVersion``)."""


def parse_api_version(text: object) -> ApiVersion | None:
    """``(2, 10)`` from ``"2.10"``; None when it is not ``<major>.<minor>``."""
    if not isinstance(text, str):
        return None
    major, sep, minor = text.strip().partition(".")
    if not sep or not major.isdigit() or not minor.isdigit():
        return None
    return int(major), int(minor)


def has_call_state_ex(version: ApiVersion) -> bool:
    """callStateEx appears in the 2.10 guide (MCU210 p206), not in 2.8/2.9."""
    return version >= (2, 10)


def uses_statistics(version: ApiVersion) -> bool:
    """2.10 deprecates participant.diagnostics by participant.statistics (MCU210 p133)."""
    return version >= (2, 10)


def empty_panes_when_disabled(version: ApiVersion) -> bool:
    """conference.paneplacement.query while disabled: 2.10 gives an empty ``panes`` array
    (MCU210 p63), 2.8 gives none (MCU28 p52); 2.9 is taken as 2.8."""
    return version >= (2, 10)


# ---- states -------------------------------------------------------------------------

CALL_STATES: Final[dict[str, ConnectionState]] = {
    "dormant": ConnectionState.DORMANT,          # no attempt to connect (MCU210 p206)
    "proceeding": ConnectionState.CONNECTING,    # callStateEx only
    "alerting": ConnectionState.ALERTING,        # connecting, a reply received
    "pending": ConnectionState.PENDING,          # callStateEx only
    "connected": ConnectionState.CONNECTED,
    "disconnected": ConnectionState.DISCONNECTED,  # ended or failed
}
"""callState / callStateEx values (MCU210 p206) ↔ connection states."""


def call_state(raw: str) -> ConnectionState:
    """The model state of a callState/callStateEx value; UNKNOWN for a value we do not
    know (the caller keeps ``raw`` beside it)."""
    return CALL_STATES.get(raw, ConnectionState.UNKNOWN)


def wire_call_state(state: ConnectionState, *, extended: bool) -> str:
    """The callState (``extended`` False) or callStateEx value for a model state."""
    if state in (ConnectionState.DIALLING, ConnectionState.CONNECTING):
        return "proceeding" if extended else "alerting"
    if state is ConnectionState.FAILED:
        return "disconnected"
    if not extended and state is ConnectionState.PENDING:
        return "alerting"
    for raw, mapped in CALL_STATES.items():
        if mapped is state:
            return raw
    return "dormant"


REASON_FAILED: Final = "destinationUnreachable"   # MCU28 p106; MCU210 p185
REASON_NETWORK: Final = "networkError"            # MCU28 p106
REASON_REMOTE: Final = "remoteTeardown"           # MCU28 p106
REASON_LOCAL: Final = "localTeardown"             # COD30 p55
"""disconnectReason values the simulator gives; the driver keeps any value as it came."""


# ---- faults -------------------------------------------------------------------------


class FaultCode(enum.IntEnum):
    """Fault codes (COD30 p53; MCU27 p73; MCU28 p104). 101–103 and 201: see docs/mcu.md
    (their meanings come from public client code, not from a guide page we read)."""

    METHOD_NOT_SUPPORTED = 1
    DUPLICATE_CONFERENCE_NAME = 2
    DUPLICATE_PARTICIPANT_NAME = 3
    NO_SUCH_CONFERENCE = 4
    NO_SUCH_PARTICIPANT = 5
    TOO_MANY_CONFERENCES = 6
    TOO_MANY_PARTICIPANTS = 7
    NO_CONFERENCE_NAME = 8
    NO_PARTICIPANT_NAME = 9
    NO_PARTICIPANT_ADDRESS = 10
    INVALID_PIN = 13
    UNAUTHORISED = 14              # operation not permitted on this device
    INSUFFICIENT_PRIVILEGES = 15   # user/password not valid for the operation
    INVALID_ENUMERATE_ID = 16
    INTERNAL_ERROR = 34
    MISSING_PARAMETER = 101
    INVALID_PARAMETER = 102        # right type, value out of range
    MALFORMED_PARAMETER = 103      # wrong type, or a request that does not parse
    OPERATION_FAILED = 201


TRANSIENT_FAULTS: Final = frozenset({FaultCode.INTERNAL_ERROR, FaultCode.OPERATION_FAILED})
"""Faults after which an idempotent read may be tried once more."""


def missing(name: str) -> str:
    """faultString of fault 101."""
    return f"missing parameter - {name}"


def invalid(name: str) -> str:
    """faultString of fault 102."""
    return f"invalid parameter - {name}"


def malformed(name: str) -> str:
    """faultString of fault 103."""
    return f"malformed parameter - {name}"


# ---- layouts ------------------------------------------------------------------------

MAX_PANES: Final = 20
"""Pane indexes run 0..19 (MCU29 p44; MCU210 p61)."""
DEFAULT_LAYOUT: Final = "default"          # cpLayout values (MCU28 p109; COD30 p57)
CONFERENCE_CUSTOM: Final = "conferenceCustom"


@dataclass(frozen=True, slots=True)
class LayoutEntry:
    """A ``layout<n>`` we rely on: its index, panes, and where that is shown."""

    index: int
    pane_count: int
    source: str

    @property
    def name(self) -> str:
        """The cpLayout value."""
        return f"layout{self.index}"


LAYOUTS: Final[tuple[LayoutEntry, ...]] = (
    LayoutEntry(1, 1, "COD30 p57 Appendix A and MCU28 p109-110: layout 1 is drawn as one "
                      "pane filling the screen"),
)
"""The specific layouts we rely on, the single full-screen one first. The guides give
``layout<n>`` (1..33) and ``family<n>`` (1..5) only as pictures; no other index is used
as if we knew its geometry."""
FULL_SCREEN: Final = LAYOUTS[0]


def is_cp_layout(value: str) -> bool:
    """Whether ``value`` is a documented cpLayout value (MCU28 p109; COD30 p57)."""
    if value in (DEFAULT_LAYOUT, CONFERENCE_CUSTOM):
        return True
    for prefix, top in (("family", 5), ("layout", 33)):
        digits = value.removeprefix(prefix)
        if value.startswith(prefix) and digits.isdigit() and 1 <= int(digits) <= top:
            return True
    return False


def pane_count_of(cp_layout: str) -> int | None:
    """Panes of a cpLayout value from :data:`LAYOUTS`; None where the guides do not say."""
    return next((e.pane_count for e in LAYOUTS if e.name == cp_layout), None)


PANE_TYPES: Final[dict[str, PaneKind]] = {
    "default": PaneKind.DEFAULT, "blank": PaneKind.BLANK, "loudest": PaneKind.LOUDEST,
    "rolling": PaneKind.ROLLING, "h239": PaneKind.CONTENT,
    "participant": PaneKind.PARTICIPANT,
}
"""Pane ``type`` values (MCU28 p52; MCU29 p44)."""
PANE_NAMES: Final[dict[PaneKind, str]] = {kind: name for name, kind in PANE_TYPES.items()}


def layout_from_panes(pane_count: int, panes: tuple[Pane, ...],
                      vendor_name: str | None = None) -> Layout:
    """A :class:`Layout` of ``pane_count`` panes, its kind read from its shape."""
    kind = LayoutKind.GRID
    if pane_count == 1:
        only = panes[0].kind if panes else PaneKind.DEFAULT
        kind = {PaneKind.PARTICIPANT: LayoutKind.FULL_SCREEN, PaneKind.LOUDEST:
                LayoutKind.LOUDEST, PaneKind.BLANK: LayoutKind.BLANK}.get(only,
                                                                         LayoutKind.OTHER)
    return Layout(kind, pane_count, panes, vendor_name)


def identity(conference: str, name: str, protocol: str, ptype: str) -> dict[str, Any]:
    """The identity members of a participant call (MCU29 p9)."""
    return {M.CONFERENCE_NAME: conference, M.PARTICIPANT_NAME: name,
            M.PARTICIPANT_PROTOCOL: protocol, M.PARTICIPANT_TYPE: ptype}


def focus_request(layout: Layout, ident: dict[str, Any] | None) -> dict[str, Any] | None:
    """participant.modify members that make one participant see ``layout`` (COD30 p30;
    MCU29 p90), or None when the API cannot say it for one participant (only the
    single-pane layouts are expressible: focus on a participant, the loudest speaker or
    the content channel)."""
    if layout.pane_count != 1 or len(layout.panes) != 1:
        return None
    pane = layout.panes[0]
    base = {M.OPERATION_SCOPE: Scope.ACTIVE_STATE.value, M.CP_LAYOUT: FULL_SCREEN.name}
    if pane.kind is PaneKind.PARTICIPANT and ident is not None:
        return {**base, M.FOCUS_TYPE: FOCUS_PARTICIPANT, M.FOCUS_PARTICIPANT: ident}
    if pane.kind is PaneKind.LOUDEST:
        return {**base, M.FOCUS_TYPE: FOCUS_VOICE}
    if pane.kind is PaneKind.CONTENT:
        return {**base, M.FOCUS_TYPE: FOCUS_CONTENT}
    return None


def layout_from_focus(cp_layout: str, focus_type: str | None, focus_name: str | None,
                      unknown_panes: int = MAX_PANES) -> Layout | None:
    """What one participant sees from its cpLayout / focusType / focusParticipant
    (COD30 p30, p34); None when it follows the conference (``conferenceCustom``,
    ``default``). A layout not in :data:`LAYOUTS` is given ``unknown_panes`` panes."""
    if cp_layout in (CONFERENCE_CUSTOM, DEFAULT_LAYOUT):
        return None
    count = pane_count_of(cp_layout) or unknown_panes
    pane: Pane | None = None
    if focus_type == FOCUS_PARTICIPANT and focus_name:
        pane = Pane(0, PaneKind.PARTICIPANT, focus_name)
    elif focus_type == FOCUS_VOICE:
        pane = Pane(0, PaneKind.LOUDEST)
    elif focus_type == FOCUS_CONTENT:
        pane = Pane(0, PaneKind.CONTENT)
    return layout_from_panes(count, (pane,) if pane else (), cp_layout)
