"""Where each key of a TOML or JSON document was written (line numbers for errors).

``tomllib`` and ``json`` keep no positions, so the text is scanned a second time:

* TOML: a line scanner follows table headers (``[a.b]``, ``[[a]]`` with its element
  count), ``key = value`` lines (dotted and quoted keys) and the keys of one-line inline
  tables. A key written inside a multi-line array is not located; its error names the
  nearest located ancestor's line instead (:func:`line_of`).
* JSON: a small walker over the text (strings decoded with :func:`json.decoder.scanstring`,
  scalars with :meth:`json.JSONDecoder.raw_decode`) records the line of every key and
  array element. It runs only on text ``json.loads`` accepted.

Paths are tuples of keys and array indexes: ``("sites", 3, "room", "cameras", 0)``.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Mapping

__all__ = ["Path", "json_lines", "line_of", "toml_lines"]

Path = tuple[str | int, ...]

_AOT = re.compile(r"^\s*\[\[\s*([^\]]+?)\s*\]\]")
_TABLE = re.compile(r"^\s*\[\s*([^\]\[]+?)\s*\]")
_KEY = re.compile(r'^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|\'[^\']*\')'
                  r'(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|\'[^\']*\'))*)\s*=\s*(.*)$')
_SIMPLE_KEY = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*=\s*(\{)?")
_INLINE_KEY = re.compile(r'[{,]\s*([A-Za-z0-9_-]+|"[^"]*")\s*=')


def _split_key(key: str) -> list[str]:
    parts = re.findall(r'[A-Za-z0-9_-]+|"[^"]*"|\'[^\']*\'', key)
    return [p[1:-1] if p[:1] in "\"'" else p for p in parts]


def toml_lines(text: str) -> dict[Path, int]:
    """Line (1-based) of every table, array-of-tables element and key found in ``text``."""
    lines: dict[Path, int] = {}
    last_index: dict[Path, int] = {}
    current: Path = ()

    def resolve(keys: list[str]) -> Path:
        path: Path = ()
        for key in keys:
            path = (*path, key)
            if path in last_index:
                path = (*path, last_index[path])
        return path

    for n, raw in enumerate(text.splitlines(), start=1):
        if (simple := _SIMPLE_KEY.match(raw)) is not None:  # the common case, fast
            path = (*current, simple.group(1))
            lines.setdefault(path, n)
            if simple.group(2) == "{":
                for inner in _INLINE_KEY.finditer(raw, simple.end(2) - 1):
                    lines.setdefault((*path, inner.group(1).strip('"')), n)
            continue
        if (aot := _AOT.match(raw)) is not None:
            keys = _split_key(aot.group(1))
            parent = resolve(keys[:-1])
            array = (*parent, keys[-1])
            index = last_index.get(array, -1) + 1
            last_index[array] = index
            current = (*array, index)
            lines.setdefault(array, n)
            lines[current] = n
        elif (table := _TABLE.match(raw)) is not None:
            current = resolve(_split_key(table.group(1)))
            lines.setdefault(current, n)
        elif (key := _KEY.match(raw)) is not None:
            path = (*current, *_split_key(key.group(1)))
            lines.setdefault(path, n)
            value = key.group(2)
            if value.startswith("{"):
                for inner in _INLINE_KEY.finditer(value):
                    lines.setdefault((*path, inner.group(1).strip('"')), n)
    return lines


def json_lines(text: str) -> dict[Path, int]:
    """Line of every key and array element of a JSON document ``json.loads`` accepted."""
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    decoder = json.JSONDecoder()
    lines: dict[Path, int] = {}
    ws = re.compile(r"[ \t\r\n]*")

    def line(pos: int) -> int:
        return bisect.bisect_right(starts, pos)

    def skip(pos: int) -> int:
        match = ws.match(text, pos)
        return match.end() if match else pos

    def value(pos: int, path: Path) -> int:
        pos = skip(pos)
        lines.setdefault(path, line(pos))
        char = text[pos:pos + 1]
        if char == "{":
            pos = skip(pos + 1)
            if text[pos:pos + 1] == "}":
                return pos + 1
            while True:
                pos = skip(pos)
                key, end = json.decoder.scanstring(text, pos + 1)  # type: ignore[attr-defined]
                lines[(*path, key)] = line(pos)
                pos = skip(end)
                pos = value(pos + 1, (*path, key))  # past the ':'
                pos = skip(pos)
                if text[pos] == "}":
                    return pos + 1
                pos += 1  # ','
        if char == "[":
            pos = skip(pos + 1)
            if text[pos:pos + 1] == "]":
                return pos + 1
            index = 0
            while True:
                pos = value(pos, (*path, index))
                pos = skip(pos)
                index += 1
                if text[pos] == "]":
                    return pos + 1
                pos += 1
        _, end = decoder.raw_decode(text, pos)
        return int(end)

    value(0, ())
    return lines


def line_of(lines: Mapping[Path, int], path: Path) -> int | None:
    """The line of ``path``, else of its nearest located ancestor (``None`` if none)."""
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return lines.get(())
