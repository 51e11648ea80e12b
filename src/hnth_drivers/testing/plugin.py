"""pytest plugin: prints the conformance kit's capability matrix at the end of a run.

Enable with ``pytest_plugins = ["hnth_drivers.testing.plugin"]`` in a conftest.
"""

from __future__ import annotations

from typing import Any

from ..model import Capability

_MATRIX: dict[str, dict[Capability, bool]] = {}

__all__ = ["matrix", "pytest_terminal_summary", "record"]


def record(driver_class: type[Any], capability: Capability, supported: bool) -> None:
    """Note that the kit asked ``driver_class`` for ``capability``."""
    _MATRIX.setdefault(f"{driver_class.__module__}.{driver_class.__qualname__}", {})[
        capability] = supported


def matrix() -> dict[str, dict[Capability, bool]]:
    """The capabilities seen so far, per driver class."""
    return {k: dict(v) for k, v in _MATRIX.items()}


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print one line per driver: the capabilities it supports and those it skips."""
    if not _MATRIX:
        return
    terminalreporter.section("hnth-drivers capability matrix")
    for driver, caps in sorted(_MATRIX.items()):
        yes = ", ".join(sorted(c.value for c, ok in caps.items() if ok)) or "-"
        no = ", ".join(sorted(c.value for c, ok in caps.items() if not ok)) or "-"
        terminalreporter.write_line(f"{driver}\n    supported: {yes}\n    not supported: {no}")
