"""An OS file lock (``flock`` on ``<file>.lock``) shared by processes and threads.

``flock`` locks belong to an open file description, so two processes, or two
:class:`FileLock` objects in one process, exclude each other; the kernel drops the lock
when its holder dies, even by SIGKILL, so a crash never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

__all__ = ["FileLock", "lock_path"]


def lock_path(path: Path) -> Path:
    """The lock file that guards ``path``: ``<path>.lock`` beside it."""
    return path.with_name(path.name + ".lock")


class FileLock:
    """Exclusive (or shared) lock on ``<path>.lock``; the lock file's descriptor is kept
    open between uses, so taking the lock costs one ``flock`` call."""

    def __init__(self, path: Path) -> None:
        self.path = lock_path(path)
        self._fd: int | None = None
        self._threads = threading.Lock()

    def _open(self) -> int:
        if self._fd is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        return self._fd

    @contextmanager
    def held(self, *, shared: bool = False) -> Iterator[None]:
        """Hold the lock for the ``with`` block (blocking until it is free)."""
        with self._threads:
            fd = self._open()
            fcntl.flock(fd, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)

    def close(self) -> None:
        """Close the lock file's descriptor (taking the lock again reopens it)."""
        with self._threads:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None

    def __del__(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            with suppress(OSError):
                os.close(fd)
