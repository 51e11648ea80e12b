"""The shared VISCA test vectors (``shared/vectors/visca.json`` beside the repository).

Tests read the bytes from there rather than restating them. The file is looked for in
``<repo>/../shared`` first (the layout in CI), then in the parents of the repository (a
git worktree sits deeper). A missing file fails the tests: they never skip silently.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

REPO = Path(__file__).parents[2]
RELATIVE = Path("shared") / "vectors" / "visca.json"


def vectors_path() -> Path:
    """Where the vectors file is."""
    candidates = [REPO / ".." / RELATIVE] + [parent / RELATIVE for parent in REPO.parents]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"VISCA vectors not found; looked for {candidates[0]} and in "
                            "the repository's parents")


@cache
def vectors() -> dict[str, Any]:
    """The parsed vectors file."""
    data: dict[str, Any] = json.loads(vectors_path().read_text(encoding="utf-8"))
    return data


def hexbytes(text: str) -> bytes:
    """``"81 01 FF"`` → ``b"\\x81\\x01\\xff"``."""
    return bytes.fromhex(text)
