"""VISCA over IP retransmission, row by row of the guide's table (Sony SRG-300H command
list p. 32), for the driver against the simulator and for the simulator against a raw
controller; and ERROR read wherever a camera puts it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from scripted import ScriptedUdpCamera
from visca_vectors import hexbytes, vectors

from hnth_drivers.errors import DeviceError, DeviceTimeout, ProtocolError
from hnth_drivers.security.audit import AuditLog
from hnth_drivers.security.policy import SecurityPolicy, Waiver, WaiverKind
from hnth_drivers.vcs.visca.camera import ViscaOptions
from hnth_drivers.vcs.visca.commands import Memory, MemoryOp, PanTiltRelative
from hnth_drivers.vcs.visca.ip import ViscaIpCamera
from hnth_drivers.vcs.visca.overip import PayloadType, decode_ip, encode_ip
from hnth_sim.camera import CameraSimulator

IP = {v["name"]: hexbytes(v["bytes"]) for v in vectors()["ip"]}
COMMAND = int(PayloadType.COMMAND)
INQUIRY = int(PayloadType.INQUIRY)


def _sequences(sim: CameraSimulator, kind: int) -> list[int]:
    assert sim.udp is not None
    return [seq for seq, k in sim.udp.received if k == kind]


@pytest_asyncio.fixture
async def cam(sim: CameraSimulator, policy: SecurityPolicy) -> AsyncIterator[ViscaIpCamera]:
    """The IP driver with an ACK deadline shorter than the moves below."""
    assert sim.udp_address is not None
    options = ViscaOptions(ack_timeout=0.2, completion_timeout=3.0, retries=2, backoff=0.01)
    async with ViscaIpCamera(*sim.udp_address, policy=policy, options=options) as camera:
        yield camera


async def test_lost_command_is_resent_with_the_same_number_and_executed_once(
        sim: CameraSimulator, cam: ViscaIpCamera) -> None:
    sim.faults.drop_requests = 1
    await cam.recall_preset(4)
    # the camera saw the resend only, numbered as the driver numbered the lost one
    assert _sequences(sim, COMMAND)[-1] == cam._sequence._last and cam.retransmissions == 1
    assert list(sim.device.executed).count(Memory(MemoryOp.RECALL, 4)) == 1


async def test_lost_ack_of_an_idempotent_command_is_sent_again_with_a_new_number(
        sim: CameraSimulator, cam: ViscaIpCamera) -> None:
    await cam.move_by(1500, 0)  # somewhere to come back from
    await cam.store_preset(2)
    await cam.home()
    sim.model.travel_scale = 0.3  # the recall now outlasts the ACK deadline
    sim.faults.drop_replies = 1   # the ACK only
    await cam.recall_preset(2)
    sent = _sequences(sim, COMMAND)[-3:]
    # same number on the resend (answered: sequence-number ERROR, already executed), then
    # a new number to obtain a completion, as the guide says
    assert sent[0] == sent[1] and sent[2] == sent[1] + 1
    assert (await cam.position()).pan == 1500


async def test_lost_ack_of_a_relative_move_waits_for_its_completion_and_never_repeats_it(
        sim: CameraSimulator, cam: ViscaIpCamera) -> None:
    sim.model.travel_scale = 0.3
    sim.faults.drop_replies = 1  # the ACK; the completion still comes
    await cam.move_by(1200, 0)
    assert sum(isinstance(c, PanTiltRelative) for c in sim.device.executed) == 1
    sent = _sequences(sim, COMMAND)
    assert sent[-1] == sent[-2]  # resent once with the same number, never a new one
    assert (await cam.position()).pan == 1200


async def test_relative_move_whose_ack_and_completion_are_lost_times_out_typed(
        sim: CameraSimulator, cam: ViscaIpCamera) -> None:
    sim.model.travel_scale = 0.05
    cam.options = ViscaOptions(ack_timeout=0.2, completion_timeout=0.4, retries=2)
    sim.faults.drop_replies = 2
    with pytest.raises(DeviceTimeout, match="executed") as err:
        await cam.move_by(300, 0)
    assert err.value.operation == "pantilt_relative" and err.value.device == cam.device
    assert sum(isinstance(c, PanTiltRelative) for c in sim.device.executed) == 1
    await cam.recall_preset(0)  # the session is still usable


async def test_lost_completion_is_a_typed_timeout_and_the_session_lives_on(
        sim: CameraSimulator, cam: ViscaIpCamera) -> None:
    cam.options = ViscaOptions(ack_timeout=0.2, completion_timeout=0.3)
    sim.faults.drop_completions = 1
    with pytest.raises(DeviceTimeout, match="never completed") as err:
        await cam.recall_preset(1)
    assert err.value.operation == "memory_recall"
    await cam.recall_preset(1)


async def test_lost_inquiry_and_lost_inquiry_reply(sim: CameraSimulator,
                                                   cam: ViscaIpCamera) -> None:
    sim.faults.drop_requests = 1  # lost inquiry: the resend, same number, is answered
    assert await cam.is_powered() is True
    assert _sequences(sim, INQUIRY) == [cam._sequence._last] and cam.retransmissions == 1
    sim.faults.drop_replies = 1  # lost reply: ERROR (sequence), then a new number
    assert await cam.is_powered() is True
    asked = _sequences(sim, INQUIRY)[-3:]
    assert asked[0] == asked[1] and asked[2] == asked[1] + 1


async def test_lost_error_message_comes_again_on_the_resend(
        sim: CameraSimulator, cam: ViscaIpCamera) -> None:
    await cam.power(False)
    sim.faults.drop_replies = 1  # the "not executable" error
    with pytest.raises(DeviceError) as err:
        await cam.recall_preset(1)
    assert err.value.code == 0x41 and cam.retransmissions == 1
    sent = _sequences(sim, COMMAND)
    assert sent[-1] == sent[-2]
    await cam.power(True)


class RawController(asyncio.DatagramProtocol):
    """A controller sending raw datagrams and queueing what comes back."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[bytes] = asyncio.Queue()

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.queue.put_nowait(data)

    async def next(self) -> bytes:
        return await asyncio.wait_for(self.queue.get(), 2)


@pytest_asyncio.fixture
async def raw(sim: CameraSimulator) -> AsyncIterator[tuple[asyncio.DatagramTransport,
                                                          RawController]]:
    transport, protocol = await asyncio.get_running_loop().create_datagram_endpoint(
        RawController, remote_addr=sim.udp_address)
    yield transport, protocol
    transport.close()


def _command(sequence: int, frame: str = "81 01 04 3F 02 01 FF") -> bytes:
    return encode_ip(PayloadType.COMMAND, sequence, hexbytes(frame))


async def test_simulator_follows_the_table_for_a_raw_controller(
        sim: CameraSimulator, raw: tuple[asyncio.DatagramTransport, RawController]) -> None:
    transport, peer = raw
    transport.sendto(IP["reset_with_any_sequence"])  # the RESET's own number is ignored
    assert decode_ip(await peer.next()).payload == b"\x01"
    transport.sendto(_command(1))
    assert [decode_ip(await peer.next()).payload for _ in range(2)] == [
        hexbytes("90 41 FF"), hexbytes("90 51 FF")]
    transport.sendto(_command(1))  # lost completion (or ACK): the resend
    assert await peer.next() == IP["error_sequence_number"][:4] + (1).to_bytes(4, "big") \
        + IP["error_sequence_number"][8:]
    transport.sendto(IP["inquiry_as_command_type"])  # an inquiry sent as 01 00
    assert decode_ip(await peer.next()).payload == hexbytes("90 50 02 FF")
    transport.sendto(_command(9, "81 01 7E 01 FF"))  # unknown: syntax error
    error = await peer.next()
    transport.sendto(_command(9, "81 01 7E 01 FF"))  # its resend: the same error again
    assert await peer.next() == error and decode_ip(error).payload == hexbytes("90 60 02 FF")
    transport.sendto(IP["reset_sequence"])
    assert await peer.next() == IP["reset_reply"]
    transport.sendto(_command(1))  # after RESET, the numbering starts again
    assert decode_ip(await peer.next()).payload == hexbytes("90 41 FF")


@pytest.mark.parametrize("name", ["error_sequence_number", "error_sequence_number_as_reply"])
async def test_driver_reads_the_sequence_error_as_command_or_reply(name: str,
                                                                   tmp_path: Path) -> None:
    """A camera that loses our command's ACK answers the resend with ERROR in either
    payload type; the driver then sends it again with a new number."""
    error = IP[name]
    reset = hexbytes("02 00 00 01 00 00 00 00 01")
    ack = hexbytes("02 01 00 01 00 00 00 00 01")
    done = [hexbytes("01 11 00 03 00 00 00 02 90 41 FF"),
            hexbytes("01 11 00 03 00 00 00 02 90 51 FF")]
    peer, host, port = await ScriptedUdpCamera.start([
        (reset, [ack]),
        (_command(1), []),                                          # its ACK is lost
        (_command(1), [error[:4] + (1).to_bytes(4, "big") + error[8:]]),
        (_command(2), done),
    ])
    policy = SecurityPolicy(waivers=(Waiver(f"{host}:{port}", WaiverKind.VISCA_IP, "t"),),
                            audit=AuditLog(tmp_path / "audit.jsonl", durable=False))
    try:
        async with ViscaIpCamera(host, port, policy=policy,
                                 options=ViscaOptions(ack_timeout=0.2)) as cam:
            await cam.recall_preset(1)
        assert not peer.steps and not peer.unexpected
    finally:
        peer.close()


@pytest.mark.parametrize("name", ["error_message_type", "error_message_type_as_reply"])
async def test_message_type_error_is_a_protocol_error_naming_the_command(
        name: str, tmp_path: Path) -> None:
    error = IP[name]
    reset = hexbytes("02 00 00 01 00 00 00 00 01")
    peer, host, port = await ScriptedUdpCamera.start([
        (reset, [hexbytes("02 01 00 01 00 00 00 00 01")]),
        (_command(1), [error[:4] + (1).to_bytes(4, "big") + error[8:]]),
    ])
    policy = SecurityPolicy(waivers=(Waiver(f"{host}:{port}", WaiverKind.VISCA_IP, "t"),),
                            audit=AuditLog(tmp_path / "audit.jsonl", durable=False))
    try:
        async with ViscaIpCamera(host, port, policy=policy,
                                 options=ViscaOptions(ack_timeout=0.2)) as cam:
            with pytest.raises(ProtocolError, match="message-type") as err:
                await cam.recall_preset(1)
            assert err.value.operation == "memory_recall" and err.value.device == cam.device
    finally:
        peer.close()
