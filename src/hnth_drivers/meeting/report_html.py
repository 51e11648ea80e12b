"""The quality evaluation as one self-contained HTML page, charts included.

Charts are drawn by pygal (pure Python, no compiled dependencies) as SVG and inlined in
the page: no external script, stylesheet, font or image, so the file opens offline and
can be mailed as is. Everything else is plain HTML tables, escaped. The same figures are
in :func:`hnth_drivers.meeting.report.to_json`.
"""

from __future__ import annotations

import datetime as dt
import html
import importlib
from collections.abc import Sequence
from typing import Any

from .report import GroupQuality, QualityReport, SiteQuality, to_json

__all__ = ["render_html"]

_MAX_BARS = 40  # a chart with more bars than this shows the worst ones

SERIES_COLOURS = ("#1565c0", "#ef6c00", "#6a1b9a", "#00838f", "#ad1457")
"""Colours of the series of the bar and line charts, in order (opaque)."""
VERDICT_COLOURS = {"good": "#2e7d32", "poor": "#c62828", "unknown": "#9e9e9e"}
"""Colours of the verdict pie."""


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


def _svg(chart: Any) -> str:
    return str(chart.render(is_unicode=True))


def _switch_chart(report: QualityReport) -> str:
    chart = _chart("Line", "Switch times against the 30-second rule (s)", stroke=True,
                   x_label_rotation=30)
    chart.x_labels = [s.site for s in report.switches]
    chart.add("switch time (s)", [s.seconds for s in report.switches], stroke=False,
              dots_size=5)
    chart.add("limit (s)", [s.limit_s for s in report.switches], show_dots=False)
    return _svg(chart)


def _share(value: float | None, limit: float | None) -> float | None:
    if value is None or not limit:
        return None
    return round(100.0 * value / limit, 1)


def _group_quality_chart(report: QualityReport, groups: Sequence[GroupQuality], what: str
                         ) -> str:
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
    more = f", the {len(shown)} worst of {len(sampled)}" if len(sampled) > len(shown) else ""
    top = max(120.0, worst[0] * 1.05)
    loss_text = "-" if loss_limit is None else f"{loss_limit:g}"
    chart = _chart("HorizontalBar", f"p95 by {what} as % of its threshold (100 % = "
                   f"delay {th.delay_ms:g} ms, jitter {th.jitter_ms:g} ms, loss "
                   f"{loss_text} %){more}", height=max(300, 80 + 24 * len(shown)),
                   range=(0, top), y_labels=[0, 25, 50, 75, 100, round(top)],
                   y_labels_major=[100])
    chart.x_labels = [g.key for g in shown]
    chart.add("delay p95", [_share(g.delay_p95, th.delay_ms) for g in shown])
    chart.add("jitter p95", [_share(g.jitter_p95, th.jitter_ms) for g in shown])
    chart.add("loss p95", [_share(g.loss_p95, loss_limit) for g in shown])
    return _svg(chart)


def _carrier_chart(report: QualityReport) -> str:
    chart = _chart("Bar", "Drops, poor sites and switches over 30 s by carrier")
    chart.x_labels = [g.key for g in report.by_carrier]
    chart.add("drops", [g.drops for g in report.by_carrier])
    chart.add("poor sites", [g.poor_sites for g in report.by_carrier])
    chart.add("switches over 30 s", [g.switches_over_limit for g in report.by_carrier])
    return _svg(chart)


def _verdict_chart(report: QualityReport) -> str:
    chart = _chart("Pie", "Sites by call-quality verdict (p95 against the thresholds)",
                   inner_radius=0.45, colours=tuple(VERDICT_COLOURS.values()))
    for verdict in VERDICT_COLOURS:
        chart.add(verdict, sum(1 for s in report.sites if s.verdict == verdict))
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


_GROUP_HEAD = ("", "sites", "in call", "drops", "median recovery (s)", "worst recovery (s)",
               "loss p95 (%)", "jitter p95 (ms)", "delay p95 (ms)", "poor sites", "switches",
               "switches > 30 s")


def _site_rows(sites: Sequence[SiteQuality]) -> list[list[object]]:
    order = {"poor": 0, "unknown": 1, "good": 2}
    ranked = sorted(sites, key=lambda s: (order[s.verdict], -s.drops, s.site.id))
    return [[s.site.id, s.site.name, s.site.level, s.site.unit, s.site.mcu, s.site.carrier,
             f"{s.in_call_share * 100:.1f} %", s.drops,
             ", ".join(f"{r:.1f}" for r in s.recoveries_s) or "–",
             _fmt(s.loss.p95 if s.loss else None, 2), _fmt(s.jitter.p95 if s.jitter else None),
             _fmt(s.delay.p95 if s.delay else None), s.samples, s.verdict,
             ", ".join(s.poor)] for s in ranked]


_CSS = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1200px}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0}
th,td{border:1px solid #ddd;padding:.25em .5em;text-align:left}
th{background:#f3f3f3}.summary td:first-child{font-weight:bold}
.chart{margin:1em 0;max-width:900px}.chart svg{width:100%;height:auto}
details summary{cursor:pointer;color:#036}
"""


def render_html(report: QualityReport) -> str:
    """The whole report as one HTML document (UTF-8 text)."""
    data = to_json(report)
    summary = data["summary"]
    th = report.thresholds
    charts = [_verdict_chart(report), _switch_chart(report) if report.switches else "",
              _group_quality_chart(report, report.by_province, "province"),
              _group_quality_chart(report, report.by_mcu, "MCU"), _carrier_chart(report)]
    figure = "".join(f'<div class="chart">{c}</div>' for c in charts if c)
    overview = _table(("", ""), [
        ("meeting", f"{report.title} ({report.meeting})"),
        ("time", f"{_when(report.start)} → {_when(report.end)} "
                 f"({report.duration_s / 60:.1f} min)"),
        ("sites", f"{summary['sites']:,}: {summary['good']:,} good, {summary['poor']:,} poor, "
                  f"{summary['unknown']:,} without samples"),
        ("drops", f"{summary['drops']} site drops ({summary['unrecovered']} not recovered), "
                  f"{summary['link_drops']} cascade link drops"),
        ("switches", f"{summary['switches']} ({summary['switches_over_limit']} over 30 s); "
                     f"median {_fmt(summary['switch_median_s'], 3)} s, "
                     f"worst {_fmt(summary['switch_max_s'], 3)} s"),
        ("alarms", str(summary["alarms"])),
        ("thresholds", f"delay {th.delay_ms} ms, jitter {th.jitter_ms} ms, loss "
                       f"{th.loss_percent} % (docs/monitoring.md); a site is poor when a p95 "
                       f"reaches one"),
    ], "summary")
    switches = _table(("#", "asked at", "site", "seconds", "limit", "verdict", "reason"), [
        (i, _when(s.at), s.site, f"{s.seconds:.3f}", f"{s.limit_s:g}",
         "PASS" if s.ok else "FAIL", s.reason or "")
        for i, s in enumerate(report.switches, start=1)])
    alarms = _table(("at", "source", "kind", "severity", "device", "subject", "message"), [
        (_when(a.at), a.source, a.kind, a.severity, a.device, a.subject, a.message)
        for a in report.alarms])
    sites = _table(("site", "name", "level", "unit", "MCU", "carrier", "in call", "drops",
                    "recoveries (s)", "loss p95 (%)", "jitter p95 (ms)", "delay p95 (ms)",
                    "samples", "verdict", "poor"), _site_rows(report.sites))
    title = html.escape(f"Quality evaluation: {report.title}")
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{title}</title><style>{_CSS}</style></head><body>"
        f"<h1>{title}</h1>{overview}<h2>Charts</h2>{figure}"
        f"<h2>Switches</h2>{switches}<h2>Alarms</h2>{alarms}"
        f"<h2>By province</h2>{_table(_GROUP_HEAD, _group_rows(report.by_province))}"
        f"<h2>By MCU</h2>{_table(_GROUP_HEAD, _group_rows(report.by_mcu))}"
        f"<h2>By carrier</h2>{_table(_GROUP_HEAD, _group_rows(report.by_carrier))}"
        f"<h2>Sites</h2><details><summary>{len(report.sites):,} sites, worst first"
        f"</summary>{sites}</details></body></html>\n")
