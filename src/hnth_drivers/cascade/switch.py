"""The timed switch path: put one site on the chair's screen, with sound, and prove it.

``Switcher.switch_to(site)`` follows the site's picture up the cascade — the site's MCU,
each intermediate MCU, the master — and issues one action per MCU, all at once (they are
independent: each MCU only changes what it sends on one leg):

- the site's MCU shows the site full-screen on its uplink (on the master: to the chair);
- each intermediate MCU shows the incoming link from below full-screen on its uplink;
- the master shows that link full-screen on the chair's screen;
- the sound path is opened (``unmute_path``, the default policy): the site, and on each
  MCU above it the incoming link that carries its sound, are unmuted.

Then it **confirms**, in one concurrent round: every MCU on the path reads back the
layout it sends on the leg toward the chair, that leg's state, and the participant it
shows (connected and, by policy, unmuted) — small status queries
(:meth:`~hnth_drivers.mcu.base.Mcu.participant`), never a whole participant list. In
simulation, ``view_of`` (the model's view of the chair's screen) must show exactly the
site and ``hears`` (what the chair hears) must include it. The confirmation is never
skipped.

The returned :class:`SwitchTrace` has every call with its duration, the total, the round
trips on the critical path (2: actions, then confirmation) and the verdict against the
limit (30 s by default, the national rule). A deadline cancels the calls in flight and
returns a failed trace. Every switch is authorised (``Action.MCU_CONTROL`` on the site,
area scopes) and written to the audit log, refusals included.

Requests for one chair's screen are **queued and coalesced** (latest wins): one switch
runs at a time per screen (per :class:`LiveCascade` and chair, whichever
:class:`Switcher` asks); a request arriving while one runs waits; a newer request
supersedes the one waiting, which is answered at once with a trace whose ``outcome`` is
``superseded`` (naming the newer site), not a failure. A running switch is never
interrupted. So 100 operators asking at once cost two switches, and every request is
answered: done, superseded, or failed with a reason, in the trace and in the audit log.
"""

from __future__ import annotations

import asyncio
import enum
import time
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TypeVar

from ..errors import AccessDenied, ConfigError, HnthError
from ..mcu.base import Mcu
from ..model import ConnectionState, Layout, LayoutKind, Participant
from ..security.access import Action, Operator, SiteTree, authorize
from ..security.audit import AuditEntry, AuditLog
from .live import LiveCascade

__all__ = ["Call", "SwitchOutcome", "SwitchTrace", "Switcher"]

T = TypeVar("T")

NATIONAL_LIMIT_S = 30.0
"""A site the chair asks for is on the chair's screen with sound within 30 s."""


@dataclass(frozen=True, slots=True)
class Call:
    """One driver call of a switch: where, what, when (seconds from the request), how long."""

    mcu: str
    operation: str
    detail: str
    started_s: float
    duration_s: float
    error: str | None = None


class SwitchOutcome(enum.StrEnum):
    """How a switch request was answered."""

    DONE = "done"              # confirmed (see ``within_limit`` for the 30 s rule)
    SUPERSEDED = "superseded"  # a newer request for the same screen replaced it unrun
    FAILED = "failed"          # run and not confirmed: ``reason`` says why


@dataclass(frozen=True, slots=True)
class SwitchTrace:
    """What one switch did and whether it met the rule.

    ``queued_s`` is how long the request waited for an earlier switch to the same screen
    (included in ``total_s``, which runs from the request); ``superseded_by`` names the
    newer request's site when ``outcome`` is SUPERSEDED.
    """

    site: str
    path: tuple[str, ...]
    actions: tuple[Call, ...]
    confirmations: tuple[Call, ...]
    total_s: float
    round_trips: int
    limit_s: float
    ok: bool
    reason: str | None = None
    seen: tuple[str, ...] | None = field(default=None)
    queued_s: float = 0.0
    superseded_by: str | None = None

    @property
    def outcome(self) -> SwitchOutcome:
        """DONE, SUPERSEDED or FAILED."""
        if self.superseded_by is not None:
            return SwitchOutcome.SUPERSEDED
        return SwitchOutcome.DONE if self.ok else SwitchOutcome.FAILED

    @property
    def hops(self) -> int:
        """Cascade hops between the site's MCU and the master."""
        return len(self.path) - 1

    @property
    def within_limit(self) -> bool:
        """Whether the switch was confirmed within the limit."""
        return self.ok and self.total_s <= self.limit_s

    @property
    def verdict(self) -> str:
        """``PASS`` (confirmed within the limit), ``SUPERSEDED`` or ``FAIL``."""
        if self.superseded_by is not None:
            return "SUPERSEDED"
        return "PASS" if self.within_limit else "FAIL"


class _ScreenQueue:
    """One chair's screen: whether a switch runs, and the one request waiting (if any)."""

    __slots__ = ("busy", "waiting")

    def __init__(self) -> None:
        self.busy = False
        self.waiting: asyncio.Future[str | None] | None = None

    def hand_over(self) -> None:
        """The running switch ended: wake the waiting request, or free the screen."""
        waiting, self.waiting = self.waiting, None
        if waiting is not None and not waiting.done():
            waiting.set_result(None)  # your turn (busy stays True)
        else:
            self.busy = False


# Keyed by cascade, then chair: every Switcher over one cascade shares the queue.
_SCREENS: weakref.WeakKeyDictionary[LiveCascade, dict[str, _ScreenQueue]] = \
    weakref.WeakKeyDictionary()


def _screen(cascade: LiveCascade) -> _ScreenQueue:
    return _SCREENS.setdefault(cascade, {}).setdefault(cascade.chair, _ScreenQueue())


class _AuditBatcher:
    """Group commit of switch records: the records that arrive while one durable append
    waits for the disk go together in the next (one lock, one fsync), off the event loop
    so that the watchdog and other switches keep running meanwhile. 100 requests answered
    at once cost a few fsyncs, not 100; each caller still returns only once its own
    record is on disk (or gets the append's error)."""

    def __init__(self, audit: AuditLog, loop: asyncio.AbstractEventLoop) -> None:
        self.audit = audit
        self.loop = loop
        self.pending: list[tuple[AuditEntry, asyncio.Future[int]]] = []
        self.writer: asyncio.Task[None] | None = None

    async def append(self, entry: AuditEntry) -> int:
        done: asyncio.Future[int] = self.loop.create_future()
        self.pending.append((entry, done))
        if self.writer is None or self.writer.done():
            self.writer = asyncio.ensure_future(self._drain())
        return await done

    async def _drain(self) -> None:
        while self.pending:
            batch, self.pending = self.pending, []
            try:
                seqs = await asyncio.to_thread(self.audit.append_many,
                                               [entry for entry, _ in batch])
            except Exception as exc:  # every waiter learns why its record is missing
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
                continue
            for (_, done), seq in zip(batch, seqs, strict=True):
                if not done.done():
                    done.set_result(seq)


_BATCHERS: weakref.WeakKeyDictionary[AuditLog, _AuditBatcher] = weakref.WeakKeyDictionary()


def _batcher(audit: AuditLog) -> _AuditBatcher:
    loop = asyncio.get_running_loop()
    batcher = _BATCHERS.get(audit)
    if batcher is None or batcher.loop is not loop:
        batcher = _BATCHERS[audit] = _AuditBatcher(audit, loop)
    return batcher


@dataclass(frozen=True, slots=True)
class _Step:
    mcu: str
    driver: Mcu
    conference: str
    shown: str          # participant shown full-screen
    to: str             # participant whose screen (the uplink, or the chair)


class _Recorder:
    def __init__(self, t0: float) -> None:
        self.t0 = t0
        self.calls: list[Call] = []

    async def run(self, mcu: str, operation: str, detail: str,
                  make: Callable[[], Awaitable[T]]) -> T:
        start = time.perf_counter()
        try:
            result = await make()
        except asyncio.CancelledError:
            self.calls.append(Call(mcu, operation, detail, start - self.t0,
                                   time.perf_counter() - start, "cancelled"))
            raise
        except HnthError as exc:
            self.calls.append(Call(mcu, operation, detail, start - self.t0,
                                   time.perf_counter() - start, str(exc)))
            raise
        self.calls.append(Call(mcu, operation, detail, start - self.t0,
                               time.perf_counter() - start))
        return result


def _first_error(exc: BaseException) -> BaseException:
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc


class Switcher:
    """Switches the chair's screen to any site of a :class:`LiveCascade`.

    ``operator`` and ``tree`` authorise each switch; ``audit`` records it.
    ``limit_s`` is the rule (30 s); ``deadline_s`` (default: the limit) cancels a switch
    that takes longer. ``view_of`` and ``hears`` (simulation) return the sites the chair
    sees and hears.
    """

    def __init__(self, cascade: LiveCascade, *, operator: Operator, tree: SiteTree,
                 audit: AuditLog | None, limit_s: float = NATIONAL_LIMIT_S,
                 deadline_s: float | None = None, unmute_path: bool = True,
                 view_of: Callable[[], tuple[str, ...]] | None = None,
                 hears: Callable[[], frozenset[str]] | None = None) -> None:
        self.cascade = cascade
        self.operator = operator
        self.tree = tree
        self.audit = audit
        self.limit_s = limit_s
        self.deadline_s = deadline_s if deadline_s is not None else limit_s
        self.unmute_path = unmute_path
        self.view_of = view_of
        self.hears = hears

    def steps(self, site: str) -> list[_Step]:
        """The per-MCU actions of a switch to ``site`` (site's MCU first, master last)."""
        c = self.cascade
        if site == c.chair:
            raise ConfigError("the chair's own picture is not shown to the chair",
                              operation="switch_to", device=site,
                              expected="another site of the meeting")
        path = c.path(site)
        steps: list[_Step] = []
        shown = site
        for i, mcu_id in enumerate(path):
            node = c.nodes[mcu_id]
            to = c.links[mcu_id].uplink if i < len(path) - 1 else c.chair
            steps.append(_Step(mcu_id, node.driver, node.conference, shown, to))
            if i < len(path) - 1:
                shown = c.links[mcu_id].master_leg
        return steps

    async def switch_to(self, site: str, *, deadline_s: float | None = None) -> SwitchTrace:
        """Put ``site`` on the chair's screen, confirm it, audit it; see the module doc.

        Raises :class:`AccessDenied` (audited) when the operator may not, and
        :class:`~hnth_drivers.errors.ConfigError` for a site that is not in the meeting
        (or is the chair);
        every other failure (device errors, a missed deadline) comes back as a failed
        trace. A request made while another switch of the same screen runs waits for it;
        a newer request supersedes it (a SUPERSEDED trace, audited as such).
        """
        try:
            authorize(self.operator, Action.MCU_CONTROL, site, self.tree)
        except AccessDenied as exc:
            await self._audit(site, "denied", {"reason": exc.message})
            raise
        requested = time.perf_counter()
        steps = self.steps(site)  # a site not in the meeting never supersedes anyone
        screen = _screen(self.cascade)
        if screen.busy:
            if screen.waiting is not None and not screen.waiting.done():
                screen.waiting.set_result(site)  # the older waiting request: superseded
            turn: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()
            screen.waiting = turn
            try:
                newer = await turn
            except asyncio.CancelledError:
                if turn.done() and not turn.cancelled() and turn.result() is None:
                    screen.hand_over()  # given the turn while being cancelled: pass it on
                raise
            if newer is not None:
                return await self._superseded(site, steps, requested, newer)
        else:
            screen.busy = True
        try:
            trace = await self._run(site, steps, requested, deadline_s)
        finally:
            screen.hand_over()  # the screen is free once confirmed: audit after that
        await self._audit(site, "ok" if trace.within_limit else "failed", {
            "path": list(trace.path), "total_ms": round(trace.total_s * 1000, 1),
            "round_trips": trace.round_trips, "verdict": trace.verdict,
            "outcome": trace.outcome.value,
            **({"queued_ms": round(trace.queued_s * 1000, 1)}
               if trace.queued_s >= 0.001 else {}),
            **({"reason": trace.reason} if trace.reason else {})})
        return trace

    async def _superseded(self, site: str, steps: list[_Step], requested: float,
                          newer: str) -> SwitchTrace:
        waited = time.perf_counter() - requested
        reason = f"superseded by a later request for {newer} before it ran"
        trace = SwitchTrace(
            site=site, path=tuple(s.mcu for s in steps), actions=(), confirmations=(),
            total_s=waited, round_trips=0, limit_s=self.limit_s, ok=False, reason=reason,
            queued_s=waited, superseded_by=newer)
        await self._audit(site, "superseded", {"superseded_by": newer,
                                               "queued_ms": round(waited * 1000, 1)})
        return trace

    async def _run(self, site: str, steps: list[_Step], requested: float,
                   deadline_s: float | None) -> SwitchTrace:
        t0 = time.perf_counter()
        queued = t0 - requested
        rec_actions, rec_confirm = _Recorder(t0), _Recorder(t0)
        path = tuple(s.mcu for s in steps)
        deadline = deadline_s if deadline_s is not None else self.deadline_s
        reason: str | None = None
        seen: tuple[str, ...] | None = None
        phase = "actions"
        try:
            async with asyncio.timeout(deadline):
                try:
                    await self._act(steps, site, rec_actions)
                    phase = "confirmation"
                    reason, seen = await self._confirm(steps, site, rec_confirm)
                except* HnthError as group:
                    reason = f"{phase} failed: {_first_error(group)}"
        except TimeoutError:
            reason = f"deadline of {deadline:g} s passed during the {phase}"
        total = time.perf_counter() - requested
        trace = SwitchTrace(
            site=site, path=path, actions=tuple(rec_actions.calls),
            confirmations=tuple(rec_confirm.calls), total_s=total,
            round_trips=int(bool(rec_actions.calls)) + int(bool(rec_confirm.calls)),
            limit_s=self.limit_s, ok=reason is None, reason=reason, seen=seen,
            queued_s=queued)
        return trace

    async def _act(self, steps: list[_Step], site: str, rec: _Recorder) -> None:
        async with asyncio.TaskGroup() as tg:
            for s in steps:
                tg.create_task(rec.run(
                    s.mcu, "show_full_screen", f"{s.shown} -> {s.to}",
                    partial(s.driver.show_full_screen, s.conference, s.shown, target=s.to)))
                if self.unmute_path:
                    tg.create_task(rec.run(
                        s.mcu, "mute", f"{s.shown} off",
                        partial(s.driver.mute, s.conference, s.shown, False)))

    async def _confirm(self, steps: list[_Step], site: str,
                       rec: _Recorder) -> tuple[str | None, tuple[str, ...] | None]:
        reads: list[tuple[asyncio.Task[Layout], asyncio.Task[Participant],
                          asyncio.Task[Participant]]] = []
        async with asyncio.TaskGroup() as tg:
            for s in steps:
                reads.append((
                    tg.create_task(rec.run(s.mcu, "layout", s.to, partial(
                        s.driver.layout, s.conference, target=s.to))),
                    tg.create_task(rec.run(s.mcu, "participant", s.to, partial(
                        s.driver.participant, s.conference, s.to))),
                    tg.create_task(rec.run(s.mcu, "participant", s.shown, partial(
                        s.driver.participant, s.conference, s.shown)))))
        for s, (layout_read, to_read, shown_read) in zip(steps, reads, strict=True):
            layout = layout_read.result()
            if not _is_full_screen_of(layout, s.shown):
                return (f"{s.mcu} sends {layout.participants() or layout.kind.value} "
                        f"to {s.to}, not {s.shown} full-screen"), None
            for leg in (to_read.result(), shown_read.result()):
                if leg.state is not ConnectionState.CONNECTED:
                    return f"{s.mcu}: {leg.name} is {leg.state.value}, not connected", None
            if self.unmute_path and shown_read.result().muted:
                return f"{s.mcu}: {s.shown} is still muted", None
        seen = None
        if self.view_of is not None:
            seen = self.view_of()
            if seen != (site,):
                return f"the chair sees {seen}, not ({site!r},)", seen
        if self.hears is not None and site not in self.hears():
            return f"the chair does not hear {site}", seen
        return None, seen

    async def _audit(self, site: str, result: str, detail: dict[str, object]) -> None:
        if self.audit is not None:
            await _batcher(self.audit).append(AuditEntry(
                self.operator.name, "cascade.switch_to", site, result, detail))


def _is_full_screen_of(layout: Layout, participant: str) -> bool:
    shown = layout.participants()
    return bool(shown) and shown[0] == participant and (
        layout.kind is LayoutKind.FULL_SCREEN or layout.pane_count == 1)
