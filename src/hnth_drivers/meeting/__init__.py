"""Meetings: the national procedure as a runbook (planned and ad-hoc), with deadlines.

``definition`` reads a meeting file, ``steps`` holds the procedure as data, ``actions``
the registry that step actions and checks are resolved from, ``state`` the crash-safe
run state, ``runbook`` the runner, ``clock`` the real and the fake clocks.
See ``docs/runbook.md``.
"""

import logging

from .actions import (
    OperatorNeeded,
    StepContext,
    StepOutcome,
    StepRegistry,
    SwitchTiming,
    default_registry,
)
from .clock import Clock, FakeClock, SystemClock
from .definition import Meeting, MeetingKind, load_meeting, parse_meeting
from .runbook import Runbook, Runner, state_path_for
from .state import DeadlineStatus, RunState, RunStatus, StepStatus, load_state
from .steps import AD_HOC, PLANNED, Procedure, Step, procedure_for

__all__ = [
    "AD_HOC", "PLANNED", "Clock", "DeadlineStatus", "FakeClock", "Meeting", "MeetingKind",
    "OperatorNeeded", "Procedure", "RunState", "RunStatus", "Runbook", "Runner", "Step",
    "StepContext", "StepOutcome", "StepRegistry", "StepStatus", "SwitchTiming", "SystemClock",
    "default_registry", "load_meeting", "load_state", "parse_meeting", "procedure_for",
    "state_path_for",
]

# The library logs; the application decides where logs go (no "last resort" on stderr).
logging.getLogger(__name__).addHandler(logging.NullHandler())
