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
from hnth_drivers.security.secrets import Secret
from hnth_drivers.transport.https import TlsTrust
from hnth_sim.mcu.http import HttpRequest, HttpResponse, HttpsServer
from hnth_sim.mcu.tls import ensure_tls, server_context

from .conftest import PASSWORD

# method -> the value the hostile MCU answers with
Replies = dict[str, Any]


@pytest.fixture
async def hostile(tls_dir: Path) -> AsyncIterator[tuple[str, Path, Replies]]:
    replies: Replies = {"device.query": {"portsVideoTotal": 10, "portsVideoFree": 5}}

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
    ("participantCount not a number", "conference.enumerate",
     {"conferences": [{"conferenceName": "c", "participantCount": "many"}]},
     lambda m: m.conferences()),
    ("participantCount a struct", "conference.enumerate",
     {"conferences": [{"conferenceName": "c", "participantCount": {}}]},
     lambda m: m.conferences()),
    ("participant item not a struct", "participant.enumerate", {"participants": [7]},
     lambda m: m.participants("c")),
    ("pane not a struct", "conference.paneplacement.query",
     {"cpLayout": "layout2", "panes": ["pane"]}, lambda m: m.layout("c")),
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
