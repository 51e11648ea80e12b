"""Vendor OID tables: which objects tell a device's health, as data users can extend.

The built-in tables ship as ``vendors.json`` beside this module (format
``hnth-snmp-vendors`` version 1). A user adds or overrides profiles with their own JSON or
TOML file of the same shape, passed to :func:`load_profiles`; no code changes. A profile
may ``extends`` another one and then only names what differs.

A field is an OID string, or ``{"oid": "...", "scale": 0.01, "syntax": "text",
"source": "..."}``: ``scale`` when the device counts in other units (hundredths of a percent
→ percent), ``syntax`` ``"text"`` when the object is a DisplayString carrying a number
(the default, ``"number"``, wants an INTEGER, Gauge32 or Counter), ``source`` the MIB and
line the OID comes from (documentation only). A value of the other syntax reads as unknown.
Scalars (``uptime``, ``active_calls``, ``call_scalars``) are read with GET and end in
``.0``; columns (``if_oper_status``, ``cpu_load``, ``call_table``, ``stream_table``) are
read with WALK and joined on their row index. ``stream_table`` rows are indexed
``(call, media type, stream source)`` as Cisco's ``ctpcStatStreamSourceTable``; see
:mod:`.streams` and ``docs/monitoring.md``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any, Final

from ..documents import load_document, parse_json
from ..errors import ConfigError

__all__ = ["CALL_FIELDS", "OID", "STREAM_FIELDS", "Metric", "VendorProfile",
           "builtin_profiles", "format_oid", "load_profiles", "parse_oid"]

OID = tuple[int, ...]
FORMAT: Final = "hnth-snmp-vendors"
CALL_FIELDS: Final = frozenset({
    "remote", "loss_percent", "audio_loss_percent", "video_loss_percent", "jitter_ms",
    "delay_ms", "rx_packets", "rx_lost_packets", "state",
})
STREAM_FIELDS: Final = frozenset({"rx_packets", "rx_lost_packets", "jitter_ms"})
SYNTAXES: Final = ("number", "text")
_SCALARS: Final = ("descr", "uptime", "active_calls", "active_conferences")
_COLUMNS: Final = ("if_descr", "if_oper_status", "cpu_load")
_TABLES: Final = ("call_table", "call_scalars", "stream_table")
_KNOWN: Final = frozenset({*_SCALARS, *_COLUMNS, *_TABLES, "description", "extends",
                           "source"})
_METRIC_KEYS: Final = frozenset({"oid", "scale", "syntax", "source"})


def parse_oid(text: str) -> OID:
    """``"1.3.6.1.2.1.1.3.0"`` → ``(1, 3, 6, 1, 2, 1, 1, 3, 0)``; ConfigError if malformed."""
    parts = text.strip().lstrip(".").split(".")
    try:
        oid = tuple(int(p) for p in parts)
    except ValueError:
        raise ConfigError("malformed OID", operation="parse_oid",
                          expected="dotted decimal, e.g. 1.3.6.1.2.1.1.3.0",
                          got=repr(text)) from None
    if len(oid) < 2 or oid[0] > 2 or any(p < 0 for p in oid):
        raise ConfigError("malformed OID", operation="parse_oid",
                          expected="dotted decimal starting 0, 1 or 2", got=repr(text))
    return oid


def format_oid(oid: OID) -> str:
    """``(1, 3, 6, 1)`` → ``"1.3.6.1"``."""
    return ".".join(str(p) for p in oid)


@dataclass(frozen=True, slots=True)
class Metric:
    """One object to read, the factor that turns its value into the field's unit, its
    syntax (``"number"`` or ``"text"``: a DisplayString carrying a number) and where the
    OID is documented."""

    oid: OID
    scale: float = 1.0
    syntax: str = "number"
    source: str = field(default="", compare=False)


@dataclass(frozen=True)
class VendorProfile:
    """What to read from one kind of device. ``None``: the device does not tell."""

    name: str
    description: str = ""
    source: str = ""
    descr: Metric | None = None
    uptime: Metric | None = None
    active_calls: Metric | None = None
    active_conferences: Metric | None = None
    if_descr: Metric | None = None
    if_oper_status: Metric | None = None
    cpu_load: Metric | None = None
    call_table: Mapping[str, Metric] = field(default_factory=dict)
    call_scalars: Mapping[str, Metric] = field(default_factory=dict)
    stream_table: Mapping[str, Metric] = field(default_factory=dict)

    def scalar_oids(self) -> list[OID]:
        """Everything read with one GET, in a stable order."""
        oids = [m.oid for m in (getattr(self, n) for n in _SCALARS) if m is not None]
        oids += [m.oid for _, m in sorted(self.call_scalars.items())]
        return oids

    def column_oids(self) -> list[OID]:
        """Every table column read with WALK, in a stable order."""
        cols = [m.oid for m in (getattr(self, n) for n in _COLUMNS) if m is not None]
        cols += [m.oid for _, m in sorted(self.call_table.items())]
        cols += [m.oid for _, m in sorted(self.stream_table.items())]
        return cols


def _metric(profile: str, name: str, raw: object) -> Metric:
    where = f"vendor profile {profile!r} field {name!r}"
    if isinstance(raw, str):
        return Metric(parse_oid(raw))
    if isinstance(raw, Mapping) and isinstance(raw.get("oid"), str):
        unknown = set(raw) - _METRIC_KEYS
        if unknown:
            raise ConfigError("unknown metric key", operation=where,
                              expected=str(sorted(_METRIC_KEYS)), got=str(sorted(unknown)))
        scale = raw.get("scale", 1.0)
        if (isinstance(scale, bool) or not isinstance(scale, int | float) or scale <= 0
                or scale == float("inf")):
            raise ConfigError("invalid scale", operation=where, expected="a positive number",
                              got=repr(scale))
        syntax, source = raw.get("syntax", "number"), raw.get("source", "")
        if syntax not in SYNTAXES or not isinstance(source, str):
            raise ConfigError("invalid syntax or source", operation=where,
                              expected=f"syntax one of {SYNTAXES}, source a string",
                              got=f"syntax={syntax!r} source={type(source).__name__}")
        return Metric(parse_oid(raw["oid"]), float(scale), syntax, source)
    raise ConfigError("invalid metric", operation=where,
                      expected='an OID string or {"oid": ..., "scale": ...}', got=repr(raw))


def _calls(profile: str, name: str, raw: object) -> dict[str, Metric]:
    fields = STREAM_FIELDS if name == "stream_table" else CALL_FIELDS
    if not isinstance(raw, Mapping):
        raise ConfigError("invalid call metrics", operation=f"vendor profile {profile!r}",
                          expected=f"a table of {sorted(fields)}", got=repr(raw))
    unknown = set(raw) - fields
    if unknown:
        raise ConfigError("unknown call metric", operation=f"vendor profile {profile!r}",
                          expected=str(sorted(fields)), got=str(sorted(unknown)))
    return {k: _metric(profile, f"{name}.{k}", v) for k, v in raw.items()}


def _build(name: str, raw: Mapping[str, Any], known: Mapping[str, VendorProfile]
           ) -> VendorProfile:
    unknown = set(raw) - _KNOWN
    if unknown:
        raise ConfigError("unknown field", operation=f"vendor profile {name!r}",
                          expected=str(sorted(_KNOWN)), got=str(sorted(unknown)))
    base = VendorProfile(name)
    parent = raw.get("extends")
    if parent is not None:
        if not isinstance(parent, str) or parent not in known:
            raise ConfigError("extends an unknown profile", operation=f"vendor profile {name!r}",
                              expected=f"one of {sorted(known)} (defined earlier)",
                              got=repr(parent))
        base = replace(known[parent], name=name)
    changes: dict[str, Any] = {}
    for key in (*_SCALARS, *_COLUMNS):
        if key in raw:
            changes[key] = _metric(name, key, raw[key])
    for key in _TABLES:
        if key in raw:
            changes[key] = {**getattr(base, key), **_calls(name, key, raw[key])}
    changes["description"] = str(raw.get("description", base.description))
    changes["source"] = str(raw.get("source", base.source))
    return replace(base, **changes)


def _read(path: Path) -> Mapping[str, Any]:
    # the shared hardened reader: size, binary, encoding, depth, NaN... are ConfigErrors
    doc = load_document(path, what="vendor table",
                        fmt="toml" if path.suffix == ".toml" else "json")
    return _check_doc(doc, str(path))


def _check_doc(doc: Any, origin: str) -> Mapping[str, Any]:
    if (not isinstance(doc, Mapping) or doc.get("format") != FORMAT or doc.get("version") != 1
            or not isinstance(doc.get("profiles"), Mapping)):
        raise ConfigError("not a vendor table", operation="load_profiles",
                          expected=f'{{"format": "{FORMAT}", "version": 1, "profiles": {{...}}}}',
                          got=origin)
    profiles: Mapping[str, Any] = doc["profiles"]
    return profiles


def _merge(into: dict[str, VendorProfile], profiles: Mapping[str, Any]) -> None:
    for name, raw in profiles.items():
        if not isinstance(raw, Mapping):
            raise ConfigError("a profile is a table", operation=f"vendor profile {name!r}",
                              got=type(raw).__name__)
        into[name] = _build(name, raw, into)


def builtin_profiles() -> dict[str, VendorProfile]:
    """The tables shipped with the library (``vendors.json``)."""
    text = resources.files(__package__ or "hnth_drivers.monitor").joinpath(
        "vendors.json").read_text(encoding="utf-8")
    out: dict[str, VendorProfile] = {}
    _merge(out, _check_doc(parse_json(text, source="vendors.json", what="vendor table"),
                           "vendors.json"))
    return out


def load_profiles(paths: Iterable[str | Path] = ()) -> dict[str, VendorProfile]:
    """Built-in profiles, then each user file in order (later files add or override)."""
    out = builtin_profiles()
    for path in paths:
        _merge(out, _read(Path(path)))
    return out
