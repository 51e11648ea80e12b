"""A planned cascade brought to life: one driver and one conference per MCU, the links.

:class:`LiveCascade` knows, for a meeting, which conference each MCU hosts, which MCU
each one cascades to (its parent; the master has none), where each site is connected and
where the chair sits (a participant of the master's conference). It brings every link up
and tears it down (concurrently, bounded, audited), reads link states (uplinks by status
query, answering legs from the parents' lists) and site states (one participant list per
MCU), and gives the path a site's picture travels to the chair.

Participants for sites are named by their site id, the convention of
:meth:`~hnth_drivers.mcu.base.Mcu.add_participant`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from ..errors import AccessDenied, ConfigError, DeviceError, DeviceTimeout, HnthError
from ..mcu.base import Mcu
from ..model import ConnectionState, Participant
from ..security.access import Action, Operator, SiteTree, authorize
from ..security.audit import AuditLog
from .link import LinkEnd, McuLink, default_cascade_address, worse

if TYPE_CHECKING:
    from .planner import Plan

__all__ = ["LiveCascade", "McuNode", "gather_bounded"]

T = TypeVar("T")


async def gather_bounded(factories: Iterable[Callable[[], Awaitable[T]]], limit: int) -> list[T]:
    """Run the awaitables made by ``factories`` with at most ``limit`` in flight, in order."""
    sem = asyncio.Semaphore(limit)

    async def one(make: Callable[[], Awaitable[T]]) -> T:
        async with sem:
            return await make()

    return list(await asyncio.gather(*(one(f) for f in factories)))


@dataclass(frozen=True, slots=True)
class McuNode:
    """One MCU of the meeting: its driver, the conference it hosts, its parent MCU."""

    id: str
    driver: Mcu
    conference: str
    parent: str | None = None


class LiveCascade:
    """The cascade of one meeting over live drivers (see the module docstring).

    ``address_of(mcu_id, conference)`` gives the address a slave dials to reach its
    parent's conference (default: the simulators' ``"<conference>@<mcu id>"``).
    ``dialler_of(slave, master)`` says which side dials each link (``"slave"``, the
    default, or ``"master"``). ``concurrency`` bounds the calls in flight in sweeps and
    bring-up. With ``audit``,
    every link brought up, redialled or torn down (or failing to) is recorded as
    ``actor``. With ``operator`` (and the site ``tree``), bringing links up or down is
    authorised first: MCU control over the area of every slave MCU involved
    (``area_of[mcu id]``, the root site of the area it serves; an MCU without a known
    area is refused). A refusal is audited and raised before any link is touched.
    """

    def __init__(self, nodes: Iterable[McuNode], sites: Mapping[str, str], *, chair: str,
                 address_of: Callable[[str, str], str] = default_cascade_address,
                 concurrency: int = 32, audit: AuditLog | None = None,
                 actor: str = "cascade",
                 dialler_of: Callable[[str, str], str] | None = None,
                 operator: Operator | None = None, tree: SiteTree | None = None,
                 area_of: Mapping[str, str] | None = None) -> None:
        self.audit = audit
        self.actor = actor
        #: how a caller reaches a conference: ``address_of(mcu id, conference)``
        self.address_of = address_of
        if operator is not None and tree is None:
            raise ConfigError("authorising an operator needs the site tree",
                              operation="LiveCascade", expected="tree=SiteTree(...)")
        self.operator, self.tree, self.area_of = operator, tree, dict(area_of or {})
        self.nodes = {n.id: n for n in nodes}
        masters = [n.id for n in self.nodes.values() if n.parent is None]
        if len(masters) != 1:
            raise ConfigError("a cascade needs exactly one master (an MCU without parent)",
                              operation="LiveCascade", got=repr(masters))
        self.master = masters[0]
        for node in self.nodes.values():
            if node.parent is not None and node.parent not in self.nodes:
                raise ConfigError("unknown parent MCU", operation="LiveCascade",
                                  device=node.id, got=repr(node.parent))
        self.sites = dict(sites)
        for site, mcu in self.sites.items():
            if mcu not in self.nodes:
                raise ConfigError("site on an unknown MCU", operation="LiveCascade",
                                  device=site, got=repr(mcu))
        if self.sites.get(chair) != self.master:
            raise ConfigError("the chair must be a site of the master MCU",
                              operation="LiveCascade", device=chair,
                              expected=self.master, got=repr(self.sites.get(chair)))
        self.chair = chair
        self.concurrency = concurrency
        self.links: dict[str, McuLink] = {}
        for node in self.nodes.values():
            if node.parent is None:
                continue
            parent = self.nodes[node.parent]
            dialler = dialler_of(node.id, parent.id) if dialler_of else "slave"
            callee = parent if dialler == "slave" else node
            self.links[node.id] = McuLink(
                LinkEnd(node.driver, node.id, node.conference),
                LinkEnd(parent.driver, parent.id, parent.conference), dialler=dialler,
                address=address_of(callee.id, callee.conference))
        for mcu_id in self.nodes:
            self.mcu_path(mcu_id)  # refuses cycles now rather than during a switch

    @classmethod
    def from_plan(cls, plan: Plan, drivers: Mapping[str, Mcu], *, conference: str,
                  chair: str, address_of: Callable[[str, str], str] = default_cascade_address,
                  concurrency: int = 32, audit: AuditLog | None = None,
                  actor: str = "cascade",
                  dialler_of: Callable[[str, str], str] | None = None,
                  operator: Operator | None = None, tree: SiteTree | None = None,
                  area_of: Mapping[str, str] | None = None) -> LiveCascade:
        """The cascade of a :class:`~hnth_drivers.cascade.planner.Plan`: every MCU the plan
        uses hosts ``conference`` and is reached through ``drivers[mcu id]``."""
        missing = [m.id for m in plan.mcus if m.id not in drivers]
        if missing:
            raise ConfigError("no driver for some planned MCUs", operation="LiveCascade",
                              expected="a driver per MCU of the plan", got=repr(missing[:5]))
        return cls([McuNode(m.id, drivers[m.id], conference, m.parent) for m in plan.mcus],
                   {a.site: a.mcu for a in plan.sites}, chair=chair,
                   address_of=address_of, concurrency=concurrency, audit=audit, actor=actor,
                   dialler_of=dialler_of, operator=operator, tree=tree, area_of=area_of)

    def mcu_path(self, mcu_id: str) -> list[str]:
        """MCU ids from ``mcu_id`` up to the master (both included)."""
        path = [mcu_id]
        while (parent := self.nodes[path[-1]].parent) is not None:
            if parent in path:
                raise ConfigError("the cascade has a cycle", operation="LiveCascade",
                                  got=" -> ".join([*path, parent]))
            path.append(parent)
        return path

    def path(self, site: str) -> list[str]:
        """MCU ids a site's picture crosses: its own MCU, …, the master."""
        mcu = self.sites.get(site)
        if mcu is None:
            raise ConfigError("unknown site", operation="cascade path", device=site,
                              expected="a site of the meeting")
        return self.mcu_path(mcu)

    def depth(self, mcu_id: str) -> int:
        """Cascade hops from ``mcu_id`` to the master."""
        return len(self.mcu_path(mcu_id)) - 1

    def _by_depth(self) -> list[McuLink]:
        return sorted(self.links.values(), key=lambda link: self.depth(link.slave.mcu_id))

    async def up(self, *, wait_s: float = 30.0, poll_s: float = 0.2) -> dict[str, ConnectionState]:
        """Bring every link up (idempotent) and wait until all are connected.

        Reads each slave's uplink (a small status query), dials the missing ones and
        redials the dropped ones, all at once.

        Returns the final state per slave MCU. Raises :class:`DeviceTimeout` naming the
        links still down after ``wait_s``.
        """
        links = self._by_depth()
        await self._authorize(links, "cascade.link.up")
        legs = await gather_bounded([partial(self._dial_leg, link) for link in links],
                                    self.concurrency)
        await self._each([partial(link.up_from, [leg] if leg else [])
                          for link, leg in zip(links, legs, strict=True)], links,
                         "cascade.link.up")
        return await self.wait_links(wait_s=wait_s, poll_s=poll_s)

    @staticmethod
    async def _dial_leg(link: McuLink) -> Participant | None:
        try:
            return await link.caller.mcu.participant(link.caller.conference, link.leg)
        except DeviceError:
            return None  # no dial-out participant: the link is down

    async def _authorize(self, links: list[McuLink], what: str) -> None:
        if self.operator is None:
            return
        assert self.tree is not None
        for link in links:
            area = self.area_of.get(link.slave.mcu_id, f"<unknown area of {link.slave.mcu_id}>")
            try:
                authorize(self.operator, Action.MCU_CONTROL, area, self.tree)
            except AccessDenied as exc:
                await self._record(what, link, "denied",
                                   {"operator": self.operator.name, "reason": exc.message})
                raise

    async def _each(self, actions: list[Callable[[], Awaitable[object]]],
                    links: list[McuLink], what: str) -> None:
        # Every link is tried; each change (or failure) is audited; then the first
        # failure is raised.
        async def one(action: Callable[[], Awaitable[object]]) -> object:
            try:
                return await action()
            except HnthError as exc:
                return exc

        results = await gather_bounded([partial(one, a) for a in actions], self.concurrency)
        errors = []
        for link, result in zip(links, results, strict=True):
            if isinstance(result, HnthError):
                errors.append(result)
                await self._record(what, link, "failed", {"error": str(result)})
            elif result:
                await self._record(what, link, "ok", {"action": str(result)})
        if errors:
            raise errors[0]

    async def _record(self, what: str, link: McuLink, result: str,
                      detail: dict[str, object]) -> None:
        if self.audit is not None:
            await asyncio.to_thread(
                self.audit.append, actor=self.actor, action=what,
                target=f"{link.slave.mcu_id}->{link.master.mcu_id}", result=result,
                detail=detail)

    async def wait_links(self, *, wait_s: float = 30.0,
                         poll_s: float = 0.2) -> dict[str, ConnectionState]:
        """Poll link states until every link is connected or ``wait_s`` passes."""
        deadline = time.monotonic() + wait_s
        while True:
            states = await self.link_states()
            bad = {k: v for k, v in states.items() if v is not ConnectionState.CONNECTED}
            if not bad:
                return states
            if time.monotonic() >= deadline:
                shown = ", ".join(f"{k}: {v.value}" for k, v in sorted(bad.items())[:10])
                raise DeviceTimeout("cascade links did not all connect", operation="cascade up",
                                   expected=f"all {len(states)} connected within {wait_s} s",
                                   got=f"{len(bad)} not connected ({shown})")
            await asyncio.sleep(poll_s)

    async def down(self) -> None:
        """Tear every link down, deepest first (idempotent)."""
        await self._authorize(list(self.links.values()), "cascade.link.down")
        for depth in sorted({self.depth(s) for s in self.links}, reverse=True):
            level = [link for link in self.links.values()
                     if self.depth(link.slave.mcu_id) == depth]
            await self._each([link.tear_down for link in level], level, "cascade.link.down")

    async def link_states(self, only: Iterable[str] | None = None
                          ) -> dict[str, ConnectionState]:
        """State of every link (``only`` the links of these slave MCUs) per slave MCU (the
        worse side).

        Reads the dial-out participant of every link (a status query) and the list of
        each answering MCU (to find the answering legs), all at once: when slaves dial, a
        national cascade's link states cost a few lists, not one per MCU.
        """
        slaves = list(self.links) if only is None else [s for s in only if s in self.links]
        callees = sorted({self.links[s].callee.mcu_id for s in slaves})
        lists, legs = await asyncio.gather(
            gather_bounded([partial(self.nodes[m].driver.participants, self.nodes[m].conference)
                            for m in callees], self.concurrency),
            gather_bounded([partial(self._dial_leg, self.links[s]) for s in slaves],
                           self.concurrency))
        by_callee = dict(zip(callees, lists, strict=True))
        out = {}
        for slave, leg in zip(slaves, legs, strict=True):
            link = self.links[slave]
            answer = link.callee_side(by_callee[link.callee.mcu_id])
            out[slave] = worse(leg.state if leg else ConnectionState.DISCONNECTED,
                               answer.state if answer else ConnectionState.DISCONNECTED)
        return out

    async def site_states(self, progress: Callable[[int], None] | None = None,
                          ) -> dict[str, ConnectionState]:
        """Connection state of every site, one participant list per MCU.

        ``progress(n)`` is called with the number of sites each finished MCU accounted for.
        A site missing from its MCU's conference is DISCONNECTED.
        """
        per_mcu: dict[str, list[str]] = {}
        for site, mcu in self.sites.items():
            per_mcu.setdefault(mcu, []).append(site)
        out: dict[str, ConnectionState] = {}

        async def one(mcu_id: str) -> None:
            node = self.nodes[mcu_id]
            parts = {p.name: p.state for p in await node.driver.participants(node.conference)}
            for site in per_mcu[mcu_id]:
                out[site] = parts.get(site, ConnectionState.DISCONNECTED)
            if progress is not None:
                progress(len(per_mcu[mcu_id]))

        await gather_bounded([partial(one, m) for m in per_mcu], self.concurrency)
        return out

    async def participant_lists(self) -> dict[str, list[Participant]]:
        """Every MCU's participant list of its meeting conference (one call per MCU)."""
        ids = list(self.nodes)
        lists = await gather_bounded(
            [partial(self.nodes[i].driver.participants, self.nodes[i].conference)
             for i in ids], self.concurrency)
        return dict(zip(ids, lists, strict=True))
