"""``verify`` names the exact first bad line (issue #18 item 8)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hnth_drivers.security.audit import AuditLog, verify


@pytest.fixture
def log(tmp_path: Path) -> AuditLog:
    audit = AuditLog(tmp_path / "audit.jsonl", durable=False)
    for i in range(12):
        audit.append(actor="op", action="switch", target=f"site-{i}", result="ok")
    return audit


def set_prev(log: AuditLog, line_no: int, value: str) -> None:
    lines = log.path.read_text().splitlines(keepends=True)
    record = json.loads(lines[line_no - 1])
    record["prev"] = value
    lines[line_no - 1] = json.dumps(record, separators=(",", ":")) + "\n"
    log.path.write_text("".join(lines))


@pytest.mark.parametrize("line_no", [1, 2, 10, 11, 12])
def test_bad_prev_names_its_own_line(log: AuditLog, line_no: int) -> None:
    set_prev(log, line_no, "f" * 64)
    report = verify(log.path)
    assert not report.ok and report.first_bad_line == line_no, str(report)
    assert "line 0" not in str(report)


@pytest.mark.parametrize("line_no", [1, 9, 11, 12])
def test_edited_line_names_itself(log: AuditLog, line_no: int) -> None:
    lines = log.path.read_text().splitlines(keepends=True)
    lines[line_no - 1] = lines[line_no - 1].replace('"ok"', '"failed"')
    log.path.write_text("".join(lines))
    report = verify(log.path)
    assert not report.ok and report.first_bad_line == line_no, str(report)
