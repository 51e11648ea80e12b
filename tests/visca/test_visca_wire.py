"""The sans-I/O wire protocol against the vendor vectors (tests/vectors/visca.json), in both roles,
and its resync rules."""

from __future__ import annotations

from typing import Any

import pytest
from visca_values import COMMANDS, command_of, reply_of
from visca_vectors import hexbytes, vectors

from hnth_drivers.errors import ConfigError
from hnth_drivers.model import MoveDirection, ZoomDirection
from hnth_drivers.vcs.visca.commands import (
    Memory,
    MemoryOp,
    PanTiltDrive,
    PanTiltPositionInquiry,
    Power,
    PowerInquiry,
    Zoom,
    ZoomDirect,
    ZoomPositionInquiry,
)
from hnth_drivers.vcs.visca.wire import (
    NEED_DATA,
    Ack,
    Completion,
    ErrorKind,
    ErrorReply,
    Garbage,
    IfClearEcho,
    InquiryReply,
    Request,
    Role,
    UnknownMessage,
    ViscaWire,
)

COMMAND_VECTORS = vectors()["commands"]
REPLY_VECTORS = vectors()["replies"]


def _id(v: dict[str, Any]) -> str:
    return f"{v.get('name', v.get('means', {}).get('kind'))}:{v['bytes']}"


def test_every_vector_name_is_mapped() -> None:
    assert {v["name"] for v in COMMAND_VECTORS} == set(COMMANDS)


@pytest.mark.parametrize("vector", COMMAND_VECTORS, ids=_id)
def test_controller_sends_the_vector_bytes(vector: dict[str, Any]) -> None:
    wire = ViscaWire(Role.CONTROLLER, vector.get("address", 1))
    command = command_of(vector)
    assert wire.send(command) == hexbytes(vector["bytes"])
    assert command.label == vector["name"]


@pytest.mark.parametrize("vector", COMMAND_VECTORS, ids=_id)
def test_device_decodes_the_vector_bytes(vector: dict[str, Any]) -> None:
    wire = ViscaWire(Role.DEVICE)
    command = command_of(vector)
    wire.receive_data(hexbytes(vector["bytes"]))
    destination = 8 if command.broadcast else vector.get("address", 1)
    assert wire.next_event() == Request(destination, command)
    assert wire.next_event() is NEED_DATA


@pytest.mark.parametrize("vector", REPLY_VECTORS, ids=_id)
def test_controller_decodes_the_reply_vectors(vector: dict[str, Any]) -> None:
    wire = ViscaWire(Role.CONTROLLER)
    wire.receive_data(hexbytes(vector["bytes"]))
    assert wire.events() == [reply_of(vector)]


@pytest.mark.parametrize("vector", REPLY_VECTORS, ids=_id)
def test_device_sends_the_reply_vectors(vector: dict[str, Any]) -> None:
    wire = ViscaWire(Role.DEVICE, vector["means"].get("from_address", 1))
    assert wire.send(reply_of(vector)) == hexbytes(vector["bytes"])


@pytest.mark.parametrize("vector", [v for v in REPLY_VECTORS if "inquiry" in v], ids=_id)
def test_inquiry_replies_parse_and_encode(vector: dict[str, Any]) -> None:
    payload = hexbytes(vector["bytes"])[2:-1]
    means = vector["means"]
    if vector["inquiry"] == "inquiry_power":
        assert PowerInquiry.parse(payload) is (means["power"] == "on")
        assert PowerInquiry.reply(means["power"] == "on") == payload
    elif vector["inquiry"] == "inquiry_zoom_position":
        assert ZoomPositionInquiry.parse(payload) == means["zoom"]
        assert ZoomPositionInquiry.reply(means["zoom"]) == payload
    else:
        assert PanTiltPositionInquiry.parse(payload) == (means["pan"], means["tilt"])
        assert PanTiltPositionInquiry.reply(means["pan"], means["tilt"]) == payload


def test_broadcast_if_clear_echo_in_the_controller_role() -> None:
    echo = next(v for v in COMMAND_VECTORS if v["name"] == "if_clear_broadcast")
    wire = ViscaWire(Role.CONTROLLER)
    wire.receive_data(hexbytes(echo["bytes"]))
    assert wire.events() == [IfClearEcho()]
    assert ViscaWire(Role.DEVICE).send(IfClearEcho()) == hexbytes(echo["bytes"])


def test_a_frame_split_across_reads_waits_for_its_terminator() -> None:
    wire = ViscaWire(Role.CONTROLLER)
    wire.receive_data(b"\x90")
    assert wire.next_event() is NEED_DATA
    wire.receive_data(b"\x41")
    assert wire.next_event() is NEED_DATA and wire.pending == 2
    wire.receive_data(b"\xff\x90")
    assert wire.next_event() == Ack(1)
    wire.receive_data(b"\x51\xff")
    assert wire.events() == [Completion(1)]


def test_garbage_before_a_frame_is_reported_then_the_frame_decoded() -> None:
    wire = ViscaWire(Role.CONTROLLER)
    wire.receive_data(b"\x12\x34\xa0\x90\x41\xff")
    assert wire.events() == [Garbage(b"\x12\x34\xa0", "bytes before a frame header"), Ack(1)]


def test_terminated_noise_is_one_garbage_event_not_part_of_the_next_frame() -> None:
    wire = ViscaWire(Role.CONTROLLER)
    wire.receive_data(b"\x01\x02\xff\x90\x51\xff")
    assert wire.events() == [Garbage(b"\x01\x02\xff", "not a VISCA frame"), Completion(1)]


def test_a_frame_over_16_bytes_is_an_error_and_the_codec_resyncs() -> None:
    wire = ViscaWire(Role.CONTROLLER)
    long_frame = b"\x90\x50" + bytes(range(16)) + b"\xff"
    wire.receive_data(long_frame + b"\x90\x41\xff")
    events = wire.events()
    assert events[0] == Garbage(long_frame[:16], "no terminator within 16 bytes")
    assert isinstance(events[1], Garbage) and events[1].data == long_frame[16:]
    assert events[2:] == [Ack(1)]


def test_a_16_byte_frame_is_still_a_frame() -> None:
    wire = ViscaWire(Role.CONTROLLER)
    reply = b"\x90\x50" + bytes(13) + b"\xff"
    assert len(reply) == 16
    wire.receive_data(reply)
    assert wire.events() == [InquiryReply(bytes(13))]


def test_unknown_reply_and_unknown_error_code_are_reported() -> None:
    wire = ViscaWire(Role.CONTROLLER)
    wire.receive_data(b"\x90\x77\xff\x90\x61\x99\xff")
    assert wire.events() == [UnknownMessage(1, b"\x77"), UnknownMessage(1, b"\x61\x99")]


def test_device_reports_an_unknown_command_so_the_camera_can_say_syntax_error() -> None:
    wire = ViscaWire(Role.DEVICE)
    wire.receive_data(b"\x81\x01\x7e\x01\xff")
    assert wire.events() == [UnknownMessage(1, b"\x01\x7e\x01")]


def test_device_refuses_values_outside_the_protocol() -> None:
    wire = ViscaWire(Role.DEVICE)
    # pan speed 0x30 is beyond 0x18; a nibble field carrying 0x1F is not a nibble
    wire.receive_data(b"\x81\x01\x06\x01\x30\x05\x03\x01\xff\x81\x01\x04\x47\x1f\x00\x00\x00\xff")
    assert [type(e) for e in wire.events()] == [UnknownMessage, UnknownMessage]


def test_device_reports_requests_for_other_addresses_on_the_chain() -> None:
    wire = ViscaWire(Role.DEVICE)
    wire.receive_data(b"\x83\x01\x04\x00\x02\xff")
    assert wire.events() == [Request(3, Power(True))]


@pytest.mark.parametrize("make", [
    lambda: ZoomDirect(0x10000),
    lambda: Zoom(ZoomDirection.TELE, 8),
    lambda: Zoom(ZoomDirection.STOP, 1),
    lambda: PanTiltDrive(MoveDirection.UP, 0, 1),
    lambda: PanTiltDrive(MoveDirection.UP, 1, 0x19),  # BRC-H700 p. 12 goes to 18h
    lambda: Memory(MemoryOp.RECALL, 0xFF),
])
def test_commands_refuse_values_the_protocol_cannot_carry(make: Any) -> None:
    with pytest.raises(ConfigError):
        make()


def test_roles_send_only_their_own_values() -> None:
    with pytest.raises(ConfigError):
        ViscaWire(Role.CONTROLLER).send(Ack(1))
    with pytest.raises(ConfigError):
        ViscaWire(Role.DEVICE).send(Power(True))
    with pytest.raises(ConfigError):
        ViscaWire(Role.DEVICE).send(InquiryReply(bytes(14)))  # 17 bytes
    with pytest.raises(ConfigError):
        ViscaWire(Role.CONTROLLER, 8)


def test_error_kinds_have_vector_names() -> None:
    names = {v["means"]["error"] for v in REPLY_VECTORS if v["means"]["kind"] == "error"}
    assert names == {k.text for k in ErrorKind}
    assert ErrorReply(ErrorKind.BUFFER_FULL).socket == 0


def test_device_send_refuses_what_is_not_a_reply() -> None:
    with pytest.raises(ConfigError, match="not a VISCA reply"):
        ViscaWire(Role.DEVICE).send(Request(1, Power(True)))  # type: ignore[arg-type]
