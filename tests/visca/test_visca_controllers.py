"""Up to five VISCA-over-IP controllers at once (BRC-X400 command list p. 13), and our own
rule for the rest: a quiet controller's slot is given to a new one, so that short-lived
controllers never lock the camera out. Real UDP sockets on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from hnth_drivers.errors import DeviceTimeout
from hnth_drivers.model import CameraPosition
from hnth_drivers.security.audit import AuditLog
from hnth_drivers.security.policy import SecurityPolicy, Waiver, WaiverKind
from hnth_drivers.vcs.visca.camera import ViscaOptions
from hnth_drivers.vcs.visca.ip import ViscaIpCamera
from hnth_drivers.vcs.visca.overip import PayloadType, decode_ip, encode_ip
from hnth_sim.camera import CameraDevice, CameraModel
from hnth_sim.camera.udp import DEFAULT_IDLE_EXPIRY, MAX_CONTROLLERS, UdpCamera

OPTIONS = ViscaOptions(ack_timeout=0.2, completion_timeout=5.0, retries=1)


class Clock:
    """A clock the test moves by hand: idle expiry without sleeping."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest_asyncio.fixture
async def clock_camera() -> AsyncIterator[tuple[UdpCamera, Clock]]:
    clock = Clock()
    camera = UdpCamera(CameraDevice(CameraModel(travel_scale=0)), idle_expiry=30.0,
                       clock=clock)
    await camera.start()
    yield camera, clock
    await camera.stop()


def _driver(camera: UdpCamera, tmp_path: Path, n: int) -> ViscaIpCamera:
    policy = SecurityPolicy(
        waivers=(Waiver(f"{camera.host}:{camera.port}", WaiverKind.VISCA_IP, "test"),),
        audit=AuditLog(tmp_path / f"audit-{n}.jsonl", durable=False))
    return ViscaIpCamera(camera.host, camera.port, policy=policy, options=OPTIONS)


async def test_seven_controllers_in_turn_are_all_answered(
        clock_camera: tuple[UdpCamera, Clock], tmp_path: Path) -> None:
    camera, clock = clock_camera
    for n in range(7):
        async with _driver(camera, tmp_path, n) as cam:  # a new source port each time
            await cam.recall_preset(1)
            assert await cam.is_powered() is True
        clock.now += camera.idle_expiry  # then it falls quiet
    assert camera.refused_controllers == 0
    assert 1 <= len(camera.controllers) <= MAX_CONTROLLERS


async def test_seven_controllers_in_turn_with_the_default_expiry_and_a_real_clock(
        tmp_path: Path) -> None:
    camera = UdpCamera(CameraDevice(CameraModel(travel_scale=0)))
    await camera.start()
    try:
        assert camera.idle_expiry == DEFAULT_IDLE_EXPIRY
        for n in range(7):
            async with _driver(camera, tmp_path, n) as cam:
                await cam.recall_preset(2)
            await asyncio.sleep(DEFAULT_IDLE_EXPIRY * 1.5)
        assert camera.refused_controllers == 0
    finally:
        await camera.stop()


async def test_five_recent_controllers_hold_their_slots_and_a_sixth_waits(
        clock_camera: tuple[UdpCamera, Clock], tmp_path: Path) -> None:
    camera, clock = clock_camera
    drivers = [_driver(camera, tmp_path, n) for n in range(6)]
    try:
        for cam in drivers[:5]:
            await cam.open()
        with pytest.raises(DeviceTimeout, match="no reply"):  # five spoke just now
            await drivers[5].open()
        assert camera.refused_controllers >= 1
        clock.now += camera.idle_expiry  # now they are quiet: the sixth is served
        await drivers[5].open()
        await drivers[5].recall_preset(0)
        assert camera.refused_controllers == 2  # its first transmission and the resend
    finally:
        for cam in drivers:
            await cam.close()


async def test_a_controller_with_a_command_running_keeps_its_slot(
        clock_camera: tuple[UdpCamera, Clock], tmp_path: Path) -> None:
    camera, clock = clock_camera
    busy, *quiet = [_driver(camera, tmp_path, n) for n in range(5)]
    newcomers = [_driver(camera, tmp_path, n) for n in range(5, 10)]
    try:
        for cam in (busy, *quiet):
            await cam.open()
        camera.device.model.travel_scale = 1000.0  # this move outlasts the test
        move = asyncio.create_task(busy.move_to(CameraPosition(5000, 0, 0)))
        for _ in range(300):  # until the camera has accepted the move (bounded)
            if camera.device.busy():
                break
            await asyncio.sleep(0.01)
        assert camera.device.busy()
        clock.now += camera.idle_expiry
        for cam in newcomers[:4]:
            await cam.open()  # each takes a quiet controller's slot
        assert len(camera.controllers) == MAX_CONTROLLERS
        with pytest.raises(DeviceTimeout, match="no reply"):
            await newcomers[4].open()  # every slot holds a recent or busy controller
        clock.now += camera.idle_expiry  # all quiet now, but one still has a move running
        await newcomers[4].open()
        assert busy._transport is not None
        assert busy._transport.get_extra_info("sockname")[:2] in camera.controllers
        move.cancel()
    finally:
        for cam in (busy, *quiet, *newcomers):
            await cam.close()


async def test_a_retired_controller_is_still_recognised_when_it_resends(
        clock_camera: tuple[UdpCamera, Clock]) -> None:
    camera, clock = clock_camera
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[bytes] = asyncio.Queue()

    class Peer(asyncio.DatagramProtocol):
        def datagram_received(self, data: bytes, addr: object) -> None:
            queue.put_nowait(data)

    first, _ = await loop.create_datagram_endpoint(Peer, remote_addr=(camera.host, camera.port))
    others = []
    try:
        recall = encode_ip(PayloadType.COMMAND, 5, bytes.fromhex("81 01 04 3F 02 01 FF"))
        first.sendto(recall)
        for _ in range(2):
            await asyncio.wait_for(queue.get(), 2)
        clock.now += camera.idle_expiry
        for _ in range(MAX_CONTROLLERS):  # five newcomers take every slot
            other, _ = await loop.create_datagram_endpoint(
                Peer, remote_addr=(camera.host, camera.port))
            others.append(other)
            other.sendto(encode_ip(PayloadType.CONTROL, 0, b"\x01"))
            await asyncio.wait_for(queue.get(), 2)
        clock.now += camera.idle_expiry
        first.sendto(recall)  # a late resend of an executed message
        answer = decode_ip(await asyncio.wait_for(queue.get(), 2))
        assert (answer.payload, answer.sequence) == (b"\x0f\x01", 5)
    finally:
        first.close()
        for other in others:
            other.close()
