"""Well-formed XML-RPC with the wrong shapes: every public method raises ProtocolError,
never a raw AttributeError / ValueError / TypeError from inside the driver."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from hnth_drivers.errors import HnthError, ProtocolError
from hnth_drivers.mcu import xmlrpc
from hnth_drivers.mcu.codian import CodianMcu, CodianOptions
from hnth_drivers.model import ConnectionState
from hnth_drivers.security.secrets import Secret
from hnth_drivers.transport.https import TlsTrust
from hnth_sim.mcu.http import HttpRequest, HttpResponse, HttpsServer
from hnth_sim.mcu.tls import ensure_tls, server_context

from .conftest import PASSWORD

# method -> the value the hostile MCU answers with
Replies = dict[str, Any]


@pytest.fixture
async def hostile(tls_dir: Path) -> AsyncIterator[tuple[str, Path, Replies]]:
    replies: Replies = {"device.query": {"apiVersion": "2.10", "totalVideoPorts": 10}}

    async def handle(request: HttpRequest) -> HttpResponse:
        method, _ = xmlrpc.decode_call(request.body)
        return HttpResponse(200, xmlrpc.encode_response(replies.get(method, {})))

    files = ensure_tls(tls_dir)
    server = HttpsServer(server_context(files))
    server.mount(handle)
    host, port = await server.start()
    try:
        yield f"https://{host}:{port}/RPC2", files.ca_cert, replies
    finally:
        await server.close()


CASES: list[tuple[str, str, Any, Callable[[CodianMcu], Awaitable[object]]]] = [
    ("conference item not a struct", "conference.enumerate", {"conferences": ["x"]},
     lambda m: m.conferences()),
    ("uniqueId not an integer", "conference.enumerate",
     {"conferences": [{"conferenceName": "c", "uniqueId": "many"}]},
     lambda m: m.conferences()),
    ("conferenceActive a struct", "conference.enumerate",
     {"conferences": [{"conferenceName": "c", "conferenceActive": {}}]},
     lambda m: m.conferences()),
    ("participant item not a struct", "participant.enumerate", {"participants": [7]},
     lambda m: m.participants("c")),
    ("participant without its protocol", "participant.enumerate",
     {"participants": [{"conferenceName": "c", "participantName": "p",
                        "participantType": "by_address"}]},
     lambda m: m.participants("c")),
    ("currentState not a struct", "participant.enumerate",
     {"participants": [{"conferenceName": "c", "participantName": "p",
                        "participantProtocol": "h323", "participantType": "by_address",
                        "currentState": "up"}]},
     lambda m: m.participants("c")),
    ("pane not a struct", "conference.paneplacement.query",
     {"enabled": True, "panes": ["pane"]}, lambda m: m.layout("c")),
    ("pane of an unknown type", "conference.paneplacement.query",
     {"enabled": True, "panes": [{"index": 0, "type": "hologram"}]}, lambda m: m.layout("c")),
    ("enabled missing", "conference.paneplacement.query", {"panes": []},
     lambda m: m.layout("c")),
    ("totalVideoPorts missing", "device.query", {"apiVersion": "2.10"},
     lambda m: m.capacity()),
]


@pytest.mark.parametrize(("why", "method", "reply", "call"), CASES,
                         ids=[case[0] for case in CASES])
async def test_wrong_shapes_are_protocol_errors(
        hostile: tuple[str, Path, Replies], why: str, method: str, reply: Any,
        call: Callable[[CodianMcu], Awaitable[object]]) -> None:
    url, ca, replies = hostile
    replies[method] = reply
    mcu = CodianMcu(url, password=Secret(PASSWORD),
                    trust=TlsTrust(ca_file=ca),
                    options=CodianOptions(timeout_s=5))
    async with mcu:
        with pytest.raises(ProtocolError) as info:
            await call(mcu)
    assert isinstance(info.value, HnthError) and info.value.operation == method
    assert info.value.device == mcu.device
    assert "member" in info.value.message or "struct" in str(info.value.expected)


async def test_an_unreadable_api_version_fails_open(
        hostile: tuple[str, Path, Replies]) -> None:
    url, ca, replies = hostile
    replies["device.query"] = {"apiVersion": "two point ten", "totalVideoPorts": 10}
    mcu = CodianMcu(url, password=Secret(PASSWORD), trust=TlsTrust(ca_file=ca))
    with pytest.raises(ProtocolError, match="apiVersion"):
        await mcu.open()


async def test_one_odd_participant_does_not_hide_the_others(
        hostile: tuple[str, Path, Replies]) -> None:
    url, ca, replies = hostile
    who = {"conferenceName": "c", "participantProtocol": "h323",
           "participantType": "by_address"}
    replies["participant.enumerate"] = {"participants": [
        {**who, "participantName": "odd", "currentState": {"callStateEx": "teleporting"}},
        {**who, "participantName": "ok", "currentState": {"callStateEx": "alerting"},
         "configuredState": {"address": "10.0.0.9"}}]}
    async with CodianMcu(url, password=Secret(PASSWORD), trust=TlsTrust(ca_file=ca)) as mcu:
        odd, ok = await mcu.participants("c")
    assert odd.state is ConnectionState.UNKNOWN and odd.raw_state == "teleporting"
    assert ok.state is ConnectionState.ALERTING and ok.address == "10.0.0.9"
