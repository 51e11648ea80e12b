"""Kill a writer at every step of its write (fault injection, not random kills): the
audit log, the secret store and the run state are always readable afterwards, nothing
acknowledged is lost, and the next writer carries on."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from hnth_drivers.meeting.state import load_state, save_state
from hnth_drivers.security.audit import AuditLog, verify
from hnth_drivers.security.secrets import Secret, SecretStore, StoreKey

CHILD = Path(__file__).with_name("fault_child.py")
KEY = bytes(range(32))


def run_child(k: int, kind: str, path: Path) -> tuple[int, int, int | None]:
    """(exit code, operations acknowledged, points passed or None)."""
    proc = subprocess.run([sys.executable, str(CHILD), str(k), kind, str(path)],
                          capture_output=True, text=True, timeout=60, check=False)
    acked = max((int(line.split()[1]) for line in proc.stdout.splitlines()
                 if line.startswith("acked")), default=0)
    points = [int(line.split()[1]) for line in proc.stdout.splitlines()
              if line.startswith("points")]
    assert proc.returncode in (0, 77), proc.stderr
    return proc.returncode, acked, points[0] if points else None


def points_of(kind: str, tmp_path: Path) -> int:
    code, acked, points = run_child(0, kind, tmp_path / f"count-{kind}")
    assert code == 0 and acked in (2, 6) and points
    return points


def test_audit_append_killed_at_every_step(tmp_path: Path) -> None:
    total = points_of("audit", tmp_path)
    assert total >= 10  # two appends, five points each
    for k in range(1, total + 1):
        path = tmp_path / f"audit-{k}.jsonl"
        code, acked, _ = run_child(k, "audit", path)
        assert code == 77
        report = verify(path) if path.exists() else None
        if report is not None:
            assert report.ok, (k, str(report))  # an interruption, never "tampered"
            assert report.lines in (acked, acked + 1), (k, report)
        log = AuditLog(path, durable=False)  # opens: the torn tail is completed
        assert log.records in (acked, acked + 1)
        log.append(actor="op", action="after", target="t", result="ok")
        after = verify(path)
        assert after.ok and after.note is None and after.lines == log.records, (k, after)


def test_audit_group_commit_killed_at_every_step(tmp_path: Path) -> None:
    """A batch (``append_many``) killed anywhere leaves at most one line beyond the head:
    the log verifies (as an interruption at worst) and every acknowledged record stays."""
    total = points_of("audit-batch", tmp_path)
    for k in range(1, total + 1):
        path = tmp_path / f"batch-{k}.jsonl"
        code, acked, _ = run_child(k, "audit-batch", path)
        assert code == 77
        if path.exists():
            report = verify(path)
            assert report.ok and report.lines >= acked, (k, str(report))
        log = AuditLog(path, durable=False)
        assert log.records >= acked
        log.append(actor="op", action="after", target="t", result="ok")
        after = verify(path)
        assert after.ok and after.note is None, (k, after)


def test_secret_store_write_killed_at_every_step(tmp_path: Path) -> None:
    total = points_of("secrets", tmp_path)
    assert total >= 6
    for k in range(1, total + 1):
        path = tmp_path / f"store-{k}.json"
        code, acked, _ = run_child(k, "secrets", path)
        assert code == 77
        store = SecretStore(path, StoreKey(raw=KEY))
        names = store.names() if path.exists() else []
        assert names[:acked] == ["a", "b"][:acked] and len(names) in (acked, acked + 1), k
        store.set("c", Secret("after"))  # the lock was released by the dead writer
        assert store.names() == [*names, "c"]


def test_state_save_killed_at_every_step(tmp_path: Path) -> None:
    total = points_of("state", tmp_path)
    assert total >= 6
    for k in range(1, total + 1):
        path = tmp_path / f"state-{k}.json"
        code, acked, _ = run_child(k, "state", path)
        assert code == 77
        if not path.exists():
            assert acked == 0
            continue
        state = load_state(path)  # never a mixture of two saves
        assert state.sessions in (acked, acked + 1) and state.sessions >= 1, k
        state.sessions += 10
        save_state(path, state)
        assert load_state(path).sessions == state.sessions


def test_partial_line_from_a_power_cut_is_an_interruption(tmp_path: Path) -> None:
    """A line cut mid-way *after* the head (the append never returned) is removed on open;
    a line cut mid-way *before* the head stays tampering."""
    log = AuditLog(tmp_path / "a.jsonl", durable=False)
    for i in range(3):
        log.append(actor="op", action="x", target=str(i), result="ok")
    with log.path.open("ab") as fh:
        fh.write(b'{"seq":4,"ts":"2026')
    report = verify(log.path)
    assert report.ok and report.note and "interrupted" in str(report)
    again = AuditLog(log.path, durable=False)
    assert again.recovered and again.records == 3
    assert again.append(actor="op", action="x", target="t", result="ok") == 4
    assert verify(log.path).ok and verify(log.path).note is None


def test_torn_head_is_reported_as_interruption_and_completed(tmp_path: Path) -> None:
    """The reproduction of issue #18 item 1: the line written, the head not rewritten."""
    log = AuditLog(tmp_path / "a.jsonl", durable=False)
    for i in range(4):
        log.append(actor="op", action="x", target=str(i), result="ok")
    head = Path(str(log.path) + ".head")
    saved = head.read_bytes()
    log.append(actor="op", action="x", target="4", result="ok")
    head.write_bytes(saved)  # as if killed inside the head's rewrite
    report = verify(log.path)
    assert report.ok and report.lines == 5 and "interrupted" in (report.note or "")
    again = AuditLog(log.path, durable=False)  # used to raise AuditTampered
    assert again.records == 5 and again.recovered
    assert verify(log.path).ok and verify(log.path).note is None


@pytest.mark.parametrize("first", [True, False])
def test_torn_tail_never_hides_a_forgery(tmp_path: Path, first: bool) -> None:
    """Only one whole line chaining onto the head counts as a torn tail: two extra lines,
    or an extra line after an edited last line, stay tampering."""
    import json

    from hnth_drivers.errors import AuditTampered

    log = AuditLog(tmp_path / "a.jsonl", durable=False)
    for i in range(3):
        log.append(actor="op", action="x", target=str(i), result="ok")
    lines = log.path.read_bytes().splitlines(keepends=True)
    if first:
        extra = [json.loads(lines[-1]) for _ in range(2)]
        for n, rec in enumerate(extra):
            rec["seq"] = 4 + n
        body = b"".join(lines) + b"".join(
            json.dumps(r, separators=(",", ":")).encode() + b"\n" for r in extra)
    else:
        edited = lines[-1].replace(b'"ok"', b'"no"')
        body = b"".join(lines[:-1]) + edited
    log.path.write_bytes(body)
    assert not verify(log.path).ok
    with pytest.raises(AuditTampered):
        AuditLog(log.path)


def test_meeting_resume_is_not_stranded_by_a_torn_audit_log(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue #18 item 1 end to end: the audit log's head is one record behind (a writer
    killed inside the head's rewrite); ``hnth meeting run`` used to exit 3 every time."""
    from typer.testing import CliRunner

    from hnth_drivers.cli import app
    from tests.meeting.conftest import write_meeting
    from tests.meeting.test_meeting_cli import future

    log = AuditLog(tmp_path / "audit.jsonl", durable=False)
    log.append(actor="op", action="x", target="t", result="ok")
    head = Path(str(log.path) + ".head")
    saved = head.read_bytes()
    log.append(actor="op", action="x", target="t", result="ok")
    head.write_bytes(saved)
    monkeypatch.setenv("HNTH_AUDIT_LOG", str(log.path))
    monkeypatch.setenv("COLUMNS", "200")
    meeting = write_meeting(tmp_path, **future())
    res = CliRunner().invoke(app, ["meeting", "run", str(meeting), "--no-wait"])
    assert res.exit_code in (0, 1), res.output
    assert "head completed" in res.output
    assert verify(log.path).ok and verify(log.path).note is None
