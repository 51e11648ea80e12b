"""The hash-chained audit log detects every kind of tampering."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hnth_drivers.errors import AuditTampered
from hnth_drivers.security.audit import AuditLog, verify


@pytest.fixture
def log(tmp_path: Path) -> AuditLog:
    audit = AuditLog(tmp_path / "audit.jsonl", durable=False)
    for i in range(10):
        audit.append(actor="op", action="switch", target=f"site-{i}", result="ok",
                     detail={"n": i, "name": "Hà Nội"})
    return audit


def lines(log: AuditLog) -> list[str]:
    return log.path.read_text(encoding="utf-8").splitlines(keepends=True)


def write(log: AuditLog, content: list[str]) -> None:
    log.path.write_text("".join(content), encoding="utf-8")


def test_untouched_log_verifies(log: AuditLog) -> None:
    report = verify(log.path)
    assert report.ok and report.lines == 10
    assert json.loads(lines(log)[0])["detail"]["name"] == "Hà Nội"


@pytest.mark.parametrize("index", [0, 4, 9])
def test_edit_detected(log: AuditLog, index: int) -> None:
    content = lines(log)
    content[index] = content[index].replace('"result":"ok"', '"result":"failed"')
    write(log, content)
    report = verify(log.path)
    assert not report.ok and report.first_bad_line == index + 1


@pytest.mark.parametrize("index", [0, 5, 9])
def test_delete_detected(log: AuditLog, index: int) -> None:
    content = lines(log)
    del content[index]
    write(log, content)
    report = verify(log.path)
    assert not report.ok and report.first_bad_line == min(index + 1, 9)


def test_insert_detected(log: AuditLog) -> None:
    content = lines(log)
    forged = json.loads(content[3])
    forged["target"] = "forged"
    content.insert(4, json.dumps(forged, separators=(",", ":")) + "\n")
    write(log, content)
    report = verify(log.path)
    assert not report.ok and report.first_bad_line in (4, 5)


def test_reorder_detected(log: AuditLog) -> None:
    content = lines(log)
    content[2], content[3] = content[3], content[2]
    write(log, content)
    report = verify(log.path)
    assert not report.ok and report.first_bad_line == 3


def test_truncate_then_append_detected(log: AuditLog) -> None:
    write(log, lines(log)[:6])
    assert not verify(log.path).ok
    with pytest.raises(AuditTampered):
        AuditLog(log.path)  # the library refuses to continue a cut log


def test_truncate_then_raw_append_detected(log: AuditLog) -> None:
    content = lines(log)[:6]
    record = json.loads(content[-1])
    record["seq"] += 1
    content.append(json.dumps(record, separators=(",", ":")) + "\n")
    write(log, content)
    assert not verify(log.path).ok


def test_cut_mid_line_detected(log: AuditLog) -> None:
    data = log.path.read_bytes()
    log.path.write_bytes(data[:-20])
    report = verify(log.path)
    assert not report.ok and report.first_bad_line == 10


def test_deleted_head_detected(log: AuditLog) -> None:
    Path(str(log.path) + ".head").unlink()
    assert not verify(log.path).ok
    with pytest.raises(AuditTampered):
        AuditLog(log.path)


def test_reopen_continues_the_chain(log: AuditLog) -> None:
    again = AuditLog(log.path, durable=False)
    assert again.append(actor="op", action="x", target="t", result="ok") == 11
    assert verify(log.path).ok and verify(log.path).lines == 11


def test_garbage_line_detected(log: AuditLog) -> None:
    content = lines(log)
    content[1] = "not json\n"
    write(log, content)
    report = verify(log.path)
    assert not report.ok and report.first_bad_line == 2


def test_unwritable_log_refuses_the_waiver_with_a_typed_error(tmp_path: Path) -> None:
    """A log that cannot be written is a ConfigError, and the waived transport is not
    allowed (fail closed), rather than a raw OSError out of a driver's open()."""
    from hnth_drivers.errors import ConfigError
    from hnth_drivers.security.policy import SecurityPolicy, Waiver, WaiverKind

    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    audit = AuditLog(blocker / "audit.jsonl")
    with pytest.raises(ConfigError, match="cannot write the audit log"):
        audit.append(actor="a", action="b", target="c", result="ok")
    policy = SecurityPolicy(waivers=(Waiver("cam", WaiverKind.VISCA_IP, "lab"),), audit=audit)
    with pytest.raises(ConfigError):
        policy.require_waiver("cam", WaiverKind.VISCA_IP, "open udp")
    assert audit.records == 0


def test_unreadable_log_is_a_config_error(tmp_path: Path) -> None:
    from hnth_drivers.errors import ConfigError

    (tmp_path / "audit.jsonl").mkdir()
    with pytest.raises(ConfigError, match="cannot read the audit log"):
        AuditLog(tmp_path / "audit.jsonl")
