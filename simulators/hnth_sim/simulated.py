"""A whole planned meeting on simulated MCUs, reached by the real drivers over HTTPS.

:func:`simulated_meeting` plans a topology (or takes a plan), starts a
:class:`hnth_sim.network.NationalSim` with the MCUs the plan uses (each MCU on the wire
API its inventory names, when this build has that front end and driver, else Codian) and
every site connected to its planned MCU, opens one driver per MCU and yields a
:class:`SimulatedMeeting` whose :class:`~hnth_drivers.cascade.live.LiveCascade` is ready
to be brought up. Used by ``hnth demo``, the cascade benchmark and the scenario tests::

    async with simulated_meeting(profile("vn-2025"), latency_ms=50) as meeting:
        await meeting.cascade.up()
        trace = await meeting.switcher().switch_to("p01-c001")
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from hnth_drivers.cascade.live import LiveCascade, gather_bounded
from hnth_drivers.cascade.planner import Plan, plan
from hnth_drivers.cascade.switch import Switcher
from hnth_drivers.cascade.topology import Topology
from hnth_drivers.mcu.base import Mcu
from hnth_drivers.mcu.codian import CodianMcu, CodianOptions
from hnth_drivers.mcu.smc import SmcMcu, SmcOptions
from hnth_drivers.model import Level
from hnth_drivers.security.access import Operator, Role, SiteTree
from hnth_drivers.security.audit import AuditLog
from hnth_drivers.security.secrets import Secret
from hnth_drivers.transport.https import TlsTrust

from .network import NationalSim, SimMcu

__all__ = ["SimulatedMeeting", "simulated_meeting", "wire_apis"]


def wire_apis() -> frozenset[str]:
    """The MCU wire APIs this build can both simulate and drive."""
    return frozenset({"codian", "smc"})


@dataclass
class SimulatedMeeting:
    """A planned meeting on a running simulation (see :func:`simulated_meeting`)."""

    topology: Topology
    plan: Plan
    sim: NationalSim
    drivers: dict[str, Mcu]
    cascade: LiveCascade
    tree: SiteTree
    chair: str

    def chair_view(self) -> tuple[str, ...]:
        """Site ids on the chair's screen, as the simulation's model computes them."""
        return self.sim.view_of(self.cascade.master, self.chair)

    def chair_hears(self) -> frozenset[str]:
        """Site ids the chair hears, as the simulation's model computes them."""
        return self.sim.audio_of(self.cascade.master, self.chair)

    def switcher(self, *, operator: Operator | None = None, audit: AuditLog | None = None,
                 limit_s: float = 30.0, deadline_s: float | None = None) -> Switcher:
        """A :class:`Switcher` for this meeting, confirming through the model too."""
        return Switcher(self.cascade,
                        operator=operator or Operator("central", Role.CENTRAL_OPERATOR),
                        tree=self.tree, audit=audit, limit_s=limit_s, deadline_s=deadline_s,
                        view_of=self.chair_view, hears=self.chair_hears)


def _chair(topology: Topology, the_plan: Plan) -> str:
    tops = [s.id for s in topology.sites if s.parent is None
            and the_plan.mcu_of(s.id) == the_plan.master]
    if not tops:
        tops = [s.id for s in topology.sites if s.level is Level.GOVERNMENT
                and the_plan.mcu_of(s.id) == the_plan.master]
    if not tops:
        from hnth_drivers.errors import ConfigError
        raise ConfigError("no site of the master MCU can chair the meeting",
                          operation="simulated_meeting", device=the_plan.master)
    return tops[0]


@asynccontextmanager
async def simulated_meeting(
    topology: Topology, *, the_plan: Plan | None = None, latency_ms: float = 0.0,
    tls_dir: Path | None = None, timeout_s: float = 10.0, concurrency: int = 32,
    seed: int = 0, apis: frozenset[str] | None = None,
) -> AsyncIterator[SimulatedMeeting]:
    """Plan, simulate and connect drivers; everything is closed on exit.

    Each MCU speaks the API its inventory names if it is in ``apis`` (default: every API
    of :func:`wire_apis`), else Codian.
    """
    the_plan = the_plan or plan(topology)
    password = secrets.token_urlsafe(18)
    apis = wire_apis() if apis is None else apis & wire_apis()
    mcus = [SimMcu(m.id, topology.mcu(m.id).driver if topology.mcu(m.id).driver in apis
                   else "codian", ports=m.capacity) for m in the_plan.mcus]
    sites = {a.site: a.mcu for a in the_plan.sites}
    async with AsyncExitStack() as stack:
        if tls_dir is None:
            tls_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="hnth-")))
        sim = NationalSim(mcus, sites, password=password, tls_dir=tls_dir,
                          latency_ms=latency_ms, seed=seed)
        await stack.enter_async_context(sim)
        trust = TlsTrust(ca_file=sim.ca_file)
        drivers: dict[str, Mcu] = {}
        for m in mcus:
            if m.api == "smc":
                drivers[m.id] = SmcMcu(sim.url(m.id), password=Secret(password), trust=trust,
                                       options=SmcOptions(timeout_s=timeout_s), device=m.id)
            else:
                drivers[m.id] = CodianMcu(sim.url(m.id), password=Secret(password),
                                          trust=trust,
                                          options=CodianOptions(timeout_s=timeout_s),
                                          device=m.id)
        for driver in drivers.values():
            stack.push_async_callback(driver.close)
        await gather_bounded([partial(d.open) for d in drivers.values()], concurrency)
        chair = _chair(topology, the_plan)
        tree = SiteTree.of(topology.sites)
        cascade = LiveCascade.from_plan(
            the_plan, drivers, conference=sim.conference, chair=chair, concurrency=concurrency,
            operator=Operator("central", Role.CENTRAL_OPERATOR), tree=tree,
            area_of={m.id: m.area for m in topology.mcus})
        yield SimulatedMeeting(topology, the_plan, sim, drivers, cascade, tree, chair)
