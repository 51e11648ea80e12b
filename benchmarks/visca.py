"""VISCA performance: preset recall over UDP loopback against a bare UDP echo, and the
decoder's throughput.

Run: ``python benchmarks/visca.py [--rounds N]``. Goal (issue 3): a preset recall round
trip (ACK + completion, zero simulated travel time) within 2x a bare asyncio UDP echo
round trip measured in the same run. Prints figures and ratios; exits 1 if the goal is
missed.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import cast

from hnth_drivers.security.audit import AuditLog
from hnth_drivers.security.policy import SecurityPolicy, Waiver, WaiverKind
from hnth_drivers.vcs.visca.codec import NEED_DATA, Ack, Completion, InquiryReply, Role, ViscaCodec
from hnth_drivers.vcs.visca.commands import Memory, MemoryOp
from hnth_drivers.vcs.visca.ip import ViscaIpCamera
from hnth_drivers.vcs.visca.serial import ViscaSerialCamera
from hnth_sim.camera import CameraSimulator

GOAL = 2.0


class Echo(asyncio.DatagramProtocol):
    """Answers each datagram with ``copies`` copies of it."""

    def __init__(self, copies: int) -> None:
        self.copies = copies

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        for _ in range(self.copies):
            self.transport.sendto(data, addr)


class EchoClient(asyncio.DatagramProtocol):
    """Resolves ``waiter`` when ``expected`` datagrams have come back."""

    def __init__(self) -> None:
        self.waiter: asyncio.Future[bytes] | None = None
        self.expected = self.seen = 0

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.seen += 1
        if self.seen == self.expected and self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(data)


class CannedCamera(asyncio.DatagramProtocol):
    """Answers every VISCA-over-IP message with a fixed ACK and completion (RESET with
    its reply): the driver's cost without a simulator's work behind it."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        sequence = data[4:8]
        if data[:2] == b"\x02\x00":
            self.transport.sendto(b"\x02\x01\x00\x01" + sequence + b"\x01", addr)
            return
        self.transport.sendto(b"\x01\x11\x00\x03" + sequence + b"\x90\x41\xff", addr)
        self.transport.sendto(b"\x01\x11\x00\x03" + sequence + b"\x90\x51\xff", addr)


async def _timed(rounds: int, once: Callable[[], Awaitable[object]]) -> list[float]:
    for _ in range(min(50, rounds)):  # warm up
        await once()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        await once()
        samples.append(time.perf_counter() - start)
    return samples


async def udp_echo(rounds: int, copies: int = 1) -> list[float]:
    """Round trips of a bare asyncio UDP echo (``copies`` replies per request)."""
    loop = asyncio.get_running_loop()
    server, _ = await loop.create_datagram_endpoint(lambda: Echo(copies),
                                                    local_addr=("127.0.0.1", 0))
    client, proto = await loop.create_datagram_endpoint(
        EchoClient, remote_addr=server.get_extra_info("sockname"))
    datagram = bytes.fromhex("01 00 00 07 00 00 00 01 81 01 04 3F 02 02 FF")

    async def once() -> None:
        proto.waiter = loop.create_future()
        proto.expected, proto.seen = copies, 0
        client.sendto(datagram)
        await asyncio.wait_for(proto.waiter, 2)

    try:
        return await _timed(rounds, once)
    finally:
        client.close()
        server.close()


async def ip_recall(rounds: int, audit_dir: Path) -> list[float]:
    async with CameraSimulator(udp=("127.0.0.1", 0), travel_scale=0) as sim:
        assert sim.udp_address is not None
        host, port = sim.udp_address
        policy = SecurityPolicy(
            waivers=(Waiver(f"{host}:{port}", WaiverKind.VISCA_IP, "benchmark"),),
            audit=AuditLog(audit_dir / "audit.jsonl", durable=False))
        async with ViscaIpCamera(host, port, policy=policy) as cam:
            return await _timed(rounds, lambda: cam.recall_preset(1))


async def canned_recall(rounds: int, audit_dir: Path) -> list[float]:
    """The IP driver's recall against :class:`CannedCamera`."""
    loop = asyncio.get_running_loop()
    server, _ = await loop.create_datagram_endpoint(CannedCamera,
                                                    local_addr=("127.0.0.1", 0))
    host, port = server.get_extra_info("sockname")[:2]
    policy = SecurityPolicy(
        waivers=(Waiver(f"{host}:{port}", WaiverKind.VISCA_IP, "benchmark"),),
        audit=AuditLog(audit_dir / "canned.jsonl", durable=False))
    try:
        async with ViscaIpCamera(host, port, policy=policy) as cam:
            return await _timed(rounds, lambda: cam.recall_preset(1))
    finally:
        server.close()


async def serial_recall(rounds: int) -> list[float]:
    async with CameraSimulator(udp=None, pty=True, travel_scale=0) as sim:
        assert sim.pty_path is not None
        async with ViscaSerialCamera(sim.pty_path) as cam:
            return await _timed(rounds, lambda: cam.recall_preset(1))


def decoder_throughput(frames: int) -> float:
    """Reply frames decoded per second (controller role), garbage-free stream."""
    one = (ViscaCodec(Role.DEVICE).send(Ack(1)) + ViscaCodec(Role.DEVICE).send(Completion(1))
           + ViscaCodec(Role.DEVICE).send(InquiryReply(bytes(8))))
    stream = one * (frames // 3)
    codec = ViscaCodec(Role.CONTROLLER)
    start = time.perf_counter()
    for offset in range(0, len(stream), 4096):
        codec.receive_data(stream[offset:offset + 4096])
        while codec.next_event() is not NEED_DATA:
            pass
    return (frames // 3) * 3 / (time.perf_counter() - start)


def command_decoder_throughput(frames: int) -> float:
    """Command frames decoded per second (device role, what the simulator does)."""
    frame = ViscaCodec(Role.CONTROLLER).send(Memory(MemoryOp.RECALL, 2))
    codec = ViscaCodec(Role.DEVICE)
    stream = frame * frames
    start = time.perf_counter()
    codec.receive_data(stream)
    while codec.next_event() is not NEED_DATA:
        pass
    return frames / (time.perf_counter() - start)


def _ms(samples: list[float]) -> str:
    q = statistics.quantiles(samples, n=20)
    return (f"median {statistics.median(samples) * 1e3:.3f} ms, p95 {q[18] * 1e3:.3f} ms "
            f"({len(samples)} rounds)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        echo = asyncio.run(udp_echo(args.rounds))
        echo2 = asyncio.run(udp_echo(args.rounds, copies=2))
        recall = asyncio.run(ip_recall(args.rounds, Path(tmp)))
        canned = asyncio.run(canned_recall(args.rounds, Path(tmp)))
    serial = asyncio.run(serial_recall(max(50, args.rounds // 10)))
    ratio = statistics.median(recall) / statistics.median(echo)
    shape = statistics.median(recall) / statistics.median(echo2)
    print(f"UDP echo round trip (floor):      {_ms(echo)}")
    print(f"UDP echo, two replies per request: {_ms(echo2)}  (the shape of ACK + completion)")
    print(f"preset recall over VISCA/IP:      {_ms(recall)}")
    print(f"  ratio to the floor:             {ratio:.2f}x (goal <= {GOAL:.1f}x: "
          f"{'met' if ratio <= GOAL else 'missed'})")
    print(f"  ratio to the two-reply echo:    {shape:.2f}x")
    print(f"driver alone (canned replies):    {_ms(canned)}")
    print(f"  ratio to the floor:             "
          f"{statistics.median(canned) / statistics.median(echo):.2f}x")
    print(f"preset recall over serial (pty):  {_ms(serial)}  (paced to one command per "
          "video frame, 16.7 ms)")
    print(f"decoder, replies (controller):    {decoder_throughput(300_000):,.0f} frames/s")
    print(f"decoder, commands (device):       {command_decoder_throughput(300_000):,.0f} "
          "frames/s")
    return 0 if ratio <= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
