"""One hardened way to read the files users hand us (JSON and TOML).

Every loader (topology, meeting, monitor targets, presets, run state, secret store) reads
through here, so that a hostile or broken file is one :class:`ConfigError` naming the
file and what was expected, never a traceback: too large, binary (NUL bytes), not UTF-8,
not JSON/TOML, nested deeper than :data:`MAX_DEPTH`, infinite or NaN numbers, integers
beyond :data:`MAX_INT`, or control characters in text. Domain checks (types, ranges,
names) stay with each loader.
"""

from __future__ import annotations

import json
import math
import os
import re
import tomllib
from pathlib import Path
from typing import Any

from .errors import ConfigError

__all__ = ["MAX_BYTES", "MAX_DEPTH", "MAX_INT", "check_text", "check_tree", "decode_text",
           "load_document", "parse_json", "parse_toml", "read_text"]

MAX_BYTES = 64 * 1024 * 1024
MAX_DEPTH = 64
MAX_INT = 2**63 - 1
# C0 controls except tab, newline and carriage return; DEL; C1 controls.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_OPEN = {ord("["), ord("{")}


def _error(source: str, what: str, message: str, expected: str | None = None,
           got: str | None = None) -> ConfigError:
    return ConfigError(message, device=source, operation=f"read {what}", expected=expected,
                       got=got)


def read_text(path: str | os.PathLike[str], *, what: str, max_bytes: int = MAX_BYTES) -> str:
    """A file's text: UTF-8, no NUL byte, at most ``max_bytes``; ConfigError otherwise."""
    p = Path(path)
    source = str(p)
    try:
        with p.open("rb") as fh:
            data = fh.read(max_bytes + 1)
    except FileNotFoundError:
        raise _error(source, what, "no such file") from None
    except IsADirectoryError:
        raise _error(source, what, "cannot read: a directory, not a file") from None
    except OSError as exc:
        raise _error(source, what, f"cannot read: {exc.strerror or type(exc).__name__}"
                     ) from None
    if len(data) > max_bytes:
        raise _error(source, what, "file too large", expected=f"at most {max_bytes} bytes")
    return decode_text(data, source=source, what=what)


def decode_text(data: bytes, *, source: str, what: str) -> str:
    """Bytes as UTF-8 text without NUL; ConfigError naming the offset otherwise."""
    nul = data.find(b"\0")
    if nul >= 0:
        raise _error(source, what, f"binary file (NUL byte at offset {nul})",
                     expected="UTF-8 text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _error(source, what, f"not UTF-8 text (bad byte at offset {exc.start})",
                     expected="UTF-8 text") from None


def _bracket_depth(text: str) -> int:
    """Nesting of [ and { outside strings (a cheap bound checked before parsing)."""
    depth = deepest = 0
    in_string: str | None = None
    escaped = False
    for ch in text:
        if in_string is not None:
            if escaped:
                escaped = False
            elif ch == "\\" and in_string == '"':
                escaped = True
            elif ch == in_string or ch == "\n":
                in_string = None
        elif ch in "\"'":
            in_string = ch
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth = max(depth - 1, 0)
    return deepest


def check_text(text: str, *, source: str, what: str) -> None:
    """Before parsing text of any format: no NUL, brackets nested at most MAX_DEPTH."""
    if "\0" in text:
        raise _error(source, what, f"binary text (NUL character at offset {text.index(chr(0))})",
                     expected="UTF-8 text")
    _precheck_depth(text, source, what)


def _precheck_depth(text: str, source: str, what: str) -> None:
    # Counting is linear; skip it for text that cannot nest deeply at all.
    if sum(1 for _ in re.finditer(r"[\[{]", text)) > MAX_DEPTH and \
            _bracket_depth(text) > MAX_DEPTH:
        raise _error(source, what, "nested too deeply", expected=f"at most {MAX_DEPTH} levels")


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number this file may hold")


def parse_json(text: str | bytes, *, source: str, what: str) -> Any:
    """Parse JSON text under the limits above."""
    if isinstance(text, bytes):
        text = decode_text(text, source=source, what=what)
    elif "\0" in text:
        raise _error(source, what, "binary text (NUL character)", expected="UTF-8 text")
    _precheck_depth(text, source, what)
    try:
        doc = json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise _error(source, what, "nested too deeply",
                     expected=f"at most {MAX_DEPTH} levels") from None
    except ValueError as exc:
        raise _error(source, what, f"not JSON: {str(exc)[:200]}") from None
    check_tree(doc, source=source, what=what)
    return doc


def parse_toml(text: str, *, source: str, what: str) -> dict[str, Any]:
    """Parse TOML text under the limits above."""
    if "\0" in text:
        raise _error(source, what, "binary text (NUL character)", expected="UTF-8 text")
    _precheck_depth(text, source, what)
    try:
        doc = tomllib.loads(text)
    except RecursionError:
        raise _error(source, what, "nested too deeply",
                     expected=f"at most {MAX_DEPTH} levels") from None
    except ValueError as exc:  # TOMLDecodeError, or an integer too long to convert
        raise _error(source, what, f"not valid TOML: {str(exc)[:200]}") from None
    check_tree(doc, source=source, what=what)
    return doc


def load_document(path: str | os.PathLike[str], *, what: str, fmt: str | None = None,
                  max_bytes: int = MAX_BYTES) -> Any:
    """Read and parse a file: ``fmt`` ``json`` or ``toml``, else by suffix (``.json`` is
    JSON, anything else TOML)."""
    p = Path(path)
    text = read_text(p, what=what, max_bytes=max_bytes)
    if (fmt or ("json" if p.suffix.lower() == ".json" else "toml")) == "json":
        return parse_json(text, source=str(p), what=what)
    return parse_toml(text, source=str(p), what=what)


def check_tree(doc: object, *, source: str, what: str) -> None:
    """Walk a parsed document (iteratively): depth, finite numbers, bounded integers and
    no control characters in keys or text."""
    stack: list[tuple[object, int, str]] = [(doc, 1, "")]
    while stack:
        node, depth, where = stack.pop()
        at = (where or "top level")[:80]
        if depth > MAX_DEPTH:
            raise _error(source, what, f"nested too deeply at {at}",
                         expected=f"at most {MAX_DEPTH} levels")
        if isinstance(node, dict):
            for key, value in node.items():
                key_text = str(key)
                if _CONTROL.search(key_text):
                    raise _error(source, what, f"control character in a key at {at}",
                                 got=repr(key_text)[:60])
                stack.append((value, depth + 1, f"{where}.{key_text}" if where else key_text))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                stack.append((value, depth + 1, f"{where}[{i}]"))
        elif isinstance(node, bool):
            continue
        elif isinstance(node, int):
            if abs(node) > MAX_INT:
                raise _error(source, what, f"number too large at {at}",
                             expected=f"an integer of at most {MAX_INT}")
        elif isinstance(node, float):
            if not math.isfinite(node):
                raise _error(source, what, f"{node} at {at}", expected="a finite number")
        elif isinstance(node, str) and _CONTROL.search(node):
            raise _error(source, what, f"control character in text at {at}",
                         got=repr(node)[:60])
