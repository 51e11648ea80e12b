"""The VISCA-over-IP front end: the camera on a UDP port (loopback in tests).

Documented behaviour followed (Sony SRG-300H command list pp. 31-32, BRC-X400 command
list pp. 10 and 13):

- replies echo the sequence number of the message they answer; the address is fixed at 1
  (no broadcast, no address set: a syntax error);
- control command ``RESET`` (``01``) sets the controller's sequence number to 0 whatever
  number it carries, and is answered with the control reply ``01``;
- ``ERROR`` ``0F 01`` (sequence-number abnormality) answers a message whose number was
  already executed (a retransmission after a lost ACK, completion or inquiry reply);
  ``0F 02`` (message-type abnormality) a message of a type the camera does not serve.
  Both are sent as a control *command* (payload type ``02 00``), where the guide lists
  ERROR;
- a retransmission of a message whose answer was an error gets the same error again;
- up to five controllers at once, each with its own sequence state.

Our own choices, not documented by Sony: a VISCA inquiry sent with the command payload
type (``01 00``, as common clients send it) is answered like one sent as ``01 10``; after
a RESET any number is accepted next; and when a sixth controller speaks, the slot of a
controller that has been quiet for ``idle_expiry`` seconds with no command of its still
running is given to it, so that short-lived controllers (each ``hnth camera`` call uses a
new source port) never lock the camera out. The sequence state of a controller that lost
its slot is kept aside (the last 256), so a late retransmission from it is still
recognised. While five controllers are busy, a sixth is not answered.
"""

from __future__ import annotations

import asyncio
import logging
import struct
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass

from hnth_drivers.errors import ProtocolError
from hnth_drivers.vcs.visca.overip import (
    ACKNOWLEDGE,
    RESET,
    SEQUENCE_ERROR,
    TYPE_ERROR,
    PayloadType,
    decode_ip,
    encode_ip,
    split_datagram,
)
from hnth_drivers.vcs.visca.wire import (
    Ack,
    ErrorReply,
    Reply,
    Request,
    Role,
    ViscaWire,
    decode_datagram,
)

from .device import HISTORY, CameraDevice

__all__ = ["DEFAULT_IDLE_EXPIRY", "MAX_CONTROLLERS", "UdpCamera"]

log = logging.getLogger(__name__)
MAX_CONTROLLERS = 5
DEFAULT_IDLE_EXPIRY = 0.1
"""Seconds of silence after which an idle controller's slot may be given to another (our
choice: shorter than one ``hnth camera`` call, so a script's calls in turn are all served)."""
_RETIRED = 256
_HEADER = struct.Struct(">HHI")
_REPLY = int(PayloadType.REPLY)
_SERVED = (int(PayloadType.COMMAND), int(PayloadType.INQUIRY))
_CONTROL = int(PayloadType.CONTROL)
Address = tuple[str, int]


@dataclass
class _Peer:
    """One controller's state: the number it last sent and how it was answered."""

    last_heard: float
    last_sequence: int | None = None
    #: the error datagram that answered ``last_sequence``, repeated on a retransmission
    last_error: bytes | None = None


class _PeerSink:
    """Sends the replies to one message back to its controller (with its number)."""

    __slots__ = ("acked", "addr", "camera", "peer", "sequence")

    def __init__(self, camera: UdpCamera, peer: _Peer, addr: Address, sequence: int) -> None:
        self.camera, self.peer, self.addr, self.sequence = camera, peer, addr, sequence
        self.acked = False

    def __call__(self, reply: Reply, garbage: bytes) -> None:
        transport = self.camera._transport
        if transport is None:
            return
        if garbage:
            transport.sendto(garbage, self.addr)
        transport.sendto(self._note(reply), self.addr)

    def lost(self, reply: Reply) -> None:
        """A reply the faults lose on the way: the camera still sent it."""
        self._note(reply)

    def _note(self, reply: Reply) -> bytes:
        frame = self.camera._frame(reply)
        # encode_ip, inlined: a reply frame always fits, and this runs for every reply
        datagram = _HEADER.pack(_REPLY, len(frame), self.sequence) + frame
        if type(reply) is Ack:
            self.acked = True
        elif (isinstance(reply, ErrorReply) and not self.acked
              and self.peer.last_sequence == self.sequence):
            # The message was answered by an error instead of an ACK: a retransmission of
            # it gets the same error again (SRG-300H command list, p. 32).
            self.peer.last_error = datagram
        return datagram


class UdpCamera(asyncio.DatagramProtocol):
    """Serve ``device`` over VISCA over IP on ``host:port`` (port 0: an ephemeral port).

    ``idle_expiry`` (seconds) is when a quiet controller's slot may be reused; ``clock``
    (default: the event loop's) is what it is measured with.
    """

    def __init__(self, device: CameraDevice, host: str = "127.0.0.1", port: int = 0, *,
                 idle_expiry: float = DEFAULT_IDLE_EXPIRY,
                 clock: Callable[[], float] | None = None) -> None:
        if not idle_expiry >= 0:
            raise ValueError("idle_expiry must be 0 or more")
        self.device = device
        self.host, self.port = host, port
        self.idle_expiry = idle_expiry
        self._clock = clock
        self._transport: asyncio.DatagramTransport | None = None
        self._peers: dict[Address, _Peer] = {}
        self._retired: OrderedDict[Address, _Peer] = OrderedDict()
        # One datagram holds one whole message, so one wire serves every datagram.
        self._wire = ViscaWire(Role.DEVICE)
        self._frames: dict[int, tuple[Reply, bytes]] = {}
        #: the datagrams received, as (sequence, payload type), the most recent last
        self.received: deque[tuple[int, int]] = deque(maxlen=HISTORY)
        #: datagrams left unanswered because five busy controllers held every slot
        self.refused_controllers = 0

    def _frame(self, reply: Reply) -> bytes:
        # The device sends the same few reply objects again and again (its ACKs and
        # completions are built once): look their frames up by identity, which costs
        # less than hashing a dataclass. The entry keeps the object alive, so its id
        # cannot be reused while it is in the table.
        entry = self._frames.get(id(reply))
        if entry is not None and entry[0] is reply:
            return entry[1]
        frame = self._wire.send(reply)
        if len(self._frames) >= 64:
            self._frames.clear()
        self._frames[id(reply)] = (reply, frame)
        return frame

    @property
    def controllers(self) -> list[Address]:
        """The controllers holding a slot now."""
        return list(self._peers)

    async def start(self) -> tuple[str, int]:
        """Bind and serve; returns the bound (host, port)."""
        loop = asyncio.get_running_loop()
        if self._clock is None:
            self._clock = loop.time
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

    # -- controllers -----------------------------------------------------------------------
    def _peer(self, addr: Address, now: float) -> _Peer | None:
        peer = self._peers.get(addr)
        if peer is None:
            if len(self._peers) >= MAX_CONTROLLERS:
                self._expire(now)
            if len(self._peers) >= MAX_CONTROLLERS:
                self.refused_controllers += 1
                log.info("camera: five controllers are busy; %s is not served", addr)
                return None
            peer = self._retired.pop(addr, None) or _Peer(now)
            peer.last_heard = now
            self._peers[addr] = peer
        else:
            peer.last_heard = now
        return peer

    def _expire(self, now: float) -> None:
        busy = {sink.addr for sink in self.device.busy() if isinstance(sink, _PeerSink)}
        for addr, peer in list(self._peers.items()):
            if now - peer.last_heard >= self.idle_expiry and addr not in busy:
                log.info("camera: controller %s quiet for %.1f s, slot freed", addr,
                         now - peer.last_heard)
                del self._peers[addr]
                self._retired[addr] = peer
                if len(self._retired) > _RETIRED:
                    self._retired.popitem(last=False)

    # -- datagrams -------------------------------------------------------------------------
    def datagram_received(self, data: bytes, addr: Address) -> None:
        faults = self.device.faults
        if (faults.silent or faults.drop_requests) and faults.lose_request():
            return
        parts = split_datagram(data)
        if parts is None:
            try:
                decode_ip(data, device="camera simulator")
            except ProtocolError as exc:
                log.info("%s", exc)
            raw_type, _, sequence = _HEADER.unpack(data[:8].ljust(8, b"\0"))
            self.received.append((sequence, raw_type))
            self._control(TYPE_ERROR, sequence, addr, PayloadType.CONTROL)
            return
        raw_type, sequence, payload = parts
        self.received.append((sequence, raw_type))
        assert self._clock is not None
        peer = self._peer(addr, self._clock())
        if peer is None:
            return
        if raw_type in _SERVED:
            if sequence == peer.last_sequence:
                if peer.last_error is not None:
                    self._send(peer.last_error, addr)
                else:
                    self._control(SEQUENCE_ERROR, sequence, addr, PayloadType.CONTROL)
                return
            peer.last_sequence, peer.last_error = sequence, None
            self._visca(payload, _PeerSink(self, peer, addr, sequence))
        elif raw_type == _CONTROL and payload == RESET:
            peer.last_sequence = peer.last_error = None
            self._control(ACKNOWLEDGE, sequence, addr, PayloadType.CONTROL_REPLY)
        else:
            self._control(TYPE_ERROR, sequence, addr, PayloadType.CONTROL)

    def _visca(self, payload: bytes, sink: _PeerSink) -> None:
        events = decode_datagram(payload, Role.DEVICE)
        if len(events) == 1 and isinstance(event := events[0], Request) \
                and event.destination == 1:
            self.device.handle(event.command, sink)
        else:
            # Over IP the address is fixed at 1: no broadcast, no address set, one message
            # per datagram; an unknown, unterminated or garbled message is refused too.
            log.info("camera: syntax error for %s", payload.hex(" "))
            self.device.syntax_error(sink)

    def _send(self, datagram: bytes, addr: Address) -> None:
        if self._transport is not None and not self.device.faults.silent:
            self._transport.sendto(datagram, addr)

    def _control(self, payload: bytes, sequence: int, addr: Address,
                 kind: PayloadType) -> None:
        self._send(encode_ip(kind, sequence, payload), addr)
