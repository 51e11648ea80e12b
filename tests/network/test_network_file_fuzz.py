"""Random network files: each one loads or is refused with file:line: key lines, never a
traceback of another kind."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hnth_drivers.network import NetworkFileError, load_network

from .conftest import VALID

LINES = VALID.splitlines()
_SCALARS = st.one_of(st.integers(-5, 300), st.booleans(), st.text(max_size=12),
                     st.floats(allow_nan=False, allow_infinity=False))
_JSON = st.recursive(_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(
        ["id", "name", "mcus", "sites", "links", "snmp", "chair", "level", "room", "x"]),
        inner, max_size=5)), max_leaves=20)


def _check(path: Path) -> None:
    problems: list[str] = []
    try:
        load_network(path)
    except NetworkFileError as exc:
        problems = exc.lines() or ["(no problem listed)"]
    pattern = re.compile(rf"^{re.escape(str(path))}:(\d+|\?): \S+: .+$")
    for line in problems:
        assert pattern.match(line), line


def _dir() -> Path:
    d = Path(tempfile.mkdtemp(prefix="hnth-net-fuzz-"))
    (d / "ca.pem").write_text("x")
    (d / "known_hosts").write_text("")
    return d


_DIR = _dir()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, len(LINES) - 1),
                          st.sampled_from(["drop", "dup", "value", "key"]), _SCALARS),
                min_size=1, max_size=4))
def test_mutated_toml_files(edits: list[tuple[int, str, object]]) -> None:
    lines = list(LINES)
    for index, how, value in edits:
        index %= len(lines)
        if how == "drop":
            del lines[index]
        elif how == "dup":
            lines.insert(index, lines[index])
        elif how == "value" and "=" in lines[index]:
            lines[index] = lines[index].split("=", 1)[0] + "= " + json.dumps(value)
        elif how == "key" and "=" in lines[index]:
            lines[index] = "k" + lines[index]
        if not lines:
            lines = ["x = 1"]
    path = _DIR / "network.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _check(path)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from(["name", "chair", "mcus", "sites", "links", "snmp",
                                        "conference", "secrets", "other"]), _JSON,
                       max_size=6))
def test_random_json_documents(doc: dict[str, object]) -> None:
    path = _DIR / "network.json"
    path.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    _check(path)
