"""Conventions every command shares: errors → exit codes, secrets from env or store."""

from __future__ import annotations

import asyncio
import math
import os
import signal
import socket
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

__all__ = ["ENV_AUDIT", "ENV_PASSWORD", "ENV_STORE", "audit_log", "check_url", "console",
           "err_console", "fail", "finite", "host_port", "json_stdout", "password_from_env",
           "ready", "secret_store", "stop_on_signals", "timeout_seconds", "typed_errors"]

ENV_PASSWORD = "HNTH_PASSWORD"  # noqa: S105 - the variable's name, not a value
ENV_STORE = "HNTH_SECRETS_FILE"
ENV_AUDIT = "HNTH_AUDIT_LOG"

console = Console()
err_console = Console(stderr=True)


def fail(message: str, code: int = 2) -> NoReturn:
    """Print an error on stderr and exit with ``code``."""
    # soft_wrap: one line whatever the terminal's width (scripts grep it; the rule is
    # "one line and exit 2")
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False,
                      soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def json_stdout(active: bool = True) -> Iterator[None]:
    """While a command's JSON document is meant for stdout, what the work prints through
    :data:`console` (progress bars, notes, from plug-ins too) goes to stderr instead."""
    if not active:
        yield
        return
    before = console.file
    console.file = sys.stderr
    try:
        yield
    finally:
        console.file = before


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


MAX_TIMEOUT_S = 3600.0


def timeout_seconds(ctx: typer.Context, param: typer.CallbackParam, value: float) -> float:
    """Option callback: a finite timeout from 0.1 s to an hour (``inf`` and ``nan`` are
    refused: every I/O has a deadline)."""
    name = param.opts[0] if param.opts else "--timeout"
    if not (math.isfinite(value) and 0.1 <= value <= MAX_TIMEOUT_S):
        fail(f"{name} expects seconds from 0.1 to {MAX_TIMEOUT_S:g}, got {value}")
    return value


def finite(ctx: typer.Context, param: typer.CallbackParam, value: float) -> float:
    """Option callback: a finite number (``inf`` and ``nan`` refused)."""
    if not math.isfinite(value):
        fail(f"{param.opts[0] if param.opts else 'option'} expects a finite number, "
             f"got {value}")
    return value


def host_port(text: str, option: str, *, listen: bool = False) -> tuple[str, int]:
    """``HOST:PORT`` (IPv6 in brackets) with a port 1..65535, or 0 (any) to listen on;
    with ``listen`` the host must resolve. One line and exit 2 otherwise."""
    host, sep, port = text.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or len(port) > 5 or \
            not (0 if listen else 1) <= int(port) <= 65535:
        fail(f"{option} expects HOST:PORT with a port 0..65535, got {text!r}" if listen else
             f"{option} expects HOST:PORT with a port 1..65535, got {text!r}")
    if any(ch.isspace() or ord(ch) < 32 for ch in host):
        fail(f"{option}: invalid host {host!r}")
    if listen:
        try:
            socket.getaddrinfo(host, int(port), type=socket.SOCK_STREAM,
                               flags=socket.AI_PASSIVE)
        except (OSError, UnicodeError) as exc:
            fail(f"{option}: cannot listen on {host!r}: "
                 f"{getattr(exc, 'strerror', None) or exc}")
    return host, int(port)


def check_url(ctx: typer.Context, param: typer.CallbackParam, value: str | None
              ) -> str | None:
    """Option callback: an ``https://`` (or ``http://``) URL with a host and, if given, a
    port 1..65535."""
    if value is None:
        return value
    from urllib.parse import urlsplit

    name = param.opts[0] if param.opts else "--url"
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as exc:
        fail(f"{name} expects a URL such as https://HOST:PORT/PATH, got {value!r} ({exc})")
    if parts.scheme not in ("https", "http") or not parts.hostname or port == 0 or \
            any(ord(ch) < 33 for ch in value):
        fail(f"{name} expects a URL such as https://HOST:PORT/PATH with a port 1..65535, "
             f"got {value!r}")
    return value
