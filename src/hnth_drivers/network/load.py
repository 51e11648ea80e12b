"""Reading a network file (TOML; JSON accepted) into a validated :class:`Network`.

Every problem is collected, one line each, ``FILE:LINE: KEY: what is wrong``, and raised
together as :class:`NetworkFileError` (a :class:`~hnth_drivers.errors.ConfigError`), so an
operator fixes them in one pass. Line numbers are found by scanning the text again
(:mod:`hnth_drivers.network.locate`): neither the TOML parser nor ``json`` keeps
positions. TOML is read with ``tomli``, the parser the standard ``tomllib`` was taken
from, whose wheels are compiled: about three times faster on a national file.

Checked: unknown keys, wrong types and missing keys (the schema,
:mod:`hnth_drivers.network.schema`), duplicate ids, the site hierarchy (parents
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
from functools import partial
from pathlib import Path
from typing import Any

import tomli

from ..cascade.topology import McuRole
from ..errors import ConfigError
from ..model import Level, Site
from .locate import json_lines, toml_lines
from .model import (
    CameraEntry,
    CodecEntry,
    LinkEntry,
    McuEntry,
    Network,
    NetworkFileError,
    Room,
    SiteEntry,
    SnmpEntry,
    Where,
)
from .schema import TOP, Reader

__all__ = ["TOP", "load_network", "loads_network"]

_LEVELS = {lv.value: lv for lv in Level}


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
    reader = Reader(source, locate, base or Path.cwd())
    top = reader.table((), doc, TOP)
    if top is None or reader.problems:
        raise NetworkFileError(reader.problems or [(reader.where(()), "unusable file")])
    network = _build(reader, top, Path(source))
    if reader.problems:
        raise NetworkFileError(reader.problems)
    assert network is not None
    return network


def _unique(r: Reader, entries: list[dict[str, Any]], key: str, what: str) -> None:
    seen: set[str] = set()
    for e in entries:
        if e[key] in seen:
            r.problem((*e["__path"], key), f"duplicate {what} id {e[key]!r}")
        seen.add(e[key])


def _build(r: Reader, top: dict[str, Any], source: Path) -> Network | None:
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


def _mcu(r: Reader, m: dict[str, Any]) -> McuEntry:
    return McuEntry(id=m["id"], role=McuRole(m["role"]), area=m["area"], carrier=m["carrier"],
                    driver=m["driver"], url=m["url"], ports=m["ports"],
                    user=m.get("user", "admin"), password=m["password"],
                    where=r.where(m["__path"]), name=m.get("name"), ca_file=m.get("ca_file"),
                    pin_sha256=m.get("pin"), cascade_address=m.get("cascade_address"),
                    timeout_s=m.get("timeout_s"), reserve=m.get("reserve"))


def _site(r: Reader, s: dict[str, Any]) -> SiteEntry:
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


def _snmp(r: Reader, t: dict[str, Any]) -> SnmpEntry:
    return SnmpEntry(id=t["id"], address=t["address"], user=t["user"], auth=t["auth"],
                     priv=t["priv"], where=r.where(t["__path"]),
                     auth_protocol=t.get("auth_protocol", "sha256"),
                     priv_protocol=t.get("priv_protocol", "aes128"),
                     vendor=t.get("vendor", "mib2"), context=t.get("context", ""),
                     timeout_s=t.get("timeout_s", 2.0), retries=t.get("retries", 1))
