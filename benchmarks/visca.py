"""VISCA performance: preset recall over UDP loopback against a bare UDP echo, and the
decoder's throughput.

Run: ``python benchmarks/visca.py [--rounds N]``. Goal (issue 14): a preset recall round
trip over VISCA over IP (ACK + completion, zero simulated travel time, driver and
simulator in one process) within 1.4x a bare asyncio UDP echo answering each datagram
twice (the two-reply floor) measured in the same run. The floor and the recall are
measured in alternating blocks, so that a change of load on the machine weighs on both
alike. Prints figures and ratios; exits 1 if the goal is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import cast

from hnth_drivers.security.audit import AuditLog
from hnth_drivers.security.policy import SecurityPolicy, Waiver, WaiverKind
from hnth_drivers.vcs.visca.commands import Memory, MemoryOp
from hnth_drivers.vcs.visca.ip import ViscaIpCamera
from hnth_drivers.vcs.visca.serial import ViscaSerialCamera
from hnth_drivers.vcs.visca.wire import NEED_DATA, Ack, Completion, InquiryReply, Role, ViscaWire
from hnth_sim.camera import CameraSimulator

GOAL = 1.4
BLOCK = 100  # rounds of one measurement before switching to the next


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


Once = Callable[[], Awaitable[object]]


async def _interleaved(rounds: int, runs: dict[str, Once]) -> dict[str, list[float]]:
    """Round-trip samples of each ``runs`` entry, taken in alternating blocks."""
    for once in runs.values():  # warm up
        for _ in range(min(50, rounds)):
            await once()
    samples: dict[str, list[float]] = {name: [] for name in runs}
    clock = time.perf_counter
    for _ in range(max(1, rounds // BLOCK)):
        for name, once in runs.items():
            out = samples[name]
            for _ in range(BLOCK):
                start = clock()
                await once()
                out.append(clock() - start)
    return samples


async def _echo(copies: int, stack: contextlib.AsyncExitStack) -> Once:
    """One round trip of a bare asyncio UDP echo (``copies`` replies per request)."""
    loop = asyncio.get_running_loop()
    server, _ = await loop.create_datagram_endpoint(lambda: Echo(copies),
                                                    local_addr=("127.0.0.1", 0))
    stack.callback(server.close)
    client, proto = await loop.create_datagram_endpoint(
        EchoClient, remote_addr=server.get_extra_info("sockname"))
    stack.callback(client.close)
    datagram = bytes.fromhex("01 00 00 07 00 00 00 01 81 01 04 3F 02 02 FF")

    async def once() -> None:
        proto.waiter = loop.create_future()
        proto.expected, proto.seen = copies, 0
        client.sendto(datagram)
        await asyncio.wait_for(proto.waiter, 2)
    return once


def _policy(host: str, port: int, audit: Path) -> SecurityPolicy:
    return SecurityPolicy(waivers=(Waiver(f"{host}:{port}", WaiverKind.VISCA_IP, "benchmark"),),
                          audit=AuditLog(audit, durable=False))


async def _ip_recall(stack: contextlib.AsyncExitStack, audit_dir: Path) -> Once:
    """A preset recall through ViscaIpCamera and the camera simulator."""
    sim = await stack.enter_async_context(CameraSimulator(udp=("127.0.0.1", 0), travel_scale=0))
    assert sim.udp_address is not None
    host, port = sim.udp_address
    cam = await stack.enter_async_context(
        ViscaIpCamera(host, port, policy=_policy(host, port, audit_dir / "sim.jsonl")))
    return lambda: cam.recall_preset(1)


async def _canned_recall(stack: contextlib.AsyncExitStack, audit_dir: Path) -> Once:
    """The IP driver's recall against :class:`CannedCamera` (the driver's cost alone)."""
    loop = asyncio.get_running_loop()
    server, _ = await loop.create_datagram_endpoint(CannedCamera,
                                                    local_addr=("127.0.0.1", 0))
    stack.callback(server.close)
    host, port = server.get_extra_info("sockname")[:2]
    cam = await stack.enter_async_context(
        ViscaIpCamera(host, port, policy=_policy(host, port, audit_dir / "canned.jsonl")))
    return lambda: cam.recall_preset(1)


async def udp_measurements(rounds: int, audit_dir: Path) -> dict[str, list[float]]:
    """The floors and the recalls, interleaved in one event loop."""
    async with contextlib.AsyncExitStack() as stack:
        runs = {
            "echo": await _echo(1, stack),
            "echo2": await _echo(2, stack),
            "recall": await _ip_recall(stack, audit_dir),
            "canned": await _canned_recall(stack, audit_dir),
        }
        return await _interleaved(rounds, runs)


async def _timed(rounds: int, once: Once) -> list[float]:
    for _ in range(min(50, rounds)):  # warm up
        await once()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        await once()
        samples.append(time.perf_counter() - start)
    return samples


async def serial_recall(rounds: int) -> list[float]:
    async with CameraSimulator(udp=None, pty=True, travel_scale=0) as sim:
        assert sim.pty_path is not None
        async with ViscaSerialCamera(sim.pty_path) as cam:
            return await _timed(rounds, lambda: cam.recall_preset(1))


def decoder_throughput(frames: int) -> float:
    """Reply frames decoded per second (controller role), garbage-free stream."""
    one = (ViscaWire(Role.DEVICE).send(Ack(1)) + ViscaWire(Role.DEVICE).send(Completion(1))
           + ViscaWire(Role.DEVICE).send(InquiryReply(bytes(8))))
    stream = one * (frames // 3)
    wire = ViscaWire(Role.CONTROLLER)
    start = time.perf_counter()
    for offset in range(0, len(stream), 4096):
        wire.receive_data(stream[offset:offset + 4096])
        while wire.next_event() is not NEED_DATA:
            pass
    return (frames // 3) * 3 / (time.perf_counter() - start)


def command_decoder_throughput(frames: int) -> float:
    """Command frames decoded per second (device role, what the simulator does)."""
    frame = ViscaWire(Role.CONTROLLER).send(Memory(MemoryOp.RECALL, 2))
    wire = ViscaWire(Role.DEVICE)
    stream = frame * frames
    start = time.perf_counter()
    wire.receive_data(stream)
    while wire.next_event() is not NEED_DATA:
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
        udp = asyncio.run(udp_measurements(args.rounds, Path(tmp)))
    serial = asyncio.run(serial_recall(max(50, args.rounds // 10)))
    echo, echo2, recall, canned = udp["echo"], udp["echo2"], udp["recall"], udp["canned"]
    median = statistics.median
    ratio = median(recall) / median(echo2)
    print(f"UDP echo round trip:               {_ms(echo)}")
    print(f"UDP echo, two replies (the floor): {_ms(echo2)}  (the shape of ACK + completion)")
    print(f"preset recall over VISCA/IP:       {_ms(recall)}")
    print(f"  ratio to the two-reply floor:    {ratio:.2f}x (goal <= {GOAL:.1f}x: "
          f"{'met' if ratio <= GOAL else 'missed'})")
    print(f"  ratio to the one-reply echo:     {median(recall) / median(echo):.2f}x")
    print(f"driver alone (canned replies):     {_ms(canned)}")
    print(f"  ratio to the two-reply floor:    {median(canned) / median(echo2):.2f}x")
    print(f"preset recall over serial (pty):   {_ms(serial)}  (paced to one command per "
          "video frame, 16.7 ms)")
    print(f"decoder, replies (controller):     {decoder_throughput(300_000):,.0f} frames/s")
    print(f"decoder, commands (device):        {command_decoder_throughput(300_000):,.0f} "
          "frames/s")
    return 0 if ratio <= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
