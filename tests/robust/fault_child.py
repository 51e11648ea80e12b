"""A writer killed at its K-th crash point, for the kill-anywhere tests (not collected).

usage: python fault_child.py K KIND PATH

KIND is ``audit`` (two appends), ``audit-batch`` (two group commits of three records),
``secrets`` (two ``set``, names ``a`` and ``b``) or
``state`` (two saves of a run state). Each acknowledged operation prints ``acked N``
(flushed); at the K-th crash point reached (``hnth_drivers.security.crashpoints``) the
process dies at once with ``os._exit(77)``, as a SIGKILL would leave it. With K = 0 it
runs to the end and prints ``points M``, the number of points it passed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from hnth_drivers.security import crashpoints

KEY = bytes(range(32))


def main() -> int:
    k, kind, path = int(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
    seen = 0

    def hook(point: str) -> None:
        nonlocal seen
        seen += 1
        if seen == k:
            os._exit(77)

    crashpoints.set_hook(hook)

    def acked(n: int) -> None:
        sys.stdout.write(f"acked {n}\n")
        sys.stdout.flush()

    if kind == "audit":
        from hnth_drivers.security.audit import AuditLog

        log = AuditLog(path)
        for n in (1, 2):
            log.append(actor="op", action="switch", target=f"site-{n}", result="ok")
            acked(n)
    elif kind == "audit-batch":
        from hnth_drivers.security.audit import AuditEntry, AuditLog

        log = AuditLog(path)
        for n in (1, 2):
            log.append_many([AuditEntry("op", "switch", f"site-{n}-{i}", "ok")
                             for i in range(3)])
            acked(3 * n)
    elif kind == "secrets":
        from hnth_drivers.security.secrets import Secret, SecretStore, StoreKey

        store = SecretStore(path, StoreKey(raw=KEY))
        for n, name in enumerate(("a", "b"), start=1):
            store.set(name, Secret(f"value-{name}"))
            acked(n)
    elif kind == "state":
        from hnth_drivers.meeting.state import RunState, save_state

        for n in (1, 2):
            save_state(path, RunState(meeting_id=f"m{n}", meeting_sha256="0" * 64,
                                      kind="planned", steps={}, sessions=n))
            acked(n)
    else:
        raise SystemExit(f"unknown kind {kind}")
    sys.stdout.write(f"points {seen}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
