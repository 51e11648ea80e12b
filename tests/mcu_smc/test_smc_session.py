"""Sessions of the ``smc`` driver against the simulator: cookies, keep-alive, expiry,
result codes, TLS."""

from __future__ import annotations

import asyncio
import ssl

import httpx
import pytest

from hnth_drivers.errors import ConnectError, DeviceError, DeviceTimeout, PolicyViolation
from hnth_drivers.mcu.smc import SmcMcu, SmcOptions
from hnth_drivers.mcu.smc_session import SmcAuthError, WriteNotRepeated
from hnth_drivers.security.secrets import Secret
from hnth_drivers.transport.https import TlsTrust
from hnth_sim.mcu.model import Network, Refusal
from hnth_sim.mcu.smc_server import SmcServer
from hnth_sim.mcu.tls import ensure_tls

from .conftest import PASSWORD, make_driver


async def test_cookie_rotation(smc_server: SmcServer) -> None:
    service = smc_server.service()
    async with make_driver(smc_server) as driver:
        login_cookie, auth_cookie = service.cookies_set
        assert login_cookie != auth_cookie
        assert driver.session.cookie == f"JSESSIONID={auth_cookie}"
        assert await driver.conferences() == []
        assert service.session_count == 1          # the login's session was dropped


async def test_the_login_session_is_refused_for_business_calls(smc_server: SmcServer) -> None:
    service = smc_server.service()
    async with make_driver(smc_server) as driver:
        driver.session.cookie = f"JSESSIONID={service.cookies_set[0]}"   # the login's
        assert await driver.conferences() == []    # refused (571052032): a fresh login
        assert service.calls["LoginRequest"] == 2
        assert driver.session.cookie == f"JSESSIONID={service.cookies_set[-1]}"


async def test_keep_alive_on_a_fake_clock(smc_server: SmcServer) -> None:
    service = smc_server.service()
    asked: list[float] = []
    tick: asyncio.Queue[None] = asyncio.Queue()

    async def fake_sleep(seconds: float) -> None:
        asked.append(seconds)
        await tick.get()

    driver = make_driver(smc_server, keepalive_s=55.0, sleep=fake_sleep)
    async with driver:
        for n in range(1, 4):
            tick.put_nowait(None)
            for _ in range(200):
                if service.calls.get("KeepAlive", 0) == n:
                    break
                await asyncio.sleep(0.01)
            assert service.calls.get("KeepAlive", 0) == n
        assert asked and all(s == 40.0 for s in asked)   # 55 s capped at 40 s
        task = driver.session._keepalive
        assert task is not None and not task.done()
    assert task.done()                                    # ends with the driver


async def test_an_expired_session_retries_reads_and_reports_writes(
        smc_server: SmcServer) -> None:
    service = smc_server.service()
    async with make_driver(smc_server) as driver:
        await driver.create_conference("c")
        service.expire_sessions()
        assert [c.name for c in await driver.conferences()] == ["c"]   # read: repeated
        assert service.calls["LoginRequest"] == 2
        await driver.add_participant("c", __import__("hnth_drivers.model").model.Endpoint(
            "s1", "10.0.0.1"))
        service.expire_sessions()
        with pytest.raises(WriteNotRepeated) as info:
            await driver.mute("c", "s1", True)
        assert info.value.code == 1351614478 and "not repeated" in str(info.value)
        assert service.calls["LoginRequest"] == 3
        assert not service.mcu.participant("c", "s1").muted          # not done
        await driver.mute("c", "s1", True)                            # fresh session
        assert service.mcu.participant("c", "s1").muted


async def test_concurrent_callers_share_one_fresh_login(smc_server: SmcServer) -> None:
    service = smc_server.service()
    async with make_driver(smc_server) as driver:
        await driver.create_conference("c")
        service.expire_sessions()
        results = await asyncio.gather(*(driver.conferences() for _ in range(5)))
        assert all([c.name for c in r] == ["c"] for r in results)
        assert service.calls["LoginRequest"] == 2 and service.session_count == 1


async def test_wrong_password_is_a_typed_auth_error(smc_server: SmcServer) -> None:
    driver = make_driver(smc_server, password="wrong-password-xyz")
    with pytest.raises(SmcAuthError) as info:
        await driver.open()
    assert info.value.code == 1344274482
    assert "wrong-password-xyz" not in str(info.value) + repr(driver)
    assert smc_server.service().session_count == 0


async def test_logout_on_close(smc_server: SmcServer) -> None:
    service = smc_server.service()
    async with make_driver(smc_server):
        assert service.session_count == 1
    assert service.calls["Logout"] == 1 and service.session_count == 0


async def test_injected_faults_are_result_codes(smc_server: SmcServer,
                                                network: Network) -> None:
    async with make_driver(smc_server) as driver:
        network.mcu("mcu-hn").faults.fail_next("scheduleConfEx", Refusal.INTERNAL_ERROR)
        with pytest.raises(DeviceError) as info:
            await driver.create_conference("c")
        assert info.value.code == 2130000010 and "SDK internal error" in str(info.value)


async def test_calls_without_a_session_get_a_result_code(smc_server: SmcServer) -> None:
    body = (b'<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
            b'xmlns:smc="http://smc.huawei.com/"><soapenv:Body><smc:queryConferencesStatusEx/>'
            b'</soapenv:Body></soapenv:Envelope>')
    ctx = ssl.create_default_context(cafile=str(smc_server.ca_file))
    async with httpx.AsyncClient(verify=ctx) as client:
        reply = await client.post(smc_server.url() + "/tpProfessionalConfMgr", content=body,
                                  headers={"Cookie": "JSESSIONID=forged"})
        assert reply.status_code == 200 and b"<resultCode>571052032</resultCode>" in reply.content
        missing = body.replace(b"<smc:queryConferencesStatusEx/>",
                               b"<smc:queryConfSitesStatusEx/>")
        reply = await client.post(smc_server.url() + "/tpProfessionalConfMgr", content=missing)
        assert reply.status_code == 500 and b"soapenv:Client" in reply.content
        assert b"570462210" in reply.content
        typed = body.replace(b"<smc:queryConferencesStatusEx/>",
                             b"<smc:setSitesMuteEx><confId>1</confId><siteUris>u</siteUris>"
                             b"<isMute>yes</isMute></smc:setSitesMuteEx>")
        reply = await client.post(smc_server.url() + "/tpProfessionalConfCtrl", content=typed)
        assert reply.status_code == 500 and b"570462209" in reply.content
        wrong = await client.post(smc_server.url() + "/tpCommon", content=missing)
        assert wrong.status_code == 500 and b"not served" in wrong.content


async def test_slow_mcu_is_a_timeout(smc_server: SmcServer, network: Network) -> None:
    async with make_driver(smc_server, timeout_s=0.3) as driver:
        network.mcu("mcu-hn").faults.latency_ms = 2000
        with pytest.raises(DeviceTimeout):
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


async def test_not_open_is_a_connect_error(smc_server: SmcServer) -> None:
    with pytest.raises(ConnectError):
        await make_driver(smc_server).conferences()


def test_options_default_keepalive_within_the_documented_bound() -> None:
    assert SmcOptions().keepalive_s <= 40.0


async def test_the_simulator_expires_idle_sessions_at_60_s(network: Network,
                                                           smc_tls_dir: object) -> None:
    clock = [1000.0]
    async with SmcServer(network, user="admin", password=PASSWORD,
                         tls_dir=smc_tls_dir, default_mcu="mcu-hn",  # type: ignore[arg-type]
                         now=lambda: clock[0]) as server:
        service = server.service()
        assert service.session_ttl_s == 60.0
        async with make_driver(server) as driver:
            clock[0] += 39.0
            await driver.session.call("KeepAlive")      # within 40 s: kept
            clock[0] += 59.0
            assert await driver.conferences() == []
            assert service.calls["LoginRequest"] == 1
            clock[0] += 61.0                             # idle past 60 s: expired
            assert await driver.conferences() == []
            assert service.calls["LoginRequest"] == 2


async def test_an_undocumented_result_code_keeps_its_number(smc_server: SmcServer) -> None:
    from hnth_sim.mcu import smc_ops

    async with make_driver(smc_server) as driver:
        real = smc_ops.OPERATIONS["queryConferencesStatusEx"]

        def odd(state: object, params: object) -> None:
            raise smc_ops.ResultError(424242)
        smc_ops.OPERATIONS["queryConferencesStatusEx"] = odd  # type: ignore[assignment]
        try:
            with pytest.raises(DeviceError) as info:
                await driver.conferences()
        finally:
            smc_ops.OPERATIONS["queryConferencesStatusEx"] = real
        assert info.value.code == 424242 and "undocumented" in str(info.value)
