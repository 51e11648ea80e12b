"""The domain model: frozen, typed values that every contract speaks in.

Units are part of the names (``loss_percent``, ``jitter_ms``, ``uptime_s``) so that docs and
code never disagree on them. Every value validates itself on construction and raises
:class:`~hnth_drivers.errors.ConfigError` naming the field, what was expected and what came.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from .errors import ConfigError

__all__ = [
    "FIGURES",
    "MAX_PANES",
    "Call",
    "CallState",
    "CallStats",
    "CameraPosition",
    "Capability",
    "Capacity",
    "Conference",
    "ConnectionState",
    "DeviceHealth",
    "Endpoint",
    "Layout",
    "LayoutKind",
    "Level",
    "MoveDirection",
    "Pane",
    "PaneKind",
    "Participant",
    "ParticipantKind",
    "Preset",
    "SignalProtocol",
    "Site",
    "ZoomDirection",
]

_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/@-]{0,127}\Z")
# Control characters (C0 including tab and newline, DEL, C1, NUL): never in a site's name;
# they would forge lines in logs and reports or move a terminal's cursor.
_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f]")


def _fail(obj: object, name: str, expected: str, got: object) -> ConfigError:
    return ConfigError(
        f"invalid {type(obj).__name__}.{name}",
        operation="validate",
        expected=expected,
        got=repr(got),
    )


def _check_id(obj: object, name: str, value: object) -> None:
    if not isinstance(value, str) or not _ID_RE.match(value):
        raise _fail(obj, name, "1-128 characters of letters, digits and _.:/@- ", value)


def _check_plain_text(obj: object, name: str, value: object, *, max_len: int = 200) -> None:
    """Text that people write (a site's name): no control characters either. Text that
    devices report (participant names, SNMP strings) is only length-checked: a device's
    odd byte must not make a poll fail."""
    _check_text(obj, name, value, max_len=max_len)
    if _CONTROL_RE.search(str(value)):
        raise _fail(obj, name, "text without control characters (NUL, newline, escape...)",
                    value)


def _check_text(obj: object, name: str, value: object, *, max_len: int = 200) -> None:
    if not isinstance(value, str) or not value.strip() or len(value) > max_len:
        raise _fail(obj, name, f"non-empty text of at most {max_len} characters", value)


def _check_number(
    obj: object, name: str, value: object, lo: float | None = None, hi: float | None = None
) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise _fail(obj, name, "a number", value)
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        bounds = f"{'' if lo is None else lo}..{'' if hi is None else hi}"
        raise _fail(obj, name, f"a number in {bounds}", value)


def _check_int(
    obj: object, name: str, value: object, lo: int | None = None, hi: int | None = None
) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(obj, name, "an integer", value)
    _check_number(obj, name, value, lo, hi)


class Level(enum.StrEnum):
    """Where a site stands in the hierarchy. ``ROOM`` covers other hierarchies' rooms."""

    GOVERNMENT = "government"
    PROVINCE = "province"
    DISTRICT = "district"
    COMMUNE = "commune"
    ROOM = "room"

    @property
    def rank(self) -> int:
        """0 for the government, growing downwards."""
        return _LEVEL_RANK[self]


_LEVEL_RANK = {
    Level.GOVERNMENT: 0,
    Level.PROVINCE: 1,
    Level.DISTRICT: 2,
    Level.COMMUNE: 3,
    Level.ROOM: 4,
}


class SignalProtocol(enum.StrEnum):
    """Call signalling protocol of an endpoint."""

    H323 = "h323"
    SIP = "sip"


class ConnectionState(enum.StrEnum):
    """State of a participant's or a call's connection.

    Vendor-neutral: each driver maps its device's own values here in one table and keeps
    the device's value beside it (``Participant.raw_state``). ``UNKNOWN`` is a value the
    driver does not know; it never hides the rest of a list.
    """

    DORMANT = "dormant"            # configured, no attempt to connect (yet)
    DIALLING = "dialling"
    CONNECTING = "connecting"      # call set-up in progress ("proceeding")
    ALERTING = "alerting"          # the far end is ringing
    PENDING = "pending"
    CONNECTED = "connected"
    ON_HOLD = "on_hold"
    DISCONNECTING = "disconnecting"
    DISCONNECTED = "disconnected"
    FAILED = "failed"
    UNKNOWN = "unknown"


CallState = ConnectionState
"""A codec call has the same life cycle as an MCU participant."""


class ParticipantKind(enum.StrEnum):
    """An endpoint site, or another MCU's conference joined through a cascade link."""

    SITE = "site"
    CASCADE = "cascade"


@dataclass(frozen=True, slots=True)
class Site:
    """A meeting room (điểm cầu) in the hierarchy; ``parent`` is ``None`` only at the top."""

    id: str
    name: str
    level: Level
    parent: str | None = None

    def __post_init__(self) -> None:
        _check_id(self, "id", self.id)
        _check_plain_text(self, "name", self.name)
        if not isinstance(self.level, Level):
            raise _fail(self, "level", f"one of {[lv.value for lv in Level]}", self.level)
        if self.parent is not None:
            _check_id(self, "parent", self.parent)
            if self.parent == self.id:
                raise _fail(self, "parent", "another site's id", self.parent)


@dataclass(frozen=True, slots=True)
class Endpoint:
    """How to call a site: its address (E.164 number, H.323 alias/IP, SIP URI)."""

    site: str
    address: str
    protocol: SignalProtocol = SignalProtocol.H323

    def __post_init__(self) -> None:
        _check_id(self, "site", self.site)
        _check_text(self, "address", self.address, max_len=255)
        if any(ch.isspace() for ch in self.address):
            raise _fail(self, "address", "an address without spaces", self.address)
        if not isinstance(self.protocol, SignalProtocol):
            raise _fail(self, "protocol", "h323 or sip", self.protocol)


@dataclass(frozen=True, slots=True)
class Conference:
    """A conference on one MCU."""

    name: str
    id: str | None = None
    active: bool = True
    participant_count: int = 0

    def __post_init__(self) -> None:
        _check_text(self, "name", self.name, max_len=80)
        _check_int(self, "participant_count", self.participant_count, 0)


@dataclass(frozen=True, slots=True)
class Participant:
    """One participant of one conference: a site, or a cascade link to another MCU."""

    conference: str
    name: str
    address: str
    protocol: SignalProtocol = SignalProtocol.H323
    kind: ParticipantKind = ParticipantKind.SITE
    state: ConnectionState = ConnectionState.CONNECTED
    muted: bool = False
    site: str | None = None
    raw_state: str | None = None
    """The device's own state value (e.g. Codian ``callStateEx``), kept as it came."""
    disconnect_reason: str | None = None
    """The device's own reason for the last disconnection, where it gives one."""

    def __post_init__(self) -> None:
        _check_text(self, "conference", self.conference, max_len=80)
        _check_text(self, "name", self.name, max_len=80)
        _check_text(self, "address", self.address, max_len=255)
        if self.site is not None:
            _check_id(self, "site", self.site)
        if self.raw_state is not None:
            _check_text(self, "raw_state", self.raw_state, max_len=80)
        if self.disconnect_reason is not None:
            _check_text(self, "disconnect_reason", self.disconnect_reason, max_len=120)


class PaneKind(enum.StrEnum):
    """What a pane of a layout shows (Codian pane types, vendor-neutral)."""

    DEFAULT = "default"
    BLANK = "blank"
    LOUDEST = "loudest"
    ROLLING = "rolling"
    PARTICIPANT = "participant"
    CONTENT = "content"            # the content (H.239 / BFCP) channel


@dataclass(frozen=True, slots=True)
class Pane:
    """One pane of a layout; ``participant`` is set exactly when ``kind`` is PARTICIPANT."""

    index: int
    kind: PaneKind = PaneKind.DEFAULT
    participant: str | None = None

    def __post_init__(self) -> None:
        _check_int(self, "index", self.index, 0, 63)
        if (self.kind is PaneKind.PARTICIPANT) != (self.participant is not None):
            raise _fail(
                self, "participant", "a participant name exactly when kind is participant",
                self.participant,
            )


class LayoutKind(enum.StrEnum):
    """Shape of a layout."""

    FULL_SCREEN = "full_screen"
    GRID = "grid"
    LOUDEST = "loudest"
    BLANK = "blank"
    OTHER = "other"                # a device layout the driver reads but does not model


MAX_PANES = 64
"""The most panes any layout in the model has."""


@dataclass(frozen=True, slots=True)
class Layout:
    """A screen layout: ``pane_count`` panes (1 for full screen), some of them placed.

    The model says how many panes a layout has and what each placed pane shows, not the
    geometry: vendors name their layouts (Codian ``layout<n>``, SMC ``CP_<n>_<m>``) and
    draw them only as pictures, so each driver keeps its own table of the layouts it
    relies on, with their sources. ``vendor_name`` is the device's own name for a layout
    read back from it.
    """

    kind: LayoutKind
    pane_count: int = 1
    panes: tuple[Pane, ...] = ()
    vendor_name: str | None = None

    def __post_init__(self) -> None:
        _check_int(self, "pane_count", self.pane_count, 1, MAX_PANES)
        if len(self.panes) > self.pane_count:
            raise _fail(self, "panes", f"at most {self.pane_count} panes", len(self.panes))
        indexes = [p.index for p in self.panes]
        if len(set(indexes)) != len(indexes):
            raise _fail(self, "panes", "distinct pane indexes", indexes)
        if any(i >= self.pane_count for i in indexes):
            raise _fail(self, "panes", f"indexes below {self.pane_count}", indexes)
        if self.vendor_name is not None:
            _check_text(self, "vendor_name", self.vendor_name, max_len=40)

    @classmethod
    def full_screen(cls, participant: str) -> Layout:
        """One participant on the whole screen."""
        return cls(LayoutKind.FULL_SCREEN, 1, (Pane(0, PaneKind.PARTICIPANT, participant),))

    @classmethod
    def grid_of(cls, participants: Iterable[str], n: int | None = None) -> Layout:
        """An N×N grid (N² panes) with the given participants in order (N fits them if
        not given)."""
        names = list(participants)
        size = n if n is not None else max(1, math.ceil(math.sqrt(len(names))))
        panes = tuple(Pane(i, PaneKind.PARTICIPANT, name) for i, name in enumerate(names))
        return cls(LayoutKind.GRID, size * size, panes)

    @classmethod
    def loudest(cls) -> Layout:
        """Voice-switched: whoever speaks loudest, full screen."""
        return cls(LayoutKind.LOUDEST, 1, (Pane(0, PaneKind.LOUDEST),))

    @classmethod
    def blank(cls) -> Layout:
        """Nothing shown."""
        return cls(LayoutKind.BLANK, 1, (Pane(0, PaneKind.BLANK),))

    def participants(self) -> tuple[str, ...]:
        """Names of the participants placed explicitly, in pane order."""
        return tuple(
            p.participant for p in sorted(self.panes, key=lambda p: p.index) if p.participant
        )


FIGURES = frozenset({"loss", "jitter", "delay"})
"""The figures a :class:`CallStats` can carry."""


@dataclass(frozen=True, slots=True)
class CallStats:
    """Receive-side quality of one participant or call.

    ``measured`` names the figures the source really gave (a figure not in it is 0 and
    means "not measured"); ``source`` says where they came from (e.g. ``"mcu"``,
    ``"snmp"``, ``"codec"``).
    """

    participant: str
    loss_percent: float = 0.0
    jitter_ms: float = 0.0
    delay_ms: float = 0.0
    source: str = ""
    measured: frozenset[str] = FIGURES

    def __post_init__(self) -> None:
        _check_text(self, "participant", self.participant, max_len=255)
        if not isinstance(self.measured, frozenset) or not self.measured <= FIGURES:
            raise _fail(self, "measured", f"a subset of {sorted(FIGURES)}", self.measured)
        _check_number(self, "loss_percent", self.loss_percent, 0.0, 100.0)
        _check_number(self, "jitter_ms", self.jitter_ms, 0.0, 60_000.0)
        _check_number(self, "delay_ms", self.delay_ms, 0.0, 60_000.0)


@dataclass(frozen=True, slots=True)
class CameraPosition:
    """Pan, tilt and zoom in the camera's own units (VISCA: signed 16-bit tilt; pan 16-bit,
    or 20-bit on Sony BRC models, whose pan position has 5 nibbles; docs/visca.md)."""

    pan: int
    tilt: int
    zoom: int = 0

    def __post_init__(self) -> None:
        _check_int(self, "pan", self.pan, -0x80000, 0x7FFFF)
        _check_int(self, "tilt", self.tilt, -32768, 32767)
        _check_int(self, "zoom", self.zoom, 0, 65535)


@dataclass(frozen=True, slots=True)
class Preset:
    """A stored camera position: number on the device, and the room's name for it."""

    number: int
    name: str | None = None
    position: CameraPosition | None = None

    def __post_init__(self) -> None:
        _check_int(self, "number", self.number, 0, 255)
        if self.name is not None:
            _check_text(self, "name", self.name, max_len=40)


@dataclass(frozen=True, slots=True)
class Call:
    """A call of a room codec."""

    call_id: str
    number: str
    state: ConnectionState
    protocol: SignalProtocol | None = None

    def __post_init__(self) -> None:
        _check_text(self, "call_id", self.call_id, max_len=40)
        _check_text(self, "number", self.number, max_len=255)


@dataclass(frozen=True, slots=True)
class Capacity:
    """Port usage of an MCU: each site and each cascade link uses one port."""

    ports_total: int
    ports_used: int

    def __post_init__(self) -> None:
        _check_int(self, "ports_total", self.ports_total, 0)
        _check_int(self, "ports_used", self.ports_used, 0, self.ports_total)

    @property
    def ports_free(self) -> int:
        """Ports still available."""
        return self.ports_total - self.ports_used


@dataclass(frozen=True, slots=True)
class DeviceHealth:
    """What a device says of its own health; ``None`` where the device does not tell."""

    device: str
    reachable: bool
    uptime_s: float | None = None
    cpu_load_percent: float | None = None
    active_calls: int | None = None
    interfaces_down: tuple[str, ...] = ()
    detail: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    def __post_init__(self) -> None:
        _check_text(self, "device", self.device, max_len=255)
        if self.uptime_s is not None:
            _check_number(self, "uptime_s", self.uptime_s, 0.0)
        if self.cpu_load_percent is not None:
            _check_number(self, "cpu_load_percent", self.cpu_load_percent, 0.0, 100.0)
        if self.active_calls is not None:
            _check_int(self, "active_calls", self.active_calls, 0)


class Capability(enum.StrEnum):
    """What a driver can do. A call outside a driver's capabilities raises NotSupported."""

    # MCU
    CONFERENCES = "conferences"
    CREATE_CONFERENCE = "create_conference"
    PARTICIPANTS = "participants"
    ADD_PARTICIPANT = "add_participant"
    REMOVE_PARTICIPANT = "remove_participant"
    CONNECT_PARTICIPANT = "connect_participant"
    SET_LAYOUT = "set_layout"
    TARGETED_LAYOUT = "targeted_layout"
    FULL_SCREEN = "full_screen"
    MUTE = "mute"
    STATS = "stats"
    HEALTH = "health"
    CAPACITY = "capacity"
    # Codec
    DIAL = "dial"
    HANG_UP = "hang_up"
    CALLS = "calls"
    MUTE_MICROPHONES = "mute_microphones"
    CODEC_LAYOUT = "codec_layout"
    CAMERA_CONTROL = "camera_control"
    # Camera
    PRESETS = "presets"
    MOVE = "move"
    ZOOM = "zoom"
    POSITION = "position"
    ABSOLUTE_POSITION = "absolute_position"
    POWER = "power"


class MoveDirection(enum.StrEnum):
    """Pan-tilt drive directions (VISCA's eight plus stop)."""

    UP = "up"
    DOWN = "down"
    LEFT = "left"
    RIGHT = "right"
    UP_LEFT = "up_left"
    UP_RIGHT = "up_right"
    DOWN_LEFT = "down_left"
    DOWN_RIGHT = "down_right"
    STOP = "stop"


class ZoomDirection(enum.StrEnum):
    """Continuous zoom: tele (in), wide (out) or stop."""

    TELE = "tele"
    WIDE = "wide"
    STOP = "stop"
