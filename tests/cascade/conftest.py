"""Fixtures of the cascade tests (helpers in cascade_chain.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cascade_chain import Chain, build_chain


@pytest.fixture
def chain(tmp_path: Path) -> Chain:
    """Master m0 <- m1 <- m2 <- m3 over in-process ModelMcu drivers."""
    return build_chain(tmp_path)
