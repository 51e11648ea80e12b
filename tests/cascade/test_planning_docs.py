"""The examples in docs/planning.md run and say what they claim."""

from __future__ import annotations

import re
from pathlib import Path

from hnth_drivers.cascade.topology_files import loads

DOC = Path(__file__).resolve().parents[2] / "docs" / "planning.md"


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def test_python_examples_run() -> None:
    blocks = _blocks("python")
    assert blocks
    for code in blocks:
        exec(compile(code, str(DOC), "exec"), {})  # noqa: S102 - our own documentation


def test_toml_example_loads_and_plans() -> None:
    from hnth_drivers.cascade.planner import plan

    (text,) = _blocks("toml")
    topo = loads(text, "toml")
    assert plan(topo).links[0].slave == "vnpt-p1"
