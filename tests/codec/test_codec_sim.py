"""The simulator's dialect front ends against the vendor vectors (docs/codecs.md), no network."""

from __future__ import annotations

import threading

from hnth_drivers.model import CallState
from hnth_drivers.vcs.cli_dialect import NEED_DATA, CallEvent, Reply
from hnth_drivers.vcs.polycom import PolycomSession
from hnth_drivers.vcs.xapi import XapiSession
from hnth_sim.codec import CodecModel, SimCall
from hnth_sim.codec.polycom import PolycomShell
from hnth_sim.codec.xapi import XapiShell


def test_xapi_dial_reply_has_the_documented_shape() -> None:
    shell = XapiShell(CodecModel(connect_delay_s=60))
    out = shell.handle("xCommand Dial Number:543210 Protocol:h323")
    assert out == ("OK\r\n*r DialResult (status=OK):\r\n    CallId: 1\r\n    ConferenceId: 1\r\n"
                   "** end\r\n")
    assert shell.handle("xStatus Call 1 Status") == \
        "*s Call 1 Status: Dialling\r\n** end\r\nOK\r\n"
    shell.model.close()


def test_xapi_status_error_and_unknown_replies() -> None:
    shell = XapiShell(CodecModel())
    assert shell.handle("xStatus Audio Microphones Mute") == \
        "*s Audio Microphones Mute: Off\r\n** end\r\nOK\r\n"
    assert shell.handle("xCommand Call Disconnect CallId:17") == (
        "OK\r\n*r DisconnectCallResult (status=Error):\r\n"
        "    Reason: No active call(s) with CallId 17 found\r\n** end\r\n")
    assert shell.handle("xCommand Camera Preset Activate PresetId:36").startswith(
        "OK\r\n*r CameraPresetActivateResult (status=Error):")
    assert shell.handle("xCommand Nonsense").startswith("*r Result (status=Error):")
    assert shell.handle("xNonsense") == "Command not recognized.\r\nERROR\r\n"
    assert shell.handle("xStatus No Such Path") == "Command not recognized.\r\nERROR\r\n"
    assert shell.handle("xFeedback register /Status/Call") == "** end\r\nOK\r\n"


def test_poly_echo_ack_and_errors() -> None:
    shell = PolycomShell(CodecModel())
    assert shell.handle("mute near on") == "mute near on\n\rmute near on\r\n"
    assert shell.handle("mute near get") == "mute near get\n\rmute near on\r\n"
    assert shell.handle("callinfo all") == "callinfo all\n\rsystem is not in a call\r\n"
    assert shell.handle("frobnicate") == "frobnicate\n\rerror: command not found\r\n"
    assert shell.handle("preset near go 100") == \
        "preset near go 100\n\rerror: invalid preset 100\r\n"


def test_call_state_machine_reaches_connected_and_reports_events() -> None:
    model = CodecModel(connect_delay_s=0.02)
    seen: list[tuple[int, str]] = []
    connected = threading.Event()

    def listener(call: SimCall, old: str) -> None:
        seen.append((call.call_id, call.state))
        if call.state == "Connected":
            connected.set()

    model.subscribe(listener)
    call = model.dial("5551234", "h323")
    assert connected.wait(2.0)
    assert model.hang_up(call.call_id) and not model.hang_up(call.call_id)
    assert seen == [(1, "Connecting"), (1, "Connected"), (1, "Idle")]
    model.close()


def test_simulator_output_is_what_the_driver_parsers_read() -> None:
    model = CodecModel(connect_delay_s=60)
    xapi, xs = XapiShell(model), XapiSession()
    xapi.handle("xFeedback register /Status/Call")
    xs.send("dial", number="543210", protocol="sip")
    xs.receive_data(xapi.handle("xCommand Dial Number:543210 Protocol:sip").encode())
    dialled = xs.next_event()
    assert isinstance(dialled, Reply) and dialled.value.call_id == "1"
    assert xs.next_event() == CallEvent("1", CallState.DIALLING, raw="Call 1 Status: Dialling")
    poly, ps = PolycomShell(model), PolycomSession()
    poly.handle("callstate register")
    ps.send("calls")
    ps.receive_data(poly.handle("callinfo all").encode())
    listed = ps.next_event()
    assert isinstance(listed, Reply) and [c.number for c in listed.value] == ["543210"]
    assert ps.next_event() is NEED_DATA
    model.close()


def test_ramp_runs_pan_and_tilt_together_only() -> None:
    """C90 API guide TC5.0 p84: any other combination runs only the first operation."""
    model = CodecModel()
    shell = XapiShell(model)
    assert "RampResult (status=OK)" in shell.handle(
        "xCommand Camera Ramp CameraId:1 Pan:Left PanSpeed:2 Tilt:Up TiltSpeed:3")
    assert model.ramp_dirs(1) == (-2, 3, 0)
    shell.handle("xCommand Camera Ramp CameraId:1 Zoom:In ZoomSpeed:4 Pan:Right")
    assert model.ramp_dirs(1) == (-2, 3, 4)          # zoom named first: only zoom changed
    shell.handle("xCommand Camera Ramp CameraId:1 Pan:Stop Tilt:Stop Zoom:Stop")
    assert model.ramp_dirs(1) == (0, 0, 4)           # pan/tilt first: zoom still runs
    shell.handle("xCommand Camera Ramp CameraId:1 Zoom:Stop")
    assert model.ramp_dirs(1) == (0, 0, 0)
    assert "status=Error" in shell.handle("xCommand Camera Ramp CameraId:1 Pan:Left PanSpeed:16")
    model.close()


def test_tc_versions_in_the_simulator() -> None:
    tc7, tc1 = XapiShell(CodecModel(), software="tc7.3.6"), XapiShell(CodecModel(),
                                                                       software="tc1.0")
    assert tc7.handle("xStatus Camera 1 Position Pan") == \
        "*s Camera 1 Position Pan: 0\r\n** end\r\nOK\r\n"
    assert "ERROR" in tc7.handle("xStatus Cameras Camera 1 Position Pan")
    assert tc1.handle("xCommand Call DisconnectAll").endswith(
        "*r DisconnectAllResult (status=OK):\r\n*r/end\r\n")
    assert "ERROR" in tc7.handle("xpreferences outputmode json")   # TC: terminal/XML only
    assert "Cisco Codec Release tc7.3.6" in tc7.banner and tc7.banner.endswith("OK\r\n")
