"""The camera simulator against the vendor vectors (raw bytes, no driver), and its model."""

from __future__ import annotations

import asyncio
import contextlib
import os
import tty
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from visca_vectors import hexbytes, vectors

from hnth_sim.camera import CameraModel, CameraSimulator

BY_NAME = {v["name"]: hexbytes(v["bytes"]) for v in vectors()["commands"]
           if v.get("address", 1) == 1}
REPLY = {(v["means"]["kind"], v["means"].get("error"), v["means"].get("socket", 0),
          v.get("inquiry")): hexbytes(v["bytes"]) for v in vectors()["replies"]
         if "from_address" not in v["means"]}
IP = {v["name"]: hexbytes(v["bytes"]) for v in vectors()["ip"]}


def reply(kind: str, socket: int = 0, error: str | None = None) -> bytes:
    return REPLY[(kind, error, socket, None)]


def answer(inquiry: str, **means: Any) -> bytes:
    """The vector reply to ``inquiry`` that means ``means`` (power="on", ...)."""
    (found,) = [hexbytes(v["bytes"]) for v in vectors()["replies"]
                if v.get("inquiry") == inquiry
                and all(v["means"].get(k) == want for k, want in means.items())]
    return found


class PtyLine:
    """The controller's end of the simulator's pseudo-terminal, read from the loop."""

    def __init__(self, path: str) -> None:
        self.fd = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        tty.setraw(self.fd)
        self.data = bytearray()
        self.arrived = asyncio.Event()
        asyncio.get_running_loop().add_reader(self.fd, self._readable)

    def _readable(self) -> None:
        with contextlib.suppress(BlockingIOError):
            self.data += os.read(self.fd, 256)
            self.arrived.set()

    async def ask(self, frame: bytes, replies: int = 1) -> bytes:
        """Send a frame, return the next ``replies`` frames (up to each FF)."""
        self.data.clear()
        os.write(self.fd, frame)
        while self.data.count(0xFF) < replies:
            self.arrived.clear()
            await asyncio.wait_for(self.arrived.wait(), 2)
        return bytes(self.data)

    def close(self) -> None:
        asyncio.get_running_loop().remove_reader(self.fd)
        os.close(self.fd)


class UdpPeer(asyncio.DatagramProtocol):
    """A raw VISCA-over-IP controller: sends datagrams, queues what comes back."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[bytes] = asyncio.Queue()

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.queue.put_nowait(data)

    async def next(self) -> bytes:
        return await asyncio.wait_for(self.queue.get(), 2)


@pytest_asyncio.fixture
async def line(sim: CameraSimulator) -> AsyncIterator[PtyLine]:
    assert sim.pty_path is not None
    pty_line = PtyLine(sim.pty_path)
    yield pty_line
    pty_line.close()


@pytest_asyncio.fixture
async def peer(sim: CameraSimulator) -> AsyncIterator[tuple[asyncio.DatagramTransport,
                                                           UdpPeer]]:
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.create_datagram_endpoint(
        UdpPeer, remote_addr=sim.udp_address)
    yield transport, protocol
    transport.close()


async def test_serial_replies_are_the_vector_bytes(sim: CameraSimulator,
                                                   line: PtyLine) -> None:
    assert await line.ask(BY_NAME["address_set"]) == REPLY[("address_set", None, 0, None)]
    assert await line.ask(BY_NAME["if_clear_broadcast"]) == BY_NAME["if_clear_broadcast"]
    assert await line.ask(BY_NAME["if_clear"]) == reply("completion", 0)
    assert await line.ask(BY_NAME["power_on"], 2) == reply("ack", 1) + reply("completion", 1)
    assert await line.ask(BY_NAME["inquiry_power"]) == answer("inquiry_power", power="on")
    sim.model.travel_scale = 0
    await line.ask(BY_NAME["pantilt_absolute"], 2)
    assert await line.ask(BY_NAME["inquiry_pantilt_position"]) == answer("inquiry_pantilt_position")
    await line.ask(BY_NAME["zoom_direct"], 2)
    assert await line.ask(BY_NAME["inquiry_zoom_position"]) == answer("inquiry_zoom_position")
    assert await line.ask(BY_NAME["cancel"]) == reply("error", 1, "no_socket")
    assert await line.ask(b"\x81\x01\x7e\x01\xff") == reply("error", 0, "syntax")
    await line.ask(BY_NAME["power_off"], 2)
    assert await line.ask(BY_NAME["inquiry_power"]) == answer("inquiry_power", power="off")
    assert await line.ask(BY_NAME["memory_recall"]) == reply("error", 1, "not_executable")


async def test_two_sockets_cancel_and_buffer_full(sim: CameraSimulator,
                                                  line: PtyLine) -> None:
    sim.model.travel_scale = 100.0  # moves last far longer than the test
    assert await line.ask(BY_NAME["pantilt_absolute"]) == reply("ack", 1)
    assert await line.ask(BY_NAME["zoom_direct"]) == reply("ack", 2)
    assert await line.ask(BY_NAME["memory_recall"]) == reply("error", 0, "buffer_full")
    assert await line.ask(BY_NAME["cancel"]) == reply("error", 1, "canceled")
    sim.faults.buffer_full = 1
    assert await line.ask(BY_NAME["pantilt_home"]) == reply("error", 0, "buffer_full")


async def test_serial_ignores_frames_for_other_cameras(sim: CameraSimulator,
                                                       line: PtyLine) -> None:
    other = next(hexbytes(v["bytes"]) for v in vectors()["commands"] if v.get("address") == 3)
    assert await line.ask(other + BY_NAME["inquiry_power"]) == answer("inquiry_power", power="on")
    assert not sim.device.executed


async def test_ip_replies_are_the_vector_bytes(
        sim: CameraSimulator, peer: tuple[asyncio.DatagramTransport, UdpPeer]) -> None:
    transport, udp = peer
    transport.sendto(IP["reset_sequence"])
    assert await udp.next() == IP["reset_reply"]
    transport.sendto(IP["command"])
    assert await udp.next() == IP["reply_ack"]
    assert (await udp.next())[8:] == reply("completion", 1)
    seven = IP["command"][:4] + (7).to_bytes(4, "big") + IP["command"][8:]
    transport.sendto(seven)
    await udp.next()
    await udp.next()
    transport.sendto(seven)  # a retransmission of what was executed
    assert await udp.next() == IP["error_sequence_number"]
    setting = b"\x01\x20" + seven[2:]  # device setting: not served
    transport.sendto(setting)
    assert await udp.next() == IP["error_message_type"]
    transport.sendto(IP["inquiry"])
    assert (await udp.next())[8:] == answer("inquiry_power", power="on")


async def test_ip_refuses_broadcast_and_address_set(
        sim: CameraSimulator, peer: tuple[asyncio.DatagramTransport, UdpPeer]) -> None:
    transport, udp = peer
    from hnth_drivers.vcs.visca.overip import PayloadType, encode_ip

    transport.sendto(encode_ip(PayloadType.COMMAND, 1, BY_NAME["address_set"]))
    assert (await udp.next())[8:] == reply("error", 0, "syntax")
    assert not sim.device.executed


def test_motion_takes_time_in_proportion_to_distance_and_speed() -> None:
    model = CameraModel()
    slow = model.pan_tilt_to(0.0, 1000, 0, pan_speed=1, tilt_speed=1)
    assert model.position(slow / 2) == (500, 0, 0)
    assert model.position(slow) == (1000, 0, 0)
    fast = model.pan_tilt_to(slow, 0, 0, pan_speed=10, tilt_speed=1)
    assert fast == pytest.approx(slow / 10)
    assert model.pan_tilt_to(slow + fast, 0, 0, 5, 5) == 0.0
    instant = CameraModel(travel_scale=0)
    assert instant.recall(0.0, 7) == 0.0


def test_drive_runs_to_the_limit_and_stops_where_told() -> None:
    model = CameraModel()
    model.drive(0.0, 1, 0, 24, 1)
    assert model.position(1.0)[0] == 1200
    model.drive(1.0, 0, 0, 24, 1)
    assert model.position(5.0)[0] == 1200
    model.drive(5.0, -1, 0, 24, 1)
    assert model.position(1e6)[0] == model.profile.pan[0]


def test_presets_store_recall_and_reset() -> None:
    model = CameraModel(travel_scale=0)
    model.pan_tilt_to(0.0, 10, 20, 1, 1)
    model.zoom_to(0.0, 30)
    model.store(0.0, 4)
    model.home(0.0)
    model.recall(0.0, 4)
    assert model.position(0.0) == (10, 20, 30)
    model.forget(4)
    model.recall(0.0, 4)
    assert model.position(0.0) == (0, 0, 0)
