"""The VISCA wire protocol, sans-I/O (h11 style), for both ends of the line.

Push received bytes in with :meth:`ViscaWire.receive_data`, pull events out with
:meth:`ViscaWire.next_event` until it returns :data:`NEED_DATA`, and turn outgoing values
into bytes with :meth:`ViscaWire.send`. The wire never touches a socket or a port.

- In the **controller** role (drivers) it sends :class:`~.commands.Command` values and
  yields replies: :class:`Ack`, :class:`Completion`, :class:`ErrorReply`,
  :class:`InquiryReply`, :class:`AddressSetReply`, :class:`IfClearEcho`.
- In the **device** role (the camera simulator) it yields :class:`Request` and sends the
  reply values.

Frames are 3..16 bytes ending in ``FF``. Bytes that are not a frame are skipped up to a
frame header or the next terminator and reported as :class:`Garbage` (never glued onto
the next frame); a run of 16 bytes without a terminator is reported as too long and the
wire resynchronises on the next ``FF``.
"""

from __future__ import annotations

import enum
from collections import deque
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from ...errors import ConfigError
from .commands import Command, decode_message

__all__ = [
    "MAX_FRAME",
    "NEED_DATA",
    "Ack",
    "AddressSetReply",
    "Completion",
    "ErrorKind",
    "ErrorReply",
    "Event",
    "Garbage",
    "IfClearEcho",
    "InquiryReply",
    "NeedData",
    "Reply",
    "Request",
    "Role",
    "UnknownMessage",
    "ViscaWire",
    "decode_datagram",
]

TERMINATOR: Final = 0xFF
BROADCAST: Final = 0x88
MAX_FRAME: Final = 16


class Role(enum.Enum):
    """Which end of the line the wire serves."""

    CONTROLLER = "controller"
    DEVICE = "device"


class NeedData:
    """The type of :data:`NEED_DATA`."""

    def __repr__(self) -> str:
        return "NEED_DATA"


NEED_DATA: Final = NeedData()
"""``next_event()`` returns this when a whole frame has not arrived yet."""


class ErrorKind(enum.IntEnum):
    """VISCA error codes (the byte after ``6y``)."""

    MESSAGE_LENGTH = 0x01
    SYNTAX = 0x02
    BUFFER_FULL = 0x03
    CANCELED = 0x04
    NO_SOCKET = 0x05
    NOT_EXECUTABLE = 0x41

    @property
    def text(self) -> str:
        """The name used in vectors and messages (``buffer_full``)."""
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class Ack:
    """The camera accepted a command into ``socket`` (1 or 2)."""

    socket: int
    address: int = 1


@dataclass(frozen=True, slots=True)
class Completion:
    """The command in ``socket`` finished (socket 0: an addressed IF_Clear)."""

    socket: int
    address: int = 1


@dataclass(frozen=True, slots=True)
class ErrorReply:
    """The camera refused or aborted a command; socket 0 when no socket was involved."""

    kind: ErrorKind
    socket: int = 0
    address: int = 1


@dataclass(frozen=True, slots=True)
class InquiryReply:
    """The answer to an inquiry: the bytes between ``x0 50`` and ``FF``."""

    payload: bytes
    address: int = 1


@dataclass(frozen=True, slots=True)
class AddressSetReply:
    """``88 30 0n FF`` back from the chain: ``next_address`` - 1 cameras answered."""

    next_address: int


@dataclass(frozen=True, slots=True)
class IfClearEcho:
    """A broadcast IF_Clear that went round the chain."""


@dataclass(frozen=True, slots=True)
class Request:
    """Device role: a command for ``destination`` (1..7, or 8 for broadcast)."""

    destination: int
    command: Command


@dataclass(frozen=True, slots=True)
class UnknownMessage:
    """A well-formed frame whose message this library does not know (a camera answers
    it with a syntax error)."""

    peer: int
    message: bytes


@dataclass(frozen=True, slots=True)
class Garbage:
    """Bytes skipped because they are not a frame; ``reason`` says why."""

    data: bytes
    reason: str


Reply = Ack | Completion | ErrorReply | InquiryReply | AddressSetReply | IfClearEcho
_REPLY_TYPES = (Ack, Completion, ErrorReply, InquiryReply, AddressSetReply, IfClearEcho)
_REPLY_TYPE_SET = frozenset(_REPLY_TYPES)
Event = Reply | Request | UnknownMessage | Garbage

_SHORT: Final = 3  # header, one message byte, terminator


def _check_address(address: int) -> None:
    if isinstance(address, bool) or not isinstance(address, int) or not 1 <= address <= 7:
        raise ConfigError("camera address out of range", operation="visca address",
                          expected="1..7", got=repr(address))


class ViscaWire:
    """Frames and parses VISCA for one end of a serial line or one UDP peer.

    ``address`` is the camera's address (1..7): the destination of commands in the
    controller role, the source of replies in the device role.
    """

    def __init__(self, role: Role = Role.CONTROLLER, address: int = 1) -> None:
        _check_address(address)
        self.role = role
        self.address = address
        self._buffer = bytearray()
        self._events: deque[Event] = deque()
        self._discarding = False

    # -- sending ---------------------------------------------------------------------------
    def send(self, value: Command | Reply) -> bytes:
        """The frame for a command (controller role) or a reply (device role)."""
        if self.role is Role.DEVICE and type(value) in _REPLY_TYPE_SET:
            return _reply_frame(value, self.address)
        if self.role is Role.CONTROLLER:
            if not isinstance(value, Command):
                raise ConfigError("a controller sends commands", operation="visca send",
                                  expected="a Command", got=type(value).__name__)
            header = BROADCAST if value.broadcast else 0x80 | self.address
            return bytes((header,)) + value.encode() + b"\xff"
        if isinstance(value, Command):
            raise ConfigError("a camera sends replies", operation="visca send",
                              expected="a reply value", got=type(value).__name__)
        return self._encode_reply(value)

    def _encode_reply(self, reply: Reply) -> bytes:
        if not isinstance(reply, _REPLY_TYPES):
            raise ConfigError("not a VISCA reply", operation="visca send",
                              expected="Ack, Completion, ErrorReply, InquiryReply, "
                                       "AddressSetReply or IfClearEcho",
                              got=type(reply).__name__)
        return _reply_frame(reply, self.address)

    # -- receiving -------------------------------------------------------------------------
    def receive_data(self, data: bytes) -> None:
        """Add received bytes; complete frames become events."""
        buf = bytes(self._buffer) + data if self._buffer else bytes(data)
        events, start, size = self._events, 0, len(buf)
        while start < size:
            # Only the first MAX_FRAME bytes may hold this frame's terminator.
            end = buf.find(TERMINATOR, start, start + MAX_FRAME)
            if end < 0:
                if size - start < MAX_FRAME:
                    break
                # Report what we have and resynchronise on the next terminator.
                reason = ("more of an over-long frame" if self._discarding
                          else f"no terminator within {MAX_FRAME} bytes")
                events.append(Garbage(buf[start:start + MAX_FRAME], reason))
                start += MAX_FRAME
                self._discarding = True
                continue
            frame = buf[start:end + 1]
            start = end + 1
            if self._discarding:
                self._discarding = False
                events.append(Garbage(frame, "end of an over-long frame"))
            else:
                self._frame(frame)
        self._buffer = bytearray(buf[start:])

    def next_event(self) -> Event | NeedData:
        """The next event, or :data:`NEED_DATA`."""
        return self._events.popleft() if self._events else NEED_DATA

    def events(self) -> list[Event]:
        """Every event decoded so far (drains the queue)."""
        out = list(self._events)
        self._events.clear()
        return out

    @property
    def pending(self) -> int:
        """Bytes held back waiting for the rest of a frame."""
        return len(self._buffer)

    def _frame(self, frame: bytes) -> None:
        # Try each plausible header in turn: garbage before a frame is split off and
        # reported, so a valid frame that follows noise is still decoded. A known message
        # wins over an unknown one that starts earlier (that start was noise).
        fallback: tuple[int, Event] | None = None
        for start in range(len(frame) - _SHORT + 1):
            if not self._is_header(frame[start]):
                continue
            event = self._parse(frame[start:])
            if event is None:
                continue
            if isinstance(event, UnknownMessage):
                fallback = fallback or (start, event)
                continue
            self._emit(frame, start, event)
            return
        if fallback is not None:
            self._emit(frame, *fallback)
        else:
            self._events.append(Garbage(frame, "not a VISCA frame"))

    def _emit(self, frame: bytes, start: int, event: Event) -> None:
        if start:
            self._events.append(Garbage(frame[:start], "bytes before a frame header"))
        self._events.append(event)

    def _is_header(self, byte: int) -> bool:
        if byte == BROADCAST:
            return True
        if self.role is Role.CONTROLLER:
            return 0x90 <= byte <= 0xF0 and byte & 0x0F == 0
        return 0x81 <= byte <= 0x87

    def _parse(self, frame: bytes) -> Event | None:
        header, message = frame[0], frame[1:-1]
        if not message:
            return None
        if self.role is Role.DEVICE:
            destination = header & 0x0F
            command = decode_message(message, broadcast=header == BROADCAST)
            if command is None:
                return UnknownMessage(destination, message)
            return Request(destination, command)
        if header == BROADCAST:
            if len(message) == 2 and message[0] == 0x30 and 2 <= message[1] <= 8:
                return AddressSetReply(message[1])
            if message == b"\x01\x00\x01":
                return IfClearEcho()
            return None
        return self._parse_reply((header >> 4) - 8, message)

    @staticmethod
    def _parse_reply(source: int, message: bytes) -> Event | None:
        kind, socket = message[0] >> 4, message[0] & 0x0F
        rest = message[1:]
        if kind == 0x4 and socket in (1, 2) and not rest:
            return Ack(socket, source)
        if kind == 0x5 and socket == 0 and rest:
            return InquiryReply(bytes(rest), source)
        if kind == 0x5 and socket <= 2 and not rest:
            return Completion(socket, source)
        if kind == 0x6 and socket <= 2 and len(rest) == 1:
            try:
                return ErrorReply(ErrorKind(rest[0]), socket, source)
            except ValueError:
                return UnknownMessage(source, message)
        return UnknownMessage(source, message)


@lru_cache(maxsize=256)
def _reply_frame(reply: Reply, address: int) -> bytes:
    # Replies are frozen values: a camera sends the same few frames over and over.
    source = 0x80 | (address << 4)
    match reply:
        case Ack(socket=s):
            body = bytes((source, 0x40 | s))
        case Completion(socket=s):
            body = bytes((source, 0x50 | s))
        case ErrorReply(kind=kind, socket=s):
            body = bytes((source, 0x60 | s, int(kind)))
        case InquiryReply(payload=payload):
            body = bytes((source, 0x50)) + payload
        case AddressSetReply(next_address=n):
            body = bytes((BROADCAST, 0x30, n))
        case IfClearEcho():
            body = b"\x88\x01\x00\x01"
        case _:
            raise ConfigError("not a VISCA reply", operation="visca send",
                              expected="Ack, Completion, ErrorReply, InquiryReply, "
                                       "AddressSetReply or IfClearEcho",
                              got=type(reply).__name__)
    frame = body + b"\xff"
    if len(frame) > MAX_FRAME or TERMINATOR in frame[:-1]:
        raise ConfigError("reply does not fit a VISCA frame", operation="visca send",
                          expected=f"at most {MAX_FRAME} bytes, no FF inside",
                          got=frame.hex(" "))
    return frame


def decode_datagram(payload: bytes, role: Role) -> tuple[Event, ...]:
    """Every event in one whole message (a VISCA-over-IP payload), decoded for ``role``.

    Unlike a serial line, nothing carries over to the next datagram: an unterminated rest
    is :class:`Garbage`. Results are cached (events are immutable values), so the few
    frames a camera and its controllers exchange are decoded once.
    """
    if role is Role.CONTROLLER:
        return _decode_reply_datagram(payload)
    return _decode_request_datagram(payload)


@lru_cache(maxsize=1024)
def _decode_reply_datagram(payload: bytes) -> tuple[Event, ...]:
    return _decode_whole(payload, Role.CONTROLLER)


@lru_cache(maxsize=1024)
def _decode_request_datagram(payload: bytes) -> tuple[Event, ...]:
    return _decode_whole(payload, Role.DEVICE)


def _decode_whole(payload: bytes, role: Role) -> tuple[Event, ...]:
    wire = ViscaWire(role)
    wire.receive_data(payload)
    events = wire.events()
    if wire.pending:
        events.append(Garbage(bytes(wire._buffer), "unterminated message"))
    return tuple(events)
