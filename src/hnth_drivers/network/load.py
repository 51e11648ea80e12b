"""Reading a network file (TOML; JSON accepted) into a validated :class:`Network`.

Every problem is collected, one line each, ``FILE:LINE: KEY: what is wrong``, and raised
together as :class:`NetworkFileError` (a :class:`~hnth_drivers.errors.ConfigError`), so an
operator fixes them in one pass. Line numbers are found by scanning the text again
(:mod:`hnth_drivers.network.locate`): neither the TOML parser nor ``json`` keeps
positions. TOML is read with ``tomli``, the parser the standard ``tomllib`` was taken
from, whose wheels are compiled: about three times faster on a national file.

Checked: unknown keys, wrong types, missing keys, duplicate ids, the site hierarchy (parents
exist, no cycle), exactly one master MCU, MCU areas and site MCUs that exist, cascade links
between existing MCUs without a cycle, driver names installed in the entry-point registry
(read without importing any driver), and credentials written as references only
(``{ secret = "NAME" }`` or ``{ env = "VARIABLE" }``). Whether each reference resolves is
checked by :func:`check_credentials`, with the secret store at hand; nothing is contacted.
The format is described in ``docs/network.md``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import tomli

from .. import registry
from ..cascade.topology import McuRole
from ..errors import ConfigError
from ..model import Level, Site
from ..transport.https import normalize_pin
from .locate import Path as KeyPath
from .locate import json_lines, line_of, toml_lines
from .model import (
    CameraEntry,
    CodecEntry,
    CredentialRef,
    LinkEntry,
    McuEntry,
    Network,
    NetworkFileError,
    Room,
    SiteEntry,
    SnmpEntry,
    Where,
)

__all__ = ["load_network", "loads_network"]

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/@-]{0,127}\Z")
_SECRET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/@-]{0,127}\Z")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}\Z")
_HOST_PORT = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})\Z")
_MISSING = object()
_LEVELS = {lv.value: lv for lv in Level}

Check = Callable[["_Reader", KeyPath, Any], Any]


@dataclass(frozen=True)
class _Key:
    check: Check
    required: bool = False


class _Reader:
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
    def check(r: _Reader, path: KeyPath, value: Any) -> Any:
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
    def check(r: _Reader, path: KeyPath, value: Any) -> Any:
        value = _str(r, path, value)
        if value is not _MISSING and not regex.match(value):
            r.problem(path, f"expected {label}, got {value!r}")
            return _MISSING
        return value
    return check


_id = _pattern(_ID, "an id (letters, digits and _.:/@-, at most 128)")
_host_port = _pattern(_HOST_PORT, "HOST:PORT")


def _positive(check: Check) -> Check:
    def inner(r: _Reader, path: KeyPath, value: Any) -> Any:
        value = check(r, path, value)
        if value is not _MISSING and value <= 0:
            r.problem(path, f"expected a positive value, got {value}")
            return _MISSING
        return value
    return inner


_PERCENT = re.compile(r"^\d+(\.\d+)?%\Z")


def _reserve(r: _Reader, path: KeyPath, value: Any) -> Any:
    """Spare ports an MCU keeps free: a count >= 0, or a percentage like "10%"."""
    if isinstance(value, str) and _PERCENT.match(value) and float(value[:-1]) <= 100:
        return value
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    r.problem(path, f"expected a port count >= 0 or a percentage like \"10%\", got {value!r}"[:160])
    return _MISSING


def _choice(options: Iterable[str]) -> Check:
    allowed = tuple(options)

    def check(r: _Reader, path: KeyPath, value: Any) -> Any:
        value = _str(r, path, value)
        if value is not _MISSING and value not in allowed:
            r.problem(path, f"expected one of {', '.join(allowed)}, got {value!r}")
            return _MISSING
        return value
    return check


def _file(r: _Reader, path: KeyPath, value: Any) -> Any:
    value = _str(r, path, value)
    if value is _MISSING:
        return value
    return (r.base / value).resolve() if not Path(value).is_absolute() else Path(value)


def _existing_file(r: _Reader, path: KeyPath, value: Any) -> Any:
    resolved = _file(r, path, value)
    if resolved is not _MISSING and not resolved.is_file():
        r.problem(path, f"no such file: {resolved}")
        return _MISSING
    return resolved


def _pin(r: _Reader, path: KeyPath, value: Any) -> Any:
    value = _str(r, path, value)
    if value is _MISSING:
        return value
    try:
        return normalize_pin(value)
    except ConfigError:
        r.problem(path, "expected a SHA-256 certificate fingerprint (64 hex digits)")
        return _MISSING


def _driver(kind: str) -> Check:
    def check(r: _Reader, path: KeyPath, value: Any) -> Any:
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


def _credential(r: _Reader, path: KeyPath, value: Any) -> Any:
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


def _presets(r: _Reader, path: KeyPath, value: Any) -> Any:
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
    def check(r: _Reader, path: KeyPath, value: Any) -> Any:
        table = r.table(path, value, spec)
        return _MISSING if table is None else {**table, "__path": path}
    return check


def _subarray(spec: dict[str, _Key]) -> Check:
    def check(r: _Reader, path: KeyPath, value: Any) -> Any:
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


def load_network(path: str | Path) -> Network:
    """Read and validate a network file (``.json`` is JSON, anything else TOML)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise NetworkFileError([(Where(str(path), None, "(file)"),
                                 f"cannot read the network file: {exc}")]) from None
    fmt = "json" if path.suffix.lower() == ".json" else "toml"
    return loads_network(text, fmt, source=str(path), base=path.parent.resolve())


def loads_network(text: str, fmt: str = "toml", *, source: str = "<string>",
                  base: Path | None = None) -> Network:
    """Parse network-file text in ``fmt`` (``toml`` or ``json``)."""
    try:
        if fmt == "json":
            doc = json.loads(text)
            locate = partial(json_lines, text)
        else:
            doc = tomli.loads(text)
            locate = partial(toml_lines, text)
    except (tomli.TOMLDecodeError, json.JSONDecodeError) as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise NetworkFileError([(Where(source, int(m.group(1)) if m else None, "(syntax)"),
                                 f"not valid {fmt.upper()}: {exc}")]) from None
    reader = _Reader(source, locate, base or Path.cwd())
    top = reader.table((), doc, TOP)
    if top is None or reader.problems:
        raise NetworkFileError(reader.problems or [(reader.where(()), "unusable file")])
    network = _build(reader, top, Path(source))
    if reader.problems:
        raise NetworkFileError(reader.problems)
    assert network is not None
    return network


def _unique(r: _Reader, entries: list[dict[str, Any]], key: str, what: str) -> None:
    seen: set[str] = set()
    for e in entries:
        if e[key] in seen:
            r.problem((*e["__path"], key), f"duplicate {what} id {e[key]!r}")
        seen.add(e[key])


def _build(r: _Reader, top: dict[str, Any], source: Path) -> Network | None:
    sites, mcus = top["sites"], top["mcus"]
    links, snmp = top.get("links", []), top.get("snmp", [])
    _unique(r, sites, "id", "site")
    _unique(r, mcus, "id", "MCU")
    _unique(r, snmp, "id", "SNMP target")
    site_ids = {s["id"] for s in sites}
    mcu_ids = {m["id"] for m in mcus}
    parents = {s["id"]: s.get("parent") for s in sites}
    for s in sites:
        parent = s.get("parent")
        if parent is not None and parent not in site_ids:
            r.problem((*s["__path"], "parent"), f"no site {parent!r} in this file")
        if s.get("mcu") is not None and s["mcu"] not in mcu_ids:
            r.problem((*s["__path"], "mcu"), f"no MCU {s['mcu']!r} in this file")
    for s in sites:
        seen, node = [s["id"]], parents.get(s["id"])
        while node is not None and node in parents:
            if node == s["id"]:
                r.problem((*s["__path"], "parent"), "the site hierarchy has a cycle: "
                          + " -> ".join([*seen, node]))
                break
            if node in seen:
                break
            seen.append(node)
            node = parents.get(node)
    masters = [m for m in mcus if m["role"] == "master"]
    if len(masters) != 1:
        r.problem(("mcus",), f"expected exactly one MCU with role = \"master\", got "
                  f"{len(masters)}")
    for m in mcus:
        if m["area"] not in site_ids:
            r.problem((*m["__path"], "area"), f"no site {m['area']!r} in this file")
        if "ca_file" in m and "pin" in m:
            r.problem((*m["__path"], "pin"), "give ca_file or pin, not both")
        if not m["url"].startswith("https://"):
            r.problem((*m["__path"], "url"), "expected an https:// URL")
        reserve = m.get("reserve")
        if isinstance(reserve, int) and isinstance(m.get("ports"), int) and \
                reserve > m["ports"]:
            r.problem((*m["__path"], "reserve"), f"a reserve of {reserve} ports is larger "
                      f"than the MCU's {m['ports']} ports")
    for s in sites:
        room = s.get("room") or {}
        codec = room.get("codec")
        if codec is not None and "password" not in codec and "key_file" not in codec:
            r.problem(codec["__path"], "the codec needs password (a reference) or key_file")
        for cam in room.get("cameras", []):
            if ("address" in cam) == ("serial" in cam):
                r.problem(cam["__path"], "give address (VISCA over IP) or serial, not both")
    parent_of: dict[str, str] = {}
    for link in links:
        for end in ("slave", "master"):
            if link[end] not in mcu_ids:
                r.problem((*link["__path"], end), f"no MCU {link[end]!r} in this file")
        if link["slave"] in parent_of:
            r.problem((*link["__path"], "slave"), f"MCU {link['slave']!r} already has a link")
        parent_of[link["slave"]] = link["master"]
    for link in links:
        seen, node = [link["slave"]], parent_of.get(link["slave"])
        while node is not None:
            if node in seen:
                r.problem((*link["__path"], "master"), "the cascade links have a cycle: "
                          + " -> ".join([*seen, node]))
                break
            seen.append(node)
            node = parent_of.get(node)
    if top["chair"] not in site_ids:
        r.problem(("chair",), f"no site {top['chair']!r} in this file")
    if r.problems:
        return None
    site_entries = []
    for s in sites:
        try:
            site_entries.append(_site(r, s))
        except ConfigError as exc:  # the model's own checks (lengths, characters)
            r.problem(s["__path"], exc.message + (f" (got {exc.got})" if exc.got else ""))
    if r.problems:
        return None
    return Network(
        name=top["name"], source=source, conference=top.get("conference", "hnth"),
        chair=top["chair"], mcus=tuple(_mcu(r, m) for m in mcus),
        sites=tuple(site_entries),
        links=tuple(LinkEntry(lk["slave"], lk["master"], r.where(lk["__path"]))
                    for lk in links),
        snmp=tuple(_snmp(r, t) for t in snmp),
        store=(top.get("secrets") or {}).get("store"),
        key_file=(top.get("secrets") or {}).get("key_file"),
        operators=top.get("operators"))


def _mcu(r: _Reader, m: dict[str, Any]) -> McuEntry:
    return McuEntry(id=m["id"], role=McuRole(m["role"]), area=m["area"], carrier=m["carrier"],
                    driver=m["driver"], url=m["url"], ports=m["ports"],
                    user=m.get("user", "admin"), password=m["password"],
                    where=r.where(m["__path"]), name=m.get("name"), ca_file=m.get("ca_file"),
                    pin_sha256=m.get("pin"), cascade_address=m.get("cascade_address"),
                    timeout_s=m.get("timeout_s"), reserve=m.get("reserve"))


def _site(r: _Reader, s: dict[str, Any]) -> SiteEntry:
    room = None
    if "room" in s:
        raw = s["room"]
        codec = None
        if "codec" in raw:
            c = raw["codec"]
            codec = CodecEntry(driver=c["driver"], address=c["address"],
                               known_hosts=c["known_hosts"], user=c.get("user", "admin"),
                               where=r.where(c["__path"]), password=c.get("password"),
                               key_file=c.get("key_file"), cameras=c.get("cameras"))
        cameras = tuple(CameraEntry(
            driver=c["driver"], where=r.where(c["__path"]), address=c.get("address"),
            serial=c.get("serial"), model=c.get("model"), presets=c.get("presets", {}),
            baudrate=c.get("baudrate"), visca_address=c.get("visca_address"),
            trusted_segment=c.get("trusted_segment", False))
            for c in raw.get("cameras", []))
        room = Room(codec, cameras)
    site = Site(s["id"], s["name"], _LEVELS[s["level"]], s.get("parent"))
    return SiteEntry(site, r.where(s["__path"]), unit=s.get("unit"), contact=s.get("contact"),
                     mcu=s.get("mcu"), dial=s.get("dial"), room=room)


def _snmp(r: _Reader, t: dict[str, Any]) -> SnmpEntry:
    return SnmpEntry(id=t["id"], address=t["address"], user=t["user"], auth=t["auth"],
                     priv=t["priv"], where=r.where(t["__path"]),
                     auth_protocol=t.get("auth_protocol", "sha256"),
                     priv_protocol=t.get("priv_protocol", "aes128"),
                     vendor=t.get("vendor", "mib2"), context=t.get("context", ""),
                     timeout_s=t.get("timeout_s", 2.0), retries=t.get("retries", 1))
