"""Serving a recording of an SSH shell or of VISCA-over-IP datagrams back to a driver.

:class:`WirePlayer` answers what the driver sends with the recorded exchange it matches:
the bytes sent, secret-named values redacted (see :func:`.wire.redact_line`), equal.
Among the matching exchanges, the first unused one after the last served is taken (a
session replays in order), else the first unused one. Nothing is sent on the network.

- SSH: the hook of :func:`hnth_drivers.transport.ssh.ssh_connect` returns a client whose
  shell channel is a :class:`ReplayChannel`: opening the shell serves the next recorded
  ``open`` (the banner); each ``sendall`` serves what the device answered. Its
  ``fileno()`` is one end of a socket pair that is always readable, so a driver waiting
  on it never waits: it reads, and a read the recording holds no bytes for raises
  :class:`~.replay.ReplayMiss` at once (never a hang, whatever the driver's timeout).
- UDP: the hook of :func:`hnth_drivers.transport.udp.open_udp` returns a
  :class:`ReplayDatagramTransport`: each ``sendto`` delivers the recorded answers to the
  protocol, in order, on the next loop iterations.

A request the recording holds no unused exchange for raises :class:`~.replay.ReplayMiss`
naming it, where the driver sends it.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

import paramiko
import serial

from ..errors import ConnectError, ProtocolError
from ..transport.ssh import SshTarget
from ..transport.udp import UdpOpen
from .wire import WireExchange, describe_wire, redact_line

if TYPE_CHECKING:
    from .replay import Recording

__all__ = ["ReplayChannel", "ReplayDatagramTransport", "ReplaySerial", "WirePlayer"]


def _key(sent: bytes | None, transport: str) -> bytes | None:
    if sent is None or transport in ("udp", "serial"):
        return sent
    return redact_line(sent.decode("utf-8", "surrogateescape")).encode(
        "utf-8", "surrogateescape")


class WirePlayer:
    """Which exchanges of a recording were served; shared by every connection it answers."""

    def __init__(self, recording: Recording, section: str | None = None) -> None:
        from .replay import outside

        self.recording = recording
        self.transport = recording.header.transport
        self._keys = [_key(ex.sent, self.transport) for ex in recording.wire]
        # Another part's exchanges count as used: never served, never reported unused.
        self._used = outside(recording.wire, section)
        self._cursor = 0
        self._lock = threading.Lock()
        #: What was served last (for the message of a read beyond the recording).
        self.last: WireExchange | None = None

    @property
    def unused(self) -> list[WireExchange]:
        """Exchanges not served yet."""
        return [ex for ex, used in zip(self.recording.wire, self._used, strict=True)
                if not used]

    def serve(self, sent: bytes | None, device: str) -> WireExchange:
        """The exchange answering ``sent`` (None: a connection opened); ReplayMiss if no
        unused one is left."""
        from .replay import ReplayMiss

        key = _key(sent, self.transport)
        with self._lock:
            order = [*range(self._cursor, len(self._keys)), *range(self._cursor)]
            for i in order:
                if not self._used[i] and self._keys[i] == key:
                    self._used[i] = True
                    self._cursor = i + 1
                    self.last = self.recording.wire[i]
                    return self.last
        asked = describe_wire(sent, self.transport)
        same = sum(1 for k in self._keys if k == key)
        raise ReplayMiss(
            f"the recording holds no unused exchange for {asked}", device=device,
            operation=f"replay {self.recording.path.name}",
            expected=(f"{same} recorded exchange(s) for it, all used" if same else
                      "a recorded exchange for it (the driver's requests changed, or the "
                      "recording is another device's)"),
            got=asked)

    def beyond(self, device: str) -> ProtocolError:
        """The error for a read the recording holds no more bytes for."""
        from .replay import ReplayMiss

        after = (self.last.describe(self.transport) if self.last is not None
                 else "nothing served")
        return ReplayMiss("the driver waits for bytes the recording does not hold",
                          device=device, operation=f"replay {self.recording.path.name}",
                          expected=f"a complete reply in the recording after {after}",
                          got="nothing more (a reply cut short, or a request that timed "
                              "out when it was recorded)")

    # -- SSH -------------------------------------------------------------------------------
    def ssh_hook(self, target: SshTarget,
                 connect: Callable[[], paramiko.SSHClient]) -> paramiko.SSHClient:
        """The :data:`~hnth_drivers.transport.ssh.ssh_hook` of this replay (``connect`` is
        never called)."""
        del connect
        return cast(paramiko.SSHClient, _ReplayClient(self, target.label))

    # -- serial ----------------------------------------------------------------------------
    def serial_hook(self, port: str, open_real: Callable[[], serial.Serial]) -> serial.Serial:
        """The :data:`~hnth_drivers.transport.serial.serial_hook` of this replay
        (``open_real`` is never called)."""
        del open_real
        replayed = ReplaySerial(self, port)
        replayed.serve(None)
        return cast(serial.Serial, replayed)

    # -- UDP -------------------------------------------------------------------------------
    async def udp_hook(self, device: str, open_real: UdpOpen,
                       factory: Callable[[], asyncio.DatagramProtocol],
                       ) -> tuple[asyncio.DatagramTransport, asyncio.DatagramProtocol]:
        """The :data:`~hnth_drivers.transport.udp.udp_hook` of this replay (``open_real``
        is never called: nothing is sent, so no waiver is asked for)."""
        del open_real
        protocol = factory()
        transport = ReplayDatagramTransport(self, protocol, device)
        protocol.connection_made(transport)
        transport.deliver(self.serve(None, device))
        return transport, protocol


class ReplayChannel:
    """The part of :class:`paramiko.Channel` a shell driver uses, answered from a
    :class:`WirePlayer`. Thread-safe (the driver writes from worker threads)."""

    def __init__(self, player: WirePlayer, device: str, transport: _ReplayTransport) -> None:
        self._player, self._device, self._transport = player, device, transport
        self._pending = bytearray()
        self._lock = threading.Lock()
        self._ours, self._theirs = socket.socketpair()
        self._theirs.send(b"!")  # always readable: a waiting driver reads at once
        self.closed = False
        self.eof_received = False

    def fileno(self) -> int:
        """Readable whenever the driver may read (always, while open)."""
        return self._ours.fileno()

    def get_transport(self) -> _ReplayTransport:
        """The fake transport (active until closed)."""
        return self._transport

    def invoke_shell(self, *args: Any, **kwargs: Any) -> None:
        """Serve the recorded ``open``: what the device sent first (its banner)."""
        self._serve(None)

    def settimeout(self, timeout: float | None) -> None:
        """Nothing waits here: reads and writes answer at once."""

    def send_ready(self) -> bool:
        """Always (nothing is sent)."""
        return not self.closed

    def recv_ready(self) -> bool:
        """Always while open: a read either has recorded bytes or raises ReplayMiss."""
        return not self.closed

    def _serve(self, sent: bytes | None) -> None:
        exchange = self._player.serve(sent, self._device)
        with self._lock:
            self._pending += b"".join(exchange.received)

    def sendall(self, data: bytes) -> None:
        """Serve the exchange recorded for ``data`` (ReplayMiss if there is none)."""
        if self.closed:
            raise OSError("the replayed channel is closed")
        self._serve(bytes(data))

    def send(self, data: bytes) -> int:
        """As :meth:`sendall`."""
        self.sendall(data)
        return len(data)

    def recv(self, size: int) -> bytes:
        """Recorded bytes not read yet; ReplayMiss when there are none (the driver waits
        for more than the device sent when it was recorded)."""
        if self.closed:
            return b""
        with self._lock:
            data = bytes(self._pending[:size])
            del self._pending[:size]
        if not data:
            raise self._player.beyond(self._device)
        return data

    def close(self) -> None:
        """Close (idempotent)."""
        if not self.closed:
            self.closed = True
            self._ours.close()
            self._theirs.close()


class _ReplayTransport:
    def __init__(self, player: WirePlayer, device: str) -> None:
        self._player, self._device = player, device
        self.clear_to_send = threading.Event()
        self.clear_to_send.set()
        self.active = True
        self.channels: list[ReplayChannel] = []

    def is_active(self) -> bool:
        return self.active

    def open_session(self, *args: Any, **kwargs: Any) -> ReplayChannel:
        if not self.active:
            raise ConnectError("the replayed connection is closed", device=self._device,
                               operation="open shell")
        channel = ReplayChannel(self._player, self._device, self)
        self.channels.append(channel)
        return channel

    def set_keepalive(self, interval: int) -> None:
        del interval

    def close(self) -> None:
        self.active = False
        for channel in self.channels:
            channel.close()


class _ReplayClient:
    def __init__(self, player: WirePlayer, device: str) -> None:
        self._transport = _ReplayTransport(player, device)

    def get_transport(self) -> _ReplayTransport:
        return self._transport

    def close(self) -> None:
        self._transport.close()


class ReplaySerial:
    """The part of :class:`serial.Serial` a VISCA line driver uses, answered from a
    :class:`WirePlayer`: ``write`` serves the recorded answer; ``read`` returns it, or
    nothing after the port's read timeout, as a quiet line does (the driver's own
    deadlines then apply, and its resend is a ReplayMiss if the recording lacks it)."""

    def __init__(self, player: WirePlayer, port: str, timeout: float = 0.05) -> None:
        self._player, self._port, self.timeout = player, port, timeout
        self._pending = bytearray()
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self.is_open = True

    def serve(self, sent: bytes | None) -> None:
        """Queue the answer recorded for ``sent`` (None: the port opened)."""
        exchange = self._player.serve(sent, self._port)
        with self._arrived:
            self._pending += b"".join(exchange.received)
            self._arrived.notify_all()

    def write(self, data: bytes) -> int:
        """Serve the exchange recorded for ``data`` (ReplayMiss if there is none)."""
        if not self.is_open:
            raise serial.PortNotOpenError()
        self.serve(bytes(data))
        return len(data)

    @property
    def in_waiting(self) -> int:
        """Recorded bytes not read yet."""
        return len(self._pending)

    def read(self, size: int = 1) -> bytes:
        """Up to ``size`` recorded bytes; nothing after ``timeout`` if none are there."""
        deadline = time.monotonic() + self.timeout
        with self._arrived:
            while not self._pending and self.is_open:
                left = deadline - time.monotonic()
                if left <= 0:
                    return b""
                self._arrived.wait(left)
            data = bytes(self._pending[:size])
            del self._pending[:size]
        return data

    def close(self) -> None:
        """Close (idempotent)."""
        with self._arrived:
            self.is_open = False
            self._arrived.notify_all()


class ReplayDatagramTransport(asyncio.DatagramTransport):
    """A datagram transport answered from a :class:`WirePlayer`; it never opens a socket."""

    def __init__(self, player: WirePlayer, protocol: asyncio.DatagramProtocol,
                 device: str) -> None:
        super().__init__()
        self._player, self._protocol, self._device = player, protocol, device
        self._closing = False
        self._loop = asyncio.get_running_loop()

    def deliver(self, exchange: WireExchange) -> None:
        """Hand ``exchange``'s datagrams to the protocol, in order, soon."""
        for datagram in exchange.received:
            self._loop.call_soon(self._datagram, datagram)

    def _datagram(self, datagram: bytes) -> None:
        if not self._closing:
            self._protocol.datagram_received(datagram, ("replay", 0))

    def sendto(self, data: Any, addr: Any = None) -> None:
        """Serve the exchange recorded for ``data`` (ReplayMiss if there is none)."""
        if self._closing:
            return
        self.deliver(self._player.serve(bytes(data), self._device))

    def close(self) -> None:
        if not self._closing:
            self._closing = True
            self._loop.call_soon(self._protocol.connection_lost, None)

    def abort(self) -> None:
        self.close()

    def is_closing(self) -> bool:
        return self._closing

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("replay", 0)}.get(name, default)
