"""The meeting record keeps each figure's sources and its unmeasured figures (null in the
file) through save and load, whatever they are (hypothesis); the evaluation follows."""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hnth_drivers.errors import ConfigError
from hnth_drivers.meeting.record import MeetingRecord, SiteEntry, load_record
from hnth_drivers.meeting.report import evaluate, to_json
from hnth_drivers.monitor.quality import FIGURE_NAMES, SOURCES

figure = st.one_of(st.just(math.nan), st.floats(0, 1e4, allow_nan=False))
sample = st.tuples(st.floats(0, 100, allow_nan=False), figure, figure, figure)
sources = st.dictionaries(st.sampled_from(FIGURE_NAMES),
                          st.lists(st.sampled_from(SOURCES), min_size=1, unique=True))


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.sampled_from(["s1", "s2", "s3"]),
                       st.tuples(st.lists(sample, max_size=5), sources), max_size=3))
def test_samples_and_sources_survive_the_file(got: dict[str, tuple[list[tuple[float, ...]],
                                                                   dict[str, list[str]]]]
                                              ) -> None:
    record = MeetingRecord("m", "t", 0.0, 200.0)
    for site, (rows, seen) in got.items():
        record.sites[site] = SiteEntry(site, site, "commune", "u", "mcu", "c")
        record.samples[site] = [(float(a), b, c, d) for a, b, c, d in rows]
        record.sources[site] = seen
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "r.json"
        record.save(path)
        text = path.read_text(encoding="utf-8")
        assert "NaN" not in text  # JSON has none: an unmeasured figure is null
        back = load_record(path)
    assert back.sources == record.sources
    for site, rows in record.samples.items():
        assert all(_same(x, y) for r, s in zip(rows, back.samples[site], strict=True)
                   for x, y in zip(r, s, strict=True))
    report = to_json(evaluate(back))
    for entry in report["sites"]:
        rows = record.samples[entry["id"]]
        for i, name in ((1, "loss_percent"), (2, "jitter_ms"), (3, "delay_ms")):
            if all(math.isnan(r[i]) for r in rows):  # never measured: no percentiles
                assert entry[name] is None
    json.dumps(report, allow_nan=False)  # the report is valid JSON too


def test_a_record_without_sources_still_reads_and_bad_sources_are_refused(
        tmp_path: Path) -> None:
    record = MeetingRecord("m", "t", 0.0, 10.0)
    doc = record.to_json()
    del doc["sources"]  # a record written before sources existed
    assert MeetingRecord.from_json(doc).sources == {}
    doc["sources"] = {"s1": {"mos": ["mcu"]}}
    with pytest.raises(ConfigError):
        MeetingRecord.from_json(doc)
    doc["sources"] = {"s1": {"loss": "mcu"}}
    with pytest.raises(ConfigError):
        MeetingRecord.from_json(doc)
