"""Fuzz: whatever bytes arrive, the Codian front end answers a well-formed response."""

from __future__ import annotations

import asyncio

from hypothesis import given, settings
from hypothesis import strategies as st

from hnth_drivers.mcu import xmlrpc
from hnth_drivers.mcu.codian_api import Method
from hnth_sim.mcu.codian_server import CodianApi
from hnth_sim.mcu.model import Network

net = Network(seed=1)
MCU = net.add_mcu("fuzz", ports=4)
API = CodianApi(net, user="admin", password="pw", default_mcu="fuzz")
AUTH = {"authenticationUser": "admin", "authenticationPassword": "pw"}

text = st.text(st.characters(min_codepoint=32, max_codepoint=0x2FF), max_size=8)
methods = st.sampled_from([*(m.value for m in Method), "participant.move", "nope", ""])
member_values = st.one_of(st.none(), st.booleans(), st.integers(-5, 70), text,
                          st.lists(st.dictionaries(st.sampled_from(
                              ["index", "type", "participantName"]),
                              st.one_of(st.integers(-2, 70), text),
                              max_size=3), max_size=3))
structs = st.dictionaries(st.sampled_from(
    ["conferenceName", "participantName", "address", "pin", "enabled", "panes", "cpLayout",
     "audioRxMuted", "enumerateID", "participantProtocol", "participantType",
     "operationScope", "focusType", "focusParticipant", "enumerateFilter",
     "customLayout", "customLayoutEnabled", "moreThanFour"]),
    member_values, max_size=6)


def answer(body: bytes) -> object:
    reply = asyncio.run(API.call(MCU, body))
    return xmlrpc.decode_response(reply)   # raises if the reply is not well-formed


@settings(max_examples=300, deadline=None)
@given(methods, structs)
def test_any_call_gets_a_result_or_a_fault(method: str, struct: dict[str, object]) -> None:
    if not method:
        return
    body = xmlrpc.encode_call(method, [{**AUTH, **struct}])
    got = answer(body)
    assert isinstance(got, dict | xmlrpc.Fault)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_garbage_gets_a_fault(data: bytes) -> None:
    got = answer(data)
    assert isinstance(got, xmlrpc.Fault)
