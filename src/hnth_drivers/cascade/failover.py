"""Failover: the standby takes the lost master's place in a running meeting.

The plan names the standby and the links that re-home to it
(:attr:`~hnth_drivers.cascade.planner.Plan.failover_links`). :func:`failover` performs the
move on live drivers, one timed step after another, each step's calls concurrent:

1. **authorise** the operator (MCU control over the chair's site: the whole meeting);
2. **conference**: the standby hosts the meeting's conference (created unless it exists);
3. at once, **sites**: the standby dials every site the master served (the chair first),
   and **links**: every slave cascaded into the master drops its dead link (best effort:
   the master does not answer) and joins the standby's conference instead, dialled by the
   same side as before; deeper links are untouched;
4. **connected**: wait until the chair and every re-homed link are connected;
5. **restored**: what the chair was seeing comes back by a normal, confirmed switch
   (:class:`~hnth_drivers.cascade.switch.Switcher`) to that site through the standby.

Each step costs the round trips it must: one to create the conference, one to dial the
sites and two to replace a link (concurrently), one per wait (the chair's status, the
answering side's list and each re-homed link's status, at once), two for the switch.

It returns the new :class:`~hnth_drivers.cascade.live.LiveCascade` (standby as master) and
a :class:`FailoverTrace` with every call, its duration, the total and the verdict. Every
failover (and a refusal) is written to the audit log. A failed step stops the procedure
and comes back in the trace (``ok`` false, ``reason`` set); nothing is retried here: the
watchdog redials what drops afterwards. ``on_step(name, seconds)`` hears each step as it
ends (the watchdog reports them as events).

:func:`failback` is the way back when the original master answers again: the same steps
toward the master, with one more, **release**, after the conference step: the standby
hangs up the sites it served (a site's codec is in one call at a time) before the master
dials them; audited as ``cascade.failback``.

Which MCU is the master *now* is read back from the MCUs, not kept in a file, so every
command (a separate process) finds the same answer: :func:`active_master` says the
standby is the master when its conference has the chair connected and the master's has
not (or the master does not answer). :func:`successor` is the cascade in that case.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from ..errors import AccessDenied, ConfigError, HnthError
from ..model import ConnectionState, Endpoint, Participant, ParticipantKind
from ..security.access import Action, Operator, SiteTree, authorize
from ..security.audit import AuditLog
from .link import McuLink
from .live import LiveCascade, McuNode, gather_bounded
from .switch import Switcher, SwitchTrace

__all__ = ["FailoverCall", "FailoverTrace", "StepHook", "active_master", "failback", "failover",
           "successor"]

T = TypeVar("T")

#: Hears each step of a failover as it ends: its name and seconds from the start.
StepHook = Callable[[str, float], None]


@dataclass(frozen=True, slots=True)
class FailoverCall:
    """One driver call of a failover: its step, where, what, when (s from the start), how
    long, and the error if it failed."""

    step: str
    mcu: str
    operation: str
    detail: str
    started_s: float
    duration_s: float
    error: str | None = None


@dataclass(frozen=True, slots=True)
class FailoverTrace:
    """What a failover did: the calls, each step's end time, the restored switch."""

    master: str
    standby: str
    calls: tuple[FailoverCall, ...]
    steps: tuple[tuple[str, float], ...]
    total_s: float
    restored: SwitchTrace | None
    ok: bool
    reason: str | None = None

    def step_s(self, name: str) -> float | None:
        """Seconds from the start to the end of step ``name`` (None if not reached)."""
        return next((t for s, t in self.steps if s == name), None)


class _Failed(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Clock:
    def __init__(self, on_step: StepHook | None = None) -> None:
        self.t0 = time.perf_counter()
        self.calls: list[FailoverCall] = []
        self.steps: list[tuple[str, float]] = []
        self.on_step = on_step

    def now(self) -> float:
        return time.perf_counter() - self.t0

    async def run(self, step: str, mcu: str, operation: str, detail: str,
                  call: Callable[[], Awaitable[T]], *, tolerate: bool = False) -> T | None:
        start = self.now()
        try:
            result = await call()
        except HnthError as exc:
            self.calls.append(FailoverCall(step, mcu, operation, detail, start,
                                           self.now() - start, str(exc)))
            if tolerate:
                return None
            raise _Failed(f"{step}: {mcu} {operation} {detail}: {exc}") from exc
        self.calls.append(FailoverCall(step, mcu, operation, detail, start, self.now() - start))
        return result

    def done(self, step: str) -> None:
        self.steps.append((step, self.now()))
        if self.on_step is not None:
            self.on_step(step, self.steps[-1][1])


async def failover(cascade: LiveCascade, standby: McuNode, endpoints: Mapping[str, Endpoint],
                   *, operator: Operator, tree: SiteTree, audit: AuditLog | None,
                   showing: str | None = None,
                   address_of: Callable[[str, str], str] | None = None,
                   wait_s: float = 30.0, poll_s: float = 0.2,
                   view_of: Callable[[], tuple[str, ...]] | None = None,
                   hears: Callable[[], frozenset[str]] | None = None,
                   on_step: StepHook | None = None, release: bool = False,
                   ) -> tuple[LiveCascade, FailoverTrace]:
    """Move ``cascade``'s master role to ``standby`` (see the module docstring).

    ``endpoints`` gives, for every site the master served, how to dial it (the chair's
    included). ``showing`` is the site the chair was seeing (restored at the end; ``None``
    restores nothing). ``view_of``/``hears`` (simulation) are passed to the restoring
    switch, with the new cascade's chair view. ``address_of`` defaults to the cascade's.
    ``release`` (a master that still answers, moved on purpose) first hangs up the sites
    the master served. Raises :class:`AccessDenied` (audited) and :class:`ConfigError` (a
    standby that is already in the cascade, a master site without endpoint) before any
    device is touched; every device failure comes back in the trace.
    """
    return await _move(cascade, standby, endpoints, operator=operator, tree=tree,
                       audit=audit, showing=showing, address_of=address_of, wait_s=wait_s,
                       poll_s=poll_s, view_of=view_of, hears=hears, on_step=on_step,
                       release=release, action="cascade.failover")


async def failback(cascade: LiveCascade, master: McuNode, endpoints: Mapping[str, Endpoint],
                   *, operator: Operator, tree: SiteTree, audit: AuditLog | None,
                   showing: str | None = None,
                   address_of: Callable[[str, str], str] | None = None,
                   wait_s: float = 30.0, poll_s: float = 0.2,
                   view_of: Callable[[], tuple[str, ...]] | None = None,
                   hears: Callable[[], frozenset[str]] | None = None,
                   on_step: StepHook | None = None) -> tuple[LiveCascade, FailoverTrace]:
    """Return a failed-over ``cascade`` (the standby as master) to the original ``master``
    once it answers again: :func:`failover`'s steps toward ``master``, the standby's sites
    released first; audited as ``cascade.failback``."""
    return await _move(cascade, master, endpoints, operator=operator, tree=tree,
                       audit=audit, showing=showing, address_of=address_of, wait_s=wait_s,
                       poll_s=poll_s, view_of=view_of, hears=hears, on_step=on_step,
                       release=True, action="cascade.failback")


async def _move(cascade: LiveCascade, standby: McuNode, endpoints: Mapping[str, Endpoint],
                *, operator: Operator, tree: SiteTree, audit: AuditLog | None,
                showing: str | None, address_of: Callable[[str, str], str] | None,
                wait_s: float, poll_s: float,
                view_of: Callable[[], tuple[str, ...]] | None,
                hears: Callable[[], frozenset[str]] | None, on_step: StepHook | None,
                release: bool, action: str) -> tuple[LiveCascade, FailoverTrace]:
    old = cascade.master
    if standby.id in cascade.nodes:
        raise ConfigError("the standby is already in the cascade", operation="failover",
                          device=standby.id, expected="an MCU outside the running cascade")
    mine = [s for s, m in cascade.sites.items() if m == old]
    mine.sort(key=lambda s: s != cascade.chair)  # the chair first
    missing = [s for s in mine if s not in endpoints]
    if missing:
        raise ConfigError("no endpoint to dial some of the master's sites",
                          operation="failover", expected="an Endpoint per site of the master",
                          got=repr(missing[:5]))
    try:
        authorize(operator, Action.MCU_CONTROL, cascade.chair, tree)
    except AccessDenied as exc:
        await _audit(audit, action, operator, old, standby.id, "denied",
                     {"reason": exc.message})
        raise
    clock = _Clock(on_step)
    children = [c for c, link in cascade.links.items() if link.master.mcu_id == old]
    new = successor(cascade, standby, address_of)
    restored: SwitchTrace | None = None
    reason: str | None = None
    try:
        await _conference(clock, standby)
        clock.done("conference")
        if release:
            await _release(clock, cascade, mine)
            clock.done("release")

        async def sites() -> None:
            await _dial_sites(clock, cascade, standby, mine, endpoints)
            clock.done("sites")

        async def links() -> None:
            await _rehome(clock, cascade, new, children)
            clock.done("links")

        outcome = await asyncio.gather(sites(), links(), return_exceptions=True)
        for failed in outcome:
            if isinstance(failed, BaseException):
                raise failed
        await _wait(clock, new, standby, cascade.chair, children, wait_s, poll_s)
        clock.done("connected")
        if showing is not None and showing != cascade.chair:
            restored = await Switcher(new, operator=operator, tree=tree, audit=audit,
                                      view_of=view_of, hears=hears).switch_to(showing)
            clock.done("restored")
            if not restored.ok:
                reason = f"restoring {showing}: {restored.reason}"
    except _Failed as exc:
        reason = exc.reason
    trace = FailoverTrace(old, standby.id, tuple(clock.calls), tuple(clock.steps),
                          clock.now(), restored, reason is None, reason)
    await _audit(audit, action, operator, old, standby.id, "ok" if trace.ok else "failed", {
        "total_ms": round(trace.total_s * 1000, 1), "sites": len(mine),
        "links": len(children), "showing": showing,
        **({"reason": reason} if reason else {})})
    return new, trace


def successor(cascade: LiveCascade, standby: McuNode,
              address_of: Callable[[str, str], str] | None = None) -> LiveCascade:
    """The cascade with ``standby`` in the master's place (nothing is dialled): the
    master's sites on the standby, the master's children cascaded into it, deeper links
    unchanged, each link dialled by the same side as before."""
    old = cascade.master
    address_of = address_of or cascade.address_of
    nodes = [McuNode(standby.id, standby.driver, standby.conference, None)]
    nodes += [McuNode(n.id, n.driver, n.conference, standby.id if n.parent == old else n.parent)
              for n in cascade.nodes.values() if n.id != old]
    sites = {s: standby.id if m == old else m for s, m in cascade.sites.items()}
    dialler = {slave: link.dialler for slave, link in cascade.links.items()}
    area_of = dict(cascade.area_of)
    if old in area_of:
        area_of[standby.id] = area_of[old]
    return LiveCascade(nodes, sites, chair=cascade.chair, address_of=address_of,
                       concurrency=cascade.concurrency, audit=cascade.audit,
                       actor=cascade.actor,
                       dialler_of=lambda slave, _master: dialler.get(slave, "slave"),
                       operator=cascade.operator, tree=cascade.tree, area_of=area_of)


async def _conference(clock: _Clock, standby: McuNode) -> None:
    made = await clock.run("conference", standby.id, "create_conference", standby.conference,
                           partial(standby.driver.create_conference, standby.conference),
                           tolerate=True)
    if made is None:  # refused: fine if it exists already (a standby kept warm)
        have = await clock.run("conference", standby.id, "conferences", "",
                               standby.driver.conferences)
        if not any(c.name == standby.conference for c in have or ()):
            raise _Failed(f"conference: {standby.id} cannot host {standby.conference!r}")


async def _release(clock: _Clock, cascade: LiveCascade, sites: list[str]) -> None:
    # The old master hangs up its sites (and the links it dialled) so they can be dialled
    # again from the new one; best effort: what is already gone is fine.
    node = cascade.nodes[cascade.master]
    legs = sites + [link.leg for link in cascade.links.values()
                    if link.caller.mcu_id == node.id]

    async def one(name: str) -> None:
        await clock.run("release", node.id, "remove_participant", name, partial(
            node.driver.remove_participant, node.conference, name), tolerate=True)

    await _all(cascade, [partial(one, n) for n in legs])


async def _dial_sites(clock: _Clock, cascade: LiveCascade, standby: McuNode, sites: list[str],
                      endpoints: Mapping[str, Endpoint]) -> None:
    async def one(site: str) -> None:
        added = await clock.run("sites", standby.id, "add_participant", site, partial(
            standby.driver.add_participant, standby.conference, endpoints[site], name=site),
            tolerate=True)
        if added is None:  # refused: a participant of that name may be there already
            await clock.run("sites", standby.id, "connect_participant", site, partial(
                standby.driver.connect_participant, standby.conference, site))

    await _all(cascade, [partial(one, s) for s in sites])


async def _rehome(clock: _Clock, old: LiveCascade, new: LiveCascade,
                  children: list[str]) -> None:
    async def one(slave: str) -> None:
        dead = old.links[slave]
        if dead.caller.mcu_id == slave:  # the slave's dial-out to the dead master goes
            await clock.run("links", slave, "remove_participant", dead.leg, partial(
                dead.caller.mcu.remove_participant, dead.caller.conference, dead.leg),
                tolerate=True)
        else:  # the master dialled: its leg on the slave is an answering leg
            await clock.run("links", slave, "remove_participant", dead.answer_leg, partial(
                dead.callee.mcu.remove_participant, dead.callee.conference,
                dead.answer_leg), tolerate=True)
        link: McuLink = new.links[slave]
        dialled = await clock.run("links", link.caller.mcu_id, "add_participant",
                                  link.address, partial(link.up_from, []), tolerate=True)
        if dialled is None:  # refused: the caller keeps a leg of that name (a failback)
            await clock.run("links", link.caller.mcu_id, "connect_participant", link.leg,
                            link.redial)

    await _all(old, [partial(one, c) for c in children])


async def _wait(clock: _Clock, new: LiveCascade, standby: McuNode, chair: str,
                children: list[str], wait_s: float, poll_s: float) -> None:
    deadline = clock.now() + wait_s
    while True:
        chair_read = clock.run("connected", standby.id, "participant", chair, partial(
            standby.driver.participant, standby.conference, chair))
        # the links' states cost the answering side's list and one status query per link
        link_reads = clock.run("connected", standby.id, "link states",
                               f"{len(children)} links", partial(new.link_states, children))
        chair_leg, states = await asyncio.gather(chair_read, link_reads)
        bad = sorted(c for c in children
                     if (states or {}).get(c) is not ConnectionState.CONNECTED)
        chair_ok = chair_leg is not None and chair_leg.state is ConnectionState.CONNECTED
        if chair_ok and not bad:
            return
        if clock.now() >= deadline:
            raise _Failed(f"not connected after {wait_s:g} s: "
                          f"{'' if chair_ok else 'the chair, '}{len(bad)} links "
                          f"({', '.join(bad[:5])})")
        await asyncio.sleep(poll_s)


async def _all(cascade: LiveCascade, work: list[Callable[[], Awaitable[None]]]) -> None:
    async def one(make: Callable[[], Awaitable[None]]) -> _Failed | None:
        try:
            await make()
        except _Failed as exc:
            return exc
        return None

    failures = [f for f in await gather_bounded([partial(one, w) for w in work],
                                                cascade.concurrency) if f is not None]
    if failures:
        raise failures[0]


async def _audit(audit: AuditLog | None, action: str, operator: Operator, old: str,
                 standby: str, result: str, detail: dict[str, object]) -> None:
    if audit is not None:
        await asyncio.to_thread(audit.append, actor=operator.name, action=action,
                                target=f"{old}->{standby}", result=result, detail=detail)



async def active_master(master: McuNode | None, standby: McuNode, chair: str) -> str | None:
    """Which of ``master`` and ``standby`` is the cascade's master now, read from the MCUs
    (``master`` None: it is known not to answer). Returns the standby's id or the
    master's (``None`` when the master is None and the standby does not qualify).

    The standby is when its conference has ``chair`` connected and the master's has not
    (or the master does not answer); when both have, the one with more connected cascade
    links; the master otherwise (ties included). Two participant lists, read at once.
    """
    async def read(node: McuNode | None) -> list[Participant] | None:
        if node is None:
            return None
        try:
            return await node.driver.participants(node.conference)
        except HnthError:
            return None

    lists = await asyncio.gather(read(master), read(standby))

    def score(parts: list[Participant] | None) -> tuple[bool, int]:
        parts = parts or []
        chair_on = any(p.name == chair and p.state is ConnectionState.CONNECTED
                       for p in parts)
        links = sum(1 for p in parts if p.kind is ParticipantKind.CASCADE
                    and p.state is ConnectionState.CONNECTED)
        return chair_on, links

    on_master, on_standby = score(lists[0]), score(lists[1])
    if on_standby[0] and on_standby > on_master:
        return standby.id
    return master.id if master is not None else None
