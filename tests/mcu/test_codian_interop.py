"""Interop: Python's own xmlrpc.client (a client we did not write) against the simulator."""

from __future__ import annotations

import asyncio
import ssl
import xmlrpc.client
from typing import Any

import pytest

from hnth_sim.mcu.codian_server import CodianServer
from hnth_sim.mcu.model import Network

from .conftest import PASSWORD

pytestmark = pytest.mark.interop

AUTH = {"authenticationUser": "admin", "authenticationPassword": PASSWORD}


def proxy(server: CodianServer, path: str | None = None) -> xmlrpc.client.ServerProxy:
    ctx = ssl.create_default_context(cafile=str(server.ca_file))
    return xmlrpc.client.ServerProxy(server.url(path), context=ctx)


async def call(server: CodianServer, method: str, params: dict[str, Any],
               mcu: str | None = None) -> Any:
    def run() -> Any:
        with proxy(server, mcu) as p:
            return getattr(p, method)({**AUTH, **params})
    return await asyncio.to_thread(run)


async def fault_of(server: CodianServer, method: str, params: dict[str, Any]) -> int:
    with pytest.raises(xmlrpc.client.Fault) as err:
        await call(server, method, params)
    return err.value.faultCode


async def test_documented_methods_and_members(server: CodianServer, network: Network) -> None:
    created = await call(server, "conference.create", {"conferenceName": "national"})
    assert created["status"] == "operation successful"
    listed = await call(server, "conference.enumerate", {})
    assert [c["conferenceName"] for c in listed["conferences"]] == ["national"]
    assert "enumerateID" not in listed
    await call(server, "participant.add", {
        "conferenceName": "national", "participantName": "chair", "address": "10.0.0.1",
        "participantProtocol": "h323", "participantType": "by_address"})
    await call(server, "participant.add", {
        "conferenceName": "national", "participantName": "hp", "address": "10.0.0.2",
        "participantProtocol": "sip"})
    await call(server, "conference.paneplacement.modify", {
        "conferenceName": "national", "enabled": True, "panes": [
            {"index": 0, "type": "participant", "participantName": "hp",
             "participantProtocol": "sip", "participantType": "by_address"}]})
    query = await call(server, "conference.paneplacement.query", {"conferenceName": "national"})
    assert query["enabled"] is True
    assert query["panes"] == [{"index": 0, "type": "participant", "participantName": "hp",
                               "participantProtocol": "sip", "participantType": "by_address"}]
    assert network.view_of("mcu-hn", "national", "chair") == ("hp",)
    await call(server, "participant.modify", {"conferenceName": "national",
                                              "participantName": "hp", "audioRxMuted": True})
    parts = await call(server, "participant.enumerate", {})
    by_name = {p["participantName"]: p for p in parts["participants"]}
    assert by_name["hp"]["audioRxMuted"] is True
    assert by_name["chair"]["callState"] == "connected"
    assert by_name["chair"]["participantType"] == "by_address"
    await call(server, "participant.disconnect", {"conferenceName": "national",
                                                  "participantName": "hp"})
    await call(server, "participant.connect", {"conferenceName": "national",
                                               "participantName": "hp"})
    await call(server, "participant.remove", {"conferenceName": "national",
                                              "participantName": "hp"})
    device = await call(server, "device.query", {})
    assert device["portsVideoTotal"] == 60 and device["portsVideoFree"] == 59
    health = await call(server, "device.health.query", {})
    assert isinstance(health["cpuLoad"], int) and health["temperatureStatus"] == "ok"
    await call(server, "conference.destroy", {"conferenceName": "national"})


async def test_documented_faults(server: CodianServer, network: Network) -> None:
    network.mcu("mcu-hn").ports = 1
    await call(server, "conference.create", {"conferenceName": "c"})
    await call(server, "participant.add", {"conferenceName": "c", "participantName": "a",
                                           "address": "10.0.0.1"})
    add = {"conferenceName": "c", "participantName": "b", "address": "10.0.0.2"}
    cases = [
        ("conference.create", {"conferenceName": "c"}, 2),
        ("participant.add", {**add, "participantName": "a"}, 3),
        ("participant.enumerate", {"conferenceName": "nope"}, 4),
        ("participant.remove", {"conferenceName": "c", "participantName": "zz"}, 5),
        ("participant.add", add, 7),
        ("conference.create", {}, 8),
        ("participant.add", {"conferenceName": "c", "address": "x"}, 9),
        ("participant.add", {"conferenceName": "c", "participantName": "q"}, 10),
        ("conference.create", {"conferenceName": "p", "pin": "12ab"}, 13),
        ("conference.enumerate", {"enumerateID": "forged"}, 16),
        ("participant.move", {}, 1),
        ("participant.add", {**add, "participantProtocol": "isdn"}, 102),
    ]
    for method, params, code in cases:
        assert await fault_of(server, method, params) == code, method


async def test_unauthorised_on_every_call(server: CodianServer) -> None:
    def run(auth: dict[str, str]) -> int:
        with proxy(server) as p, pytest.raises(xmlrpc.client.Fault) as err:
            p.conference.enumerate(auth)
        return err.value.faultCode
    for auth in ({}, {"authenticationUser": "admin"},
                 {"authenticationUser": "admin", "authenticationPassword": "nope"},
                 {"authenticationUser": "root", "authenticationPassword": PASSWORD}):
        assert await asyncio.to_thread(run, auth) == 14


async def test_enumerate_paging_with_enumerate_id(server: CodianServer,
                                                  network: Network) -> None:
    mcu = network.mcu("mcu-hn")
    mcu.create_conference("big")
    for i in range(55):
        mcu.add_participant("big", f"10.0.0.{i + 1}", name=f"s{i}")
    names: list[str] = []
    params: dict[str, Any] = {}
    pages = 0
    while True:
        reply = await call(server, "participant.enumerate", params)
        names += [p["participantName"] for p in reply["participants"]]
        pages += 1
        if "enumerateID" not in reply:
            break
        params = {"enumerateID": reply["enumerateID"]}
    assert pages == 3 and names == [f"s{i}" for i in range(55)]
