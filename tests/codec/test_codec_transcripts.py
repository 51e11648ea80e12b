"""Vendor vectors and whole-session transcripts replayed against the parsers (no network).

Each vector names its source; the documents are listed in docs/codecs.md. Keys:
C90-02 = TANDBERG Codec C90 System Integrator Guide D14128.02 (TC1.0, Nov 2008);
C90-03 = same guide D14128.03 (TC2.0, Jul 2009); C90-TC5 = Cisco Codec C90 API Reference
Guide TC5.0 D14641.06; C20-TC70 = Codec C20 API Reference Guide TC7.0 D14869.11;
SX20-TC62 = SX20 API Reference Guide TC6.2 D14949.04; JSX = Cisco's jsxapi (GitHub
cisco-ce/jsxapi: test/data/welcome.txt, test/xapi/rpc.spec.ts, src/backend/tsh.ts);
HDX-A/HDX-B = Integrator's Reference Manual for Polycom HDX Systems (two revisions);
HDX-C = Polycom HDX 9006 Integrator's Manual; GS-A/GS-C = RealPresence Group Series
integrator manuals (2457-23216-002 and the easymanua.ls copy).
Vectors marked (I) are constructed where no document gives a sample.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hnth_drivers.errors import DeviceError, HnthError, ProtocolError
from hnth_drivers.model import Call, CallState, CameraPosition, SignalProtocol
from hnth_drivers.vcs.cli_dialect import NEED_DATA, CallEvent, DialectSession, Notice, Reply
from hnth_drivers.vcs.polycom import (
    POLYCOM,
    POLYCOM_HDX,
    PolycomSession,
    parse_callinfo,
    parse_callstatus,
)
from hnth_drivers.vcs.xapi import Software, XapiSession, flatten, frame_body


def drain(session: DialectSession) -> list[object]:
    items: list[object] = []
    while (item := session.next_event()) is not NEED_DATA:
        items.append(item)
    return items


def reply_of(session: DialectSession) -> Any:
    replies = [i for i in drain(session) if isinstance(i, Reply)]
    assert len(replies) == 1, replies
    return replies[0].value


# -- xAPI vectors ----------------------------------------------------------------------------
WELCOME = (b"Welcome to room-1\r\nCisco Codec Release ce8.1.0 PreAlpha0 4c2d0b3 2016-03-18\r\n"
           b"SW Release Date: 2016-03-18\r\n*r Login successful\r\n\r\nOK\r\n")   # JSX welcome


def logged_in(banner: bytes) -> XapiSession:
    session = XapiSession(device="room-1")
    session.await_login()
    session.receive_data(banner)
    reply_of(session)
    return session


def test_banner_names_the_software() -> None:
    session = XapiSession()
    session.await_login()
    session.receive_data(WELCOME[:40])
    assert drain(session) == []                    # the reply is the line OK
    session.receive_data(WELCOME[40:])
    assert reply_of(session) == Software("ce", 8, 1)
    assert session.software is not None and session.software.json
    assert Software.from_banner("Cisco Codec Release TC7.3.6.01d2b5f") == Software("tc", 7, 3)
    assert Software.from_banner("Cisco Codec Release TC1.0.0") == Software("tc", 1, 0)
    assert Software.from_banner("Welcome to room-1") is None


def test_versions_choose_block_end_camera_path_and_values() -> None:
    tc1, tc5, tc7, ce = (Software("tc", 1), Software("tc", 5), Software("tc", 7),
                         Software("ce", 9))
    assert tc1.block_end == "*r/end"               # C90-02 p70
    assert tc5.block_end == tc7.block_end == ce.block_end == "** end"   # C90-TC5 p84
    assert "EarlyMedia" not in tc5.call_states     # C90-03 p94 (2009 value space)
    assert "EarlyMedia" in tc7.call_states         # SX20-TC62 p121
    assert not tc7.json and ce.json                # TC7 guides: Terminal and XML only
    assert XapiSession(tc7.dialect).dialect.render("position", camera=1) == \
        "xStatus Camera 1 Position\n"
    assert XapiSession(ce.dialect).dialect.render("position", camera=1) == \
        "xStatus Cameras Camera 1 Position\n"


def test_dial_vector_c20_tc70_p92() -> None:
    s = logged_in(WELCOME)
    assert s.send("dial", number="543210", protocol="H323") == \
        b"xCommand Dial Number:543210 Protocol:H323\n"
    s.receive_data(b"OK\r\n*r DialResult (status=OK):\r\n    CallId: 2\r\n    ConferenceId: 1\r\n"
                   b"** end\r\n")
    assert reply_of(s) == Call("2", "543210", CallState.DIALLING, SignalProtocol.H323)


@pytest.mark.parametrize(("operation", "args", "name"), [
    ("hang_up", {"call": "3"}, "DisconnectCallResult"),            # C90-03 p76
    ("hang_up_all", {}, "DisconnectAllResult"),                     # C90-03 p76
    ("preset_activate", {"preset": 1}, "CameraPresetActivateResult"),  # SX20-TC70 p92
    ("position_set", {"camera": 1, "pan": 200, "tilt": 300, "zoom": 0},
     "CameraPositionSetResult"),                                    # C90-TC5 p84
    ("ramp_stop", {"camera": 1}, "RampResult"),                     # C90-TC5 p84
])
def test_result_names_as_documented(operation: str, args: dict[str, object], name: str) -> None:
    s = logged_in(WELCOME)
    s.send(operation, **args)
    s.receive_data(f"OK\r\n*r {name} (status=OK):\r\n** end\r\n".encode())
    assert reply_of(s) is None
    s.send(operation, **args)                      # another command's result: out of step
    s.receive_data(b"OK\r\n*r DialResult (status=OK):\r\n    CallId: 1\r\n** end\r\n")
    with pytest.raises(ProtocolError, match="another command"):
        drain(s)


def test_ramp_never_combines_zoom_with_pan_or_tilt() -> None:       # C90-TC5 p84
    s = logged_in(WELCOME)
    rendered = {op: s.dialect.render(op, camera=1, pan="Left", tilt="Up", pan_speed=3,
                                     tilt_speed=3, zoom="In", speed=3)
                for op in ("ramp", "ramp_stop", "ramp_zoom", "ramp_zoom_stop")}
    for op, line in rendered.items():
        has_pt = "Pan:" in line or "Tilt:" in line
        assert not (has_pt and "Zoom:" in line), (op, line)
    assert rendered["ramp_stop"] == "xCommand Camera Ramp CameraId:1 Pan:Stop Tilt:Stop\n"
    assert rendered["ramp_zoom_stop"] == "xCommand Camera Ramp CameraId:1 Zoom:Stop\n"


def test_call_status_vector_c90_03_p94() -> None:
    s = logged_in(WELCOME)
    s.send("calls")
    s.receive_data(b'*s Call 27 Status: Connected\r\n*s Call 27 Direction: Outgoing\r\n'
                   b'*s Call 27 Protocol: "sip"\r\n*s Call 27 RemoteNumber: "firstname.lastname@'
                   b'company.com"\r\n*s Call 27 CallbackNumber: "sip:firstname.lastname@'
                   b'company.com"\r\n*s Call 27 DisplayName: "firstname.lastname@company.com"'
                   b'\r\n*s Call 27 CallRate: 968\r\n*s Call 27 Encryption Type: "None"\r\n'
                   b"*s Call 27 PlacedOnHold: False\r\n** end\r\nOK\r\n")
    assert reply_of(s) == [Call("27", "firstname.lastname@company.com", CallState.CONNECTED,
                                SignalProtocol.SIP)]


def test_error_result_with_reason() -> None:        # third-party driver text (S)
    s = logged_in(WELCOME)
    s.send("mute")
    s.receive_data(b'OK\r\n*r AudioMicrophonesMuteResult (status=Error):\r\n'
                   b'    Reason: "insufficient permission"\r\n** end\r\n')
    with pytest.raises(DeviceError, match="insufficient permission") as info:
        drain(s)
    assert info.value.device == "room-1" and info.value.operation == "mute"


def test_json_shapes_from_jsxapi() -> None:         # JSX test/xapi/rpc.spec.ts
    s = logged_in(WELCOME)
    assert s.use_json() == b"xpreferences outputmode json\n"
    assert s.send("mute_state") == b'xStatus Audio Microphones Mute | resultId="1"\n'
    s.receive_data(b'{"ResultId":"1","Status":{"Audio":{"Microphones":{"Mute":{"Value":"On"}}}}}'
                   b"\n")
    assert reply_of(s) is True
    s.send("calls")                                  # an empty status: {} plus ResultId
    s.receive_data(b'{"ResultId":"2"}\n')
    assert reply_of(s) == []
    s.send("dial", number="5551234", protocol="Sip")
    s.receive_data(b'{"CommandResponse":{"DialResult":{"status":"OK","CallId":{"Value":"4"},'
                   b'"ConferenceId":{"Value":"1"}}},"ResultId":"3"}')
    assert reply_of(s).call_id == "4"
    s.send("hang_up_all")                            # unknown command shape
    s.receive_data(b'{"CommandResponse":{"Result":{"status":"Error","Reason":{"Value":'
                   b'"Unknown command"},"XPath":{"Value":"/foo/bar"}}},"ResultId":"4"}')
    with pytest.raises(DeviceError, match="Unknown command") as info:
        drain(s)
    assert info.value.code == "/foo/bar"


def test_json_pretty_printed_feedback_and_stale_replies() -> None:
    s = logged_in(WELCOME)
    s.use_json()
    s.send("calls")
    s.receive_data(b'{\n  "Status": {\n    "Call": [\n      {\n        "id": "3",\n'
                   b'        "Status": {"Value": "Connected"}\n      }\n    ]\n  }\n}\n'
                   b'{"ResultId":"0","Status":{}}\n')
    items = drain(s)
    assert CallEvent("3", CallState.CONNECTED, raw="Call 3 Status: Connected") in items
    assert any(isinstance(i, Notice) and "another request" in i.text for i in items)
    assert s.pending == "calls"
    s.receive_data(b'{"ResultId":"1","Status":{"Call":[{"id":"3","RemoteNumber":{"Value":'
                   b'"55"},"Status":{"Value":"Connected"}}]}}\n')
    assert reply_of(s) == [Call("3", "55", CallState.CONNECTED)]


def test_multi_line_body_frame() -> None:             # JSX src/backend/tsh.ts
    framed = frame_body('xCommand Foo Bar | resultId="1"', "line 1\nHà Nội")
    first, rest = framed.split("\n", 1)
    assert first == f"{{{len(rest.encode('utf-8'))}}} "
    assert rest == 'xCommand Foo Bar | resultId="1"\nline 1\nHà Nội\n'


# -- xAPI transcripts -------------------------------------------------------------------------
TC7_BANNER = (b"Welcome to room-2\r\nCisco Codec Release TC7.3.6.01d2b5f\r\n"
              b"SW Release Date: 2016-01-01\r\n*r Login successful\r\n\r\nOK\r\n")
TC1_BANNER = (b"Welcome to room-3\r\nCisco Codec Release TC1.0.0\r\n*r Login successful\r\n"
              b"\r\nOK\r\n")

# (operation, args, bytes sent, bytes received, expected value)
TC7_SESSION: list[tuple[str, dict[str, object], bytes, bytes, object]] = [
    ("echo_off", {}, b"echo off\n", b"OK\r\n", None),
    ("feedback", {}, b"xFeedback register /Status/Call\n", b"** end\r\nOK\r\n", None),
    ("dial", {"number": "543210", "protocol": "H323"},
     b"xCommand Dial Number:543210 Protocol:H323\n",
     b"OK\r\n*r DialResult (status=OK):\r\n    CallId: 2\r\n    ConferenceId: 1\r\n** end\r\n"
     b"*s Call 2 Status: Dialling\r\n** end\r\n",
     Call("2", "543210", CallState.DIALLING, SignalProtocol.H323)),
    ("position", {"camera": 1}, b"xStatus Camera 1 Position\n",   # TC path (issue #14)
     b"*s Camera 1 Position Pan: 514\r\n*s Camera 1 Position Tilt: -20\r\n"
     b"*s Camera 1 Position Zoom: 0\r\n** end\r\nOK\r\n", CameraPosition(514, -20, 0)),
    ("calls", {}, b"xStatus Call\n",
     b"*s Call 2 Status: EarlyMedia\r\n** end\r\nOK\r\n",      # TC6.2+ value (SX20-TC62)
     [Call("2", "unknown", CallState.CONNECTING)]),
    ("hang_up_all", {}, b"xCommand Call DisconnectAll\n",
     b"OK\r\n*r DisconnectAllResult (status=OK):\r\n** end\r\n*s Call 2 (ghost=True):\r\n"
     b"** end\r\n", None),
]
# TC1.0 (C90-02 p70): the same grammar, blocks end with *r/end.
TC1_SESSION = [(op, args, sent, received.replace(b"** end", b"*r/end"), value)
               for op, args, sent, received, value in TC7_SESSION if op != "calls"]
CE_SESSION = [(op, args, sent.replace(b"xStatus Camera 1", b"xStatus Cameras Camera 1"),
               received.replace(b"*s Camera 1", b"*s Cameras Camera 1"), value)
              for op, args, sent, received, value in TC7_SESSION]


@pytest.mark.parametrize(("banner", "session"), [
    (TC7_BANNER, TC7_SESSION), (TC1_BANNER, TC1_SESSION), (WELCOME, CE_SESSION)],
    ids=["tc7", "tc1", "ce8-terminal"])
def test_xapi_transcripts(banner: bytes, session: list[tuple[str, dict[str, object], bytes,
                                                                  bytes, object]]) -> None:
    s = logged_in(banner)
    events = []
    for operation, args, sent, received, value in session:
        assert s.send(operation, **args) == sent
        s.receive_data(received)
        items = drain(s)
        replies = [i.value for i in items if isinstance(i, Reply)]
        assert replies == [value], operation
        events += [i for i in items if isinstance(i, CallEvent)]
    assert [e.state for e in events] == [CallState.DIALLING, CallState.DISCONNECTED]


def test_wrong_version_answers_are_typed_errors() -> None:
    s = logged_in(TC7_BANNER)
    s.send("position", camera=1)                     # a CE path where TC's was asked
    s.receive_data(b"*s Cameras Camera 1 Position Pan: 1\r\n** end\r\nOK\r\n")
    with pytest.raises(ProtocolError, match="status value missing") as info:
        drain(s)
    assert info.value.device == "room-1" and info.value.operation == "position"
    s.send("calls")                                  # a value no version documents
    s.receive_data(b"*s Call 1 Status: Frobbing\r\n** end\r\nOK\r\n")
    with pytest.raises(ProtocolError, match="unknown call status"):
        drain(s)
    s.send("mute_state")                             # still in step afterwards
    s.receive_data(b"*s Audio Microphones Mute: Off\r\n** end\r\nOK\r\n")
    assert reply_of(s) is False


def test_ce_json_transcript() -> None:
    s = logged_in(WELCOME)
    assert s.send("echo_off") == b"echo off\n"
    s.receive_data(b"OK\r\n")
    assert reply_of(s) is None
    s.use_json()
    s.receive_data(b"OK\r\n")                       # whatever the mode switch answers
    assert s.send("feedback") == b'xFeedback register /Status/Call | resultId="1"\n'
    s.receive_data(b'{"ResultId":"1"}\n')
    assert reply_of(s) is None
    s.send("position", camera=1)
    s.receive_data(b'{"Status":{"Call":[{"id":"2","Status":{"Value":"Connected"}}]}}\n'
                   b'{"ResultId":"2","Status":{"Cameras":{"Camera":[{"id":"1","Position":'
                   b'{"Pan":{"Value":"-300"},"Tilt":{"Value":"20"},"Zoom":{"Value":"4000"}}}]}}}'
                   b"\n")
    items = drain(s)
    assert items[0] == CallEvent("2", CallState.CONNECTED, raw="Call 2 Status: Connected")
    assert isinstance(items[1], Reply) and items[1].value == CameraPosition(-300, 20, 4000)
    s.send("hang_up_all")
    s.receive_data(b'{"Status":{"Call":[{"id":"2","ghost":"True"}]}}\n'
                   b'{"CommandResponse":{"DisconnectAllResult":{"status":"OK"}},"ResultId":"3"}\n')
    items = drain(s)
    assert items[0] == CallEvent("2", CallState.DISCONNECTED, raw="Call 2 ghost")
    assert isinstance(items[1], Reply)


@pytest.mark.parametrize("bad", [b"{\"ResultId\": \"1\", \x00garbage\n", b"{not json}\n",
                                 b"\x00\x1b[7m#!garbage\x7f\r\n"])
def test_json_garbage_is_a_protocol_error(bad: bytes) -> None:
    s = logged_in(WELCOME)
    s.use_json()
    s.send("calls")
    s.receive_data(bad)
    s.receive_data(b"}\n")
    with pytest.raises(ProtocolError):
        drain(s)


# -- Poly vectors ------------------------------------------------------------------------------
def test_echo_and_acknowledgement_hdx_a_p105() -> None:
    s = PolycomSession(POLYCOM_HDX)
    assert s.send("camera_select", camera=2) == b"camera near 2\r\n"
    s.receive_data(b"camera near 2\n\r")            # the echo
    assert drain(s) == [] and s.pending == "camera_select"
    s.receive_data(b"camera near 2\r\n")            # the acknowledgement
    assert reply_of(s) is None


CALLINFO_9 = "callinfo:43:Polycom HDX Demo:192.168.1.101:384:connected:notmuted:outgoing:videocall"
CALLINFO_8 = "callinfo:36:192.168.1.102:256:connected:muted:outgoing:videocall"


def test_callinfo_lines_hdx_a_p4_62_and_gs_a_p85() -> None:
    assert parse_callinfo(CALLINFO_9) == Call("43", "192.168.1.101", CallState.CONNECTED)
    assert parse_callinfo(CALLINFO_8) == Call("36", "192.168.1.102", CallState.CONNECTED)
    group = CALLINFO_9.replace("Polycom HDX Demo", "Polycom Group Series Demo")
    assert parse_callinfo(group) == Call("43", "192.168.1.101", CallState.CONNECTED)
    # (I) SIP addresses carry colons, with and without a far-site name
    assert parse_callinfo("callinfo:7:Hanoi:sip:chair@hn.gov.vn:5061:512:connected:notmuted:"
                          "outgoing:videocall") == Call("7", "sip:chair@hn.gov.vn:5061",
                                                        CallState.CONNECTED, SignalProtocol.SIP)
    assert parse_callinfo("callinfo:8:sip:chair@hn.gov.vn:512:connected:notmuted:outgoing:"
                          "videocall") == Call("8", "sip:chair@hn.gov.vn", CallState.CONNECTED,
                                               SignalProtocol.SIP)
    assert parse_callinfo("callinfo:9:x:384") is None


def test_one_odd_line_never_breaks_the_call_list() -> None:
    s = PolycomSession()
    s.send("calls")
    s.receive_data(f"callinfo all\n\rcallinfo begin\r\n{CALLINFO_9}\r\n"
                   "callinfo:44:broken line\r\n"
                   f"{CALLINFO_8}\r\ncallinfo end\r\n".encode())
    assert [c.call_id for c in reply_of(s)] == ["43", "36"]
    assert s.skipped == ["callinfo:44:broken line"]


def test_callstatus_notifications_hdx_b_p238() -> None:
    opened = parse_callstatus("notification:callstatus:outgoing:45:null 1::opened::0:videocall")
    assert opened is not None and (opened.call_id, opened.state, opened.number) == (
        "45", CallState.DIALLING, None)
    up = parse_callstatus("notification:callstatus:outgoing:34:Polycom HDX Demo:"
                          "192.168.1.101:connected:384:0:videocall")
    assert up is not None and (up.call_id, up.state, up.number) == (
        "34", CallState.CONNECTED, "192.168.1.101")
    assert parse_callstatus("notification:mutestatus:near:near:near:near:muted") is None


@pytest.mark.parametrize("answer", ["notify callstatus success",
                                    "event/notification already active:callstatus",
                                    "info: event/notification already active:callstatus"])
def test_notify_answers_hdx_b_p238(answer: str) -> None:
    s = PolycomSession()
    assert s.send("notify") == b"notify callstatus\r\n"
    s.receive_data(f"notify callstatus\n\r{answer}\r\n".encode())
    assert reply_of(s) is None


def test_hdx_dial_transcript_hdx_c_p222() -> None:
    s = PolycomSession(POLYCOM_HDX)
    s.send("dial", speed=64, number="5551212", protocol="h323")
    s.receive_data(b"dial manual 64 5551212 h323\n\rdialing manual\r\n"
                   b"cs: call[44] chan[0] dialstr[5551212] state[ALLOCATED]\r\n"
                   b"cs: call[44] chan[0] dialstr[5551212] state[RINGING]\r\n"
                   b"cs: call[44] chan[0] dialstr[5551212] state[BONDING]\r\n"
                   b"cs: call[44] chan[0] dialstr[5551212] state[COMPLETE]\r\n"
                   b"active: call[44] speed[384]\r\n")
    items = drain(s)
    assert [i.value for i in items if isinstance(i, Reply)] == [
        Call("44", "5551212", CallState.DIALLING, SignalProtocol.H323)]
    assert [i.state for i in items if isinstance(i, CallEvent)] == [
        CallState.DIALLING, CallState.CONNECTING, CallState.CONNECTING, CallState.CONNECTED]


def test_group_sip_not_enabled_gs_c_p178() -> None:
    s = PolycomSession(POLYCOM)
    s.send("dial", speed=384, number="1234", protocol="sip")
    s.receive_data(b"dial manual 384 1234 sip\n\rinfo: IP line (SIP) not enabled.\r\n")
    with pytest.raises(DeviceError, match="not enabled"):
        drain(s)


# -- Poly transcripts --------------------------------------------------------------------------
HDX_SESSION: list[tuple[str, dict[str, object], bytes, bytes, object]] = [
    ("notify", {}, b"notify callstatus\r\n",
     b"notify callstatus\n\rnotify callstatus success\r\n", None),
    ("continuous", {}, b"camera near move continuous\r\n",       # HDX-B p4-32: feedback
     b"camera near move continuous\n\rcamera near move continuous\r\n", None),
    ("camera_select", {"camera": 5}, b"camera near 5\r\n",
     b"camera near 5\n\rcamera near 5\r\n", None),
    ("move", {"direction": "left"}, b"camera near move left\r\n", b"", None),   # no feedback
    ("move", {"direction": "stop"}, b"camera near move stop\r\n",
     b"camera near move left\n\rcamera near move stop\n\r", None),   # late echoes: ignored
    ("preset_store", {"preset": 2}, b"preset near set 2\r\n",    # HDX-A p4-250
     b"preset near set 2\n\rpreset near set 2\r\n", None),
    ("preset_activate", {"preset": 1}, b"preset near go 1\r\n",
     b"preset near go 1\n\rpreset near go 1\r\n", None),
    ("far_preset_activate", {"preset": 15}, b"preset far go 15\r\n",
     b"preset far go 15\n\rpreset far go 15\r\n", None),
    ("calls", {}, b"callinfo all\r\n",
     f"callinfo all\n\rcallinfo begin\r\n{CALLINFO_9}\r\n{CALLINFO_8}\r\n"
     "callinfo end\r\n".encode(),
     [Call("43", "192.168.1.101", CallState.CONNECTED),
      Call("36", "192.168.1.102", CallState.CONNECTED)]),
]
GROUP_SESSION: list[tuple[str, dict[str, object], bytes, bytes, object]] = [
    ("notify", {}, b"notify callstatus\r\n",
     b"notify callstatus\n\rinfo: event/notification already active:callstatus\r\n", None),
    ("camera_select", {"camera": 4}, b"camera near 4\r\n",
     b"camera near 4\n\rcamera near 4\r\n", None),
    ("move", {"direction": "zoom+"}, b"camera near move zoom+\r\n", b"", None),
    ("mute", {}, b"mute near on\r\n",
     b"camera near move zoom+\n\rmute near on\n\r"
     b"notification:callstatus:outgoing:34:Polycom Group Series Demo:192.168.1.101:"
     b"connected:384:0:videocall\r\nmute near on\r\n", None),
    ("calls", {}, b"callinfo all\r\n", b"callinfo all\n\rsystem is not in a call\r\n", []),
]


@pytest.mark.parametrize(("dialect", "session"), [(POLYCOM_HDX, HDX_SESSION),
                                                  (POLYCOM, GROUP_SESSION)],
                         ids=["hdx", "group"])
def test_poly_transcripts(dialect: Any, session: list[tuple[str, dict[str, object], bytes,
                                                               bytes, object]]) -> None:
    s = PolycomSession(dialect, device="room-9")
    for operation, args, sent, received, value in session:
        assert s.send(operation, **args) == sent
        s.receive_data(received)
        replies = [i.value for i in drain(s) if isinstance(i, Reply)]
        assert replies == [value], operation
        assert s.pending is None


def test_preset_ranges_and_camera_counts() -> None:
    assert POLYCOM.tables["presets"] == {"min": 0, "max": 99}      # HDX-A p4-250
    assert POLYCOM.tables["far_presets"] == {"min": 0, "max": 15}
    assert POLYCOM_HDX.tables["cameras"]["max"] == 6               # HDX-B p4-32
    assert POLYCOM.tables["cameras"]["max"] == 4                   # GS-C p154
    assert POLYCOM.tables["pacing_s"]["default"] == 0.2            # HDX-C p130


def test_json_late_reply_after_abandon_is_stale() -> None:
    s = logged_in(WELCOME)
    s.use_json()
    s.send("mute_state")
    assert s.resumable
    s.abandon()                                      # the driver's deadline passed
    s.send("calls")
    s.receive_data(b'{"ResultId":"1","Status":{"Audio":{"Microphones":{"Mute":{"Value":"On"}}}}}'
                   b'\n{"ResultId":"2"}\n')
    items = drain(s)
    assert isinstance(items[0], Notice) and "another request" in items[0].text
    assert isinstance(items[1], Reply) and items[1].value == []
    assert not logged_in(TC7_BANNER).resumable       # terminal replies are untagged


JSON_PIECES = ['{"ResultId":"1"}', '{"ResultId":"1","Status":{"Call":[{"id":"x"}]}}',
               '{"CommandResponse":{"DialResult":{"status":"OK"}},"ResultId":"1"}',
               '{"CommandResponse":[],"ResultId":"1"}', '{"Status":{"Call":[{"id":"2",'
               '"Status":{"Value":"Weird"}}]}}', '{"ResultId":"1","Status":[1,{"a":null}]}',
               "OK", "ERROR", "{", "}", '"\\"{', "\x00", "[]", '{"a":"\\u00e9"}']


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(JSON_PIECES), st.text(max_size=30)), max_size=12),
       st.sampled_from(["calls", "dial", "mute_state", "position", "hang_up_all"]))
def test_json_mode_raises_only_typed_errors(pieces: list[str], operation: str) -> None:
    s = logged_in(WELCOME)
    s.use_json()
    s.send(operation, number="5551234", protocol="H323", camera=1)
    try:
        s.receive_data("\n".join(pieces).encode("utf-8", "replace"))
        for _ in range(100):
            if s.next_event() is NEED_DATA:
                break
    except HnthError:
        pass


def test_json_vectors_jsx_rpc_spec() -> None:
    """The status, array and configuration-error examples of jsxapi's rpc.spec.ts."""
    assert list(flatten({"Audio": {"Volume": {"Value": "30"}}})) == [("Audio Volume", "30")]
    assert list(flatten({"OptionKey": [{"id": "1", "Active": {"Value": "False"}}]})) == [
        ("OptionKey 1 Active", "False")]
    s = logged_in(WELCOME)
    s.use_json()
    s.send("layout", target="local", family="equal")
    s.receive_data(b'{"CommandResponse":{"Configuration":{"status":"Error","Reason":{"Value":'
                   b'"No match on address expression."},"XPath":{"Value":"Configuration/Video/'
                   b'Output/Connector[99]/MonitorRole"}}},"ResultId":"1"}\n')
    with pytest.raises(DeviceError, match="No match on address expression") as info:
        drain(s)
    assert info.value.code == "Configuration/Video/Output/Connector[99]/MonitorRole"


def test_event_lines_are_notices() -> None:
    s = logged_in(TC7_BANNER)
    s.receive_data(b"*e CallDisconnect CauseValue: 1\r\n** end\r\n")
    assert drain(s) == [Notice("*e CallDisconnect CauseValue: 1")]


JSON_STREAM = (b'{"Status":{"Call":[{"id":"2","Status":{"Value":"Connected"}}]}}\r\n'
               b'{\n "ResultId": "1",\n "Status": {"Cameras": {"Camera": [{"id": "1", "Position":'
               b' {"Pan": {"Value": "-3"}, "Tilt": {"Value": "4"}, "Zoom": {"Value": "5"}}}]}}\n}'
               b'\r\n')


def test_json_stream_split_anywhere_gives_the_same_items() -> None:
    def run(chunks: list[bytes]) -> list[object]:
        s = logged_in(WELCOME)
        s.use_json()
        s.send("position", camera=1)
        items: list[object] = []
        for chunk in chunks:
            s.receive_data(chunk)
            items += drain(s)
        return items

    whole = run([JSON_STREAM])
    assert [i.value for i in whole if isinstance(i, Reply)] == [CameraPosition(-3, 4, 5)]
    for cut in range(1, len(JSON_STREAM)):
        assert run([JSON_STREAM[:cut], JSON_STREAM[cut:]]) == whole
