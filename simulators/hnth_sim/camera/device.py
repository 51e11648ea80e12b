"""The camera's VISCA behaviour, shared by the serial (pty) and UDP front ends.

A :class:`CameraDevice` takes decoded requests (from the library's wire protocol in the device
role) and answers through a *sink* the front end provides: ACK, then completion when the
motion ends (two command sockets; "buffer full" when both are busy), inquiry replies,
errors. :class:`Faults` injects what real lines do: lost requests and replies, delay,
garbage before a reply, "buffer full", silence; "not executable" comes from the model
itself when the camera is in standby.
"""

from __future__ import annotations

import asyncio
import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from hnth_drivers.model import MoveDirection, ZoomDirection
from hnth_drivers.vcs.visca.commands import (
    AddressSet,
    Cancel,
    Command,
    IfClear,
    Inquiry,
    Memory,
    MemoryOp,
    PanTiltAbsolute,
    PanTiltDrive,
    PanTiltHome,
    PanTiltPositionInquiry,
    PanTiltRelative,
    PanTiltReset,
    Power,
    PowerInquiry,
    Zoom,
    ZoomDirect,
    ZoomPositionInquiry,
)
from hnth_drivers.vcs.visca.wire import (
    Ack,
    AddressSetReply,
    Completion,
    ErrorKind,
    ErrorReply,
    IfClearEcho,
    InquiryReply,
    Reply,
)

from .model import CameraModel

__all__ = ["HISTORY", "CameraDevice", "Faults", "Sink"]

Sink = Callable[[Reply, bytes], None]
"""Sends one reply; the bytes are garbage to put on the line before it (usually none)."""

_PAN = {MoveDirection.LEFT: -1, MoveDirection.RIGHT: 1, MoveDirection.UP_LEFT: -1,
        MoveDirection.UP_RIGHT: 1, MoveDirection.DOWN_LEFT: -1, MoveDirection.DOWN_RIGHT: 1}
_TILT = {MoveDirection.UP: 1, MoveDirection.DOWN: -1, MoveDirection.UP_LEFT: 1,
         MoveDirection.UP_RIGHT: 1, MoveDirection.DOWN_LEFT: -1, MoveDirection.DOWN_RIGHT: -1}
_ZOOM = {ZoomDirection.TELE: 1, ZoomDirection.WIDE: -1, ZoomDirection.STOP: 0}
_STANDARD_ZOOM_SPEED = 3
HISTORY = 10_000  # a simulator may run for days: keep a bounded record
_PT, _Z, _NONE = frozenset({"pt"}), frozenset({"z"}), frozenset[str]()
_PTZ = _PT | _Z
# Replies are immutable values: build the common ones once (socket, address).
_ACKS = {(s, a): Ack(s, a) for s in (1, 2) for a in range(1, 8)}
_COMPLETIONS = {(s, a): Completion(s, a) for s in (0, 1, 2) for a in range(1, 8)}


@dataclass
class Faults:
    """Faults to inject; counters count down as they fire. Change them at any time."""

    drop_requests: int = 0   # the next N incoming messages are lost on the way
    drop_replies: int = 0    # the next N replies are lost on the way back
    drop_completions: int = 0  # the next N completions (only) are lost on the way back
    delay_s: float = 0.0     # every reply waits this long
    garbage: bytes = b""     # put on the line once, before the next reply
    buffer_full: int = 0     # the next N commands are answered "buffer full"
    silent: bool = False     # nothing is answered at all
    loss: float = 0.0        # probability that a reply is lost (deterministic under seed)
    seed: int = 0
    _random: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    def lose_request(self) -> bool:
        """Whether the incoming message now arriving is lost."""
        if self.silent:
            return True
        if self.drop_requests > 0:
            self.drop_requests -= 1
            return True
        return False

    def lose_reply(self, reply: Reply | None = None) -> bool:
        """Whether the reply now being sent is lost."""
        if self.drop_completions > 0 and isinstance(reply, Completion):
            self.drop_completions -= 1
            return True
        if self.drop_replies > 0:
            self.drop_replies -= 1
            return True
        return self.loss > 0 and self._random.random() < self.loss

    def take_garbage(self) -> bytes:
        """The garbage to send before this reply (once)."""
        junk, self.garbage = self.garbage, b""
        return junk


@dataclass
class _Job:
    sink: Sink
    axes: frozenset[str]
    timer: asyncio.TimerHandle | None = None


class CameraDevice:
    """One camera's protocol behaviour around a :class:`CameraModel`."""

    def __init__(self, model: CameraModel | None = None, faults: Faults | None = None) -> None:
        self.model = model or CameraModel()
        self.faults = faults or Faults()
        self.address = 1
        #: the commands executed, latest last (the most recent ``HISTORY`` of them)
        self.executed: deque[Command] = deque(maxlen=HISTORY)
        self._jobs: dict[int, _Job] = {}

    @staticmethod
    def _now() -> float:
        return asyncio.get_running_loop().time()

    def emit(self, reply: Reply, sink: Sink) -> None:
        """Send a reply through ``sink``, applying the reply faults."""
        f = self.faults
        if not (f.silent or f.drop_replies or f.drop_completions or f.loss or f.garbage
                or f.delay_s):
            sink(reply, b"")  # no fault armed: the path every reply takes
            return
        if self.faults.silent or self.faults.lose_reply(reply):
            lost = getattr(sink, "lost", None)
            if lost is not None:  # the front end keeps what the camera sent, lost or not
                lost(reply)
            return
        junk = self.faults.take_garbage()
        if self.faults.delay_s > 0:
            asyncio.get_running_loop().call_later(self.faults.delay_s, sink, reply, junk)
        else:
            sink(reply, junk)

    def handle(self, command: Command, sink: Sink) -> None:
        """Answer one request."""
        if type(command) is Memory:  # the procedure's commonest command, first
            self._command(command, sink)
        elif isinstance(command, Inquiry):
            self.emit(self._inquire(command), sink)
        elif isinstance(command, IfClear):
            self._clear()
            self.emit(IfClearEcho() if command.all_cameras else Completion(0, self.address),
                      sink)
        elif isinstance(command, AddressSet):
            self.address = min(command.address, 7)
            self.emit(AddressSetReply(command.address + 1), sink)
        elif isinstance(command, Cancel):
            self._cancel(command.socket, sink)
        elif (isinstance(command, PanTiltAbsolute)
              and command.layout != self.model.profile.layout):
            # A layout this model does not take (4 + 4 nibbles sent to a BRC-H700): the
            # camera sees a malformed message.
            self.syntax_error(sink)
        else:
            self._command(command, sink)

    def busy(self) -> list[Sink]:
        """The sinks of the commands still running (their completion is to come)."""
        return [job.sink for job in self._jobs.values()]

    def syntax_error(self, sink: Sink) -> None:
        """Answer a message the camera does not understand."""
        self.emit(ErrorReply(ErrorKind.SYNTAX, 0, self.address), sink)

    def _inquire(self, inquiry: Inquiry) -> Reply:
        pan, tilt, zoom = self.model.position(self._now())
        if isinstance(inquiry, PowerInquiry):
            return InquiryReply(PowerInquiry.reply(self.model.powered), self.address)
        if isinstance(inquiry, ZoomPositionInquiry):
            return InquiryReply(ZoomPositionInquiry.reply(zoom), self.address)
        if isinstance(inquiry, PanTiltPositionInquiry):
            # in the model's widths: 5 + 4 nibbles on a BRC-300 or BRC-H700
            layout = self.model.profile.layout
            return InquiryReply(PanTiltPositionInquiry.reply(pan, tilt, layout), self.address)
        return ErrorReply(ErrorKind.SYNTAX, 0, self.address)

    def _command(self, command: Command, sink: Sink) -> None:
        if self.faults.buffer_full > 0:
            self.faults.buffer_full -= 1
            self.emit(ErrorReply(ErrorKind.BUFFER_FULL, 0, self.address), sink)
            return
        jobs = self._jobs
        socket = 1 if 1 not in jobs else 2 if 2 not in jobs else 0
        if not socket:
            self.emit(ErrorReply(ErrorKind.BUFFER_FULL, 0, self.address), sink)
            return
        if not self.model.powered and not isinstance(command, Power):
            self.emit(ErrorReply(ErrorKind.NOT_EXECUTABLE, socket, self.address), sink)
            return
        duration, axes = self._execute(command)
        self.executed.append(command)
        self.emit(_ACKS[socket, self.address], sink)
        # A new motion on an axis ends the earlier one: that command completes now.
        if jobs:
            for other, job in list(jobs.items()):
                if job.axes & axes:
                    self._finish(other)
        if duration <= 0:
            self.emit(_COMPLETIONS[socket, self.address], sink)
            return
        job = _Job(sink, axes)
        job.timer = asyncio.get_running_loop().call_later(duration, self._finish, socket)
        self._jobs[socket] = job

    def _execute(self, command: Command) -> tuple[float, frozenset[str]]:
        """Apply a command to the model: (seconds of travel, axes it drives)."""
        now, m = self._now(), self.model
        pt, z = _PT, _Z
        if type(command) is Memory and command.op is MemoryOp.RECALL:
            return m.recall(now, command.preset), _PTZ
        match command:  # the procedure's commonest command first
            case Memory(op=MemoryOp.RECALL, preset=preset):
                return m.recall(now, preset), _PTZ
            case Power(on=on):
                m.set_power(on, now)
                return 0.0, _PTZ
            case Zoom(direction=direction, speed=speed):
                m.zoom_drive(now, _ZOOM[direction],
                             _STANDARD_ZOOM_SPEED if speed is None else speed)
                return 0.0, z
            case ZoomDirect(position=position):
                return m.zoom_to(now, position), z
            case PanTiltDrive(direction=d, pan_speed=ps, tilt_speed=ts):
                m.drive(now, _PAN.get(d, 0), _TILT.get(d, 0), ps, ts)
                return 0.0, pt
            case PanTiltRelative(pan=pan, tilt=tilt, pan_speed=ps, tilt_speed=ts):
                return m.pan_tilt_by(now, pan, tilt, ps, ts), pt
            case PanTiltAbsolute(pan=pan, tilt=tilt, pan_speed=ps, tilt_speed=ts):
                return m.pan_tilt_to(now, pan, tilt, ps, ts), pt
            case PanTiltHome() | PanTiltReset():
                return m.home(now), pt
            case Memory(op=MemoryOp.SET, preset=preset):
                m.store(now, preset)
                return 0.0, _NONE
            case Memory(op=MemoryOp.RESET, preset=preset):
                m.forget(preset)
                return 0.0, _NONE
        return 0.0, _NONE

    def _finish(self, socket: int) -> None:
        job = self._jobs.pop(socket, None)
        if job is not None:
            if job.timer is not None:
                job.timer.cancel()
            self.emit(Completion(socket, self.address), job.sink)

    def _cancel(self, socket: int, sink: Sink) -> None:
        job = self._jobs.pop(socket, None)
        if job is None:
            self.emit(ErrorReply(ErrorKind.NO_SOCKET, socket, self.address), sink)
            return
        if job.timer is not None:
            job.timer.cancel()
        now = self._now()
        if "pt" in job.axes:
            self.model.pan.halt(now)
            self.model.tilt.halt(now)
        if "z" in job.axes:
            self.model.zoom.halt(now)
        self.emit(ErrorReply(ErrorKind.CANCELED, socket, self.address), job.sink)

    def _clear(self) -> None:
        """IF_Clear: empty the command buffers; running commands end without a reply."""
        for job in self._jobs.values():
            if job.timer is not None:
                job.timer.cancel()
        self._jobs.clear()

    def close(self) -> None:
        """Cancel pending completions (the front end is shutting down)."""
        self._clear()
