"""A plain zeep client (not our driver), built from the WSDL the simulator serves, works."""

from __future__ import annotations

import asyncio
import base64
import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
import zeep
from zeep.transports import Transport

from hnth_sim.mcu.model import Network
from hnth_sim.mcu.smc_server import SmcServer

from .conftest import PASSWORD

pytestmark = pytest.mark.interop


def _proof(password: str, challenge: bytes) -> bytes:
    first = hashlib.sha256(password.encode()).hexdigest()
    return hashlib.sha256((first + challenge.hex()).encode()).digest()


def _with_plain_zeep(base: str, ca_file: str) -> dict[str, Any]:
    session = requests.Session()
    session.trust_env = False
    session.verify = ca_file
    settings = zeep.Settings(strict=True, forbid_dtd=True, forbid_entities=True,
                             forbid_external=True)
    client = zeep.Client(f"{base}/tpCommon?wsdl", settings=settings,
                         transport=Transport(session=session, timeout=5, operation_timeout=5))
    common = client.bind("SmcEsdkTp", "TpCommonPort")
    mgr = client.bind("SmcEsdkTp", "TpProfessionalConfMgrPort")
    ctrl = client.bind("SmcEsdkTp", "TpProfessionalConfCtrlPort")
    login = common.LoginRequest(userName="admin", clientType="API", version=2)
    login_cookie = session.cookies.get("JSESSIONID")
    auth = common.Authenticate(encryptPassword=_proof(PASSWORD, login.randomSequence))
    conf = mgr.scheduleConfEx(scheduleConf={
        "name": "plain", "beginTime": datetime.now(UTC), "duration": timedelta(hours=1)})
    conf_id = conf.conferenceInfo.confId
    mgr.addSiteToConfEx(confId=conf_id, siteInfo={"name": "hn-tp", "uri": "10.0.0.1",
                                                  "type": 4, "from": 0, "dialingMode": 0})
    muted = ctrl.setSitesMuteEx(confId=conf_id, siteUris=["10.0.0.1"], isMute=0)
    sites = mgr.queryConfSitesStatusEx(confId=conf_id)
    common.Logout()
    after = mgr.queryConferencesStatusEx()
    return {"login": login, "auth": auth, "muted": muted, "sites": sites,
            "rotated": login_cookie != session.cookies.get("JSESSIONID"), "after": after,
            "address": client.wsdl.services["SmcEsdkTp"].ports["TpCommonPort"]
            .binding_options["address"]}


async def test_plain_zeep_client_from_served_wsdl(smc_server: SmcServer,
                                                  network: Network) -> None:
    got = await asyncio.to_thread(_with_plain_zeep, smc_server.url(),
                                  str(smc_server.ca_file))
    assert got["address"] == smc_server.url() + "/tpCommon"
    assert got["login"].resultCode == 0 and got["login"].hashType == "SHA256"
    assert len(got["login"].randomSequence) == 16 and base64.b64encode(got["login"].randomSequence)
    assert got["auth"] == 0 and got["muted"] == 0 and got["rotated"]
    (site,) = got["sites"].siteStatuses
    assert (site.name, site.isMute, site.status) == ("hn-tp", 0, 2)   # 0 = muted
    assert got["after"].resultCode == 571052032                        # logged out
    assert network.mcu("mcu-hn").participant("plain", "hn-tp").muted
