"""Scripted cameras: peers that answer each expected message with recorded bytes.

They replay a transcript (what the controller must send, what the camera answers) over a
real UDP socket or a real pseudo-terminal, with no simulator behind them, so that the
drivers are checked against the vendor's documented exchanges rather than against our own
camera model. A message other than the one expected is recorded in ``unexpected`` and
left unanswered.
"""

from __future__ import annotations

import asyncio
import os
import tty
from collections import deque
from collections.abc import Iterable
from typing import cast

Step = tuple[bytes, list[bytes]]


class ScriptedUdpCamera(asyncio.DatagramProtocol):
    """Answers the datagrams of a VISCA-over-IP transcript, in order."""

    def __init__(self, steps: Iterable[Step]) -> None:
        self.steps: deque[Step] = deque(steps)
        self.unexpected: list[bytes] = []
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if not self.steps or self.steps[0][0] != data:
            self.unexpected.append(data)
            return
        _, replies = self.steps.popleft()
        assert self.transport is not None
        for reply in replies:
            self.transport.sendto(reply, addr)

    @classmethod
    async def start(cls, steps: Iterable[Step]) -> tuple[ScriptedUdpCamera, str, int]:
        """Serve on an ephemeral loopback port; returns (peer, host, port)."""
        loop = asyncio.get_running_loop()
        transport, peer = await loop.create_datagram_endpoint(
            lambda: cls(steps), local_addr=("127.0.0.1", 0))
        host, port = transport.get_extra_info("sockname")[:2]
        return peer, host, port

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


class ScriptedPtyCamera:
    """Answers the frames of a serial transcript on a new pseudo-terminal, in order."""

    def __init__(self, steps: Iterable[Step]) -> None:
        self.steps: deque[Step] = deque(steps)
        self.unexpected: list[bytes] = []
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        os.set_blocking(self._master, False)
        self.path = os.ttyname(self._slave)
        self._buffer = bytearray()
        asyncio.get_running_loop().add_reader(self._master, self._readable)

    def _readable(self) -> None:
        try:
            self._buffer += os.read(self._master, 256)
        except (BlockingIOError, OSError):
            return
        while (end := self._buffer.find(0xFF)) >= 0:
            frame = bytes(self._buffer[:end + 1])
            del self._buffer[:end + 1]
            if not self.steps or self.steps[0][0] != frame:
                self.unexpected.append(frame)
                continue
            _, replies = self.steps.popleft()
            os.write(self._master, b"".join(replies))

    def close(self) -> None:
        asyncio.get_running_loop().remove_reader(self._master)
        os.close(self._master)
        os.close(self._slave)
