"""Sessions and errors of the ``smc`` driver: login, keep-alive, expiry, faults, TLS."""

from __future__ import annotations

import asyncio
import ssl

import httpx
import pytest

from hnth_drivers.errors import (
    AuthError,
    ConnectError,
    DeviceError,
    PolicyViolation,
    TimeoutError,
)
from hnth_drivers.mcu.smc import SmcMcu, SmcOptions
from hnth_drivers.security.secrets import Secret
from hnth_drivers.transport.https import TlsTrust
from hnth_sim.mcu.model import Network, Refusal
from hnth_sim.mcu.smc_server import SmcServer
from hnth_sim.mcu.tls import ensure_tls

from .conftest import PASSWORD, make_driver


async def test_expired_session_logs_in_again_once(smc_server: SmcServer, smc: SmcMcu) -> None:
    service = smc_server.service()
    await smc.create_conference("c")
    assert service.calls["LoginRequest"] == 1
    service.expire_sessions()
    assert [c.name for c in await smc.conferences()] == ["c"]
    assert service.calls["LoginRequest"] == 2 and service.calls["Authenticate"] == 2
    # the refused call and its repetition both reached the service
    assert service.calls["queryConferencesStatusEx"] == 2


async def test_a_session_refused_after_a_fresh_login_is_an_auth_error(
        smc_server: SmcServer, smc: SmcMcu) -> None:
    service = smc_server.service()
    service.session_ttl_s = -1.0            # every session is stale at its first use
    with pytest.raises(AuthError) as info:
        await smc.conferences()
    assert info.value.operation == "queryConferencesStatusEx"
    assert service.calls["LoginRequest"] == 2   # re-login once, not in a loop


async def test_wrong_password_is_an_auth_error_and_leaks_nothing(
        smc_server: SmcServer) -> None:
    driver = make_driver(smc_server, password="wrong-password-xyz")
    with pytest.raises(AuthError) as info:
        await driver.open()
    assert "wrong-password-xyz" not in str(info.value) + repr(driver)
    assert smc_server.service().session_count == 0
    await driver.close()


async def test_keep_alive_and_logout(smc_server: SmcServer) -> None:
    service = smc_server.service()
    async with make_driver(smc_server, keepalive_s=0.05) as driver:
        await asyncio.sleep(0.3)
        assert service.calls.get("KeepAlive", 0) >= 2
        assert service.session_count == 1
        await driver.conferences()
    assert service.calls["Logout"] == 1 and service.session_count == 0


async def test_calls_without_a_session_are_refused(smc_server: SmcServer,
                                                   network: Network) -> None:
    body = (b'<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
            b'xmlns:smc="http://smc.huawei.com/"><soapenv:Body><smc:scheduleConfEx>'
            b'<smc:conferenceInfo><smc:name>x</smc:name></smc:conferenceInfo>'
            b'</smc:scheduleConfEx></soapenv:Body></soapenv:Envelope>')
    ctx = ssl.create_default_context(cafile=str(smc_server.ca_file))
    async with httpx.AsyncClient(verify=ctx) as client:
        reply = await client.post(smc_server.url(), content=body,
                                  headers={"Content-Type": "text/xml",
                                           "Cookie": "JSESSIONID=forged"})
    assert reply.status_code == 500
    assert b"AuthenticationFault" in reply.content and b"notLoggedIn" in reply.content
    assert network.mcu("mcu-hn").conferences() == []


async def test_injected_faults_are_typed(smc: SmcMcu, network: Network) -> None:
    network.mcu("mcu-hn").faults.fail_next("scheduleConfEx", Refusal.INTERNAL_ERROR)
    with pytest.raises(DeviceError) as info:
        await smc.create_conference("c")
    assert info.value.code == 1009 and info.value.got == "internalError"
    assert info.value.operation == "scheduleConfEx"
    network.mcu("mcu-hn").faults.fail_next("*", Refusal.TOO_MANY_PARTICIPANTS)
    with pytest.raises(DeviceError, match="injected"):
        await smc.conferences()


async def test_slow_mcu_is_a_timeout(smc_server: SmcServer, network: Network) -> None:
    async with make_driver(smc_server, timeout_s=0.3) as driver:
        network.mcu("mcu-hn").faults.latency_ms = 2000
        with pytest.raises(TimeoutError):
            await driver.conferences()


async def test_mcu_down_is_a_connect_error(smc: SmcMcu, network: Network) -> None:
    network.mcu("mcu-hn").faults.down = True
    with pytest.raises(ConnectError):
        await smc.conferences()


async def test_untrusted_certificate_is_a_policy_violation(
        smc_server: SmcServer, tmp_path_factory: pytest.TempPathFactory) -> None:
    other = ensure_tls(tmp_path_factory.mktemp("other-ca"))
    driver = SmcMcu(smc_server.url(), password=Secret(PASSWORD),
                    trust=TlsTrust(ca_file=other.ca_cert))
    with pytest.raises(PolicyViolation):
        await driver.open()
    with pytest.raises(PolicyViolation):   # no trust anchor at all
        await SmcMcu(smc_server.url(), password=Secret(PASSWORD)).open()


async def test_pinned_certificate(smc_server: SmcServer) -> None:
    import hashlib

    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    der = x509.load_pem_x509_certificate(smc_server.tls.cert.read_bytes()).public_bytes(
        Encoding.DER)
    pin = hashlib.sha256(der).hexdigest()
    async with SmcMcu(smc_server.url(), password=Secret(PASSWORD),
                      trust=TlsTrust(pin_sha256=pin)) as driver:
        assert await driver.conferences() == []
    bad = SmcMcu(smc_server.url(), password=Secret(PASSWORD),
                 trust=TlsTrust(pin_sha256="00" * 32))
    with pytest.raises(PolicyViolation):
        await bad.open()


async def test_not_open_is_a_connect_error(smc_server: SmcServer) -> None:
    with pytest.raises(ConnectError):
        await make_driver(smc_server).conferences()


async def test_concurrent_callers_share_one_fresh_login(smc_server: SmcServer,
                                                        smc: SmcMcu) -> None:
    service = smc_server.service()
    await smc.create_conference("c")
    service.expire_sessions()
    results = await asyncio.gather(*(smc.conferences() for _ in range(5)))
    assert all([c.name for c in r] == ["c"] for r in results)
    assert service.calls["LoginRequest"] == 2 and service.session_count == 1


async def test_a_dripping_server_cannot_hold_a_call(smc_server: SmcServer) -> None:
    import time

    from hnth_sim.mcu.tls import server_context

    async def drip(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
            for _ in range(200):
                writer.write(b" ")
                await writer.drain()
                await asyncio.sleep(0.05)    # always within httpx's per-read timeout
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    slow = await asyncio.start_server(drip, "127.0.0.1", 0, ssl=server_context(smc_server.tls))
    port = slow.sockets[0].getsockname()[1]
    driver = SmcMcu(f"https://127.0.0.1:{port}/", password=Secret(PASSWORD),
                    trust=TlsTrust(ca_file=smc_server.ca_file),
                    options=SmcOptions(timeout_s=0.3))
    started = time.monotonic()
    try:
        with pytest.raises(TimeoutError):
            await driver.open()
    finally:
        slow.close()
    assert time.monotonic() - started < 3.0
