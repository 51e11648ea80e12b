"""Drivers are found through entry points and loaded only when asked for.

A vendor's plug-in package declares, in its ``pyproject.toml``::

    [project.entry-points."hnth_drivers.mcu"]
    acme = "acme_hnth.mcu:AcmeMcu"

and ``get_driver("mcu", "acme")`` returns the class. The project's own drivers are
registered the same way. Names are validated; a broken plug-in is reported by name and
does not stop the others from loading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import metadata
from typing import Literal

from .driver import Driver
from .errors import RegistryError
from .model import Capability

__all__ = ["GROUPS", "DriverInfo", "Kind", "available", "describe", "get_driver"]

Kind = Literal["mcu", "vcs", "camera"]
GROUPS: dict[str, str] = {
    "mcu": "hnth_drivers.mcu",
    "vcs": "hnth_drivers.vcs",
    "camera": "hnth_drivers.camera",
}
_NAME_RE = re.compile(r"^[a-z][a-z0-9_-]{0,31}\Z")


def _contract(kind: str) -> type[Driver]:
    # Imported here: the contracts import nothing from the registry, and stay light.
    from .mcu.base import Mcu
    from .vcs.base import Camera, Codec

    return {"mcu": Mcu, "vcs": Codec, "camera": Camera}[kind]


def _check_kind(kind: str) -> str:
    if kind not in GROUPS:
        raise RegistryError("unknown driver kind", operation="registry",
                            expected=f"one of {sorted(GROUPS)}", got=repr(kind))
    return GROUPS[kind]


def available(kind: str) -> dict[str, metadata.EntryPoint]:
    """Installed drivers of a kind, by name, without importing them."""
    group = _check_kind(kind)
    found: dict[str, metadata.EntryPoint] = {}
    for ep in metadata.entry_points(group=group):
        if _NAME_RE.match(ep.name):
            found.setdefault(ep.name, ep)
    return dict(sorted(found.items()))


def get_driver(kind: str, name: str) -> type[Driver]:
    """Load the driver class ``name`` of ``kind`` ("mcu", "vcs" or "camera")."""
    group = _check_kind(kind)
    if not _NAME_RE.match(name):
        raise RegistryError("invalid driver name", operation=f"load {kind} driver",
                            expected="lower-case letters, digits, - and _, at most 32",
                            got=repr(name))
    entry = available(kind).get(name)
    if entry is None:
        raise RegistryError(f"no {kind} driver called {name!r} is installed",
                            operation=f"load {kind} driver",
                            expected=f"one of {sorted(available(kind)) or 'none'}",
                            got=f"entry point group {group}")
    try:
        loaded = entry.load()
    except Exception as exc:  # a plug-in's import error must not look like ours
        raise RegistryError(f"driver {name!r} failed to load", operation=f"load {kind} driver",
                            got=f"{type(exc).__name__}: {exc}"[:300]) from exc
    contract = _contract(kind)
    if not (isinstance(loaded, type) and issubclass(loaded, contract)):
        raise RegistryError(f"entry point {entry.value!r} is not a {contract.__name__} driver",
                            operation=f"load {kind} driver",
                            expected=f"a subclass of {contract.__name__}", got=repr(loaded))
    return loaded


@dataclass(frozen=True, slots=True)
class DriverInfo:
    """What ``hnth drivers`` shows of one driver."""

    kind: str
    name: str
    target: str
    capabilities: frozenset[Capability]
    error: str | None = None


def describe() -> list[DriverInfo]:
    """Every installed driver with its capabilities (loading each; failures and
    disagreements with the contract reported in ``error``)."""
    # A driver that loads but disagrees with its contract (drifted signature, a declared
    # capability without its methods) is listed with the reason, like one that fails.
    from .testing.driver_check import driver_problems

    infos = []
    for kind in GROUPS:
        for name, entry in available(kind).items():
            try:
                cls = get_driver(kind, name)
            except RegistryError as exc:
                infos.append(DriverInfo(kind, name, entry.value, frozenset(), str(exc)))
                continue
            problems = driver_problems(cls, _contract(kind))
            error = (f"driver {name!r} disagrees with the {_contract(kind).__name__} "
                     f"contract: {'; '.join(problems)}"[:600] if problems else None)
            infos.append(DriverInfo(kind, name, entry.value, cls.capabilities, error))
    return infos
