"""pytest plug-in of the conformance kit, registered by the ``pytest11`` entry point.

Active in every pytest run where hnth-drivers is installed (no ``pytest_plugins`` line):
it prints the capability matrix at the end of a run, and lets the kit's async tests run
under any pytest-asyncio configuration (the kit marks them itself; the loop scope of async
fixtures is left at its default without the start-up warning that would stop a project
running with ``filterwarnings = error``).
"""

from __future__ import annotations

from typing import Any

from ..model import Capability

_MATRIX: dict[str, dict[Capability, bool]] = {}

__all__ = ["matrix", "pytest_load_initial_conftests", "pytest_terminal_summary", "record"]

_LOOP_SCOPE = "asyncio_default_fixture_loop_scope"


def pytest_load_initial_conftests(early_config: Any, parser: Any, args: list[str]) -> None:
    """Let a project with ``filterwarnings = error`` start when it sets no fixture loop
    scope: pytest-asyncio warns about that at start-up, and the kit's async fixtures are
    function-scoped, which is what its default gives them."""
    del parser, args
    try:
        configured = early_config.getini(_LOOP_SCOPE)
    except ValueError:  # pytest-asyncio is not installed: nothing to quiet
        return
    if not configured:
        early_config.addinivalue_line(
            "filterwarnings",
            f"ignore:The configuration option \"{_LOOP_SCOPE}\" is unset"
            ":pytest.PytestDeprecationWarning")


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
