"""Failover on simulated MCUs: the master dies mid-meeting, the standby takes its place,
and the chair sees again what it was seeing, through the standby."""

from __future__ import annotations

from pathlib import Path

import pytest
from cascade_chain import CONF

from hnth_drivers.cascade.failover import active_master, failback, failover
from hnth_drivers.cascade.live import LiveCascade, McuNode
from hnth_drivers.cascade.switch import Switcher
from hnth_drivers.errors import AccessDenied, ConfigError
from hnth_drivers.model import ConnectionState, Endpoint, Level, Site
from hnth_drivers.security.access import Operator, Role, SiteTree
from hnth_drivers.security.audit import AuditLog
from hnth_drivers.testing.model_mcu import ModelMcu
from hnth_sim.mcu.model import ManualClock, McuModel, Network

# m0 (master: chair gov, s0) <- m1 (s1, s1b) <- m2 (s2, s2b); m0 <- m3 (s3); standby sb
LAYOUT = {"m0": (None, ["gov", "s0"]), "m1": ("m0", ["s1", "s1b"]),
          "m2": ("m1", ["s2", "s2b"]), "m3": ("m0", ["s3"])}


class Meeting:
    def __init__(self, tmp_path: Path, dialler: str = "slave") -> None:
        self.net = Network(clock=ManualClock(), seed=3)
        self.endpoints: dict[str, Endpoint] = {}
        nodes, sites = [], {}
        tree = [Site("gov", "Chính phủ", Level.GOVERNMENT)]
        for k, (mid, (parent, names)) in enumerate(LAYOUT.items()):
            model = self.net.add_mcu(mid, ports=20)
            model.create_conference(CONF)
            for n, name in enumerate(names):
                self.endpoints[name] = Endpoint(name, f"10.0.{k}.{n + 1}")
                model.add_participant(CONF, self.endpoints[name])
                sites[name] = mid
                if name != "gov":
                    tree.append(Site(name, name, Level.PROVINCE, "gov"))
            nodes.append(McuNode(mid, ModelMcu(model), CONF, parent))
        self.standby_model: McuModel = self.net.add_mcu("sb", ports=20)
        self.standby = McuNode("sb", ModelMcu(self.standby_model), CONF)
        self.tree = SiteTree.of(tree)
        self.audit = AuditLog(tmp_path / "audit.jsonl", durable=False)
        self.central = Operator("central", Role.CENTRAL_OPERATOR)
        self.cascade = LiveCascade(nodes, sites, chair="gov",
                                   dialler_of=lambda _s, _m: dialler)

    def kill(self, mcu: str) -> None:
        """The MCU stops answering and every call it carried drops."""
        model = self.net.mcu(mcu)
        for p in list(model.participants(CONF)):
            if p.state is ConnectionState.CONNECTED:
                model.drop(CONF, p.name)
        model.faults.down = True


@pytest.mark.parametrize("dialler", ["slave", "master"])
async def test_master_killed_mid_meeting_chair_restored_through_standby(
        tmp_path: Path, dialler: str) -> None:
    m = Meeting(tmp_path, dialler)
    await m.cascade.up(wait_s=1)
    chair_view = lambda: m.net.view_of("m0", CONF, "gov")  # noqa: E731
    before = await Switcher(m.cascade, operator=m.central, tree=m.tree, audit=m.audit,
                            view_of=chair_view).switch_to("s2")
    assert before.ok and chair_view() == ("s2",)

    m.kill("m0")
    assert m.net.view_of("m0", CONF, "gov") == ()

    new, trace = await failover(
        m.cascade, m.standby, m.endpoints, operator=m.central, tree=m.tree, audit=m.audit,
        showing="s2", wait_s=2, poll_s=0.01,
        view_of=lambda: m.net.view_of("sb", CONF, "gov"))
    assert trace.ok, trace.reason
    assert m.net.view_of("sb", CONF, "gov") == ("s2",)  # the chair sees s2 again
    assert trace.restored is not None and trace.restored.ok
    assert trace.restored.path == ("m2", "m1", "sb")
    # the timed trace: every step in order, every call timed
    names = [s for s, _ in trace.steps]  # sites and links are dialled at once
    assert names[0] == "conference" and set(names[1:3]) == {"sites", "links"}
    assert names[3:] == ["connected", "restored"]
    ends = [t for _, t in trace.steps]
    assert ends == sorted(ends) and trace.total_s >= ends[-1]
    assert all(c.duration_s >= 0 for c in trace.calls)
    assert {c.detail for c in trace.calls if c.operation == "add_participant"
            and c.step == "sites"} == {"gov", "s0"}
    # only the master's children re-home; deeper links are untouched
    assert new.master == "sb"
    assert {s: n.parent for s, n in new.nodes.items()} == {
        "sb": None, "m1": "sb", "m2": "m1", "m3": "sb"}
    states = await new.link_states()
    assert set(states.values()) == {ConnectionState.CONNECTED}
    assert m.standby_model.participant(CONF, "s0").connected
    # every site reaches the chair again
    for site in ("s0", "s1b", "s3"):
        trace2 = await Switcher(new, operator=m.central, tree=m.tree, audit=None,
                                view_of=lambda: m.net.view_of("sb", CONF, "gov")
                                ).switch_to(site)
        assert trace2.ok and m.net.view_of("sb", CONF, "gov") == (site,)
    logged = m.audit.path.read_text()
    assert '"cascade.failover"' in logged and '"m0->sb"' in logged


async def test_failover_fails_cleanly_when_the_standby_does_not_answer(tmp_path: Path
                                                                       ) -> None:
    m = Meeting(tmp_path)
    await m.cascade.up(wait_s=1)
    m.kill("m0")
    m.standby_model.faults.down = True
    _, trace = await failover(m.cascade, m.standby, m.endpoints, operator=m.central,
                              tree=m.tree, audit=m.audit, showing="s1", wait_s=0.2)
    assert not trace.ok and trace.reason is not None and "sb" in trace.reason
    assert trace.steps == () and trace.restored is None
    assert '"failed"' in m.audit.path.read_text()


async def test_failover_is_authorised_and_checked_before_any_call(tmp_path: Path) -> None:
    m = Meeting(tmp_path)
    viewer = Operator("province-tech", Role.MCU_TECHNICIAN, "s1")
    calls = m.standby.driver.calls  # type: ignore[attr-defined]
    with pytest.raises(AccessDenied):
        await failover(m.cascade, m.standby, m.endpoints, operator=viewer, tree=m.tree,
                       audit=m.audit)
    with pytest.raises(ConfigError, match="endpoint"):
        await failover(m.cascade, m.standby, {}, operator=m.central, tree=m.tree,
                       audit=m.audit)
    with pytest.raises(ConfigError, match="already in the cascade"):
        await failover(m.cascade, m.cascade.nodes["m3"], m.endpoints, operator=m.central,
                       tree=m.tree, audit=m.audit)
    assert m.standby.driver.calls == calls  # type: ignore[attr-defined]
    assert '"denied"' in m.audit.path.read_text()


async def test_vn_2025_plan_fails_over_as_it_says(tmp_path: Path) -> None:
    """The plan's failover links are what the procedure does, on the whole vn-2025 plan."""
    from hnth_drivers.cascade.planner import plan
    from hnth_drivers.cascade.profiles import profile

    topo = profile("vn-2025")
    result = plan(topo)
    assert result.standby is not None
    net = Network(clock=ManualClock(), seed=5)
    drivers, endpoints = {}, {}
    for placed in result.mcus:
        model = net.add_mcu(placed.id, ports=placed.capacity)
        model.create_conference(CONF)
        drivers[placed.id] = ModelMcu(model)
    for n, a in enumerate(result.sites):
        endpoints[a.site] = Endpoint(a.site, f"10.{n // 65536}.{n // 256 % 256}.{n % 256}")
        net.mcu(a.mcu).add_participant(CONF, endpoints[a.site])
    spec = topo.mcu(result.standby)
    standby = McuNode(spec.id, ModelMcu(net.add_mcu(spec.id, ports=spec.capacity)), CONF)
    tree = SiteTree.of(topo.sites)
    central = Operator("central", Role.CENTRAL_OPERATOR)
    cascade = LiveCascade.from_plan(result, drivers, conference=CONF, chair="gov")
    await cascade.up(wait_s=5)
    far = next(a.site for a in result.sites if len(result.path(a.site)) == 2)
    assert (await Switcher(cascade, operator=central, tree=tree, audit=None).switch_to(far)).ok

    master = net.mcu(result.master)
    for p in list(master.participants(CONF)):
        master.drop(CONF, p.name)
    master.faults.down = True
    new, trace = await failover(cascade, standby, endpoints, operator=central, tree=tree,
                                audit=None, showing=far, wait_s=5, poll_s=0.01,
                                view_of=lambda: net.view_of(standby.id, CONF, "gov"))
    assert trace.ok, trace.reason
    assert net.view_of(standby.id, CONF, "gov") == (far,)
    rehomed = {(c, n.parent) for c, n in new.nodes.items() if n.parent == standby.id}
    assert rehomed == {(k.slave, k.master) for k in result.failover_links}
    assert {s for s, mcu in new.sites.items() if mcu == standby.id} == set(
        result.sites_of(result.master))
    # the standby holds the master's whole load within its usable ports
    assert net.mcu(standby.id).ports_used <= spec.usable_ports


@pytest.mark.parametrize("dialler", ["slave", "master"])
async def test_failback_returns_the_meeting_once_the_master_answers(
        tmp_path: Path, dialler: str) -> None:
    m = Meeting(tmp_path, dialler)
    await m.cascade.up(wait_s=1)
    assert (await Switcher(m.cascade, operator=m.central, tree=m.tree, audit=None
                           ).switch_to("s2")).ok
    master = m.cascade.nodes["m0"]
    assert await active_master(master, m.standby, "gov") == "m0"
    m.kill("m0")
    assert await active_master(master, m.standby, "gov") == "m0"  # nothing moved yet
    new, trace = await failover(m.cascade, m.standby, m.endpoints, operator=m.central,
                                tree=m.tree, audit=m.audit, showing="s2", wait_s=2,
                                poll_s=0.01)
    assert trace.ok, trace.reason
    # read back from the MCUs: the standby is the master now, the master answering or not
    assert await active_master(master, m.standby, "gov") == "sb"
    assert await active_master(None, m.standby, "gov") == "sb"

    # the master still does not answer: failback stops at its first step, nothing released
    _, refused = await failback(new, master, m.endpoints, operator=m.central, tree=m.tree,
                                audit=m.audit, showing="s2", wait_s=0.2, poll_s=0.01)
    assert not refused.ok and refused.steps == () and "m0" in (refused.reason or "")
    assert m.standby_model.participant(CONF, "gov").connected

    m.net.mcu("m0").faults.down = False  # the master is back (its calls all dropped)
    steps: list[str] = []
    back, trace = await failback(
        new, master, m.endpoints, operator=m.central, tree=m.tree, audit=m.audit,
        showing="s2", wait_s=2, poll_s=0.01, on_step=lambda s, _t: steps.append(s),
        view_of=lambda: m.net.view_of("m0", CONF, "gov"))
    assert trace.ok, trace.reason
    assert steps == [s for s, _ in trace.steps]
    assert steps[:2] == ["conference", "release"] and steps[-2:] == ["connected", "restored"]
    assert m.net.view_of("m0", CONF, "gov") == ("s2",)  # the chair sees s2 on the master
    assert back.master == "m0" and {s: n.parent for s, n in back.nodes.items()} == {
        "m0": None, "m1": "m0", "m2": "m1", "m3": "m0"}
    assert set((await back.link_states()).values()) == {ConnectionState.CONNECTED}
    assert not any(p.connected for p in m.standby_model.participants(CONF))
    assert await active_master(master, m.standby, "gov") == "m0"
    # the master's sites are its own again; every site reaches the chair
    for site in ("s0", "s1b", "s3"):
        again = await Switcher(back, operator=m.central, tree=m.tree, audit=None,
                               view_of=lambda: m.net.view_of("m0", CONF, "gov")
                               ).switch_to(site)
        assert again.ok, again.reason
    logged = [line for line in m.audit.path.read_text().splitlines()
              if '"cascade.failback"' in line]
    assert len(logged) == 2 and '"failed"' in logged[0] and '"ok"' in logged[1]
    assert '"sb->m0"' in logged[1]
