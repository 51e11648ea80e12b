"""Helpers for the meeting tests: meeting files and a registry of timed fake actions."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from hnth_drivers.meeting.actions import StepContext, StepOutcome, StepRegistry
from hnth_drivers.meeting.clock import FakeClock

TZ = dt.timezone(dt.timedelta(hours=7))
REQUEST = dt.datetime(2026, 11, 28, 9, 0, tzinfo=TZ)
START = dt.datetime(2026, 11, 30, 8, 0, tzinfo=TZ)
END = dt.datetime(2026, 11, 30, 11, 30, tzinfo=TZ)

SITES = """
[[sites]]
id = "gov-hanoi"
name = "Văn phòng Chính phủ"
level = "government"
unit = "central office"
mcu = "mcu-master"

[[sites]]
id = "p-haiphong"
name = "UBND thành phố Hải Phòng"
level = "province"
unit = "Hai Phong DIC"
mcu = "mcu-haiphong"
contact = "+84 225 000 000"

[[sites]]
id = "d-thuynguyen"
name = "UBND huyện Thủy Nguyên"
level = "district"
unit = "Hai Phong DIC"
mcu = "mcu-haiphong"
"""

SCRIPT = """
[[script]]
at = "0m"
show = "gov-hanoi"
note = "Khai mạc"

[[script]]
at = "1h05m"
show = "p-haiphong"
"""


def meeting_text(*, kind: str = "planned", request: dt.datetime = REQUEST,
                 start: dt.datetime = START, end: dt.datetime = END,
                 extra_head: str = "", tail: str = "") -> str:
    """A valid meeting file, with overridable times and extra lines."""
    return (f'[meeting]\nid = "gov-2026-11-30"\ntitle = "Hội nghị trực tuyến Chính phủ"\n'
            f'kind = "{kind}"\nrequest = {request.isoformat()}\nstart = {start.isoformat()}\n'
            f'end = {end.isoformat()}\nchair = "gov-hanoi"\n{extra_head}\n{SITES}{SCRIPT}{tail}')


def write_meeting(directory: Path, **kw: Any) -> Path:
    """Write ``meeting_text(**kw)`` to ``directory/meeting.toml``."""
    path = directory / "meeting.toml"
    path.write_text(meeting_text(**kw), encoding="utf-8")
    return path


class TimedSteps:
    """Fake actions: each step takes ``durations[name]`` of the fake clock's time."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.durations: dict[str, dt.timedelta] = {}
        self.switches: dict[str, tuple[float, ...]] = {}
        self.ran: list[tuple[str, dt.datetime]] = []

    async def act(self, ctx: StepContext) -> StepOutcome:
        from hnth_drivers.meeting.actions import SwitchTiming

        self.ran.append((ctx.step.name, self.clock.now()))
        await self.clock.sleep(self.durations.get(ctx.step.name, dt.timedelta(minutes=1)))
        return StepOutcome(summary=f"{ctx.step.name} done",
                           switches=tuple(SwitchTiming("p-haiphong", s)
                                          for s in self.switches.get(ctx.step.name, ())))

    def registry(self) -> StepRegistry:
        reg = StepRegistry()
        reg.add_action("manual", self.act, idempotent=True)
        reg.add_action("notify.outbox", self.act, idempotent=True)

        async def always(ctx: StepContext) -> bool:
            return True

        reg.add_check("notify.outbox", always)
        return reg


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(REQUEST.astimezone(dt.UTC))


@pytest.fixture
def timed(clock: FakeClock) -> TimedSteps:
    return TimedSteps(clock)
