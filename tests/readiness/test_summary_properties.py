"""The summary form reads back exactly, whatever the text and figures (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from hnth_drivers.meeting.readiness import Problem, ReadinessReport, ReadinessRow, Status
from hnth_drivers.meeting.summary import from_json, read_csv, to_json, write_csv
from hnth_drivers.model import ConnectionState, Level
from hnth_drivers.monitor.quality import FIGURE_NAMES, SOURCES, sources_text

text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
               max_size=40)
figure = st.floats(min_value=0, max_value=1e5, allow_nan=False)


@st.composite
def rows(draw: st.DrawFn) -> ReadinessRow:
    # each figure measured or not, each measured one from its own source
    sources = {f: draw(st.sampled_from(SOURCES)) for f in FIGURE_NAMES if draw(st.booleans())}
    measured = bool(sources)
    problems = tuple(draw(st.lists(st.sampled_from(list(Problem)), unique=True, max_size=4)))
    if not measured:
        problems = tuple(p for p in problems if p is not Problem.QUALITY)
    return ReadinessRow(
        site=draw(st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True)), name=draw(text),
        level=draw(st.sampled_from(list(Level))), unit=draw(text), mcu=draw(text),
        carrier=draw(text), status=draw(st.sampled_from(list(Status))),
        connection=draw(st.none() | st.sampled_from(list(ConnectionState))),
        loss_percent=draw(figure) if "loss" in sources else None,
        jitter_ms=draw(figure) if "jitter" in sources else None,
        delay_ms=draw(figure) if "delay" in sources else None,
        quality_ok=(Problem.QUALITY not in problems) if measured else None,
        quality_source=sources_text(sources), quality_sources=sources,
        test_call_s=draw(st.none() | figure), problems=problems, detail=draw(text),
        contact=draw(text))


@settings(max_examples=60, deadline=None)
@given(st.lists(rows(), max_size=8), st.sampled_from(["vi", "en"]))
def test_csv_and_json_read_back_the_same_rows(found: list[ReadinessRow], lang: str) -> None:
    report = ReadinessReport(tuple(found))
    assert read_csv(write_csv(report, lang=lang)) == found
    assert from_json(to_json(report, lang=lang)) == report


def test_every_code_has_a_label_in_both_languages() -> None:
    from hnth_drivers.meeting.summary import COLUMNS, LABELS

    keys = {*COLUMNS, "title", "good", "poor", "unknown", *(s.value for s in Status),
            *(f"source.{s}" for s in SOURCES),
            *(lv.value for lv in Level), *(f"problem.{p.value}" for p in Problem)}
    for lang, labels in LABELS.items():
        assert keys <= set(labels), (lang, keys - set(labels))
    assert set(LABELS["vi"]) == set(LABELS["en"])
