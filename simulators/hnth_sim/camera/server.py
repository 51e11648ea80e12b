"""One simulated camera on a UDP port and, optionally, a pseudo-terminal at once."""

from __future__ import annotations

import os
from types import TracebackType
from typing import Self

from hnth_drivers.vcs.visca.profiles import GENERIC, CameraProfile

from .device import CameraDevice, Faults
from .model import CameraModel
from .pty import PtyCamera
from .udp import DEFAULT_IDLE_EXPIRY, UdpCamera

__all__ = ["CameraSimulator"]


class CameraSimulator:
    """``async with CameraSimulator(udp=("127.0.0.1", 0), pty=True) as sim:`` serves both.

    Both front ends drive the same camera (one model, one set of presets and faults).
    ``profile`` is the model simulated (its position widths, ranges and presets);
    ``idle_expiry`` when a quiet VISCA-over-IP controller's slot is freed (see
    :class:`UdpCamera`).
    """

    def __init__(self, *, udp: tuple[str, int] | None = ("127.0.0.1", 0),
                 pty: bool | str | os.PathLike[str] = False,
                 profile: CameraProfile = GENERIC, travel_scale: float = 1.0,
                 faults: Faults | None = None,
                 idle_expiry: float = DEFAULT_IDLE_EXPIRY) -> None:
        self.device = CameraDevice(CameraModel(profile, travel_scale=travel_scale), faults)
        self.udp = (UdpCamera(self.device, *udp, idle_expiry=idle_expiry)
                    if udp is not None else None)
        link = None if isinstance(pty, bool) else pty
        self.pty = PtyCamera(self.device, link) if pty is not False else None
        self.udp_address: tuple[str, int] | None = None
        self.pty_path: str | None = None

    @property
    def faults(self) -> Faults:
        """The faults to inject (shared by both front ends)."""
        return self.device.faults

    @property
    def model(self) -> CameraModel:
        """The camera's mechanics and presets."""
        return self.device.model

    async def start(self) -> None:
        """Start every front end."""
        if self.udp is not None:
            self.udp_address = await self.udp.start()
        if self.pty is not None:
            self.pty_path = await self.pty.start()

    async def stop(self) -> None:
        """Stop every front end."""
        if self.udp is not None:
            await self.udp.stop()
        if self.pty is not None:
            await self.pty.stop()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.stop()
