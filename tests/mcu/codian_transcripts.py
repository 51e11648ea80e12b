"""Documented Codian exchanges: request/reply pairs written from Cisco's MCU API guides'
tables and examples, not from our simulator. Each carries its source (guide and page:
COD30 = TANDBERG Codian Remote Management API 3.0, Sep 2008; COD201 = Codian MCU 4200
Remote Management API 2.0.1; MCU28 / MCU29 / MCU210 = Cisco TelePresence MCU API 2.8 /
2.9 (D14626.12) / 2.10 (D14997)). ``request`` is the struct the driver must send, without
the authentication members; ``reply`` the struct the device answers, or ``fault``.
Values (names, addresses, numbers) are ours; member names and value sets are the guides'.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hnth_drivers.mcu.xmlrpc import DateTime


@dataclass(frozen=True)
class Exchange:
    """One documented request and its reply (or fault)."""

    source: str
    method: str
    request: dict[str, Any]
    reply: dict[str, Any] | None = None
    fault: tuple[int, str] | None = None


def ident(name: str, protocol: str = "h323", ptype: str = "by_address",
          conference: str = "national") -> dict[str, str]:
    """A participant identification (MCU29 p9)."""
    return {"conferenceName": conference, "participantName": name,
            "participantProtocol": protocol, "participantType": ptype}


BOTH = ["currentState", "configuredState"]


def device_query(api_version: str) -> Exchange:
    """device.query with every member COD30 p12 lists (model as in its example)."""
    return Exchange("COD30 p12 (device.query)", "device.query", {}, {
        "currentTime": DateTime("20130115T10:00:00"),
        "restartTime": DateTime("20130114T10:00:00"),
        "serial": "SN0001", "softwareVersion": "4.3(2.18)", "buildVersion": "2.18",
        "model": "Codian MCU 4210", "apiVersion": api_version,
        "activatedFeatures": [{"feature": "Encryption"}],
        "totalVideoPorts": 20, "totalAudioOnlyPorts": 10,
        "portReservationMode": "disabled", "maxVideoResolution": "4cif"})


PARTICIPANTS_210 = [
    device_query("2.10"),
    Exchange("MCU29 p78 (operationScope); MCU210 p11 (enumerateID: more remain)",
             "participant.enumerate", {"operationScope": BOTH}, {
                 "enumerateID": "e1",
                 "participants": [
                     {**ident("chair"), "connectionUniqueId": 1,
                      "currentState": {"callState": "connected", "callStateEx": "connected",
                                       "callDirection": "outgoing", "audioRxMuted": False,
                                       "packetLossWarning": False,
                                       "packetLossCritical": False},
                      "configuredState": {"address": "10.0.0.1", "deferConnection": False}},
                     {**ident("other", conference="rehearsal"),
                      "currentState": {"callState": "connected",
                                       "callStateEx": "connected"},
                      "configuredState": {"address": "10.9.0.1"}}]}),
    Exchange("MCU210 p11 (repeat with the returned enumerateID; none when done); "
             "MCU210 p206 (callStateEx alerting/dormant, no callDirection when dormant); "
             "MCU28 p106 (disconnectReason busy); MCU28 p75 (empty configuredState)",
             "participant.enumerate", {"operationScope": BOTH, "enumerateID": "e1"}, {
                 "participants": [
                     {**ident("hp", "sip"),
                      "currentState": {"callState": "alerting", "callStateEx": "alerting",
                                       "callDirection": "outgoing"},
                      "configuredState": {"address": "sip:hp@vn"}},
                     {**ident("dn"),
                      "currentState": {"callState": "dormant", "callStateEx": "dormant"},
                      "configuredState": {"address": "10.0.0.4",
                                          "deferConnection": True}},
                     {**ident("hg"),
                      "currentState": {"callState": "disconnected",
                                       "callStateEx": "disconnected",
                                       "callDirection": "outgoing",
                                       "disconnectReason": "busy"},
                      "configuredState": {"address": "10.0.0.5"}},
                     {**ident("mcu-hp", ptype="ad_hoc"),
                      "currentState": {"callState": "connected", "callStateEx": "connected",
                                       "callDirection": "incoming"},
                      "configuredState": {}}]}),
]

FULL_SCREEN_210 = [
    device_query("2.10"),
    Exchange("MCU29 p78: identity of the participants the driver has not seen",
             "participant.enumerate", {"operationScope": []}, {
                 "participants": [ident("chair"), ident("hp", "sip")]}),
    Exchange("COD30 p30 / MCU29 p90: participant.modify, operationScope activeState, "
             "cpLayout (MCU28 p109: layout1, one pane in COD30 p57), focusType participant, "
             "focusParticipant identification struct",
             "participant.modify", {**ident("chair"), "operationScope": "activeState",
                                    "cpLayout": "layout1", "focusType": "participant",
                                    "focusParticipant": ident("hp", "sip")}, {}),
    Exchange("MCU27 p62 (participant.status, operationScope); COD30 p30, p34 (cpLayout, "
             "currentLayout, layoutSource, focusType, focusParticipant)",
             "participant.status", {**ident("chair"), "operationScope": BOTH}, {
                 **ident("chair"),
                 "currentState": {"callState": "connected", "callStateEx": "connected",
                                  "cpLayout": "layout1", "currentLayout": 1,
                                  "layoutSource": "participantCustom",
                                  "focusType": "participant",
                                  "focusParticipant": ident("hp", "sip"),
                                  "audioRxMuted": False},
                 "configuredState": {"address": "10.0.0.1"}}),
]

CONFERENCE_28 = [
    device_query("2.8"),
    Exchange("MCU28 p52: paneplacement.query; panes present only if enabled",
             "conference.paneplacement.query", {"conferenceName": "national"},
             {"enabled": False}),
    Exchange("MCU28 p15, COD201 p5: the documented fault example",
             "conference.create", {"conferenceName": "national"},
             fault=(2, "duplicate conference name")),
    Exchange("MCU28 p82, p75: 2.8 has callState only",
             "participant.enumerate", {"operationScope": BOTH}, {
                 "participants": [
                     {**ident("chair"),
                      "currentState": {"callState": "alerting", "callDirection": "outgoing"},
                      "configuredState": {"address": "10.0.0.1"}}]}),
    Exchange("MCU28 p57 (device.health.query members and values)",
             "device.health.query", {}, {
                 "cpuLoad": 12, "mediaLoad": 30, "audioLoad": 10, "videoLoad": 40,
                 "fanStatus": "ok", "fanStatusWorst": "ok", "temperatureStatus": "ok",
                 "temperatureStatusWorst": "outOfSpec", "rtcBatteryStatus": "ok",
                 "rtcBatteryStatusWorst": "ok", "voltagesStatus": "ok",
                 "voltagesStatusWorst": "ok", "operationalStatus": "active"}),
    device_query("2.8"),
    *[Exchange("MCU27 p51 (enumerateFilter connected); no member gives ports in use",
             "participant.enumerate", {"operationScope": [], "enumerateFilter": "connected"},
             {"participants": [ident("chair"), ident("hp", "sip")]})] * 2,
]

WRONG_PASSWORD = [
    Exchange("COD30 p53: fault 15, user/password not valid for the operation",
             "device.query", {}, fault=(15, "insufficient privileges")),
]
