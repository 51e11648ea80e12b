"""Per-model VISCA: the vendor vectors of each model, the profiles, and camera transcripts
(BRC-300, BRC-H700, a 4 + 4 clone) replayed against the sans-I/O wire protocol and against the
drivers over real sockets with a scripted peer (no simulator)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from scripted import ScriptedPtyCamera, ScriptedUdpCamera
from visca_values import COMMANDS
from visca_vectors import hexbytes, vectors

from hnth_drivers.errors import ConfigError, DeviceError, ProtocolError
from hnth_drivers.model import CameraPosition
from hnth_drivers.security.audit import AuditLog
from hnth_drivers.security.policy import SecurityPolicy, Waiver, WaiverKind
from hnth_drivers.vcs.visca.camera import ViscaOptions
from hnth_drivers.vcs.visca.commands import (
    NARROW,
    WIDE_PAN,
    Command,
    PanTiltAbsolute,
    PanTiltPositionInquiry,
    PanTiltRelative,
    decode_message,
)
from hnth_drivers.vcs.visca.ip import ViscaIpCamera
from hnth_drivers.vcs.visca.profiles import PROFILES, profile
from hnth_drivers.vcs.visca.serial import ViscaSerialCamera
from hnth_drivers.vcs.visca.wire import Ack, Completion, InquiryReply, Role, ViscaWire

MODELS = vectors()["models"]
TRANSCRIPTS = {t["name"]: t for t in vectors()["transcripts"]}
OPTIONS = ViscaOptions(ack_timeout=0.3, completion_timeout=2.0, retries=1, backoff=0.01)


def _command(name: str, args: dict[str, Any], model: str) -> Command:
    layout = profile(model).layout
    if name in ("pantilt_absolute", "pantilt_relative") and layout.one_speed:
        kind = PanTiltAbsolute if name == "pantilt_absolute" else PanTiltRelative
        return kind(args["pan"], args["tilt"], args["speed"], args["speed"], layout)
    if name in ("pantilt_absolute", "pantilt_relative"):
        return COMMANDS[name]({**args})
    return COMMANDS[name](args)


@pytest.mark.parametrize("vector", [v for v in MODELS if "command" in v], ids=lambda v: v["name"])
def test_model_commands_encode_and_decode_as_documented(vector: dict[str, Any]) -> None:
    command = _command(vector["command"], vector["args"], vector["model"])
    frame = ViscaWire(Role.CONTROLLER).send(command)
    assert frame == hexbytes(vector["bytes"])
    assert decode_message(frame[1:-1]) == command  # the simulator reads it back


@pytest.mark.parametrize("vector", [v for v in MODELS if "inquiry" in v], ids=lambda v: v["name"])
def test_model_position_replies_parse_in_the_models_widths(vector: dict[str, Any]) -> None:
    layout = profile(vector["model"]).layout
    payload = hexbytes(vector["bytes"])[2:-1]
    assert PanTiltPositionInquiry.parse(payload, layout) == (vector["pan"], vector["tilt"])
    assert PanTiltPositionInquiry.reply(vector["pan"], vector["tilt"], layout) == payload
    other = WIDE_PAN if layout == NARROW else NARROW
    assert PanTiltPositionInquiry.parse(payload, other) is None  # the wrong width


@pytest.mark.parametrize("spec", vectors()["profiles"], ids=lambda v: v["model"])
def test_built_in_profiles_hold_the_documented_figures(spec: dict[str, Any]) -> None:
    built_in = PROFILES[spec["model"]]
    for key, value in spec.items():
        if key in ("model", "source"):
            continue
        assert getattr(built_in, key) == (tuple(value) if isinstance(value, list) else value)


def test_a_one_speed_layout_carries_the_pan_speed_only() -> None:
    move = PanTiltAbsolute(10, 10, 5, 9, WIDE_PAN)
    assert move.tilt_speed == 5
    with pytest.raises(ConfigError):
        PanTiltAbsolute(0x8000, 0, 1, 1)  # 4 nibbles cannot carry it
    assert PanTiltAbsolute(0x8000, 0, 1, 1, WIDE_PAN).encode()[5:10] == bytes([0, 8, 0, 0, 0])
    # a 5 + 4 message with a tilt speed instead of 00 is not the documented layout
    assert decode_message(bytes.fromhex("01 06 02 18 14 0F 07 05 0A 08 0E 07 09 06")) is None


# -- transcripts against the wire protocol alone ------------------------------------------
@pytest.mark.parametrize("name", [n for n, t in TRANSCRIPTS.items() if t["transport"] == "serial"])
def test_serial_transcript_replays_against_the_wire(name: str) -> None:
    transcript = TRANSCRIPTS[name]
    model = profile(transcript["model"])
    wire = ViscaWire(Role.CONTROLLER)
    for step in transcript["steps"]:
        args = step.get("args", {})
        if "refused" in step:
            with pytest.raises(ConfigError, match=r"0\.\.5"):
                model.check_preset("recall_preset", args["preset"])
            continue
        command = _command(step["command"], args, transcript["model"])
        assert wire.send(command) == hexbytes(step["send"])
        for reply in step["receive"]:
            wire.receive_data(hexbytes(reply))
        events = wire.events()
        means = step.get("means", {})
        if isinstance(command, PanTiltPositionInquiry):
            (event,) = events
            assert isinstance(event, InquiryReply)
            where = command.parse(event.payload, model.layout)
            if "error" in means:
                assert where is None
            else:
                assert where == (means["pan"], means["tilt"])
        elif step["command"].startswith("memory") or step["command"].startswith("pantilt"):
            assert events == [Ack(1), Completion(1)]


# -- transcripts against the drivers, scripted peers, real sockets ----------------------------
def _steps(transcript: dict[str, Any]) -> list[tuple[bytes, list[bytes]]]:
    return [(hexbytes(s["send"]), [hexbytes(r) for r in s["receive"]])
            for s in transcript["steps"] if "send" in s]


def _policy(host: str, port: int, tmp_path: Path) -> SecurityPolicy:
    return SecurityPolicy(waivers=(Waiver(f"{host}:{port}", WaiverKind.VISCA_IP, "scripted"),),
                          audit=AuditLog(tmp_path / "audit.jsonl", durable=False))


async def test_brc300_over_ip_as_the_transcript_says(tmp_path: Path) -> None:
    transcript = TRANSCRIPTS["brc300_ip"]
    peer, host, port = await ScriptedUdpCamera.start(_steps(transcript))
    try:
        async with ViscaIpCamera(host, port, policy=_policy(host, port, tmp_path),
                                 profile=profile("sony-brc-300"), options=OPTIONS) as cam:
            await cam.recall_preset(5)
            with pytest.raises(ConfigError):
                await cam.recall_preset(6)  # presets 0..5: refused before sending
            pan, tilt = transcript["steps"][2]["means"].values()
            position = await cam._ask(PanTiltPositionInquiry())
            assert PanTiltPositionInquiry.parse(position, cam.profile.layout) == (pan, tilt)
        assert not peer.steps and not peer.unexpected
    finally:
        peer.close()


async def test_brc300_over_serial_as_the_transcript_says() -> None:
    transcript = TRANSCRIPTS["brc300_serial"]
    peer = ScriptedPtyCamera(_steps(transcript))
    try:
        async with ViscaSerialCamera(peer.path, profile=profile("sony-brc-300"),
                                     options=OPTIONS) as cam:
            assert cam.chain_length == 1
            await cam.recall_preset(5)
            payload = await cam._ask(PanTiltPositionInquiry())
            assert PanTiltPositionInquiry.parse(payload, cam.profile.layout) == (-300, 200)
        assert not peer.steps and not peer.unexpected
    finally:
        peer.close()


async def test_brch700_move_to_sends_one_speed_and_five_pan_nibbles() -> None:
    transcript = TRANSCRIPTS["brch700_serial"]
    setup = [(hexbytes("88 30 01 FF"), [hexbytes("88 30 02 FF")]),
             (hexbytes("88 01 00 01 FF"), [hexbytes("88 01 00 01 FF")])]
    zoom = [(hexbytes("81 01 04 47 00 00 00 00 FF"), [hexbytes("90 41 FF"), hexbytes("90 51 FF")])]
    steps = _steps(transcript)
    peer = ScriptedPtyCamera(setup + steps[:1] + zoom + steps[1:])
    try:
        async with ViscaSerialCamera(peer.path, profile=profile("sony-brc-h700"),
                                     options=OPTIONS) as cam:
            with pytest.raises(ConfigError, match="sony-brc-h700"):
                await cam.move_to(CameraPosition(-35417, 0, 0))  # beyond the right end
            await cam.move_to(CameraPosition(-35416, -6250, 0), speed=24)
            payload = await cam._ask(PanTiltPositionInquiry())
            assert PanTiltPositionInquiry.parse(payload, cam.profile.layout) == (-35416, -6250)
        assert not peer.steps and not peer.unexpected
    finally:
        peer.close()


async def test_a_reply_of_the_wrong_width_is_a_protocol_error_and_the_session_lives_on() -> None:
    transcript = TRANSCRIPTS["clone_4_4_serial"]
    setup = [(hexbytes("88 30 01 FF"), [hexbytes("88 30 02 FF")]),
             (hexbytes("88 01 00 01 FF"), [hexbytes("88 01 00 01 FF")])]
    zoom_inquiry = (hexbytes("81 09 04 47 FF"), [hexbytes("90 50 00 00 00 00 FF")])
    zoom = (hexbytes("81 01 04 47 00 00 00 00 FF"), [hexbytes("90 41 FF"), hexbytes("90 51 FF")])
    first, good, wrong = _steps(transcript)
    peer = ScriptedPtyCamera([*setup, first, zoom, good, zoom_inquiry, wrong, good,
                              zoom_inquiry])
    try:
        async with ViscaSerialCamera(peer.path, profile=profile("huddlecam"),
                                     options=OPTIONS) as cam:
            # pan speed 24, the tilt speed capped at the clone's 14h
            await cam.move_to(CameraPosition(300, -200, 0), speed=24)
            assert await cam.position() == CameraPosition(300, -200, 0)
            with pytest.raises(ProtocolError) as err:
                await cam.position()
            assert err.value.device == cam.device
            assert err.value.operation == "inquiry_pantilt_position"
            assert "4 pan + 4 tilt" in str(err.value)
            assert await cam.position() == CameraPosition(300, -200, 0)
        assert not peer.steps and not peer.unexpected
    finally:
        peer.close()


# -- open() when the camera answers the set-up with an error (issue 18) ----------------------
@pytest.mark.parametrize(("answer", "error", "match"), [
    ("90 60 02 FF", DeviceError, "syntax"),
    ("90 41 FF 90 51 FF", ProtocolError, "ACK/completion"),
    ("90 50 02 FF", ProtocolError, "address set"),
])
async def test_serial_open_with_a_bad_address_set_answer_is_typed(
        answer: str, error: type[Exception], match: str) -> None:
    peer = ScriptedPtyCamera([(hexbytes("88 30 01 FF"), [hexbytes(answer)])])
    try:
        cam = ViscaSerialCamera(peer.path, options=OPTIONS)
        with pytest.raises(error, match=match) as err:
            await cam.open()
        assert getattr(err.value, "operation", None) == "address_set"
        assert getattr(err.value, "device", None) == cam.device
    finally:
        peer.close()


async def test_serial_open_with_an_if_clear_error_is_typed() -> None:
    peer = ScriptedPtyCamera([(hexbytes("88 30 01 FF"), [hexbytes("88 30 02 FF")]),
                              (hexbytes("88 01 00 01 FF"), [hexbytes("90 60 02 FF")])])
    try:
        with pytest.raises(DeviceError, match="if_clear_broadcast"):
            await ViscaSerialCamera(peer.path, options=OPTIONS).open()
    finally:
        peer.close()


@pytest.mark.parametrize(("answer", "error", "match"), [
    ("01 11 00 04 00 00 00 00 90 60 02 FF", DeviceError, "syntax"),
    ("02 00 00 02 00 00 00 00 0F 02", ProtocolError, "message-type"),
    ("02 01 00 02 00 00 00 00 0F 01", ProtocolError, "sequence-number"),
])
async def test_ip_open_with_a_reset_error_is_typed(
        answer: str, error: type[Exception], match: str, tmp_path: Path) -> None:
    reset = hexbytes("02 00 00 01 00 00 00 00 01")
    peer, host, port = await ScriptedUdpCamera.start([(reset, [hexbytes(answer)])])
    try:
        cam = ViscaIpCamera(host, port, policy=_policy(host, port, tmp_path), options=OPTIONS)
        with pytest.raises(error, match=match) as err:
            await cam.open()
        assert getattr(err.value, "operation", None) == "reset_sequence"
        assert getattr(err.value, "device", None) == f"{host}:{port}"
    finally:
        peer.close()


async def test_ip_reset_acknowledged_with_another_number_is_taken(tmp_path: Path) -> None:
    # The camera ignores the RESET's own number; a reply echoing another one is still its
    # Acknowledge.
    reset = hexbytes("02 00 00 01 00 00 00 00 01")
    ack = hexbytes("02 01 00 01 00 00 00 29 01")
    recall = hexbytes("01 00 00 07 00 00 00 01 81 01 04 3F 02 01 FF")
    done = [hexbytes("01 11 00 03 00 00 00 01 90 41 FF"),
            hexbytes("01 11 00 03 00 00 00 01 90 51 FF")]
    peer, host, port = await ScriptedUdpCamera.start([(reset, [ack]), (recall, done)])
    try:
        async with ViscaIpCamera(host, port, policy=_policy(host, port, tmp_path),
                                 options=OPTIONS) as cam:
            await cam.recall_preset(1)
        assert not peer.steps and not peer.unexpected
    finally:
        peer.close()
