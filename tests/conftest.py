"""Shared fixtures. Interop tests need third-party peers; in CI they are required."""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator

import pytest

HNTH = [sys.executable, "-c", "from hnth_drivers.cli import main; main()"]
"""The ``hnth`` command of the interpreter running the tests."""


def require_tool(name: str) -> str:
    """Path of an external program; skip without it, fail when HNTH_REQUIRE_INTEROP=1."""
    path = shutil.which(name) or (f"/usr/sbin/{name}" if os.path.exists(f"/usr/sbin/{name}")
                                  else None)
    if path is None:
        if os.environ.get("HNTH_REQUIRE_INTEROP") == "1":
            pytest.fail(f"interop peer {name!r} is not installed (HNTH_REQUIRE_INTEROP=1)")
        pytest.skip(f"interop peer {name!r} is not installed")
    return path


@contextlib.contextmanager
def simulator_process(args: list[str], *, kind: str, env: dict[str, str] | None = None,
                      ready_within_s: float = 20.0) -> Iterator[str]:
    """Run ``hnth <args>`` (a ``hnth sim ...`` command) and yield the address it prints in
    its ``READY <kind> <address>`` line; fails if that line does not come within
    ``ready_within_s``. The process is stopped with SIGTERM (killed after 10 s) and must
    exit cleanly when it was not killed."""
    proc = subprocess.Popen([*HNTH, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)
    killed = False
    try:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], ready_within_s)
        if not ready:
            pytest.fail(f"hnth {' '.join(args[:2])} printed nothing within {ready_within_s} s")
        line = proc.stdout.readline().split()
        if line[:2] != ["READY", kind]:
            proc.kill()
            killed = True
            err = proc.stderr.read() if proc.stderr else ""
            pytest.fail(f"expected 'READY {kind} <address>', got {line!r}; stderr: {err[-500:]}")
        yield line[2]
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                killed = True
                proc.wait(10)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
    if not killed:
        assert proc.returncode == 0, f"hnth {' '.join(args[:2])} exited {proc.returncode}"
