"""Several processes write one audit log and one secret store at once: nothing is lost,
the chain never forks (issue #18 items 2 and 3)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from hnth_drivers.security.audit import verify
from hnth_drivers.security.secrets import SecretStore, StoreKey

WRITERS = 6
PER_WRITER = 25

AUDIT_WRITER = textwrap.dedent("""
    import sys
    from hnth_drivers.security.audit import AuditLog
    path, who, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    sys.stdin.readline()  # start together
    log = AuditLog(path, durable=False)
    for i in range(n):
        log.append(actor=who, action="switch", target=f"{who}-{i}", result="ok")
""")

STORE_WRITER = textwrap.dedent("""
    import sys
    from hnth_drivers.security.secrets import Secret, SecretStore, StoreKey
    path, who, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    sys.stdin.readline()
    store = SecretStore(path, StoreKey(raw=bytes(range(32))))
    for i in range(n):
        store.set(f"{who}.{i}", Secret(f"value-{who}-{i}"))
""")


def run_together(script: str, path: Path, per_writer: int) -> None:
    procs = [subprocess.Popen([sys.executable, "-c", script, str(path), f"w{w}",
                               str(per_writer)], stdin=subprocess.PIPE, text=True)
             for w in range(WRITERS)]
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    for p in procs:
        assert p.wait(timeout=120) == 0


def test_processes_appending_one_audit_log(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    run_together(AUDIT_WRITER, path, PER_WRITER)
    report = verify(path)
    assert report.ok and report.note is None, str(report)
    assert report.lines == WRITERS * PER_WRITER
    targets = [json.loads(line)["target"] for line in path.read_text().splitlines()]
    assert sorted(targets) == sorted(f"w{w}-{i}" for w in range(WRITERS)
                                     for i in range(PER_WRITER))


def test_processes_writing_one_secret_store(tmp_path: Path) -> None:
    path = tmp_path / "secrets.json"
    run_together(STORE_WRITER, path, 4)
    store = SecretStore(path, StoreKey(raw=bytes(range(32))))
    assert store.names() == sorted(f"w{w}.{i}" for w in range(WRITERS) for i in range(4))
    assert store.get("w3.2").reveal() == "value-w3-2"


def test_threads_and_two_objects_share_one_lock(tmp_path: Path) -> None:
    """Two AuditLog objects on one file in one process exclude each other too."""
    from concurrent.futures import ThreadPoolExecutor

    from hnth_drivers.security.audit import AuditLog

    a = AuditLog(tmp_path / "a.jsonl", durable=False)
    b = AuditLog(tmp_path / "a.jsonl", durable=False)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: (a if i % 2 else b).append(
            actor="t", action="x", target=str(i), result="ok"), range(200)))
    report = verify(a.path)
    assert report.ok and report.lines == 200
