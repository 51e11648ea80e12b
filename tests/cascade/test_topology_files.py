"""Topology files: every kind of bad input names the line and the field, in every format."""

from __future__ import annotations

import copy
import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cascade_gen import topologies
from hypothesis import given, settings
from hypothesis import strategies as st

from hnth_drivers.cascade.profiles import profile
from hnth_drivers.cascade.topology import Topology, TopologyError, load_topology
from hnth_drivers.cascade.topology_files import CSV_COLUMNS, dumps, loads

FORMATS = ("toml", "json", "csv")

BASE: dict[str, Any] = {
    "name": "sample",
    "sites": [
        {"id": "gov", "name": "Government", "level": "government"},
        {"id": "p1", "name": "Province 1", "level": "province", "parent": "gov"},
        {"id": "p1-c1", "name": "Commune 1", "level": "commune", "parent": "p1"},
        {"id": "p1-c2", "name": "Commune 2", "level": "commune", "parent": "p1"},
        {"id": "p2", "name": "Province 2", "level": "province", "parent": "gov"},
    ],
    "mcus": [
        {"id": "central", "operator": "central office", "driver": "codian",
         "address": "https://central.example", "capacity": 20, "area": "gov",
         "role": "master"},
        {"id": "vnpt-p1", "operator": "VNPT", "driver": "smc",
         "address": "https://vnpt-p1.example", "capacity": 12, "area": "p1"},
    ],
}


def emit(doc: dict[str, Any], fmt: str) -> str:
    """Write a (possibly invalid) topology document as the given format."""
    if fmt == "json":
        return json.dumps(doc, indent=1)
    if fmt == "toml":
        out = [f"name = {json.dumps(doc['name'])}"]
        for kind in ("sites", "mcus"):
            for entry in doc[kind]:
                out.append(f"\n[[{kind}]]")
                out += [f"{k} = {json.dumps(v)}" for k, v in entry.items()]
        return "\n".join(out) + "\n"
    buf = io.StringIO()
    writer = csv.DictWriter(buf, CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for kind, label in (("sites", "site"), ("mcus", "mcu")):
        for entry in doc[kind]:
            writer.writerow({"kind": label, **entry})
    return buf.getvalue()


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """1-based line of the nth line containing ``needle``."""
    hits = [n for n, line in enumerate(text.splitlines(), 1) if needle in line]
    return hits[nth - 1]


Case = tuple[str, Callable[[dict[str, Any]], None], str, str, int, str]

CASES: list[Case] = [
    # (name, mutate, expected field, needle locating the line, nth hit, message part)
    ("unknown parent", lambda d: d["sites"][3].update(parent="p9"),
     "sites[3].parent", "p9", 1, "unknown parent"),
    ("cycle", lambda d: (d["sites"][1].update(parent="p1-c1")),
     "sites[1].parent", '"p1-c1"', 1, "cycle"),
    ("duplicate site", lambda d: d["sites"][4].update(id="p1"),
     "sites[4].id", "id=p1", 2, "duplicate site id"),
    ("duplicate mcu", lambda d: d["mcus"][1].update(id="central"),
     "mcus[1].id", "id=central", 2, "duplicate MCU id"),
    ("outside every area", lambda d: (d["sites"].append(
        {"id": "lost", "name": "Lost", "level": "province"}),
        d["mcus"][0].update(area="gov")),
     "sites[5].id", '"lost"', 1, "outside every MCU's area"),
    ("negative capacity", lambda d: d["mcus"][1].update(capacity=-4),
     "mcus[1].capacity", "-4", 1, "negative capacity"),
    ("unknown area", lambda d: d["mcus"][1].update(area="p7"),
     "mcus[1].area", '"p7"', 1, "unknown area"),
    ("bad level", lambda d: d["sites"][2].update(level="hamlet"),
     "sites[2].level", "hamlet", 1, "unknown level"),
    ("bad id", lambda d: d["sites"][2].update(id="bad id!"),
     "sites[2].id", "bad id!", 1, "invalid Site.id"),
    ("two masters", lambda d: d["mcus"][1].update(role="master"),
     "mcus[1].role", '"master"', 2, "exactly one master"),
    ("bad role", lambda d: d["mcus"][1].update(role="boss"),
     "mcus[1].role", "boss", 1, "unknown role"),
    ("bad driver", lambda d: d["mcus"][1].update(driver="Bad Driver"),
     "mcus[1].driver", "Bad Driver", 1, "invalid driver"),
    ("missing field", lambda d: d["mcus"][1].pop("address"),
     "mcus[1].address", '"vnpt-p1"', 1, "missing field"),
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_each_error_names_line_and_field(fmt: str, case: Case, tmp_path: Path) -> None:
    name, mutate, field, needle, nth, message = case
    doc = copy.deepcopy(BASE)
    mutate(doc)
    text = emit(doc, fmt)
    path = tmp_path / f"bad.{fmt}"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TopologyError) as info:
        load_topology(path)
    err = info.value
    assert err.field == field
    assert err.source == str(path)
    assert message in str(err)
    if fmt == "csv":  # one row per entry: sites first, then MCUs, after the header
        kind, index = field.split("]")[0].split("[")
        expected = 2 + int(index) + (len(doc["sites"]) if kind == "mcus" else 0)
    else:
        if needle.startswith("id="):
            value = json.dumps(needle[3:])
            needle = f"id = {value}" if fmt == "toml" else f'"id": {value}'
        expected = line_of(text, needle, nth)
        if name == "missing field":
            # errors about a field that is absent or the entry as a whole: where it starts
            expected = _entry_start(text, fmt, expected)
    assert err.line == expected, f"{name}/{fmt}: {err}"
    assert f"{path}:{expected}" in str(err)


def _entry_start(text: str, fmt: str, line: int) -> int:
    """The line where the entry holding ``line`` begins ([[...]] or '{')."""
    lines = text.splitlines()
    marker = "[[" if fmt == "toml" else "{"
    for n in range(line, 0, -1):
        if lines[n - 1].strip().startswith(marker):
            return n
    raise AssertionError("no entry start")


@pytest.mark.parametrize("fmt", FORMATS)
def test_valid_file_loads(fmt: str) -> None:
    topo = loads(emit(copy.deepcopy(BASE), fmt), fmt)
    assert [s.id for s in topo.sites] == ["gov", "p1", "p1-c1", "p1-c2", "p2"]
    assert topo.master.id == "central"
    assert topo.mcu("vnpt-p1").capacity == 12
    assert [m.id for m in topo.covering("p1-c2")] == ["vnpt-p1", "central"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_national_profile_round_trips(fmt: str) -> None:
    topo = profile("vn-2025")
    again = loads(dumps(topo, fmt), fmt, default_name="vn-2025")  # CSV has no name row
    assert again.sites == topo.sites and again.mcus == topo.mcus and again.name == topo.name


@pytest.mark.parametrize(("fmt", "text", "line"), [
    ("toml", 'name = "x"\n[[sites]]\nid = "a"\nname = \n', 4),
    ("json", '{"name": "x",\n "sites": [\n  {"id": "a",}\n ]}', 3),
])
def test_syntax_errors_name_the_line(fmt: str, text: str, line: int) -> None:
    with pytest.raises(TopologyError) as info:
        loads(text, fmt, source="f")
    assert info.value.line == line


def test_csv_rejects_unknown_columns_and_kinds() -> None:
    with pytest.raises(TopologyError) as info:
        loads("kind,id,colour\nsite,a,red\n", "csv")
    assert (info.value.line, info.value.field) == (1, "colour")
    with pytest.raises(TopologyError) as info:
        loads("kind,id,name,level\nroom,a,A,room\n", "csv")
    assert (info.value.line, info.value.field) == (2, "kind")


def test_unknown_toml_field_is_named() -> None:
    text = emit(copy.deepcopy(BASE), "toml").replace('level = "commune"',
                                                    'level = "commune"\ncolour = "red"', 1)
    with pytest.raises(TopologyError) as info:
        loads(text, "toml", source="t.toml")
    assert info.value.field == "sites[2].colour"
    assert info.value.line == line_of(text, "colour")


@settings(max_examples=60, deadline=None, derandomize=True)
@given(topologies(), st.sampled_from(FORMATS))
def test_any_topology_round_trips(topo: Topology, fmt: str) -> None:
    again = loads(dumps(topo, fmt), fmt, default_name=topo.name)
    assert again.sites == topo.sites and again.mcus == topo.mcus
