"""A meeting as the runbook sees it, read from a TOML meeting file.

A meeting file names the meeting, its kind (``planned`` or ``ad-hoc``), when it was
requested, when it starts and ends, the participating sites and the chair's script.
Times must carry a UTC offset (``2026-11-30T08:00:00+07:00``). Every mistake is reported
as a :class:`~hnth_drivers.errors.ConfigError` naming the file, the key and what was
expected, e.g. ``meeting.toml: read meeting file: script[2].show: unknown site``.

See ``docs/runbook.md`` for the full format.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..documents import parse_toml, read_text
from ..errors import ConfigError
from ..model import Level

__all__ = [
    "Meeting",
    "MeetingKind",
    "MeetingSite",
    "ScriptItem",
    "StepOverride",
    "format_duration",
    "load_meeting",
    "parse_duration",
    "parse_meeting",
]

_FIRST_YEAR, _LAST_YEAR = 2000, 9000
_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f]")
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/@-]{0,127}\Z")
_DURATION_RE = re.compile(r"^(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?(?:(?P<s>\d+)s)?$")


class MeetingKind(enum.StrEnum):
    """A planned meeting follows the whole procedure; an ad-hoc one skips the rehearsal."""

    PLANNED = "planned"
    AD_HOC = "ad-hoc"


@dataclass(frozen=True, slots=True)
class MeetingSite:
    """One site taking part: who runs it (``unit``) and which MCU serves it."""

    id: str
    name: str
    level: Level
    unit: str
    mcu: str | None = None
    contact: str | None = None


@dataclass(frozen=True, slots=True)
class ScriptItem:
    """One line of the chair's script: at ``at`` after the start, show ``show``."""

    at: dt.timedelta
    show: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class StepOverride:
    """A meeting file's choice of action and/or check for one step of the procedure."""

    action: str | None = None
    check: str | None = None


@dataclass(frozen=True, slots=True)
class Meeting:
    """A meeting to serve. Times are timezone-aware; ``sha256`` identifies the file."""

    id: str
    title: str
    kind: MeetingKind
    request: dt.datetime
    start: dt.datetime
    end: dt.datetime
    chair: str
    sites: tuple[MeetingSite, ...]
    script: tuple[ScriptItem, ...] = ()
    rehearsal: dt.datetime | None = None
    steps: Mapping[str, StepOverride] = field(default_factory=dict)
    sha256: str = ""
    #: the network file the device steps run on (relative to the meeting file), if any
    network: str | None = None

    @property
    def units(self) -> tuple[str, ...]:
        """The distinct units running the sites, in order of first appearance."""
        return tuple(dict.fromkeys(s.unit for s in self.sites))

    def site(self, site_id: str) -> MeetingSite:
        """The site with this id (KeyError if it does not take part)."""
        for s in self.sites:
            if s.id == site_id:
                return s
        raise KeyError(site_id)


def parse_duration(text: str) -> dt.timedelta:
    """``"1h30m"``, ``"45m"``, ``"90s"``, ``"0m"`` → timedelta. ValueError otherwise."""
    m = _DURATION_RE.match(text.strip()) if isinstance(text, str) else None
    if not m or not text.strip():
        raise ValueError(f"not a duration: {text!r} (expected e.g. '1h30m', '45m', '90s')")
    return dt.timedelta(hours=int(m["h"] or 0), minutes=int(m["m"] or 0),
                        seconds=int(m["s"] or 0))


def format_duration(delta: dt.timedelta) -> str:
    """A signed, compact rendering: ``-2h``, ``+15m``, ``+1h30m``, ``0m``."""
    total = int(delta.total_seconds())
    if total == 0:
        return "0m"
    sign = "-" if total < 0 else "+"
    h, rest = divmod(abs(total), 3600)
    m, s = divmod(rest, 60)
    parts = [f"{h}h" if h else "", f"{m}m" if m else "", f"{s}s" if s else ""]
    return sign + "".join(parts)


class _Reader:
    """Typed access to a TOML table that reports the key path on every error."""

    def __init__(self, source: str) -> None:
        self.source = source

    def error(self, key: str, message: str, expected: str | None = None,
              got: object = None) -> ConfigError:
        return ConfigError(f"{key}: {message}", device=self.source,
                           operation="read meeting file", expected=expected,
                           got=None if got is None else repr(got))

    def table(self, data: Mapping[str, Any], key: str, path: str, *, required: bool = True
              ) -> Mapping[str, Any] | None:
        value = data.get(key)
        if value is None:
            if required:
                raise self.error(path, "missing table", f"a [{path}] table")
            return None
        if not isinstance(value, dict):
            raise self.error(path, "not a table", f"a [{path}] table", value)
        return value

    def keys(self, data: Mapping[str, Any], path: str, allowed: set[str]) -> None:
        for key in data:
            if key not in allowed:
                raise self.error(f"{path}.{key}" if path else key, "unknown key",
                                 f"one of {sorted(allowed)}")

    def text(self, data: Mapping[str, Any], key: str, path: str, *, required: bool = True,
             ident: bool = False) -> str | None:
        value = data.get(key)
        where = f"{path}.{key}"
        if value is None:
            if required:
                raise self.error(where, "missing", "a value")
            return None
        if not isinstance(value, str) or not value.strip() or len(value) > 200:
            raise self.error(where, "not usable text", "non-empty text up to 200 characters",
                             value)
        if _CONTROL_RE.search(value):
            raise self.error(where, "holds control characters",
                             "text without NUL, newlines or escapes", value)
        if ident and not _ID_RE.match(value):
            raise self.error(where, "not an identifier",
                             "1-128 letters, digits and _.:/@- (no spaces)", value)
        return value

    def time(self, data: Mapping[str, Any], key: str, path: str, *, required: bool = True
             ) -> dt.datetime | None:
        value = data.get(key)
        where = f"{path}.{key}"
        if value is None:
            if required:
                raise self.error(where, "missing", "a date-time with a UTC offset")
            return None
        if not isinstance(value, dt.datetime):
            raise self.error(where, "not a date-time",
                             "a TOML date-time such as 2026-11-30T08:00:00+07:00", value)
        if value.tzinfo is None:
            raise self.error(where, "has no UTC offset",
                             "a date-time with an offset such as +07:00", value.isoformat())
        if not _FIRST_YEAR <= value.year < _LAST_YEAR:
            # Deadlines are computed days around these times: keep far from datetime's
            # limits (year 9999 overflowed) rather than fail in the middle of a run.
            raise self.error(where, "is out of range",
                             f"a date-time from {_FIRST_YEAR} to {_LAST_YEAR - 1}",
                             value.isoformat())
        return value


def parse_meeting(text: str, *, source: str = "<meeting>") -> Meeting:
    """Parse and validate the text of a meeting file (``source`` names it in errors)."""
    r = _Reader(source)
    data = parse_toml(text, source=source, what="meeting file")
    r.keys(data, "", {"meeting", "sites", "script", "steps"})
    head = r.table(data, "meeting", "meeting")
    assert head is not None
    r.keys(head, "meeting", {"id", "title", "kind", "request", "start", "end", "rehearsal",
                             "chair", "network"})
    meeting_id = r.text(head, "id", "meeting", ident=True)
    title = r.text(head, "title", "meeting")
    kind_text = head.get("kind", MeetingKind.PLANNED.value)
    try:
        kind = MeetingKind(kind_text)
    except ValueError:
        raise r.error("meeting.kind", "unknown meeting kind",
                      " or ".join(repr(k.value) for k in MeetingKind), kind_text) from None
    request = r.time(head, "request", "meeting")
    start = r.time(head, "start", "meeting")
    end = r.time(head, "end", "meeting")
    rehearsal = r.time(head, "rehearsal", "meeting", required=False)
    chair = r.text(head, "chair", "meeting", ident=True)
    assert meeting_id and title and request and start and end and chair
    if not request <= start:
        raise r.error("meeting.request", "the request comes after the start",
                      f"a time not after meeting.start ({start.isoformat()})",
                      request.isoformat())
    if not start < end:
        raise r.error("meeting.end", "the meeting ends before it starts",
                      f"a time after meeting.start ({start.isoformat()})", end.isoformat())
    if rehearsal is not None:
        if kind is MeetingKind.AD_HOC:
            raise r.error("meeting.rehearsal", "an ad-hoc meeting has no rehearsal",
                          "no rehearsal key when kind = 'ad-hoc'", rehearsal.isoformat())
        if not request <= rehearsal < start:
            raise r.error("meeting.rehearsal", "the rehearsal is not between request and start",
                          f"{request.isoformat()} <= rehearsal < {start.isoformat()}",
                          rehearsal.isoformat())

    sites = _sites(r, data.get("sites"))
    ids = {s.id for s in sites}
    if chair not in ids:
        raise r.error("meeting.chair", "the chair is not one of the sites",
                      "the id of a [[sites]] entry", chair)
    script = _script(r, data.get("script", []), ids, end - start)
    steps = _steps(r, data.get("steps", {}))
    return Meeting(id=meeting_id, title=title, kind=kind, request=request, start=start, end=end,
                   chair=chair, sites=sites, script=script, rehearsal=rehearsal, steps=steps,
                   network=r.text(head, "network", "meeting", required=False),
                   sha256=hashlib.sha256(text.encode("utf-8")).hexdigest())


def _sites(r: _Reader, raw: object) -> tuple[MeetingSite, ...]:
    if not isinstance(raw, list) or not raw:
        raise r.error("sites", "no sites", "at least one [[sites]] entry",
                      None if raw is None else raw)
    sites: list[MeetingSite] = []
    seen: set[str] = set()
    levels = [lv.value for lv in Level]
    for i, entry in enumerate(raw):
        path = f"sites[{i}]"
        if not isinstance(entry, dict):
            raise r.error(path, "not a table", "a [[sites]] table", entry)
        r.keys(entry, path, {"id", "name", "level", "unit", "mcu", "contact"})
        site_id = r.text(entry, "id", path, ident=True)
        assert site_id is not None
        if site_id in seen:
            raise r.error(f"{path}.id", "duplicate site id", "each site listed once", site_id)
        seen.add(site_id)
        level_text = entry.get("level")
        if level_text not in levels:
            raise r.error(f"{path}.level", "unknown level", f"one of {levels}", level_text)
        name = r.text(entry, "name", path)
        unit = r.text(entry, "unit", path)
        assert name is not None and unit is not None
        sites.append(MeetingSite(id=site_id, name=name, level=Level(level_text), unit=unit,
                                 mcu=r.text(entry, "mcu", path, required=False, ident=True),
                                 contact=r.text(entry, "contact", path, required=False)))
    return tuple(sites)


def _script(r: _Reader, raw: object, ids: set[str], length: dt.timedelta
            ) -> tuple[ScriptItem, ...]:
    if not isinstance(raw, list):
        raise r.error("script", "not a list of tables", "[[script]] entries", raw)
    items: list[ScriptItem] = []
    for i, entry in enumerate(raw):
        path = f"script[{i}]"
        if not isinstance(entry, dict):
            raise r.error(path, "not a table", "a [[script]] table", entry)
        r.keys(entry, path, {"at", "show", "note"})
        at_text = entry.get("at")
        try:
            at = parse_duration(at_text) if isinstance(at_text, str) else None
        except ValueError:
            at = None
        if at is None:
            raise r.error(f"{path}.at", "not a duration after the start",
                          "e.g. '0m', '15m', '1h05m'", at_text)
        if at > length:
            raise r.error(f"{path}.at", "after the end of the meeting",
                          f"at most {format_duration(length)}", at_text)
        show = r.text(entry, "show", path, ident=True)
        assert show is not None
        if show not in ids:
            raise r.error(f"{path}.show", "unknown site", "the id of a [[sites]] entry", show)
        note = entry.get("note", "")
        if not isinstance(note, str):
            raise r.error(f"{path}.note", "not text", "text", note)
        if items and at < items[-1].at:
            raise r.error(f"{path}.at", "script out of order",
                          f"a time not before script[{i - 1}].at "
                          f"({format_duration(items[-1].at)})", at_text)
        items.append(ScriptItem(at=at, show=show, note=note))
    return tuple(items)


def _steps(r: _Reader, raw: object) -> dict[str, StepOverride]:
    if not isinstance(raw, dict):
        raise r.error("steps", "not a table", "[steps.NAME] tables", raw)
    out: dict[str, StepOverride] = {}
    for name, entry in raw.items():
        path = f"steps.{name}"
        if not isinstance(entry, dict):
            raise r.error(path, "not a table", f"a [{path}] table", entry)
        r.keys(entry, path, {"action", "check"})
        out[name] = StepOverride(action=r.text(entry, "action", path, required=False),
                                 check=r.text(entry, "check", path, required=False))
    return out


def load_meeting(path: str | Path) -> Meeting:
    """Read and validate a meeting file."""
    p = Path(path)
    return parse_meeting(read_text(p, what="meeting file"), source=str(p))
