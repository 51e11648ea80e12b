"""The VISCA-over-IP front end: the camera on a UDP port (loopback in tests).

Each controller (up to five) has its own sequence state: a message whose sequence number
was already executed is answered with the sequence-number error (``0F 01``), a message of
an unknown type with the message-type error (``0F 02``), a control RESET with ``01``.
Replies echo the request's sequence number.
"""

from __future__ import annotations

import asyncio
import logging
import struct
from collections import deque
from dataclasses import dataclass

from hnth_drivers.errors import ProtocolError
from hnth_drivers.vcs.visca.codec import (
    Reply,
    Request,
    Role,
    UnknownMessage,
    ViscaCodec,
)
from hnth_drivers.vcs.visca.overip import (
    RESET,
    SEQUENCE_ERROR,
    TYPE_ERROR,
    PayloadType,
    decode_ip,
    encode_ip,
)

from .device import HISTORY, CameraDevice, Sink

__all__ = ["MAX_CONTROLLERS", "UdpCamera"]

log = logging.getLogger(__name__)
MAX_CONTROLLERS = 5
_HEADER = struct.Struct(">HHI")
Address = tuple[str, int]


@dataclass
class _Peer:
    last_sequence: int | None = None


class UdpCamera(asyncio.DatagramProtocol):
    """Serve ``device`` over VISCA over IP on ``host:port`` (port 0: an ephemeral port)."""

    def __init__(self, device: CameraDevice, host: str = "127.0.0.1", port: int = 0) -> None:
        self.device = device
        self.host, self.port = host, port
        self._transport: asyncio.DatagramTransport | None = None
        self._peers: dict[Address, _Peer] = {}
        # One datagram holds one whole message, so one codec serves every datagram.
        self._codec = ViscaCodec(Role.DEVICE)
        #: the datagrams received, as (sequence, payload type), the most recent last
        self.received: deque[tuple[int, int]] = deque(maxlen=HISTORY)

    async def start(self) -> tuple[str, int]:
        """Bind and serve; returns the bound (host, port)."""
        loop = asyncio.get_running_loop()
        self._transport, _ = await loop.create_datagram_endpoint(
            lambda: self, local_addr=(self.host, self.port))
        host, port = self._transport.get_extra_info("sockname")[:2]
        self.host, self.port = host, port
        return host, port

    async def stop(self) -> None:
        """Stop serving."""
        self.device.close()
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    def datagram_received(self, data: bytes, addr: Address) -> None:
        if self.device.faults.lose_request():
            return
        try:
            message = decode_ip(data, device="camera simulator")
        except ProtocolError as exc:
            log.info("%s", exc)
            raw_type, _, sequence = _HEADER.unpack(data[:8].ljust(8, b"\0"))
            self.received.append((sequence, raw_type))
            self._control(TYPE_ERROR, sequence, addr)
            return
        self.received.append((message.sequence, int(message.payload_type)))
        peer = self._peers.get(addr)
        if peer is None:
            if len(self._peers) >= MAX_CONTROLLERS:
                log.info("camera: a sixth controller %s is not served", addr)
                return
            peer = self._peers[addr] = _Peer()
        kind = message.payload_type
        if kind is PayloadType.CONTROL and message.payload == RESET:
            peer.last_sequence = None
            self._control(RESET, message.sequence, addr)
        elif kind in (PayloadType.COMMAND, PayloadType.INQUIRY):
            if message.sequence == peer.last_sequence:
                self._control(SEQUENCE_ERROR, message.sequence, addr)
                return
            peer.last_sequence = message.sequence
            self._visca(message.payload, self._sink(message.sequence, addr))
        else:
            self._control(TYPE_ERROR, message.sequence, addr)

    def _visca(self, payload: bytes, sink: Sink) -> None:
        codec = self._codec
        codec.receive_data(payload)
        if codec.pending:
            codec.receive_data(b"\xff")  # an unterminated message: drop it, keep no state
            codec.events()
            self.device.syntax_error(sink)
            return
        events = codec.events()
        match events:
            case [Request(destination=1, command=command)]:
                self.device.handle(command, sink)
            case _ if any(isinstance(e, UnknownMessage | Request) for e in events):
                # Over IP the address is fixed at 1: no broadcast, no address set, and
                # one message per datagram.
                self.device.syntax_error(sink)
            case _:
                log.info("camera: nothing to execute in %s", payload.hex(" "))

    def _sink(self, sequence: int, addr: Address) -> Sink:
        codec = self._codec

        def send(reply: Reply, garbage: bytes) -> None:
            if self._transport is None:
                return
            if garbage:
                self._transport.sendto(garbage, addr)
            self._transport.sendto(encode_ip(PayloadType.REPLY, sequence, codec.send(reply)),
                                   addr)
        return send

    def _control(self, payload: bytes, sequence: int, addr: Address) -> None:
        if self._transport is not None and not self.device.faults.silent:
            self._transport.sendto(encode_ip(PayloadType.CONTROL_REPLY, sequence, payload),
                                   addr)
