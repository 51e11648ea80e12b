"""Sans-I/O parser vectors (xAPI and Poly, sources in docs/codecs.md), no network."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hnth_drivers.errors import ConfigError, DeviceError, HnthError, ProtocolError
from hnth_drivers.model import Call, CallState, CameraPosition, SignalProtocol
from hnth_drivers.vcs.cli_dialect import NEED_DATA, CallEvent, DialectSession, Notice, Reply
from hnth_drivers.vcs.polycom import PolycomSession
from hnth_drivers.vcs.xapi import XapiSession


def drain(session: DialectSession) -> list[object]:
    items: list[object] = []
    while (item := session.next_event()) is not NEED_DATA:
        items.append(item)
    return items


def replies(items: list[object]) -> list[Reply]:
    return [i for i in items if isinstance(i, Reply)]


# -- xAPI ----------------------------------------------------------------------------------
DIAL_REPLY = (b"OK\r\n*r DialResult (status=OK):\r\n    CallId: 2\r\n    ConferenceId: 1\r\n"
              b"** end\r\n")


def test_xapi_dial_command_and_reply() -> None:
    s = XapiSession(device="room")
    assert s.send("dial", number="543210", protocol="h323") == \
        b"xCommand Dial Number:543210 Protocol:h323\n"
    s.receive_data(DIAL_REPLY)
    (reply,) = drain(s)
    assert isinstance(reply, Reply)
    assert reply.value == Call("2", "543210", CallState.DIALLING, SignalProtocol.H323)
    assert s.pending is None


def test_xapi_reply_split_byte_by_byte_and_trailing_ok() -> None:
    s = XapiSession()
    s.send("dial", number="543210", protocol="h323")
    for byte in DIAL_REPLY.replace(b"OK\r\n", b"", 1) + b"OK\r\n":
        assert not replies(drain(s)) or s.pending is None
        s.receive_data(bytes([byte]))
    # the reply completes at "** end"; the OK after it is harmless
    s.send("mute_state")
    s.receive_data(b"*s Audio Microphones Mute: Off\r\n** end\r\nOK\r\n")
    assert [r.value for r in replies(drain(s))] == [False]


def test_xapi_templates_match_the_documented_syntax() -> None:
    s = XapiSession()
    vectors: list[tuple[tuple[str], dict[str, object], bytes]] = [
        (("hang_up",), {"call": "17"}, b"xCommand Call Disconnect CallId:17\n"),
        (("hang_up_all",), {}, b"xCommand Call DisconnectAll\n"),
        (("mute",), {}, b"xCommand Audio Microphones Mute\n"),
        (("unmute",), {}, b"xCommand Audio Microphones Unmute\n"),
        (("mute_state",), {}, b"xStatus Audio Microphones Mute\n"),
        (("calls",), {}, b"xStatus Call\n"),
        (("preset_activate",), {"preset": 1}, b"xCommand Camera Preset Activate PresetId:1\n"),
        (("preset_store_named",), {"preset": 3, "camera": 1, "name": "chair"},
         b'xCommand Camera Preset Store PresetId:3 CameraId:1 Name:"chair"\n'),
        (("layout",), {"target": "local", "family": "equal"},
         b"xCommand Video Layout LayoutFamily Set Target:local LayoutFamily:equal\n"),
        (("ramp",), {"camera": 1, "pan": "Left", "pan_speed": 1, "tilt": "Stop",
                     "tilt_speed": 1},
         b"xCommand Camera Ramp CameraId:1 Pan:Left PanSpeed:1 Tilt:Stop TiltSpeed:1\n"),
        (("feedback",), {}, b"xFeedback register /Status/Call\n"),
    ]
    for (operation,), args, expected in vectors:
        assert s.dialect.render(operation, **args).encode() == expected


def test_xapi_disconnect_result_ok() -> None:
    s = XapiSession()
    s.send("hang_up", call="17")
    s.receive_data(b"OK\r\n*r DisconnectCallResult (status=OK):\r\n** end\r\n")
    assert [r.value for r in replies(drain(s))] == [None]


def test_xapi_error_result_is_a_device_error_with_the_reason() -> None:
    s = XapiSession(device="room-1")
    s.send("dial", number="0000", protocol="h323")
    s.receive_data(b"OK\r\n*r DialResult (status=Error):\r\n    Reason: \"Not found\"\r\n"
                   b"** end\r\n")
    with pytest.raises(DeviceError) as info:
        s.next_event()
    assert info.value.message == "Not found"
    assert info.value.device == "room-1" and info.value.operation == "dial"
    assert s.pending is None


def test_xapi_error_line_is_a_device_error() -> None:
    s = XapiSession()
    s.send("uptime")
    s.receive_data(b"Command not recognized.\r\nERROR\r\n")
    with pytest.raises(DeviceError, match="Command not recognized"):
        s.next_event()


def test_xapi_call_status_vector() -> None:
    s = XapiSession()
    s.send("calls")
    s.receive_data(b'*s Call 27 Protocol: "H323"\r\n*s Call 27 RemoteNumber: "543210"\r\n'
                   b"*s Call 27 Status: Connected\r\n** end\r\nOK\r\n")
    (reply,) = drain(s)
    assert isinstance(reply, Reply)
    assert reply.value == [Call("27", "543210", CallState.CONNECTED, SignalProtocol.H323)]


def test_xapi_events_interleaved_with_a_command_reply() -> None:
    s = XapiSession()
    s.send("dial", number="543210", protocol="h323")
    s.receive_data(b"OK\r\n*s Call 3 Status: Connected\r\n** end\r\n" + DIAL_REPLY[4:] +
                   b"*s Call 2 Status: Dialling\r\n** end\r\n")
    items = drain(s)
    assert items[0] == CallEvent("3", CallState.CONNECTED, raw="Call 3 Status: Connected")
    assert isinstance(items[1], Reply) and items[1].value.call_id == "2"
    assert isinstance(items[2], CallEvent) and items[2].state is CallState.DIALLING


def test_xapi_event_in_status_format_is_not_taken_for_the_status_reply() -> None:
    s = XapiSession()
    s.send("calls")
    # a feedback block (no OK follows it), then the real reply (OK follows it)
    s.receive_data(b"*s Call 3 Status: Connecting\r\n** end\r\n")
    assert drain(s) == []
    s.receive_data(b'*s Call 3 RemoteNumber: "55"\r\n*s Call 3 Status: Connected\r\n'
                   b"** end\r\nOK\r\n*s Call 3 (ghost=True):\r\n** end\r\n")
    items = drain(s)
    assert items[0] == CallEvent("3", CallState.CONNECTING, raw="Call 3 Status: Connecting")
    assert isinstance(items[1], Reply)
    assert items[1].value == [Call("3", "55", CallState.CONNECTED)]
    assert items[2] == CallEvent("3", CallState.DISCONNECTED, raw="Call 3 (ghost=True)")


def test_xapi_position_status() -> None:
    s = XapiSession()
    s.send("position", camera=1)
    s.receive_data(b"*s Cameras Camera 1 Position Pan: 200\r\n*s Cameras Camera 1 Position "
                   b"Tilt: -300\r\n*s Cameras Camera 1 Position Zoom: 4000\r\n** end\r\nOK\r\n")
    assert [r.value for r in replies(drain(s))] == [CameraPosition(200, -300, 4000)]


def test_xapi_garbage_inside_a_block_is_a_protocol_error() -> None:
    s = XapiSession()
    s.send("hang_up_all")
    s.receive_data(b"OK\r\n*r DisconnectAllResult (status=OK):\r\n\x00\x1b#!garbage\r\n"
                   b"** end\r\n")
    with pytest.raises(ProtocolError):
        s.next_event()


def test_banner_lines_are_ignored() -> None:
    s = XapiSession()
    s.receive_data(b"Welcome to room-1\r\nSW Release: ce 9.15\r\n\r\n")
    s.send("feedback")
    s.receive_data(b"** end\r\nOK\r\n")
    assert [r.operation for r in replies(drain(s))] == ["feedback"]


@pytest.mark.parametrize("bad", ["1\nxCommand SystemUnit FactoryReset", 'x" y', "", "a b",
                                 "é" * 3])
def test_arguments_that_could_inject_are_refused(bad: str) -> None:
    with pytest.raises(ConfigError):
        XapiSession().send("dial", number=bad, protocol="h323")
    with pytest.raises(ConfigError):
        PolycomSession().send("dial", number=bad, protocol="h323", speed=384)


# -- Poly ----------------------------------------------------------------------------------
def test_poly_dial_ack_then_call_state() -> None:
    s = PolycomSession(device="room-2")
    assert s.send("dial", speed=384, number="5551234", protocol="h323") == \
        b"dial manual 384 5551234 h323\r\n"
    s.receive_data(b"dial manual 384 5551234 h323\n\rdialing manual\r\n")
    assert drain(s) == []          # acknowledged; the call id comes with the first cs: line
    s.receive_data(b"cs: call[44] chan[0] dialstr[5551234] state[RINGING]\r\n"
                   b"active: call[44] speed[384]\r\n")
    items = drain(s)
    assert isinstance(items[0], CallEvent) and items[0].call_id == "44"
    assert isinstance(items[1], Reply)
    assert items[1].value == Call("44", "5551234", CallState.CONNECTING, SignalProtocol.H323)
    assert items[2] == Notice("active: call[44] speed[384]")


def test_poly_echo_is_not_the_acknowledgement() -> None:
    s = PolycomSession()
    s.send("mute")
    s.receive_data(b"mute near on\n")            # LF: echo or not? wait for the next byte
    assert drain(s) == []
    s.receive_data(b"\r")                        # LF CR: the echo, identical text
    assert drain(s) == [] and s.pending == "mute"
    s.receive_data(b"mute near on\r")
    assert drain(s) == []
    s.receive_data(b"\n")                        # CR LF: the acknowledgement
    assert [r.value for r in replies(drain(s))] == [None]


def test_poly_invalid_command_is_echoed_then_refused() -> None:
    s = PolycomSession()
    s.send("preset_activate", preset=5)
    s.receive_data(b"preset near go 5\n\rerror: command not found\r\n")
    with pytest.raises(DeviceError, match="command not found"):
        s.next_event()


def test_poly_callinfo_vectors() -> None:
    s = PolycomSession()
    s.send("calls")
    s.receive_data(b"callinfo all\n\rcallinfo begin\r\n"
                   b"callinfo:43:Hanoi chair:192.168.1.101:384:connected:notmuted:outgoing:"
                   b"videocall\r\ncallinfo end\r\n")
    assert [r.value for r in replies(drain(s))] == [
        [Call("43", "192.168.1.101", CallState.CONNECTED)]]
    s.send("calls")
    s.receive_data(b"callinfo all\n\rsystem is not in a call\r\n")
    assert [r.value for r in replies(drain(s))] == [[]]


def test_poly_hangup_and_clearing_events() -> None:
    s = PolycomSession()
    assert s.send("hang_up", call="42") == b"hangup video 42\r\n"
    s.receive_data(b"hangup video 42\n\rcleared: call[42]\r\nhanging up video\r\n"
                   b"ended: call[42]\r\n")
    items = drain(s)
    assert items[0] == CallEvent("42", CallState.DISCONNECTED, raw="cleared: call[42]")
    assert isinstance(items[1], Reply) and items[1].operation == "hang_up"
    assert items[2] == CallEvent("42", CallState.DISCONNECTED, raw="ended: call[42]")


def test_poly_failed_dial_is_a_device_error() -> None:
    s = PolycomSession()
    s.send("dial", speed=384, number="0000", protocol="sip")
    s.receive_data(b"dial manual 384 0000 sip\n\rdialing manual\r\n"
                   b"cs: call[7] chan[0] dialstr[0000] state[DISCONNECTED]\r\n")
    with pytest.raises(DeviceError, match="call failed"):
        drain(s)


def test_poly_position_and_mute_get() -> None:
    s = PolycomSession()
    s.send("position")
    s.receive_data(b"camera near getposition\n\rcamera near getposition -120 40 300\r\n")
    assert [r.value for r in replies(drain(s))] == [CameraPosition(-120, 40, 300)]
    s.send("mute_state")
    s.receive_data(b"mute near get\n\rmute near off\r\n")
    assert [r.value for r in replies(drain(s))] == [False]


# -- both: arbitrary text never raises anything but typed errors ---------------------------
grammar = st.sampled_from([
    "OK", "ERROR", "** end", "*r DialResult (status=OK):", "*r XResult (status=Error):",
    "    CallId: 9", "    CallId: x", "    Reason: nope", "*s Call 4 Status: Connected",
    "*s Call 4 Status: Weird", '*s Call 4 RemoteNumber: "' + "9" * 300 + '"',
    "*s Audio Microphones Mute: Maybe", "*s Cameras Camera 1 Position Pan: 99999",
    "dialing manual", "cs: call[1] chan[0] dialstr[5551234] state[RINGING]",
    "cs: call[x] state[]", "callinfo begin", "callinfo end", "callinfo:1:a:b:c:d",
    "callinfo:1:n:" + "9" * 300 + ":384:connected:m:o:t", "mute near maybe",
    "camera near getposition 1 2 99999999", "error: nope", "system is not in a call",
])
lines = st.lists(st.one_of(st.text(max_size=60), grammar), max_size=16)
ops = st.sampled_from([None, "calls", "dial", "mute_state", "position", "hang_up_all"])
endings = st.sampled_from(["\r\n", "\n\r", "\n", "\r"])


@settings(max_examples=150, deadline=None)
@given(lines, ops, endings, st.sampled_from([XapiSession, PolycomSession]))
def test_arbitrary_lines_raise_only_typed_errors(
    text: list[str], op: str | None, ending: str,
    kind: type[XapiSession] | type[PolycomSession],
) -> None:
    session = kind()
    if op is not None:
        session.send(op, number="5551234", protocol="h323", speed=384, camera=1)
    try:
        session.receive_data("".join(t + ending for t in text).encode("utf-8", "replace"))
        for _ in range(100):
            if session.next_event() is NEED_DATA:
                break
    except HnthError:
        pass


def test_drivers_are_registered_by_entry_point() -> None:
    from hnth_drivers.registry import get_driver
    from hnth_drivers.vcs.ssh_codec import PolycomCodec, XapiCodec

    assert get_driver("vcs", "xapi") is XapiCodec
    assert get_driver("vcs", "polycom") is PolycomCodec


POLY_TRANSCRIPT = (b"dial manual 384 5551234 h323\n\rdialing manual\r\n"
                   b"cs: call[44] chan[0] dialstr[5551234] state[RINGING]\r\n"
                   b"active: call[44] speed[384]\r\n")
XAPI_TRANSCRIPT = b"*s Call 3 Status: Connecting\r\n** end\r\n" + DIAL_REPLY


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=len(POLY_TRANSCRIPT)), max_size=8),
       st.sampled_from(["polycom", "xapi"]))
def test_any_split_of_the_stream_gives_the_same_items(cuts: list[int], which: str) -> None:
    def run(chunks: list[bytes]) -> list[object]:
        session: DialectSession
        if which == "polycom":
            session = PolycomSession()
            session.send("dial", speed=384, number="5551234", protocol="h323")
        else:
            session = XapiSession()
            session.send("dial", number="543210", protocol="h323")
        items: list[object] = []
        for chunk in chunks:
            session.receive_data(chunk)
            items += drain(session)
        return items

    data = POLY_TRANSCRIPT if which == "polycom" else XAPI_TRANSCRIPT
    points = sorted({min(c, len(data)) for c in cuts} | {0, len(data)})
    chunks = [data[a:b] for a, b in itertools.pairwise(points)]
    assert run(chunks) == run([data])
    assert any(isinstance(i, Reply) for i in run(chunks))


def test_unknown_operation_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        XapiSession().send("set_layout_family")
    with pytest.raises(ConfigError):
        PolycomSession().send("layout", family="equal", target="local")


def test_a_character_split_across_reads_is_decoded_whole() -> None:
    s = XapiSession()
    s.send("calls")
    data = '*s Call 3 RemoteNumber: "Hà Nội"\r\n*s Call 3 Status: Connected\r\n** end\r\nOK\r\n'
    raw = data.encode()
    cut = raw.index("à".encode()) + 1            # inside the two bytes of "à"
    s.receive_data(raw[:cut])
    s.receive_data(raw[cut:])
    assert [r.value for r in replies(drain(s))] == [[Call("3", "Hà Nội", CallState.CONNECTED)]]


@pytest.mark.parametrize("kind", [XapiSession, PolycomSession])
@pytest.mark.parametrize("number", ["5551234\n", "5551234\r\n"])
def test_a_trailing_line_break_cannot_split_a_command(
        kind: type[XapiSession] | type[PolycomSession], number: str) -> None:
    """``$`` also matches before a final newline: the argument check must not, or
    ``Number:5551234\\n Protocol:h323`` reaches the codec as two command lines."""
    with pytest.raises(ConfigError, match="unsafe value"):
        kind().send("dial", number=number, protocol="h323", speed=384)
