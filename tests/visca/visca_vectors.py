"""The VISCA test vectors, ``tests/vectors/visca.json`` in this repository.

Tests read the bytes from there rather than restating them; the file names the vendor
document and page of each layout (its ``sources``). A missing file fails the tests.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

VECTORS = Path(__file__).parents[1] / "vectors" / "visca.json"


def vectors_path() -> Path:
    """Where the vectors file is."""
    return VECTORS


@cache
def vectors() -> dict[str, Any]:
    """The parsed vectors file."""
    data: dict[str, Any] = json.loads(VECTORS.read_text(encoding="utf-8"))
    return data


def hexbytes(text: str) -> bytes:
    """``"81 01 FF"`` → ``b"\\x81\\x01\\xff"``."""
    return bytes.fromhex(text)
