"""The national procedure as data: steps, owners and deadlines (docs/runbook.md).

A step names the unit that owns it, the action that performs it and the check that
proves it done (both resolved by name from :mod:`.actions`), a deadline and an earliest
start relative to the request, the rehearsal, the start or the end of the meeting, and
how long before its deadline the runner warns. The two procedures below are the only
place the time rules are written down; the runner and ``hnth meeting plan`` read them.

==========================  ==================  ======================  ==============
step                        owner               deadline (planned)      ad-hoc
==========================  ==================  ======================  ==============
notify_units                central office      request + 15 min        same
agree_connection_plan       central office      rehearsal               start − 30 min
rehearse                    provincial units    start − 2 h             skipped
cascade_slave_mcus          MCU technicians     start − 2 h             start − 30 min
chair_test_calls            chair site          start − 30 min          same
system_ready                all units           start − 30 min          same
serve_meeting (30 s rule)   central office      end (from the start)    same
quality_evaluation          central office      end + 24 h (after end)  same
==========================  ==================  ======================  ==============

The rehearsal anchor is ``meeting.rehearsal`` or, when the file gives none, three hours
before the start. "End + 24 h" for the evaluation is this project's reading of
"afterwards".
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, replace

from ..errors import ConfigError
from .definition import Meeting, MeetingKind, format_duration

__all__ = [
    "AD_HOC",
    "DEFAULT_REHEARSAL_LEAD",
    "PLANNED",
    "SWITCH_LIMIT_S",
    "Anchor",
    "At",
    "Procedure",
    "Scheduled",
    "Step",
    "procedure_for",
    "schedule",
]

SWITCH_LIMIT_S = 30.0
"""A site the chair asks for is on the chair's screen with sound within this many seconds."""

DEFAULT_REHEARSAL_LEAD = dt.timedelta(hours=3)
"""When a planned meeting's file gives no rehearsal time, it is this long before the start."""


class Anchor(enum.StrEnum):
    """What a step's time is counted from."""

    REQUEST = "request"
    REHEARSAL = "rehearsal"
    START = "start"
    END = "end"


@dataclass(frozen=True, slots=True)
class At:
    """A time relative to one of the meeting's anchors (``delta`` may be negative)."""

    anchor: Anchor
    delta: dt.timedelta = dt.timedelta(0)

    def resolve(self, meeting: Meeting) -> dt.datetime:
        """The absolute time for this meeting."""
        base = {
            Anchor.REQUEST: meeting.request,
            Anchor.START: meeting.start,
            Anchor.END: meeting.end,
            Anchor.REHEARSAL: meeting.rehearsal or meeting.start - DEFAULT_REHEARSAL_LEAD,
        }[self.anchor]
        return base + self.delta

    def __str__(self) -> str:
        if not self.delta:
            return self.anchor.value
        return f"{self.anchor} {format_duration(self.delta)}"


@dataclass(frozen=True, slots=True)
class Step:
    """One step of the procedure.

    ``action``/``check`` are names in the step registry. ``deadline`` is when the step
    must be done; ``not_before`` when it may start (the runner waits); the runner warns
    ``warn_before`` ahead of the deadline if the step is not done. ``switch_limit_s`` is
    the 30-second rule, checked against the switch times an action reports.
    """

    name: str
    title: str
    owner: str
    rule: str
    action: str
    check: str | None = None
    deadline: At | None = None
    not_before: At | None = None
    warn_before: dt.timedelta = dt.timedelta(minutes=15)
    switch_limit_s: float | None = None


@dataclass(frozen=True, slots=True)
class Procedure:
    """An ordered set of steps for one kind of meeting."""

    kind: MeetingKind
    steps: tuple[Step, ...]

    def __post_init__(self) -> None:
        names = [s.name for s in self.steps]
        if len(set(names)) != len(names):
            raise ConfigError("duplicate step names", operation="build procedure",
                              expected="distinct names", got=repr(names))

    @property
    def names(self) -> tuple[str, ...]:
        """Step names in order."""
        return tuple(s.name for s in self.steps)

    def step(self, name: str) -> Step:
        """The step called ``name`` (KeyError if none)."""
        for s in self.steps:
            if s.name == name:
                return s
        raise KeyError(name)


_MIN = dt.timedelta(minutes=1)
_HOUR = dt.timedelta(hours=1)

_NOTIFY = Step(
    "notify_units", "Process the request and notify the units", "central office",
    "units notified within 15 min of the request", action="notify.outbox",
    check="notify.outbox", deadline=At(Anchor.REQUEST, 15 * _MIN), warn_before=5 * _MIN)
_PLAN = Step(
    "agree_connection_plan", "Agree the connection plan with the units", "central office",
    "connection plan agreed before the rehearsal", action="manual",
    deadline=At(Anchor.REHEARSAL), warn_before=30 * _MIN)
_REHEARSE = Step(
    "rehearse", "Internal rehearsals and test calls", "provincial units",
    "rehearsals and test calls done at least 2 h before the start", action="manual",
    not_before=At(Anchor.REHEARSAL), deadline=At(Anchor.START, -2 * _HOUR),
    warn_before=30 * _MIN)
_CASCADE = Step(
    "cascade_slave_mcus", "Cascade the slave MCUs to the master", "MCU technicians",
    "slave MCUs cascaded at least 2 h before the start", action="manual",
    deadline=At(Anchor.START, -2 * _HOUR), warn_before=30 * _MIN)
_CHAIR_TESTS = Step(
    "chair_test_calls", "Test calls from the chair to sample district and commune sites",
    "chair site", "chair's test calls done at least 30 min before the start",
    action="manual", deadline=At(Anchor.START, -30 * _MIN), warn_before=10 * _MIN)
_READY = Step(
    "system_ready", "Whole system ready", "all units",
    "everything ready at least 30 min before the start", action="manual",
    deadline=At(Anchor.START, -30 * _MIN), warn_before=10 * _MIN)
_SERVE = Step(
    "serve_meeting", "Serve the meeting", "central office",
    "each site the chair asks for on screen with sound within 30 s; drops fixed at once "
    "and reported", action="manual", not_before=At(Anchor.START), deadline=At(Anchor.END),
    warn_before=10 * _MIN, switch_limit_s=SWITCH_LIMIT_S)
_EVALUATE = Step(
    "quality_evaluation", "Quality evaluation report", "central office",
    "quality evaluated after the meeting", action="manual", not_before=At(Anchor.END),
    deadline=At(Anchor.END, 24 * _HOUR), warn_before=2 * _HOUR)

PLANNED = Procedure(MeetingKind.PLANNED, (
    _NOTIFY, _PLAN, _REHEARSE, _CASCADE, _CHAIR_TESTS, _READY, _SERVE, _EVALUATE))
"""The planned meeting's procedure."""

AD_HOC = Procedure(MeetingKind.AD_HOC, (
    _NOTIFY,
    replace(_PLAN, rule="connection plan agreed before the system is ready",
            deadline=At(Anchor.START, -30 * _MIN), warn_before=10 * _MIN),
    replace(_CASCADE, rule="slave MCUs cascaded at least 30 min before the start",
            deadline=At(Anchor.START, -30 * _MIN), warn_before=10 * _MIN),
    _CHAIR_TESTS, _READY, _SERVE, _EVALUATE))
"""The ad-hoc procedure: no rehearsal; "ready 30 min before" and the 30 s rule kept."""


def procedure_for(meeting: Meeting) -> Procedure:
    """The procedure of the meeting's kind with the meeting file's step overrides applied."""
    base = PLANNED if meeting.kind is MeetingKind.PLANNED else AD_HOC
    steps = []
    for name in meeting.steps:
        if name not in base.names:
            raise ConfigError(f"steps.{name}: no such step in the {meeting.kind} procedure",
                              operation="read meeting file",
                              expected=f"one of {list(base.names)}", got=repr(name))
    for step in base.steps:
        over = meeting.steps.get(step.name)
        if over is not None:
            step = replace(step, action=over.action or step.action,
                           check=over.check if over.check is not None else step.check)
        steps.append(step)
    return Procedure(base.kind, tuple(steps))


@dataclass(frozen=True, slots=True)
class Scheduled:
    """A step with its absolute times for one meeting."""

    step: Step
    not_before: dt.datetime | None
    deadline: dt.datetime | None

    @property
    def warn_at(self) -> dt.datetime | None:
        """When the runner warns if the step is still not done."""
        return None if self.deadline is None else self.deadline - self.step.warn_before


def schedule(procedure: Procedure, meeting: Meeting) -> tuple[Scheduled, ...]:
    """Absolute earliest-start and deadline of every step of ``procedure``."""
    return tuple(
        Scheduled(s, s.not_before.resolve(meeting) if s.not_before else None,
                  s.deadline.resolve(meeting) if s.deadline else None)
        for s in procedure.steps)
