"""VISCA over RS-232: ``ViscaSerialCamera`` (pyserial, off the event loop).

The port is opened through :func:`hnth_drivers.transport.serial.open_serial`. A worker
thread reads the port and hands the bytes to the event loop; writes run in a worker
thread too, so the loop never blocks on the line. On open the driver numbers the daisy
chain (address set) and clears the command buffers (broadcast IF_Clear), then talks to
its own camera address. Commands are paced (one per video frame) and one waits for its
ACK before the next is sent, as the protocol asks.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from typing import Any, ClassVar, Self

import serial

from ...driver import DeviceTarget, SecretSource
from ...errors import ConfigError, ConnectError, DeviceTimeout, ProtocolError
from ...security.audit import AuditLog
from ...security.policy import SecurityPolicy
from ...transport.serial import open_serial
from ..base import RoomPresets
from .camera import Exchange, ViscaCamera, ViscaOptions
from .commands import AddressSet, Command, IfClear
from .profiles import GENERIC, CameraProfile, profile
from .wire import (
    Ack,
    AddressSetReply,
    Completion,
    ErrorReply,
    Garbage,
    IfClearEcho,
    InquiryReply,
    NeedData,
    Reply,
    Role,
    UnknownMessage,
    ViscaWire,
)

__all__ = ["ViscaSerialCamera"]

log = logging.getLogger(__name__)

FRAME_INTERVAL = 1 / 60  # at most one command per video frame
_READ_POLL = 0.05        # how often the reader thread looks at its stop flag


class _LineReader(threading.Thread):
    """Reads the port until stopped; hands bytes (or the failure) to the event loop."""

    def __init__(self, port: serial.Serial, camera: ViscaSerialCamera,
                 loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(name=f"visca-reader {camera.device}", daemon=True)
        self._port, self._camera, self._loop = port, camera, loop
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                data = self._port.read(self._port.in_waiting or 1)
            except (serial.SerialException, OSError, TypeError) as exc:
                if not self.stopping.is_set():
                    self._call(self._camera._line_lost, f"{type(exc).__name__}: {exc}")
                return
            if data:
                self._call(self._camera._received, bytes(data))

    def _call(self, fn: Any, arg: object) -> None:
        try:
            self._loop.call_soon_threadsafe(fn, arg)
        except RuntimeError:  # the loop closed under us: nothing left to tell
            self.stopping.set()


class ViscaSerialCamera(ViscaCamera):
    """A VISCA camera on an RS-232 line (9600 or 38400 bps), ``address`` 1..7 on the chain.

    ``assign_addresses`` sends the broadcast address set on open (turn it off when
    another controller numbers the chain).
    """

    name: ClassVar[str] = "visca-serial"

    @classmethod
    def from_target(cls, target: DeviceTarget, *, secrets: SecretSource,
                    policy: SecurityPolicy, audit: AuditLog | None) -> Self:
        """Build from a network file's camera entry (``docs/network.md``): the serial
        device, ``baudrate``, ``visca_address``, ``model``, presets, ``timeout_s``
        (completion)."""
        model = target.option("model", str)
        timeout = target.option("timeout_s", float)
        return cls(target.address, baudrate=target.option("baudrate", int) or 9600,
                   address=target.option("visca_address", int) or 1,
                   profile=profile(model) if model else GENERIC,
                   room_presets=RoomPresets(target.presets),
                   options=ViscaOptions(completion_timeout=timeout) if timeout else None)

    def __init__(self, port: str, *, baudrate: int = 9600, address: int = 1,
                 profile: CameraProfile = GENERIC, room_presets: RoomPresets | None = None,
                 options: ViscaOptions | None = None, assign_addresses: bool = True) -> None:
        super().__init__(profile=profile, room_presets=room_presets, options=options)
        if baudrate not in (9600, 38400):
            raise ConfigError("VISCA lines run at 9600 or 38400 bps", device=port,
                              operation="ViscaSerialCamera", expected="9600 or 38400",
                              got=str(baudrate))
        self.port_name, self.baudrate, self.address = port, baudrate, address
        self.assign_addresses = assign_addresses
        self._wire = ViscaWire(Role.CONTROLLER, address)
        self._port: serial.Serial | None = None
        self._reader: _LineReader | None = None
        self._send_lock = asyncio.Lock()
        self._awaiting: Exchange | None = None
        self._sockets: dict[int, Exchange] = {}
        self._last_send = 0.0
        self._lost: str | None = None
        #: cameras that answered the address set on open (None before, or when disabled)
        self.chain_length: int | None = None

    @property
    def device(self) -> str:
        """``visca-serial:<port>#<address>``."""
        return f"visca-serial:{self.port_name}#{self.address}"

    async def open(self) -> None:
        """Open the port, number the chain, clear the interfaces."""
        if self._port is not None:
            return
        self._lost = None
        self._port = await asyncio.to_thread(
            open_serial, self.port_name, baudrate=self.baudrate, timeout=_READ_POLL,
            write_timeout=self.options.ack_timeout)
        self._reader = _LineReader(self._port, self, asyncio.get_running_loop())
        self._reader.start()
        try:
            if self.assign_addresses:
                reply = await self._set_up(AddressSet(1))
                if len(reply) != 2 or reply[0] != 0x30:
                    # e.g. an ACK and a completion, as for an ordinary command
                    raise ProtocolError(
                        "unexpected reply to the address set", device=self.device,
                        operation="address_set", expected="88 30 0w FF (w = cameras + 1)",
                        got=reply.hex(" ") if reply else "ACK/completion")
                self.chain_length = reply[1] - 1
                if self.address > self.chain_length:
                    raise ConnectError(
                        "no camera at this address on the chain", device=self.device,
                        operation="address_set", expected=f"address <= {self.chain_length}",
                        got=f"{self.chain_length} camera(s) answered")
            await self._set_up(IfClear(all_cameras=True))
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        """Stop the reader, close the port. Safe to call twice."""
        reader, port = self._reader, self._port
        self._reader, self._port = None, None
        if reader is not None:
            reader.stopping.set()
            await asyncio.to_thread(reader.join, 1.0)
        if port is not None:
            await asyncio.to_thread(port.close)
        self._fail_all(ConnectError("the camera was closed", device=self.device,
                                    operation="close"))

    # -- replies from the reader thread ----------------------------------------------------
    def _received(self, data: bytes) -> None:
        self._wire.receive_data(data)
        while not isinstance(event := self._wire.next_event(), NeedData):
            match event:
                case Garbage(data=junk, reason=reason):
                    self.garbage_frames += 1
                    log.warning("%s: skipped %d byte(s): %s", self.device, len(junk), reason)
                case UnknownMessage(message=message):
                    self.garbage_frames += 1
                    log.warning("%s: unknown reply %s", self.device, message.hex(" "))
                case (Ack() | Completion() | ErrorReply() | InquiryReply()) \
                        if event.address != self.address:
                    log.debug("%s: reply from camera %d ignored", self.device, event.address)
                case Ack() | Completion() | ErrorReply() | InquiryReply() | AddressSetReply() \
                        | IfClearEcho():
                    self._route(event)

    def _route(self, reply: Reply) -> None:
        # After its ACK a command lives in its socket; before, it is the one awaited.
        socket = getattr(reply, "socket", 0)
        if isinstance(reply, Completion | ErrorReply) and socket in self._sockets:
            self._sockets.pop(socket).deliver(reply)
            return
        target = self._awaiting
        if target is None:
            log.info("%s: reply %r matches no command", self.device, reply)
            return
        target.deliver(reply)
        if isinstance(reply, Ack) and not target.finished:
            self._sockets[reply.socket] = target

    def _line_lost(self, why: str) -> None:
        self._lost = why
        self._fail_all(ConnectError("the serial line failed", device=self.device,
                                    operation="read", got=why))

    def _fail_all(self, exc: Exception) -> None:
        for exchange in [*self._sockets.values(), *([self._awaiting] if self._awaiting else [])]:
            exchange.fail(exc)
        self._sockets.clear()

    # -- sending ---------------------------------------------------------------------------
    async def _write(self, frame: bytes, operation: str) -> None:
        port = self._port
        if port is None or self._lost is not None:
            raise ConnectError("the camera is not open", device=self.device,
                               operation=operation, got=self._lost)
        wait = self._last_send + FRAME_INTERVAL - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        try:
            await asyncio.to_thread(port.write, frame)
        except serial.SerialTimeoutException:
            raise DeviceTimeout("the serial line did not take the frame", device=self.device,
                               operation=operation) from None
        except (serial.SerialException, OSError) as exc:
            raise ConnectError("cannot write to the serial line", device=self.device,
                               operation=operation, got=str(exc)[:200]) from None
        self._last_send = time.monotonic()

    async def _transact(self, command: Command) -> bytes:
        frame = self._wire.send(command)
        exchange = Exchange(command, self._alarm)

        async def resend() -> bool:
            # Without sequence numbers a retransmission may execute twice: only when safe.
            if not command.idempotent:
                return False
            await self._write(frame, command.label)
            return True

        async with self._send_lock:  # one command waits for its ACK before the next
            self._awaiting = exchange
            try:
                await self._write(frame, command.label)
                await self._await_ack(exchange, resend)
            finally:
                self._awaiting = None
        try:
            return await self._await_done(exchange)
        finally:
            if exchange.socket is not None and self._sockets.get(exchange.socket) is exchange:
                del self._sockets[exchange.socket]
