"""The Python examples in docs/visca.md run, and print what their comments say."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

from hnth_drivers.vcs.visca import profiles

DOC = Path(__file__).parents[2] / "docs" / "visca.md"
BLOCKS = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def test_the_doc_has_examples() -> None:
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize("block", BLOCKS, ids=lambda b: b.splitlines()[0][:40])
def test_example_runs_and_prints_what_it_says(block: str,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(profiles, "PROFILES", dict(profiles.PROFILES))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block, str(DOC), "exec"), {"__name__": "docs_example"})  # noqa: S102
    promised = [m.strip() for m in re.findall(r"print\(.*\)[ \t]+# (.*)", block)]
    assert out.getvalue().splitlines() == promised
