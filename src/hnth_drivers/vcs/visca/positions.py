"""Pan/tilt positions per camera model, sans-I/O: nibble fields and their layouts.

VISCA carries numbers as one nibble per byte (``0p 0q 0r 0s``), two's complement. Pan/tilt
positions are model-dependent: Sony's BRC-300 answers the position inquiry with 5 pan and
4 tilt nibbles (BRC-300/P command list, p. 14), the BRC-H700 takes absolute and relative
moves as one speed byte, ``00``, 5 pan and 4 tilt nibbles (BRC-H700 command list, p. 12),
and most other cameras use 4 + 4 nibbles after a pan and a tilt speed (e.g. HuddleCam
HC20X manual, p. 39).
"""

from __future__ import annotations

from dataclasses import dataclass

from ...errors import ConfigError

__all__ = ["NARROW", "WIDE_PAN", "PositionLayout", "from_nibbles", "nibbles", "signed",
           "signed16"]


def nibbles(value: int, count: int = 4) -> bytes:
    """``value`` as ``count`` bytes of one nibble each, most significant first."""
    return bytes((value >> (4 * (count - 1 - i))) & 0x0F for i in range(count))


def from_nibbles(data: bytes) -> int | None:
    """The unsigned value of nibble bytes, or None when a byte is not ``0x0_``."""
    value = 0
    for b in data:
        if b > 0x0F:
            return None
        value = (value << 4) | b
    return value


def signed(value: int, nibble_count: int) -> int:
    """An unsigned value of ``nibble_count`` nibbles read as two's complement."""
    top = 1 << (4 * nibble_count)
    return value - top if value & (top >> 1) else value


def signed16(value: int) -> int:
    """An unsigned 16-bit value read as two's complement."""
    return value - 0x10000 if value & 0x8000 else value


@dataclass(frozen=True, slots=True)
class PositionLayout:
    """How a camera model carries pan/tilt positions.

    ``pan_nibbles``/``tilt_nibbles``: the widths of the position inquiry's reply and of
    absolute/relative moves (two's complement); ``one_speed``: absolute/relative moves
    carry one speed byte then ``00`` (BRC-H700) instead of a pan and a tilt speed.
    """

    pan_nibbles: int = 4
    tilt_nibbles: int = 4
    one_speed: bool = False

    def __post_init__(self) -> None:
        for name in ("pan_nibbles", "tilt_nibbles"):
            value = getattr(self, name)
            if isinstance(value, bool) or value not in (4, 5):
                raise ConfigError(f"{name} must be 4 or 5", operation="position layout",
                                  expected="4 or 5", got=repr(value))

    def bounds(self, axis: str) -> tuple[int, int]:
        """The signed range ``axis`` ("pan" or "tilt") can carry in this layout."""
        half = 1 << (4 * (self.pan_nibbles if axis == "pan" else self.tilt_nibbles) - 1)
        return -half, half - 1

    @property
    def reply_size(self) -> int:
        """Bytes of the position inquiry's reply payload."""
        return self.pan_nibbles + self.tilt_nibbles

    def encode(self, pan: int, tilt: int) -> bytes:
        """Pan then tilt as nibble bytes."""
        pan_bits, tilt_bits = 4 * self.pan_nibbles, 4 * self.tilt_nibbles
        return (nibbles(pan & ((1 << pan_bits) - 1), self.pan_nibbles)
                + nibbles(tilt & ((1 << tilt_bits) - 1), self.tilt_nibbles))

    def decode(self, data: bytes) -> tuple[int, int] | None:
        """(pan, tilt) from nibble bytes, or None if the size or a byte is wrong."""
        if len(data) != self.reply_size:
            return None
        pan, tilt = from_nibbles(data[:self.pan_nibbles]), from_nibbles(data[self.pan_nibbles:])
        if pan is None or tilt is None:
            return None
        return signed(pan, self.pan_nibbles), signed(tilt, self.tilt_nibbles)


NARROW = PositionLayout()
"""4 pan + 4 tilt nibbles, pan and tilt speeds (EVI and most non-Sony cameras)."""
WIDE_PAN = PositionLayout(5, 4, one_speed=True)
"""5 pan + 4 tilt nibbles, one speed byte then ``00`` (BRC-H700 command list, p. 12)."""
