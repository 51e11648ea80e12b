"""Fixtures of the cascade tests (helpers in cascade_chain.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cascade_chain import Chain, build_chain


@pytest.fixture
def chain(tmp_path: Path) -> Chain:
    """Master m0 <- m1 <- m2 <- m3 over in-process ModelMcu drivers (slaves dial)."""
    return build_chain(tmp_path)


@pytest.fixture(params=["slave", "master"])
def either_chain(request: pytest.FixtureRequest, tmp_path: Path) -> Chain:
    """The same chain, with the links dialled by the slaves, then by the masters."""
    return build_chain(tmp_path, dialler=request.param)
