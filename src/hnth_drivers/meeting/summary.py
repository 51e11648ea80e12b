"""The readiness summary table ("mẫu tổng hợp thông tin"): CSV, JSON, a rich table.

The procedure asks each unit to fill in one summary form: site, level, unit, MCU, status,
quality, contact. :func:`write_csv`, :func:`to_json` and :func:`rich_table` render a
:class:`~.readiness.ReadinessReport` as that form, with labels in Vietnamese (``vi``) or
English (``en``); the CSV also carries the figures behind the quality column, each
with the source it came from (MCU, the site's SNMP agent, the monitor), so that
:func:`read_csv` gives back the same rows (either language), and :func:`from_json` the
same report.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..model import ConnectionState, Level
from ..monitor.alarms import QualityThresholds
from ..monitor.quality import FIGURE_NAMES, SOURCES, sources_text
from .readiness import Problem, ReadinessReport, ReadinessRow, Status, TestCall

__all__ = ["COLUMNS", "LABELS", "LANGS", "from_json", "quality_text", "read_csv",
           "rich_table", "source_label", "to_json", "write_csv"]

LANGS = ("vi", "en")

COLUMNS = ("site", "name", "level", "unit", "mcu", "carrier", "status", "quality",
           "contact", "connection", "loss_percent", "loss_source", "jitter_ms",
           "jitter_source", "delay_ms", "delay_source", "test_call_s", "problems", "detail")
"""CSV columns in order: the form's seven first (with the site's name), then the figures,
each followed by its source."""

LABELS: dict[str, dict[str, str]] = {
    "vi": {
        "title": "Mẫu tổng hợp thông tin - sẵn sàng hội nghị",
        "site": "Điểm cầu", "name": "Tên điểm cầu", "level": "Cấp", "unit": "Đơn vị",
        "mcu": "MCU", "carrier": "Nhà mạng", "status": "Trạng thái",
        "quality": "Chất lượng",
        "contact": "Liên hệ", "connection": "Kết nối", "loss_percent": "Mất gói (%)",
        "jitter_ms": "Jitter (ms)", "delay_ms": "Độ trễ (ms)",
        "loss_source": "Nguồn số liệu mất gói", "jitter_source": "Nguồn số liệu jitter",
        "delay_source": "Nguồn số liệu độ trễ", "test_call_s": "Gọi thử (s)",
        "source.mcu": "MCU", "source.snmp": "SNMP", "source.monitor": "giám sát",
        "problems": "Vấn đề", "detail": "Chi tiết",
        "ready": "Sẵn sàng", "degraded": "Cần theo dõi", "not_ready": "Chưa sẵn sàng",
        "good": "Tốt", "poor": "Kém", "unknown": "Không rõ",
        "government": "Trung ương", "province": "Tỉnh", "district": "Huyện",
        "commune": "Xã", "room": "Phòng họp",
        "problem.disconnected": "mất kết nối", "problem.cascade_down": "đường cascade đứt",
        "problem.mcu_error": "MCU không trả lời", "problem.quality": "chất lượng kém",
        "problem.mcu_snmp_unreachable": "MCU không trả lời SNMP",
        "problem.mcu_interface_down": "cổng mạng MCU hỏng",
        "problem.codec_unreachable": "thiết bị đầu cuối không trả lời",
        "problem.camera_unreachable": "camera không trả lời",
        "problem.test_call_failed": "gọi thử không đạt",
    },
    "en": {
        "title": "Summary form - meeting readiness",
        "site": "Site", "name": "Site name", "level": "Level", "unit": "Unit", "mcu": "MCU",
        "carrier": "Carrier", "status": "Status", "quality": "Quality",
        "contact": "Contact",
        "connection": "Connection", "loss_percent": "Loss (%)", "jitter_ms": "Jitter (ms)",
        "delay_ms": "Delay (ms)", "loss_source": "Loss from",
        "jitter_source": "Jitter from", "delay_source": "Delay from",
        "source.mcu": "MCU", "source.snmp": "SNMP", "source.monitor": "monitor",
        "test_call_s": "Test call (s)", "problems": "Problems",
        "detail": "Detail",
        "ready": "Ready", "degraded": "Degraded", "not_ready": "Not ready",
        "good": "Good", "poor": "Poor", "unknown": "Unknown",
        "government": "Government", "province": "Province", "district": "District",
        "commune": "Commune", "room": "Room",
        "problem.disconnected": "disconnected", "problem.cascade_down": "cascade path down",
        "problem.mcu_error": "MCU not answering", "problem.quality": "poor quality",
        "problem.mcu_snmp_unreachable": "MCU not answering SNMP",
        "problem.mcu_interface_down": "MCU interface down",
        "problem.codec_unreachable": "room codec not answering",
        "problem.camera_unreachable": "camera not answering",
        "problem.test_call_failed": "test call failed",
    },
}


def _labels(lang: str) -> dict[str, str]:
    if lang not in LABELS:
        raise ConfigError("unknown language", operation="readiness summary",
                          expected=" or ".join(LANGS), got=repr(lang))
    return LABELS[lang]


def source_label(source: str | None, lang: str = "en") -> str:
    """A figure's source in ``lang`` (``MCU``, ``SNMP``, ``giám sát``...); a source of the
    caller's own naming as it is; ``""`` for none."""
    if not source:
        return ""
    return _labels(lang).get(f"source.{source}", source)


def _source_code(label: str, lang: str) -> str:
    lab = LABELS[lang]
    return next((s for s in SOURCES if lab[f"source.{s}"] == label), label)


def quality_text(row: ReadinessRow, lang: str = "en") -> str:
    """``Good (0.1 % MCU / 4 ms SNMP / 40 ms SNMP)``, ``Poor (…)`` or ``Unknown``: the
    verdict, each figure with its source, ``–`` for a figure no source measured."""
    lab = _labels(lang)
    if row.quality_ok is None:
        return lab["unknown"]
    verdict = lab["good" if row.quality_ok else "poor"]

    def fig(name: str, value: float | None, unit: str) -> str:
        if value is None:
            return "–"
        source = source_label(row.quality_sources.get(name), lang)
        return f"{value:g} {unit}" + (f" {source}" if source else "")
    return (f"{verdict} ({fig('loss', row.loss_percent, '%')} / "
            f"{fig('jitter', row.jitter_ms, 'ms')} / {fig('delay', row.delay_ms, 'ms')})")


def _num(text: str) -> float | None:
    return float(text) if text.strip() else None


def _fmt(value: float | None) -> str:
    return "" if value is None else repr(float(value))  # the shortest text that reads back


def _record(row: ReadinessRow, lab: Mapping[str, str], lang: str) -> dict[str, str]:
    return {
        "site": row.site, "name": row.name, "level": lab[row.level.value], "unit": row.unit,
        "mcu": row.mcu, "carrier": row.carrier, "status": lab[row.status.value],
        "quality": quality_text(row, lang), "contact": row.contact,
        "connection": row.connection.value if row.connection else "",
        "loss_percent": _fmt(row.loss_percent), "jitter_ms": _fmt(row.jitter_ms),
        "delay_ms": _fmt(row.delay_ms),
        **{f"{f}_source": source_label(row.quality_sources.get(f), lang)
           for f in FIGURE_NAMES},
        "test_call_s": _fmt(row.test_call_s),
        "problems": " | ".join(lab[f"problem.{p.value}"] for p in row.problems),
        "detail": row.detail,
    }


def write_csv(report: ReadinessReport, path: Path | None = None, *, lang: str = "vi") -> str:
    """The summary as CSV (UTF-8, header in ``lang``); written to ``path`` when given."""
    lab = _labels(lang)
    buf = io.StringIO()
    out = csv.writer(buf)  # RFC 4180: CRLF rows, fields with CR or LF quoted
    out.writerow([lab[c] for c in COLUMNS])
    for row in report.rows:
        rec = _record(row, lab, lang)
        out.writerow([rec[c] for c in COLUMNS])
    text = buf.getvalue()
    if path is not None:
        with path.open("w", encoding="utf-8", newline="") as fh:
            fh.write(text)
    return text


def _reverse(lang: str, value: str, kinds: Iterable[str]) -> str:
    lab = LABELS[lang]
    for key in kinds:
        if lab[key] == value:
            return key
    raise ConfigError("unknown value in the summary", operation="read summary CSV",
                      expected=" or ".join(lab[k] for k in kinds), got=repr(value))


def read_csv(source: Path | str) -> list[ReadinessRow]:
    """Rows back from :func:`write_csv` output (a path or the text), in either language."""
    if isinstance(source, Path):
        with source.open(encoding="utf-8", newline="") as fh:  # keep CRs inside fields
            text = fh.read()
    else:
        text = source
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    lang = next((lg for lg in LANGS if header == [LABELS[lg][c] for c in COLUMNS]), None)
    if lang is None:
        raise ConfigError("not a readiness summary", operation="read summary CSV",
                          expected="the header written by write_csv", got=repr(header)[:200])
    rows = []
    for line in reader:
        rec = dict(zip(COLUMNS, line, strict=True))
        problems = tuple(
            Problem(_reverse(lang, p, [f"problem.{x.value}" for x in Problem])[8:])
            for p in rec["problems"].split(" | ") if p)
        sources = {f: _source_code(rec[f"{f}_source"], lang) for f in FIGURE_NAMES
                   if rec[f"{f}_source"]}
        quality_ok = None
        if sources:
            quality_ok = Problem.QUALITY not in problems
        rows.append(ReadinessRow(
            site=rec["site"], name=rec["name"],
            level=Level(_reverse(lang, rec["level"], [lv.value for lv in Level])),
            unit=rec["unit"], mcu=rec["mcu"], carrier=rec["carrier"],
            status=Status(_reverse(lang, rec["status"], [s.value for s in Status])),
            connection=ConnectionState(rec["connection"]) if rec["connection"] else None,
            loss_percent=_num(rec["loss_percent"]), jitter_ms=_num(rec["jitter_ms"]),
            delay_ms=_num(rec["delay_ms"]), quality_ok=quality_ok,
            quality_source=sources_text(sources), quality_sources=sources,
            test_call_s=_num(rec["test_call_s"]), problems=problems, detail=rec["detail"],
            contact=rec["contact"]))
    return rows


def to_json(report: ReadinessReport, *, lang: str = "vi") -> dict[str, Any]:
    """The report as JSON-ready data: stable codes, plus the labels in ``lang``."""
    lab = _labels(lang)
    return {
        "lang": lang, "labels": {c: lab[c] for c in ("title", *COLUMNS)},
        "checked_at": report.checked_at, "duration_s": report.duration_s,
        "ready": report.ready,
        "counts": {s.value: report.count(s) for s in Status},
        "thresholds": {k: getattr(report.thresholds, k) for k in
                       ("delay_ms", "jitter_ms", "audio_loss_percent", "video_loss_percent",
                        "loss_percent", "recover_ratio")},
        "test_calls": [{"site": c.site, "seconds": c.seconds, "ok": c.ok, "reason": c.reason}
                       for c in report.test_calls],
        "rows": [{
            "site": r.site, "name": r.name, "level": r.level.value, "unit": r.unit,
            "mcu": r.mcu, "carrier": r.carrier, "status": r.status.value,
            "status_label": lab[r.status.value], "quality": quality_text(r, lang),
            "quality_ok": r.quality_ok, "contact": r.contact,
            "connection": r.connection.value if r.connection else None,
            "loss_percent": r.loss_percent, "jitter_ms": r.jitter_ms, "delay_ms": r.delay_ms,
            "quality_source": r.quality_source,
            "quality_sources": dict(r.quality_sources), "test_call_s": r.test_call_s,
            "problems": [p.value for p in r.problems],
            "detail": r.detail,
        } for r in report.rows],
    }


def from_json(data: Mapping[str, Any] | str) -> ReadinessReport:
    """The report back from :func:`to_json` output (a dict or its JSON text)."""
    doc = json.loads(data) if isinstance(data, str) else data
    try:
        rows = tuple(ReadinessRow(
            site=r["site"], name=r["name"], level=Level(r["level"]), unit=r["unit"],
            mcu=r["mcu"], carrier=r["carrier"], status=Status(r["status"]),
            connection=ConnectionState(r["connection"]) if r["connection"] else None,
            loss_percent=r["loss_percent"], jitter_ms=r["jitter_ms"], delay_ms=r["delay_ms"],
            quality_ok=r["quality_ok"], quality_source=r.get("quality_source", ""),
            quality_sources=_sources(r.get("quality_sources")),
            test_call_s=r["test_call_s"],
            problems=tuple(Problem(p) for p in r["problems"]), detail=r["detail"],
            contact=r["contact"]) for r in doc["rows"])
        calls = tuple(TestCall(c["site"], c["seconds"], c["ok"], c["reason"])
                      for c in doc["test_calls"])
        thresholds = QualityThresholds(**doc["thresholds"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError("not a readiness report", operation="read readiness JSON",
                          got=f"{type(exc).__name__}: {exc}"[:200]) from exc
    return ReadinessReport(rows, calls, thresholds, doc.get("checked_at", 0.0),
                           doc.get("duration_s", 0.0))


def _sources(raw: Any) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping) or not all(
            k in FIGURE_NAMES and isinstance(v, str) for k, v in raw.items()):
        raise ValueError(f"quality_sources: figure -> source, got {raw!r}"[:200])
    return dict(raw)


_STYLE = {Status.READY: "green", Status.DEGRADED: "yellow", Status.NOT_READY: "bold red"}


def rich_table(report: ReadinessReport, *, lang: str = "vi", limit: int | None = None,
               problems_first: bool = True) -> Any:
    """A :class:`rich.table.Table` of the form; ``limit`` rows at most (problem rows
    first when ``problems_first``), with the counts in the caption. The quality column
    gives the verdict and, below it, the source of loss / jitter / delay (the figures are
    in the CSV and JSON, and in the problem note)."""
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    lab = _labels(lang)
    rows = list(report.rows)
    if problems_first:
        order = {Status.NOT_READY: 0, Status.DEGRADED: 1, Status.READY: 2}
        rows.sort(key=lambda r: order[r.status])
    shown = rows if limit is None else rows[:limit]
    counts = " · ".join(f"{lab[s.value]}: {report.count(s):,}" for s in Status)
    more = f" ({len(rows) - len(shown):,} more)" if len(shown) < len(rows) else ""
    table = Table(title=lab["title"], caption=counts + more, box=box.SIMPLE_HEAD,
                  pad_edge=False, collapse_padding=True)
    for col in ("site", "level", "unit", "mcu", "status", "quality", "contact"):
        wrap = col in ("unit", "contact")  # the rest keeps one line on 80 columns
        table.add_column(lab[col], overflow="fold" if wrap else "ellipsis", no_wrap=not wrap,
                         min_width=8 if wrap else None)
    for r in shown:
        status = f"[{_STYLE[r.status]}]{escape(lab[r.status.value])}[/]"
        if r.problems:
            status += "\n" + escape(", ".join(lab[f"problem.{p.value}"] for p in r.problems))
        quality = lab["unknown" if r.quality_ok is None else "good" if r.quality_ok else "poor"]
        if r.quality_sources:  # where loss / jitter / delay came from, "–": not measured
            quality += "\n" + escape("/".join(
                source_label(r.quality_sources.get(f), lang) or "–" for f in FIGURE_NAMES))
        table.add_row(escape(r.site), lab[r.level.value], escape(r.unit), escape(r.mcu),
                      status, quality, escape(r.contact))
    return table
