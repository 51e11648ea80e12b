"""``hnth console``: the operator web console over a network file, and its password tool.

``hnth console --network FILE [--listen HOST:PORT] [--tls-dir DIR] [--operators FILE]``
serves the console over HTTPS and prints ``READY console https://HOST:PORT/`` once it
listens; SIGINT/SIGTERM end it cleanly. Plain HTTP only with ``--plain-http`` on a
loopback address, recorded in the audit log. ``hnth console hash-password`` reads a
password from standard input (never from the command line) and prints its scrypt hash
for the operators file's ``password_hash``.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import sys
from pathlib import Path

import typer

from .app import app
from .common import audit_log, fail, ready, stop_on_signals, typed_errors
from .fleet_options import network_errors

__all__ = ["console_app"]

console_app = typer.Typer(invoke_without_command=True, no_args_is_help=False,
                          help="The operator web console.")
app.add_typer(console_app, name="console")


def _listen(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        fail(f"--listen wants HOST:PORT, got {value!r}")
    return host, int(port)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@console_app.callback()
def console(
    ctx: typer.Context,
    network: Path | None = typer.Option(None, "--network", help="The network file "
                                        "(default $HNTH_NETWORK)."),
    listen: str = typer.Option("127.0.0.1:8443", "--listen", help="HOST:PORT (port 0: any)."),
    tls_dir: Path = typer.Option(Path("console-tls"), "--tls-dir", help="server.pem and "
                                 "server-key.pem; a self-signed pair and its ca.pem are "
                                 "made here if missing."),
    operators: Path | None = typer.Option(None, "--operators", help="The operators file "
                                          "(default: the one the network file names)."),
    plain_http: bool = typer.Option(False, "--plain-http", help="Serve plain HTTP (loopback "
                                    "only; recorded in the audit log)."),
    poll: float = typer.Option(3.0, "--poll", min=0.5, help="Seconds between reads of "
                               "every MCU's participants (states, drops)."),
    snmp_every: float = typer.Option(15.0, "--snmp-every", min=1.0, help="Seconds between "
                                     "SNMP health rounds."),
    watch: bool = typer.Option(True, "--watch/--no-watch", help="Run the watchdog (drops "
                               "redialled at once)."),
    runbook: Path | None = typer.Option(None, "--runbook", help="A meeting's runbook state "
                                        "file (hnth meeting run): its steps, deadlines and "
                                        "verdicts on the page."),
) -> None:
    """Serve the operator console; prints ``READY console https://HOST:PORT/``."""
    if ctx.invoked_subcommand is not None:
        return
    import os

    from ..console import Accounts, ConsoleService, build_app, ensure_tls, load_password_hashes
    from ..console.server import serve
    from ..errors import ConfigError, SecretStoreError
    from ..network.fleet import Fleet
    from ..network.operators import load_operators

    host, port = _listen(listen)
    if plain_http and not _loopback(host):
        fail(f"--plain-http is allowed on a loopback address only, not {host}")
    path = network or (Path(os.environ["HNTH_NETWORK"]) if os.environ.get("HNTH_NETWORK")
                       else None)
    if path is None:
        fail("no network file: give --network FILE or set HNTH_NETWORK")
    with network_errors():
        try:
            fleet = Fleet.from_file(path, audit=audit_log(), actor="console")
        except (ConfigError, SecretStoreError) as exc:
            fail(str(exc))
        ops_file = operators or fleet.network.operators
        if ops_file is None:
            fail(f"{path}: names no operators file: give --operators FILE")
        ops = load_operators(ops_file, {s.id for s in fleet.network.sites})
    try:
        hashes = load_password_hashes(ops_file)
    except (OSError, ValueError) as exc:
        fail(f"{ops_file}: {exc}")
    if not hashes:
        fail(f"{ops_file}: no operator has a password_hash (hnth console hash-password)")
    tls = None if plain_http else ensure_tls(tls_dir, host)
    service = ConsoleService(fleet, poll_s=poll, watch=watch, snmp_s=snmp_every)
    if runbook is not None and not runbook.is_file():
        fail(f"--runbook {runbook}: no such file")
    application = build_app(service, Accounts(ops, hashes), https=tls is not None,
                            runbook=runbook)

    async def run() -> None:
        stop = stop_on_signals()
        if plain_http and fleet.audit is not None:
            await asyncio.to_thread(fleet.audit.append, actor="console",
                                    action="console.plain_http", target=listen,
                                    result="waived",
                                    detail={"reason": "--plain-http on loopback"})
        await serve(application, host=host, port=port, tls=tls, stop=stop,
                    on_ready=lambda url: ready("console", url), on_stop=service.hub.close)

    with typed_errors(), contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())


@console_app.command("hash-password")
def hash_password_command() -> None:
    """Read a password from standard input and print its scrypt hash."""
    from ..console.passwords import hash_password

    if sys.stdin.isatty():
        import getpass

        password = getpass.getpass("Password: ")
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if len(password) < 8:
        fail("a console password has at least 8 characters")
    typer.echo(hash_password(password))
