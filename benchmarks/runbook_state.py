"""What the runbook's crash safety costs: a whole run against bare atomic writes.

Runs the planned procedure (8 steps, instant actions, fake clock) several times and
compares the time per run with its floor measured in the same run: the same number of
bare atomic writes (temp file + fsync + rename + directory fsync) of the same bytes.
The ratio is the runner's own overhead on top of the durability it must pay for.

usage: python benchmarks/runbook_state.py [--dir DIR] [--runs N]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path
from unittest import mock

from hnth_drivers.meeting import runbook as runbook_module
from hnth_drivers.meeting.actions import StepContext, StepOutcome, StepRegistry
from hnth_drivers.meeting.clock import FakeClock
from hnth_drivers.meeting.definition import parse_meeting
from hnth_drivers.meeting.runbook import Runbook, Runner
from hnth_drivers.meeting.state import RunState, save_state, write_atomic

MEETING = """
[meeting]
id = "bench"
title = "Benchmark meeting"
request = 2026-11-28T09:00:00+07:00
start = 2026-11-30T08:00:00+07:00
end = 2026-11-30T11:30:00+07:00
chair = "gov"

[[sites]]
id = "gov"
name = "Government"
level = "government"
unit = "central office"
"""


async def _instant(ctx: StepContext) -> StepOutcome:
    return StepOutcome(summary="ok")


async def _yes(ctx: StepContext) -> bool:
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dir", type=Path, default=None, help="where to write (a disk)")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    registry = StepRegistry()
    registry.add_action("manual", _instant, idempotent=True)
    registry.add_action("notify.outbox", _instant, idempotent=True)
    registry.add_check("notify.outbox", _yes)
    book = Runbook(parse_meeting(MEETING), registry=registry)

    saves = 0
    sizes: list[int] = []

    def counting_save(path: Path, state: RunState) -> None:
        nonlocal saves
        saves += 1
        save_state(path, state)
        sizes.append(path.stat().st_size)

    with mock.patch.object(runbook_module, "save_state", counting_save), \
            tempfile.TemporaryDirectory(dir=args.dir) as d:
        work = Path(d)
        run_times = []
        for i in range(args.runs):
            clock = FakeClock(dt.datetime(2026, 11, 28, 2, 0, tzinfo=dt.UTC))
            runner = Runner(book, work / f"run{i}.json", clock=clock)
            began = time.perf_counter()
            state = asyncio.run(runner.run())
            run_times.append(time.perf_counter() - began)
            assert state.status == "done"
        saves_per_run = saves // args.runs
        payload = b"x" * int(statistics.mean(sizes))
        floor_times = []
        for _ in range(args.runs):
            began = time.perf_counter()
            for _ in range(saves_per_run):
                write_atomic(work / "floor.json", payload)
            floor_times.append(time.perf_counter() - began)
    run_ms = statistics.median(run_times) * 1000
    floor_ms = statistics.median(floor_times) * 1000
    print(f"planned procedure, {len(book.schedule)} steps, {saves_per_run} saves per run, "
          f"state ~{statistics.mean(sizes) / 1024:.1f} KiB, {args.runs} runs")
    print(f"whole run      median {run_ms:8.2f} ms")
    print(f"floor (writes) median {floor_ms:8.2f} ms  ({floor_ms / saves_per_run:.2f} ms/save)")
    print(f"ratio run/floor      {run_ms / floor_ms:8.2f}x")


if __name__ == "__main__":
    main()
