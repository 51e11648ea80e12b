"""``hnth network check``: open every device of a network file, report each one.

Every MCU, codec and camera is opened through its registered driver (TLS verified against
the file's CA or pin, SSH host keys against its known-hosts file, credentials from the
secret store or environment) and every SNMP target answers one authenticated, encrypted
GET; at most ``--concurrency`` at a time. A device that is down or refuses trust is
reported on its own row; the others carry on. Exit 0 when every device passed, 1 when any
failed, 2 for a bad network file (nothing contacted).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from .app import app
from .common import console, err_console
from .fleet_options import JSON_OPT, NETWORK_OPT, fleet_from

if TYPE_CHECKING:
    from ..network.fleet import Fleet

__all__ = ["CheckRow", "check_fleet", "network_app"]

network_app = typer.Typer(no_args_is_help=True, help="A whole network, from its network file.")
app.add_typer(network_app, name="network")


@dataclass(frozen=True, slots=True)
class CheckRow:
    """One device's check: ``error`` is None when it passed."""

    device: str
    kind: str
    driver: str
    address: str
    seconds: float
    error: str | None

    def to_json(self) -> dict[str, object]:
        """The row as JSON."""
        return {"device": self.device, "kind": self.kind, "driver": self.driver,
                "address": self.address, "ms": round(self.seconds * 1000, 1),
                "ok": self.error is None, "error": self.error}


async def check_fleet(fleet: Fleet, *, kinds: tuple[str, ...] = ("mcu", "vcs", "camera",
                                                                   "snmp"),
                      timeout_s: float = 15.0,
                      progress: Callable[[CheckRow], None] | None = None) -> list[CheckRow]:
    """Open every device of ``fleet`` (bounded) and SNMP-check every target; one row each.

    ``progress`` (a callable taking one row) is called as each device finishes.
    """
    rows: list[CheckRow] = []

    def done(row: CheckRow) -> None:
        rows.append(row)
        if progress is not None:
            progress(row)

    device_kinds = tuple(k for k in kinds if k != "snmp")
    targets = fleet.targets(*device_kinds) if device_kinds else []

    async def devices() -> None:
        from ..network.fleet import DeviceResult

        def one(result: DeviceResult) -> None:
            t = result.target
            done(CheckRow(t.id, t.kind, t.driver, t.address, result.seconds,
                          str(result.error) if result.error else None))

        await fleet.open_all(targets, progress=one, timeout_s=timeout_s)

    async def snmp() -> None:
        if "snmp" not in kinds:
            return
        from ..cascade.live import gather_bounded

        async def one(target_id: str) -> None:
            target = snmp_targets[target_id]
            t0 = time.perf_counter()
            error = await fleet.check_snmp(target)
            done(CheckRow(target_id, "snmp", target.vendor, f"{target.host}:{target.port}",
                          time.perf_counter() - t0, str(error) if error else None))

        snmp_targets = fleet.snmp_targets()
        await gather_bounded([partial(one, t) for t in snmp_targets], fleet.concurrency)

    await asyncio.gather(devices(), snmp())
    order = {"mcu": 0, "snmp": 1, "vcs": 2, "camera": 3}
    return sorted(rows, key=lambda r: (order.get(r.kind, 9), r.device))


@network_app.command("check")
def network_check(
    file: Path | None = typer.Argument(None, help="The network file (or --network; default "
                                       "$HNTH_NETWORK)."),
    network: Path | None = NETWORK_OPT,
    as_json: bool = JSON_OPT,
    concurrency: int = typer.Option(32, "--concurrency", min=1, max=512,
                                    help="Devices opened at once."),
    timeout: float = typer.Option(15.0, "--timeout", min=0.1, help="Seconds per device."),
    only: list[str] = typer.Option([], "--only", help="Check only these kinds: mcu, vcs, "
                                   "camera, snmp (repeatable)."),
) -> None:
    """Open every device of the network file; a table (or --json) of what passed."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    kinds = tuple(only) or ("mcu", "vcs", "camera", "snmp")
    bad = [k for k in kinds if k not in ("mcu", "vcs", "camera", "snmp")]
    if bad:
        from .common import fail
        fail(f"--only: unknown kind {bad[0]!r} (mcu, vcs, camera or snmp)")
    if file is not None and network is not None and file != network:
        from .common import fail
        fail(f"two network files: {file} and --network {network}")
    fleet = fleet_from(file or network, concurrency=concurrency)
    total = len(fleet.targets(*[k for k in kinds if k != "snmp"])) + (
        len(fleet.network.snmp) if "snmp" in kinds else 0)
    t0 = time.perf_counter()

    async def run() -> list[CheckRow]:
        async with fleet:
            with Progress(TextColumn("  devices"), BarColumn(), MofNCompleteColumn(),
                          console=err_console, transient=True,
                          disable=as_json or not err_console.is_terminal) as bar:
                task = bar.add_task("devices", total=total)
                return await check_fleet(fleet, kinds=kinds, timeout_s=timeout,
                                         progress=lambda _row: bar.advance(task))

    rows = asyncio.run(run())
    failed = [r for r in rows if r.error is not None]
    if as_json:
        typer.echo(json.dumps({"network": str(fleet.network.source), "devices": len(rows),
                               "failed": len(failed), "seconds": round(
                                   time.perf_counter() - t0, 3),
                               "rows": [r.to_json() for r in rows]}, indent=2))
    else:
        _table(rows, time.perf_counter() - t0)
    raise typer.Exit(1 if failed else 0)


def _table(rows: list[CheckRow], seconds: float) -> None:
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    table = Table(title="Network check", box=box.SIMPLE_HEAD)
    for col in ("device", "kind", "driver", "address", "ms", "result"):
        table.add_column(col, justify="right" if col == "ms" else "left",
                         overflow="fold")
    shown = [r for r in rows if r.error] + [r for r in rows if not r.error][:40]
    for r in shown:
        table.add_row(r.device, r.kind, r.driver, r.address, f"{r.seconds * 1000:.0f}",
                      "[green]ok[/]" if r.error is None else f"[red]{escape(r.error)}[/]")
    console.print(table)
    if len(shown) < len(rows):
        console.print(f"  … and {len(rows) - len(shown)} more devices that passed")
    failed = sum(1 for r in rows if r.error)
    console.print(f"{len(rows) - failed}/{len(rows)} devices passed in {seconds:.1f} s"
                  + (f"; [bold red]{failed} failed[/]" if failed else ""), highlight=False)
