"""Interop: the serial driver through a socat pty pair (a third-party line, as a USB
serial adapter and a null-modem cable would be), with the camera on the far end."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from hnth_drivers.model import CameraPosition
from hnth_drivers.vcs.visca.camera import ViscaOptions
from hnth_drivers.vcs.visca.serial import ViscaSerialCamera
from hnth_sim.camera import CameraDevice, CameraModel, PtyCamera

pytestmark = pytest.mark.interop


@pytest_asyncio.fixture
async def socat_line(tmp_path: Path, socat: str) -> AsyncIterator[tuple[Path, Path]]:
    near, far = tmp_path / "controller", tmp_path / "camera"
    proc = await asyncio.create_subprocess_exec(
        socat, f"pty,raw,echo=0,link={near}", f"pty,raw,echo=0,link={far}",
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            if near.exists() and far.exists():
                break
            await asyncio.sleep(0.02)
        else:
            pytest.fail("socat did not create its pty pair within 4 s")
        yield near, far
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.wait(), 5)


async def test_serial_driver_over_socat(socat_line: tuple[Path, Path]) -> None:
    near, far = socat_line
    camera = PtyCamera(CameraDevice(CameraModel(travel_scale=0.05)), attach=far)
    await camera.start()
    try:
        async with ViscaSerialCamera(str(near), baudrate=38400,
                                     options=ViscaOptions(ack_timeout=0.5)) as cam:
            assert cam.chain_length == 1
            await cam.move_to(CameraPosition(250, -40, 900))
            await cam.store_preset(7)
            await cam.home()
            await cam.recall_preset(7)
            assert await cam.position() == CameraPosition(250, -40, 900)
            camera.device.faults.garbage = b"\x00\x13\x37"
            assert await cam.is_powered() is True
            assert cam.garbage_frames >= 1
    finally:
        await camera.stop()
