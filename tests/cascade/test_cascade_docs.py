"""The examples in docs/cascade.md run (in order, sharing one namespace) and hold."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "cascade.md"


def test_python_examples_run() -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 2
    namespace: dict[str, object] = {}
    for code in blocks:
        exec(compile(code, str(DOC), "exec"), namespace)  # noqa: S102 - our own documentation


def test_demo_options_in_the_doc_exist() -> None:
    from typer.testing import CliRunner

    from hnth_drivers.cli import app

    usage = CliRunner().invoke(app, ["demo", "--help"]).output
    for option in ("--profile", "--latency-ms", "--per-level", "--seed", "--audit"):
        assert option in usage
