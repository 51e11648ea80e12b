"""The registry that runbook steps resolve their action and check from, by name.

A step says *what* (``action = "notify.outbox"``); the registry says *how*. Later parts of
the library (cascade bring-up, readiness sweep, quality report) and third-party packages
plug in by registering under a name, and a meeting file may point any step at any
registered name (``[steps.system_ready] action = "readiness.sweep"``).

An **action** performs a step; it declares whether it is *idempotent* (running it twice
has the effect of running it once). A **check** proves a step done, by looking at the
world, not at our own state file. After a crash in the middle of a step the runner
re-runs an idempotent action, and asks the check before re-running a non-idempotent one;
a non-idempotent action without a check is refused when the run is prepared.

Register in code::

    registry = default_registry()

    @registry.action("cascade.bring_up", idempotent=True,
                     description="bring every planned cascade link up")
    async def bring_up(ctx: StepContext) -> StepOutcome: ...

or from an installed package, through the entry-point group ``hnth_drivers.meeting``
whose value is a function ``register(registry: StepRegistry) -> None``.

Built in: ``manual`` (an operator confirms the step done) and ``notify.outbox`` (action
and check: a notice per unit appended to the meeting's outbox file).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from ..errors import ConfigError, HnthError
from .clock import Clock
from .definition import Meeting
from .steps import Step

__all__ = [
    "ENTRY_POINT_GROUP",
    "ActionFn",
    "CheckFn",
    "Confirmer",
    "OperatorNeeded",
    "StepAction",
    "StepCheck",
    "StepContext",
    "StepOutcome",
    "StepRegistry",
    "SwitchTiming",
    "default_registry",
    "no_operator",
    "outbox_path",
]

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "hnth_drivers.meeting"
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*\Z")


class OperatorNeeded(HnthError):
    """A step waits for an operator; the run stops and can be resumed after."""


@dataclass(frozen=True, slots=True)
class SwitchTiming:
    """How long one chair-requested switch took until the site was seen and heard."""

    site: str
    seconds: float


@dataclass(frozen=True, slots=True)
class StepOutcome:
    """What an action reports: a summary line, details, and any switch timings."""

    summary: str = ""
    detail: Mapping[str, str | int | float | bool] = field(default_factory=dict)
    switches: tuple[SwitchTiming, ...] = ()


Confirmer = Callable[[Step, Meeting], Awaitable[str]]
"""Asks an operator to confirm a step done; returns who confirmed, or raises OperatorNeeded."""


async def no_operator(step: Step, meeting: Meeting) -> str:
    """The confirmer used when nobody can be asked: the step WAITS for an operator."""
    raise OperatorNeeded(f"step {step.name!r} ({step.owner}) waits for an operator to confirm "
                         f"it done: {step.rule}", operation="run meeting step")


@dataclass(frozen=True, slots=True)
class StepContext:
    """What an action or check is given: the meeting, the step, time, a place for files."""

    meeting: Meeting
    step: Step
    clock: Clock
    work_dir: Path
    attempt: int
    confirm: Confirmer = no_operator


ActionFn = Callable[[StepContext], Awaitable[StepOutcome | None]]
CheckFn = Callable[[StepContext], Awaitable[bool]]


@dataclass(frozen=True, slots=True)
class StepAction:
    """A registered action. ``idempotent``: running it again after a crash is harmless."""

    name: str
    run: ActionFn
    idempotent: bool
    description: str = ""


@dataclass(frozen=True, slots=True)
class StepCheck:
    """A registered check: True when the world shows the step done."""

    name: str
    run: CheckFn
    description: str = ""


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise ConfigError("invalid step action or check name", operation="register",
                          expected="dotted lower-case words, e.g. 'readiness.sweep'",
                          got=repr(name))


class StepRegistry:
    """Step actions and checks by name."""

    def __init__(self) -> None:
        self._actions: dict[str, StepAction] = {}
        self._checks: dict[str, StepCheck] = {}
        self.load_errors: dict[str, str] = {}

    def add_action(self, name: str, run: ActionFn, *, idempotent: bool,
                   description: str = "", replace: bool = False) -> None:
        """Register ``run`` as the action ``name`` (a second registration needs replace)."""
        _check_name(name)
        if name in self._actions and not replace:
            raise ConfigError(f"step action {name!r} is already registered",
                              operation="register", expected="a new name or replace=True")
        self._actions[name] = StepAction(name, run, idempotent, description)

    def add_check(self, name: str, run: CheckFn, *, description: str = "",
                  replace: bool = False) -> None:
        """Register ``run`` as the check ``name``."""
        _check_name(name)
        if name in self._checks and not replace:
            raise ConfigError(f"step check {name!r} is already registered",
                              operation="register", expected="a new name or replace=True")
        self._checks[name] = StepCheck(name, run, description)

    def action(self, name: str, *, idempotent: bool, description: str = ""
               ) -> Callable[[ActionFn], ActionFn]:
        """Decorator form of :meth:`add_action`."""
        def deco(fn: ActionFn) -> ActionFn:
            self.add_action(name, fn, idempotent=idempotent, description=description)
            return fn
        return deco

    def check(self, name: str, *, description: str = "") -> Callable[[CheckFn], CheckFn]:
        """Decorator form of :meth:`add_check`."""
        def deco(fn: CheckFn) -> CheckFn:
            self.add_check(name, fn, description=description)
            return fn
        return deco

    def get_action(self, name: str) -> StepAction:
        """The action ``name``; ConfigError listing what is registered otherwise."""
        try:
            return self._actions[name]
        except KeyError:
            raise ConfigError(f"no step action called {name!r} is registered",
                              operation="resolve step action",
                              expected=f"one of {sorted(self._actions)}") from None

    def get_check(self, name: str) -> StepCheck:
        """The check ``name``; ConfigError listing what is registered otherwise."""
        try:
            return self._checks[name]
        except KeyError:
            raise ConfigError(f"no step check called {name!r} is registered",
                              operation="resolve step check",
                              expected=f"one of {sorted(self._checks)}") from None

    def actions(self) -> dict[str, StepAction]:
        """Every registered action, by name."""
        return dict(sorted(self._actions.items()))

    def checks(self) -> dict[str, StepCheck]:
        """Every registered check, by name."""
        return dict(sorted(self._checks.items()))

    def load_entry_points(self) -> None:
        """Let installed packages register (group ``hnth_drivers.meeting``).

        A plug-in that fails is noted in ``load_errors`` and logged, not fatal: only a
        meeting that names one of its actions fails, when that name does not resolve.
        """
        for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
            try:
                register = ep.load()
                register(self)
            except Exception as exc:  # a plug-in's failure must not look like ours
                self.load_errors[ep.name] = f"{type(exc).__name__}: {exc}"[:300]
                log.warning("runbook plug-in %s failed to load: %s", ep.name,
                            self.load_errors[ep.name])


# --- built-in actions ---------------------------------------------------------------------

async def _manual(ctx: StepContext) -> StepOutcome:
    who = await ctx.confirm(ctx.step, ctx.meeting)
    return StepOutcome(summary=f"confirmed by {who}", detail={"confirmed_by": who})


def outbox_path(work_dir: Path, meeting: Meeting) -> Path:
    """Where ``notify.outbox`` appends the meeting's notices (one JSON line each)."""
    return work_dir / f"{meeting.id.replace('/', '_')}.outbox.jsonl"


def _notified_units(path: Path, meeting_id: str) -> set[str]:
    units: set[str] = set()
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return units
    for line in lines:
        try:
            notice = json.loads(line)
        except ValueError:
            continue  # a line cut short by a crash: that notice was not sent
        if isinstance(notice, dict) and notice.get("meeting") == meeting_id:
            units.add(str(notice.get("unit")))
    return units


async def _notify(ctx: StepContext) -> StepOutcome:
    path = outbox_path(ctx.work_dir, ctx.meeting)
    done = _notified_units(path, ctx.meeting.id)
    todo = [u for u in ctx.meeting.units if u not in done]
    path.parent.mkdir(parents=True, exist_ok=True)
    for unit in todo:
        notice = {
            "meeting": ctx.meeting.id, "title": ctx.meeting.title, "kind": ctx.meeting.kind,
            "unit": unit, "start": ctx.meeting.start.isoformat(),
            "end": ctx.meeting.end.isoformat(),
            "sites": [s.id for s in ctx.meeting.sites if s.unit == unit],
            "sent_at": ctx.clock.now().astimezone(dt.UTC).isoformat(),
        }
        data = json.dumps(notice, ensure_ascii=False).encode("utf-8") + b"\n"
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            if os.fstat(fd).st_size and not _ends_with_newline(path):
                data = b"\n" + data  # start fresh after a line cut short by a crash
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
    return StepOutcome(summary=f"{len(todo)} units notified, {len(done)} already were",
                       detail={"notified": len(todo), "already": len(done)})


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as fh:
        fh.seek(-1, os.SEEK_END)
        return fh.read(1) == b"\n"


async def _notified(ctx: StepContext) -> bool:
    done = _notified_units(outbox_path(ctx.work_dir, ctx.meeting), ctx.meeting.id)
    return all(u in done for u in ctx.meeting.units)


def default_registry(*, plugins: bool = True) -> StepRegistry:
    """A registry with the built-in actions (and installed plug-ins unless ``plugins=False``)."""
    reg = StepRegistry()
    reg.add_action("manual", _manual, idempotent=True,
                   description="an operator confirms the step done (asking again is harmless)")
    # Idempotent because it notifies only the units the outbox does not show notified yet,
    # and each notice is one fsync'ed append: a crash never sends a notice twice.
    reg.add_action("notify.outbox", _notify, idempotent=True,
                   description="append one notice per unit to <work dir>/<meeting>.outbox.jsonl")
    reg.add_check("notify.outbox", _notified,
                  description="every unit of the meeting has a notice in the outbox")
    if plugins:
        reg.load_entry_points()
    return reg
