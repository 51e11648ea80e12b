"""The watchdog: a dropped cascade link or site is redialed at once, and reported.

Each :meth:`Watchdog.poll_once` reads every MCU's participant list (one call per MCU, all
concurrently) and looks at what the meeting needs: each slave's uplink and each site.

- CONNECTED: fine (if it was in trouble: a RECOVERED event).
- DIALLING / CONNECTING: a call is in progress; wait.
- DISCONNECTED / FAILED: a DROPPED event, then redials (``connect_participant``) with
  exponential backoff (:class:`Backoff`); each attempt is a REDIALED event (or
  REDIAL_FAILED when the MCU refuses); after ``max_attempts`` a GAVE_UP event.
- **Never fights an operator**: a participant disconnected on purpose is *held*
  (:meth:`Watchdog.hold`, or :meth:`Watchdog.disconnect`, which holds and then hangs
  up); held participants are left alone until :meth:`Watchdog.release`. A participant
  removed from its conference is gone on purpose too: nothing is redialed for it.

**The master lost.** A round that reads nothing from the master MCU is a round the master
missed (links into it are not redialled meanwhile: there is nothing to dial). After
``lost_after`` consecutive missed rounds: a MASTER_LOST event (the alarm), once per loss.
When an operator allowed automatic failover (``failover``, a callback that runs
:func:`~hnth_drivers.cascade.failover.failover` with that operator's rights), the watchdog
then runs it — but only once none of the master's slaves reads its link to the master as
connected: a master that still carries its links is alive, only unreachable from here, and
moving the meeting would split it (the failover waits until the links drop). Each step ends
as a FAILOVER_STEP event, then FAILED_OVER (the watchdog watches the new cascade from the
next round) or FAILOVER_FAILED (not retried: the alarm stands). A master that answers again
after the alarm is a MASTER_BACK event.

Every event goes to the ``notify`` callback (the central office) and to the audit log.
:meth:`Watchdog.run` polls until stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import inspect
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from ..errors import ConfigError, HnthError
from ..model import ConnectionState
from ..security.audit import AuditLog
from .live import LiveCascade, gather_bounded

if TYPE_CHECKING:
    from .failover import FailoverTrace, StepHook

__all__ = ["AutoFailover", "Backoff", "EventKind", "Watchdog", "WatchdogEvent"]

log = logging.getLogger(__name__)


class EventKind(enum.StrEnum):
    """What the watchdog saw or did."""

    DROPPED = "dropped"
    REDIALED = "redialed"
    REDIAL_FAILED = "redial_failed"
    RECOVERED = "recovered"
    GAVE_UP = "gave_up"
    MASTER_LOST = "master_lost"
    MASTER_BACK = "master_back"
    FAILOVER_STEP = "failover_step"
    FAILED_OVER = "failed_over"
    FAILOVER_FAILED = "failover_failed"


@dataclass(frozen=True, slots=True)
class WatchdogEvent:
    """One event: ``what`` is ``"link"`` (``participant`` is the slave's uplink),
    ``"site"`` (``participant`` is the site id), ``"master"`` (``mcu`` is the master,
    ``participant`` the chair) or ``"failover"`` (``mcu`` is the lost master,
    ``participant`` the step, or the new master once failed over)."""

    kind: EventKind
    what: str
    mcu: str
    participant: str
    state: ConnectionState
    attempt: int = 0
    detail: str | None = None


@dataclass(frozen=True, slots=True)
class Backoff:
    """Delay before redial attempt n (1-based): ``first_s * factor**(n-1)``, at most
    ``max_s``; attempt 1 is immediate when ``immediate``. ``max_attempts`` None: forever."""

    first_s: float = 1.0
    factor: float = 2.0
    max_s: float = 30.0
    max_attempts: int | None = 8
    immediate: bool = True

    def delay(self, attempt: int) -> float:
        """Seconds to wait before attempt ``attempt``."""
        if attempt <= 1 and self.immediate:
            return 0.0
        n = attempt - 1 if self.immediate else attempt
        return float(min(self.max_s, self.first_s * self.factor ** max(0, n - 1)))


@dataclass(slots=True)
class _Trouble:
    since: float
    attempts: int = 0
    next_at: float = 0.0
    gave_up: bool = False


Notify = Callable[[WatchdogEvent], Awaitable[None] | None]
#: The watchdog's reading step: every watched participant's state, keyed by (MCU id,
#: participant name). Pass one to share a round of reads with another reader (the console
#: reads once per round for both the drops and its tree's colours).
ReadStates = Callable[[], Awaitable[dict[tuple[str, str], ConnectionState]]]
#: Runs the failover an operator allowed: given the cascade and a step hook, returns the new
#: cascade and the trace (see :func:`~hnth_drivers.cascade.failover.failover`).
AutoFailover = Callable[[LiveCascade, "StepHook"],
                        Awaitable[tuple[LiveCascade, "FailoverTrace"]]]


class Watchdog:
    """Watches one :class:`LiveCascade` (see the module docstring).

    ``clock`` (seconds) paces the backoff; tests pass a fake one. ``read_states`` replaces
    the reading step (default: each MCU's participant list, concurrently, an MCU that does
    not answer skipped with a warning). ``lost_after`` rounds without an answer from the
    master raise the alarm; ``failover`` (automatic failover, allowed by an operator) then
    runs.
    """

    def __init__(self, cascade: LiveCascade, *, notify: Notify | None = None,
                 audit: AuditLog | None = None, actor: str = "watchdog",
                 poll_s: float = 2.0, backoff: Backoff | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 read_states: ReadStates | None = None, lost_after: int = 3,
                 failover: AutoFailover | None = None) -> None:
        if poll_s <= 0:
            raise ConfigError("poll interval must be positive", operation="Watchdog",
                              got=repr(poll_s))
        if lost_after < 1:
            raise ConfigError("lost_after must be at least 1 round", operation="Watchdog",
                              got=repr(lost_after))
        self.lost_after = lost_after
        self.failover = failover
        self._missed = 0
        self._tried = False  # the failover of this loss was run
        self.cascade = cascade
        self.notify = notify
        self.audit = audit
        self.actor = actor
        self.poll_s = poll_s
        self.backoff = backoff or Backoff()
        self.clock = clock
        self.read_states: ReadStates = read_states or self._read_cascade
        self._held: set[tuple[str, str]] = set()
        self._trouble: dict[tuple[str, str], _Trouble] = {}

    # ---- operators ------------------------------------------------------------------

    def hold(self, mcu: str, participant: str) -> None:
        """An operator disconnected this on purpose: leave it alone until released."""
        self._held.add((mcu, participant))
        self._trouble.pop((mcu, participant), None)

    def release(self, mcu: str, participant: str) -> None:
        """Watch this participant again (it is redialed if it is still down)."""
        self._held.discard((mcu, participant))

    def held(self) -> frozenset[tuple[str, str]]:
        """Participants the watchdog leaves alone."""
        return frozenset(self._held)

    async def disconnect(self, mcu: str, participant: str, *, operator: str) -> None:
        """Hold, then hang up a participant on purpose (audited as the operator's act)."""
        self.hold(mcu, participant)
        node = self.cascade.nodes[mcu]
        await node.driver.disconnect_participant(node.conference, participant)
        if self.audit is not None:
            await asyncio.to_thread(
                self.audit.append, actor=operator, action="participant.disconnect",
                target=f"{mcu}/{participant}", result="ok", detail={"watchdog": "held"})

    # ---- polling --------------------------------------------------------------------

    def _watched(self) -> list[tuple[str, str, str]]:
        out = [(mcu, site, "site") for site, mcu in self.cascade.sites.items()]
        out += [(link.caller.mcu_id, link.leg, "link") for link in self.cascade.links.values()]
        return out

    @property
    def missed(self) -> int:
        """Consecutive rounds the master has not answered (0: it answered last round)."""
        return self._missed

    async def poll_once(self) -> list[WatchdogEvent]:
        """One round: read every MCU, redial what is due, fail over when allowed and due;
        returns the events (in the order they were reported)."""
        states = await self._states()
        now = self.clock()
        events: list[WatchdogEvent] = []
        master = self.cascade.master
        lost_now = self._master_round(states, events)
        redials = []
        for mcu, name, what in self._watched():
            key = (mcu, name)
            state = states.get(key)
            if state is None or key in self._held:
                continue  # removed or held on purpose: not ours to fix
            if self._missed and what == "link" and self._parent(mcu, name) == master:
                continue  # its far end, the master, is not answering: nothing to dial
            trouble = self._trouble.get(key)
            if state is ConnectionState.CONNECTED:
                if trouble is not None:
                    del self._trouble[key]
                    events.append(WatchdogEvent(EventKind.RECOVERED, what, mcu, name, state,
                                                trouble.attempts,
                                                f"after {now - trouble.since:.1f} s"))
                continue
            if state in (ConnectionState.DIALLING, ConnectionState.CONNECTING):
                continue
            if trouble is None:
                trouble = self._trouble[key] = _Trouble(since=now)
                trouble.next_at = now + self.backoff.delay(1)
                events.append(WatchdogEvent(EventKind.DROPPED, what, mcu, name, state))
            if trouble.gave_up or now < trouble.next_at:
                continue
            limit = self.backoff.max_attempts
            if limit is not None and trouble.attempts >= limit:
                trouble.gave_up = True
                events.append(WatchdogEvent(EventKind.GAVE_UP, what, mcu, name, state,
                                            trouble.attempts))
                continue
            trouble.attempts += 1
            trouble.next_at = now + self.backoff.delay(trouble.attempts + 1)
            redials.append((mcu, name, what, state, trouble.attempts))
        results = await gather_bounded(
            [partial(self._redial, *r) for r in redials],
            self.cascade.concurrency)
        events.extend(results)
        for event in events:
            await self._report(event)
        if lost_now and self.failover is not None:
            events += await self._fail_over()
        return events

    def _parent(self, mcu: str, leg: str) -> str | None:
        link = next((k for k in self.cascade.links.values()
                     if k.caller.mcu_id == mcu and k.leg == leg), None)
        return link.master.mcu_id if link is not None else None

    def _master_round(self, states: dict[tuple[str, str], ConnectionState],
                      events: list[WatchdogEvent]) -> bool:
        # True when the failover is due this round: the master silent for lost_after rounds
        # and none of its slaves still connected to it (else it is alive, only unreachable
        # from here: moving the meeting would split it). The alarm is raised once per loss.
        master, chair = self.cascade.master, self.cascade.chair
        if any(mcu == master for mcu, _ in states):
            if self._missed >= self.lost_after:
                events.append(WatchdogEvent(EventKind.MASTER_BACK, "master", master, chair,
                                            states.get((master, chair),
                                                       ConnectionState.DISCONNECTED),
                                            detail=f"after {self._missed} rounds"))
            self._missed = 0
            self._tried = False
            return False
        self._missed += 1
        if self._missed < self.lost_after:
            return False
        carrying = sorted(k.slave.mcu_id for k in self.cascade.links.values()
                          if k.master.mcu_id == master and states.get(
                              (k.slave.mcu_id, k.uplink)) is ConnectionState.CONNECTED)
        due = self.failover is not None and not self._tried and not carrying
        if self._missed == self.lost_after:
            why = ("failing over" if due else "automatic failover not allowed"
                   if self.failover is None else
                   f"its links from {', '.join(carrying[:3])} are still connected: "
                   "unreachable from here, not failing over")
            events.append(WatchdogEvent(
                EventKind.MASTER_LOST, "master", master, chair, ConnectionState.DISCONNECTED,
                self._missed, f"no answer for {self._missed} rounds; {why}"))
        if due:
            self._tried = True
        return due

    async def _fail_over(self) -> list[WatchdogEvent]:
        """Run the allowed failover, reporting each step as it ends; on success the new
        cascade is watched from the next round."""
        assert self.failover is not None
        old = self.cascade.master
        chair = self.cascade.chair
        reported: list[WatchdogEvent] = []
        queue: asyncio.Queue[WatchdogEvent | None] = asyncio.Queue()

        async def reporter() -> None:
            while (event := await queue.get()) is not None:
                await self._report(event)
                reported.append(event)

        def on_step(step: str, at_s: float) -> None:
            queue.put_nowait(WatchdogEvent(EventKind.FAILOVER_STEP, "failover", old, step,
                                           ConnectionState.CONNECTED,
                                           detail=f"done at {at_s:.2f} s"))

        task = asyncio.create_task(reporter())
        try:
            new, trace = await self.failover(self.cascade, on_step)
        except HnthError as exc:
            queue.put_nowait(WatchdogEvent(EventKind.FAILOVER_FAILED, "failover", old, chair,
                                           ConnectionState.DISCONNECTED, detail=str(exc)))
        else:
            if trace.ok:
                self.cascade = new
                self._trouble.clear()
                self._missed = 0
                queue.put_nowait(WatchdogEvent(
                    EventKind.FAILED_OVER, "failover", old, new.master,
                    ConnectionState.CONNECTED,
                    detail=f"{old} -> {new.master} in {trace.total_s:.2f} s"))
            else:
                queue.put_nowait(WatchdogEvent(
                    EventKind.FAILOVER_FAILED, "failover", old, chair,
                    ConnectionState.DISCONNECTED, detail=trace.reason))
        finally:
            queue.put_nowait(None)
            await task
        return reported

    async def _states(self) -> dict[tuple[str, str], ConnectionState]:
        return await self.read_states()

    async def _read_cascade(self) -> dict[tuple[str, str], ConnectionState]:
        """The default reading step: every MCU's participant list, read concurrently."""
        # One MCU not answering must not blind the watchdog to the others.
        c = self.cascade

        async def one(mcu: str) -> list[tuple[tuple[str, str], ConnectionState]]:
            node = c.nodes[mcu]
            try:
                parts = await node.driver.participants(node.conference)
            except HnthError as exc:
                log.warning("watchdog cannot read %s: %s", mcu, exc)
                return []
            return [((mcu, p.name), p.state) for p in parts]

        rows = await gather_bounded([partial(one, m) for m in c.nodes], c.concurrency)
        return {key: state for row in rows for key, state in row}

    async def _redial(self, mcu: str, name: str, what: str, state: ConnectionState,
                      attempt: int) -> WatchdogEvent:
        node = self.cascade.nodes[mcu]
        try:
            await node.driver.connect_participant(node.conference, name)
        except HnthError as exc:
            return WatchdogEvent(EventKind.REDIAL_FAILED, what, mcu, name, state, attempt,
                                 str(exc))
        return WatchdogEvent(EventKind.REDIALED, what, mcu, name, state, attempt)

    async def _report(self, event: WatchdogEvent) -> None:
        if self.audit is not None:
            failed = event.kind in (EventKind.REDIAL_FAILED, EventKind.GAVE_UP,
                                    EventKind.MASTER_LOST, EventKind.FAILOVER_FAILED)
            detail = {"what": event.what, "state": event.state.value, "attempt": event.attempt,
                      **({"detail": event.detail} if event.detail else {})}
            await asyncio.to_thread(
                self.audit.append, actor=self.actor, action=f"watchdog.{event.kind.value}",
                target=f"{event.mcu}/{event.participant}", result="failed" if failed else "ok",
                detail=detail)
        if self.notify is not None:
            try:
                result = self.notify(event)
                if inspect.isawaitable(result):
                    await result
            except Exception:  # a broken callback must not stop the watchdog
                log.exception("watchdog notify callback failed")

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Poll every ``poll_s`` seconds until ``stop`` is set (or the task is cancelled).

        A failed poll (an MCU not answering) is logged and retried next round.
        """
        stop = stop or asyncio.Event()
        while not stop.is_set():
            try:
                await self.poll_once()
            except HnthError as exc:
                log.warning("watchdog poll failed: %s", exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.poll_s)
