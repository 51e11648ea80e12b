"""``hnth monitor``: SNMPv3 health and alarms of the devices of a targets file or of a
network file (``--network FILE``, default ``$HNTH_NETWORK``: every ``[[snmp]]`` target,
its credential references resolved from the secret store or the environment).
(``hnth sim snmp`` comes from the simulators' command plug-in.)"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import json
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from .app import app
from .common import (
    fail,
    host_port,
    secret_store,
    stop_on_signals,
    timeout_seconds,
    typed_errors,
)
from .fleet_options import ENV_NETWORK, NETWORK_OPT, fleet_from

if TYPE_CHECKING:
    from rich.table import Table

    from ..monitor.alarms import AlarmEngine, AlarmEvent
    from ..monitor.health import SnmpHealth

ENV_SIM_AUTH = "HNTH_SIM_PASSWORD"
ENV_SIM_PRIV = "HNTH_SIM_PRIV_PASSWORD"


def _split_listen(listen: str) -> tuple[str, int]:
    return host_port(listen, "--listen", listen=True)


def _health_json(h: SnmpHealth) -> dict[str, Any]:
    return {
        "device": h.device, "reachable": h.reachable, "polled_at": h.polled_at,
        "vendor": h.vendor, "uptime_s": h.uptime_s, "rebooted": h.rebooted,
        "descr": h.descr, "cpu_load_percent": h.cpu_load_percent,
        "active_calls": h.active_calls, "active_conferences": h.active_conferences,
        "interfaces": [{"index": i.index, "name": i.name, "oper_status": i.oper_status}
                       for i in h.interfaces],
        "calls": [{"call": c.call, "remote": c.remote, "loss_percent": c.loss_percent,
                   "audio_loss_percent": c.audio_loss_percent,
                   "video_loss_percent": c.video_loss_percent, "jitter_ms": c.jitter_ms,
                   "delay_ms": c.delay_ms, "state": c.state} for c in h.calls],
        "error": h.error,
    }


def _fmt(value: float | None, unit: str = "") -> str:
    return "-" if value is None else f"{value:.0f}{unit}"


def _table(readings: list[SnmpHealth], alarms: AlarmEngine) -> Table:
    from rich.table import Table

    table = Table(title="Device health (SNMPv3)")
    for col in ("device", "state", "uptime", "cpu", "calls", "links down", "delay/jitter",
                "alarms"):
        table.add_column(col)
    active: dict[str, list[AlarmEvent]] = {}
    for event in alarms.active():
        active.setdefault(event.device, []).append(event)
    for h in readings:
        state = ("[green]up" if not h.error else "[red]error") if h.reachable else "[red]down"
        worst = max(h.calls, key=lambda c: (c.delay_ms or 0) + 10 * (c.jitter_ms or 0),
                    default=None)
        worst_text = "-" if worst is None else (
            f"{_fmt(worst.delay_ms)}/{_fmt(worst.jitter_ms)} ms")
        table.add_row(h.device, state, _fmt(h.uptime_s, "s"), _fmt(h.cpu_load_percent, "%"),
                      _fmt(h.active_calls), ", ".join(i.label for i in h.interfaces_down) or "-",
                      worst_text, "; ".join(e.kind.value for e in active.get(h.device, []))
                      or "-")
    return table


def _events(recent: Iterable[tuple[str, AlarmEvent]]) -> Table:
    from rich.table import Table

    table = Table(title="Recent alarms", show_edge=False)
    for col in ("time", "severity", "event"):
        table.add_column(col)
    colour = {"critical": "red", "warning": "yellow", "clear": "green"}
    for at, e in reversed(list(recent)):
        sev = e.severity.value
        table.add_row(at, f"[{colour[sev]}]{sev}", e.message)
    return table


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    """Wait ``seconds``, or less if ``stop`` is set."""
    with contextlib.suppress(builtins.TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


@app.command("monitor")
def monitor(
    targets: Path | None = typer.Option(None, "--targets", help="Targets file (TOML or "
                                        "JSON)."),
    network: Path | None = NETWORK_OPT,
    once: bool = typer.Option(False, "--once",
                              help="Poll once, print, exit (1 if any alarm or poll error)."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output (JSON lines "
                                 "when live)."),
    interval: float = typer.Option(10.0, "--interval", callback=timeout_seconds,
                                   help="Seconds between sweeps (0.1 to 3600)."),
    max_in_flight: int = typer.Option(32, "--max-in-flight", min=1, max=1024,
                                      help="SNMP requests in flight at once."),
) -> None:
    """Watch device health and call quality over SNMPv3; show alarms as they happen.

    The devices are those of a targets file (--targets), or every SNMP target of the
    network file (--network, default $HNTH_NETWORK). Keys come from HNTH_PASSWORD /
    HNTH_PRIV_PASSWORD, or the variables or secret-store names the file gives, never from
    argv or the file itself.
    """
    from ..monitor import (
        AlarmEngine,
        SnmpMonitor,
        SnmpPoller,
        load_profiles,
        load_targets,
    )
    from ..monitor.targets import TargetsFile
    from ..security.policy import STRICT, SecurityPolicy

    if targets is not None and network is not None:
        fail("give --targets FILE or --network FILE, not both")
    policy: SecurityPolicy = STRICT
    source = targets
    if targets is not None:
        if not targets.is_file():
            fail(f"no such file: {targets}")
    elif network is not None or os.environ.get(ENV_NETWORK):
        fleet = fleet_from(network)
        source, policy = fleet.network.source, fleet.policy
        with typed_errors():
            from_network = TargetsFile(tuple(fleet.snmp_targets().values()))
        if not from_network.targets:
            fail(f"{source}: the network file has no [[snmp]] targets")
    else:
        fail(f"which devices? give --targets FILE or --network FILE (or set {ENV_NETWORK})")

    def store_get(name: str) -> Any:
        return secret_store().get(name)

    def spec_of() -> TargetsFile:
        return load_targets(targets, store=store_get) if targets is not None else from_network

    async def run() -> int:
        spec = spec_of()
        profiles = load_profiles(spec.vendor_tables)
        alarms = AlarmEngine(spec.thresholds, spec.damping)
        async with SnmpPoller(policy, max_in_flight=max_in_flight, profiles=profiles) as poller:
            watch = SnmpMonitor(poller, spec.targets, alarms, interval=interval)
            if once:
                readings = await watch.sweep()
                if as_json:
                    typer.echo(json.dumps({
                        "devices": [_health_json(h) for h in readings],
                        "alarms": [e.to_json() for e in alarms.active()]}, indent=2))
                else:
                    from .common import console
                    console.print(_table(readings, alarms))
                failed = alarms.active() or any(h.error for h in readings)
                return 1 if failed else 0
            # SIGINT/SIGTERM end the watch between sweeps: nothing in flight, the poller
            # closed cleanly, exit 0
            stop = stop_on_signals()
            if as_json:
                alarms.on_event(lambda e: print(json.dumps({"event": e.to_json()}), flush=True))
                while not stop.is_set():
                    readings = await watch.sweep()
                    print(json.dumps({"sweep": [_health_json(h) for h in readings]}),
                          flush=True)
                    await _pause(stop, interval)
                return 0
            import time
            from collections import deque

            from rich.console import Group
            from rich.live import Live

            recent: deque[tuple[str, AlarmEvent]] = deque(maxlen=12)
            alarms.on_event(lambda e: recent.append((time.strftime("%H:%M:%S"), e)))
            with Live(auto_refresh=False) as live:
                while not stop.is_set():
                    readings = await watch.sweep()
                    live.update(Group(_table(readings, alarms), _events(recent)),
                                refresh=True)
                    await _pause(stop, interval)
            return 0

    from ..errors import PolicyViolation

    with typed_errors():
        try:
            code = asyncio.run(run())
        except KeyboardInterrupt:
            code = 0
        except PolicyViolation as exc:
            # Credentials the policy refuses are bad input in the targets file: one
            # line naming the file, exit 2, before any packet is sent.
            from rich.markup import escape

            from .common import err_console
            err_console.print(f"[bold red]error:[/] {escape(f'{source}: {exc}')}",
                              highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None
    sys.stdout.flush()
    raise typer.Exit(code)
