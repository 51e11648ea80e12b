"""The switch path over the real protocols: a NationalSim chain of Codian and SMC MCUs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from hnth_drivers.cascade.live import LiveCascade, McuNode
from hnth_drivers.cascade.switch import Switcher
from hnth_drivers.mcu.base import Mcu
from hnth_drivers.mcu.codian import CodianMcu, CodianOptions
from hnth_drivers.mcu.smc import SmcMcu
from hnth_drivers.model import ConnectionState, Level, Site
from hnth_drivers.security.access import Operator, Role, SiteTree
from hnth_drivers.security.audit import AuditLog
from hnth_drivers.security.secrets import Secret
from hnth_drivers.transport.https import TlsTrust
from hnth_sim.network import NationalSim, SimMcu

PASSWORD = "cascade-tests-pw"
SITES = {"gov": "m0", "s0": "m0", "s1": "m1", "s2": "m2", "s3": "m3", "s3b": "m3"}


@pytest.fixture(scope="module")
def tls_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cascade-tls")


APIS = {"codian": ("codian",) * 4, "mixed": ("codian", "smc", "codian", "smc")}
SETUPS = [("codian", "slave"), ("mixed", "slave"), ("mixed", "master")]


@pytest.fixture(params=SETUPS, ids=[f"{a}-{d}-dials" for a, d in SETUPS])
async def wired(request: pytest.FixtureRequest,
                tls_dir: Path) -> AsyncIterator[tuple[NationalSim, LiveCascade]]:
    apis, dialler = APIS[request.param[0]], request.param[1]
    sim = NationalSim([SimMcu(f"m{k}", apis[k], ports=10) for k in range(4)], SITES,
                      password=PASSWORD, tls_dir=tls_dir, latency_ms=5)
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(sim)
        nodes = []
        for k in range(4):
            trust = TlsTrust(ca_file=sim.ca_file)
            drv: Mcu = SmcMcu(sim.url(f"m{k}"), password=Secret(PASSWORD), trust=trust) \
                if apis[k] == "smc" else CodianMcu(sim.url(f"m{k}"), password=Secret(PASSWORD),
                                                   trust=trust,
                                                   options=CodianOptions(timeout_s=5))
            await stack.enter_async_context(drv)
            nodes.append(McuNode(f"m{k}", drv, sim.conference, f"m{k - 1}" if k else None))
        yield sim, LiveCascade(nodes, SITES, chair="gov",
                               dialler_of=lambda slave, master: dialler)


def _tree() -> SiteTree:
    return SiteTree.of([Site("gov", "gov", Level.GOVERNMENT)] +
                       [Site(s, s, Level.PROVINCE, "gov") for s in SITES if s != "gov"])


@pytest.mark.parametrize(("site", "hops"), [("s1", 1), ("s2", 2), ("s3b", 3)])
async def test_switch_over_codian(wired: tuple[NationalSim, LiveCascade], tmp_path: Path,
                                  site: str, hops: int) -> None:
    sim, cascade = wired
    states = await cascade.up(wait_s=5)
    assert set(states.values()) == {ConnectionState.CONNECTED}
    sw = Switcher(cascade, operator=Operator("central", Role.CENTRAL_OPERATOR), tree=_tree(),
                  audit=AuditLog(tmp_path / "a.jsonl", durable=False),
                  view_of=lambda: sim.view_of("m0", "gov"))
    trace = await sw.switch_to(site)
    assert trace.ok, trace.reason
    assert trace.hops == hops
    assert sim.view_of("m0", "gov") == (site,)
    assert site in sim.audio_of("m0", "gov")


async def test_cascade_up_is_idempotent_over_codian(
        wired: tuple[NationalSim, LiveCascade]) -> None:
    sim, cascade = wired
    await cascade.up(wait_s=5)
    used = [sim.mcu(f"m{k}").ports_used for k in range(4)]
    await cascade.up(wait_s=5)
    assert [sim.mcu(f"m{k}").ports_used for k in range(4)] == used
    assert await cascade.site_states() == dict.fromkeys(SITES, ConnectionState.CONNECTED)
    await cascade.down()
    await cascade.down()
    assert set((await cascade.link_states()).values()) == {ConnectionState.DISCONNECTED}


async def test_one_socket_each_mcu_only_its_own_api(tls_dir: Path) -> None:
    import ssl

    import httpx
    sim = NationalSim([SimMcu("a", "codian"), SimMcu("b", "smc")], {"x": "a"},
                      password=PASSWORD, tls_dir=tls_dir)
    async with sim:
        assert sim.url("a").endswith("/mcu/a/RPC2")
        assert sim.url("b").endswith("/smc/b/esdk/services")
        base = sim.url("a").split("/mcu/")[0]
        ctx = ssl.create_default_context(cafile=str(sim.ca_file))
        async with httpx.AsyncClient(verify=ctx) as client:
            assert (await client.post(f"{base}/mcu/b/RPC2", content=b"x")).status_code == 404
            assert (await client.post(f"{base}/smc/a/esdk/services/tpCommon",
                                      content=b"x")).status_code == 404
            assert (await client.get(f"{base}/smc/b/esdk/services/tpCommon?wsdl")
                    ).status_code == 200


async def test_deadline_cancels_cleanly_over_https(wired: tuple[NationalSim, LiveCascade],
                                                   tmp_path: Path) -> None:
    import asyncio
    sim, cascade = wired
    await cascade.up(wait_s=5)
    sw = Switcher(cascade, operator=Operator("central", Role.CENTRAL_OPERATOR), tree=_tree(),
                  audit=None, view_of=lambda: sim.view_of("m0", "gov"))
    sim.mcu("m2").faults.latency_ms = 3000
    trace = await sw.switch_to("s3", deadline_s=0.3)
    assert not trace.ok and trace.reason is not None and "deadline" in trace.reason
    assert trace.total_s < 1.5
    left = [t for t in asyncio.all_tasks()   # no call of the switch is left running
            if "_Recorder" in getattr(t.get_coro(), "__qualname__", "")]
    assert left == []
    sim.mcu("m2").faults.latency_ms = 0
    again = await sw.switch_to("s3")
    assert again.ok, again.reason
    assert sim.view_of("m0", "gov") == ("s3",)


async def test_participant_status_matches_the_list(
        wired: tuple[NationalSim, LiveCascade]) -> None:
    from hnth_drivers.errors import DeviceError
    sim, cascade = wired
    await cascade.up(wait_s=5)
    for node in cascade.nodes.values():
        listed = {p.name: p for p in await node.driver.participants(sim.conference)}
        for name, p in listed.items():
            assert await node.driver.participant(sim.conference, name) == p
        with pytest.raises(DeviceError):
            await node.driver.participant(sim.conference, "nobody-here")


async def test_watchdog_redials_a_dropped_link_over_the_wire(
        wired: tuple[NationalSim, LiveCascade], tmp_path: Path) -> None:
    from hnth_drivers.cascade.watchdog import EventKind, Watchdog, WatchdogEvent
    sim, cascade = wired
    await cascade.up(wait_s=5)
    events: list[WatchdogEvent] = []
    audit = AuditLog(tmp_path / "w.jsonl", durable=False)
    dog = Watchdog(cascade, notify=events.append, audit=audit)
    link = cascade.links["m3"]
    sim.mcu(link.caller.mcu_id).drop(sim.conference, link.leg)
    await dog.poll_once()
    await dog.poll_once()
    caller = link.caller.mcu_id
    assert [(e.kind, e.mcu) for e in events] == [
        (EventKind.DROPPED, caller), (EventKind.REDIALED, caller),
        (EventKind.RECOVERED, caller)]
    assert await cascade.links["m3"].state() is ConnectionState.CONNECTED
    assert audit.records == 3
