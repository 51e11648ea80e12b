"""The ``smc`` session over the shared HTTPS exchange: every Set-Cookie counts.

A raw TLS peer on loopback answers with the interface reference's own replies
(``vectors/esdk_tp_examples.json``) and sets several cookies per reply, repeated names
included, as a load balancer in front of an SMC may. The session must keep them all
(httpx's mapping of one value per header would keep one).
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hnth_drivers.mcu.smc_session import SmcOptions, SmcSession
from hnth_drivers.security.policy import STRICT
from hnth_drivers.security.secrets import Secret
from hnth_drivers.transport.https import TlsTrust
from hnth_sim.mcu.tls import TlsFiles, ensure_tls, server_context
from tests.unit.raw_https import RawHttpsPeer, http_reply

EXAMPLES = json.loads((Path(__file__).parent / "vectors" / "esdk_tp_examples.json")
                      .read_text())["examples"]
REPLIES = {"LoginRequest": "eSDK_tp_00019", "Authenticate": "eSDK_tp_00020",
           "Logout": "eSDK_tp_00021", "KeepAlive": "eSDK_tp_00022"}
COOKIES = {
    "LoginRequest": ["JSESSIONID=login1; Path=/; Secure; HttpOnly", "route=r1; Secure"],
    # a repeated name: the last one counts, as in a browser's jar
    "Authenticate": ["JSESSIONID=stale; Path=/; Secure", "JSESSIONID=auth2; Path=/; Secure",
                     "lb=b7; Secure"],
}


def _operation(body: bytes) -> str:
    found = re.search(rb"<(?:[\w-]+:)?(\w+)[^>]*xmlns(?::[\w-]+)?=\"http://smc.huawei.com/\"",
                      body)
    assert found is not None, body[:200]
    return found[1].decode()


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return ensure_tls(tmp_path_factory.mktemp("smc-cookie-tls"))


@pytest.fixture
async def peer(tls: TlsFiles) -> AsyncIterator[RawHttpsPeer]:
    async def answer(_head: bytes, body: bytes) -> bytes:
        operation = _operation(body)
        return http_reply(EXAMPLES[REPLIES[operation]]["reply"].encode(),
                          headers=[("Set-Cookie", c) for c in COOKIES.get(operation, [])])

    async with RawHttpsPeer(server_context(tls), answer) as raw:
        yield raw


def _cookie_sent(head: bytes) -> str | None:
    for line in head.decode().split("\r\n"):
        name, _, value = line.partition(":")
        if name.lower() == "cookie":
            return value.strip()
    return None


async def test_every_set_cookie_of_a_reply_is_kept(peer: RawHttpsPeer, tls: TlsFiles) -> None:
    session = SmcSession(f"https://127.0.0.1:{peer.port}/esdk/services", user="user1",
                         password=Secret("pw"), trust=TlsTrust(ca_file=tls.ca_cert),
                         policy=STRICT, options=SmcOptions(timeout_s=5), device="cookies")
    await session.open()
    try:
        assert session.cookie == "JSESSIONID=auth2; lb=b7"
        assert (await session.call("KeepAlive")).resultCode == 0
    finally:
        await session.close()
    sent = [(_operation(body), _cookie_sent(head)) for head, body in peer.requests]
    assert sent == [
        ("LoginRequest", None),
        ("Authenticate", "JSESSIONID=login1; route=r1"),     # both of the login's cookies
        ("KeepAlive", "JSESSIONID=auth2; lb=b7"),
        ("Logout", "JSESSIONID=auth2; lb=b7"),
    ]
