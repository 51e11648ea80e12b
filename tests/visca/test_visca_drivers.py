"""Drivers against the simulator over a real pty and UDP loopback, fault cases included."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import cast

import pytest
import pytest_asyncio

from hnth_drivers.errors import (
    ConfigError,
    ConnectError,
    DeviceError,
    DeviceTimeout,
    PolicyViolation,
)
from hnth_drivers.model import CameraPosition, MoveDirection
from hnth_drivers.security.audit import AuditLog
from hnth_drivers.security.policy import STRICT, SecurityPolicy, Waiver, WaiverKind
from hnth_drivers.vcs.base import RoomPresets
from hnth_drivers.vcs.visca.camera import ViscaCamera, ViscaOptions
from hnth_drivers.vcs.visca.commands import Memory, MemoryOp, PanTiltRelative
from hnth_drivers.vcs.visca.ip import ViscaIpCamera
from hnth_drivers.vcs.visca.profiles import profile
from hnth_drivers.vcs.visca.serial import ViscaSerialCamera
from hnth_sim.camera import CameraSimulator

FAR = CameraPosition(pan=2000, tilt=-600, zoom=3000)


def _recalls(sim: CameraSimulator, preset: int) -> int:
    return sum(1 for c in sim.device.executed if c == Memory(MemoryOp.RECALL, preset))


async def test_recall_returns_after_the_move_not_at_the_ack(
        sim: CameraSimulator, camera: ViscaCamera) -> None:
    sim.model.travel_scale = 0.1  # this move now lasts about 0.17 s
    await camera.move_to(FAR)
    await camera.store_preset(3)
    await camera.home()
    assert (await camera.position()).pan == 0
    await camera.recall_preset(3)
    now = asyncio.get_running_loop().time()
    assert sim.model.position(now) == (FAR.pan, FAR.tilt, FAR.zoom)
    assert await camera.position() == FAR


async def test_named_room_presets(sim: CameraSimulator, camera: ViscaCamera) -> None:
    camera.room_presets = RoomPresets({"chair": 1, "left": 2, "wide": 5})
    await camera.move_to(CameraPosition(-300, 40, 0))
    await camera.store("left")
    await camera.home()
    await camera.recall("left")
    assert sim.model.presets[2] == (-300, 40, 0)
    assert (await camera.position()).pan == -300
    with pytest.raises(ConfigError):
        await camera.recall("back")


async def test_out_of_range_is_refused_before_anything_is_sent(
        sim: CameraSimulator, camera: ViscaCamera) -> None:
    camera.profile = profile("sony-evi-d70")
    before = list(sim.device.executed)
    for call in (camera.recall_preset(6), camera.move_to(CameraPosition(0x0900, 0, 0)),
                 camera.move(MoveDirection.UP, tilt_speed=0x18), camera.zoom_to(0x4001)):
        with pytest.raises(ConfigError, match="sony-evi-d70"):
            await call
    assert list(sim.device.executed) == before
    await camera.recall_preset(5)
    assert _recalls(sim, 5) == 1


async def test_lost_request_is_retransmitted_and_executed_once(
        sim: CameraSimulator, camera: ViscaCamera) -> None:
    sim.faults.drop_requests = 1
    await camera.recall_preset(4)
    assert camera.retransmissions == 1
    assert _recalls(sim, 4) == 1


async def test_ip_lost_inquiry_reply_is_asked_again(
        sim: CameraSimulator, ip_camera: ViscaIpCamera) -> None:
    sim.faults.drop_replies = 1
    assert await ip_camera.is_powered() is True


async def test_serial_does_not_retransmit_what_is_not_idempotent(
        sim: CameraSimulator, serial_camera: ViscaSerialCamera) -> None:
    sim.faults.drop_replies = 2
    with pytest.raises(DeviceTimeout, match="pantilt_relative"):
        await serial_camera.move_by(100, 0)
    assert sum(isinstance(c, PanTiltRelative) for c in sim.device.executed) == 1
    assert serial_camera.retransmissions == 0
    await serial_camera.recall_preset(0)  # the line is usable again


async def test_garbage_on_the_line_is_skipped_and_reported(
        sim: CameraSimulator, camera: ViscaCamera) -> None:
    sim.faults.garbage = b"\x12\x34\x56\x00"
    await camera.recall_preset(1)
    assert camera.garbage_frames >= 1
    sim.faults.garbage = b"\x90\x99" + bytes(20)  # an over-long run: resync on FF
    assert await camera.is_powered() is True


async def test_buffer_full_is_retried_with_backoff(
        sim: CameraSimulator, camera: ViscaCamera) -> None:
    sim.faults.buffer_full = 2
    await camera.recall_preset(1)
    assert _recalls(sim, 1) == 1 and sim.faults.buffer_full == 0


async def test_buffer_full_that_persists_is_a_device_error(
        sim: CameraSimulator, camera: ViscaCamera) -> None:
    sim.faults.buffer_full = 100
    with pytest.raises(DeviceError, match="memory_recall") as err:
        await camera.recall_preset(1)
    assert err.value.code == 0x03
    assert sim.faults.buffer_full == 100 - (camera.options.buffer_full_retries + 1)


async def test_not_executable_names_the_command(
        sim: CameraSimulator, camera: ViscaCamera) -> None:
    await camera.power(False)
    with pytest.raises(DeviceError, match="memory_recall") as err:
        await camera.recall_preset(1)
    assert err.value.code == 0x41 and err.value.operation == "memory_recall"
    assert await camera.is_powered() is False
    await camera.power(True)
    await camera.recall_preset(1)


async def test_silent_camera_times_out_without_hanging(
        sim: CameraSimulator, camera: ViscaCamera) -> None:
    sim.faults.silent = True
    with pytest.raises(DeviceTimeout, match="no reply"):
        await asyncio.wait_for(camera.recall_preset(1), 10)
    with pytest.raises(DeviceTimeout):
        await asyncio.wait_for(camera.position(), 10)


async def test_completion_that_never_comes_times_out(
        sim: CameraSimulator, sim_options_camera: ViscaCamera) -> None:
    sim.model.travel_scale = 100.0  # the move would take minutes
    with pytest.raises(DeviceTimeout, match="never completed"):
        await asyncio.wait_for(sim_options_camera.move_to(FAR), 10)


@pytest_asyncio.fixture(params=["serial", "ip"])
async def sim_options_camera(request: pytest.FixtureRequest, sim: CameraSimulator,
                             policy: SecurityPolicy) -> AsyncIterator[ViscaCamera]:
    """Each driver with a completion deadline shorter than the move."""
    options = ViscaOptions(ack_timeout=0.3, completion_timeout=0.3)
    if request.param == "ip":
        assert sim.udp_address is not None
        cam: ViscaCamera = ViscaIpCamera(*sim.udp_address, policy=policy, options=options)
    else:
        assert sim.pty_path is not None
        cam = ViscaSerialCamera(sim.pty_path, options=options)
    async with cam:
        yield cam


async def test_ip_ignores_a_reply_with_another_sequence_number(
        audit: AuditLog) -> None:
    """A peer that is not our simulator: first a stray reply, then the right ones."""
    from hnth_drivers.vcs.visca.overip import PayloadType, decode_ip, encode_ip

    class Rogue(asyncio.DatagramProtocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.transport = cast(asyncio.DatagramTransport, transport)

        def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
            msg = decode_ip(data)
            if msg.payload_type is PayloadType.CONTROL:
                self.transport.sendto(encode_ip(PayloadType.CONTROL_REPLY, msg.sequence,
                                                b"\x01"), addr)
                return
            # a "not executable" for a message we never sent must not be taken
            stray = encode_ip(PayloadType.REPLY, msg.sequence + 7, b"\x90\x61\x41\xff")
            self.transport.sendto(stray, addr)
            for reply in (b"\x90\x41\xff", b"\x90\x51\xff"):
                self.transport.sendto(encode_ip(PayloadType.REPLY, msg.sequence, reply), addr)

    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(Rogue, local_addr=("127.0.0.1", 0))
    try:
        host, port = transport.get_extra_info("sockname")[:2]
        policy = SecurityPolicy(waivers=(Waiver(f"{host}:{port}", WaiverKind.VISCA_IP,
                                                "rogue"),), audit=audit)
        async with ViscaIpCamera(host, port, policy=policy,
                                 options=ViscaOptions(ack_timeout=0.5)) as cam:
            await cam.recall_preset(1)
            assert cam.ignored_replies == 1
    finally:
        transport.close()


async def test_visca_ip_is_refused_without_a_waiver(sim: CameraSimulator,
                                                     tmp_path: Path) -> None:
    assert sim.udp_address is not None
    with pytest.raises(PolicyViolation, match="visca-ip"):
        await ViscaIpCamera(*sim.udp_address, policy=STRICT).open()
    host, port = sim.udp_address
    no_audit = SecurityPolicy(waivers=(Waiver(f"{host}:{port}", WaiverKind.VISCA_IP, "x"),))
    with pytest.raises(PolicyViolation, match="audit"):
        await ViscaIpCamera(host, port, policy=no_audit).open()
    assert sim.udp is not None and not sim.udp.received


async def test_the_waiver_use_is_audited(sim: CameraSimulator, ip_camera: ViscaIpCamera,
                                         audit: AuditLog) -> None:
    records = [json.loads(line) for line in audit.path.read_text().splitlines()]
    assert [(r["action"], r["target"], r["detail"]["kind"]) for r in records] == [
        ("policy.waiver", ip_camera.device, "visca-ip")]


async def test_serial_open_numbers_the_chain_and_refuses_a_missing_address(
        sim: CameraSimulator, options: ViscaOptions) -> None:
    # One controller on the line at a time, as on a real RS-232 chain.
    assert sim.pty_path is not None
    with pytest.raises(ConnectError, match="address"):
        await ViscaSerialCamera(sim.pty_path, address=3, options=options).open()
    async with ViscaSerialCamera(sim.pty_path, options=options) as cam:
        assert cam.chain_length == 1
        assert sim.device.address == 1


def test_serial_refuses_baud_rates_visca_does_not_use() -> None:
    with pytest.raises(ConfigError, match="9600 or 38400"):
        ViscaSerialCamera("/dev/null", baudrate=19200)


async def test_closed_driver_refuses_commands_and_closes_twice(
        sim: CameraSimulator, camera: ViscaCamera) -> None:
    await camera.close()
    await camera.close()
    with pytest.raises(ConnectError):
        await camera.recall_preset(1)


async def test_missing_serial_port_is_a_connect_error(tmp_path: Path) -> None:
    with pytest.raises(ConnectError):
        await ViscaSerialCamera(str(tmp_path / "no-such-tty")).open()


def test_drivers_are_registered_as_entry_points() -> None:
    from hnth_drivers.registry import get_driver

    assert get_driver("camera", "visca-serial") is ViscaSerialCamera
    assert get_driver("camera", "visca-ip") is ViscaIpCamera


async def test_delayed_replies_within_the_deadline_are_taken(
        sim: CameraSimulator, camera: ViscaCamera) -> None:
    sim.faults.delay_s = 0.1  # under the 0.3 s ACK deadline
    await camera.recall_preset(1)
    assert await camera.is_powered() is True
    assert camera.retransmissions == 0


def test_injected_loss_is_deterministic_under_a_seed() -> None:
    from hnth_sim.camera import Faults

    first, second = Faults(loss=0.5, seed=11), Faults(loss=0.5, seed=11)
    pattern = [first.lose_reply() for _ in range(200)]
    assert pattern == [second.lose_reply() for _ in range(200)]
    assert 60 < sum(pattern) < 140
    assert not any(Faults(seed=11).lose_reply() for _ in range(50))


async def test_serial_ignores_replies_from_other_cameras_on_the_chain(
        sim: CameraSimulator, serial_camera: ViscaSerialCamera) -> None:
    # Camera 2's ACK and completion come first on the shared line; ours follow.
    sim.faults.garbage = bytes.fromhex("A0 41 FF A0 51 FF")
    sim.model.travel_scale = 0.5
    await serial_camera.move_to(FAR)
    assert serial_camera.garbage_frames == 0 and serial_camera.retransmissions == 0
    now = asyncio.get_running_loop().time()
    assert sim.model.position(now)[:2] == (FAR.pan, FAR.tilt)
