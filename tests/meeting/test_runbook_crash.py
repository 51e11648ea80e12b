"""Kill the runner with SIGKILL in the middle of a step, resume: nothing lost or repeated."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from hnth_drivers.meeting.state import RunStatus, StepStatus, load_state

from .conftest import write_meeting

RUNNER = Path(__file__).with_name("crash_runner.py")
SPEC = "a:idem,b:once,c:idem,d:once,e:idem"


def start(tmp_path: Path, spec: str, mode: str, crash_at: str | None = None
          ) -> subprocess.Popen[str]:
    env = dict(os.environ)
    env.pop("CRASH_AT", None)
    if crash_at:
        env["CRASH_AT"] = crash_at
    return subprocess.Popen(
        [sys.executable, str(RUNNER), str(tmp_path / "meeting.toml"),
         str(tmp_path / "state.json"), spec, mode],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(proc: subprocess.Popen[str]) -> str:
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    return out.splitlines()[0].strip()


def wait_for(path: Path, proc: subprocess.Popen[str], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert proc.poll() is None, proc.communicate()[1]
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.01)


def effects(tmp_path: Path) -> Counter[str]:
    return Counter((tmp_path / "effects.log").read_text().splitlines())


@pytest.mark.parametrize(("crash_at", "rerun"), [
    ("c:pre", True),    # idempotent, killed before its effect: simply run again
    ("c:post", True),   # idempotent, killed after its effect: run again (harmless)
    ("d:pre", True),    # not idempotent, effect not there: the check says run again
    ("d:post", False),  # not idempotent, effect there: the check says done, not run again
])
def test_kill_mid_step_and_resume(tmp_path: Path, crash_at: str, rerun: bool) -> None:
    write_meeting(tmp_path)
    proc = start(tmp_path, SPEC, "run", crash_at)
    wait_for(tmp_path / "blocking", proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)

    step = crash_at[0]
    state = load_state(tmp_path / "state.json")  # readable: never corrupt
    assert state.status is RunStatus.RUNNING
    assert {n: r.status for n, r in state.steps.items()} == {
        n: StepStatus.DONE if n < step else StepStatus.STARTED if n == step
        else StepStatus.PENDING for n in "abcde"}
    assert state.steps[step].attempts == 1

    assert finish(start(tmp_path, SPEC, "resume")) == "done"
    state = load_state(tmp_path / "state.json")
    assert state.status is RunStatus.DONE
    assert all(r.status is StepStatus.DONE for r in state.steps.values())
    seen = effects(tmp_path)
    for name in "abcde":
        expected_starts = 2 if (name == step and rerun) else 1
        assert seen[f"start {name}"] == expected_starts, (name, seen)
        # an idempotent step killed after its effect repeats it; every other effect once
        assert seen[f"effect {name}"] == (2 if name == step and crash_at.endswith(
            "post") and rerun else 1), (name, seen)
    rec = state.steps[step]
    assert rec.attempts == (2 if rerun else 1)
    assert rec.recovered is (not rerun)
    kinds = [e.kind for e in state.events if e.step == step]
    assert ("rerun" in kinds) is rerun and ("recovered" in kinds) is (not rerun)
    assert sum(e.kind == "session" and "resumed" in e.message for e in state.events) == 1


def _run_spec(directory: Path, spec: str, mode: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(RUNNER), str(directory / "meeting.toml"),
         str(directory / "state.json"), spec, mode],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_repeated_random_kills_never_corrupt_or_repeat(tmp_path: Path) -> None:
    """Kill at random instants until the run completes; check the state every time."""
    names = [f"s{i:02d}" for i in range(60)]
    spec = ",".join(f"{n}:{'once' if i % 2 else 'idem'}" for i, n in enumerate(names))
    calibration = tmp_path / "calibration"
    calibration.mkdir()
    write_meeting(calibration)
    began = time.monotonic()
    proc = _run_spec(calibration, spec, "run")
    wait_for(calibration / "state.json", proc)
    startup = time.monotonic() - began
    assert finish(proc) == "done"
    stepping = time.monotonic() - began - startup

    work = tmp_path / "work"
    work.mkdir()
    write_meeting(work)
    rng = random.Random(9)
    mode, kills = "run", 0
    for _ in range(60):
        proc = _run_spec(work, spec, mode)
        try:
            _out, err = proc.communicate(timeout=startup + rng.uniform(0.02, 0.15) * stepping)
            assert proc.returncode == 0, err
            break
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.communicate(timeout=10)
            kills += 1
        state_file = work / "state.json"
        if state_file.exists():
            state = load_state(state_file)  # raises if the file were ever torn
            statuses = [state.steps[n].status for n in names]
            # done steps form a prefix; at most one step is in progress
            first_open = next((i for i, s in enumerate(statuses)
                               if s is not StepStatus.DONE), len(names))
            assert all(s is StepStatus.DONE for s in statuses[:first_open])
            assert all(s is StepStatus.PENDING for s in statuses[first_open + 1:])
            mode = "resume"
    else:  # a very slow machine: finish without killing, the checks below still hold
        assert finish(_run_spec(work, spec, mode)) == "done"
    assert kills >= 1, "no kill happened: the test proved nothing"
    state = load_state(work / "state.json")
    assert state.status is RunStatus.DONE
    assert all(r.status is StepStatus.DONE for r in state.steps.values())
    seen = effects(work)
    for i, n in enumerate(names):
        if i % 2:  # not idempotent: exactly once, whatever the kills
            assert seen[f"effect {n}"] == 1, (n, seen)
        else:
            assert seen[f"effect {n}"] >= 1
    assert not list(work.glob(".state.json.*.tmp")), "stale temporary files left behind"


def test_killed_at_every_write_step_resumes(tmp_path: Path) -> None:
    """Fault injection at every crash point of a run (inside each audit append, each state
    save, before and after each action's effect): the run always resumes to DONE, the
    non-idempotent step's effect happens once, and the audit log verifies (issue #18)."""
    from hnth_drivers.security.audit import verify

    spec = "a:once,b:idem"
    count = tmp_path / "count"
    count.mkdir()
    write_meeting(count)
    out, _err = _run_spec(count, spec, "run").communicate(timeout=60)
    total = int(out.split("points")[1])
    assert total >= 20, out
    for k in range(1, total + 1):
        work = tmp_path / f"k{k}"
        work.mkdir()
        write_meeting(work)
        env = {**os.environ, "CRASH_POINT": str(k)}
        proc = subprocess.run(
            [sys.executable, str(RUNNER), str(work / "meeting.toml"),
             str(work / "state.json"), spec, "run"],
            env=env, capture_output=True, text=True, timeout=60, check=False)
        assert proc.returncode == 77, (k, proc.stderr)
        mode = "resume" if (work / "state.json").exists() else "run"
        assert finish(_run_spec(work, spec, mode)) == "done", k
        state = load_state(work / "state.json")
        assert all(r.status is StepStatus.DONE for r in state.steps.values()), k
        assert effects(work)["effect a"] == 1, (k, effects(work))
        report = verify(work / "audit.jsonl")
        assert report.ok and report.note is None, (k, str(report))
