"""What the serial and the IP VISCA drivers share: the Camera contract in VISCA commands.

A transport subclass sends frames and routes the replies it receives to the
:class:`Exchange` of the command they answer; this class turns contract calls into
commands (checked against the model's profile before anything is sent), waits for
ACK and completion with deadlines, retries "buffer full" with backoff and turns VISCA
errors into :class:`~hnth_drivers.errors.DeviceError` naming the command.
"""

from __future__ import annotations

import abc
import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar

from ...errors import ConfigError, DeviceError, DeviceTimeout, ProtocolError
from ...model import CameraPosition, Capability, MoveDirection, ZoomDirection
from ..base import Camera, RoomPresets
from .commands import (
    Command,
    Inquiry,
    Memory,
    MemoryOp,
    PanTiltAbsolute,
    PanTiltDrive,
    PanTiltHome,
    PanTiltPositionInquiry,
    PanTiltRelative,
    Power,
    PowerInquiry,
    Zoom,
    ZoomDirect,
    ZoomPositionInquiry,
)
from .exchange import Alarm, Exchange, ViscaRefused
from .profiles import GENERIC, CameraProfile
from .wire import ErrorKind

__all__ = ["Alarm", "Exchange", "ViscaCamera", "ViscaOptions", "ViscaRefused"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ViscaOptions:
    """Deadlines and retry rules of a VISCA driver (seconds)."""

    #: wait this long for the ACK (or an inquiry's reply) before retransmitting
    ack_timeout: float = 0.5
    #: wait this long for completion after the ACK (a long preset move takes seconds)
    completion_timeout: float = 20.0
    #: retransmissions after a lost reply (serial: idempotent commands only)
    retries: int = 2
    #: attempts after "buffer full", with a backoff that doubles from ``backoff``
    buffer_full_retries: int = 4
    backoff: float = 0.05

    def __post_init__(self) -> None:
        for name in ("ack_timeout", "completion_timeout", "backoff"):
            if not getattr(self, name) > 0:
                raise ConfigError(f"{name} must be positive", operation="ViscaOptions",
                                  got=repr(getattr(self, name)))
        for name in ("retries", "buffer_full_retries"):
            if not 0 <= getattr(self, name) <= 20:
                raise ConfigError(f"{name} out of range", operation="ViscaOptions",
                                  expected="0..20", got=repr(getattr(self, name)))


@lru_cache(maxsize=256)
def _recall(number: int) -> Memory:
    # The command every meeting sends most: build each value once (commands are frozen).
    return Memory(MemoryOp.RECALL, number)


class ViscaCamera(Camera, abc.ABC):
    """The Camera contract over VISCA; subclasses provide the transport.

    ``profile`` gives the model's limits (:data:`~.profiles.GENERIC` by default);
    ``room_presets`` the room's names for presets (``recall("chair")``).
    """

    capabilities: ClassVar[frozenset[Capability]] = frozenset({
        Capability.PRESETS, Capability.MOVE, Capability.ZOOM, Capability.POSITION,
        Capability.ABSOLUTE_POSITION, Capability.POWER,
    })

    def __init__(self, *, profile: CameraProfile = GENERIC,
                 room_presets: RoomPresets | None = None,
                 options: ViscaOptions | None = None) -> None:
        self.profile = profile
        self.room_presets = room_presets or RoomPresets()
        self.options = options or ViscaOptions()
        #: frames skipped as garbage since the driver opened (resynchronisations)
        self.garbage_frames = 0
        #: retransmissions after a lost reply
        self.retransmissions = 0
        self._alarm = Alarm()

    # -- what a transport provides ---------------------------------------------------------
    @abc.abstractmethod
    async def _transact(self, command: Command) -> bytes:
        """Send ``command`` and return when it completes (an inquiry: its reply payload).

        Raises ViscaRefused for an error reply, DeviceTimeout when a deadline passes.
        """

    async def _await_ack(self, exchange: Exchange, resend: Callable[[], Awaitable[bool]],
                         *, until_done: bool = False) -> None:
        """Wait for the ACK (or an inquiry's reply, or an error). On a lost reply
        ``resend()`` retransmits the frame (over IP with the same sequence number) and
        returns False when that is not safe.

        ``until_done`` waits for the completion instead, and looks at the ACK only when
        the ACK deadline passes: a quick command then wakes the caller once, not twice.
        """
        opts = self.options
        for attempt in range(opts.retries + 1):
            if await exchange.wait(opts.ack_timeout, ack_only=not until_done) or exchange.acked:
                return
            if attempt == opts.retries or not await resend():
                raise DeviceTimeout(
                    "no reply from the camera", device=self.device,
                    operation=exchange.command.label,
                    expected=f"ACK or reply within {opts.ack_timeout:g} s"
                             f" ({attempt + 1} transmission(s))", got="nothing",
                )
            self.retransmissions += 1
            log.info("%s: %s: no reply, retransmitted", self.device, exchange.command.label)

    async def _await_done(self, exchange: Exchange) -> bytes:
        """Wait for completion (or the inquiry reply) after the ACK; its result or error."""
        if not await exchange.wait(self.options.completion_timeout):
            raise DeviceTimeout(
                "the camera acknowledged but never completed" if exchange.note is None
                else "the camera executed the command but its completion never came",
                device=self.device, operation=exchange.command.label,
                expected=f"completion within {self.options.completion_timeout:g} s",
                got=exchange.note or "ACK only",
            )
        return exchange.outcome()

    # -- commands with retries and typed errors --------------------------------------------
    async def _run(self, command: Command) -> bytes:
        delay = self.options.backoff
        for attempt in range(self.options.buffer_full_retries + 1):
            try:
                return await self._transact(command)
            except ViscaRefused as refused:
                if (refused.kind is ErrorKind.BUFFER_FULL
                        and attempt < self.options.buffer_full_retries):
                    log.info("%s: %s: buffer full, retrying in %.3f s", self.device,
                             command.label, delay)
                    await asyncio.sleep(delay)
                    delay *= 2
                    continue
                raise self._device_error(command, refused.kind) from None
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _device_error(self, command: Command, kind: ErrorKind) -> DeviceError:
        messages = {
            ErrorKind.NOT_EXECUTABLE: "the camera cannot execute this now (powered off?)",
            ErrorKind.BUFFER_FULL: "the camera's command buffer stayed full",
            ErrorKind.SYNTAX: "the camera did not understand the command",
            ErrorKind.MESSAGE_LENGTH: "the camera rejected the message length",
            ErrorKind.CANCELED: "the command was canceled",
            ErrorKind.NO_SOCKET: "no such command socket",
        }
        return DeviceError(messages[kind], code=int(kind), device=self.device,
                           operation=command.label, expected="completion", got=kind.text)

    async def _set_up(self, command: Command) -> bytes:
        """Send a connection set-up message; an error reply is a DeviceError naming it."""
        try:
            return await self._transact(command)
        except ViscaRefused as refused:
            raise self._refused_on_open(command, refused) from None

    async def _ask(self, inquiry: Inquiry) -> bytes:
        return await self._run(inquiry)

    def _bad_reply(self, inquiry: Inquiry, payload: bytes,
                   expected: str | None = None) -> ProtocolError:
        return ProtocolError("unexpected inquiry reply", device=self.device,
                             operation=inquiry.label,
                             expected=expected or f"a {inquiry.label} reply",
                             got=payload.hex(" ") or "empty")

    def _refused_on_open(self, command: Command, refused: ViscaRefused) -> DeviceError:
        """An error reply to a set-up message (RESET, address set, IF_Clear)."""
        return DeviceError("the camera refused the connection set-up", code=int(refused.kind),
                           device=self.device, operation=command.label,
                           expected="its documented reply", got=refused.kind.text)

    # -- the Camera contract ---------------------------------------------------------------
    async def recall_preset(self, number: int) -> None:
        """Move to a stored preset; returns when the camera reports completion."""
        self.profile.check_preset("recall_preset", number)
        await self._run(_recall(number))

    async def store_preset(self, number: int, name: str | None = None) -> None:
        """Store the current position as preset ``number``.

        VISCA keeps no preset names: ``name`` is accepted for the contract, and rooms name
        their presets with :class:`~hnth_drivers.vcs.base.RoomPresets`.
        """
        self.profile.check_preset("store_preset", number)
        await self._run(Memory(MemoryOp.SET, number))

    async def reset_preset(self, number: int) -> None:
        """Erase preset ``number``."""
        self.profile.check_preset("reset_preset", number)
        await self._run(Memory(MemoryOp.RESET, number))

    def _speeds(self, operation: str, pan_speed: int | None,
                tilt_speed: int | None) -> tuple[int, int]:
        p = self.profile
        pan = p.default_pan_speed if pan_speed is None else pan_speed
        tilt = p.default_tilt_speed if tilt_speed is None else tilt_speed
        return (p.check(operation, "pan speed", pan, p.pan_speed),
                p.check(operation, "tilt speed", tilt, p.tilt_speed))

    async def move(
        self,
        direction: MoveDirection,
        *,
        pan_speed: int | None = None,
        tilt_speed: int | None = None,
    ) -> None:
        """Start driving pan/tilt in a direction (``STOP`` stops); speeds default mid-range."""
        pan, tilt = self._speeds("move", pan_speed, tilt_speed)
        await self._run(PanTiltDrive(MoveDirection(direction), pan, tilt))

    async def move_to(self, position: CameraPosition, *, speed: int | None = None) -> None:
        """Go to an absolute pan/tilt and zoom position; returns on completion.

        ``speed`` is the pan speed (the tilt speed is capped at the model's maximum);
        fastest when not given.
        """
        p = self.profile
        p.check("move_to", "pan", position.pan, p.pan)
        p.check("move_to", "tilt", position.tilt, p.tilt)
        p.check("move_to", "zoom", position.zoom, p.zoom)
        pan_speed = p.pan_speed[1] if speed is None else speed
        p.check("move_to", "speed", pan_speed, p.pan_speed)
        tilt_speed = max(p.tilt_speed[0], min(pan_speed, p.tilt_speed[1]))
        await self._run(PanTiltAbsolute(position.pan, position.tilt, pan_speed, tilt_speed,
                                        p.layout))
        await self._run(ZoomDirect(position.zoom))

    async def move_by(self, pan: int, tilt: int, *, speed: int | None = None) -> None:
        """Move pan/tilt by a signed offset from where the camera is; returns on completion.

        Not idempotent: over serial it is never retransmitted after a lost reply.
        """
        p = self.profile
        pan_speed = p.pan_speed[1] if speed is None else speed
        p.check("move_by", "speed", pan_speed, p.pan_speed)
        tilt_speed = max(p.tilt_speed[0], min(pan_speed, p.tilt_speed[1]))
        layout = p.layout
        for axis, value in (("pan", pan), ("tilt", tilt)):
            p.check("move_by", axis, value, layout.bounds(axis))
        await self._run(PanTiltRelative(pan, tilt, pan_speed, tilt_speed, layout))

    async def zoom(self, direction: ZoomDirection, *, speed: int | None = None) -> None:
        """Start zooming in (TELE) or out (WIDE), or stop; ``speed`` within the model's."""
        direction = ZoomDirection(direction)
        if speed is not None:
            self.profile.check("zoom", "zoom speed", speed, self.profile.zoom_speed)
        await self._run(Zoom(direction, None if direction is ZoomDirection.STOP else speed))

    async def zoom_to(self, position: int) -> None:
        """Go to an absolute zoom position within the model's range."""
        self.profile.check("zoom_to", "zoom", position, self.profile.zoom)
        await self._run(ZoomDirect(position))

    async def stop(self) -> None:
        """Stop every motion (pan, tilt and zoom)."""
        pan, tilt = self._speeds("stop", None, None)
        await self._run(PanTiltDrive(MoveDirection.STOP, pan, tilt))
        await self._run(Zoom(ZoomDirection.STOP))

    async def home(self) -> None:
        """Go to the home position; returns on completion."""
        await self._run(PanTiltHome())

    async def position(self) -> CameraPosition:
        """The current pan/tilt/zoom position (two inquiries)."""
        inquiry = PanTiltPositionInquiry()
        payload = await self._ask(inquiry)
        layout = self.profile.layout
        pan_tilt = inquiry.parse(payload, layout)
        if pan_tilt is None:
            raise self._bad_reply(
                inquiry, payload, f"{layout.pan_nibbles} pan + {layout.tilt_nibbles} tilt "
                f"nibbles (camera model {self.profile.name!r})")
        zoom_inquiry = ZoomPositionInquiry()
        payload = await self._ask(zoom_inquiry)
        zoom = zoom_inquiry.parse(payload)
        if zoom is None:
            raise self._bad_reply(zoom_inquiry, payload)
        return CameraPosition(pan_tilt[0], pan_tilt[1], zoom)

    async def power(self, on: bool) -> None:
        """Switch the camera on, or to standby."""
        await self._run(Power(bool(on)))

    async def is_powered(self) -> bool:
        """Whether the camera is on."""
        inquiry = PowerInquiry()
        payload = await self._ask(inquiry)
        state = inquiry.parse(payload)
        if state is None:
            raise self._bad_reply(inquiry, payload)
        return state

