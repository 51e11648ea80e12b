"""The interface reference's own examples, replayed against the driver (no simulator).

Each documented request is compared with what the driver's codec sends (as XML, ignoring
prefixes and whitespace); each documented reply is served to a real session over an
in-memory HTTP transport and must read back as the documented values.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from lxml import etree  # type: ignore[import-untyped]

from hnth_drivers.errors import DeviceError
from hnth_drivers.mcu.smc import SmcMcu
from hnth_drivers.mcu.smc_client import codec
from hnth_drivers.mcu.smc_session import SmcOptions, SmcSession
from hnth_drivers.model import ConnectionState
from hnth_drivers.security.policy import STRICT
from hnth_drivers.security.secrets import Secret

EXAMPLES = json.loads((Path(__file__).parent / "vectors" / "esdk_tp_examples.json")
                      .read_text())["examples"]
BASE = "https://smc.test:8443/esdk/services"


def _canonical(xml: str | bytes) -> list[tuple[str, str]]:
    root = etree.fromstring(xml.encode() if isinstance(xml, str) else xml)
    body = root.find("{http://schemas.xmlsoap.org/soap/envelope/}Body")[0]
    return [(str(el.tag), (el.text or "").strip()) for el in body.iter()
            if isinstance(el.tag, str)]


REQUESTS: list[tuple[str, str, dict[str, Any]]] = [
    ("eSDK_tp_00019", "LoginRequest", {"userName": "user1", "clientType": "API", "version": 2}),
    ("eSDK_tp_00021", "Logout", {}),
    ("eSDK_tp_00022", "KeepAlive", {}),
    ("eSDK_tp_00032", "queryConfSitesStatusEx", {"confId": "94", "siteUris": ["01010010"]}),
    ("eSDK_tp_00040", "setVideoSourceEx", {"confId": "41360", "siteUri": "01010086",
                                           "videoSourceUri": "01010010", "isLock": 0}),
    ("eSDK_tp_00042", "setBroadcastSiteEx", {"confId": "41360", "siteUri": "01010086",
                                             "isBroadcast": 0}),
    ("eSDK_tp_00044", "setSitesMuteEx", {"confId": "929", "siteUris": ["01010086", "01010010"],
                                         "isMute": 0}),
    ("eSDK_tp_00036", "connectSitesEx", {"confId": "929", "siteUris": ["01010086", "01010010"]}),
    ("eSDK_tp_00037", "disconnectSitesEx", {"confId": "929",
                                            "siteUris": ["01010010", "01010086"]}),
    ("eSDK_tp_00029", "prolongScheduledConfEx", {"confId": "13380",
                                                 "prolongTime": timedelta(minutes=30)}),
    ("eSDK_tp_00031", "queryConferencesStatusEx", {"confIds": ["94"]}),
    ("eSDK_tp_00046", "setContinuousPresenceEx", {"confId": "41360", "target": "0",
                                                  "presenceMode": 2,
                                                  "subPics": ["01010086", "01010010"]}),
]


# eSDK_tp_00029's request also carries the optional beginDate: its reply is replayed below
SENT = [r for r in REQUESTS if r[0] != "eSDK_tp_00029"]


@pytest.mark.parametrize(("topic", "operation", "params"), SENT, ids=[r[0] for r in SENT])
def test_documented_requests(topic: str, operation: str, params: dict[str, Any]) -> None:
    sent = codec().envelope(operation, params)
    assert _canonical(sent) == _canonical(EXAMPLES[topic]["request"])


def _session(answer: Callable[[httpx.Request], httpx.Response]) -> SmcSession:
    session = SmcSession(BASE, user="user1", password=Secret("pw"), trust=None, policy=STRICT,
                         options=SmcOptions(timeout_s=5), device="replay")
    session._http = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    session.cookie = "JSESSIONID=A65A2B916B7729F89666EC3C18A0F776"
    return session


def _serve(topic: str, seen: list[httpx.Request]) -> Callable[[httpx.Request], httpx.Response]:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=EXAMPLES[topic]["reply"].encode(),
                              headers={"Content-Type": "text/xml"})
    return answer


@pytest.mark.parametrize(("topic", "operation", "params"), REQUESTS[1:],
                         ids=[r[0] for r in REQUESTS[1:]])
async def test_documented_replies_read_back(topic: str, operation: str,
                                            params: dict[str, Any]) -> None:
    seen: list[httpx.Request] = []
    session = _session(_serve(topic, seen))
    result = await session.call(operation, **params)
    assert result.resultCode == 0
    service = "tpCommon" if operation in ("Logout", "KeepAlive") else (
        "tpProfessionalConfCtrl" if operation.startswith("set") else "tpProfessionalConfMgr")
    assert str(seen[0].url) == f"{BASE}/{service}"
    assert seen[0].headers["cookie"] == "JSESSIONID=A65A2B916B7729F89666EC3C18A0F776"


async def test_documented_site_status_reads_as_the_model() -> None:
    seen: list[httpx.Request] = []
    driver = SmcMcu(BASE, password=Secret("pw"))
    driver._session = _session(_serve("eSDK_tp_00032", seen))
    driver._conf_ids["test"] = "94"
    (site,) = await driver.participants("test")
    assert site.address == "01010010" and site.name == "VCT206"
    assert site.state is ConnectionState.FAILED          # status 3 with callFailedReson
    assert site.raw_state == "3 not in conference" and site.disconnect_reason == "117"
    assert site.muted is False                            # isMute 1 = not muted


async def test_documented_conference_status_and_schedule_reply() -> None:
    seen: list[httpx.Request] = []
    session = _session(_serve("eSDK_tp_00031", seen))
    status = (await session.call("queryConferencesStatusEx", confIds=["94"]))
    (conf,) = status.conferenceStatuses
    assert (conf.id, conf.name, conf.status, conf.isAudioSwitch) == ("94", "test4", 3, 0)
    session = _session(_serve("eSDK_tp_00024", seen))
    info = (await session.call("scheduleConfEx", scheduleConf={"name": "test"})).conferenceInfo
    assert info.confId == "12368" and [s.uri for s in info.sites] == ["01010089", "01010010"]
    session = _session(_serve("eSDK_tp_00034", seen))
    added = await session.call("addSiteToConfEx", confId="13319",
                               siteInfo={"name": "x", "uri": "01088888", "type": 4})
    assert [a.uri for a in added.siteAccessInfos][-1] == "01088888"


async def test_a_documented_reply_with_a_failure_code_is_typed() -> None:
    reply = EXAMPLES["eSDK_tp_00042"]["reply"].replace("<resultCode>0", "<resultCode>570789889")
    session = _session(lambda r: httpx.Response(200, content=reply.encode()))
    with pytest.raises(DeviceError) as info:
        await session.call("setBroadcastSiteEx", confId="1", siteUri="u", isBroadcast=0)
    assert info.value.code == 570789889 and "not running" in str(info.value)
