"""The HTML quality report in headless Chromium: no console message, and its charts drawn.

Chromium (Debian package ``chromium``) prints every console message of the page to
stderr as ``INFO:CONSOLE`` with ``--enable-logging=stderr --v=0``; the report runs no
script of its own, so any such line is a failure. The screenshot is decoded with Pillow
and must show the charts' own colours over large areas.
"""

from __future__ import annotations

import subprocess
from collections import Counter
from pathlib import Path

from PIL import Image

from hnth_drivers.meeting.report import evaluate
from hnth_drivers.meeting.report_html import SERIES_COLOURS, VERDICT_COLOURS, render_html
from tests.conftest import require_tool

from .test_quality_report import hand_record


def headless(page: Path, shot: Path, tmp: Path) -> list[str]:
    """Open ``page`` in headless Chromium, screenshot it; returns the console lines."""
    chromium = require_tool("chromium")
    argv = [chromium, "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update",
            "--no-first-run", f"--user-data-dir={tmp / 'profile'}", "--enable-logging=stderr",
            "--v=0", f"--screenshot={shot}", "--window-size=1000,2400",
            "--hide-scrollbars", page.as_uri()]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=90, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return [line for line in done.stderr.splitlines() if ":CONSOLE" in line]


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def test_report_opens_without_console_errors_and_shows_its_charts(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(render_html(evaluate(hand_record())), encoding="utf-8")
    shot = tmp_path / "report.png"
    console = headless(page, shot, tmp_path)
    assert console == []
    with Image.open(shot) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1 << 24) or []
    pixels = Counter({colour: count for count, colour in colours})
    assert len(pixels) > 50  # not blank
    # the verdict pie (one good site in three) and the bar charts' first series
    assert pixels[_rgb(VERDICT_COLOURS["good"])] > 2000
    assert pixels[_rgb(VERDICT_COLOURS["poor"])] > 2000
    assert pixels[_rgb(SERIES_COLOURS[0])] > 5000


def test_the_console_check_catches_errors(tmp_path: Path) -> None:
    page = tmp_path / "broken.html"
    page.write_text("<!DOCTYPE html><html><body><p>x</p><script>console.error('boom-42');"
                    "notDefined();</script></body></html>", encoding="utf-8")
    console = headless(page, tmp_path / "broken.png", tmp_path)
    assert any("boom-42" in line for line in console)
    assert any("notDefined" in line for line in console)
