"""docs/runbook.md stays true: its meeting file parses, its Python example runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hnth_drivers.errors import ConfigError
from hnth_drivers.meeting import Runbook, parse_meeting
from hnth_drivers.meeting.state import RunLock

DOC = Path(__file__).parents[2] / "docs" / "runbook.md"


def blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def test_meeting_file_example_parses() -> None:
    (toml,) = blocks("toml")
    meeting = parse_meeting(toml, source="docs/runbook.md")
    assert meeting.rehearsal is not None and len(meeting.script) == 2
    assert Runbook(meeting).procedure.step("system_ready").action == "manual"


def test_python_example_runs() -> None:
    (code,) = blocks("python")
    exec(compile(code, str(DOC), "exec"), {"__name__": "runbook_doc"})  # noqa: S102


def test_error_examples_are_the_real_messages() -> None:
    (toml,) = blocks("toml")
    for bad, line in [(toml.replace('show = "p-haiphong"', 'show = "p-hue"'), 0),
                      (toml.replace("start = 2026-11-30T08:00:00+07:00",
                                    "start = 2026-11-30T08:00:00"), 1)]:
        with pytest.raises(ConfigError) as info:
            parse_meeting(bad, source="meeting.toml")
        shown = [ln for ln in re.findall(r"^meeting\.toml: .*$", DOC.read_text(), re.M)]
        assert str(info.value) == shown[line]


def test_second_runner_is_refused(tmp_path: Path) -> None:
    state = tmp_path / "s.json"
    with RunLock(state), pytest.raises(ConfigError, match="another runner is driving"):
        RunLock(state).__enter__()
    assert not RunLock(state).held_elsewhere()
