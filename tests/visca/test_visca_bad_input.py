"""Hostile or broken cameras, scripted over real sockets: garbage, truncated frames, a
camera that never acknowledges. Each ends in a typed error within its deadline, naming the
device and the operation, and the session stays usable."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from scripted import ScriptedPtyCamera, ScriptedUdpCamera

from hnth_drivers.errors import DeviceTimeout
from hnth_drivers.security.audit import AuditLog
from hnth_drivers.security.policy import SecurityPolicy, Waiver, WaiverKind
from hnth_drivers.vcs.visca.camera import ViscaOptions
from hnth_drivers.vcs.visca.ip import ViscaIpCamera
from hnth_drivers.vcs.visca.serial import ViscaSerialCamera

OPTIONS = ViscaOptions(ack_timeout=0.2, completion_timeout=1.0, retries=1, backoff=0.01)
RESET = bytes.fromhex("02 00 00 01 00 00 00 00 01")
RESET_ACK = bytes.fromhex("02 01 00 01 00 00 00 00 01")
SET_UP = [(bytes.fromhex("88 30 01 FF"), [bytes.fromhex("88 30 02 FF")]),
          (bytes.fromhex("88 01 00 01 FF"), [bytes.fromhex("88 01 00 01 FF")])]


def _recall(sequence: int, preset: int = 1) -> bytes:
    return bytes.fromhex(f"01 00 00 07 {sequence:08x} 81 01 04 3F 02 {preset:02x} FF")


def _reply(sequence: int, payload: str) -> bytes:
    data = bytes.fromhex(payload)
    return bytes.fromhex(f"01 11 {len(data):04x} {sequence:08x}") + data


def _policy(host: str, port: int, tmp_path: Path) -> SecurityPolicy:
    return SecurityPolicy(waivers=(Waiver(f"{host}:{port}", WaiverKind.VISCA_IP, "t"),),
                          audit=AuditLog(tmp_path / "audit.jsonl", durable=False))


async def test_ip_truncated_and_garbage_replies_then_a_good_one(tmp_path: Path) -> None:
    peer, host, port = await ScriptedUdpCamera.start([
        (RESET, [RESET_ACK]),
        # a reply without its terminator, a datagram of noise, one with a lying length
        (_recall(1), [_reply(1, "90 41"), b"\x13\x37", _reply(1, "90 41 FF")[:-1]]),
        (_recall(1), [_reply(1, "90 41 FF"), _reply(1, "90 51 FF")]),  # the resend
    ])
    try:
        async with ViscaIpCamera(host, port, policy=_policy(host, port, tmp_path),
                                 options=OPTIONS) as cam:
            await cam.recall_preset(1)
            assert cam.garbage_frames == 3 and cam.retransmissions == 1
        assert not peer.steps and not peer.unexpected
    finally:
        peer.close()


async def test_ip_camera_that_never_acknowledges(tmp_path: Path) -> None:
    peer, host, port = await ScriptedUdpCamera.start([
        (RESET, [RESET_ACK]), (_recall(1), []), (_recall(1), []),
        (_recall(2, 3), [_reply(2, "90 41 FF"), _reply(2, "90 51 FF")]),
    ])
    try:
        async with ViscaIpCamera(host, port, policy=_policy(host, port, tmp_path),
                                 options=OPTIONS) as cam:
            with pytest.raises(DeviceTimeout, match="no reply") as err:
                await asyncio.wait_for(cam.recall_preset(1), 5)
            assert err.value.device == cam.device and err.value.operation == "memory_recall"
            await cam.recall_preset(3)  # the session is still usable
        assert not peer.steps and not peer.unexpected
    finally:
        peer.close()


async def test_serial_truncated_frame_then_silence_then_a_good_exchange() -> None:
    recall = bytes.fromhex("81 01 04 3F 02 01 FF")
    peer = ScriptedPtyCamera([
        *SET_UP,
        (recall, [bytes.fromhex("90 41")]),  # an ACK without its terminator, then nothing
        (recall, []),                        # the resend (recall is idempotent)
        (bytes.fromhex("81 01 04 3F 02 02 FF"), [bytes.fromhex("90 41 FF 90 51 FF")]),
    ])
    try:
        async with ViscaSerialCamera(peer.path, options=OPTIONS) as cam:
            with pytest.raises(DeviceTimeout) as err:
                await asyncio.wait_for(cam.recall_preset(1), 5)
            assert err.value.device == cam.device and err.value.operation == "memory_recall"
            await cam.recall_preset(2)  # the stale half frame is skipped as garbage
            assert cam.garbage_frames >= 1
        assert not peer.steps and not peer.unexpected
    finally:
        peer.close()


async def test_serial_garbage_between_ack_and_completion() -> None:
    recall = bytes.fromhex("81 01 04 3F 02 01 FF")
    peer = ScriptedPtyCamera([
        *SET_UP,
        (recall, [bytes.fromhex("90 41 FF 00 13 37 FF 5A A5 90 51 FF")]),
    ])
    try:
        async with ViscaSerialCamera(peer.path, options=OPTIONS) as cam:
            await cam.recall_preset(1)
            assert cam.garbage_frames >= 1
        assert not peer.steps and not peer.unexpected
    finally:
        peer.close()
