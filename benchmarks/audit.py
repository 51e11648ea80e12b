"""Audit log: verify 100k lines, against a floor measured in the same run.

Floor: reading the same file and hashing every line (the work no verifier can skip).
Usage: python benchmarks/audit.py [LINES]
"""

from __future__ import annotations

import hashlib
import sys
import tempfile
import time
from pathlib import Path

from hnth_drivers.security.audit import AuditLog, verify


def floor(path: Path) -> None:
    with path.open("rb") as fh:
        for raw in fh:
            hashlib.sha256(raw[:-1]).hexdigest()


def best_of(fn: object, arg: Path, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn(arg)  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
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
