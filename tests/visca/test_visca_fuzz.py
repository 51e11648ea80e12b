"""Hypothesis: the decoder takes any bytes, resyncs, and every value round-trips."""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from hnth_drivers.errors import ProtocolError
from hnth_drivers.model import MoveDirection, ZoomDirection
from hnth_drivers.vcs.visca.commands import (
    PAN_SPEED_MAX,
    PRESET_MAX,
    TILT_SPEED_MAX,
    WIDE_PAN,
    AddressSet,
    Cancel,
    Command,
    IfClear,
    Memory,
    MemoryOp,
    PanTiltAbsolute,
    PanTiltDrive,
    PanTiltHome,
    PanTiltPositionInquiry,
    PanTiltRelative,
    PanTiltReset,
    Power,
    PowerInquiry,
    Zoom,
    ZoomDirect,
    ZoomPositionInquiry,
)
from hnth_drivers.vcs.visca.overip import (
    IpMessage,
    PayloadType,
    decode_ip,
    encode_ip,
    split_datagram,
)
from hnth_drivers.vcs.visca.wire import (
    MAX_FRAME,
    NEED_DATA,
    Ack,
    AddressSetReply,
    Completion,
    ErrorKind,
    ErrorReply,
    Event,
    Garbage,
    IfClearEcho,
    InquiryReply,
    Reply,
    Request,
    Role,
    UnknownMessage,
    ViscaWire,
    decode_datagram,
)

EVENT_TYPES = (Ack, Completion, ErrorReply, InquiryReply, AddressSetReply, IfClearEcho,
               Request, UnknownMessage, Garbage)

roles = st.sampled_from(list(Role))
addresses = st.integers(1, 7)
pan_speeds = st.integers(1, PAN_SPEED_MAX)
tilt_speeds = st.integers(1, TILT_SPEED_MAX)
signed = st.integers(-0x8000, 0x7FFF)
wide_pan = st.integers(-0x80000, 0x7FFFF)

commands: st.SearchStrategy[Command] = st.one_of(
    st.builds(Power, st.booleans()),
    st.just(Zoom(ZoomDirection.STOP)),
    st.builds(Zoom, st.sampled_from([ZoomDirection.TELE, ZoomDirection.WIDE]),
              st.none() | st.integers(0, 7)),
    st.builds(ZoomDirect, st.integers(0, 0xFFFF)),
    st.builds(PanTiltDrive, st.sampled_from(list(MoveDirection)), pan_speeds, tilt_speeds),
    st.builds(PanTiltAbsolute, signed, signed, pan_speeds, tilt_speeds),
    st.builds(PanTiltRelative, signed, signed, pan_speeds, tilt_speeds),
    # the BRC-H700 layout: one speed then 00, a 20-bit pan
    st.builds(PanTiltAbsolute, wide_pan, signed, pan_speeds, pan_speeds, st.just(WIDE_PAN)),
    st.builds(PanTiltRelative, wide_pan, signed, pan_speeds, pan_speeds, st.just(WIDE_PAN)),
    st.just(PanTiltHome()), st.just(PanTiltReset()),
    st.builds(Memory, st.sampled_from(list(MemoryOp)), st.integers(0, PRESET_MAX)),
    st.builds(IfClear, st.booleans()),
    st.builds(AddressSet, st.integers(1, 7)),
    st.builds(Cancel, st.integers(1, 2)),
    st.just(PowerInquiry()), st.just(ZoomPositionInquiry()), st.just(PanTiltPositionInquiry()),
)

replies: st.SearchStrategy[Reply] = st.one_of(
    st.builds(Ack, st.integers(1, 2)),
    st.builds(Completion, st.integers(0, 2)),
    st.builds(ErrorReply, st.sampled_from(list(ErrorKind)), st.integers(0, 2)),
    st.builds(InquiryReply, st.binary(min_size=1, max_size=13).filter(lambda b: 0xFF not in b)),
    st.builds(AddressSetReply, st.integers(2, 8)),
    st.just(IfClearEcho()),
)


def _drain(wire: ViscaWire) -> list[Event]:
    out = []
    while (event := wire.next_event()) is not NEED_DATA:
        assert isinstance(event, EVENT_TYPES)
        out.append(event)
    return out


@settings(max_examples=300, deadline=None)
@given(roles, st.lists(st.binary(max_size=40), max_size=8))
def test_any_bytes_yield_only_events(role: Role, chunks: list[bytes]) -> None:
    wire = ViscaWire(role)
    events = []
    for chunk in chunks:
        wire.receive_data(chunk)  # the contract allows typed errors; in fact none come
        events += _drain(wire)
    # a partial frame never grows past the limit; skipped bytes come in bounded reports
    assert wire.pending < MAX_FRAME
    for event in events:
        if isinstance(event, Garbage):
            assert event.data and len(event.data) <= MAX_FRAME


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=60), commands, addresses)
def test_a_valid_command_after_terminated_garbage_is_decoded(
        garbage: bytes, command: Command, address: int) -> None:
    frame = ViscaWire(Role.CONTROLLER, address).send(command)
    wire = ViscaWire(Role.DEVICE)
    wire.receive_data(garbage + b"\xff" + frame)
    events = _drain(wire)
    destination = 8 if command.broadcast else address
    assert events[-1] == Request(destination, command)
    assert wire.pending == 0


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=60), replies, addresses)
def test_a_valid_reply_after_terminated_garbage_is_decoded(
        garbage: bytes, reply: Reply, address: int) -> None:
    device = ViscaWire(Role.DEVICE, address)
    wire = ViscaWire(Role.CONTROLLER)
    wire.receive_data(garbage + b"\xff" + device.send(reply))
    expected = reply
    if isinstance(reply, Ack | Completion | ErrorReply | InquiryReply):
        expected = dataclasses.replace(reply, address=address)
    assert _drain(wire)[-1] == expected


@settings(max_examples=300, deadline=None)
@given(commands, addresses)
def test_every_command_round_trips(command: Command, address: int) -> None:
    frame = ViscaWire(Role.CONTROLLER, address).send(command)
    assert 3 <= len(frame) <= MAX_FRAME and frame.index(0xFF) == len(frame) - 1
    device = ViscaWire(Role.DEVICE)
    device.receive_data(frame)
    assert _drain(device) == [Request(8 if command.broadcast else address, command)]


@settings(max_examples=300, deadline=None)
@given(replies)
def test_every_reply_round_trips(reply: Reply) -> None:
    wire = ViscaWire(Role.CONTROLLER)
    wire.receive_data(ViscaWire(Role.DEVICE).send(reply))
    assert _drain(wire) == [reply]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=40))
def test_any_datagram_decodes_or_is_a_protocol_error(datagram: bytes) -> None:
    message: IpMessage | ProtocolError
    try:
        message = decode_ip(datagram)
    except ProtocolError as exc:
        message = exc
    if isinstance(message, IpMessage):
        assert len(message.payload) + 8 == len(datagram)
    else:
        assert message.operation == "visca-ip decode"


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(list(PayloadType)), st.integers(0, 2**32 - 1),
       st.binary(min_size=1, max_size=16))
def test_ip_messages_round_trip(kind: PayloadType, sequence: int, payload: bytes) -> None:
    message = decode_ip(encode_ip(kind, sequence, payload))
    assert (message.payload_type, message.sequence, message.payload) == (kind, sequence,
                                                                          payload)


@settings(max_examples=300, deadline=None)
@given(roles, st.binary(max_size=120), st.lists(st.integers(1, 20), max_size=30))
def test_events_do_not_depend_on_how_the_bytes_are_split(
        role: Role, stream: bytes, cuts: list[int]) -> None:
    whole = ViscaWire(role)
    whole.receive_data(stream)
    bytewise = ViscaWire(role)
    for i in range(len(stream)):
        bytewise.receive_data(stream[i:i + 1])
    chunked = ViscaWire(role)
    pos = 0
    for cut in cuts:
        chunked.receive_data(stream[pos:pos + cut])
        pos += cut
    chunked.receive_data(stream[pos:])
    assert _drain(whole) == _drain(bytewise) == _drain(chunked)
    assert whole.pending == bytewise.pending == chunked.pending


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=40))
def test_the_fast_split_agrees_with_decode_ip(datagram: bytes) -> None:
    parts = split_datagram(datagram)
    try:
        message = decode_ip(datagram)
    except ProtocolError:
        assert parts is None
        return
    assert parts == (int(message.payload_type), message.sequence, message.payload)


@settings(max_examples=300, deadline=None)
@given(roles, st.binary(min_size=1, max_size=16))
def test_whole_datagram_decoding_matches_the_stream_codec(role: Role, payload: bytes) -> None:
    wire = ViscaWire(role)
    wire.receive_data(payload)
    expected = _drain(wire)
    if wire.pending:
        expected.append(Garbage(payload[len(payload) - wire.pending:], "unterminated message"))
    assert list(decode_datagram(payload, role)) == expected
