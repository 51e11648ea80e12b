"""docs/readiness-and-reports.md stays true: its Python example runs, its commands exist."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from typer.testing import CliRunner

from hnth_drivers.cli import app
from hnth_drivers.meeting.live import LIVE_STEPS

DOC = Path(__file__).parents[2] / "docs" / "readiness-and-reports.md"


def blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def test_python_example_runs() -> None:
    (code,) = blocks("python")
    exec(compile(code, str(DOC), "exec"), {"__name__": "readiness_doc"})  # noqa: S102


def test_command_examples_parse() -> None:
    lines = [ln.split("#")[0].strip() for block in blocks("sh") for ln in block.splitlines()]
    commands = [shlex.split(ln)[1:] for ln in lines if ln.startswith("hnth ")]
    assert {c[0] for c in commands} == {"readiness", "report"}
    for argv in commands:
        options = [a for a in argv if a.startswith("--")]
        shown = CliRunner().invoke(app, [argv[0], "--help"], terminal_width=200)
        assert shown.exit_code == 0
        for option in options:
            assert option in shown.output, (argv, option)


def test_step_table_matches_the_wiring() -> None:
    text = DOC.read_text(encoding="utf-8")
    for step, override in LIVE_STEPS.items():
        assert f"| {step} | `{override.action}`" in text, step
