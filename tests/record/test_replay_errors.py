"""A recording that is truncated, another driver's, or short of an exchange: typed errors
naming what is wrong, raised at once (the calls run under a deadline: never a hang)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from hnth_drivers.errors import ConfigError, ProtocolError
from hnth_drivers.mcu.base import Mcu
from hnth_drivers.testing.recorded import replayed_driver
from hnth_drivers.testing.replay import Recording, RecordingError, ReplayMiss

CODIAN = Path(__file__).parent / "recordings" / "codian.jsonl"


def lines() -> list[str]:
    return CODIAN.read_text().splitlines()


def write(tmp_path: Path, content: list[str]) -> Path:
    out = tmp_path / "rec.jsonl"
    out.write_text("\n".join(content) + "\n")
    return out


def test_errors_are_typed() -> None:
    assert issubclass(RecordingError, ConfigError)
    assert issubclass(ReplayMiss, ProtocolError)


def test_a_recording_cut_short_is_truncated(tmp_path: Path) -> None:
    with pytest.raises(RecordingError, match=r"truncated.*no end line after 10 exchanges"):
        Recording.load(write(tmp_path, lines()[:11]))


def test_a_recording_cut_mid_line_is_truncated(tmp_path: Path) -> None:
    whole = lines()
    with pytest.raises(RecordingError, match="line 6 is not JSON"):
        Recording.load(write(tmp_path, [*whole[:5], whole[5][:40]]))


def test_an_end_line_that_miscounts_is_truncated(tmp_path: Path) -> None:
    whole = lines()
    n = len(whole) - 2                       # header and end line around the exchanges
    with pytest.raises(RecordingError, match=rf"truncated.*end {n}, {n - 1} exchanges"):
        Recording.load(write(tmp_path, [*whole[:3], *whole[4:]]))


def test_not_a_recording(tmp_path: Path) -> None:
    with pytest.raises(RecordingError, match="not an hnth recording"):
        Recording.load(write(tmp_path, ['{"hello": 1}']))
    with pytest.raises(RecordingError, match="empty file"):
        Recording.load(write(tmp_path, []))
    with pytest.raises(RecordingError, match="cannot read"):
        Recording.load(tmp_path / "missing.jsonl")


def test_another_drivers_recording_is_refused() -> None:
    with pytest.raises(RecordingError, match=r"another driver.*'smc', got mcu driver 'codian'"):
        Recording.load(CODIAN, kind="mcu", driver="smc")


def test_a_bad_exchange_line_names_its_line(tmp_path: Path) -> None:
    whole = lines()
    broken = json.loads(whole[2])
    del broken["status"]
    with pytest.raises(RecordingError, match="line 3 is not an exchange"):
        Recording.load(write(tmp_path, [whole[0], whole[1], json.dumps(broken), *whole[3:]]))


async def test_a_request_the_recording_lacks_names_the_exchange() -> None:
    async with asyncio.timeout(30), replayed_driver("mcu", "codian", CODIAN) as mcu:
        assert isinstance(mcu, Mcu)
        with pytest.raises(ReplayMiss, match=r"no unused exchange for POST /RPC2 "
                                              r"conference\.create") as caught:
            await mcu.create_conference("never-recorded")
        assert "never-recorded" in str(caught.value)  # what was asked (redacted form)
        assert "replay codian.jsonl" in str(caught.value)
        assert "REDACTED" in str(caught.value)  # the password's field, as recorded


async def test_an_exchange_is_served_once() -> None:
    # The recording holds a fixed number of conference.enumerate replies: asking more
    # often than the session did runs out, with the count in the message.
    async with asyncio.timeout(30), replayed_driver("mcu", "codian", CODIAN) as mcu:
        assert isinstance(mcu, Mcu)
        with pytest.raises(ReplayMiss, match=r"recorded POST /RPC2 conference\.enumerate "
                                              r"exchange\(s\), all used"):
            for _ in range(200):
                await mcu.conferences()
