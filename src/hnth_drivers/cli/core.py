"""``hnth drivers``, ``hnth audit verify``, ``hnth secrets set|get|list|delete``."""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path

import typer
from rich.table import Table

from .app import app
from .common import console, fail, secret_store, typed_errors

audit_app = typer.Typer(no_args_is_help=True, help="The tamper-evident audit log.")
secrets_app = typer.Typer(no_args_is_help=True, help="The encrypted secret store. "
                          "Key from HNTH_SECRETS_KEY_FILE or HNTH_SECRETS_PASSPHRASE; "
                          "file from --store or HNTH_SECRETS_FILE.")
app.add_typer(audit_app, name="audit")
app.add_typer(secrets_app, name="secrets")

STORE_OPT = typer.Option(None, "--store", help="Secret store file.")
LOOSE_OPT = typer.Option(False, "--allow-loose-permissions",
                         help="Only warn (instead of refusing) when the store or key file "
                         "is readable by group or others.")


@app.command("drivers")
def drivers(as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")
            ) -> None:
    """List installed drivers (entry points) with their capabilities."""
    from ..registry import describe

    infos = describe()
    if as_json:
        typer.echo(json.dumps([
            {"kind": i.kind, "name": i.name, "target": i.target,
             "capabilities": sorted(c.value for c in i.capabilities), "error": i.error}
            for i in infos], indent=2))
        return
    table = Table(title="Installed drivers")
    for col in ("kind", "name", "class", "capabilities"):
        table.add_column(col)
    for i in infos:
        caps = ", ".join(sorted(c.value for c in i.capabilities)) if not i.error else i.error
        table.add_row(i.kind, i.name, i.target, caps)
    console.print(table)
    if not infos:
        console.print("no drivers installed")


@audit_app.command("verify")
def audit_verify(file: Path = typer.Argument(..., help="The audit log (JSON lines).")) -> None:
    """Check the hash chain; exit 1 and name the first bad line if it was tampered with."""
    from ..security.audit import verify

    if not file.is_file():
        fail(f"no such file: {file}")
    try:
        report = verify(file)
    except OSError as exc:
        fail(f"{file}: cannot read the audit log: {exc.strerror or type(exc).__name__}")
    typer.echo(str(report))
    raise typer.Exit(0 if report.ok else 1)


@secrets_app.command("set")
def secrets_set(name: str = typer.Argument(..., help="Secret name, e.g. mcu.hanoi/admin"),
                store: Path | None = STORE_OPT,
                multiline: bool = typer.Option(False, "--multiline",
                                               help="Take all of standard input, several "
                                               "lines included (e.g. a PEM key)."),
                loose: bool = LOOSE_OPT) -> None:
    """Store a secret read from standard input (prompted without echo on a terminal).

    The value is one line (its final newline dropped); several lines are refused unless
    ``--multiline`` takes them whole: a value is never cut silently.
    """
    from ..security.secrets import Secret

    if sys.stdin.isatty():
        value = getpass.getpass(f"value for {name}: ")
    else:
        value = sys.stdin.read(1024 * 1024 + 1)
        if len(value) > 1024 * 1024:
            fail("the value on standard input is over 1 MiB: nothing stored")
        if value.endswith("\n"):
            value = value[:-1].removesuffix("\r")
        if not multiline and ("\n" in value or "\r" in value):
            fail("the value on standard input has several lines: nothing stored "
                 "(give one line, or --multiline to store all of it)")
    if not value:
        fail("empty value: nothing stored")
    if "\0" in value:
        fail("the value holds a NUL character: nothing stored")
    with typed_errors():
        secret_store(store, loose_ok=loose).set(name, Secret(value))
    typer.echo(f"stored {name}")


@secrets_app.command("get")
def secrets_get(name: str, store: Path | None = STORE_OPT, loose: bool = LOOSE_OPT) -> None:
    """Print a secret's value on standard output (for scripts)."""
    with typed_errors():
        value = secret_store(store, loose_ok=loose).get(name)
    sys.stdout.write(value.reveal() + "\n")


@secrets_app.command("list")
def secrets_list(store: Path | None = STORE_OPT, loose: bool = LOOSE_OPT) -> None:
    """List the names of stored secrets (never their values)."""
    with typed_errors():
        names = secret_store(store, loose_ok=loose).names()
    for n in names:
        typer.echo(n)


@secrets_app.command("delete")
def secrets_delete(name: str, store: Path | None = STORE_OPT, loose: bool = LOOSE_OPT
                   ) -> None:
    """Remove a secret."""
    with typed_errors():
        secret_store(store, loose_ok=loose).delete(name)
    typer.echo(f"deleted {name}")
