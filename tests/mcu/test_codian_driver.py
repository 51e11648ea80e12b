"""The codian driver against the Codian simulator over real HTTPS on loopback."""

from __future__ import annotations

import asyncio
import hashlib
import ssl
import time
from pathlib import Path

import httpx
import pytest

from hnth_drivers.errors import (
    AuthError,
    ConnectError,
    DeviceError,
    DeviceTimeout,
    PolicyViolation,
    ProtocolError,
)
from hnth_drivers.mcu.codian import CodianMcu, CodianOptions
from hnth_drivers.model import (
    ConnectionState,
    Endpoint,
    Layout,
    LayoutKind,
    ParticipantKind,
)
from hnth_drivers.security.secrets import Secret
from hnth_drivers.transport.https import TlsTrust
from hnth_sim.mcu.codian_server import CodianServer
from hnth_sim.mcu.model import Network, Refusal, cascade_address
from hnth_sim.mcu.tls import ensure_tls, server_context

from .conftest import PASSWORD, make_driver


def ep(i: int) -> Endpoint:
    return Endpoint(f"site-{i:03d}", f"10.1.{i // 250}.{i % 250 + 1}")


async def test_every_contract_method(driver: CodianMcu, network: Network) -> None:
    conf = await driver.create_conference("national", pin="1234")
    assert conf.name == "national"
    (listed_conf,) = await driver.conferences()
    assert listed_conf.name == "national" and listed_conf.id and listed_conf.active
    added = await driver.add_participant("national", ep(1))
    assert added.state is ConnectionState.DIALLING and added.site == "site-001"
    await driver.add_participant("national", ep(2), name="chair")
    listed = await driver.participants("national")
    assert [(p.name, p.state, p.kind) for p in listed] == [
        ("site-001", ConnectionState.CONNECTED, ParticipantKind.SITE),
        ("chair", ConnectionState.CONNECTED, ParticipantKind.SITE)]
    await driver.show_full_screen("national", "site-001", target="chair")
    seen = await driver.layout("national", target="chair")
    assert (seen.kind, seen.participants(), seen.vendor_name) == (
        LayoutKind.FULL_SCREEN, ("site-001",), "layout1")
    assert network.view_of("mcu-hn", "national", "chair") == ("site-001",)
    await driver.set_layout("national", Layout.grid_of(["chair", "site-001"], 2))
    back = await driver.layout("national")
    assert back.kind is LayoutKind.GRID and back.participants() == ("chair", "site-001")
    await driver.mute("national", "site-001", True)
    assert network.mcu("mcu-hn").participant("national", "site-001").muted
    stats = await driver.stats("national")
    assert {s.participant for s in stats} == {"site-001", "chair"}
    await driver.disconnect_participant("national", "site-001")
    (gone,) = [p for p in await driver.participants("national") if p.name == "site-001"]
    assert gone.state is ConnectionState.DISCONNECTED
    assert network.view_of("mcu-hn", "national", "chair") == ()
    await driver.connect_participant("national", "site-001")
    assert network.view_of("mcu-hn", "national", "chair") == ("site-001",)
    cap = await driver.capacity()
    assert (cap.ports_total, cap.ports_used) == (60, 2)
    health = await driver.health()
    assert health.reachable and health.active_calls == 2 and health.cpu_load_percent
    await driver.remove_participant("national", "site-001")
    assert [p.name for p in await driver.participants("national")] == ["chair"]
    await driver.destroy_conference("national")
    assert await driver.conferences() == []


@pytest.mark.parametrize(
    ("action", "code"),
    [
        ("dup_conference", 2), ("dup_participant", 3), ("no_conference", 4),
        ("no_participant", 5), ("full", 7),
    ],
)
async def test_faults_become_device_errors_with_their_code(
        driver: CodianMcu, network: Network, action: str, code: int) -> None:
    network.mcu("mcu-hn").ports = 1
    await driver.create_conference("c")
    await driver.add_participant("c", ep(1))
    calls = {
        "dup_conference": lambda: driver.create_conference("c"),
        "dup_participant": lambda: driver.add_participant("c", Endpoint("site-001", "10.9.9.9")),
        "no_conference": lambda: driver.participants("nope"),
        "no_participant": lambda: driver.mute("c", "nobody", True),
        "full": lambda: driver.add_participant("c", ep(2)),
    }
    with pytest.raises(DeviceError) as err:
        await calls[action]()
    assert err.value.code == code and err.value.device == driver.device


async def test_wrong_password_is_an_auth_error(server: CodianServer) -> None:
    with pytest.raises(AuthError):
        async with make_driver(server, password="wrong"):
            pass


async def test_untrusted_certificate_is_refused(server: CodianServer, tmp_path: Path) -> None:
    other = ensure_tls(tmp_path / "other")        # a CA that did not sign the server
    mcu = CodianMcu(server.url(), password=Secret("x"), trust=TlsTrust(ca_file=other.ca_cert))
    with pytest.raises(PolicyViolation):
        await mcu.open()
    with pytest.raises(PolicyViolation):
        await CodianMcu(server.url(), password=Secret("x"), trust=None).open()


async def test_paging_over_several_pages(driver: CodianMcu, network: Network) -> None:
    network.mcu("mcu-hn").ports = 200
    await driver.create_conference("big")
    for i in range(60):                           # page size 25: three pages
        network.mcu("mcu-hn").add_participant("big", ep(i))
    names = [p.name for p in await driver.participants("big")]
    assert names == [ep(i).site for i in range(60)]
    for i in range(30):
        await driver.create_conference(f"c{i}")
    assert len(await driver.conferences()) == 31


async def test_latency_injection_is_respected(driver: CodianMcu, network: Network) -> None:
    network.mcu("mcu-hn").faults.latency_ms = 150
    started = time.monotonic()
    await driver.conferences()
    assert time.monotonic() - started >= 0.15


async def test_timeouts_never_hang(server: CodianServer, network: Network) -> None:
    async with make_driver(server, timeout_s=0.3) as mcu:
        network.mcu("mcu-hn").faults.latency_ms = 5_000
        started = time.monotonic()
        with pytest.raises(DeviceTimeout):
            await mcu.conferences()
        # a read is tried twice, each bounded by the timeout
        assert time.monotonic() - started < 2.0


async def test_reads_retry_once_writes_never(driver: CodianMcu, network: Network) -> None:
    faults = network.mcu("mcu-hn").faults
    faults.fail_next("conference.enumerate", Refusal.INTERNAL_ERROR)
    assert await driver.conferences() == []                       # retried once
    faults.fail_next("conference.enumerate", Refusal.INTERNAL_ERROR, times=2)
    with pytest.raises(DeviceError) as err:
        await driver.conferences()
    assert err.value.code == 34
    faults.fail_next("conference.create", Refusal.OPERATION_FAILED)
    with pytest.raises(DeviceError) as err:
        await driver.create_conference("once")
    assert err.value.code == 201
    assert await driver.conferences() == [], "the write was not repeated"


async def test_mcu_down_is_a_connect_error(driver: CodianMcu, network: Network) -> None:
    network.mcu("mcu-hn").faults.down = True
    with pytest.raises(ConnectError):
        await driver.capacity()


async def test_many_mcus_on_one_socket_and_a_real_cascade(server: CodianServer,
                                                          network: Network) -> None:
    network.add_mcu("mcu-hp", ports=10)
    async with make_driver(server) as master, make_driver(server, mcu="mcu-hp") as slave:
        await master.create_conference("national")
        await master.add_participant("national", Endpoint("chair", "10.0.0.1"))
        await slave.create_conference("hp")
        await slave.add_participant("hp", Endpoint("hp-tp", "10.2.0.1"))
        link = await slave.add_participant(
            "hp", Endpoint("hp-link", cascade_address("mcu-hn", "national")), name="up",
            kind=ParticipantKind.CASCADE)
        assert link.kind is ParticipantKind.CASCADE
        on_master = {p.name: p for p in await master.participants("national")}
        assert on_master["mcu-hp"].kind is ParticipantKind.CASCADE
        await slave.show_full_screen("hp", "hp-tp", target="up")
        await master.show_full_screen("national", "mcu-hp", target="chair")
        assert network.view_of("mcu-hn", "national", "chair") == ("hp-tp",)
        assert (await master.capacity()).ports_used == 2
        assert (await slave.capacity()).ports_used == 2
    assert server.url("mcu-hp").endswith("/mcu/mcu-hp/RPC2")


async def test_unknown_path_and_bad_requests(server: CodianServer, driver: CodianMcu) -> None:
    ctx = ssl.create_default_context(cafile=str(server.ca_file))
    base = server.url().removesuffix("/RPC2")
    async with httpx.AsyncClient(verify=ctx, timeout=5) as client:
        assert (await client.post(base + "/mcu/nope/RPC2", content=b"x")).status_code == 404
        assert (await client.get(base + "/RPC2")).status_code == 405
        big = b"<" * (2 * 1024 * 1024)
        assert (await client.post(base + "/RPC2", content=big)).status_code == 413
        for junk in (b"not xml", b"<methodCall>", b"<?xml version='1.0'?><!DOCTYPE x "
                     b"[<!ENTITY a 'aaaa'>]><methodCall><methodName>&a;</methodName>"
                     b"</methodCall>"):
            reply = await client.post(base + "/RPC2", content=junk)
            assert reply.status_code == 200 and b"<fault>" in reply.content
    assert await driver.conferences() == [], "the server survived"


async def test_concurrent_calls(driver: CodianMcu) -> None:
    await driver.create_conference("c")
    await asyncio.gather(*(driver.add_participant("c", ep(i)) for i in range(20)))
    assert len(await driver.participants("c")) == 20


async def test_pinned_certificate(server: CodianServer) -> None:
    der = ssl.PEM_cert_to_DER_cert(server.tls.cert.read_text())
    good = hashlib.sha256(der).hexdigest()
    async with CodianMcu(server.url(), password=Secret(PASSWORD),
                         trust=TlsTrust(pin_sha256=good)) as mcu:
        assert await mcu.conferences() == []
    with pytest.raises(PolicyViolation):
        await CodianMcu(server.url(), password=Secret(PASSWORD),
                        trust=TlsTrust(pin_sha256="00" * 32)).open()


async def test_oversized_reply_is_refused(server: CodianServer, network: Network) -> None:
    mcu = network.mcu("mcu-hn")
    mcu.create_conference("c")
    for i in range(20):
        mcu.add_participant("c", ep(i))
    small = CodianMcu(server.url(), password=Secret(PASSWORD),
                      trust=TlsTrust(ca_file=server.ca_file),
                      options=CodianOptions(max_response_bytes=4096))
    async with small:
        with pytest.raises(ProtocolError, match="too large"):
            await small.participants("c")


async def test_a_dripping_server_cannot_hold_a_call(server: CodianServer) -> None:
    async def drip(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
            for _ in range(200):
                writer.write(b" ")
                await writer.drain()
                await asyncio.sleep(0.05)    # always within the per-read timeout
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    slow = await asyncio.start_server(drip, "127.0.0.1", 0,
                                      ssl=server_context(server.tls))
    port = slow.sockets[0].getsockname()[1]
    mcu = CodianMcu(f"https://127.0.0.1:{port}/RPC2", password=Secret(PASSWORD),
                    trust=TlsTrust(ca_file=server.ca_file),
                    options=CodianOptions(timeout_s=0.3))
    started = time.monotonic()
    try:
        with pytest.raises(DeviceTimeout):
            await mcu.open()
    finally:
        slow.close()
    assert time.monotonic() - started < 3.0
