"""The targets file of ``hnth monitor``: devices to poll, as TOML (or JSON).

::

    vendor_tables = ["my-vendors.toml"]     # optional, relative to this file

    [defaults]                                # optional; any target field
    user = "monitor"
    auth = "sha256"                           # sha224 | sha256 | sha384 | sha512
    priv = "aes128"                           # aes128 | aes192 | aes256
    timeout = 2.0                             # seconds per attempt
    retries = 1
    vendor = "mib2"

    [thresholds]                              # optional; defaults in docs/monitoring.md
    delay_ms = 150.0
    [damping]                                 # optional flap damping
    half_life_s = 120.0

    [[target]]
    name = "mcu-hanoi"
    host = "10.0.0.5"
    port = 161
    vendor = "polycom-mcu"
    context = ""                              # SNMPv3 context name

Keys are never in the file: the authentication key comes from the environment variable
named by ``auth_key_env`` (default ``HNTH_PASSWORD``) and the privacy key from
``priv_key_env`` (default ``HNTH_PRIV_PASSWORD``), or from the secret store under the
names ``auth_key_secret`` / ``priv_key_secret`` when a ``store`` is given.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from ..documents import load_document
from ..errors import ConfigError
from ..security.secrets import Secret
from ..transport.snmp import SnmpAuth, SnmpPriv, SnmpV3User
from .alarms import FlapDamping, QualityThresholds
from .snmp import SnmpTarget

__all__ = ["ENV_AUTH_KEY", "ENV_PRIV_KEY", "TargetsFile", "load_targets"]

ENV_AUTH_KEY = "HNTH_PASSWORD"
ENV_PRIV_KEY = "HNTH_PRIV_PASSWORD"
_FIELDS = {"name", "host", "port", "vendor", "context", "timeout", "retries", "user", "auth",
           "priv", "auth_key_env", "priv_key_env", "auth_key_secret", "priv_key_secret"}


@dataclass(frozen=True)
class TargetsFile:
    """What a targets file says: the targets, extra vendor tables, alarm settings."""

    targets: tuple[SnmpTarget, ...]
    vendor_tables: tuple[Path, ...] = ()
    thresholds: QualityThresholds = field(default_factory=QualityThresholds)
    damping: FlapDamping = field(default_factory=FlapDamping)


def _settings(doc: Mapping[str, Any], key: str, cls: type[Any]) -> Any:
    raw = doc.get(key, {})
    if not isinstance(raw, Mapping):
        raise ConfigError(f"[{key}] is a table", operation="load_targets", got=repr(raw))
    try:
        return cls(**raw)
    except TypeError as exc:
        raise ConfigError(f"unknown field in [{key}]", operation="load_targets",
                          expected=", ".join(f.name for f in fields(cls)),
                          got=str(exc)) from None


def _key(entry: Mapping[str, Any], kind: str, env: Mapping[str, str],
         store: Callable[[str], Secret] | None, where: str) -> Secret:
    secret_name = entry.get(f"{kind}_key_secret")
    if secret_name is not None:
        if store is None:
            raise ConfigError(f"{kind} key is in the secret store, which is not open",
                              operation=where, expected="a secret store key in the environment")
        return store(str(secret_name))
    var = str(entry.get(f"{kind}_key_env", ENV_AUTH_KEY if kind == "auth" else ENV_PRIV_KEY))
    value = env.get(var)
    if not value:
        raise ConfigError(f"no SNMPv3 {kind} key", operation=where,
                          expected=f"the environment variable {var} (keys are never in files)")
    return Secret(value)


def _target(entry: Mapping[str, Any], env: Mapping[str, str],
            store: Callable[[str], Secret] | None, n: int) -> SnmpTarget:
    where = f"targets file: target {entry.get('name', n)!r}"
    unknown = set(entry) - _FIELDS
    if unknown:
        raise ConfigError("unknown field", operation=where, expected=str(sorted(_FIELDS)),
                          got=str(sorted(unknown)))
    try:
        creds = SnmpV3User(str(entry.get("user", "admin")),
                           _key(entry, "auth", env, store, where),
                           _key(entry, "priv", env, store, where),
                           auth=SnmpAuth(entry.get("auth", "sha256")),
                           priv=SnmpPriv(entry.get("priv", "aes128")))
        return SnmpTarget(name=str(entry["name"]), host=str(entry["host"]), credentials=creds,
                          port=int(entry.get("port", 161)),
                          vendor=str(entry.get("vendor", "mib2")),
                          context=str(entry.get("context", "")),
                          timeout=float(entry.get("timeout", 2.0)),
                          retries=int(entry.get("retries", 1)))
    except KeyError as exc:
        raise ConfigError("missing field", operation=where, expected=str(exc)) from None
    except (ValueError, TypeError) as exc:   # TypeError: int([1]), float({}) ...
        if isinstance(exc, ConfigError):
            raise
        raise ConfigError("invalid value", operation=where, got=str(exc)) from None


def load_targets(path: str | Path, *, env: Mapping[str, str] | None = None,
                 store: Callable[[str], Secret] | None = None) -> TargetsFile:
    """Read a targets file (``.toml``, or ``.json`` of the same shape)."""
    path = Path(path)
    try:
        doc: Any = load_document(path, what="targets file")  # size, binary, depth, nan...
    except OSError as exc:
        raise ConfigError("cannot read targets file", operation="load_targets",
                          got=f"{path}: {exc.strerror}") from None
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError("targets file is not valid TOML/JSON", operation="load_targets",
                          got=f"{path}: {exc}") from None
    entries = doc.get("target") if isinstance(doc, Mapping) else None
    if not isinstance(entries, list) or not entries:
        raise ConfigError("no targets", operation="load_targets",
                          expected="one or more [[target]] tables", got=str(path))
    defaults = doc.get("defaults", {})
    if not isinstance(defaults, Mapping):
        raise ConfigError("[defaults] is a table", operation="load_targets", got=str(path))
    environ = os.environ if env is None else env
    if not all(isinstance(e, Mapping) for e in entries):
        raise ConfigError("every [[target]] is a table", operation="load_targets",
                          got=str(path))
    targets = tuple(_target({**defaults, **e}, environ, store, n)
                    for n, e in enumerate(entries, 1))
    names = [t.name for t in targets]
    if len(set(names)) != len(names):
        raise ConfigError("target names must be distinct", operation="load_targets",
                          got=str(sorted({n for n in names if names.count(n) > 1})))
    tables = tuple(path.parent / str(p) for p in doc.get("vendor_tables", []))
    return TargetsFile(targets, tables, _settings(doc, "thresholds", QualityThresholds),
                       _settings(doc, "damping", FlapDamping))
