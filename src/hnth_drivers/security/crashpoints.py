"""Named points inside the library's multi-step writes, for fault-injection tests.

The audit log, the secret store and the run state call :func:`reached` between the steps
of each write (line written, head written, temporary file synced, renamed, ...). In
production nothing is installed and the call costs one global lookup. A test installs a
hook with :func:`set_hook` in a child process, e.g. one that calls ``os._exit`` at the
k-th point, and so kills the writer at every step in turn instead of at random.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["reached", "set_hook"]

_hook: Callable[[str], None] | None = None


def reached(point: str) -> None:
    """Announce that a write reached ``point`` (e.g. ``"audit.line-written"``)."""
    if _hook is not None:
        _hook(point)


def set_hook(hook: Callable[[str], None] | None) -> None:
    """Install (or with ``None`` remove) the function called at every point."""
    global _hook
    _hook = hook
