"""The serial front end: the camera on a pseudo-terminal, as if on an RS-232 line.

The driver opens the terminal's slave side (``path``, or the symlink ``link``) with
pyserial; the simulator reads and writes the master side from the event loop. The slave
stays open here too, so the master never reads EIO while the driver reconnects.

With ``attach=PATH`` the camera serves an existing terminal instead (one end of a
``socat`` pty pair, or a real serial port wired to a controller), set raw.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import tty
from pathlib import Path

from hnth_drivers.vcs.visca.wire import (
    Garbage,
    NeedData,
    Reply,
    Request,
    Role,
    UnknownMessage,
    ViscaWire,
)

from .device import CameraDevice

__all__ = ["PtyCamera"]

log = logging.getLogger(__name__)
BROADCAST = 8


class PtyCamera:
    """Serve ``device`` on a new pseudo-terminal (``link`` names a symlink to it), or on
    the existing terminal ``attach``."""

    def __init__(self, device: CameraDevice, link: str | os.PathLike[str] | None = None,
                 *, attach: str | os.PathLike[str] | None = None) -> None:
        self.device = device
        self.link = Path(link) if link is not None else None
        self.attach = os.fspath(attach) if attach is not None else None
        self._master = self._slave = -1
        self.path = ""
        self._wire = ViscaWire(Role.DEVICE)
        #: garbage the camera skipped on its input
        self.garbage_frames = 0

    async def start(self) -> str:
        """Open the terminal and serve it; returns the path a driver opens."""
        if self.attach is not None:
            self._master = os.open(self.attach, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
            tty.setraw(self._master)
            self.path = self.attach
            asyncio.get_running_loop().add_reader(self._master, self._readable)
            return self.path
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)  # at once, or our own writes echo back to us
        os.set_blocking(self._master, False)
        self.path = os.ttyname(self._slave)
        if self.link is not None:
            with contextlib.suppress(FileNotFoundError):
                self.link.unlink()
            self.link.symlink_to(self.path)
        asyncio.get_running_loop().add_reader(self._master, self._readable)
        return str(self.link or self.path)

    async def stop(self) -> None:
        """Stop serving and close the terminal."""
        self.device.close()
        if self._master >= 0:
            asyncio.get_running_loop().remove_reader(self._master)
            os.close(self._master)
            if self._slave >= 0:
                os.close(self._slave)
            self._master = self._slave = -1
        if self.link is not None:
            with contextlib.suppress(FileNotFoundError):
                self.link.unlink()

    def _readable(self) -> None:
        try:
            data = os.read(self._master, 1024)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            log.warning("pty camera: read failed: %s", exc)
            return
        if self.device.faults.lose_request():
            return
        self._wire.receive_data(data)
        while not isinstance(event := self._wire.next_event(), NeedData):
            match event:
                case Request(destination=dest, command=command) if dest in (
                        self.device.address, BROADCAST):
                    self.device.handle(command, self._send)
                case UnknownMessage(peer=dest) if dest == self.device.address:
                    self.device.syntax_error(self._send)
                case Garbage():
                    self.garbage_frames += 1
                case _:
                    pass  # for another camera on the chain

    def _send(self, reply: Reply, garbage: bytes) -> None:
        if self._master < 0:
            return
        self._wire.address = self.device.address
        try:
            os.write(self._master, garbage + self._wire.send(reply))
        except OSError as exc:
            log.warning("pty camera: write failed: %s", exc)
