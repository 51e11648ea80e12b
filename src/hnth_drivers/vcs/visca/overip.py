"""VISCA over IP framing, sans-I/O: the 8-byte header around each VISCA message.

Header: payload type (2 bytes), payload length (2 bytes, big-endian, 1..16), sequence
number (4 bytes, big-endian); payload types and the control messages below are those of
Sony's SRG-300H command list (p. 31). One UDP datagram carries one message. The controller
numbers its messages and the camera echoes the number in each reply. Control command
``RESET`` (payload ``01``) sets the camera's sequence number to 0, whatever number the
RESET itself carries, and is answered by the control reply ``01`` (Acknowledge). Control
command ``ERROR`` reports a sequence-number abnormality (``0F 01``, e.g. a retransmission
of a message already executed) or a message-type abnormality (``0F 02``). The guide lists
ERROR under the control *command* (payload type ``02 00``); some cameras send it as a
control *reply* (``02 01``): both are read as errors (:attr:`IpMessage.is_sequence_error`).
"""

from __future__ import annotations

import enum
import struct
from typing import Final, NamedTuple

from ...errors import ProtocolError

__all__ = [
    "ACKNOWLEDGE",
    "DEFAULT_PORT",
    "HEADER_SIZE",
    "RESET",
    "SEQUENCE_ERROR",
    "TYPE_ERROR",
    "IpMessage",
    "PayloadType",
    "SequenceCounter",
    "decode_ip",
    "encode_ip",
    "split_datagram",
]

DEFAULT_PORT: Final = 52381
HEADER_SIZE: Final = 8
MAX_PAYLOAD: Final = 16
RESET: Final = b"\x01"
ACKNOWLEDGE: Final = b"\x01"  # the control reply to RESET
SEQUENCE_ERROR: Final = b"\x0f\x01"
TYPE_ERROR: Final = b"\x0f\x02"
_HEADER = struct.Struct(">HHI")


class PayloadType(enum.IntEnum):
    """What a VISCA-over-IP datagram carries."""

    COMMAND = 0x0100
    INQUIRY = 0x0110
    REPLY = 0x0111
    DEVICE_SETTING = 0x0120
    CONTROL = 0x0200
    CONTROL_REPLY = 0x0201


_PAYLOAD_TYPES = {int(t): t for t in PayloadType}  # a dict lookup: this is the hot path


class IpMessage(NamedTuple):
    """One datagram: payload type, sequence number and the payload bytes (a named tuple:
    every datagram makes one, and a tuple is the cheapest immutable value)."""

    payload_type: PayloadType
    sequence: int
    payload: bytes

    @property
    def is_control(self) -> bool:
        """A control command or control reply (payload type ``02 00`` or ``02 01``)."""
        kind = self.payload_type  # identity tests: an IntEnum hashes in Python
        return kind is PayloadType.CONTROL or kind is PayloadType.CONTROL_REPLY

    @property
    def is_sequence_error(self) -> bool:
        """ERROR ``0F 01`` (sequence-number abnormality), as a control command (where the
        guide places it) or as a control reply."""
        return self.payload == SEQUENCE_ERROR and self.is_control

    @property
    def is_type_error(self) -> bool:
        """ERROR ``0F 02`` (message-type abnormality), as a control command or reply."""
        return self.payload == TYPE_ERROR and self.is_control


def encode_ip(payload_type: PayloadType, sequence: int, payload: bytes) -> bytes:
    """The datagram for one message; ProtocolError if it cannot be framed."""
    if not 1 <= len(payload) <= MAX_PAYLOAD:
        raise ProtocolError("payload does not fit VISCA over IP", operation="visca-ip encode",
                            expected=f"1..{MAX_PAYLOAD} bytes", got=f"{len(payload)} bytes")
    if not 0 <= sequence <= 0xFFFFFFFF:
        raise ProtocolError("sequence number out of range", operation="visca-ip encode",
                            expected="0..2**32-1", got=str(sequence))
    return _HEADER.pack(int(payload_type), len(payload), sequence) + payload


def decode_ip(datagram: bytes, *, device: str | None = None) -> IpMessage:
    """Parse one datagram; ProtocolError names what is wrong with it."""
    if len(datagram) < HEADER_SIZE + 1:
        raise ProtocolError("datagram shorter than a VISCA-over-IP message", device=device,
                            operation="visca-ip decode", expected=f">= {HEADER_SIZE + 1} bytes",
                            got=datagram.hex(" ") or "nothing")
    raw_type, length, sequence = _HEADER.unpack_from(datagram)
    payload_type = _PAYLOAD_TYPES.get(raw_type)
    if payload_type is None:
        raise ProtocolError("unknown payload type", device=device, operation="visca-ip decode",
                            expected="01 00, 01 10, 01 11, 01 20, 02 00 or 02 01",
                            got=f"{raw_type:04x}")
    payload = datagram[HEADER_SIZE:]
    if not 1 <= length <= MAX_PAYLOAD or length != len(payload):
        raise ProtocolError("payload length field does not match", device=device,
                            operation="visca-ip decode",
                            expected=f"1..{MAX_PAYLOAD} and equal to the payload size",
                            got=f"field {length}, payload {len(payload)} bytes")
    return IpMessage(payload_type, sequence, bytes(payload))


def split_datagram(datagram: bytes) -> tuple[int, int, bytes] | None:
    """(raw payload type, sequence, payload) of a well-formed datagram, else None.

    The fast path for the datagrams that come every time (replies, commands): no value
    is built and no error is worded. On None, :func:`decode_ip` says what is wrong.
    """
    size = len(datagram) - HEADER_SIZE
    if not 1 <= size <= MAX_PAYLOAD or datagram[2] or datagram[3] != size:
        return None
    raw_type = (datagram[0] << 8) | datagram[1]
    if raw_type not in _PAYLOAD_TYPES:
        return None
    return raw_type, int.from_bytes(datagram[4:8], "big"), datagram[HEADER_SIZE:]


class SequenceCounter:
    """The controller's sequence numbers: after a RESET the next message is 1; wraps."""

    def __init__(self) -> None:
        self._last = 0

    def reset(self) -> None:
        """Start again (after a control RESET)."""
        self._last = 0

    def next(self) -> int:
        """The number for the next message."""
        self._last = (self._last + 1) & 0xFFFFFFFF
        return self._last
