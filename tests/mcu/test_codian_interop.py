"""Interop: Python's own xmlrpc.client (a client we did not write) against the simulator,
using only names and values the Cisco MCU API guides document (docs/mcu.md), for each of
the API versions 2.8, 2.9 and 2.10."""

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
BOTH = ["currentState", "configuredState"]


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


def who(name: str, protocol: str = "h323", conference: str = "national") -> dict[str, str]:
    return {"conferenceName": conference, "participantName": name,
            "participantProtocol": protocol, "participantType": "by_address"}


async def test_documented_methods_and_members(any_version: CodianServer,
                                              network: Network) -> None:
    server = any_version
    version = server.api.version
    assert await call(server, "conference.create", {"conferenceName": "national"}) == {}
    listed = await call(server, "conference.enumerate", {"moreThanFour": True}
                        if version >= (2, 10) else {})
    (conf,) = listed["conferences"]
    assert conf["conferenceName"] == "national" and conf["conferenceActive"] is True
    assert conf["conferenceType"] in ("scheduled", "ad_hoc") and isinstance(conf["uniqueId"],
                                                                             int)
    assert "enumerateID" not in listed
    await call(server, "participant.add", {**who("chair"), "address": "10.0.0.1"})
    await call(server, "participant.add", {**who("hp", "sip"), "address": "10.0.0.2"})
    modified = await call(server, "conference.paneplacement.modify", {
        "conferenceName": "national", "enabled": True, "panes": [
            {"index": 0, "type": "participant", "participantName": "hp",
             "participantProtocol": "sip", "participantType": "by_address"},
            {"index": 1, "type": "h239"}]})
    assert modified == {"panesModified": 2}
    query = await call(server, "conference.paneplacement.query", {"conferenceName": "national"})
    assert query["enabled"] is True
    assert query["panes"][0] == {"index": 0, "type": "participant", "participantName": "hp",
                                 "participantProtocol": "sip", "participantType": "by_address"}
    assert query["panes"][1] == {"index": 1, "type": "h239"}
    assert network.view_of("mcu-hn", "national", "chair") == ("hp",)
    await call(server, "participant.modify", {**who("hp", "sip"),
                                              "operationScope": "activeState",
                                              "audioRxMuted": True})
    parts = await call(server, "participant.enumerate", {"operationScope": BOTH})
    by_name = {p["participantName"]: p for p in parts["participants"]}
    hp = by_name["hp"]
    assert hp["currentState"]["audioRxMuted"] is True
    assert hp["currentState"]["callState"] == "connected"
    assert ("callStateEx" in hp["currentState"]) == (version >= (2, 10))
    assert hp["configuredState"] == {"address": "10.0.0.2"}
    assert hp["currentState"]["packetLossWarning"] in (True, False)
    # the chair sees hp full screen: layout1 with the focus on hp (COD30 p30)
    await call(server, "participant.modify", {
        **who("chair"), "operationScope": "activeState", "cpLayout": "layout1",
        "focusType": "participant", "focusParticipant": who("hp", "sip")})
    status = await call(server, "participant.status", {**who("chair"),
                                                       "operationScope": ["currentState"]})
    assert "configuredState" not in status
    current = status["currentState"]
    assert (current["cpLayout"], current["focusType"]) == ("layout1", "participant")
    assert current["focusParticipant"] == who("hp", "sip")
    assert network.view_of("mcu-hn", "national", "chair") == ("hp",)
    if version >= (2, 9):
        assert await call(server, "participant.statistics",
                          {**who("chair"), "audioMedia": True}) == {}
    else:
        assert await fault_of(server, "participant.statistics", who("chair")) == 1
    diagnostics = await call(server, "participant.diagnostics", who("chair"))
    assert isinstance(diagnostics["videoRxFrameRate"], int)
    await call(server, "participant.disconnect", who("hp", "sip"))
    gone = await call(server, "participant.status", who("hp", "sip"))
    assert gone["currentState"]["callState"] == "disconnected"
    assert gone["currentState"]["disconnectReason"] == "localTeardown"
    await call(server, "participant.connect", who("hp", "sip"))
    await call(server, "participant.remove", who("hp", "sip"))
    device = await call(server, "device.query", {})
    assert device["totalVideoPorts"] == 60 and device["totalAudioOnlyPorts"] == 0
    assert device["apiVersion"] == "{}.{}".format(*version)
    assert isinstance(device["currentTime"], xmlrpc.client.DateTime)
    health = await call(server, "device.health.query", {})
    assert isinstance(health["cpuLoad"], int) and health["temperatureStatus"] == "ok"
    assert health["operationalStatus"] == "active"
    await call(server, "conference.paneplacement.modify", {"conferenceName": "national",
                                                           "enabled": False})
    query = await call(server, "conference.paneplacement.query", {"conferenceName": "national"})
    # no panes while disabled: none at all in 2.8 (MCU28 p52), an empty array in 2.10
    assert query == ({"enabled": False, "panes": []} if version >= (2, 10)
                     else {"enabled": False})
    await call(server, "conference.destroy", {"conferenceName": "national"})


async def test_documented_faults(any_version: CodianServer, network: Network) -> None:
    server = any_version
    network.mcu("mcu-hn").ports = 1
    await call(server, "conference.create", {"conferenceName": "national"})
    await call(server, "participant.add", {**who("a"), "address": "10.0.0.1"})
    add = {**who("b"), "address": "10.0.0.2"}
    a = who("a")
    cases = [
        ("conference.create", {"conferenceName": "national"}, 2),
        ("participant.add", {**add, "participantName": "a"}, 3),
        ("conference.status", {"conferenceName": "nope"}, 4),
        ("participant.remove", who("zz"), 5),
        ("participant.remove", {**a, "participantType": "ad_hoc"}, 5),
        ("participant.add", add, 7),
        ("conference.create", {}, 8),
        ("participant.status", {"participantName": "a", "participantProtocol": "h323",
                                "participantType": "by_address"}, 8),
        ("participant.add", {"conferenceName": "national", "address": "x"}, 9),
        ("participant.add", {"conferenceName": "national", "participantName": "q"}, 10),
        ("conference.create", {"conferenceName": "p", "pin": "12ab"}, 13),
        ("conference.enumerate", {"enumerateID": "forged"}, 16),
        ("participant.move", {}, 1),
        ("participant.status", {**a, "participantProtocol": None}, 101),
        ("participant.modify", {**a, "participantType": None}, 101),
        ("participant.modify", {**a, "focusType": "participant"}, 101),
        ("participant.add", {**add, "participantProtocol": "isdn"}, 102),
        ("participant.enumerate", {"operationScope": ["everything"]}, 102),
        ("participant.enumerate", {"enumerateFilter": "ringing"}, 102),
        ("participant.modify", {**a, "cpLayout": "layout99"}, 102),
        ("participant.modify", {**a, "focusType": "hologram"}, 102),
        ("conference.paneplacement.modify", {"conferenceName": "national", "panes": [
            {"index": 20, "type": "blank"}]}, 102),
        ("conference.paneplacement.modify", {"conferenceName": "national", "panes": [
            {"index": 0, "type": "participant"}]}, 9),
        ("conference.modify", {"conferenceName": "national", "customLayout": 34}, 102),
        ("participant.status", {**a, "participantName": 7}, 103),
        ("participant.enumerate", {"operationScope": "currentState"}, 103),
        ("conference.paneplacement.modify", {"conferenceName": "national",
                                             "enabled": "yes"}, 103),
    ]
    for method, params, code in cases:
        sent = {k: v for k, v in params.items() if v is not None}
        assert await fault_of(server, method, sent) == code, (method, params)


async def test_wrong_credentials_are_fault_15(server: CodianServer) -> None:
    def run(auth: dict[str, str]) -> int:
        with proxy(server) as p, pytest.raises(xmlrpc.client.Fault) as err:
            p.conference.enumerate(auth)
        return err.value.faultCode
    for auth in ({}, {"authenticationUser": "admin"},
                 {"authenticationUser": "admin", "authenticationPassword": "nope"},
                 {"authenticationUser": "Admin", "authenticationPassword": PASSWORD},
                 {"authenticationUser": "root", "authenticationPassword": PASSWORD}):
        assert await asyncio.to_thread(run, auth) == 15


async def test_enumerate_paging_with_enumerate_id(server: CodianServer,
                                                  network: Network) -> None:
    mcu = network.mcu("mcu-hn")
    mcu.create_conference("big")
    for i in range(55):
        mcu.add_participant("big", f"10.0.0.{i + 1}", name=f"s{i}")
    names: list[str] = []
    params: dict[str, Any] = {"operationScope": []}
    pages = 0
    while True:
        reply = await call(server, "participant.enumerate", params)
        names += [p["participantName"] for p in reply["participants"]]
        assert all("currentState" not in p for p in reply["participants"])
        pages += 1
        if "enumerateID" not in reply:
            break
        params = {"operationScope": [], "enumerateID": reply["enumerateID"]}
    assert pages == 3 and names == [f"s{i}" for i in range(55)]


async def test_conference_enumerate_gives_four_unless_more_than_four(
        server: CodianServer, network: Network) -> None:
    for i in range(6):
        network.mcu("mcu-hn").create_conference(f"c{i}")
    first = await call(server, "conference.enumerate", {})
    assert len(first["conferences"]) == 4 and "enumerateID" in first
    rest = await call(server, "conference.enumerate", {"enumerateID": first["enumerateID"]})
    assert len(rest["conferences"]) == 2 and "enumerateID" not in rest
    assert len((await call(server, "conference.enumerate",
                           {"moreThanFour": True}))["conferences"]) == 6
