"""A room camera driven through its codec's SSH command line (the :class:`Camera` contract).

The codec owns the connection; the camera is a view on it: ``open()`` opens the codec if
needed and ``close()`` leaves it open. What each dialect can do is read from its data:
xAPI ``Camera Ramp`` runs pan and tilt together (diagonals too) with speeds, but any other
combination runs only one axis (Codec C90 API guide TC5.0 p84), so zoom is its own command
and a stop is sent per axis group; Poly moves one axis at a time on the camera it selected
with ``camera near N``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from ..errors import ConfigError, NotSupported
from ..model import CameraPosition, Capability, MoveDirection, ZoomDirection
from .base import Camera

if TYPE_CHECKING:
    from .ssh_codec import SshCodec

__all__ = ["CodecCamera"]

# xAPI ``Camera Ramp`` pan/tilt words per direction.
_RAMP: dict[MoveDirection, tuple[str, str]] = {
    MoveDirection.UP: ("Stop", "Up"), MoveDirection.DOWN: ("Stop", "Down"),
    MoveDirection.LEFT: ("Left", "Stop"), MoveDirection.RIGHT: ("Right", "Stop"),
    MoveDirection.UP_LEFT: ("Left", "Up"), MoveDirection.UP_RIGHT: ("Right", "Up"),
    MoveDirection.DOWN_LEFT: ("Left", "Down"), MoveDirection.DOWN_RIGHT: ("Right", "Down"),
}
_RAMP_ZOOM = {ZoomDirection.TELE: "In", ZoomDirection.WIDE: "Out", ZoomDirection.STOP: "Stop"}


class CodecCamera(Camera):
    """Camera ``number`` of a room, controlled through the room's :class:`SshCodec`."""

    name: ClassVar[str] = "codec-camera"
    capabilities: ClassVar[frozenset[Capability]] = frozenset({
        Capability.PRESETS, Capability.MOVE, Capability.ZOOM, Capability.POSITION,
        Capability.ABSOLUTE_POSITION})

    def __init__(self, codec: SshCodec, number: int) -> None:
        self.codec = codec
        self.number = number
        self.room_presets = codec.room_presets

    @property
    def device(self) -> str:
        """The codec's label and the camera number."""
        return f"{self.codec.device} camera {self.number}"

    async def open(self) -> None:
        """Open the codec's connection if it is not open yet."""
        if not self.codec.connected:
            await self.codec.open()

    async def close(self) -> None:
        """Nothing to release: the codec owns the connection."""

    # -- helpers -------------------------------------------------------------------------
    @property
    def _commands(self) -> Any:
        return self.codec.dialect.commands

    def _table(self, name: str) -> Any:
        return self.codec.dialect.tables[name]

    async def _on_camera(self, operation: str, **args: object) -> Any:
        if "camera_select" in self._commands and self.codec.selected_camera != self.number:
            await self.codec.command("camera_select", camera=self.number)
            self.codec.selected_camera = self.number
        return await self.codec.command(operation, camera=self.number, **args)

    def _preset(self, number: int, operation: str) -> int:
        bounds = self._table("presets")
        if isinstance(number, bool) or not isinstance(number, int) or not (
                bounds["min"] <= number <= bounds["max"]):
            raise ConfigError("preset out of range", device=self.device, operation=operation,
                              expected=f"{bounds['min']}..{bounds['max']}", got=repr(number))
        return number

    def _speed(self, table: str, value: int | None, operation: str) -> int:
        bounds = self._table(table)
        speed = bounds["default"] if value is None else value
        if isinstance(speed, bool) or not bounds["min"] <= speed <= bounds["max"]:
            raise ConfigError("speed out of range", device=self.device, operation=operation,
                              expected=f"{bounds['min']}..{bounds['max']}", got=repr(value))
        return int(speed)

    # -- the Camera contract -------------------------------------------------------------
    async def recall_preset(self, number: int) -> None:
        """Activate a stored preset."""
        await self._on_camera("preset_activate", preset=self._preset(number, "recall_preset"))

    async def store_preset(self, number: int, name: str | None = None) -> None:
        """Store the camera's position as preset ``number`` (named, where the dialect can)."""
        preset = self._preset(number, "store_preset")
        if name is not None and "preset_store_named" in self._commands:
            await self._on_camera("preset_store_named", preset=preset, name=name)
        else:
            await self._on_camera("preset_store", preset=preset)

    async def move(
        self,
        direction: MoveDirection,
        *,
        pan_speed: int | None = None,
        tilt_speed: int | None = None,
    ) -> None:
        """Drive pan/tilt in ``direction`` until :meth:`stop` (``STOP`` stops)."""
        if direction is MoveDirection.STOP:
            await self.stop()
        elif "ramp" in self._commands:
            pan, tilt = _RAMP[direction]
            await self._on_camera("ramp", pan=pan, tilt=tilt,
                                  pan_speed=self._speed("ramp_speed", pan_speed, "move"),
                                  tilt_speed=self._speed("ramp_speed", tilt_speed, "move"))
        else:
            for speed in (pan_speed, tilt_speed):
                if speed is not None:
                    raise ConfigError("this dialect moves the camera at a fixed speed",
                                      device=self.device, operation="move",
                                      expected="no pan_speed/tilt_speed", got=repr(speed))
            moves = self._table("moves")
            if direction.value not in moves:
                raise NotSupported("this dialect moves one axis at a time", device=self.device,
                                   operation="move", expected=f"one of {sorted(moves)}",
                                   got=direction.value)
            await self._on_camera("move", direction=moves[direction.value])

    async def zoom(self, direction: ZoomDirection, *, speed: int | None = None) -> None:
        """Zoom in (TELE), out (WIDE) or stop."""
        if "ramp_zoom" in self._commands and direction is ZoomDirection.STOP:
            await self._on_camera("ramp_zoom_stop")
        elif "ramp_zoom" in self._commands:
            await self._on_camera("ramp_zoom", zoom=_RAMP_ZOOM[direction],
                                  speed=self._speed("zoom_speed", speed, "zoom"))
        else:
            if speed is not None:
                raise ConfigError("this dialect zooms at a fixed speed", device=self.device,
                                  operation="zoom", expected="no speed", got=repr(speed))
            await self._on_camera("move", direction=self._table("moves")[direction.value])

    async def zoom_to(self, position: int) -> None:
        """Go to an absolute zoom position, keeping pan and tilt."""
        here = await self.position()
        await self.move_to(CameraPosition(here.pan, here.tilt, position))

    async def stop(self) -> None:
        """Stop pan, tilt and zoom (xAPI: pan+tilt, then zoom: one Ramp cannot stop both)."""
        if "ramp_stop" in self._commands:
            await self._on_camera("ramp_stop")
            await self._on_camera("ramp_zoom_stop")
        else:
            await self._on_camera("move", direction=self._table("moves")["stop"])

    async def move_to(self, position: CameraPosition, *, speed: int | None = None) -> None:
        """Go to an absolute pan/tilt/zoom position (the codec picks the speed)."""
        await self._on_camera("position_set", pan=position.pan, tilt=position.tilt,
                              zoom=position.zoom)

    async def home(self) -> None:
        """Go to the centre position (pan 0, tilt 0, zoom 0)."""
        await self.move_to(CameraPosition(0, 0, 0))

    async def position(self) -> CameraPosition:
        """The camera's current pan/tilt/zoom as the codec reports it."""
        result: CameraPosition = await self._on_camera("position")
        return result
