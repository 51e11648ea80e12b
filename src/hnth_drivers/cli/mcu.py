"""``hnth mcu ...``: an MCU through any installed driver, on the command line.

``--driver NAME`` is looked up in the entry-point registry and the driver is built with its
:meth:`~hnth_drivers.driver.Driver.from_target`, exactly as a network file's MCUs are: the
project's ``codian`` and ``smc`` and any vendor's plug-in alike. (``hnth sim mcu`` comes
from the simulators' command plug-in.)
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from .app import app
from .common import (
    audit_log,
    check_url,
    console,
    password_from_env,
    timeout_seconds,
    typed_errors,
)

if TYPE_CHECKING:
    from ..mcu.base import Mcu
    from ..security.secrets import Secret

__all__ = ["McuTarget", "build_driver", "mcu_app"]

mcu_app = typer.Typer(no_args_is_help=True, help="Talk to an MCU through a driver.")
app.add_typer(mcu_app, name="mcu")


# ---- hnth mcu ... -------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class McuTarget:
    """How to reach an MCU: URL, trust anchor, user (password looked up when needed)."""

    url: str
    ca: Path | None
    pin: str | None
    user: str
    timeout_s: float


class _Password:
    """The one password the command line was given, as a SecretSource."""

    def __init__(self, secret: Secret) -> None:
        self._secret = secret

    def resolve(self, ref: str) -> Secret:
        return self._secret


def build_driver(driver: str, target: McuTarget) -> Mcu:
    """The ``driver`` (any installed MCU driver) for ``target``, built through the registry."""
    import httpx

    from ..driver import DeviceTarget
    from ..errors import RegistryError
    from ..mcu.base import Mcu
    from ..registry import get_driver
    from ..security.policy import STRICT

    cls = get_driver("mcu", driver)
    host = httpx.URL(target.url).host
    password = password_from_env(target.user, store_name=lambda u: f"mcu.{host}/{u}")
    built = cls.from_target(
        DeviceTarget("mcu", "", driver, target.url, user=target.user, password_ref="cli",  # noqa: S106
                     ca_file=target.ca, pin_sha256=target.pin,
                     options={"timeout_s": target.timeout_s}),
        secrets=_Password(password), policy=STRICT, audit=None)
    if not isinstance(built, Mcu):
        raise RegistryError("not an MCU driver", operation="hnth mcu", got=repr(driver))
    return built


DRIVER_OPT = typer.Option("codian", "--driver", help="MCU driver: codian, smc, or any "
                          "installed driver (hnth drivers lists them).")
URL_OPT = typer.Option(..., "--url", callback=check_url, help="e.g. https://HOST:PORT/RPC2")
CA_OPT = typer.Option(None, "--ca", help="CA certificate file that signed the MCU's.")
PIN_OPT = typer.Option(None, "--pin", help="SHA-256 fingerprint of the MCU's certificate.")
USER_OPT = typer.Option("admin", "--user", help="User; password from $HNTH_PASSWORD or "
                        "the secret store (mcu.HOST/USER).")
TIMEOUT_OPT = typer.Option(10.0, "--timeout", callback=timeout_seconds,
                           help="Seconds per request (0.1 to 3600).")
JSON_OPT = typer.Option(False, "--json", help="Machine-readable output.")


def _run(driver: str, target: McuTarget, work: Callable[[Mcu], Awaitable[Any]]) -> Any:
    async def go() -> Any:
        async with build_driver(driver, target) as mcu:
            return await work(mcu)

    with typed_errors():
        return asyncio.run(go())


def _print(rows: list[dict[str, Any]], title: str, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(rows, indent=2, default=str))
        return
    if not rows:
        console.print(f"{title}: none", highlight=False)
        return
    table = Table(title=title)
    for col in rows[0]:
        table.add_column(col)
    for row in rows:
        table.add_row(*(str(v) for v in row.values()))
    console.print(table)


@mcu_app.command("conferences")
def conferences(driver: str = DRIVER_OPT, url: str = URL_OPT, ca: Path | None = CA_OPT,
                pin: str | None = PIN_OPT, user: str = USER_OPT, timeout: float = TIMEOUT_OPT,
                as_json: bool = JSON_OPT) -> None:
    """List conferences."""
    confs = _run(driver, McuTarget(url, ca, pin, user, timeout), lambda m: m.conferences())
    _print([{"name": c.name, "id": c.id, "active": c.active,
             "participants": c.participant_count} for c in confs], "Conferences", as_json)


@mcu_app.command("participants")
def participants(conference: str = typer.Argument(..., help="Conference name."),
                 driver: str = DRIVER_OPT, url: str = URL_OPT, ca: Path | None = CA_OPT,
                 pin: str | None = PIN_OPT, user: str = USER_OPT,
                 timeout: float = TIMEOUT_OPT, as_json: bool = JSON_OPT) -> None:
    """List a conference's participants with their state."""
    parts = _run(driver, McuTarget(url, ca, pin, user, timeout),
                 lambda m: m.participants(conference))
    _print([{"name": p.name, "address": p.address, "kind": p.kind.value,
             "state": p.state.value, "muted": p.muted} for p in parts],
           f"Participants of {conference}", as_json)


@mcu_app.command("layout")
def layout(conference: str = typer.Argument(..., help="Conference name."),
           target: str | None = typer.Option(None, "--target", help="Whose screen "
                                             "(default: the conference layout)."),
           show: str | None = typer.Option(None, "--show", help="First show this participant "
                                           "full-screen (audited)."),
           driver: str = DRIVER_OPT, url: str = URL_OPT, ca: Path | None = CA_OPT,
           pin: str | None = PIN_OPT, user: str = USER_OPT, timeout: float = TIMEOUT_OPT,
           as_json: bool = JSON_OPT) -> None:
    """Read (and with --show, set) what a participant or the conference sees."""
    async def work(mcu: Mcu) -> Any:
        if show is not None:
            log = audit_log()
            try:
                await mcu.show_full_screen(conference, show, target=target)
            except Exception as exc:
                log.append(actor=user, action="mcu.show_full_screen", target=mcu.device,
                           result=f"failed: {type(exc).__name__}",
                           detail={"conference": conference, "participant": show,
                                   "target": target or "*"})
                raise
            log.append(actor=user, action="mcu.show_full_screen", target=mcu.device,
                       result="ok", detail={"conference": conference, "participant": show,
                                            "target": target or "*"})
        return await mcu.layout(conference, target=target)

    seen = _run(driver, McuTarget(url, ca, pin, user, timeout), work)
    rows = [{"index": p.index, "type": p.kind.value, "participant": p.participant or ""}
            for p in seen.panes]
    if as_json:
        typer.echo(json.dumps({"kind": seen.kind.value, "pane_count": seen.pane_count,
                               "panes": rows}, indent=2))
        return
    _print(rows, f"{seen.kind.value}, {seen.pane_count} panes", False)


@mcu_app.command("health")
def health(driver: str = DRIVER_OPT, url: str = URL_OPT, ca: Path | None = CA_OPT,
           pin: str | None = PIN_OPT, user: str = USER_OPT, timeout: float = TIMEOUT_OPT,
           as_json: bool = JSON_OPT) -> None:
    """The MCU's health and port usage."""
    from ..model import Capability

    async def work(mcu: Mcu) -> Any:
        # a driver without CAPACITY (smc) still reports health
        cap = await mcu.capacity() if mcu.supports(Capability.CAPACITY) else None
        return await mcu.health(), cap

    report, cap = _run(driver, McuTarget(url, ca, pin, user, timeout), work)
    row = {"device": report.device, "reachable": report.reachable, "uptime_s": report.uptime_s,
           "cpu_load_percent": report.cpu_load_percent, "active_calls": report.active_calls,
           "ports_total": cap and cap.ports_total, "ports_used": cap and cap.ports_used}
    if as_json:
        typer.echo(json.dumps({**row, "detail": report.detail}, indent=2))
        return
    _print([row], "MCU health", False)
