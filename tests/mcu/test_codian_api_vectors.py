"""Vectors from the Cisco / Codian MCU API guides (each with its page) against the shared
sans-I/O module hnth_drivers.mcu.codian_api and the XML-RPC codec."""

from __future__ import annotations

import pytest

from hnth_drivers.mcu import codian_api as api
from hnth_drivers.mcu import xmlrpc
from hnth_drivers.model import ConnectionState, LayoutKind, PaneKind

# (code, meaning) - COD30 p53; MCU27 p73; MCU28 p104
FAULTS = [(1, "METHOD_NOT_SUPPORTED"), (2, "DUPLICATE_CONFERENCE_NAME"),
          (3, "DUPLICATE_PARTICIPANT_NAME"), (4, "NO_SUCH_CONFERENCE"),
          (5, "NO_SUCH_PARTICIPANT"), (6, "TOO_MANY_CONFERENCES"),
          (7, "TOO_MANY_PARTICIPANTS"), (8, "NO_CONFERENCE_NAME"),
          (9, "NO_PARTICIPANT_NAME"), (10, "NO_PARTICIPANT_ADDRESS"), (13, "INVALID_PIN"),
          (14, "UNAUTHORISED"), (15, "INSUFFICIENT_PRIVILEGES"),
          (16, "INVALID_ENUMERATE_ID"),
          # public client code (secondary), see docs/mcu.md
          (101, "MISSING_PARAMETER"), (102, "INVALID_PARAMETER"),
          (103, "MALFORMED_PARAMETER")]


@pytest.mark.parametrize(("code", "name"), FAULTS)
def test_fault_codes(code: int, name: str) -> None:
    assert api.FaultCode(code).name == name


def test_documented_fault_reply_parses() -> None:
    # COD201 p5 / MCU28 p15: the fault example, byte for byte in its body
    body = (b"<methodResponse><fault><value><struct><member><name>faultCode</name><value>"
            b"<int>2</int></value></member><member><name>faultString</name><value><string>"
            b"duplicate conference name</string></value></member></struct></value></fault>"
            b"</methodResponse>")
    assert xmlrpc.decode_response(body) == xmlrpc.Fault(2, "duplicate conference name")


# MCU210 p206: callState dormant/alerting/connected/disconnected; callStateEx adds
# proceeding and pending
@pytest.mark.parametrize(("raw", "state"), [
    ("dormant", ConnectionState.DORMANT), ("proceeding", ConnectionState.CONNECTING),
    ("alerting", ConnectionState.ALERTING), ("pending", ConnectionState.PENDING),
    ("connected", ConnectionState.CONNECTED), ("disconnected", ConnectionState.DISCONNECTED),
    ("onTheMoon", ConnectionState.UNKNOWN)])
def test_call_states(raw: str, state: ConnectionState) -> None:
    assert api.call_state(raw) is state


def test_every_documented_state_maps_back() -> None:
    for raw, state in api.CALL_STATES.items():
        assert api.wire_call_state(state, extended=True) == raw
    assert {api.wire_call_state(s, extended=False) for s in ConnectionState} <= {
        "dormant", "alerting", "connected", "disconnected"}


# MCU28 p109; COD30 p57: default, family1..5, layout1..33, conferenceCustom
@pytest.mark.parametrize(("value", "ok"), [
    ("default", True), ("conferenceCustom", True), ("family1", True), ("family5", True),
    ("family6", False), ("layout1", True), ("layout33", True), ("layout34", False),
    ("layout0", False), ("grid2", False), ("", False)])
def test_cp_layout_values(value: str, ok: bool) -> None:
    assert api.is_cp_layout(value) is ok


def test_layout_table_starts_with_full_screen_and_cites_its_source() -> None:
    first = api.LAYOUTS[0]
    assert (first.name, first.pane_count) == ("layout1", 1) and "COD30 p57" in first.source
    assert api.pane_count_of("layout2") is None      # pictures only: no geometry assumed


# MCU28 p52; MCU29 p44: pane types incl. h239, indexes 0..19
def test_pane_types() -> None:
    assert set(api.PANE_TYPES) == {"default", "blank", "loudest", "rolling", "h239",
                                   "participant"}
    assert api.PANE_TYPES["h239"] is PaneKind.CONTENT and api.MAX_PANES == 20


def test_focus_request_for_full_screen() -> None:
    # COD30 p30 / MCU29 p90: activeState + cpLayout + focusType/focusParticipant
    from hnth_drivers.model import Layout
    who = api.identity("c", "hp", "sip", "by_address")
    assert api.focus_request(Layout.full_screen("hp"), who) == {
        "operationScope": "activeState", "cpLayout": "layout1",
        "focusType": "participant", "focusParticipant": who}
    assert api.focus_request(Layout.grid_of(["a", "b"], 2), who) is None
    back = api.layout_from_focus("layout1", "participant", "hp")
    assert back is not None and back.kind is LayoutKind.FULL_SCREEN
    assert api.layout_from_focus("conferenceCustom", None, None) is None


@pytest.mark.parametrize(("text", "version"), [("2.8", (2, 8)), ("2.10", (2, 10)),
                                               ("2.9 ", (2, 9)), ("2", None), ("x.y", None),
                                               (2.1, None)])
def test_api_version_text(text: object, version: tuple[int, int] | None) -> None:
    assert api.parse_api_version(text) == version


def test_version_features() -> None:
    # MCU210 p206 (callStateEx), p133 (statistics deprecates diagnostics), p63 vs MCU28 p52
    assert [api.has_call_state_ex(v) for v in api.API_VERSIONS] == [False, False, True]
    assert [api.uses_statistics(v) for v in api.API_VERSIONS] == [False, False, True]
    assert [api.empty_panes_when_disabled(v) for v in api.API_VERSIONS] == [False, False, True]


def test_date_time_is_sent_as_date_time() -> None:
    body = xmlrpc.encode_response({"currentTime": xmlrpc.DateTime("20130115T10:00:00")})
    assert b"<dateTime.iso8601>20130115T10:00:00</dateTime.iso8601>" in body
