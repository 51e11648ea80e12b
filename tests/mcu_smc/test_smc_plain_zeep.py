"""A plain zeep client (not our driver), built from the WSDL the simulator serves, works."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from typing import Any

import pytest
import requests
import zeep
from zeep.transports import Transport

from hnth_sim.mcu.model import Network
from hnth_sim.mcu.smc_server import SmcServer

from .conftest import PASSWORD

pytestmark = pytest.mark.interop


def _session_with_plain_zeep(url: str, ca_file: str) -> dict[str, Any]:
    session = requests.Session()
    session.trust_env = False  # else REQUESTS_CA_BUNDLE overrides session.verify
    session.verify = ca_file
    settings = zeep.Settings(strict=True, forbid_dtd=True, forbid_entities=True,
                             forbid_external=True)
    client = zeep.Client(f"{url}?wsdl", transport=Transport(session=session, timeout=5,
                                                               operation_timeout=5),
                         settings=settings)
    service = client.service
    challenge = service.LoginRequest(userName="admin", clientType="API")
    service.Authenticate(encryptPassword=hmac.new(PASSWORD.encode(), challenge,
                                                  hashlib.sha256).digest())
    status = service.scheduleConfEx(conferenceInfo={"name": "plain", "duration": 60})
    site = service.addSiteToConfEx(confId=status.confId, siteInfo={
        "name": "hn-tp", "uri": "10.0.0.1", "type": "h323"})
    service.setSitesMuteEx(confId=status.confId, siteUris=["10.0.0.1"], isMute=True)
    sites = service.queryConfSitesStatusEx(confId=status.confId)
    service.Logout()
    try:
        service.queryConferencesStatusEx()
        after_logout = "accepted"
    except zeep.exceptions.Fault as fault:
        after_logout = fault.detail[0][0].text
    return {"address": client.wsdl.services["SmcConferenceService"].ports[
                "SmcConferencePort"].binding_options["address"],
            "site": site, "sites": sites, "after_logout": after_logout,
            "cookie": session.cookies.get("JSESSIONID")}


async def test_plain_zeep_client_from_served_wsdl(smc_server: SmcServer,
                                                  network: Network) -> None:
    got = await asyncio.to_thread(_session_with_plain_zeep, smc_server.url(),
                                  str(smc_server.ca_file))
    assert got["address"] == smc_server.url()         # the served WSDL names this server
    assert got["site"].status == "connected" and got["cookie"]
    assert [(s.name, s.isMute) for s in got["sites"]] == [("hn-tp", True)]
    assert got["after_logout"] == "notLoggedIn"
    assert network.mcu("mcu-hn").participant("plain", "hn-tp").muted
