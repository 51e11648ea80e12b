"""VISCA over IP: ``ViscaIpCamera`` (asyncio UDP, port 52381).

The protocol has no encryption and no authentication, so the transport is opened only
when the security policy names the camera in a ``visca-ip`` waiver (a camera on a
trusted local segment); each use of the waiver is written to the audit log.

Each message carries a sequence number that the camera echoes. A reply whose number
matches no command in flight is ignored, never taken for another command's reply. On a
lost reply the driver follows the retransmission rules of Sony's SRG-300H command list
(p. 32; the SRG-120DH's p. 31 is the same):

- nothing came within ``ack_timeout``: resend with the **same** sequence number;
- a sequence-number ERROR answers that resend when the camera already executed the
  message: an inquiry (its reply was lost) and an idempotent command (its ACK, maybe its
  completion, was lost) are sent again with a **new** number, which is how the guide says
  to obtain the answer; a non-idempotent command (``move_by``) is never executed twice: its
  completion, if only the ACK was lost, still arrives and is awaited;
- a lost error message is repeated by the camera on the resend, and reported.
"""

from __future__ import annotations

import asyncio
import logging
from typing import ClassVar, Self

from ...driver import DeviceTarget, SecretSource
from ...errors import ConnectError, DeviceTimeout, ProtocolError
from ...security.audit import AuditLog
from ...security.policy import SecurityPolicy, WaiverKind
from ...transport.udp import open_udp
from ..base import RoomPresets
from .camera import Exchange, ViscaCamera, ViscaOptions
from .commands import Command, Inquiry
from .overip import (
    ACKNOWLEDGE,
    DEFAULT_PORT,
    RESET,
    IpMessage,
    PayloadType,
    SequenceCounter,
    decode_ip,
    encode_ip,
    split_datagram,
)
from .profiles import GENERIC, CameraProfile, profile
from .wire import Garbage, Request, Role, UnknownMessage, ViscaWire, decode_datagram

__all__ = ["ViscaIpCamera"]

log = logging.getLogger(__name__)


class _Reset(Command):
    """The control RESET of the sequence number (not a VISCA message)."""

    __slots__ = ()
    name: ClassVar[str] = "reset_sequence"

    def encode(self) -> bytes:
        return RESET


class _SendAgain(Exception):
    """Internal: the camera executed the message but its answer was lost; the guide's way
    to obtain it is to send the message again with a new sequence number."""


_SEND_AGAIN_LIMIT = 2
_REPLY = int(PayloadType.REPLY)
_IGNORED = (Garbage, UnknownMessage, Request)


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
        ``model``, presets, ``timeout_s`` (completion). The policy must waive VISCA over
        IP for ``target.id``."""
        host, port = target.host_port(DEFAULT_PORT)
        model = target.option("model", str)
        timeout = target.option("timeout_s", float)
        return cls(host, port, policy=policy, label=target.id,
                   profile=profile(model) if model else GENERIC,
                   room_presets=RoomPresets(target.presets),
                   options=ViscaOptions(completion_timeout=timeout) if timeout else None)

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
        self._resetting: Exchange | None = None
        self._wire = ViscaWire(Role.CONTROLLER, 1)  # the address is fixed at 1 over IP
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
            await self._set_up(_Reset())
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        """Close the endpoint. Safe to call twice."""
        transport, self._transport = self._transport, None
        if transport is not None:
            transport.close()
        closed = ConnectError("the camera was closed", device=self.device, operation="close")
        for exchange in self._in_flight.values():
            exchange.fail(closed)
        self._in_flight.clear()
        if self._resetting is not None:
            self._resetting.fail(closed)

    # -- replies ---------------------------------------------------------------------------
    def _received(self, datagram: bytes) -> None:
        parts = split_datagram(datagram)
        if parts is not None and parts[0] == _REPLY:  # the common case, without values
            exchange = self._in_flight.get(parts[1])
            if exchange is not None:
                self._visca_reply(exchange, parts[2])
                return
        try:
            message = decode_ip(datagram, device=self.device)
        except ProtocolError as exc:
            self.garbage_frames += 1
            log.warning("%s", exc)
            return
        kind = message.payload_type
        if kind is PayloadType.REPLY:
            exchange = self._in_flight.get(message.sequence)
            if exchange is None and self._resetting is not None and not self._in_flight:
                exchange = self._resetting  # a VISCA error in answer to the RESET
            if exchange is None:
                self._unmatched(message)
            else:
                self._visca_reply(exchange, message.payload)
        elif message.is_control:
            self._control(message)
        else:
            self.garbage_frames += 1
            log.warning("%s: unexpected payload type %s", self.device, kind.name)

    def _unmatched(self, message: IpMessage) -> None:
        self.ignored_replies += 1
        log.info("%s: message with sequence %d matches no command, ignored", self.device,
                 message.sequence)

    def _control(self, message: IpMessage) -> None:
        resetting = self._resetting
        if (resetting is not None and message.payload == ACKNOWLEDGE
                and message.payload_type is PayloadType.CONTROL_REPLY):
            # The RESET's own number is ignored by the camera: take its Acknowledge
            # whatever number it carries.
            resetting.finish()
            return
        exchange = self._in_flight.get(message.sequence)
        if exchange is None and resetting is not None and not self._in_flight:
            exchange = resetting  # an ERROR in answer to the RESET
        if exchange is None:
            self._unmatched(message)
            return
        command = exchange.command
        if message.is_sequence_error and exchange.retransmitted:
            # Our resend came after the camera had executed the message: its answer
            # (an inquiry's reply, a command's ACK and maybe completion) was lost.
            if isinstance(command, Inquiry) or command.idempotent:
                exchange.fail(_SendAgain())
            else:
                log.info("%s: %s executed (sequence-number error on the resend); awaiting "
                         "its completion", self.device, command.label)
                exchange.executed_unacknowledged(
                    "a sequence-number error on the resend (executed; ACK lost)")
            return
        what = ("sequence-number abnormality" if message.is_sequence_error else
                "message-type abnormality" if message.is_type_error else
                "unexpected control message")
        exchange.fail(ProtocolError(f"the camera reported a {what}", device=self.device,
                                    operation=command.label,
                                    expected="a reply to the message",
                                    got=f"{int(message.payload_type):04x} "
                                        f"{message.payload.hex(' ')}"))

    def _visca_reply(self, exchange: Exchange, payload: bytes) -> None:
        for event in decode_datagram(payload, Role.CONTROLLER):
            if isinstance(event, _IGNORED):
                self.garbage_frames += 1
                log.warning("%s: %r in a reply", self.device, event)
            else:
                exchange.deliver(event)

    # -- sending ---------------------------------------------------------------------------
    async def _transact(self, command: Command) -> bytes:
        for _ in range(_SEND_AGAIN_LIMIT):
            try:
                return await self._exchange(command)
            except _SendAgain:
                log.info("%s: %s: answer lost after execution, sending again with a new "
                         "sequence number", self.device, command.label)
        raise DeviceTimeout("the camera's answers kept getting lost", device=self.device,
                           operation=command.label,
                           expected="a reply after a resend with a new sequence number",
                           got=f"sequence-number errors {_SEND_AGAIN_LIMIT} times")

    async def _exchange(self, command: Command) -> bytes:
        transport = self._transport
        if transport is None:
            raise ConnectError("the camera is not open", device=self.device,
                               operation=command.label)
        exchange = Exchange(command, self._alarm)
        if isinstance(command, _Reset):
            self._sequence.reset()
            # The camera ignores the RESET's own number (SRG-300H command list, p. 31).
            sequence, datagram = -1, encode_ip(PayloadType.CONTROL, 0, RESET)
            self._resetting = exchange
        else:
            sequence = self._sequence.next()
            kind = PayloadType.INQUIRY if isinstance(command, Inquiry) else PayloadType.COMMAND
            datagram = encode_ip(kind, sequence, self._wire.send(command))
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
            if sequence < 0:
                if self._resetting is exchange:
                    self._resetting = None
            elif self._in_flight.get(sequence) is exchange:
                del self._in_flight[sequence]
