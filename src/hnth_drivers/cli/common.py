"""Conventions every command shares: errors → exit codes, secrets from env or store."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from ..errors import (
    AccessDenied,
    ConfigError,
    HnthError,
    PolicyViolation,
    RegistryError,
    SecretStoreError,
)
from ..security.audit import AuditLog
from ..security.secrets import Secret, SecretStore, StoreKey

__all__ = ["ENV_AUDIT", "ENV_PASSWORD", "ENV_STORE", "audit_log", "console", "err_console",
           "fail", "password_from_env", "ready", "secret_store", "stop_on_signals",
           "typed_errors"]

ENV_PASSWORD = "HNTH_PASSWORD"  # noqa: S105 - the variable's name, not a value
ENV_STORE = "HNTH_SECRETS_FILE"
ENV_AUDIT = "HNTH_AUDIT_LOG"

console = Console()
err_console = Console(stderr=True)


def fail(message: str, code: int = 2) -> NoReturn:
    """Print an error on stderr and exit with ``code``."""
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    raise typer.Exit(code)


@contextmanager
def typed_errors() -> Iterator[None]:
    """Turn library errors into one line on stderr and an exit code, never a traceback."""
    try:
        yield
    except (ConfigError, RegistryError, SecretStoreError) as exc:
        fail(str(exc), 2)
    except (PolicyViolation, AccessDenied) as exc:
        fail(str(exc), 3)
    except HnthError as exc:
        fail(str(exc), 3)


def default_store_path() -> Path:
    """``$HNTH_SECRETS_FILE`` or ``~/.config/hnth/secrets.json``."""
    env = os.environ.get(ENV_STORE)
    return Path(env) if env else Path.home() / ".config" / "hnth" / "secrets.json"


def secret_store(path: Path | None = None, *, loose_ok: bool = False) -> SecretStore:
    """The secret store, keyed from the environment. ``loose_ok`` only warns about store
    or key files that group or others may read (they are refused otherwise)."""
    return SecretStore(path or default_store_path(), StoreKey.from_env(loose_ok=loose_ok),
                       loose_ok=loose_ok)


def password_from_env(
    user: str, *, env: str = ENV_PASSWORD, store_name: Callable[[str], str] | None = None,
) -> Secret:
    """A password from ``env``, else from the secret store (``store_name(user)``)."""
    value = os.environ.get(env)
    if value:
        return Secret(value)
    if store_name is not None:
        try:
            return secret_store().get(store_name(user))
        except SecretStoreError as exc:
            fail(f"no password: set {env} or store one ({exc})")
    fail(f"no password: set {env} in the environment (passwords are never taken from argv)")


def audit_log(path: Path | None = None) -> AuditLog:
    """The audit log: ``path``, ``$HNTH_AUDIT_LOG`` or ``~/.local/state/hnth/audit.jsonl``."""
    env = os.environ.get(ENV_AUDIT)
    where = path or (Path(env) if env else Path.home() / ".local" / "state" / "hnth" /
                     "audit.jsonl")
    return AuditLog(where)


def stop_on_signals() -> asyncio.Event:
    """An event set by SIGINT or SIGTERM: simulators run until it is set, then close
    cleanly (exit 0), so that scripts and CI can stop them with ``kill``."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop


def ready(kind: str, address: str) -> None:
    """The one line simulators print when they accept connections (flushed)."""
    sys.stdout.write(f"READY {kind} {address}\n")
    sys.stdout.flush()
