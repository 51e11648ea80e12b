"""McuLink: up/down idempotent, state is the worse side, send_up changes the link's picture."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cascade_chain import CONF, Chain, build_chain

from hnth_drivers.cascade.live import LiveCascade, McuNode
from hnth_drivers.errors import AccessDenied, ConfigError
from hnth_drivers.model import ConnectionState, ParticipantKind
from hnth_drivers.security.access import Operator, Role
from hnth_sim.mcu.model import ManualClock


async def test_up_is_idempotent_and_uses_one_port_each_side(chain: Chain) -> None:
    link = chain.cascade.links["m1"]
    m0, m1 = chain.net.mcu("m0"), chain.net.mcu("m1")
    before = (m0.ports_used, m1.ports_used)
    await link.up()
    assert await link.state() is ConnectionState.CONNECTED
    after = (m0.ports_used, m1.ports_used)
    assert after == (before[0] + 1, before[1] + 1)
    await link.up()
    assert (m0.ports_used, m1.ports_used) == after
    assert [p.name for p in m1.participants(CONF)].count("uplink") == 1
    far = [p for p in m0.participants(CONF) if p.kind is ParticipantKind.CASCADE]
    assert [p.name for p in far] == [link.master_leg]


async def test_down_is_idempotent_and_frees_ports(chain: Chain) -> None:
    link = chain.cascade.links["m1"]
    m0, m1 = chain.net.mcu("m0"), chain.net.mcu("m1")
    before = (m0.ports_used, m1.ports_used)
    await link.up()
    await link.down()
    assert (m0.ports_used, m1.ports_used) == before
    assert await link.state() is ConnectionState.DISCONNECTED
    await link.down()
    assert (m0.ports_used, m1.ports_used) == before


async def test_state_is_the_worse_side_while_dialling(tmp_path: Path) -> None:
    clock = ManualClock()
    c = build_chain(tmp_path, depth=1, clock=clock)
    c.net.mcu("m1").dial_delay_s = 2.0
    link = c.cascade.links["m1"]
    await link.up()
    slave, master = await link.sides()
    assert (slave, master) == (ConnectionState.DIALLING, ConnectionState.CONNECTING)
    assert await link.state() is ConnectionState.DIALLING
    clock.advance(2.0)
    assert await link.state() is ConnectionState.CONNECTED


async def test_dropped_link_reads_disconnected_and_up_redials(chain: Chain) -> None:
    link = chain.cascade.links["m2"]
    await link.up()
    chain.net.mcu("m2").drop(CONF, "uplink")
    assert await link.state() is ConnectionState.DISCONNECTED
    await link.up()
    assert await link.state() is ConnectionState.CONNECTED


async def test_send_up_is_what_the_master_receives(chain: Chain) -> None:
    link = chain.cascade.links["m1"]
    await link.up()
    await link.send_up("s1b")
    chain.net.mcu("m0").show_full_screen(CONF, link.master_leg, target="gov")
    assert chain.chair_view() == ("s1b",)


async def test_cascade_up_and_down_whole_chain(chain: Chain) -> None:
    states = await chain.cascade.up(wait_s=1)
    assert set(states) == {"m1", "m2", "m3"}
    assert set(states.values()) == {ConnectionState.CONNECTED}
    calls = sum(d.calls for d in chain.drivers.values())
    await chain.cascade.up(wait_s=1)   # idempotent: reads only
    adds = [p for p in chain.net.mcu("m3").participants(CONF) if p.name == "uplink"]
    assert len(adds) == 1 and sum(d.calls for d in chain.drivers.values()) > calls
    sites = await chain.cascade.site_states()
    assert sites == dict.fromkeys(chain.cascade.sites, ConnectionState.CONNECTED)
    await chain.cascade.down()
    assert set((await chain.cascade.link_states()).values()) == {ConnectionState.DISCONNECTED}


def test_from_plan_needs_a_driver_per_planned_mcu() -> None:
    import pytest

    from hnth_drivers.cascade.live import LiveCascade
    from hnth_drivers.cascade.planner import plan
    from hnth_drivers.cascade.profiles import vn_2025
    from hnth_drivers.errors import ConfigError
    from hnth_drivers.testing.model_mcu import ModelMcu
    from hnth_sim.mcu.model import Network

    the_plan = plan(vn_2025())
    net = Network()
    drivers = {m.id: ModelMcu(net.add_mcu(m.id, ports=m.capacity)) for m in the_plan.mcus}
    cascade = LiveCascade.from_plan(the_plan, drivers, conference="hnth", chair="gov")
    assert cascade.master == the_plan.master and len(cascade.links) == len(the_plan.links)
    assert all(tuple(cascade.path(a.site)) == the_plan.path(a.site)
               for a in the_plan.sites[::97])
    del drivers[the_plan.links[0].slave]
    with pytest.raises(ConfigError):
        LiveCascade.from_plan(the_plan, drivers, conference="hnth", chair="gov")


async def test_link_changes_are_audited_and_failures_raised(chain: Chain) -> None:
    import json

    import pytest

    from hnth_drivers.errors import DeviceError
    from hnth_sim.mcu.model import Refusal

    chain.cascade.audit = chain.audit
    chain.net.mcu("m2").faults.fail_next("add_participant", Refusal.TOO_MANY_PARTICIPANTS)
    with pytest.raises(DeviceError):
        await chain.cascade.up(wait_s=1)
    await chain.cascade.up(wait_s=1)              # retried: only m2 is dialled now
    await chain.cascade.up(wait_s=1)              # nothing to do: nothing written
    chain.net.mcu("m3").drop(CONF, "uplink")
    await chain.cascade.up(wait_s=1)
    await chain.cascade.down()
    records = [json.loads(line) for line in chain.audit.path.read_text().splitlines()]
    got = [(r["action"], r["target"], r["result"], r["detail"].get("action")) for r in records]
    assert sorted(got[:3]) == [("cascade.link.up", "m1->m0", "ok", "dialled"),
                               ("cascade.link.up", "m2->m1", "failed", None),
                               ("cascade.link.up", "m3->m2", "ok", "dialled")]
    assert got[3:] == [("cascade.link.up", "m2->m1", "ok", "dialled"),
                       ("cascade.link.up", "m3->m2", "ok", "redialled"),
                       ("cascade.link.down", "m3->m2", "ok", "removed"),
                       ("cascade.link.down", "m2->m1", "ok", "removed"),
                       ("cascade.link.down", "m1->m0", "ok", "removed")]


async def test_live_link_states_while_dialling_and_after_a_drop(tmp_path: Path) -> None:
    from hnth_drivers.errors import DeviceTimeout as HnthTimeout

    clock = ManualClock()
    c = build_chain(tmp_path, depth=2, clock=clock)
    c.net.mcu("m2").dial_delay_s = 5.0
    import pytest
    with pytest.raises(HnthTimeout, match="m2: dialling"):
        await c.cascade.up(wait_s=0.05, poll_s=0.01)
    assert await c.cascade.link_states() == {"m1": ConnectionState.CONNECTED,
                                             "m2": ConnectionState.DIALLING}
    clock.advance(5)
    assert set((await c.cascade.wait_links(wait_s=1)).values()) == {ConnectionState.CONNECTED}
    c.net.mcu("m1").drop(CONF, "uplink")
    assert (await c.cascade.link_states())["m1"] is ConnectionState.DISCONNECTED


async def test_master_dialled_links(tmp_path: Path) -> None:
    c = build_chain(tmp_path, depth=2, dialler="master")
    m0, m1, m2 = (c.net.mcu(f"m{k}") for k in range(3))
    before = (m0.ports_used, m1.ports_used, m2.ports_used)
    await c.cascade.up(wait_s=1)
    await c.cascade.up(wait_s=1)
    assert (m0.ports_used, m1.ports_used, m2.ports_used) == (
        before[0] + 1, before[1] + 2, before[2] + 1)
    link = c.cascade.links["m1"]
    assert link.caller.mcu_id == "m0" and link.leg == "link-m1"
    assert [p.name for p in m0.participants(CONF)].count("link-m1") == 1
    assert link.master_leg == "link-m1" and link.uplink == "m0"   # m1 names it after m0
    assert await link.sides() == (ConnectionState.CONNECTED, ConnectionState.CONNECTED)
    await link.send_up("s1b")
    m0.show_full_screen(CONF, link.master_leg, target="gov")
    assert c.chair_view() == ("s1b",)
    await c.cascade.down()
    assert (m0.ports_used, m1.ports_used, m2.ports_used) == before
    assert set((await c.cascade.link_states()).values()) == {ConnectionState.DISCONNECTED}


def test_unknown_dialling_side_is_refused(chain: Chain) -> None:
    import pytest

    from hnth_drivers.cascade.link import McuLink
    from hnth_drivers.errors import ConfigError

    link = chain.cascade.links["m1"]
    with pytest.raises(ConfigError):
        McuLink(link.slave, link.master, dialler="both")


def _authorised(chain: Chain, operator: Operator) -> LiveCascade:
    nodes = [McuNode(m, chain.drivers[m], CONF, f"m{int(m[1:]) - 1}" if m != "m0" else None)
             for m in sorted(chain.drivers)]
    areas = {"m0": "gov", "m1": "s1", "m2": "s2", "m3": "s3"}
    return LiveCascade(nodes, chain.cascade.sites, chair="gov", operator=operator,
                       tree=chain.tree, area_of=areas, audit=chain.audit)


async def test_bring_up_is_authorised_over_every_slave_area(chain: Chain) -> None:
    # s1 is the province; s2 (district) and s3 (commune) lie below it in the tree
    province_tech = Operator("tech.p1", Role.MCU_TECHNICIAN, "s1b")
    cascade = _authorised(chain, province_tech)
    with pytest.raises(AccessDenied):
        await cascade.up(wait_s=1)
    assert not any(p.kind.value == "cascade" for m in ("m0", "m1", "m2", "m3")
                   for p in chain.net.mcu(m).participants(CONF))  # nothing was dialled
    records = [json.loads(x) for x in chain.audit.path.read_text().splitlines()]
    assert records[-1]["result"] == "denied" and records[-1]["detail"]["operator"] == "tech.p1"
    with pytest.raises(AccessDenied):
        await _authorised(chain, Operator("v", Role.VIEWER, "gov")).down()


async def test_bring_up_allowed_to_the_central_operator(chain: Chain) -> None:
    cascade = _authorised(chain, chain.central)
    states = await cascade.up(wait_s=1)
    assert set(states.values()) == {ConnectionState.CONNECTED}
    with pytest.raises(ConfigError):
        LiveCascade([], {}, chair="gov", operator=chain.central)
