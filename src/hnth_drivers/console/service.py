"""What the console shows and does, over a :class:`~hnth_drivers.network.Fleet`.

:class:`ConsoleService` holds the meeting's :class:`~hnth_drivers.cascade.live.LiveCascade`
over the fleet's MCU drivers and keeps, in the background, each site's connection state
(one participant list per MCU every ``poll_s``, read once for both the tree and the
:class:`~hnth_drivers.cascade.watchdog.Watchdog`, which redials drops at once; an MCU
that does not answer is an alarm) and each SNMP target's health (every ``snmp_s``).
Every event goes to the :class:`EventHub`, which hands each subscriber (an open alarm
feed) only what lies in its operator's area.

Everything an operator may see or do is decided here with
:func:`hnth_drivers.security.access.authorize` — the same rules as the CLI — and every
action, and every refusal, is written to the audit log.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from functools import partial

from ..cascade.live import gather_bounded
from ..cascade.switch import Call, Switcher, SwitchTrace
from ..cascade.watchdog import Watchdog, WatchdogEvent
from ..errors import AccessDenied, HnthError
from ..model import ConnectionState, Level
from ..network.fleet import Fleet
from ..network.live import live_cascade
from ..security.access import Action, Operator, Role, authorize
from . import rooms
from .events import EventHub
from .readiness import ReadinessBoard
from .search import SiteIndex

__all__ = ["ConsoleService", "trace_json"]

log = logging.getLogger(__name__)

NATIONAL_LIMIT_S = 30.0


def trace_json(trace: SwitchTrace, names: dict[str, str]) -> dict[str, object]:
    """A switch trace as the page shows it (milliseconds, per hop)."""
    def call(c: Call) -> dict[str, object]:
        return {"mcu": c.mcu, "operation": c.operation, "detail": c.detail,
                "started_ms": round(c.started_s * 1000, 1), "ms": round(c.duration_s * 1000, 1),
                "error": c.error}

    return {"site": trace.site, "name": names.get(trace.site, trace.site),
            "path": list(trace.path), "hops": trace.hops,
            "total_ms": round(trace.total_s * 1000, 1), "limit_s": trace.limit_s,
            "verdict": trace.verdict, "confirmed": trace.within_limit, "reason": trace.reason,
            "superseded_by": trace.superseded_by,
            "actions": [call(c) for c in trace.actions],
            "confirmations": [call(c) for c in trace.confirmations]}


class ConsoleService:
    """The network behind the console (see the module docstring)."""

    def __init__(self, fleet: Fleet, *, poll_s: float = 3.0, watch: bool = True,
                 snmp_s: float = 15.0,
                 limit_s: float = NATIONAL_LIMIT_S, deadline_s: float | None = None,
                 mcu_timeout_s: float = 10.0, read_concurrency: int = 8) -> None:
        self.fleet = fleet
        self.network = fleet.network
        self.tree = fleet.tree
        self.poll_s, self.watch, self.snmp_s = poll_s, watch, snmp_s
        self.limit_s, self.deadline_s = limit_s, deadline_s
        self.mcu_timeout_s = mcu_timeout_s
        self.read_concurrency = read_concurrency
        self.cascade = fleet.cascade(actor="console")
        self.names = {s.id: s.site.name for s in self.network.sites}
        self.levels = {s.id: s.site.level for s in self.network.sites}
        self.parent = {s.id: s.site.parent for s in self.network.sites}
        self.site_mcu = dict(self.cascade.sites)
        self.area_of = {m.id: m.area for m in self.network.mcus}
        self.province_of = {sid: self._province(sid) for sid in self.names}
        self.provinces = [s.id for s in self.network.sites if s.site.level is Level.PROVINCE]
        self.index = SiteIndex((s.id, s.site.name) for s in self.network.sites)
        self.states: dict[str, ConnectionState] = {}
        self.mcu_down: dict[str, str] = {}
        self.snmp_down: set[str] = set()
        self.last_shown: dict[str, object] | None = None
        self.hub = EventHub(self.sees)
        self.readiness = ReadinessBoard(self)
        self._tasks: list[asyncio.Task[None]] = []
        self._stop = asyncio.Event()
        self._visible: dict[str, frozenset[str] | None] = {}
        # Background reads wait while a switch is in flight: the chair's 30 s come first.
        self._switching = 0
        self._quiet = asyncio.Event()
        self._quiet.set()

    # ---- the hierarchy ------------------------------------------------------------------

    def _province(self, site: str) -> str:
        node: str | None = site
        while node is not None:
            if self.levels[node] is Level.PROVINCE:
                return node
            parent = self.parent[node]
            if parent is None:
                return node  # above the provinces: the government's own sites
            node = parent
        return site

    def sees(self, operator: Operator, area: str | None) -> bool:
        """Whether ``operator`` may see what concerns the site ``area`` (None: everyone)."""
        if area is None or operator.role is Role.CENTRAL_OPERATOR:
            return True
        try:
            authorize(operator, Action.VIEW, area, self.tree)
        except AccessDenied:
            return False
        return True

    def may(self, operator: Operator, action: Action, site: str) -> bool:
        """Whether ``operator`` may do ``action`` on ``site`` (for what the page offers)."""
        try:
            authorize(operator, action, site, self.tree)
        except AccessDenied:
            return False
        return True

    def visible(self, operator: Operator) -> frozenset[str] | None:
        """The sites ``operator`` may see (``None``: all of them)."""
        if operator.role is Role.CENTRAL_OPERATOR:
            return None
        if operator.name not in self._visible:
            self._visible[operator.name] = frozenset(
                s for s in self.names if self.sees(operator, s))
        return self._visible[operator.name]

    async def audit(self, operator: str, action: str, target: str, result: str,
                    **detail: object) -> None:
        """One audit record, off the event loop (a durable append waits for the disk)."""
        if self.fleet.audit is not None:
            await asyncio.to_thread(self.fleet.audit.append, actor=operator, action=action,
                                    target=target, result=result, detail=detail)

    # ---- what the pages show -----------------------------------------------------------

    def _counts(self, sites: list[str]) -> dict[str, int]:
        out = {"sites": len(sites), "connected": 0, "disconnected": 0, "unknown": 0}
        for s in sites:
            state = self.states.get(s)
            key = ("unknown" if state is None else "connected"
                   if state is ConnectionState.CONNECTED else "disconnected")
            out[key] += 1
        return out

    def tree_summary(self, operator: Operator) -> dict[str, object]:
        """Master, then one row per province the operator sees, with counts."""
        visible = self.visible(operator)
        groups: dict[str, list[str]] = {}
        for site, province in self.province_of.items():
            if visible is None or site in visible:
                groups.setdefault(province, []).append(site)
        order = [p for p in groups if self.levels[p] is not Level.PROVINCE] + \
                [p for p in self.provinces if p in groups]
        rows = []
        for p in order:
            mcus = sorted({self.site_mcu[s] for s in groups[p] if s in self.site_mcu})
            rows.append({"id": p, "name": self.names[p], "mcus": mcus,
                         "mcus_down": [m for m in mcus if m in self.mcu_down],
                         **self._counts(groups[p])})
        return {"network": self.network.name, "master": self.cascade.master,
                "chair": self.cascade.chair, "provinces": rows,
                "shown": self.last_shown if self.last_shown and (
                    visible is None or self.last_shown["site"] in visible) else None}

    def province_detail(self, operator: Operator, province: str) -> dict[str, object]:
        """The MCUs serving ``province`` and the sites of it the operator sees (raises
        AccessDenied when it sees none, KeyError for an unknown id)."""
        if province not in self.names:
            raise KeyError(province)
        visible = self.visible(operator)
        if visible is not None and not any(
                self.province_of[s] == province for s in visible):
            authorize(operator, Action.VIEW, province, self.tree)  # raises, explained
        by_mcu: dict[str, list[dict[str, object]]] = {}
        can_switch = self.may(operator, Action.MCU_CONTROL, province)
        for site, p in self.province_of.items():
            if p != province or site == self.cascade.chair or (
                    visible is not None and site not in visible):
                continue
            state = self.states.get(site)
            by_mcu.setdefault(self.site_mcu.get(site, "-"), []).append({
                "id": site, "name": self.names[site], "level": self.levels[site].value,
                "state": state.value if state else "unknown",
                "can_switch": site in self.site_mcu and (
                    can_switch or self.may(operator, Action.MCU_CONTROL, site))})
        mcus = [{"id": m, "parent": self.cascade.nodes[m].parent if m in self.cascade.nodes
                 else None, "down": self.mcu_down.get(m), "sites": sites}
                for m, sites in sorted(by_mcu.items(),
                                       key=lambda kv: (self.cascade.depth(kv[0])
                                                       if kv[0] in self.cascade.nodes else 99,
                                                       kv[0]))]
        return {"id": province, "name": self.names[province], "can_switch": can_switch,
                "mcus": mcus}

    def search(self, operator: Operator, query: str, limit: int = 20) -> list[dict[str, object]]:
        """Sites the operator sees whose name matches ``query`` with or without diacritics."""
        visible = self.visible(operator)
        ids = self.index.search(query, allowed=set(visible) if visible is not None else None,
                                limit=limit)
        out: list[dict[str, object]] = []
        for s in ids:
            state = self.states.get(s)
            out.append({"id": s, "name": self.names[s], "level": self.levels[s].value,
                        "province": self.names[self.province_of[s]],
                        "state": state.value if state else "unknown",
                        "can_switch": s != self.cascade.chair and s in self.site_mcu and
                        self.may(operator, Action.MCU_CONTROL, s)})
        return out

    # ---- what the operators do ---------------------------------------------------------

    async def switch(self, operator: Operator) -> Switcher:
        """A :class:`Switcher` acting for ``operator`` (authorised and audited per switch)."""
        return Switcher(self.cascade, operator=operator, tree=self.tree,
                        audit=self.fleet.audit, limit_s=self.limit_s,
                        deadline_s=self.deadline_s)

    async def switch_to(self, operator: Operator, site: str) -> SwitchTrace:
        """Put ``site`` on the chair's screen for ``operator``: the same authorised,
        timed, confirmed and audited path as ``hnth switch``."""
        switcher = await self.switch(operator)
        self._switching += 1
        self._quiet.clear()
        try:
            if self.may(operator, Action.MCU_CONTROL, site):
                await self._open(self.cascade.path(site))
            trace = await switcher.switch_to(site)  # authorises (and audits a refusal)
        finally:
            self._switching -= 1
            if not self._switching:
                self._quiet.set()
        if trace.within_limit:
            self.last_shown = {**trace_json(trace, self.names), "by": operator.name}
            self.hub.publish({"type": "shown", "area": site, "shown": self.last_shown})
        return trace

    def rooms(self, operator: Operator) -> list[dict[str, object]]:
        """The rooms with cameras the operator sees, their presets by camera."""
        return rooms.rooms(self, operator)

    async def recall_preset(self, operator: Operator, site: str, camera: int,
                            preset: str) -> float:
        """Recall a named preset of a room's camera (:func:`.rooms.recall_preset`)."""
        return await rooms.recall_preset(self, operator, site, camera, preset)

    async def _open(self, mcus: list[str]) -> None:
        results = await self.fleet.open_all([self.network.mcu(m).target() for m in mcus],
                                            timeout_s=self.mcu_timeout_s)
        for result in results:
            if result.error is not None:
                raise result.error

    # ---- background -------------------------------------------------------------------

    async def start(self) -> None:
        """Open the MCUs (a device that is down is an alarm, not a failure) and start
        the background polls. The cascade is the one running now, read back from the MCUs
        (after a failover the standby is the master:
        :func:`~hnth_drivers.network.live.live_cascade`)."""
        self.cascade = await live_cascade(self.fleet, actor="console",
                                          probe_s=self.mcu_timeout_s)
        self.site_mcu = dict(self.cascade.sites)
        results = await self.fleet.open_all(
            [self.network.mcu(m).target() for m in self.cascade.nodes],
            timeout_s=self.mcu_timeout_s)
        for r in results:
            if r.error is not None:
                self._mcu_alarm(r.target.id, str(r.error))
        if self.watch:
            dog = Watchdog(self.cascade, read_states=self.read_states,
                           notify=self._on_watchdog, audit=self.fleet.audit,
                           actor="console-watchdog", poll_s=self.poll_s)
            self._tasks.append(asyncio.create_task(dog.run(self._stop)))
        else:
            self._tasks.append(asyncio.create_task(self._poll_loop()))
        if self.network.snmp:
            self._tasks.append(asyncio.create_task(self._snmp_loop()))

    async def stop(self) -> None:
        """Stop the background polls and close every driver."""
        self._stop.set()
        # Let a poll round in flight finish (a cancelled SNMP request's late answer would
        # reach a closed transport), then cancel what is left.
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=self.mcu_timeout_s / 2)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, HnthError):
                await task
        await self.fleet.close()

    def _mcu_alarm(self, mcu: str, error: str) -> None:
        if mcu not in self.mcu_down:
            self.mcu_down[mcu] = error
            self.hub.publish({"type": "alarm", "event": "mcu_down", "mcu": mcu,
                              "area": self.area_of.get(mcu), "detail": error})

    def _on_watchdog(self, event: WatchdogEvent) -> None:
        area = event.participant if event.what == "site" else self.area_of.get(event.mcu)
        self.hub.publish({"type": "alarm", "event": event.kind.value, "what": event.what,
                          "mcu": event.mcu, "participant": event.participant,
                          "state": event.state.value, "attempt": event.attempt,
                          "detail": event.detail, "area": area,
                          "name": self.names.get(event.participant)})

    async def read_states(self) -> dict[tuple[str, str], ConnectionState]:
        """Read every MCU's participant list once: the sites' states for the tree, MCU
        alarms for those that do not answer; returns ``(mcu, participant) -> state``."""
        per_mcu: dict[str, list[str]] = {}
        for site, mcu in self.site_mcu.items():
            per_mcu.setdefault(mcu, []).append(site)
        rows: dict[tuple[str, str], ConnectionState] = {}

        async def one(mcu_id: str) -> None:
            node = self.cascade.nodes[mcu_id]
            await self._quiet.wait()
            try:
                async with asyncio.timeout(self.mcu_timeout_s):
                    await self.fleet.ensure_open(node.driver, mcu_id)
                # A switch may have begun while the driver opened: wait again (outside
                # the time limit); nothing awaits between this gate and the call.
                await self._quiet.wait()
                async with asyncio.timeout(self.mcu_timeout_s):
                    parts = {p.name: p.state
                             for p in await node.driver.participants(node.conference)}
            except (HnthError, TimeoutError, OSError) as exc:
                self._mcu_alarm(mcu_id, str(exc) or type(exc).__name__)
                for site in per_mcu.get(mcu_id, []):
                    self.states.pop(site, None)
                return
            if mcu_id in self.mcu_down:
                del self.mcu_down[mcu_id]
                self.hub.publish({"type": "alarm", "event": "mcu_up", "mcu": mcu_id,
                                  "area": self.area_of.get(mcu_id)})
            for name, state in parts.items():
                rows[(mcu_id, name)] = state
            for site in per_mcu.get(mcu_id, []):
                self.states[site] = parts.get(site, ConnectionState.DISCONNECTED)

        await gather_bounded([partial(one, m) for m in self.cascade.nodes],
                             self.read_concurrency)
        self.hub.publish({"type": "states"})
        return rows

    async def snmp_once(self) -> None:
        """One authenticated GET per SNMP target; a target that stops (or starts again)
        answering is an alarm."""
        targets = self.fleet.snmp_targets()
        ids = sorted(targets)
        async def check(target_id: str) -> HnthError | None:
            await self._quiet.wait()
            return await self.fleet.check_snmp(targets[target_id])

        errors = await gather_bounded([partial(check, i) for i in ids],
                                      self.read_concurrency)
        for target_id, error in zip(ids, errors, strict=True):
            if error is not None and target_id not in self.snmp_down:
                self.snmp_down.add(target_id)
                self.hub.publish({"type": "alarm", "event": "snmp_down", "mcu": target_id,
                                  "area": self.area_of.get(target_id), "detail": str(error)})
            elif error is None and target_id in self.snmp_down:
                self.snmp_down.discard(target_id)
                self.hub.publish({"type": "alarm", "event": "snmp_up", "mcu": target_id,
                                  "area": self.area_of.get(target_id)})

    async def _poll_loop(self) -> None:
        # Without the watchdog, the states alone (same read, nothing redialled).
        while not self._stop.is_set():
            try:
                await self.read_states()
            except HnthError as exc:
                log.warning("console poll failed: %s", exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.poll_s)

    async def _snmp_loop(self) -> None:
        while not self._stop.is_set():
            try:
                await self.snmp_once()
            except HnthError as exc:
                log.warning("console SNMP round failed: %s", exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.snmp_s)
