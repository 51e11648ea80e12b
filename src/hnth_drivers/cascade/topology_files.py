"""Reading and writing topology files (TOML, JSON, CSV) with line-precise errors.

TOML: ``name = "..."``, an optional ``reserve`` (the default spare ports of every MCU),
then one ``[[sites]]`` table per site (``id``, ``name``, ``level``, ``parent``) and one
``[[mcus]]`` table per MCU (``id``, ``operator``, ``driver``, ``address``, ``capacity``,
``area``, ``role``, optional ``name`` and ``reserve``: ports, or a percentage as ``"15%"``).
JSON: an object with the same ``name``, ``reserve``, ``sites`` and ``mcus``. CSV: one row
per entry with a ``kind`` column (``site`` or ``mcu``) and the union of those columns;
empty cells are absent values.

The parsers keep where each entry and each field was written, so every error names the line
and the field (``mcus[2].capacity``).
"""

from __future__ import annotations

import csv
import io
import json
import re
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import documents
from ..errors import ConfigError
from ..model import Level, Site
from .topology import McuRole, McuSpec, Topology, TopologyError

__all__ = ["dumps", "load", "loads"]

SITE_FIELDS = ("id", "name", "level", "parent")
MCU_FIELDS = ("id", "operator", "driver", "address", "capacity", "area", "role", "name",
              "reserve")
CSV_COLUMNS = ("kind", "id", "name", "level", "parent", "operator", "driver", "address",
               "capacity", "area", "role", "reserve")
_REQUIRED = {"sites": ("id", "name", "level"),
             "mcus": ("id", "operator", "driver", "address", "capacity", "area")}


@dataclass
class _Entry:
    """One site or MCU as read: its values, and the line of the entry and of each field."""

    kind: str
    index: int
    line: int | None
    values: dict[str, Any]
    lines: dict[str, int] = field(default_factory=dict)

    def where(self, fld: str) -> int | None:
        return self.lines.get(fld, self.line)

    def line_map(self) -> dict[str, int]:
        """Field → line, with the entry's own line under ``""``."""
        return {**self.lines, **({"": self.line} if self.line is not None else {})}


def load(path: Path, fmt: str | None = None) -> Topology:
    """Read ``path``; the format comes from ``fmt`` or the file's suffix."""
    kind = (fmt or path.suffix.lstrip(".")).lower()
    with _hardened(str(path)):
        text = documents.read_text(path, what="topology file")
    return loads(text, kind, source=str(path), default_name=path.stem)


@contextmanager
def _hardened(source: str) -> Iterator[None]:
    """The shared document checks (size, binary, nesting, numbers, control characters),
    reported as a TopologyError naming the file."""
    try:
        yield
    except TopologyError:
        raise
    except ConfigError as exc:
        raise TopologyError(exc.message, source=source, expected=exc.expected,
                            got=exc.got) from None


def loads(text: str, fmt: str, *, source: str = "<string>",
          default_name: str = "topology") -> Topology:
    """Parse a topology from text in ``fmt`` (``toml``, ``json`` or ``csv``)."""
    with _hardened(source):
        documents.check_text(text, source=source, what="topology file")
    if fmt == "toml":
        name, entries = _read_toml(text, source)
    elif fmt == "json":
        name, entries = _read_json(text, source)
    elif fmt == "csv":
        name, entries = None, _read_csv(text, source)
    else:
        raise TopologyError("unknown topology format", source=source,
                            expected="toml, json or csv", got=repr(fmt))
    return _build(name or default_name, entries, source)


# --- TOML -------------------------------------------------------------------------------

_TOML_HEADER = re.compile(r"^\s*\[\[\s*(sites|mcus)\s*\]\]\s*(#.*)?$")
_TOML_TABLE = re.compile(r"^\s*\[")
_TOML_KEY = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*=")


def _read_toml(text: str, source: str) -> tuple[str | None, list[_Entry]]:
    try:
        doc = tomllib.loads(text)
    except ValueError as exc:  # TOMLDecodeError, or an integer too long to convert
        line = _line_from_message(str(exc))
        raise TopologyError(f"not valid TOML: {str(exc)[:200]}", source=source, line=line
                            ) from None
    with _hardened(source):
        documents.check_tree(doc, source=source, what="topology file")
    # tomllib keeps no positions: find each [[sites]] / [[mcus]] block and its keys.
    blocks: dict[str, list[tuple[int, dict[str, int]]]] = {"sites": [], "mcus": []}
    current: dict[str, int] | None = None
    for n, raw in enumerate(text.splitlines(), start=1):
        header = _TOML_HEADER.match(raw)
        if header:
            current = {}
            blocks[header.group(1)].append((n, current))
        elif _TOML_TABLE.match(raw):
            current = None
        elif current is not None and (key := _TOML_KEY.match(raw)):
            current.setdefault(key.group(1), n)
    name = doc.get("name")
    entries: list[_Entry] = []
    for kind in ("sites", "mcus"):
        items = doc.get(kind, [])
        if not isinstance(items, list):
            raise TopologyError(f"{kind} must be an array of tables", source=source,
                                field=kind, got=type(items).__name__)
        for i, item in enumerate(items):
            line, keys = blocks[kind][i] if i < len(blocks[kind]) else (None, {})
            entries.append(_entry(kind, i, item, line, keys, source))
    top = next((n for n, raw in enumerate(text.splitlines(), start=1)
                if re.match(r"^\s*reserve\s*=", raw)), None)
    _default_reserve(doc.get("reserve"), entries, source, top)
    return _name(name, source), entries


def _line_from_message(message: str) -> int | None:
    found = re.search(r"line (\d+)", message)
    return int(found.group(1)) if found else None


# --- JSON -------------------------------------------------------------------------------

def _read_json(text: str, source: str) -> tuple[str | None, list[_Entry]]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TopologyError(f"not valid JSON: {exc.msg}", source=source,
                            line=exc.lineno) from None
    except ValueError as exc:  # an integer too long to convert
        raise TopologyError(f"not valid JSON: {str(exc)[:200]}", source=source) from None
    with _hardened(source):
        documents.check_tree(doc, source=source, what="topology file")
    if not isinstance(doc, dict):
        raise TopologyError("a JSON topology is an object", source=source, line=1,
                            expected='{"name", "sites", "mcus"}', got=type(doc).__name__)
    starts = dict(_json_array_items(text))
    entries: list[_Entry] = []
    for kind in ("sites", "mcus"):
        items = doc.get(kind, [])
        if not isinstance(items, list):
            raise TopologyError(f"{kind} must be an array of objects", source=source,
                                field=kind, got=type(items).__name__)
        spans = starts.get(kind, [])
        for i, item in enumerate(items):
            line: int | None = None
            keys: dict[str, int] = {}
            if i < len(spans):
                start, end = spans[i]
                line, keys = _json_keys(text, start, end)
            entries.append(_entry(kind, i, item, line, keys, source))
    top = re.search(r'^\s*"reserve"\s*:', text, re.MULTILINE)
    _default_reserve(doc.get("reserve"), entries, source,
                     text.count("\n", 0, top.start()) + 1 if top else None)
    return _name(doc.get("name"), source), entries


def _json_array_items(text: str) -> Iterator[tuple[str, list[tuple[int, int]]]]:
    """For each top-level key holding an array: the (start, end) offsets of its items."""
    decoder = json.JSONDecoder()
    pos = _skip(text, 0)
    if text[pos:pos + 1] != "{":
        return
    pos += 1
    while True:
        pos = _skip(text, pos)
        if text[pos:pos + 1] in ("}", ""):
            return
        key, pos = decoder.raw_decode(text, pos)
        pos = text.index(":", pos) + 1
        pos = _skip(text, pos, "")
        if text[pos:pos + 1] == "[":
            spans: list[tuple[int, int]] = []
            pos += 1
            while True:
                pos = _skip(text, pos)
                if text[pos:pos + 1] == "]":
                    pos += 1
                    break
                _, end = decoder.raw_decode(text, pos)
                spans.append((pos, end))
                pos = end
            yield str(key), spans
        else:
            _, pos = decoder.raw_decode(text, pos)


def _skip(text: str, pos: int, also: str = ",") -> int:
    while pos < len(text) and (text[pos].isspace() or text[pos] in also):
        pos += 1
    return pos


def _json_keys(text: str, start: int, end: int) -> tuple[int, dict[str, int]]:
    line = text.count("\n", 0, start) + 1
    keys: dict[str, int] = {}
    for found in re.finditer(r'"([A-Za-z0-9_-]+)"\s*:', text[start:end]):
        keys.setdefault(found.group(1), line + text.count("\n", start, start + found.start()))
    return line, keys


# --- CSV --------------------------------------------------------------------------------

def _read_csv(text: str, source: str) -> list[_Entry]:
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    unknown = [c for c in header if c not in CSV_COLUMNS]
    if "kind" not in header or unknown:
        raise TopologyError("bad CSV header", source=source, line=1, field=",".join(unknown)
                            or "kind", expected=",".join(CSV_COLUMNS), got=",".join(header))
    entries: list[_Entry] = []
    counts = {"sites": 0, "mcus": 0}
    for row in reader:
        line = reader.line_num
        kind = {"site": "sites", "mcu": "mcus"}.get((row.get("kind") or "").strip())
        if kind is None:
            raise TopologyError("unknown row kind", source=source, line=line, field="kind",
                                expected="site or mcu", got=repr(row.get("kind")))
        allowed = SITE_FIELDS if kind == "sites" else MCU_FIELDS
        values: dict[str, Any] = {}
        for col, cell in row.items():
            if col in (None, "kind") or cell is None or not cell.strip():
                continue
            if col not in allowed:
                raise TopologyError(f"column {col!r} does not apply to a {row['kind']} row",
                                    source=source, line=line, field=f"{kind}[{counts[kind]}]."
                                    f"{col}", expected="an empty cell", got=repr(cell))
            values[col] = (int(cell) if col in ("capacity", "reserve") and _is_int(cell)
                           else cell.strip())
        entries.append(_Entry(kind, counts[kind], line, values))
        counts[kind] += 1
    return entries


def _is_int(cell: str) -> bool:
    return re.fullmatch(r"\s*-?\d+\s*", cell) is not None


# --- common -----------------------------------------------------------------------------

def _default_reserve(value: object, entries: list[_Entry], source: str,
                     line: int | None) -> None:
    """Give a top-level ``reserve`` to every MCU that does not set its own."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TopologyError("invalid reserve", source=source, line=line, field="reserve",
                            expected="a port count or a percentage like '10%'",
                            got=type(value).__name__)
    for e in entries:
        if e.kind == "mcus" and isinstance(e.values, dict) and "reserve" not in e.values:
            e.values["reserve"] = value
            if line is not None:
                e.lines["reserve"] = line


def _name(value: object, source: str) -> str | None:
    if value is None or (isinstance(value, str) and value.strip()):
        return value
    raise TopologyError("invalid topology name", source=source, field="name",
                        expected="non-empty text", got=repr(value))


def _entry(kind: str, i: int, item: object, line: int | None, keys: dict[str, int],
           source: str) -> _Entry:
    if not isinstance(item, dict):
        raise TopologyError(f"each of {kind} must be a table/object", source=source, line=line,
                            field=f"{kind}[{i}]", got=type(item).__name__)
    return _Entry(kind, i, line, dict(item), keys)


def _build(name: str, entries: list[_Entry], source: str) -> Topology:
    sites: list[Site] = []
    mcus: list[McuSpec] = []
    site_lines: list[dict[str, int]] = []
    mcu_lines: list[dict[str, int]] = []
    for e in entries:
        allowed = SITE_FIELDS if e.kind == "sites" else MCU_FIELDS
        for fld in e.values:
            if fld not in allowed:
                raise _at(e, fld, source, f"unknown field {fld!r}",
                          expected=", ".join(allowed), got=repr(fld))
        for fld in _REQUIRED[e.kind]:
            if e.values.get(fld) is None:
                raise _at(e, fld, source, f"missing field {fld!r}", expected="a value",
                          got="nothing")
        if e.kind == "sites":
            sites.append(_site(e, source))
            site_lines.append(e.line_map())
        else:
            mcus.append(_mcu(e, source))
            mcu_lines.append(e.line_map())
    return Topology.build(name, sites, mcus, source=source, site_lines=site_lines,
                          mcu_lines=mcu_lines)


def _at(e: _Entry, fld: str, source: str, message: str, *, expected: str | None = None,
        got: str | None = None) -> TopologyError:
    return TopologyError(message, source=source, line=e.where(fld),
                         field=f"{e.kind}[{e.index}].{fld}", expected=expected, got=got)


def _site(e: _Entry, source: str) -> Site:
    v = e.values
    try:
        level = Level(v["level"])
    except ValueError:
        raise _at(e, "level", source, "unknown level",
                  expected=", ".join(lv.value for lv in Level), got=repr(v["level"])) from None
    try:
        return Site(v["id"], v["name"], level, v.get("parent"))
    except ConfigError as exc:
        fld = (exc.message.rsplit(".", 1)[-1]) if exc.message.startswith("invalid") else "id"
        raise _at(e, fld, source, exc.message, expected=exc.expected, got=exc.got) from None


def _mcu(e: _Entry, source: str) -> McuSpec:
    v = e.values
    try:
        role = McuRole(v.get("role", "slave"))
    except ValueError:
        raise _at(e, "role", source, "unknown role", expected="master, slave or standby",
                  got=repr(v.get("role"))) from None
    try:
        return McuSpec(v["id"], v["operator"], v["driver"], v["address"], v["capacity"],
                       v["area"], role, v.get("name"), v.get("reserve"))
    except TopologyError as exc:
        raise _at(e, exc.field or "id", source, exc.message, expected=exc.expected,
                  got=exc.got) from None


def dumps(topology: Topology, fmt: str) -> str:
    """Write ``topology`` as ``toml``, ``json`` or ``csv`` text that :func:`loads` reads back."""
    sites = [{"id": s.id, "name": s.name, "level": s.level.value, "parent": s.parent}
             for s in topology.sites]
    mcus = [{"id": m.id, "operator": m.operator, "driver": m.driver, "address": m.address,
             "capacity": m.capacity, "area": m.area, "role": m.role.value, "name": m.name,
             "reserve": m.reserve}
            for m in topology.mcus]
    if fmt == "json":
        clean = {"name": topology.name,
                 "sites": [{k: x for k, x in s.items() if x is not None} for s in sites],
                 "mcus": [{k: x for k, x in m.items() if x is not None} for m in mcus]}
        return json.dumps(clean, ensure_ascii=False, indent=1) + "\n"
    if fmt == "toml":
        out = [f"name = {json.dumps(topology.name, ensure_ascii=False)}"]
        for kind, rows in (("sites", sites), ("mcus", mcus)):
            for row in rows:
                out.append(f"\n[[{kind}]]")
                # JSON string escapes are valid TOML basic-string escapes.
                out += [f"{k} = {json.dumps(x, ensure_ascii=False)}"
                        for k, x in row.items() if x is not None]
        return "\n".join(out) + "\n"
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in sites:
            writer.writerow({"kind": "site", **{k: x for k, x in row.items() if x is not None}})
        for row in mcus:
            writer.writerow({"kind": "mcu", **{k: x for k, x in row.items() if x is not None}})
        return buf.getvalue()
    raise TopologyError("unknown topology format", expected="toml, json or csv", got=repr(fmt))
