"""What every command over a network file shares: ``--network``, ``--operator``, ``--json``;
and how a command builds one device's driver through the registry, from its own options
(:func:`cli_driver`) or from the network file (:func:`site_driver`).

``--network FILE`` defaults to ``$HNTH_NETWORK``; ``--operator NAME`` to
``$HNTH_OPERATOR``, checked against the operators file the network file names. A bad
network or operators file prints one line per problem (``FILE:LINE: KEY: ...``) and exits
2 before anything is contacted.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer
from rich.markup import escape

from .common import audit_log, err_console, fail, typed_errors

if TYPE_CHECKING:
    from ..driver import Driver
    from ..network.fleet import Fleet
    from ..security.access import Operator
    from ..security.policy import SecurityPolicy
    from ..security.secrets import Secret

__all__ = ["ENV_NETWORK", "ENV_OPERATOR", "JSON_OPT", "NETWORK_OPT", "OPERATOR_OPT",
           "cli_driver", "fleet_from", "network_errors", "operator_from", "site_driver"]

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


class _GivenSecret:
    """The one credential the command line was given, as a SecretSource."""

    def __init__(self, secret: Secret) -> None:
        self._secret = secret

    def resolve(self, ref: str) -> Secret:
        return self._secret


def cli_driver(kind: str, name: str, address: str,
               password: Callable[[], Secret | None] | None = None, *,
               device: str | None = None, user: str = "admin", key_file: Path | None = None,
               known_hosts: Path | None = None, ca_file: Path | None = None,
               pin: str | None = None, options: Mapping[str, object] | None = None,
               presets: Mapping[str, int] | None = None,
               policy: SecurityPolicy | None = None) -> Driver:
    """Driver ``name`` of ``kind`` (any installed one) for ``address``, built through the
    registry with its ``from_target`` as a network file's device is (not opened); the
    registry checked that the class implements ``kind``'s contract.

    The class is looked up first: an unknown name is one line and exit 2 before
    ``password()`` is asked for or anything is contacted.
    """
    from ..driver import DeviceTarget
    from ..errors import RegistryError
    from ..registry import get_driver
    from ..security.policy import STRICT

    with typed_errors():
        cls = get_driver(kind, name)
        secret = password() if password is not None else None
        built = cls.from_target(
            DeviceTarget(kind, device or address, name, address, user=user,
                         password_ref="cli" if secret is not None else None,
                         key_file=key_file, ca_file=ca_file, pin_sha256=pin,
                         known_hosts=known_hosts, presets=presets or {},
                         options=options or {}),
            secrets=_GivenSecret(secret) if secret is not None else _NoSecret(),
            policy=policy or STRICT, audit=None)
        if not isinstance(built, cls):
            raise RegistryError("from_target built something else", operation=f"hnth {kind}",
                                expected=cls.__name__, got=type(built).__name__)
        return built
    raise AssertionError("unreachable: typed_errors exits on error")


class _NoSecret:
    """No credential was given on the command line."""

    def resolve(self, ref: str) -> Secret:
        from ..errors import ConfigError

        raise ConfigError("no credential given", operation="from_target", device=ref,
                          expected="$HNTH_PASSWORD or the secret store")


def site_driver(kind: str, network: Path | None, device: str,
                options: Mapping[str, object] | None = None) -> Driver:
    """Device ``device`` (``codec:SITE``, ``camera:SITE/N``) of the network file
    (``network`` or ``$HNTH_NETWORK``), its driver built through the registry with the
    file's trust and credentials (not opened); ``options`` (e.g. the command's
    ``timeout_s``) are added to the file's."""
    import dataclasses

    from ..errors import RegistryError

    fleet = fleet_from(network)
    with typed_errors():
        target = fleet.target(device)
        if options:
            target = dataclasses.replace(target, options={**target.options, **options})
        built = fleet.driver(target)
        if target.kind != kind:
            raise RegistryError("not a device of this kind", device=device,
                                operation=f"hnth {kind}", expected=kind, got=target.kind)
        return built
    raise AssertionError("unreachable: typed_errors exits on error")
