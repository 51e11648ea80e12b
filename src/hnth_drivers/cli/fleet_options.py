"""What every command over a network file shares: ``--network``, ``--operator``, ``--json``.

``--network FILE`` defaults to ``$HNTH_NETWORK``; ``--operator NAME`` to
``$HNTH_OPERATOR``, checked against the operators file the network file names. A bad
network or operators file prints one line per problem (``FILE:LINE: KEY: ...``) and exits
2 before anything is contacted.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer
from rich.markup import escape

from .common import audit_log, err_console, fail

if TYPE_CHECKING:
    from ..network.fleet import Fleet
    from ..security.access import Operator

__all__ = ["ENV_NETWORK", "ENV_OPERATOR", "JSON_OPT", "NETWORK_OPT", "OPERATOR_OPT",
           "fleet_from", "network_errors", "operator_from"]

ENV_NETWORK = "HNTH_NETWORK"
ENV_OPERATOR = "HNTH_OPERATOR"

NETWORK_OPT = typer.Option(None, "--network", help=f"The network file (default ${ENV_NETWORK}).")
OPERATOR_OPT = typer.Option(None, "--operator", help="Who acts, as named in the operators "
                            f"file (default ${ENV_OPERATOR}).")
JSON_OPT = typer.Option(False, "--json", help="Machine-readable output.")


def _problems(lines: list[str]) -> NoReturn:
    for line in lines:
        err_console.print(f"[bold red]error:[/] {escape(line)}", highlight=False,
                          soft_wrap=True)
    raise typer.Exit(2)


@contextmanager
def network_errors() -> Iterator[None]:
    """A bad network or operators file: one line per problem, exit 2."""
    from ..network.model import NetworkFileError

    try:
        yield
    except NetworkFileError as exc:
        _problems(exc.lines())


def fleet_from(network: Path | None, *, concurrency: int = 32, actor: str = "hnth") -> Fleet:
    """Load, validate and resolve the network file's credentials (nothing is contacted)."""
    from ..errors import ConfigError, SecretStoreError
    from ..network.fleet import Fleet

    path = network or (Path(os.environ[ENV_NETWORK]) if os.environ.get(ENV_NETWORK) else None)
    if path is None:
        fail(f"no network file: give --network FILE or set {ENV_NETWORK}")
    with network_errors():
        try:
            audit = audit_log()
            return Fleet.from_file(path, audit=audit, concurrency=concurrency, actor=actor)
        except (ConfigError, SecretStoreError) as exc:
            fail(str(exc))


def operator_from(fleet: Fleet, name: str | None) -> Operator:
    """The operator acting (``--operator`` or ``$HNTH_OPERATOR``), from the operators file."""
    from ..network.operators import load_operators

    name = name or os.environ.get(ENV_OPERATOR)
    if not name:
        fail(f"who acts? give --operator NAME or set {ENV_OPERATOR}")
    if fleet.network.operators is None:
        fail(f"{fleet.network.source}: names no operators file (operators = \"FILE\")")
    with network_errors():
        operators = load_operators(fleet.network.operators, {s.id for s in fleet.network.sites})
    if name not in operators:
        fail(f"unknown operator {name!r}: not in {fleet.network.operators}")
    return operators[name]
