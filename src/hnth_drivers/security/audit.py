"""Append-only, hash-chained audit log (JSON lines).

Each line carries ``seq`` (1, 2, …) and ``prev``, the SHA-256 of the previous line's bytes
(64 zeros for the first). A sidecar ``<file>.head`` holds the sequence number, the hash
and the file size after the last line, rewritten atomically after each append, so that a
log cut short and then appended to is detected as well. Editing, deleting, inserting or
reordering lines breaks the chain; :func:`verify` names the first line where it breaks.

Appends are serialised across threads and processes by an OS lock (``flock`` on
``<file>.lock``); each append reads the sequence number and hash from the head under the
lock, so two processes writing one log never fork its chain.

An append is two writes (the line, then the head). A writer killed between them leaves a
*torn tail*: one whole line that chains onto the head, which is one record behind; killed
inside the first, a partial line after the head's size. Neither is tampering: the next
:class:`AuditLog` opened on the file (or the next append) completes the head, or removes
the partial line (its append never returned), and :func:`verify` reports it as a
recoverable interruption.

Limits: whoever can rewrite both the log and its head file can forge a consistent log.
Ship the head hash elsewhere (the central office) where that matters.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import AuditTampered, ConfigError
from . import crashpoints
from .filelock import FileLock

__all__ = ["AuditEntry", "AuditLog", "AuditReport", "verify"]

GENESIS = "0" * 64
log = logging.getLogger(__name__)


def _digest(line: bytes) -> str:
    return hashlib.sha256(line).hexdigest()


def _head_path(path: Path) -> Path:
    return path.with_name(path.name + ".head")


@dataclass(frozen=True, slots=True)
class AuditReport:
    """Result of :func:`verify`: ``first_bad_line`` is 1-based. ``note`` tells of an
    interrupted last append (recoverable, not tampering) in a log that is ``ok``."""

    ok: bool
    lines: int
    first_bad_line: int | None = None
    reason: str | None = None
    note: str | None = None

    def __str__(self) -> str:
        if self.ok:
            text = f"ok: {self.lines} lines, chain intact"
            return f"{text}; {self.note}" if self.note else text
        return f"TAMPERED at line {self.first_bad_line}: {self.reason}"


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One record to append: who did what to which target, with what result."""

    actor: str
    action: str
    target: str
    result: str
    detail: Mapping[str, object] | None = None

    def line(self, seq: int, prev: str) -> bytes:
        """The record's JSON line (without newline) at ``seq`` after ``prev``."""
        record = {
            "seq": seq,
            "ts": dt.datetime.now(dt.UTC).isoformat(timespec="microseconds"),
            "actor": self.actor,
            "action": self.action,
            "target": self.target,
            "result": self.result,
            "detail": dict(self.detail or {}),
            "prev": prev,
        }
        return json.dumps(record, ensure_ascii=False, separators=(",", ":"),
                          default=str).encode("utf-8")


@dataclass(frozen=True, slots=True)
class _Head:
    seq: int
    hash: str
    size: int | None  # the log's size after that line; None from older versions


_NO_HEAD = _Head(0, GENESIS, 0)


def _read_head(path: Path, head_file: str | None = None) -> _Head | None:
    """The head anchor; None if there is none; AuditTampered if it is unreadable."""
    try:
        with open(head_file or _head_path(path), "rb") as fh:
            data = json.loads(fh.read(65536))
        seq, digest, size = data["seq"], data["hash"], data.get("size")
        if not (isinstance(seq, int) and isinstance(digest, str)
                and (size is None or isinstance(size, int))):
            raise TypeError
        return _Head(seq, digest, size)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        raise AuditTampered("the head anchor file is not readable", device=str(path),
                            operation="open audit log") from None


def _write_head(path: Path, head: _Head, *, durable: bool, target: str | None = None) -> None:
    target = target or str(_head_path(path))
    tmp = target + ".tmp"  # one writer at a time: under the lock
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump({"seq": head.seq, "hash": head.hash, "size": head.size}, fh)
        fh.flush()
        if durable:
            os.fsync(fh.fileno())
    crashpoints.reached("audit.head-tmp-written")
    os.replace(tmp, target)
    crashpoints.reached("audit.head-replaced")


_RECORD_START = b'{"seq":'


def _torn_line(partial: bytes) -> bool:
    """Whether bytes after the last newline can be an append cut short: the start of a
    record as :meth:`AuditLog.append` writes it, nothing else."""
    return (partial.startswith(_RECORD_START) or _RECORD_START.startswith(partial)) and \
        b"\0" not in partial


def _record_link(line: bytes) -> tuple[int, str]:
    record = json.loads(line)
    seq, link = record["seq"], record["prev"]
    if not isinstance(seq, int) or not isinstance(link, str):
        raise TypeError
    return seq, link


def verify(path: str | os.PathLike[str]) -> AuditReport:
    """Check the whole chain and the head anchor of an audit log.

    The first bad line is exact for a single edit: when line N's ``prev`` does not match
    line N-1, line N+1 (or the head, for the last line) tells which of the two changed.
    """
    path = Path(path)
    lock = FileLock(path)
    try:
        with lock.held(shared=True):  # an append in progress is not an interruption
            return _verify(path)
    except PermissionError:  # a read-only copy: no lock file can be made
        return _verify(path)
    finally:
        lock.close()


def _verify(path: Path) -> AuditReport:
    prev = GENESIS
    count = 0
    suspect: tuple[int, str] | None = None  # (line N whose prev broke, digest of line N)
    partial = False
    with path.open("rb") as fh:
        for count, raw in enumerate(fh, start=1):
            if not raw.endswith(b"\n"):
                partial = True
                count -= 1
                break
            line = raw[:-1]
            try:
                seq, link = _record_link(line)
            except (ValueError, KeyError, TypeError, RecursionError):
                if suspect is not None:
                    break
                return AuditReport(False, count, count, "not an audit record")
            if suspect is not None:
                break  # decided below from this line's link
            if link != prev:
                if seq != count:
                    return AuditReport(
                        False, count, count,
                        f"expected record {count}, found record {seq}: a line was deleted, "
                        "inserted or moved here",
                    )
                if count == 1:
                    return AuditReport(False, 1, 1, "line 1 was edited (its prev is not the "
                                       "chain's start)")
                suspect = (count, _digest(line))
                prev = link
                continue
            if seq != count:
                return AuditReport(
                    False, count, count, f"expected record {count}, found record {seq}"
                )
            prev = _digest(line)
    head = _read_head_for_verify(path)
    if suspect is not None:
        n, digest_n = suspect
        # The next line's prev (or the head's hash) still names line N as it was written:
        # if it matches, line N is intact and line N-1 changed; otherwise line N changed.
        if count > n:
            next_link: str | None = link if not partial else None
        else:
            next_link = head.hash if isinstance(head, _Head) else None
        if next_link == digest_n:
            return AuditReport(False, n, n - 1, f"line {n - 1} was edited (chain breaks "
                               f"at line {n})")
        return AuditReport(False, n, n, f"line {n} was edited (its prev does not match "
                           f"line {n - 1})")
    if isinstance(head, str):
        return AuditReport(False, count, max(count, 1), head)
    h = head or _NO_HEAD
    if partial:
        if (h.seq, h.hash) == (count, prev) and _torn_line(_tail_lines(path)[1]):
            return AuditReport(True, count, note="the last append was interrupted mid-line "
                               "(recoverable: the next append removes the partial line)")
        return AuditReport(False, count + 1, count + 1, "line is cut short (no newline)")
    if head is None and count > 1:
        return AuditReport(False, count, count, "head anchor file is missing")
    if h.seq == count - 1 and count >= 1 and _last_prev_matches(path, h.hash):
        return AuditReport(True, count, note="the last append was interrupted before its "
                           "head anchor was written (recoverable: the next append completes "
                           "it)")
    if h.seq != count:
        return AuditReport(
            False, count, min(count, max(h.seq, 1)),
            f"head anchor says {h.seq} records, the log has {count}: "
            "lines were cut off (and maybe others appended)",
        )
    if h.hash != prev:
        return AuditReport(False, count, count, f"line {count} was edited (head hash differs)")
    return AuditReport(True, count)


def _read_head_for_verify(path: Path) -> _Head | str | None:
    try:
        return _read_head(path)
    except AuditTampered:
        return "the head anchor file is not readable"


def _last_prev_matches(path: Path, digest: str) -> bool:
    lines = _tail_lines(path)[0]
    try:
        return bool(lines) and _record_link(lines[-1][1])[1] == digest
    except (ValueError, KeyError, TypeError, RecursionError):
        return False


def _tail_lines(path: Path) -> tuple[list[tuple[int, bytes]], bytes, int]:
    """The last two complete lines as (offset, bytes without newline), the partial tail
    after them, and the file size."""
    with path.open("rb") as fh:
        size = fh.seek(0, os.SEEK_END)
        block, pos, data = 4096, size, b""
        while pos > 0:
            step = min(block, pos)
            pos -= step
            fh.seek(pos)
            data = fh.read(step) + data
            if data.count(b"\n") >= 3:
                break
            block *= 2
    cut = data.rfind(b"\n") + 1
    partial, complete = data[cut:], data[:cut]
    pieces: list[tuple[int, bytes]] = []
    start = pos
    for piece in complete[:-1].split(b"\n") if complete else []:
        pieces.append((start, piece))
        start += len(piece) + 1
    if pos > 0:
        pieces = pieces[1:]  # it may have begun before the block that was read
    lines = pieces[-2:]
    return lines, partial, size


class AuditLog:
    """Append records to a hash-chained JSON-lines file. Safe across threads and processes.

    Opening an existing log checks that its last line matches the head anchor and
    refuses (:class:`AuditTampered`) to continue a log that was cut or edited at the end;
    a torn tail left by a killed writer is completed instead (``recovered`` says how).
    ``durable`` makes each append reach the disk (fsync) before it returns.
    """

    def __init__(self, path: str | os.PathLike[str], *, durable: bool = True) -> None:
        self.path = Path(path)
        self.durable = durable
        self.recovered: str | None = None
        self._lock = FileLock(self.path)
        self._head_file = str(_head_path(self.path))
        self._seq = 0
        if not self.path.exists() and not _head_path(self.path).exists():
            return  # nothing to check yet (the directory may not exist either)
        try:
            with self._lock.held():
                self._seq = self._settle(thorough=True).seq
        except OSError as exc:
            raise ConfigError("cannot read the audit log", device=str(self.path),
                              operation="open audit log",
                              got=exc.strerror or type(exc).__name__) from None

    def __repr__(self) -> str:
        return f"AuditLog({str(self.path)!r}, records={self._seq})"

    def _tampered(self, reason: str) -> AuditTampered:
        return AuditTampered(reason, device=str(self.path), operation="open audit log",
                             expected="a log verified by 'hnth audit verify'")

    def _settle(self, *, thorough: bool) -> _Head:
        """The head of the log, under the lock: read, checked against the log's end, and
        completed if the last append was interrupted."""
        head = _read_head(self.path, self._head_file)
        try:
            size = os.stat(self.path).st_size
        except FileNotFoundError:
            size = 0
        if size == 0:
            if head not in (None, _NO_HEAD, _Head(0, GENESIS, None)):
                raise self._tampered("the log is empty but its head anchor names records")
            return _NO_HEAD
        h = head or _NO_HEAD
        if not thorough and h.size == size:
            return h
        lines, partial, size = _tail_lines(self.path)
        links = []
        for offset, line in lines:
            try:
                links.append((offset, line, *_record_link(line)))
            except (ValueError, KeyError, TypeError, RecursionError):
                raise self._tampered("the last line is not an audit record") from None
        if partial and not _torn_line(partial):
            raise self._tampered("the log ends with bytes that are no audit record")
        if not links:  # only a partial first line
            if h == _NO_HEAD or head is None:
                return self._drop_partial(0, h)
            raise self._tampered("the log is cut short")
        offset, line, seq, link = links[-1]
        end = offset + len(line) + 1
        if seq == h.seq and _digest(line) == h.hash:
            if partial:
                return self._drop_partial(end, _Head(seq, h.hash, end))
            if h.size != end:
                _write_head(self.path, _Head(seq, h.hash, end), durable=self.durable)
            return _Head(seq, h.hash, end)
        before_ok = (offset == 0 and h == _NO_HEAD) or (
            len(links) == 2 and _digest(links[0][1]) == h.hash and links[0][2] == h.seq)
        if seq == h.seq + 1 and link == h.hash and before_ok and not partial and \
                (head is not None or seq == 1):
            settled = _Head(seq, _digest(line), end)
            _write_head(self.path, settled, durable=self.durable)
            self._note(f"record {seq} was written but its append was interrupted before "
                       "the head anchor: head completed")
            return settled
        raise self._tampered(
            "the log's end does not match its head anchor (cut, edited or appended)")

    def _drop_partial(self, end: int, head: _Head) -> _Head:
        with self.path.open("r+b") as fh:
            fh.truncate(end)
            if self.durable:
                os.fsync(fh.fileno())
        if head.size != end or head == _NO_HEAD:
            _write_head(self.path, _Head(head.seq, head.hash, end), durable=self.durable)
        self._note(f"an append after record {head.seq} was interrupted mid-line (never "
                   "acknowledged): partial line removed")
        return _Head(head.seq, head.hash, end)

    def _note(self, text: str) -> None:
        self.recovered = text
        log.warning("audit log %s: %s", self.path, text)

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
        return self.append_many([AuditEntry(actor, action, target, result, detail)])[0]

    def append_many(self, entries: Sequence[AuditEntry]) -> list[int]:
        """Write several records under one lock and one ``fsync`` (a group commit);
        returns their sequence numbers. Each line is followed by its head (not synced
        but the last), so a writer killed anywhere leaves at most one line beyond the
        head: a torn tail that the next open completes."""
        seqs: list[int] = []
        try:
            with self._lock.held():  # taking it the first time creates the directory
                crashpoints.reached("audit.locked")
                head = self._settle(thorough=False)
                with self.path.open("ab") as fh:
                    for i, entry in enumerate(entries):
                        last = i == len(entries) - 1
                        line = entry.line(head.seq + 1, head.hash)
                        fh.write(line + b"\n")
                        fh.flush()
                        crashpoints.reached("audit.line-written")
                        if self.durable and last:
                            os.fsync(fh.fileno())  # covers every line of the batch
                        head = _Head(head.seq + 1, _digest(line), fh.tell())
                        crashpoints.reached("audit.line-synced")
                        _write_head(self.path, head, durable=self.durable and last,
                                    target=self._head_file)
                        seqs.append(head.seq)
        except OSError as exc:
            raise ConfigError("cannot write the audit log", device=str(self.path),
                              operation="audit append",
                              got=exc.strerror or type(exc).__name__) from None
        if seqs:
            self._seq = seqs[-1]
        return seqs

    @property
    def records(self) -> int:
        """How many records the log held when this object last opened or appended it."""
        return self._seq
