"""The quality report the console links to: in English or Vietnamese, and its switch-time
chart at a scale where sub-second switches read apart (SVG coordinates compared), with
the 30-second limit drawn when the axis reaches it and stated when it does not."""

from __future__ import annotations

import dataclasses
import re

from hnth_drivers.meeting.record import SwitchEntry
from hnth_drivers.meeting.report import QualityReport, evaluate
from hnth_drivers.meeting.report_html import LIMIT_COLOUR, WORDS, render_html, switch_axis
from tests.readiness.test_quality_report import hand_record


def _with_switches(*seconds: float) -> QualityReport:
    report = evaluate(hand_record())
    return dataclasses.replace(report, switches=tuple(
        SwitchEntry(report.start + i, f"s{i}", s, s <= 30.0) for i, s in enumerate(seconds)))


def _switch_svg(page: str) -> str:
    charts = re.findall(r"<svg.*?</svg>", page, flags=re.DOTALL)
    return next(c for c in charts if "Switch times" in c or "Thời gian chuyển hình" in c)


def _dots(svg: str) -> list[float]:
    """The y coordinates of the switch series' dots (SVG y grows downwards)."""
    series = svg[svg.index('class="series serie-0'):]
    series = series[:series.index("</g></g>") if "</g></g>" in series else len(series)]
    return [float(y) for y in re.findall(r'<circle cx="[\d.]+" cy="([\d.]+)"', series)]


def _plot_height(svg: str) -> float:
    box = re.search(r'<rect x="0" y="0" width="[\d.]+" height="([\d.]+)" class="background"',
                    svg[svg.index('class="plot"'):])
    assert box, "no plot area"
    return float(box.group(1))


def test_sub_second_switches_are_drawn_at_visibly_different_heights() -> None:
    svg = _switch_svg(render_html(_with_switches(0.3, 0.6)))
    fast, slow = _dots(svg)
    height = _plot_height(svg)
    assert fast > slow  # 0.6 s is higher up
    assert fast - slow > 0.2 * height, (fast, slow, height)  # the old 0-30 s axis: 1 %
    assert "30-s limit (the axis ends at 1 s)" in svg
    assert 'class="series serie-1' not in svg  # no limit line far above the axis


def test_the_limit_is_a_line_when_a_switch_comes_near_it() -> None:
    svg = _switch_svg(render_html(_with_switches(0.4, 31.5)))
    assert "the 30-s limit: red line" in svg and LIMIT_COLOUR in svg
    assert 'class="series serie-1' in svg  # the limit's series


def test_the_axis_fits_the_slowest_switch() -> None:
    assert switch_axis([0.3, 0.6], 30.0) == (1.0, False)
    assert switch_axis([0.08], 30.0) == (0.1, False)
    assert switch_axis([3.5], 30.0) == (5.0, False)
    assert switch_axis([14.9], 30.0) == (20.0, False)
    assert switch_axis([15.0], 30.0) == (33.0, True)
    top, limit = switch_axis([40.0], 30.0)
    assert limit and top == 44.0


def test_the_report_in_vietnamese_has_none_of_its_english_words() -> None:
    page = render_html(_with_switches(0.3, 0.6, 31.5), lang="vi")
    assert page.startswith('<!DOCTYPE html>\n<html lang="vi">')
    assert "Đánh giá chất lượng: Họp thử" in page and "KHÔNG ĐẠT" in page
    words = re.sub(r'<style>.*?</style>|<table class="alarms raw">.*?</table>', "", page,
                   flags=re.DOTALL)  # the alarms are the devices' own words, as recorded
    visible = re.sub(r"<[^>]*>", " ", words)
    english = {en.split("{")[0].strip(" :(,") for en, vi in WORDS.values() if en != vi}
    found = [t for t in english if len(t) > 2 and re.search(
        r"(?<![\w-])" + re.escape(t) + r"(?![\w-])", visible)]
    assert found == []
    assert "Quality evaluation" in render_html(_with_switches(0.3), lang="en")
