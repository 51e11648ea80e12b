"""The operators file: who may act, with which role, over which area.

TOML (JSON accepted), one ``[[operators]]`` table each::

    [[operators]]
    name = "central"
    role = "central_operator"      # viewer | room_operator | mcu_technician | central_operator

    [[operators]]
    name = "op-p01"
    role = "mcu_technician"
    scope = "p01"                  # the site whose subtree is the operator's area

Problems are reported like the network file's, ``FILE:LINE: KEY: what is wrong``.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

from ..errors import ConfigError
from ..security.access import Operator, Role
from .locate import json_lines, line_of, toml_lines
from .model import NetworkFileError, Where

__all__ = ["load_operators"]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}\Z")
_KEYS = {"name", "role", "scope", "password_hash"}  # the hash: hnth console


def load_operators(path: str | Path, sites: set[str] | None = None) -> dict[str, Operator]:
    """Operators by name; ``sites`` (when given) are the ids a scope may name."""
    path = Path(path)
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
        if path.suffix.lower() == ".json":
            doc, lines = json.loads(text), json_lines(text)
        else:
            doc, lines = tomllib.loads(text), toml_lines(text)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise NetworkFileError([(Where(source, None, "(file)"),
                                 f"cannot read the operators file: {exc}")]) from None
    problems: list[tuple[Where, str]] = []

    def problem(key: tuple[str | int, ...], message: str) -> None:
        label = "".join(f"[{k}]" if isinstance(k, int) else (f".{k}" if i else k)
                        for i, k in enumerate(key))
        problems.append((Where(source, line_of(lines, key), label or "(top)"), message))

    entries = doc.get("operators") if isinstance(doc, dict) else None
    if not isinstance(entries, list):
        problem(("operators",), "expected an array of [[operators]] tables")
        raise NetworkFileError(problems)
    out: dict[str, Operator] = {}
    for i, entry in enumerate(entries):
        at: tuple[str | int, ...] = ("operators", i)
        if not isinstance(entry, dict):
            problem(at, "expected a table")
            continue
        for key in sorted(set(entry) - _KEYS):
            problem((*at, key), "unknown key (expected name, role, scope, password_hash)")
        name, role, scope = entry.get("name"), entry.get("role"), entry.get("scope")
        if not isinstance(name, str) or not _NAME.match(name):
            problem((*at, "name"), "expected an operator name")
            continue
        if name in out:
            problem((*at, "name"), f"duplicate operator {name!r}")
        if role not in {r.value for r in Role}:
            problem((*at, "role"), f"expected one of {', '.join(r.value for r in Role)}")
            continue
        if scope is not None and (not isinstance(scope, str) or
                                  (sites is not None and scope not in sites)):
            problem((*at, "scope"), f"no site {scope!r} in the network file")
            continue
        try:
            out[name] = Operator(name, Role(role), scope)
        except ConfigError as exc:
            problem(at, exc.message)
    if problems:
        raise NetworkFileError(problems)
    return out
