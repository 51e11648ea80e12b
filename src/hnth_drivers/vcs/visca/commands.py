"""VISCA commands and inquiries as values: each encodes its message bytes and decodes back.

A message is what sits between the header byte (``8x``) and the terminator (``FF``).
Values are checked against what the protocol can carry (the byte layouts of Sony's command
lists; docs/visca.md lists each with its source page); a camera model's narrower limits are
checked by the drivers against its profile.

Pan/tilt positions are model-dependent: see :mod:`.positions` (:class:`PositionLayout`,
re-exported here).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import ClassVar

from ...errors import ConfigError
from ...model import MoveDirection, ZoomDirection
from .positions import (
    NARROW,
    WIDE_PAN,
    PositionLayout,
    from_nibbles,
    nibbles,
    signed,
    signed16,
)

__all__ = [
    "NARROW",
    "PAN_SPEED_MAX",
    "PRESET_MAX",
    "TILT_SPEED_MAX",
    "WIDE_PAN",
    "ZOOM_SPEED_MAX",
    "AddressSet",
    "Cancel",
    "Command",
    "IfClear",
    "Inquiry",
    "Memory",
    "MemoryOp",
    "PanTiltAbsolute",
    "PanTiltDrive",
    "PanTiltHome",
    "PanTiltPositionInquiry",
    "PanTiltRelative",
    "PanTiltReset",
    "PositionLayout",
    "Power",
    "PowerInquiry",
    "Zoom",
    "ZoomDirect",
    "ZoomPositionInquiry",
    "decode_message",
    "from_nibbles",
    "nibbles",
    "signed",
    "signed16",
]

PAN_SPEED_MAX = 0x18
TILT_SPEED_MAX = 0x18  # BRC-H700 command list p. 12: WW 01..18h
ZOOM_SPEED_MAX = 7
PRESET_MAX = 0xFE  # 0xFF is the terminator, so it can never be a preset byte

_DRIVE = {
    MoveDirection.UP: b"\x03\x01",
    MoveDirection.DOWN: b"\x03\x02",
    MoveDirection.LEFT: b"\x01\x03",
    MoveDirection.RIGHT: b"\x02\x03",
    MoveDirection.UP_LEFT: b"\x01\x01",
    MoveDirection.UP_RIGHT: b"\x02\x01",
    MoveDirection.DOWN_LEFT: b"\x01\x02",
    MoveDirection.DOWN_RIGHT: b"\x02\x02",
    MoveDirection.STOP: b"\x03\x03",
}
_DRIVE_BACK = {v: k for k, v in _DRIVE.items()}


def _check(command: str, field: str, value: int, lo: int, hi: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ConfigError(f"{field} out of range", operation=command,
                          expected=f"an integer {lo}..{hi}", got=repr(value))


class Command:
    """A VISCA message a controller sends. Subclasses are frozen dataclasses.

    Not an ``abc.ABC`` on purpose: the codec and the simulator test ``isinstance`` on
    every message, and ABC instance checks cost several times more.
    """

    __slots__ = ()

    #: The name used in the test vectors and in error messages.
    name: ClassVar[str] = ""
    #: Sending it twice has the same effect as once (safe to retransmit on serial).
    idempotent: ClassVar[bool] = True

    def encode(self) -> bytes:
        """The message bytes, without header and terminator (each command class defines
        it)."""
        raise TypeError(f"{type(self).__name__} is not a concrete VISCA command")

    @property
    def broadcast(self) -> bool:
        """Sent to every camera (header ``88``) rather than to one address."""
        return False

    @property
    def label(self) -> str:
        """The command's name for messages (``memory_recall``)."""
        return self.name


class Inquiry(Command):
    """A question to the camera; answered by an inquiry reply, never an ACK."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Power(Command):
    """Power on, or standby."""

    on: bool

    name: ClassVar[str] = "power"

    def encode(self) -> bytes:
        return b"\x01\x04\x00" + (b"\x02" if self.on else b"\x03")

    @property
    def label(self) -> str:
        return "power_on" if self.on else "power_off"


@dataclass(frozen=True, slots=True)
class Zoom(Command):
    """Continuous zoom: tele (in), wide (out) or stop; ``speed`` 0..7 for variable speed."""

    direction: ZoomDirection
    speed: int | None = None

    name: ClassVar[str] = "zoom"

    def __post_init__(self) -> None:
        if self.speed is not None:
            _check(self.label, "zoom speed", self.speed, 0, ZOOM_SPEED_MAX)
            if self.direction is ZoomDirection.STOP:
                raise ConfigError("zoom stop takes no speed", operation="zoom_stop")

    def encode(self) -> bytes:
        if self.direction is ZoomDirection.STOP:
            return b"\x01\x04\x07\x00"
        base = 0x02 if self.direction is ZoomDirection.TELE else 0x03
        if self.speed is None:
            return bytes((0x01, 0x04, 0x07, base))
        return bytes((0x01, 0x04, 0x07, (base << 4) | self.speed))

    @property
    def label(self) -> str:
        suffix = "" if self.speed is None else "_variable"
        return f"zoom_{self.direction.value}{suffix}"


@dataclass(frozen=True, slots=True)
class ZoomDirect(Command):
    """Zoom to an absolute position 0..0xFFFF (the model's range is narrower)."""

    position: int

    name: ClassVar[str] = "zoom_direct"

    def __post_init__(self) -> None:
        _check(self.name, "zoom position", self.position, 0, 0xFFFF)

    def encode(self) -> bytes:
        return b"\x01\x04\x47" + nibbles(self.position)


def _check_speeds(name: str, pan_speed: int, tilt_speed: int) -> None:
    _check(name, "pan speed", pan_speed, 1, PAN_SPEED_MAX)
    _check(name, "tilt speed", tilt_speed, 1, TILT_SPEED_MAX)


@dataclass(frozen=True, slots=True)
class PanTiltDrive(Command):
    """Drive pan/tilt in one of eight directions, or stop."""

    direction: MoveDirection
    pan_speed: int
    tilt_speed: int

    name: ClassVar[str] = "pantilt_drive"

    def __post_init__(self) -> None:
        _check_speeds(self.name, self.pan_speed, self.tilt_speed)

    def encode(self) -> bytes:
        return bytes((0x01, 0x06, 0x01, self.pan_speed, self.tilt_speed)) + _DRIVE[self.direction]


@dataclass(frozen=True, slots=True)
class PanTiltAbsolute(Command):
    """Go to an absolute pan/tilt position, in the model's :class:`PositionLayout`.

    With a one-speed layout (BRC-H700) ``tilt_speed`` is the pan speed: the message
    carries one speed byte.
    """

    pan: int
    tilt: int
    pan_speed: int
    tilt_speed: int
    layout: PositionLayout = NARROW

    name: ClassVar[str] = "pantilt_absolute"
    _code: ClassVar[int] = 0x02

    def __post_init__(self) -> None:
        if self.layout.one_speed:
            _check(self.name, "speed", self.pan_speed, 1, PAN_SPEED_MAX)
            object.__setattr__(self, "tilt_speed", self.pan_speed)
        else:
            _check_speeds(self.name, self.pan_speed, self.tilt_speed)
        _check(self.name, "pan", self.pan, *self.layout.bounds("pan"))
        _check(self.name, "tilt", self.tilt, *self.layout.bounds("tilt"))

    def encode(self) -> bytes:
        second = 0 if self.layout.one_speed else self.tilt_speed
        return (bytes((0x01, 0x06, self._code, self.pan_speed, second))
                + self.layout.encode(self.pan, self.tilt))


@dataclass(frozen=True, slots=True)
class PanTiltRelative(PanTiltAbsolute):
    """Move pan/tilt by a signed offset from where the camera is."""

    name: ClassVar[str] = "pantilt_relative"
    idempotent: ClassVar[bool] = False
    _code: ClassVar[int] = 0x03


@dataclass(frozen=True, slots=True)
class PanTiltHome(Command):
    """Go to the home position."""

    name: ClassVar[str] = "pantilt_home"

    def encode(self) -> bytes:
        return b"\x01\x06\x04"


@dataclass(frozen=True, slots=True)
class PanTiltReset(Command):
    """Re-initialise the pan/tilt mechanism."""

    name: ClassVar[str] = "pantilt_reset"

    def encode(self) -> bytes:
        return b"\x01\x06\x05"


class MemoryOp(enum.IntEnum):
    """What a preset (memory) command does."""

    RESET = 0
    SET = 1
    RECALL = 2


@dataclass(frozen=True, slots=True)
class Memory(Command):
    """Preset reset, set (store) or recall."""

    op: MemoryOp
    preset: int

    name: ClassVar[str] = "memory"

    def __post_init__(self) -> None:
        _check(self.label, "preset", self.preset, 0, PRESET_MAX)

    def encode(self) -> bytes:
        return bytes((0x01, 0x04, 0x3F, int(self.op), self.preset))

    @property
    def label(self) -> str:
        return f"memory_{self.op.name.lower()}"


@dataclass(frozen=True, slots=True)
class IfClear(Command):
    """Clear the camera's command buffers; ``all_cameras`` broadcasts it to the chain."""

    all_cameras: bool = False

    name: ClassVar[str] = "if_clear"

    def encode(self) -> bytes:
        return b"\x01\x00\x01"

    @property
    def broadcast(self) -> bool:
        return self.all_cameras

    @property
    def label(self) -> str:
        return "if_clear_broadcast" if self.all_cameras else "if_clear"


@dataclass(frozen=True, slots=True)
class AddressSet(Command):
    """Number the cameras of a daisy chain from ``address`` (always broadcast)."""

    address: int = 1

    name: ClassVar[str] = "address_set"

    def __post_init__(self) -> None:
        _check(self.name, "address", self.address, 1, 8)

    @property
    def broadcast(self) -> bool:
        return True

    def encode(self) -> bytes:
        return bytes((0x30, self.address))


@dataclass(frozen=True, slots=True)
class Cancel(Command):
    """Cancel the command running in ``socket`` (1 or 2)."""

    socket: int

    name: ClassVar[str] = "cancel"

    def __post_init__(self) -> None:
        _check(self.name, "socket", self.socket, 1, 2)

    def encode(self) -> bytes:
        return bytes((0x20 | self.socket,))


@dataclass(frozen=True, slots=True)
class PowerInquiry(Inquiry):
    """Is the camera on? Reply payload ``02`` on, ``03`` off."""

    name: ClassVar[str] = "inquiry_power"

    def encode(self) -> bytes:
        return b"\x09\x04\x00"

    @staticmethod
    def parse(payload: bytes) -> bool | None:
        """True for on, False for standby, None if the payload is not a power reply."""
        return {b"\x02": True, b"\x03": False}.get(payload)

    @staticmethod
    def reply(on: bool) -> bytes:
        """The reply payload for a power state."""
        return b"\x02" if on else b"\x03"


@dataclass(frozen=True, slots=True)
class ZoomPositionInquiry(Inquiry):
    """Where is the zoom? Reply payload: four nibbles."""

    name: ClassVar[str] = "inquiry_zoom_position"

    def encode(self) -> bytes:
        return b"\x09\x04\x47"

    @staticmethod
    def parse(payload: bytes) -> int | None:
        """The zoom position, or None if the payload is not a zoom reply."""
        return from_nibbles(payload) if len(payload) == 4 else None

    @staticmethod
    def reply(position: int) -> bytes:
        """The reply payload for a zoom position."""
        return nibbles(position)


@dataclass(frozen=True, slots=True)
class PanTiltPositionInquiry(Inquiry):
    """Where are pan and tilt? Reply payload: the model's pan and tilt nibbles (4 + 4, or
    5 + 4 on the BRC-300: BRC-300/P command list, p. 14), two's complement."""

    name: ClassVar[str] = "inquiry_pantilt_position"

    def encode(self) -> bytes:
        return b"\x09\x06\x12"

    @staticmethod
    def parse(payload: bytes, layout: PositionLayout = NARROW) -> tuple[int, int] | None:
        """(pan, tilt), or None if the payload is not a reply of this layout's widths."""
        return layout.decode(payload)

    @staticmethod
    def reply(pan: int, tilt: int, layout: PositionLayout = NARROW) -> bytes:
        """The reply payload for a pan/tilt position."""
        return layout.encode(pan, tilt)


_FIXED: dict[bytes, Command] = {
    b"\x01\x04\x00\x02": Power(True),
    b"\x01\x04\x00\x03": Power(False),
    b"\x01\x04\x07\x00": Zoom(ZoomDirection.STOP),
    b"\x01\x04\x07\x02": Zoom(ZoomDirection.TELE),
    b"\x01\x04\x07\x03": Zoom(ZoomDirection.WIDE),
    b"\x01\x06\x04": PanTiltHome(),
    b"\x01\x06\x05": PanTiltReset(),
    b"\x09\x04\x00": PowerInquiry(),
    b"\x09\x04\x47": ZoomPositionInquiry(),
    b"\x09\x06\x12": PanTiltPositionInquiry(),
}


def _decode_variable(m: bytes) -> Command | None:
    n = len(m)
    if n == 4 and m[:3] == b"\x01\x04\x07" and m[3] >> 4 in (2, 3):
        direction = ZoomDirection.TELE if m[3] >> 4 == 2 else ZoomDirection.WIDE
        return Zoom(direction, m[3] & 0x0F)
    if n == 7 and m[:3] == b"\x01\x04\x47":
        position = from_nibbles(m[3:])
        return None if position is None else ZoomDirect(position)
    if n == 7 and m[:3] == b"\x01\x06\x01" and bytes(m[5:]) in _DRIVE_BACK:
        return PanTiltDrive(_DRIVE_BACK[bytes(m[5:])], m[3], m[4])
    if n in (13, 14) and m[:2] == b"\x01\x06" and m[2] in (2, 3):
        # 4 + 4 nibbles after a pan and a tilt speed; or one speed, 00, 5 + 4 nibbles
        layout = NARROW if n == 13 else WIDE_PAN
        if layout.one_speed and m[4] != 0:
            return None
        where = layout.decode(m[5:])
        if where is None:
            return None
        kind = PanTiltAbsolute if m[2] == 2 else PanTiltRelative
        return kind(where[0], where[1], m[3], m[4] or m[3], layout)
    if n == 5 and m[:3] == b"\x01\x04\x3F" and m[3] <= 2:
        return Memory(MemoryOp(m[3]), m[4])
    if n == 2 and m[0] == 0x30:
        return AddressSet(m[1])
    if n == 1 and m[0] in (0x21, 0x22):
        return Cancel(m[0] & 0x0F)
    return None


def decode_message(message: bytes, *, broadcast: bool = False) -> Command | None:
    """The command a message carries, or None if it is not one this library knows.

    ``broadcast`` says the frame's header was ``88``.
    """
    if message == b"\x01\x00\x01":
        return IfClear(all_cameras=broadcast)
    fixed = _FIXED.get(bytes(message))
    if fixed is not None:
        return fixed
    try:
        return _decode_variable(message)
    except ConfigError:  # well-framed, but a value the protocol does not allow
        return None
