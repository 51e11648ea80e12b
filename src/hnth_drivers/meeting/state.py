"""The run state of a meeting's runbook, persisted atomically after every change.

The state file is JSON, rewritten whole each time: the new content goes to a temporary
file in the same directory, is fsync'ed, renamed over the old file with ``os.replace``
(atomic on POSIX) and the directory is fsync'ed. A crash at any instant therefore leaves
either the previous state or the next one, never a mixture; :func:`load_state` still
validates everything it reads and names the field that is wrong.

A run holds an exclusive ``flock`` on ``<state>.lock`` so two runners never drive the
same meeting; the kernel drops the lock when the process dies, even by SIGKILL.
"""

from __future__ import annotations

import datetime as dt
import enum
import fcntl
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from ..documents import parse_json, read_text
from ..errors import ConfigError
from ..security import crashpoints

__all__ = [
    "FORMAT",
    "DeadlineStatus",
    "RunEvent",
    "RunLock",
    "RunState",
    "RunStatus",
    "StepRecord",
    "StepStatus",
    "judge_deadline",
    "load_state",
    "save_state",
    "write_atomic",
]

FORMAT = "hnth-meeting-state/1"


class StepStatus(enum.StrEnum):
    """Where a step stands. STARTED after a crash means "in progress when it stopped"."""

    PENDING = "pending"
    STARTED = "started"
    DONE = "done"
    FAILED = "failed"
    WAITING = "waiting"  # for an operator's confirmation


class RunStatus(enum.StrEnum):
    """Where the whole run stands."""

    RUNNING = "running"  # or crashed, if no runner holds the lock (RunLock.held_elsewhere)
    WAITING = "waiting"  # for an operator, or (``wait=False``) for a step's start time
    STOPPED = "stopped"  # interrupted (Ctrl-C, cancelled); resume continues
    FAILED = "failed"
    DONE = "done"


class DeadlineStatus(enum.StrEnum):
    """A step against its deadline.

    MET: done before the warning time. WARNED: done in time, but after the warning (or
    not done yet and inside the warning window). MISSED: done after the deadline, or not
    done and the deadline has passed. PENDING: not done, no warning yet. NONE: no deadline.
    """

    NONE = "none"
    PENDING = "pending"
    MET = "met"
    WARNED = "warned"
    MISSED = "missed"


def judge_deadline(deadline: dt.datetime | None, warn_at: dt.datetime | None,
                   finished: dt.datetime | None, now: dt.datetime) -> DeadlineStatus:
    """Judge one step. Done exactly at the deadline is in time; the warning fires after
    ``warn_at`` (strictly), the deadline is missed after ``deadline`` (strictly)."""
    if deadline is None:
        return DeadlineStatus.NONE
    warn = warn_at if warn_at is not None else deadline
    when = finished if finished is not None else now
    if when > deadline:
        return DeadlineStatus.MISSED
    if when > warn:
        return DeadlineStatus.WARNED
    return DeadlineStatus.MET if finished is not None else DeadlineStatus.PENDING


@dataclass
class StepRecord:
    """What happened to one step; times are UTC."""

    name: str
    status: StepStatus = StepStatus.PENDING
    attempts: int = 0
    deadline: dt.datetime | None = None
    warn_at: dt.datetime | None = None
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    warned_at: dt.datetime | None = None
    missed_at: dt.datetime | None = None
    deadline_status: DeadlineStatus = DeadlineStatus.PENDING
    summary: str = ""
    detail: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    recovered: bool = False  # a crash interrupted it and its check proved it done
    violations: list[str] = field(default_factory=list)


@dataclass
class RunEvent:
    """One line of the run's history."""

    at: dt.datetime
    step: str
    kind: str  # started, done, failed, waiting, warning, missed, violation, recovered, ...
    message: str


@dataclass
class RunState:
    """The whole run: per-step records in procedure order, and the event history."""

    meeting_id: str
    meeting_sha256: str
    kind: str
    steps: dict[str, StepRecord]
    status: RunStatus = RunStatus.RUNNING
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    sessions: int = 0
    events: list[RunEvent] = field(default_factory=list)

    def record(self, name: str) -> StepRecord:
        """The record of step ``name``."""
        return self.steps[name]

    def to_json(self) -> str:
        """The state as JSON text (stable key order)."""
        def enc(o: object) -> object:
            if isinstance(o, dt.datetime):
                return o.astimezone(dt.UTC).isoformat()
            raise TypeError(type(o).__name__)
        body = {"format": FORMAT, **asdict(self)}
        return json.dumps(body, ensure_ascii=False, indent=1, default=enc)


def _time(where: str, value: object) -> dt.datetime | None:
    if value is None:
        return None
    try:
        t = dt.datetime.fromisoformat(str(value))
    except ValueError:
        raise _bad(where, "an ISO 8601 time", value) from None
    if t.tzinfo is None:
        raise _bad(where, "a time with a UTC offset", value)
    return t


_SOURCE = "<state>"


def _bad(where: str, expected: str, got: object) -> ConfigError:
    return ConfigError(f"{where}: invalid", device=_SOURCE, operation="read run state",
                       expected=expected, got=repr(got)[:120])


def _enum(where: str, cls: type[enum.StrEnum], value: object) -> Any:
    try:
        return cls(str(value))
    except ValueError:
        raise _bad(where, f"one of {[m.value for m in cls]}", value) from None


def _step(i: int, raw: object) -> StepRecord:
    where = f"steps[{i}]"
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
        raise _bad(where, "a step record with a name", raw)
    attempts = raw.get("attempts", 0)
    if not isinstance(attempts, int) or isinstance(attempts, bool) or attempts < 0:
        raise _bad(f"{where}.attempts", "a count", attempts)
    detail = raw.get("detail") or {}
    if not isinstance(detail, dict):
        raise _bad(f"{where}.detail", "a table", detail)
    violations = raw.get("violations") or []
    if not isinstance(violations, list):
        raise _bad(f"{where}.violations", "a list of texts", violations)
    for key in ("summary", "error"):
        if raw.get(key) is not None and not isinstance(raw[key], str):
            raise _bad(f"{where}.{key}", "text", raw[key])
    if not isinstance(raw.get("recovered", False), bool):
        raise _bad(f"{where}.recovered", "true or false", raw.get("recovered"))
    return StepRecord(
        name=raw["name"], status=_enum(f"{where}.status", StepStatus, raw.get("status")),
        attempts=attempts,
        **{k: _time(f"{where}.{k}", raw.get(k)) for k in (
            "deadline", "warn_at", "started_at", "finished_at", "warned_at", "missed_at")},
        deadline_status=_enum(f"{where}.deadline_status", DeadlineStatus,
                              raw.get("deadline_status", "pending")),
        summary=str(raw.get("summary") or ""), detail=dict(detail),
        error=None if raw.get("error") is None else str(raw["error"]),
        recovered=bool(raw.get("recovered", False)),
        violations=[str(v) for v in violations])


def parse_state(text: str) -> RunState:
    """Validate and decode a state file's text."""
    data = parse_json(text, source=_SOURCE, what="run state")
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise _bad("format", repr(FORMAT), data.get("format") if isinstance(data, dict)
                   else data)
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, dict):
        raise _bad("steps", "a table of step records", raw_steps)
    steps = {name: _step(i, rec) for i, (name, rec) in enumerate(raw_steps.items())}
    events = []
    raw_events = data.get("events") or []
    if not isinstance(raw_events, list):
        raise _bad("events", "a list of events", raw_events)
    for i, ev in enumerate(raw_events):
        if not isinstance(ev, dict):
            raise _bad(f"events[{i}]", "an event", ev)
        at = _time(f"events[{i}].at", ev.get("at"))
        assert at is not None or ev.get("at") is None
        if at is None:
            raise _bad(f"events[{i}].at", "a time", None)
        events.append(RunEvent(at, str(ev.get("step", "")), str(ev.get("kind", "")),
                               str(ev.get("message", ""))))
    for key in ("meeting_id", "meeting_sha256", "kind"):
        if not isinstance(data.get(key), str):
            raise _bad(key, "text", data.get(key))
    sessions = data.get("sessions", 0)
    if not isinstance(sessions, int) or isinstance(sessions, bool) or sessions < 0:
        raise _bad("sessions", "a count", sessions)
    return RunState(
        meeting_id=data["meeting_id"], meeting_sha256=data["meeting_sha256"], kind=data["kind"],
        steps=steps, status=_enum("status", RunStatus, data.get("status")),
        created_at=_time("created_at", data.get("created_at")),
        updated_at=_time("updated_at", data.get("updated_at")), sessions=sessions,
        events=events)


def load_state(path: Path) -> RunState:
    """Read a state file; ConfigError naming the file and the bad field otherwise."""
    if not path.exists():
        raise ConfigError("no run state (start one with 'hnth meeting run')",
                          device=str(path), operation="read run state")
    text = read_text(path, what="run state")
    try:
        return parse_state(text)
    except ConfigError as exc:
        raise ConfigError(exc.message, device=str(path), operation="read run state",
                          expected=exc.expected, got=exc.got) from None


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that a crash leaves the old or the new file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        crashpoints.reached("state.tmp-written")
        os.fsync(fd)
    finally:
        os.close(fd)
    crashpoints.reached("state.tmp-synced")
    os.replace(tmp, path)
    crashpoints.reached("state.replaced")
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)  # make the rename itself durable
    finally:
        os.close(dir_fd)


def save_state(path: Path, state: RunState) -> None:
    """Persist ``state`` atomically and durably."""
    write_atomic(path, state.to_json().encode("utf-8"))


class RunLock:
    """Exclusive lock on ``<state>.lock`` for the duration of a run."""

    def __init__(self, state_path: Path) -> None:
        self.path = state_path.with_name(state_path.name + ".lock")
        self._fd: int | None = None

    def __enter__(self) -> RunLock:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o640)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise ConfigError("another runner is driving this meeting",
                              device=str(self.path), operation="lock run state",
                              expected="one runner per meeting") from None
        self._fd = fd
        return self

    def held_elsewhere(self) -> bool:
        """Whether a live runner holds the lock now (probes without keeping it)."""
        try:
            fd = os.open(self.path, os.O_RDWR)
        except FileNotFoundError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)
        return False

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing releases the flock
            self._fd = None
