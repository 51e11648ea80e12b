"""The network file's schema: what each table and key may hold, and the reader that
checks a parsed document against it (used by :mod:`hnth_drivers.network.load`).

Each key has a check that converts its value or records one problem at the key's path
(``("sites", 3, "room", "codec", "driver")``); lines are located only when a problem is
reported (:mod:`hnth_drivers.network.locate`). The format is described in
``docs/network.md``; the checks across entries (ids, hierarchy, links) are
:mod:`~hnth_drivers.network.load`'s.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from .. import registry
from ..cascade.topology import McuRole
from ..errors import ConfigError
from ..model import Level
from ..transport.https import normalize_pin
from .locate import Path as KeyPath
from .locate import line_of
from .model import CredentialRef, Where

__all__ = ["CAMERA", "CODEC", "LINK", "MCU", "ROOM", "SECRETS", "SITE", "SNMP", "TOP",
           "Reader"]

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/@-]{0,127}\Z")
_SECRET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/@-]{0,127}\Z")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}\Z")
_HOST_PORT = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})\Z")
_MISSING = object()

Check = Callable[["Reader", KeyPath, Any], Any]


@dataclass(frozen=True)
class _Key:
    check: Check
    required: bool = False


class Reader:
    """Collects problems while converting the parsed document."""

    def __init__(self, source: str, locate: Callable[[], dict[KeyPath, int]],
                 base: Path) -> None:
        self.source, self.base = source, base
        self._locate = locate
        self._lines: dict[KeyPath, int] | None = None
        self.problems: list[tuple[Where, str]] = []
        self.installed: dict[str, list[str]] = {}

    def where(self, path: KeyPath) -> Where:
        return Where(self.source, partial(self.line, path), path)

    def line(self, path: KeyPath) -> int | None:
        """The line of ``path`` (the text is scanned once, on the first call)."""
        if self._lines is None:
            self._lines = self._locate()
        return line_of(self._lines, path)

    def problem(self, path: KeyPath, message: str) -> None:
        self.problems.append((self.where(path), message))

    def table(self, path: KeyPath, value: Any, spec: dict[str, _Key]) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.problem(path, f"expected a table, got {_type(value)}")
            return None
        out: dict[str, Any] = {}
        complete = True
        for key, raw in value.items():
            rule = spec.get(key)
            if rule is None:
                self.problem((*path, key), f"unknown key (expected one of "
                             f"{', '.join(sorted(spec))})")
                continue
            converted = rule.check(self, (*path, key), raw)
            if converted is _MISSING:
                complete = False
            else:
                out[key] = converted
        for key in _required(spec):
            if key not in value:
                self.problem(path, f"missing key {key!r}")
        return out if complete else None

    def array(self, path: KeyPath, value: Any, spec: dict[str, _Key]) -> list[dict[str, Any]]:
        if not isinstance(value, list):
            self.problem(path, f"expected an array of tables, got {_type(value)}")
            return []
        out = []
        for i, item in enumerate(value):
            table = self.table((*path, i), item, spec)
            if table is not None:
                table["__path"] = (*path, i)
                out.append(table)
        return out


_REQUIRED: dict[int, tuple[str, ...]] = {}


def _required(spec: dict[str, _Key]) -> tuple[str, ...]:
    """The required keys of a table spec (every spec is a module constant, so its id is
    its own for the life of the process: found once)."""
    found = _REQUIRED.get(id(spec))
    if found is None:
        found = _REQUIRED[id(spec)] = tuple(k for k, rule in spec.items() if rule.required)
    return found


def _type(value: Any) -> str:
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
            list: "an array", dict: "a table"}.get(type(value), type(value).__name__)


def _typed(kind: type, label: str) -> Check:
    def check(r: Reader, path: KeyPath, value: Any) -> Any:
        if type(value) is kind and (kind is not str or str(value).strip()):
            return value  # the common case, decided at once
        ok = isinstance(value, kind) and not (kind is not bool and isinstance(value, bool))
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if not ok:
            r.problem(path, f"expected {label}, got {_type(value)}")
            return _MISSING
        if kind is str and not value.strip():
            r.problem(path, "expected non-empty text")
            return _MISSING
        return value
    return check


_str, _int, _float, _bool = (_typed(str, "a string"), _typed(int, "an integer"),
                             _typed(float, "a number"), _typed(bool, "true or false"))


def _pattern(regex: re.Pattern[str], label: str) -> Check:
    def check(r: Reader, path: KeyPath, value: Any) -> Any:
        value = _str(r, path, value)
        if value is not _MISSING and not regex.match(value):
            r.problem(path, f"expected {label}, got {value!r}")
            return _MISSING
        return value
    return check


_id = _pattern(_ID, "an id (letters, digits and _.:/@-, at most 128)")
_host_port = _pattern(_HOST_PORT, "HOST:PORT")


def _positive(check: Check) -> Check:
    def inner(r: Reader, path: KeyPath, value: Any) -> Any:
        value = check(r, path, value)
        if value is not _MISSING and value <= 0:
            r.problem(path, f"expected a positive value, got {value}")
            return _MISSING
        return value
    return inner


_PERCENT = re.compile(r"^\d+(\.\d+)?%\Z")


def _reserve(r: Reader, path: KeyPath, value: Any) -> Any:
    """Spare ports an MCU keeps free: a count >= 0, or a percentage like "10%"."""
    if isinstance(value, str) and _PERCENT.match(value) and float(value[:-1]) <= 100:
        return value
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    r.problem(path, f"expected a port count >= 0 or a percentage like \"10%\", got {value!r}"[:160])
    return _MISSING


def _choice(options: Iterable[str]) -> Check:
    allowed = tuple(options)

    def check(r: Reader, path: KeyPath, value: Any) -> Any:
        value = _str(r, path, value)
        if value is not _MISSING and value not in allowed:
            r.problem(path, f"expected one of {', '.join(allowed)}, got {value!r}")
            return _MISSING
        return value
    return check


def _file(r: Reader, path: KeyPath, value: Any) -> Any:
    value = _str(r, path, value)
    if value is _MISSING:
        return value
    return (r.base / value).resolve() if not Path(value).is_absolute() else Path(value)


def _existing_file(r: Reader, path: KeyPath, value: Any) -> Any:
    resolved = _file(r, path, value)
    if resolved is not _MISSING and not resolved.is_file():
        r.problem(path, f"no such file: {resolved}")
        return _MISSING
    return resolved


def _pin(r: Reader, path: KeyPath, value: Any) -> Any:
    value = _str(r, path, value)
    if value is _MISSING:
        return value
    try:
        return normalize_pin(value)
    except ConfigError:
        r.problem(path, "expected a SHA-256 certificate fingerprint (64 hex digits)")
        return _MISSING


def _driver(kind: str) -> Check:
    def check(r: Reader, path: KeyPath, value: Any) -> Any:
        value = _str(r, path, value)
        if value is _MISSING:
            return value
        installed = r.installed.get(kind)
        if installed is None:  # one entry-point scan per kind and file, not per device
            installed = r.installed[kind] = list(registry.available(kind))
        if value not in installed:
            r.problem(path, f"unknown {kind} driver {value!r} (installed: "
                      f"{', '.join(installed) or 'none'})")
            return _MISSING
        return value
    return check


_CREDENTIAL = {"secret": _Key(_pattern(_SECRET_NAME, "a secret name")),
               "env": _Key(_pattern(_ENV_NAME, "a variable name"))}


def _credential(r: Reader, path: KeyPath, value: Any) -> Any:
    if isinstance(value, str):
        r.problem(path, "credentials are references, never values: write "
                  "{ secret = \"NAME\" } or { env = \"VARIABLE\" }")
        return _MISSING
    table = r.table(path, value, _CREDENTIAL)
    if table is None:
        return _MISSING
    if len(table) != 1:
        r.problem(path, "give exactly one of secret or env")
        return _MISSING
    scheme, name = next(iter(table.items()))
    return CredentialRef(f"{scheme}:{name}", r.where(path))


def _presets(r: Reader, path: KeyPath, value: Any) -> Any:
    if not isinstance(value, dict):
        r.problem(path, f"expected a table of name = number, got {_type(value)}")
        return _MISSING
    out = {}
    for name, number in value.items():
        if not re.match(r"^[a-z0-9][a-z0-9_-]{0,31}\Z", name):
            r.problem((*path, name), "expected a preset name of lower-case letters, digits, "
                      "_ and -")
        elif isinstance(number, bool) or not isinstance(number, int) or not 0 <= number <= 255:
            r.problem((*path, name), f"expected a preset number 0..255, got {number!r}")
        else:
            out[name] = number
    return out


def _sub(spec: dict[str, _Key]) -> Check:
    def check(r: Reader, path: KeyPath, value: Any) -> Any:
        table = r.table(path, value, spec)
        return _MISSING if table is None else {**table, "__path": path}
    return check


def _subarray(spec: dict[str, _Key]) -> Check:
    def check(r: Reader, path: KeyPath, value: Any) -> Any:
        return r.array(path, value, spec)
    return check


CODEC = {"driver": _Key(_driver("vcs"), True), "address": _Key(_host_port, True),
         "known_hosts": _Key(_existing_file, True), "user": _Key(_str),
         "password": _Key(_credential), "key_file": _Key(_file), "cameras": _Key(_int)}
CAMERA = {"driver": _Key(_driver("camera"), True), "address": _Key(_host_port),
          "serial": _Key(_str), "model": _Key(_str), "presets": _Key(_presets),
          "baudrate": _Key(_int), "visca_address": _Key(_int),
          "trusted_segment": _Key(_bool)}
ROOM = {"codec": _Key(_sub(CODEC)), "cameras": _Key(_subarray(CAMERA))}
SITE = {"id": _Key(_id, True), "name": _Key(_str, True),
        "level": _Key(_choice(lv.value for lv in Level), True), "parent": _Key(_id),
        "unit": _Key(_str), "contact": _Key(_str), "mcu": _Key(_id), "dial": _Key(_str),
        "room": _Key(_sub(ROOM))}
MCU = {"id": _Key(_id, True), "name": _Key(_str),
       "role": _Key(_choice(r.value for r in McuRole), True), "area": _Key(_id, True),
       "carrier": _Key(_str, True), "driver": _Key(_driver("mcu"), True),
       "url": _Key(_str, True), "ports": _Key(_positive(_int), True), "user": _Key(_str),
       "password": _Key(_credential, True), "ca_file": _Key(_existing_file),
       "pin": _Key(_pin), "cascade_address": _Key(_str),
       "timeout_s": _Key(_positive(_float)), "reserve": _Key(_reserve)}
LINK = {"slave": _Key(_id, True), "master": _Key(_id, True)}
SNMP = {"id": _Key(_id, True), "address": _Key(_host_port, True), "user": _Key(_str, True),
        "auth": _Key(_credential, True), "priv": _Key(_credential, True),
        "auth_protocol": _Key(_choice(("sha224", "sha256", "sha384", "sha512"))),
        "priv_protocol": _Key(_choice(("aes128", "aes192", "aes256"))),
        "vendor": _Key(_str), "context": _Key(_typed(str, "a string")),
        "timeout_s": _Key(_positive(_float)), "retries": _Key(_int)}
SECRETS = {"store": _Key(_file, True), "key_file": _Key(_file)}
TOP = {"name": _Key(_str, True), "conference": _Key(_id), "chair": _Key(_id, True),
       "operators": _Key(_file), "secrets": _Key(_sub(SECRETS)),
       "mcus": _Key(_subarray(MCU), True), "sites": _Key(_subarray(SITE), True),
       "links": _Key(_subarray(LINK)), "snmp": _Key(_subarray(SNMP))}
