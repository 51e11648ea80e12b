"""VISCA over IP: ``ViscaIpCamera`` (asyncio UDP, port 52381).

The protocol has no encryption and no authentication, so the transport is opened only
when the security policy names the camera in a ``visca-ip`` waiver (a camera on a
trusted local segment); each use of the waiver is written to the audit log.

Each message carries a sequence number that the camera echoes. A reply whose number
matches no command in flight is ignored, never taken for another command's reply. A lost
reply is retransmitted with the same number; a camera that already executed the message
answers with a sequence-number error, which completes the command.
"""

from __future__ import annotations

import asyncio
import logging
from typing import ClassVar, Self

from ...driver import DeviceTarget, SecretSource
from ...errors import ConnectError, ProtocolError
from ...security.audit import AuditLog
from ...security.policy import SecurityPolicy, WaiverKind
from ...transport.udp import open_udp
from ..base import RoomPresets
from .camera import Exchange, ViscaCamera, ViscaOptions
from .codec import Garbage, NeedData, Request, Role, UnknownMessage, ViscaCodec
from .commands import Command, Inquiry
from .overip import (
    DEFAULT_PORT,
    RESET,
    IpMessage,
    PayloadType,
    SequenceCounter,
    decode_ip,
    encode_ip,
)
from .profiles import GENERIC, CameraProfile, profile

__all__ = ["ViscaIpCamera"]

log = logging.getLogger(__name__)


class _Reset(Command):
    """The control RESET of the sequence number (not a VISCA message)."""

    __slots__ = ()
    name: ClassVar[str] = "reset_sequence"

    def encode(self) -> bytes:
        return RESET


class _AskAgain(Exception):
    """Internal: an inquiry's reply was lost and the camera refuses the retransmission."""


class _Endpoint(asyncio.DatagramProtocol):
    def __init__(self, camera: ViscaIpCamera) -> None:
        self._camera = camera

    def datagram_received(self, data: bytes, addr: tuple[str | object, ...]) -> None:
        self._camera._received(data)

    def error_received(self, exc: Exception) -> None:
        # ICMP port unreachable and the like: the camera is gone; the deadlines report it.
        log.info("%s: %s", self._camera.device, exc)


class ViscaIpCamera(ViscaCamera):
    """A VISCA-over-IP camera at ``host:port``; the device address is fixed at 1.

    ``policy`` must hold a ``visca-ip`` waiver naming ``label`` (default ``host:port``)
    and an audit log, or :meth:`open` raises PolicyViolation.
    """

    name: ClassVar[str] = "visca-ip"

    @classmethod
    def from_target(cls, target: DeviceTarget, *, secrets: SecretSource,
                    policy: SecurityPolicy, audit: AuditLog | None) -> Self:
        """Build from a network file's camera entry (``docs/network.md``): ``host:port``,
        ``model``, presets. The policy must waive VISCA over IP for ``target.id``."""
        host, port = target.host_port(DEFAULT_PORT)
        model = target.option("model", str)
        return cls(host, port, policy=policy, label=target.id,
                   profile=profile(model) if model else GENERIC,
                   room_presets=RoomPresets(target.presets))

    def __init__(self, host: str, port: int = DEFAULT_PORT, *, policy: SecurityPolicy,
                 label: str | None = None, profile: CameraProfile = GENERIC,
                 room_presets: RoomPresets | None = None,
                 options: ViscaOptions | None = None) -> None:
        super().__init__(profile=profile, room_presets=room_presets, options=options)
        self.host, self.port, self.policy = host, port, policy
        self._label = label or f"{host}:{port}"
        self._transport: asyncio.DatagramTransport | None = None
        self._sequence = SequenceCounter()
        self._in_flight: dict[int, Exchange] = {}
        self._codec = ViscaCodec(Role.CONTROLLER, 1)  # the address is fixed at 1 over IP
        #: replies dropped because their sequence number matched nothing in flight
        self.ignored_replies = 0

    @property
    def device(self) -> str:
        """The waiver's name for the camera (``host:port`` unless a label was given)."""
        return self._label

    async def open(self) -> None:
        """Check the waiver (audited), open the UDP endpoint, reset the sequence number."""
        if self._transport is not None:
            return
        self._transport, _ = await open_udp(self.policy, self.host, self.port,
                                            lambda: _Endpoint(self), device=self._label,
                                            kind=WaiverKind.VISCA_IP)
        try:
            await self._transact(_Reset())
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        """Close the endpoint. Safe to call twice."""
        transport, self._transport = self._transport, None
        if transport is not None:
            transport.close()
        for exchange in self._in_flight.values():
            exchange.fail(ConnectError("the camera was closed", device=self.device,
                                       operation="close"))
        self._in_flight.clear()

    def _received(self, datagram: bytes) -> None:
        try:
            message = decode_ip(datagram, device=self.device)
        except ProtocolError as exc:
            self.garbage_frames += 1
            log.warning("%s", exc)
            return
        exchange = self._in_flight.get(message.sequence)
        if exchange is None:
            self.ignored_replies += 1
            log.info("%s: reply with sequence %d matches no command, ignored", self.device,
                     message.sequence)
            return
        if message.payload_type is PayloadType.CONTROL_REPLY:
            self._control_reply(exchange, message)
        elif message.payload_type is PayloadType.REPLY:
            self._visca_reply(exchange, message.payload)
        else:
            self.garbage_frames += 1
            log.warning("%s: unexpected payload type %s", self.device,
                        message.payload_type.name)

    def _control_reply(self, exchange: Exchange, message: IpMessage) -> None:
        if isinstance(exchange.command, _Reset) and message.payload == RESET:
            exchange.finish()
        elif message.is_sequence_error and exchange.retransmitted:
            # The camera already executed this message: its replies were lost. A command
            # is then complete; an inquiry's answer is lost and is asked again.
            if isinstance(exchange.command, Inquiry):
                exchange.fail(_AskAgain())
                return
            log.info("%s: %s already executed (sequence error after retransmission)",
                     self.device, exchange.command.label)
            exchange.finish()
        else:
            what = ("sequence-number abnormality" if message.is_sequence_error else
                    "message-type abnormality" if message.is_type_error else
                    "unexpected control reply")
            exchange.fail(ProtocolError(what, device=self.device,
                                        operation=exchange.command.label,
                                        expected="a reply to the message",
                                        got=message.payload.hex(" ")))

    def _visca_reply(self, exchange: Exchange, payload: bytes) -> None:
        codec = self._codec  # one datagram holds one whole message: no state carries over
        codec.receive_data(payload)
        if codec.pending:
            codec.receive_data(b"\xff")  # report the unterminated rest as garbage
        while not isinstance(event := codec.next_event(), NeedData):
            if isinstance(event, Garbage | UnknownMessage | Request):
                self.garbage_frames += 1
                log.warning("%s: %r in a reply", self.device, event)
            else:
                exchange.deliver(event)

    async def _transact(self, command: Command) -> bytes:
        try:
            return await self._exchange(command)
        except _AskAgain:
            log.info("%s: %s: reply lost, asking again", self.device, command.label)
            return await self._exchange(command)

    async def _exchange(self, command: Command) -> bytes:
        transport = self._transport
        if transport is None:
            raise ConnectError("the camera is not open", device=self.device,
                               operation=command.label)
        if isinstance(command, _Reset):
            self._sequence.reset()
            sequence, kind, payload = 0, PayloadType.CONTROL, RESET
        else:
            sequence = self._sequence.next()
            kind = PayloadType.INQUIRY if isinstance(command, Inquiry) else PayloadType.COMMAND
            payload = self._codec.send(command)
        datagram = encode_ip(kind, sequence, payload)
        exchange = Exchange(command)
        self._in_flight[sequence] = exchange

        async def resend() -> bool:
            if self._transport is None:
                return False
            exchange.retransmitted = True
            self._transport.sendto(datagram)
            return True

        try:
            transport.sendto(datagram)
            await self._await_ack(exchange, resend, until_done=True)
            return await self._await_done(exchange)
        finally:
            if self._in_flight.get(sequence) is exchange:
                del self._in_flight[sequence]
