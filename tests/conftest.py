"""Shared fixtures. Interop tests need third-party peers; in CI they are required."""

from __future__ import annotations

import os
import shutil

import pytest

pytest_plugins = ["hnth_drivers.testing.plugin"]


def require_tool(name: str) -> str:
    """Path of an external program; skip without it, fail when HNTH_REQUIRE_INTEROP=1."""
    path = shutil.which(name) or (f"/usr/sbin/{name}" if os.path.exists(f"/usr/sbin/{name}")
                                  else None)
    if path is None:
        if os.environ.get("HNTH_REQUIRE_INTEROP") == "1":
            pytest.fail(f"interop peer {name!r} is not installed (HNTH_REQUIRE_INTEROP=1)")
        pytest.skip(f"interop peer {name!r} is not installed")
    return path
