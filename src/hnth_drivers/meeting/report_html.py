"""The quality evaluation as one self-contained HTML page, charts included.

Charts are drawn by pygal (pure Python, no compiled dependencies) as SVG and inlined in
the page: no external script, stylesheet, font or image, so the file opens offline and
can be mailed as is; it has no script at all. Everything else is plain HTML tables,
escaped. The same figures are in :func:`hnth_drivers.meeting.report.to_json`.

The page is in English or Vietnamese (``lang``); every word of it is in :data:`WORDS`.
The switch-time chart's axis runs to the slowest switch with headroom
(:func:`switch_axis`), so that sub-second switches read apart; the 30-second limit is
drawn as a red line when the axis reaches it, and stated in the chart's title when not.
"""

from __future__ import annotations

import datetime as dt
import html
import importlib
import math
import re
from collections.abc import Sequence
from typing import Any

from ..monitor.quality import MCU, MONITOR, SNMP
from .report import GroupQuality, QualityReport, SiteQuality, to_json

__all__ = ["LANGS", "LIMIT_COLOUR", "SERIES_COLOURS", "VERDICT_COLOURS", "WORDS",
           "render_html", "switch_axis"]

_MAX_BARS = 40  # a chart with more bars than this shows the worst ones

SERIES_COLOURS = ("#1565c0", "#ef6c00", "#6a1b9a", "#00838f", "#ad1457")
"""Colours of the series of the bar and line charts, in order (opaque)."""
LIMIT_COLOUR = "#d32f2f"
"""Colour of the 30-second limit's line on the switch chart."""
VERDICT_COLOURS = {"good": "#2e7d32", "poor": "#c62828", "unknown": "#9e9e9e"}
"""Colours of the verdict pie."""

LANGS = ("en", "vi")

WORDS: dict[str, tuple[str, str]] = {
    # key: (English, Vietnamese)
    "title": ("Quality evaluation: {t}", "Đánh giá chất lượng: {t}"),
    "charts": ("Charts", "Biểu đồ"), "switches_h": ("Switches", "Chuyển hình"),
    "alarms_h": ("Alarms", "Cảnh báo"), "by_province": ("By province", "Theo tỉnh"),
    "by_mcu": ("By MCU", "Theo MCU"), "by_carrier": ("By carrier", "Theo nhà mạng"),
    "sites_h": ("Sites", "Điểm cầu"),
    "sites_worst": ("{n} sites, worst first", "{n} điểm cầu, kém nhất trước"),
    "meeting": ("meeting", "hội nghị"), "time": ("time", "thời gian"),
    "sites": ("sites", "điểm cầu"), "drops": ("drops", "rớt kết nối"),
    "switches": ("switches", "chuyển hình"), "alarms": ("alarms", "cảnh báo"),
    "thresholds": ("thresholds", "ngưỡng"),
    "sites_line": ("{n}: {good} good, {poor} poor, {unknown} without samples",
                   "{n}: {good} tốt, {poor} kém, {unknown} không có số liệu"),
    "drops_line": ("{d} site drops ({u} not recovered), {links} cascade link drops",
                   "{d} lần điểm cầu rớt ({u} chưa khôi phục), {links} lần đường cascade "
                   "rớt"),
    "switches_line": ("{n} ({over} over 30 s); median {med} s, worst {worst} s",
                      "{n} ({over} quá 30 giây); trung vị {med} giây, chậm nhất {worst} giây"),
    "thresholds_line": ("delay {d} ms, jitter {j} ms, loss {loss} % (docs/monitoring.md); a "
                        "site is poor when a p95 reaches one",
                        "độ trễ {d} ms, jitter {j} ms, mất gói {loss} % (docs/monitoring.md); "
                        "điểm cầu kém khi một giá trị p95 chạm ngưỡng"),
    "min": ("min", "phút"),
    "switch_title": ("Switch times (s); the {limit:g}-s limit: red line",
                     "Thời gian chuyển hình (giây); giới hạn {limit:g} giây: đường đỏ"),
    "switch_title_below": ("Switch times (s): all far below the {limit:g}-s limit (the "
                           "axis ends at {top:g} s)",
                           "Thời gian chuyển hình (giây): tất cả thấp xa giới hạn {limit:g} "
                           "giây (trục dừng ở {top:g} giây)"),
    "switch_time": ("switch time (s)", "thời gian chuyển (giây)"),
    "limit": ("limit (s)", "giới hạn (giây)"),
    "group_title": ("p95 by {what} as % of its threshold (100 % = delay {d} ms, jitter {j} "
                    "ms, loss {loss} %){more}",
                    "p95 theo {what}, tính theo % của ngưỡng (100 % = độ trễ {d} ms, jitter "
                    "{j} ms, mất gói {loss} %){more}"),
    "worst_of": (", the {n} worst of {of}", ", {n} kém nhất trong {of}"),
    "province": ("province", "tỉnh"), "mcu": ("MCU", "MCU"),
    "delay_p95": ("delay p95", "độ trễ p95"), "jitter_p95": ("jitter p95", "jitter p95"),
    "loss_p95": ("loss p95", "mất gói p95"),
    "carrier_title": ("Drops, poor sites and switches over 30 s by carrier",
                      "Rớt kết nối, điểm cầu kém và chuyển hình quá 30 giây theo nhà mạng"),
    "poor_sites": ("poor sites", "điểm cầu kém"),
    "switches_over": ("switches over 30 s", "chuyển hình quá 30 giây"),
    "verdict_title": ("Sites by call-quality verdict (p95 against the thresholds)",
                      "Điểm cầu theo đánh giá chất lượng (p95 so với ngưỡng)"),
    "good": ("good", "tốt"), "poor": ("poor", "kém"), "unknown": ("unknown", "không rõ"),
    "pass": ("PASS", "ĐẠT"), "fail": ("FAIL", "KHÔNG ĐẠT"),
    "h_asked": ("asked at", "yêu cầu lúc"), "h_site": ("site", "điểm cầu"),
    "h_seconds": ("seconds", "giây"), "h_limit": ("limit", "giới hạn"),
    "h_verdict": ("verdict", "kết quả"), "h_reason": ("reason", "lý do"),
    "h_at": ("at", "lúc"), "h_source": ("source", "nguồn"), "h_kind": ("kind", "loại"),
    "h_severity": ("severity", "mức độ"), "h_device": ("device", "thiết bị"),
    "h_subject": ("subject", "đối tượng"), "h_message": ("message", "nội dung"),
    "h_name": ("name", "tên"), "h_level": ("level", "cấp"), "h_unit": ("unit", "đơn vị"),
    "h_carrier": ("carrier", "nhà mạng"), "h_in_call": ("in call", "trong cuộc gọi"),
    "h_recoveries": ("recoveries (s)", "khôi phục (giây)"),
    "h_loss": ("loss p95 (%)", "mất gói p95 (%)"),
    "h_jitter": ("jitter p95 (ms)", "jitter p95 (ms)"),
    "h_delay": ("delay p95 (ms)", "độ trễ p95 (ms)"), "h_samples": ("samples", "số mẫu"),
    "h_poor": ("poor", "kém"),
    "h_median_rec": ("median recovery (s)", "khôi phục trung vị (giây)"),
    "h_worst_rec": ("worst recovery (s)", "khôi phục lâu nhất (giây)"),
    "h_over": ("switches > 30 s", "chuyển hình > 30 giây"),
    "m_loss": ("loss", "mất gói"), "m_jitter": ("jitter", "jitter"),
    "m_delay": ("delay", "độ trễ"),
    "lv_government": ("government", "trung ương"), "lv_province": ("province", "tỉnh"),
    "lv_district": ("district", "huyện"), "lv_commune": ("commune", "xã"),
    "lv_room": ("room", "phòng họp"),
}
"""Every word of the report: (English, Vietnamese)."""


def _words(lang: str) -> dict[str, str]:
    index = LANGS.index(lang) if lang in LANGS else 0
    return {k: v[index] for k, v in WORDS.items()}


def switch_axis(times: Sequence[float], limit_s: float) -> tuple[float, bool]:
    """The switch chart's axis top (seconds) and whether the limit is on it.

    When the slowest switch reaches half the limit the axis shows the whole limit (plus
    a tenth, or the slowest plus a tenth); otherwise it runs to the slowest plus a
    quarter, rounded up to 1, 2, 2.5 or 5 times a power of ten, so that 0.3 s and 0.6 s
    are a third of the chart apart instead of a hundredth.
    """
    slowest = max(times, default=0.0)
    if slowest >= limit_s / 2:
        return max(limit_s * 1.1, slowest * 1.1), True
    want = max(slowest * 1.25, 0.05)
    step = 10.0 ** math.floor(math.log10(want))
    top = next(m * step for m in (1, 2, 2.5, 5, 10) if m * step >= want * (1 - 1e-9))
    return round(top, 6), False


def _pygal() -> Any:
    # pygal ships no type information: reach it through importlib, typed as Any.
    return importlib.import_module("pygal")


def _chart(kind: str, title: str, *, height: int = 360,
           colours: Sequence[str] = SERIES_COLOURS, **options: Any) -> Any:
    pygal = _pygal()
    style = importlib.import_module("pygal.style").Style(
        colors=tuple(colours), opacity="1", opacity_hover="1", background="white",
        plot_background="white", font_family="sans-serif")
    config = pygal.Config(js=[], disable_xml_declaration=True, width=900, height=height,
                          style=style,
                          title=title, explicit_size=False, legend_at_bottom=True,
                          truncate_label=-1, print_values=False, **options)
    return getattr(pygal, kind)(config)


_SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL)


def _svg(chart: Any) -> str:
    # pygal writes its interactive JavaScript's settings in a <script> even without the
    # script itself (js=[]): dropped, so that the page has no script at all.
    return _SCRIPT.sub("", str(chart.render(is_unicode=True)))


def _switch_chart(report: QualityReport, w: dict[str, str]) -> str:
    limit = min(s.limit_s for s in report.switches)
    top, with_limit = switch_axis([s.seconds for s in report.switches], limit)
    title = (w["switch_title"].format(limit=limit) if with_limit
             else w["switch_title_below"].format(limit=limit, top=top))
    ticks = [round(top * i / 5, 6) for i in range(6)]
    chart = _chart("Line", title, stroke=True, x_label_rotation=30, range=(0, top),
                   y_labels=sorted({*ticks, limit}) if with_limit else ticks,
                   colours=(SERIES_COLOURS[0], LIMIT_COLOUR))
    chart.x_labels = [s.site for s in report.switches]
    chart.add(w["switch_time"], [s.seconds for s in report.switches], stroke=False,
              dots_size=5)
    if with_limit:
        chart.add(w["limit"], [s.limit_s for s in report.switches], show_dots=False,
                  stroke_style={"width": 3})
    return _svg(chart)


def _share(value: float | None, limit: float | None) -> float | None:
    if value is None or not limit:
        return None
    return round(100.0 * value / limit, 1)


def _group_quality_chart(report: QualityReport, groups: Sequence[GroupQuality], what: str,
                         w: dict[str, str]) -> str:
    """p95 of each metric as a share of its threshold: a bar past 100 % is a breach."""
    th = report.thresholds
    loss_limit = min((v for v in (th.loss_percent, th.video_loss_percent,
                                  th.audio_loss_percent) if v is not None), default=None)
    sampled = [g for g in groups if g.delay_p95 is not None]
    worst = max((max(_share(g.delay_p95, th.delay_ms) or 0.0,
                     _share(g.jitter_p95, th.jitter_ms) or 0.0,
                     _share(g.loss_p95, loss_limit) or 0.0), g.key) for g in sampled) \
        if sampled else (0.0, "")
    ranked = sorted(sampled, key=lambda g: (_share(g.delay_p95, th.delay_ms) or 0.0,
                                            _share(g.jitter_p95, th.jitter_ms) or 0.0),
                    reverse=True)[:_MAX_BARS]
    shown = ranked[::-1]  # a horizontal bar chart draws its first label at the bottom
    more = (w["worst_of"].format(n=len(shown), of=len(sampled))
            if len(sampled) > len(shown) else "")
    top = max(120.0, worst[0] * 1.05)
    loss_text = "-" if loss_limit is None else f"{loss_limit:g}"
    chart = _chart("HorizontalBar", w["group_title"].format(
                       what=what, d=f"{th.delay_ms:g}", j=f"{th.jitter_ms:g}",
                       loss=loss_text, more=more),
                   height=max(300, 80 + 24 * len(shown)),
                   range=(0, top), y_labels=[0, 25, 50, 75, 100, round(top)],
                   y_labels_major=[100])
    chart.x_labels = [g.key for g in shown]
    chart.add(w["delay_p95"], [_share(g.delay_p95, th.delay_ms) for g in shown])
    chart.add(w["jitter_p95"], [_share(g.jitter_p95, th.jitter_ms) for g in shown])
    chart.add(w["loss_p95"], [_share(g.loss_p95, loss_limit) for g in shown])
    return _svg(chart)


def _carrier_chart(report: QualityReport, w: dict[str, str]) -> str:
    chart = _chart("Bar", w["carrier_title"])
    chart.x_labels = [g.key for g in report.by_carrier]
    chart.add(w["drops"], [g.drops for g in report.by_carrier])
    chart.add(w["poor_sites"], [g.poor_sites for g in report.by_carrier])
    chart.add(w["switches_over"], [g.switches_over_limit for g in report.by_carrier])
    return _svg(chart)


def _verdict_chart(report: QualityReport, w: dict[str, str]) -> str:
    chart = _chart("Pie", w["verdict_title"],
                   inner_radius=0.45, colours=tuple(VERDICT_COLOURS.values()))
    for verdict in VERDICT_COLOURS:
        chart.add(w[verdict], sum(1 for s in report.sites if s.verdict == verdict))
    return _svg(chart)


def _when(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _fmt(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]], cls: str = "") -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>"
                   for row in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _group_rows(groups: Sequence[GroupQuality]) -> list[list[object]]:
    return [[g.key, g.sites, f"{g.in_call_share * 100:.1f} %", g.drops,
             _fmt(g.median_recovery_s), _fmt(g.worst_recovery_s), _fmt(g.loss_p95, 2),
             _fmt(g.jitter_p95), _fmt(g.delay_p95), g.poor_sites, g.switches,
             g.switches_over_limit] for g in groups]


def _group_head(w: dict[str, str]) -> tuple[str, ...]:
    return ("", w["sites"], w["h_in_call"], w["drops"], w["h_median_rec"], w["h_worst_rec"],
            w["h_loss"], w["h_jitter"], w["h_delay"], w["poor_sites"], w["switches"],
            w["h_over"])


_SOURCE_NAMES = {MCU: "MCU", SNMP: "SNMP", MONITOR: "monitor"}


def _sourced(text: str, sources: Sequence[str] | None) -> str:
    """A figure with the sources its samples came from (``0.12 [MCU]``; docs/
    readiness-and-reports.md): unmeasured figures stay ``–`` with no source."""
    if not sources or text == "–":
        return text
    return f"{text} [{'/'.join(_SOURCE_NAMES.get(x, x) for x in sources)}]"


def _site_rows(sites: Sequence[SiteQuality], w: dict[str, str]) -> list[list[object]]:
    order = {"poor": 0, "unknown": 1, "good": 2}
    ranked = sorted(sites, key=lambda s: (order[s.verdict], -s.drops, s.site.id))
    return [[s.site.id, s.site.name, w.get(f"lv_{s.site.level}", s.site.level), s.site.unit,
             s.site.mcu, s.site.carrier,
             f"{s.in_call_share * 100:.1f} %", s.drops,
             ", ".join(f"{r:.1f}" for r in s.recoveries_s) or "–",
             _sourced(_fmt(s.loss.p95 if s.loss else None, 2), s.sources.get("loss")),
             _sourced(_fmt(s.jitter.p95 if s.jitter else None), s.sources.get("jitter")),
             _sourced(_fmt(s.delay.p95 if s.delay else None), s.sources.get("delay")),
             s.samples, w[s.verdict],
             ", ".join(w.get(f"m_{m}", m) for m in s.poor)] for s in ranked]


_CSS = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1200px}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0}
th,td{border:1px solid #ddd;padding:.25em .5em;text-align:left}
th{background:#f3f3f3}.summary td:first-child{font-weight:bold}
.chart{margin:1em 0;max-width:900px}.chart svg{width:100%;height:auto}
details summary{cursor:pointer;color:#036}
"""


def render_html(report: QualityReport, *, lang: str = "en") -> str:
    """The whole report as one HTML document (UTF-8 text), in ``lang`` (``en`` or ``vi``)."""
    w = _words(lang)
    data = to_json(report)
    summary = data["summary"]
    th = report.thresholds
    charts = [_verdict_chart(report, w), _switch_chart(report, w) if report.switches else "",
              _group_quality_chart(report, report.by_province, w["province"], w),
              _group_quality_chart(report, report.by_mcu, w["mcu"], w),
              _carrier_chart(report, w)]
    figure = "".join(f'<div class="chart">{c}</div>' for c in charts if c)
    overview = _table(("", ""), [
        (w["meeting"], f"{report.title} ({report.meeting})"),
        (w["time"], f"{_when(report.start)} → {_when(report.end)} "
                    f"({report.duration_s / 60:.1f} {w['min']})"),
        (w["sites"], w["sites_line"].format(
            n=f"{summary['sites']:,}", good=f"{summary['good']:,}",
            poor=f"{summary['poor']:,}", unknown=f"{summary['unknown']:,}")),
        (w["drops"], w["drops_line"].format(d=summary["drops"], u=summary["unrecovered"],
                                            links=summary["link_drops"])),
        (w["switches"], w["switches_line"].format(
            n=summary["switches"], over=summary["switches_over_limit"],
            med=_fmt(summary["switch_median_s"], 3), worst=_fmt(summary["switch_max_s"], 3))),
        (w["alarms"], str(summary["alarms"])),
        (w["thresholds"], w["thresholds_line"].format(d=th.delay_ms, j=th.jitter_ms,
                                                      loss=th.loss_percent)),
    ], "summary")
    switches = _table(("#", w["h_asked"], w["h_site"], w["h_seconds"], w["h_limit"],
                       w["h_verdict"], w["h_reason"]), [
        (i, _when(s.at), s.site, f"{s.seconds:.3f}", f"{s.limit_s:g}",
         w["pass"] if s.ok else w["fail"], s.reason or "")
        for i, s in enumerate(report.switches, start=1)])
    alarms = _table((w["h_at"], w["h_source"], w["h_kind"], w["h_severity"], w["h_device"],
                     w["h_subject"], w["h_message"]), [
        (_when(a.at), a.source, a.kind, a.severity, a.device, a.subject, a.message)
        for a in report.alarms], "alarms raw")  # as the devices and the watchdog said
    sites = _table((w["h_site"], w["h_name"], w["h_level"], w["h_unit"], "MCU",
                    w["h_carrier"], w["h_in_call"], w["drops"], w["h_recoveries"],
                    w["h_loss"], w["h_jitter"], w["h_delay"], w["h_samples"], w["h_verdict"],
                    w["h_poor"]), _site_rows(report.sites, w))
    title = html.escape(w["title"].format(t=report.title))
    head = _group_head(w)
    return (
        f'<!DOCTYPE html>\n<html lang="{"vi" if lang == "vi" else "en"}"><head>'
        f'<meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{title}</title><style>{_CSS}</style></head><body>"
        f"<h1>{title}</h1>{overview}<h2>{w['charts']}</h2>{figure}"
        f"<h2>{w['switches_h']}</h2>{switches}<h2>{w['alarms_h']}</h2>{alarms}"
        f"<h2>{w['by_province']}</h2>{_table(head, _group_rows(report.by_province))}"
        f"<h2>{w['by_mcu']}</h2>{_table(head, _group_rows(report.by_mcu))}"
        f"<h2>{w['by_carrier']}</h2>{_table(head, _group_rows(report.by_carrier))}"
        f"<h2>{w['sites_h']}</h2><details><summary>"
        f"{html.escape(w['sites_worst'].format(n=f'{len(report.sites):,}'))}"
        f"</summary>{sites}</details></body></html>\n")
