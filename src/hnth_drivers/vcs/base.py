"""The room contracts: a VCS codec (``Codec``) and a PTZ camera (``Camera``).

A camera may be driven directly (VISCA over serial or IP) or through its room codec
(``codec.camera(1)``); both are the same :class:`Camera` contract. Rooms name their presets
(``chair``, ``left``, ``right``, ``wide``…) with :class:`RoomPresets`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..driver import Driver, serves
from ..errors import ConfigError
from ..model import (
    Call,
    CameraPosition,
    Capability,
    DeviceHealth,
    MoveDirection,
    SignalProtocol,
    ZoomDirection,
)

__all__ = ["Camera", "Codec", "RoomPresets"]

_PRESET_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,39}\Z")


@dataclass(frozen=True)
class RoomPresets:
    """A room's names for its camera presets, e.g. ``{"chair": 1, "left": 2}``."""

    names: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for key, number in self.names.items():
            if not _PRESET_NAME.match(key):
                raise ConfigError(
                    "invalid preset name", operation="RoomPresets",
                    expected="lower-case letters, digits, _ and -", got=repr(key),
                )
            if isinstance(number, bool) or not isinstance(number, int) or not 0 <= number <= 255:
                raise ConfigError(
                    f"invalid preset number for {key!r}", operation="RoomPresets",
                    expected="an integer 0..255", got=repr(number),
                )

    def resolve(self, preset: int | str) -> int:
        """The preset number for a number or a room name; ConfigError for unknown names."""
        if isinstance(preset, int):
            return preset
        if preset in self.names:
            return self.names[preset]
        if preset.isdigit():
            return int(preset)
        raise ConfigError(
            "unknown preset name", operation="recall", expected=f"one of {sorted(self.names)}",
            got=repr(preset),
        )


class Camera(Driver):
    """A PTZ camera. Positions are in the camera's own units; ranges come from its profile."""

    #: The room's preset names; drivers accept it in their constructor.
    room_presets: RoomPresets = RoomPresets()

    @serves(Capability.PRESETS)
    async def recall_preset(self, number: int) -> None:
        """Move to a stored preset; returns when the camera reports completion."""
        raise self._unsupported("recall_preset")

    @serves(Capability.PRESETS)
    async def store_preset(self, number: int, name: str | None = None) -> None:
        """Store the current position as preset ``number`` (``name`` where supported)."""
        raise self._unsupported("store_preset")

    async def recall(self, preset: int | str) -> None:
        """Recall by number or by the room's name for it: ``await cam.recall("chair")``."""
        await self.recall_preset(self.room_presets.resolve(preset))

    async def store(self, preset: int | str) -> None:
        """Store by number or by the room's name for it."""
        name = preset if isinstance(preset, str) and not preset.isdigit() else None
        await self.store_preset(self.room_presets.resolve(preset), name)

    @serves(Capability.MOVE)
    async def move(
        self,
        direction: MoveDirection,
        *,
        pan_speed: int | None = None,
        tilt_speed: int | None = None,
    ) -> None:
        """Start driving pan/tilt in a direction (``STOP`` stops); speeds default mid-range."""
        raise self._unsupported("move")

    @serves(Capability.ABSOLUTE_POSITION)
    async def move_to(self, position: CameraPosition, *, speed: int | None = None) -> None:
        """Go to an absolute pan/tilt (and zoom) position; returns on completion."""
        raise self._unsupported("move_to")

    @serves(Capability.ZOOM)
    async def zoom(self, direction: ZoomDirection, *, speed: int | None = None) -> None:
        """Start zooming in (TELE) or out (WIDE), or stop."""
        raise self._unsupported("zoom")

    @serves(Capability.ZOOM)
    async def zoom_to(self, position: int) -> None:
        """Go to an absolute zoom position."""
        raise self._unsupported("zoom_to")

    @serves(Capability.MOVE)
    async def stop(self) -> None:
        """Stop every motion (pan, tilt and zoom)."""
        raise self._unsupported("stop")

    @serves(Capability.ABSOLUTE_POSITION)
    async def home(self) -> None:
        """Go to the home position."""
        raise self._unsupported("home")

    @serves(Capability.POSITION)
    async def position(self) -> CameraPosition:
        """The current pan/tilt/zoom position."""
        raise self._unsupported("position")

    @serves(Capability.POWER)
    async def power(self, on: bool) -> None:
        """Switch the camera on or to standby."""
        raise self._unsupported("power")

    @serves(Capability.POWER)
    async def is_powered(self) -> bool:
        """Whether the camera is on."""
        raise self._unsupported("is_powered")


class Codec(Driver):
    """A room's VCS codec."""

    @serves(Capability.DIAL)
    async def dial(self, number: str, protocol: SignalProtocol = SignalProtocol.H323) -> Call:
        """Place a call; returns the call as the codec reports it (usually dialling)."""
        raise self._unsupported("dial")

    @serves(Capability.HANG_UP)
    async def hang_up(self, call: str | None = None) -> None:
        """Hang up one call by id, or every call when ``call`` is None."""
        raise self._unsupported("hang_up")

    @serves(Capability.CALLS)
    async def calls(self) -> list[Call]:
        """The codec's calls with their state."""
        raise self._unsupported("calls")

    @serves(Capability.MUTE_MICROPHONES)
    async def mute_microphones(self, on: bool) -> None:
        """Mute (``on=True``) or unmute the room's microphones."""
        raise self._unsupported("mute_microphones")

    @serves(Capability.MUTE_MICROPHONES)
    async def microphones_muted(self) -> bool:
        """Whether the room's microphones are muted."""
        raise self._unsupported("microphones_muted")

    @serves(Capability.CODEC_LAYOUT)
    async def set_layout(self, family: str, *, target: str = "local") -> None:
        """Choose the local screen layout family (dialect-specific names)."""
        raise self._unsupported("set_layout")

    @serves(Capability.CAMERA_CONTROL)
    def camera(self, number: int = 1) -> Camera:
        """The camera ``number`` of this room, controlled through the codec."""
        raise self._unsupported("camera")

    @serves(Capability.HEALTH)
    async def health(self) -> DeviceHealth:
        """The codec's own health report."""
        raise self._unsupported("health")
