"""Append-only, hash-chained audit log (JSON lines).

Each line carries ``seq`` (1, 2, …) and ``prev``, the SHA-256 of the previous line's bytes
(64 zeros for the first). A sidecar ``<file>.head`` holds the sequence number and hash
of the last line, rewritten atomically after each append, so that a log cut short and
then appended to is detected as well. Editing, deleting, inserting or reordering lines
breaks the chain; :func:`verify` names the first line where it breaks.

Limits: whoever can rewrite both the log and its head file can forge a consistent log.
Ship the head hash elsewhere (the central office) where that matters.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..errors import AuditTampered, ConfigError

__all__ = ["AuditLog", "AuditReport", "verify"]

GENESIS = "0" * 64


def _digest(line: bytes) -> str:
    return hashlib.sha256(line).hexdigest()


def _head_path(path: Path) -> Path:
    return path.with_name(path.name + ".head")


@dataclass(frozen=True, slots=True)
class AuditReport:
    """Result of :func:`verify`: ``first_bad_line`` is 1-based."""

    ok: bool
    lines: int
    first_bad_line: int | None = None
    reason: str | None = None

    def __str__(self) -> str:
        if self.ok:
            return f"ok: {self.lines} lines, chain intact"
        return f"TAMPERED at line {self.first_bad_line}: {self.reason}"


def _read_head(path: Path) -> tuple[int, str] | None:
    head = _head_path(path)
    try:
        data = json.loads(head.read_text(encoding="utf-8"))
        return int(data["seq"]), str(data["hash"])
    except (FileNotFoundError, NotADirectoryError):
        return None
    except (ValueError, KeyError, TypeError):
        return (-1, "unreadable")


def verify(path: str | os.PathLike[str]) -> AuditReport:
    """Check the whole chain and the head anchor of an audit log."""
    path = Path(path)
    prev = GENESIS
    count = 0
    with path.open("rb") as fh:
        for count, raw in enumerate(fh, start=1):
            if not raw.endswith(b"\n"):
                return AuditReport(False, count, count, "line is cut short (no newline)")
            line = raw[:-1]
            try:
                record = json.loads(line)
                seq, link = record["seq"], record["prev"]
            except (ValueError, KeyError, TypeError):
                return AuditReport(False, count, count, "not an audit record")
            if link != prev:
                if seq == count:
                    return AuditReport(
                        False, count, count - 1, f"line {count - 1} was edited (chain breaks)"
                    )
                return AuditReport(
                    False, count, count,
                    f"expected record {count}, found record {seq}: a line was deleted, "
                    "inserted or moved here",
                )
            if seq != count:
                return AuditReport(
                    False, count, count, f"expected record {count}, found record {seq}"
                )
            prev = _digest(line)
    head = _read_head(path)
    if head is None:
        if count == 0:
            return AuditReport(True, 0)
        return AuditReport(False, count, count, "head anchor file is missing")
    head_seq, head_hash = head
    if head_seq != count:
        return AuditReport(
            False, count, min(count, max(head_seq, 1)),
            f"head anchor says {head_seq} records, the log has {count}: "
            "lines were cut off (and maybe others appended)",
        )
    if head_hash != prev:
        return AuditReport(False, count, count, f"line {count} was edited (head hash differs)")
    return AuditReport(True, count)


class AuditLog:
    """Append records to a hash-chained JSON-lines file. Thread-safe.

    Opening an existing log checks that its last line matches the head anchor and
    refuses (:class:`AuditTampered`) to continue a log that was cut or edited at the end.
    ``durable`` makes each append reach the disk (fsync) before it returns.
    """

    def __init__(self, path: str | os.PathLike[str], *, durable: bool = True) -> None:
        self.path = Path(path)
        self.durable = durable
        self._lock = threading.Lock()
        try:
            self._seq, self._prev = self._resume()
        except OSError as exc:
            raise ConfigError("cannot read the audit log", device=str(self.path),
                              operation="open audit log",
                              got=exc.strerror or type(exc).__name__) from None

    def __repr__(self) -> str:
        return f"AuditLog({str(self.path)!r}, records={self._seq})"

    def _resume(self) -> tuple[int, str]:
        if not self.path.exists() or self.path.stat().st_size == 0:
            if _read_head(self.path) not in (None, (0, GENESIS)):
                raise AuditTampered(
                    "the log is empty but its head anchor names records",
                    device=str(self.path), operation="open audit log",
                )
            return 0, GENESIS
        last = _last_line(self.path)
        try:
            seq = int(json.loads(last)["seq"])
        except (ValueError, KeyError, TypeError) as exc:
            raise AuditTampered(
                "the last line is not an audit record", device=str(self.path),
                operation="open audit log",
            ) from exc
        digest = _digest(last)
        if _read_head(self.path) != (seq, digest):
            raise AuditTampered(
                "the log's end does not match its head anchor (cut, edited or appended)",
                device=str(self.path), operation="open audit log",
                expected="a log verified by 'hnth audit verify'",
            )
        return seq, digest

    def append(
        self,
        *,
        actor: str,
        action: str,
        target: str,
        result: str,
        detail: Mapping[str, object] | None = None,
    ) -> int:
        """Write one record; returns its sequence number.

        A log that cannot be written (no such directory, read-only, disk full) raises
        :class:`ConfigError`: whatever needed the record (a waiver's use) does not go on.
        """
        with self._lock:
            seq = self._seq + 1
            record = {
                "seq": seq,
                "ts": dt.datetime.now(dt.UTC).isoformat(timespec="microseconds"),
                "actor": actor,
                "action": action,
                "target": target,
                "result": result,
                "detail": dict(detail or {}),
                "prev": self._prev,
            }
            line = json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=str)
            data = line.encode("utf-8")
            digest = _digest(data)
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with self.path.open("ab") as fh:
                    fh.write(data + b"\n")
                    fh.flush()
                    if self.durable:
                        os.fsync(fh.fileno())
                _write_head(self.path, seq, digest, durable=self.durable)
            except OSError as exc:
                raise ConfigError("cannot write the audit log", device=str(self.path),
                                  operation="audit append",
                                  got=exc.strerror or type(exc).__name__) from None
            self._seq, self._prev = seq, digest
            return seq

    @property
    def records(self) -> int:
        """How many records the log holds."""
        return self._seq


def _last_line(path: Path) -> bytes:
    with path.open("rb") as fh:
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
        block = 4096
        data = b""
        pos = size
        while pos > 0:
            step = min(block, pos)
            pos -= step
            fh.seek(pos)
            data = fh.read(step) + data
            if data.count(b"\n") >= 2 or pos == 0:
                break
            block *= 2
    if not data.endswith(b"\n"):
        raise AuditTampered(
            "the last line is cut short", device=str(path), operation="open audit log"
        )
    return data[:-1].rsplit(b"\n", 1)[-1]


def _write_head(path: Path, seq: int, digest: str, *, durable: bool) -> None:
    head = _head_path(path)
    tmp = head.with_name(head.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        json.dump({"seq": seq, "hash": digest}, fh)
        fh.flush()
        if durable:
            os.fsync(fh.fileno())
    os.replace(tmp, head)
