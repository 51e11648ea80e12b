"""The cascade and the timed switch over SMC MCUs only (a NationalSim chain of four)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from hnth_drivers.cascade.live import LiveCascade, McuNode
from hnth_drivers.cascade.switch import Switcher
from hnth_drivers.mcu.smc import SmcMcu
from hnth_drivers.model import ConnectionState, Level, ParticipantKind, Site
from hnth_drivers.security.access import Operator, Role, SiteTree
from hnth_drivers.security.audit import AuditLog
from hnth_drivers.security.secrets import Secret
from hnth_drivers.transport.https import TlsTrust
from hnth_sim.network import NationalSim, SimMcu

PASSWORD = "smc-cascade-pw"
SITES = {"gov": "m0", "s0": "m0", "s1": "m1", "s2": "m2", "s3": "m3", "s3b": "m3"}


@pytest.fixture(params=["slave", "master"], ids=["slave-dials", "master-dials"])
async def wired(request: pytest.FixtureRequest, smc_tls_dir: Path
                ) -> AsyncIterator[tuple[NationalSim, LiveCascade, list[SmcMcu]]]:
    sim = NationalSim([SimMcu(f"m{k}", "smc", ports=10) for k in range(4)], SITES,
                      password=PASSWORD, tls_dir=smc_tls_dir, latency_ms=2)
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(sim)
        nodes, drivers = [], []
        for k in range(4):
            drv = SmcMcu(sim.url(f"m{k}"), password=Secret(PASSWORD),
                         trust=TlsTrust(ca_file=sim.ca_file))
            await stack.enter_async_context(drv)
            drivers.append(drv)
            nodes.append(McuNode(f"m{k}", drv, sim.conference, f"m{k - 1}" if k else None))
        yield sim, LiveCascade(nodes, SITES, chair="gov",
                               dialler_of=lambda slave, master: request.param), drivers


def _tree() -> SiteTree:
    return SiteTree.of([Site("gov", "gov", Level.GOVERNMENT)] +
                       [Site(s, s, Level.PROVINCE, "gov") for s in SITES if s != "gov"])


@pytest.mark.parametrize(("site", "hops"), [("s0", 0), ("s1", 1), ("s2", 2), ("s3b", 3)])
async def test_switch_over_smc(wired: tuple[NationalSim, LiveCascade, list[SmcMcu]],
                               tmp_path: Path, site: str, hops: int) -> None:
    sim, cascade, _ = wired
    states = await cascade.up(wait_s=5)
    assert set(states.values()) == {ConnectionState.CONNECTED}
    sw = Switcher(cascade, operator=Operator("central", Role.CENTRAL_OPERATOR), tree=_tree(),
                  audit=AuditLog(tmp_path / "a.jsonl", durable=False),
                  view_of=lambda: sim.view_of("m0", "gov"),
                  hears=lambda: sim.audio_of("m0", "gov"))
    trace = await sw.switch_to(site)
    assert trace.ok, trace.reason
    assert trace.hops == hops
    assert sim.view_of("m0", "gov") == (site,)


async def test_cascade_up_and_down_over_smc(
        wired: tuple[NationalSim, LiveCascade, list[SmcMcu]]) -> None:
    sim, cascade, drivers = wired
    await cascade.up(wait_s=5)
    used = [sim.mcu(f"m{k}").ports_used for k in range(4)]
    await cascade.up(wait_s=5)
    assert [sim.mcu(f"m{k}").ports_used for k in range(4)] == used
    assert await cascade.site_states() == dict.fromkeys(SITES, ConnectionState.CONNECTED)
    links = [p for p in await drivers[0].participants(sim.conference)
             if p.kind is ParticipantKind.CASCADE]
    assert len(links) == 1 and links[0].state is ConnectionState.CONNECTED
    await cascade.down()
    assert set((await cascade.link_states()).values()) == {ConnectionState.DISCONNECTED}
