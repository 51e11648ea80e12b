"""Audit log: append and verify, each against a floor measured in the same run.

1. Append under the cross-process lock against the unlocked append: the same two writes
   (the line, then the head replaced atomically) with the sequence number and hash
   cached in memory, no lock and no head read (what one process alone could do).
   Goal: locked ≤ 1.5x unlocked, without fsync (the harsher case) and with it.
2. Verify 100k lines against reading the same file and hashing every line (the work no
   verifier can skip).
Usage: python benchmarks/audit.py [LINES]
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from hnth_drivers.security.audit import AuditLog, verify


def floor(path: Path) -> None:
    with path.open("rb") as fh:
        for raw in fh:
            hashlib.sha256(raw[:-1]).hexdigest()


def unlocked_appends(path: Path, count: int, *, durable: bool) -> float:
    """The floor: the same line and head writes, state cached, no lock."""
    head = path.with_name(path.name + ".head")
    prev = "0" * 64
    start = time.perf_counter()
    for seq in range(1, count + 1):
        i = seq - 1
        line = json.dumps({"seq": seq, "ts": "2026-12-06T07:00:00.000000+00:00",
                           "actor": "central.op", "action": "switch",
                           "target": f"site-{i % 11200}", "result": "ok",
                           "detail": {"hops": 2, "ms": 812.5}, "prev": prev},
                          ensure_ascii=False, separators=(",", ":")).encode()
        with path.open("ab") as fh:
            fh.write(line + b"\n")
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
            size = fh.tell()
        prev = hashlib.sha256(line).hexdigest()
        tmp = head.with_name(head.name + ".tmp")
        with tmp.open("w", encoding="utf-8") as hf:
            json.dump({"seq": seq, "hash": prev, "size": size}, hf)
            hf.flush()
            if durable:
                os.fsync(hf.fileno())
        os.replace(tmp, head)
    return time.perf_counter() - start


def locked_appends(path: Path, count: int, *, durable: bool) -> float:
    log = AuditLog(path, durable=durable)
    start = time.perf_counter()
    for i in range(count):
        log.append(actor="central.op", action="switch", target=f"site-{i % 11200}",
                   result="ok", detail={"hops": 2, "ms": 812.5})
    return time.perf_counter() - start


def append_ratio(tmp: Path, count: int, *, durable: bool) -> tuple[float, float]:
    """Best of 15 short alternating rounds (the machine may be shared: the best round of
    each side is the one least disturbed): (locked s per append, unlocked s per append)."""
    locked, unlocked = [], []
    for r in range(15):
        unlocked.append(unlocked_appends(tmp / f"u{durable}{r}.jsonl", count,
                                         durable=durable) / count)
        locked.append(locked_appends(tmp / f"l{durable}{r}.jsonl", count,
                                     durable=durable) / count)
    return min(locked), min(unlocked)


def best_of(fn: object, arg: Path, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn(arg)  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as tmpdir:
        for durable, count in ((False, 200), (True, 30)):
            locked, unlocked = append_ratio(Path(tmpdir), count, durable=durable)
            ratio = locked / unlocked
            print(f"audit append ({'fsync' if durable else 'no fsync'}): locked "
                  f"{locked * 1e6:.0f} us, unlocked floor {unlocked * 1e6:.0f} us, ratio "
                  f"{ratio:.2f}x ({'within' if ratio <= 1.5 else 'OVER'} 1.5x)")
    with tempfile.TemporaryDirectory() as tmp:
        log = AuditLog(Path(tmp) / "audit.jsonl", durable=False)
        start = time.perf_counter()
        for i in range(lines):
            log.append(actor="central.op", action="switch", target=f"site-{i % 11200}",
                       result="ok", detail={"hops": 2, "ms": 812.5})
        append_s = time.perf_counter() - start
        report = verify(log.path)
        assert report.ok and report.lines == lines, report
        t_verify = best_of(verify, log.path)
        t_floor = best_of(floor, log.path)
        size_mb = log.path.stat().st_size / 1e6
    print(f"audit: {lines} lines, {size_mb:.1f} MB")
    print(f"  append (no fsync): {lines / append_s:,.0f} lines/s")
    print(f"  verify: {t_verify * 1000:.0f} ms  floor (read+sha256): {t_floor * 1000:.0f} ms  "
          f"ratio {t_verify / t_floor:.2f}x  ({'under' if t_verify < 1.0 else 'OVER'} 1 s)")


if __name__ == "__main__":
    main()
