"""Meeting files: a valid one parses fully; every kind of mistake gives a precise error."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hnth_drivers.errors import ConfigError
from hnth_drivers.meeting.definition import (
    MeetingKind,
    format_duration,
    load_meeting,
    parse_duration,
    parse_meeting,
)
from hnth_drivers.meeting.state import load_state
from hnth_drivers.model import Level

from .conftest import END, REQUEST, START, meeting_text, write_meeting


def test_valid_meeting(tmp_path: Path) -> None:
    m = load_meeting(write_meeting(tmp_path))
    assert (m.id, m.kind, m.chair) == ("gov-2026-11-30", MeetingKind.PLANNED, "gov-hanoi")
    assert (m.request, m.start, m.end) == (REQUEST, START, END)
    assert m.units == ("central office", "Hai Phong DIC")
    assert m.site("p-haiphong").level is Level.PROVINCE
    assert m.site("p-haiphong").contact == "+84 225 000 000"
    assert [(i.at, i.show) for i in m.script] == [
        (dt.timedelta(0), "gov-hanoi"), (dt.timedelta(hours=1, minutes=5), "p-haiphong")]
    assert len(m.sha256) == 64 and m.rehearsal is None


def test_durations() -> None:
    assert parse_duration("1h05m") == dt.timedelta(hours=1, minutes=5)
    assert parse_duration("90s") == dt.timedelta(seconds=90)
    for bad in ("", "5", "1h-5m", "m", "1.5h"):
        with pytest.raises(ValueError, match="not a duration"):
            parse_duration(bad)
    assert format_duration(dt.timedelta(hours=-2)) == "-2h"
    assert format_duration(dt.timedelta(minutes=75)) == "+1h15m"


def _replace(old: str, new: str, **kw: Any) -> str:
    text = meeting_text(**kw)
    assert old in text
    return text.replace(old, new, 1)


@pytest.mark.parametrize(("text", "message"), [
    ("[meeting\nid = 1", r"not valid TOML: .*line 1"),
    ('title = "x"\n', r"title: unknown key \(expected one of \['meeting', 'script', 'sites'"),
    (_replace("[meeting]", "[meetin]"), r"meetin: unknown key"),
    (_replace("chair =", "strat = 1\nchair ="),
     r"meeting.strat: unknown key \(expected one of \[.*'start'"),
    (_replace('id = "gov-2026-11-30"', 'id = "gov 2026"'),
     r"meeting.id: not an identifier .*got 'gov 2026'"),
    (_replace('kind = "planned"', 'kind = "urgent"'),
     r"meeting.kind: unknown meeting kind \(expected 'planned' or 'ad-hoc', got 'urgent'\)"),
    (_replace(f"start = {START.isoformat()}", "start = 2026-11-30T08:00:00"),
     r"meeting.start: has no UTC offset \(expected a date-time with an offset"),
    (_replace(f"start = {START.isoformat()}", 'start = "tomorrow"'),
     r"meeting.start: not a date-time"),
    (_replace(f"end = {END.isoformat()}\n", ""), r"meeting.end: missing"),
    (meeting_text(request=START + dt.timedelta(minutes=1)),
     r"meeting.request: the request comes after the start"),
    (meeting_text(end=START), r"meeting.end: the meeting ends before it starts"),
    (meeting_text(kind="ad-hoc", extra_head="rehearsal = 2026-11-29T15:00:00+07:00"),
     r"meeting.rehearsal: an ad-hoc meeting has no rehearsal"),
    (meeting_text(extra_head="rehearsal = 2026-11-30T09:00:00+07:00"),
     r"meeting.rehearsal: the rehearsal is not between request and start"),
    (_replace('chair = "gov-hanoi"', 'chair = "gov-hue"'),
     r"meeting.chair: the chair is not one of the sites .*got 'gov-hue'"),
    (_replace('id = "d-thuynguyen"', 'id = "p-haiphong"'),
     r"sites\[2\].id: duplicate site id"),
    (_replace('level = "district"', 'level = "ward"'),
     r"sites\[2\].level: unknown level \(expected one of \['government'"),
    (_replace('unit = "central office"\n', ""), r"sites\[0\].unit: missing"),
    (_replace('show = "p-haiphong"', 'show = "p-hue"'),
     r"script\[1\].show: unknown site"),
    (_replace('at = "1h05m"', 'at = "65"'), r"script\[1\].at: not a duration after the start"),
    (_replace('at = "1h05m"', 'at = "4h"'),
     r"script\[1\].at: after the end of the meeting \(expected at most \+3h30m"),
    (_replace('at = "0m"', 'at = "2h"'), r"script\[1\].at: script out of order"),
    (meeting_text(tail='\n[steps.system_ready]\nactoin = "manual"\n'),
     r"steps.system_ready.actoin: unknown key"),
    (meeting_text().split("[[sites]]")[0], r"sites: no sites"),
])
def test_bad_meeting_file(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        parse_meeting(text, source="meeting.toml")
    assert str(info.value).startswith("meeting.toml: read meeting file: ")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nope.toml: read meeting file: no such file"):
        load_meeting(tmp_path / "nope.toml")


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda d: d.update(format="other/9"), r"format: invalid \(expected 'hnth-meeting-state/1'"),
    (lambda d: d["steps"]["a"].update(status="half"), r"steps\[0\].status: invalid"),
    (lambda d: d["steps"]["a"].update(started_at="2026-11-30T08:00:00"),
     r"steps\[0\].started_at: invalid \(expected a time with a UTC offset"),
    (lambda d: d["steps"]["a"].update(attempts=-1), r"steps\[0\].attempts: invalid"),
])
def test_bad_state_file(tmp_path: Path, mutate: Callable[[dict[str, Any]], None],
                        message: str) -> None:
    data = {"format": "hnth-meeting-state/1", "meeting_id": "m", "meeting_sha256": "0" * 64,
            "kind": "planned", "status": "running",
            "steps": {"a": {"name": "a", "status": "done", "attempts": 1}}, "events": []}
    mutate(data)
    path = tmp_path / "s.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ConfigError, match=message) as info:
        load_state(path)
    assert str(info.value).startswith(f"{path}: read run state: ")
    path.write_text('{"format": "hnth-meeting-state/1", "steps": {')
    with pytest.raises(ConfigError, match=r"read run state: not JSON"):
        load_state(path)
