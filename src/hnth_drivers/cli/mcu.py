"""``hnth sim mcu`` (a simulated MCU) and ``hnth mcu ...`` (MCU drivers on the command line).

Both are open to more APIs: ``SIM_FRONT_ENDS`` maps ``--api`` names to functions that
start a front end on a simulated MCU, and ``DRIVER_FACTORIES`` maps ``--driver`` names to
functions that build a driver from the common options. Adding SOAP (``smc``) is one entry
in each table, no change to the commands.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from .app import app, sim_app
from .common import (
    audit_log,
    check_url,
    console,
    fail,
    finite,
    host_port,
    password_from_env,
    ready,
    stop_on_signals,
    timeout_seconds,
    typed_errors,
)

if TYPE_CHECKING:
    from hnth_sim.mcu.model import McuModel, Network

    from ..mcu.base import Mcu

__all__ = ["DRIVER_FACTORIES", "SIM_FRONT_ENDS", "McuTarget", "SimMcuOptions", "mcu_app"]

ENV_SIM_PASSWORD = "HNTH_SIM_PASSWORD"  # noqa: S105 - the variable's name, not a value

mcu_app = typer.Typer(no_args_is_help=True, help="Talk to an MCU through a driver.")
app.add_typer(mcu_app, name="mcu")


# ---- hnth sim mcu -------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class SimMcuOptions:
    """What ``hnth sim mcu`` was asked for (the password is held, never printed)."""

    host: str
    port: int
    tls_dir: Path
    user: str
    password: str = dataclasses.field(repr=False)
    page_size: int = 100


Closer = Callable[[], Awaitable[None]]
SimFrontEnd = Callable[["Network", "McuModel", SimMcuOptions], Awaitable[tuple[str, Closer]]]
"""Start an API front end for ``mcu``; returns the address to announce and a closer."""


async def _codian_front_end(network: Network, mcu: McuModel,
                            opts: SimMcuOptions) -> tuple[str, Closer]:
    from hnth_sim.mcu.codian_server import CodianServer

    server = CodianServer(network, user=opts.user, password=opts.password,
                          tls_dir=opts.tls_dir, default_mcu=mcu.id, page_size=opts.page_size)
    host, port = await server.start(opts.host, opts.port)
    return f"{host}:{port}", server.close


SIM_FRONT_ENDS: dict[str, SimFrontEnd] = {"codian": _codian_front_end}


def _host_port(text: str) -> tuple[str, int]:
    return host_port(text, "--listen", listen=True)


async def _run_sim(api: str, opts: SimMcuOptions, *, mcu_id: str, ports: int,
                   latency_ms: float, jitter_ms: float, dial_delay_ms: float, seed: int) -> None:
    from hnth_sim.mcu.model import Faults, Network

    network = Network(seed=seed)
    mcu = network.add_mcu(mcu_id, ports=ports, dial_delay_s=dial_delay_ms / 1000.0,
                          faults=Faults(latency_ms=latency_ms, latency_jitter_ms=jitter_ms))
    address, close = await SIM_FRONT_ENDS[api](network, mcu, opts)
    stop = stop_on_signals()
    ready("mcu", address)
    try:
        await stop.wait()
    finally:
        await close()


@sim_app.command("mcu")
def sim_mcu(
    api: str = typer.Option("codian", "--api", help="Wire API: codian, or any front end "
                            "registered in hnth_drivers.cli.mcu.SIM_FRONT_ENDS."),
    listen: str = typer.Option("127.0.0.1:0", "--listen", help="HOST:PORT (port 0: any)."),
    tls_dir: Path = typer.Option(..., "--tls-dir", help="Where ca.pem and the server "
                                 "certificate are written (created if needed)."),
    user: str = typer.Option("admin", "--user", help="API user; its password comes from "
                             f"${ENV_SIM_PASSWORD}."),
    ports: int = typer.Option(40, "--ports", min=0, help="Ports (participants + links)."),
    latency_ms: float = typer.Option(0.0, "--latency-ms", min=0, callback=finite,
                                     help="API latency."),
    jitter_ms: float = typer.Option(0.0, "--jitter-ms", min=0, callback=finite,
                                    help="API latency jitter."),
    dial_delay_ms: float = typer.Option(0.0, "--dial-delay-ms", min=0, callback=finite,
                                        help="How long a dial-out takes to connect."),
    page_size: int = typer.Option(100, "--page-size", min=1, help="Items per enumerate page."),
    mcu_id: str = typer.Option("mcu", "--mcu-id", help="This MCU's id (cascade addresses)."),
    seed: int = typer.Option(0, "--seed", help="Seed of every random choice."),
) -> None:
    """Run one simulated MCU until interrupted; prints ``READY mcu HOST:PORT``."""
    if api not in SIM_FRONT_ENDS:
        fail(f"--api must be one of {sorted(SIM_FRONT_ENDS)}, got {api!r}")
    password = os.environ.get(ENV_SIM_PASSWORD, "")
    if not password:
        fail(f"set {ENV_SIM_PASSWORD}: the simulator's password never comes from argv")
    host, port = _host_port(listen)
    opts = SimMcuOptions(host, port, tls_dir, user, password, page_size)
    with typed_errors(), contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_run_sim(api, opts, mcu_id=mcu_id, ports=ports, latency_ms=latency_ms,
                             jitter_ms=jitter_ms, dial_delay_ms=dial_delay_ms, seed=seed))


# ---- hnth mcu ... -------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class McuTarget:
    """How to reach an MCU: URL, trust anchor, user (password looked up when needed)."""

    url: str
    ca: Path | None
    pin: str | None
    user: str
    timeout_s: float


def _codian_driver(target: McuTarget) -> Mcu:
    import httpx

    from ..mcu.codian import CodianMcu, CodianOptions
    from ..transport.https import TlsTrust

    host = httpx.URL(target.url).host
    password = password_from_env(target.user, store_name=lambda u: f"mcu.{host}/{u}")
    trust = TlsTrust(ca_file=target.ca, pin_sha256=target.pin) \
        if (target.ca or target.pin) else None
    return CodianMcu(target.url, user=target.user, password=password, trust=trust,
                     options=CodianOptions(timeout_s=target.timeout_s))


DRIVER_FACTORIES: dict[str, Callable[[McuTarget], Mcu]] = {"codian": _codian_driver}

DRIVER_OPT = typer.Option("codian", "--driver", help="MCU driver: codian, or any factory "
                          "registered in hnth_drivers.cli.mcu.DRIVER_FACTORIES.")
URL_OPT = typer.Option(..., "--url", callback=check_url, help="e.g. https://HOST:PORT/RPC2")
CA_OPT = typer.Option(None, "--ca", help="CA certificate file that signed the MCU's.")
PIN_OPT = typer.Option(None, "--pin", help="SHA-256 fingerprint of the MCU's certificate.")
USER_OPT = typer.Option("admin", "--user", help="User; password from $HNTH_PASSWORD or "
                        "the secret store (mcu.HOST/USER).")
TIMEOUT_OPT = typer.Option(10.0, "--timeout", callback=timeout_seconds,
                           help="Seconds per request (0.1 to 3600).")
JSON_OPT = typer.Option(False, "--json", help="Machine-readable output.")


def _run(driver: str, target: McuTarget, work: Callable[[Mcu], Awaitable[Any]]) -> Any:
    factory = DRIVER_FACTORIES.get(driver)
    if factory is None:
        fail(f"--driver must be one of {sorted(DRIVER_FACTORIES)}, got {driver!r}")

    async def go() -> Any:
        async with factory(target) as mcu:
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
        typer.echo(json.dumps({"kind": seen.kind.value, "grid": seen.grid, "panes": rows},
                              indent=2))
        return
    _print(rows, f"{seen.kind.value} {seen.grid}x{seen.grid}", False)


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
        typer.echo(json.dumps(row, indent=2))
        return
    _print([row], "MCU health", False)
