"""The simulators' commands: ``hnth sim mcu|codec|camera|snmp`` and ``hnth readiness
--profile``.

This module belongs to ``hnth_sim`` and is loaded by the ``hnth`` command line through the
``hnth_drivers.cli`` entry-point group: the library never imports the simulators, the
simulators plug their commands into it. Each ``hnth sim`` command runs one simulator until
interrupted and prints one line ``READY <kind> <address>`` when it accepts connections.
``SIM_FRONT_ENDS`` maps ``hnth sim mcu --api`` names to the functions that start a front
end on a simulated MCU.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import signal
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from hnth_drivers.cli import readiness as readiness_cli
from hnth_drivers.cli.app import sim_app
from hnth_drivers.cli.camera import MODEL_OPT
from hnth_drivers.cli.codec import _dialect
from hnth_drivers.cli.common import (
    console,
    err_console,
    fail,
    finite,
    host_port,
    ready,
    stop_on_signals,
    typed_errors,
)
from hnth_drivers.errors import ConfigError

if TYPE_CHECKING:
    from hnth_drivers.cascade.topology import Topology
    from hnth_drivers.meeting.readiness import ReadinessReport

    from .mcu.model import McuModel, Network

__all__ = ["SIM_FRONT_ENDS", "SimMcuOptions", "sweep_simulated"]

ENV_SIM_PASSWORD = "HNTH_SIM_PASSWORD"  # noqa: S105 - the variable's name, not a value
ENV_SIM_AUTH = "HNTH_SIM_PASSWORD"
ENV_SIM_PRIV = "HNTH_SIM_PRIV_PASSWORD"


@dataclasses.dataclass(frozen=True)
class SimMcuOptions:
    """What ``hnth sim mcu`` was asked for (the password is held, never printed)."""

    host: str
    port: int
    tls_dir: Path
    user: str
    password: str = dataclasses.field(repr=False)
    page_size: int = 100
    api_version: str = "2.10"


Closer = Callable[[], Awaitable[None]]
SimFrontEnd = Callable[["Network", "McuModel", SimMcuOptions], Awaitable[tuple[str, Closer]]]
"""Start an API front end for ``mcu``; returns the address to announce and a closer."""


async def _codian_front_end(network: Network, mcu: McuModel,
                            opts: SimMcuOptions) -> tuple[str, Closer]:
    from .mcu.codian_server import CodianServer

    server = CodianServer(network, user=opts.user, password=opts.password,
                          tls_dir=opts.tls_dir, default_mcu=mcu.id, page_size=opts.page_size,
                          api_version=opts.api_version)
    host, port = await server.start(opts.host, opts.port)
    return f"{host}:{port}", server.close




def _host_port(text: str) -> tuple[str, int]:
    return host_port(text, "--listen", listen=True)


async def _run_sim(api: str, opts: SimMcuOptions, *, mcu_id: str, ports: int,
                   latency_ms: float, jitter_ms: float, dial_delay_ms: float, seed: int) -> None:
    from .mcu.model import Faults, Network

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
                            "registered in hnth_sim.cli_sim.SIM_FRONT_ENDS."),
    listen: str = typer.Option("127.0.0.1:0", "--listen", help="HOST:PORT (port 0: any)."),
    tls_dir: Path = typer.Option(..., "--tls-dir", help="Where ca.pem and the server "
                                 "certificate are written (created if needed)."),
    user: str = typer.Option("admin", "--user", help="API user; its password comes from "
                             f"${ENV_SIM_PASSWORD}."),
    ports: int = typer.Option(40, "--ports", min=0, help="Ports (participants + links)."),
    latency_ms: float = typer.Option(0.0, "--latency-ms", min=0,
                                     callback=finite, help="API latency."),
    jitter_ms: float = typer.Option(0.0, "--jitter-ms", min=0,
                                    callback=finite, help="API latency jitter."),
    dial_delay_ms: float = typer.Option(0.0, "--dial-delay-ms", min=0, callback=finite,
                                        help="How long a dial-out takes to connect."),
    page_size: int = typer.Option(100, "--page-size", min=1, help="Items per enumerate page."),
    mcu_id: str = typer.Option("mcu", "--mcu-id", help="This MCU's id (cascade addresses)."),
    seed: int = typer.Option(0, "--seed", help="Seed of every random choice."),
    api_version: str = typer.Option("2.10", "--api-version", help="Codian API version to "
                                    "behave as: 2.8, 2.9 or 2.10."),
) -> None:
    """Run one simulated MCU until interrupted; prints ``READY mcu HOST:PORT``."""
    if api not in SIM_FRONT_ENDS:
        fail(f"--api must be one of {sorted(SIM_FRONT_ENDS)}, got {api!r}")
    if api_version not in ("2.8", "2.9", "2.10"):
        fail(f"--api-version must be 2.8, 2.9 or 2.10, got {api_version!r}")
    password = os.environ.get(ENV_SIM_PASSWORD, "")
    if not password:
        fail(f"set {ENV_SIM_PASSWORD}: the simulator's password never comes from argv")
    host, port = _host_port(listen)
    opts = SimMcuOptions(host, port, tls_dir, user, password, page_size, api_version)
    with typed_errors(), contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_run_sim(api, opts, mcu_id=mcu_id, ports=ports, latency_ms=latency_ms,
                             jitter_ms=jitter_ms, dial_delay_ms=dial_delay_ms, seed=seed))

async def _smc_front_end(network: Network, mcu: McuModel,
                         opts: SimMcuOptions) -> tuple[str, Closer]:
    from .mcu.smc_server import SmcServer

    server = SmcServer(network, user=opts.user, password=opts.password, tls_dir=opts.tls_dir,
                       default_mcu=mcu.id)
    host, port = await server.start(opts.host, opts.port)
    return f"{host}:{port}", server.close


@sim_app.command("codec")
def sim_codec(
    dialect: str = typer.Option("xapi", "--dialect", help="xapi or polycom."),
    listen: str = typer.Option("127.0.0.1:0", "--listen", help="HOST:PORT (port 0: any)."),
    host_key: Path = typer.Option(..., "--host-key", help="Ed25519 host key; created if "
                                  "missing, with FILE.pub beside it (OpenSSH format)."),
    user: str = typer.Option("admin", "--user", help="Password user; its password comes "
                             f"from ${ENV_SIM_PASSWORD}."),
    authorized_keys: Path | None = typer.Option(None, "--authorized-keys", help="OpenSSH "
                                                "public keys allowed to log in as --user."),
    connect_delay_ms: float = typer.Option(500.0, "--connect-delay-ms", min=0, callback=finite,
                                           help="Dialling to connected takes this long."),
    software: str = typer.Option("ce9.15.0", "--software", help="xAPI software version the "
                                 "codec reports (ce9.15.0, tc7.3.6, tc1.0 ...)."),
    family: str = typer.Option("group", "--family", help="Poly family: group or hdx."),
) -> None:
    """Run one simulated codec until interrupted; prints ``READY codec HOST:PORT``."""
    import paramiko

    from .codec import CodecModel, CodecSimulator, load_or_create_host_key

    _dialect(dialect)
    password = os.environ.get(ENV_SIM_PASSWORD, "")
    keys: list[paramiko.PKey] = []
    if authorized_keys is not None:
        try:
            for line in authorized_keys.read_text().splitlines():
                if line.strip() and not line.startswith("#"):
                    kind, blob = line.split()[:2]
                    keys.append(paramiko.PKey.from_type_string(kind, _b64(blob)))
        except (OSError, ValueError, paramiko.SSHException) as exc:
            fail(f"cannot read --authorized-keys: {exc}")
    if not password and not keys:
        fail(f"set {ENV_SIM_PASSWORD} or give --authorized-keys: the simulator's password "
             "never comes from argv")
    host, port = host_port(listen, "--listen", listen=True)
    try:
        key = load_or_create_host_key(host_key)
    except (OSError, ValueError, paramiko.SSHException) as exc:
        fail(f"cannot use --host-key {host_key}: {exc}")
    try:
        sim = CodecSimulator(dialect, host_key=key,
                             users={user: password} if password else {},
                             authorized_keys={user: keys},
                             model=CodecModel(connect_delay_s=connect_delay_ms / 1000.0),
                             host=host, port=port, software=software, family=family)
    except ValueError as exc:
        fail(str(exc))
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    with sim:
        bound_host, bound_port = sim.address
        ready("codec", f"{bound_host}:{bound_port}")
        while not stop.wait(0.5):
            pass


def _b64(blob: str) -> bytes:
    import base64

    return base64.b64decode(blob.encode(), validate=True)


# ---- hnth codec ... ---------------------------------------------------------------------

@sim_app.command("camera")
def sim_camera(
    visca_udp: str | None = typer.Option(None, "--visca-udp", metavar="HOST:PORT",
                                         help="Serve VISCA over IP here (port 0: any)."),
    visca_pty: Path | None = typer.Option(None, "--visca-pty", metavar="LINK",
                                          help="Also serve RS-232 on a pseudo-terminal, "
                                               "symlinked at LINK."),
    model: str = MODEL_OPT,
    idle_expiry: float = typer.Option(
        0.1, "--idle-expiry", min=0.0,
        help="VISCA over IP: seconds after which a quiet controller's slot may go to a "
             "new one (five at once)."),
    travel_scale: float = typer.Option(1.0, "--travel-scale", min=0.0, callback=finite,
                                       help="Stretch move times (0: instantaneous)."),
    delay: float = typer.Option(0.0, "--delay", min=0.0,
                                callback=finite, help="Seconds before each reply."),
    loss: float = typer.Option(0.0, "--loss", min=0.0, callback=finite, max=1.0,
                               help="Probability that a reply is lost."),
    seed: int = typer.Option(0, "--seed", help="Seed of the injected loss."),
) -> None:
    """Run a simulated VISCA camera until interrupted; prints ``READY camera <address>``."""
    from hnth_drivers.vcs.visca.profiles import profile

    from .camera import CameraSimulator, Faults

    with typed_errors():
        if visca_udp is None and visca_pty is None:
            raise ConfigError("nothing to serve", operation="sim camera",
                              expected="--visca-udp HOST:PORT and/or --visca-pty LINK")
        udp = host_port(visca_udp, "--visca-udp", listen=True) if visca_udp is not None \
            else None
        simulator = CameraSimulator(udp=udp, pty=visca_pty if visca_pty else False,
                                    profile=profile(model), travel_scale=travel_scale,
                                    faults=Faults(delay_s=delay, loss=loss, seed=seed),
                                    idle_expiry=idle_expiry)

        async def serve() -> None:
            stop = stop_on_signals()
            async with simulator:
                if simulator.pty_path is not None:
                    err_console.print(f"serial (pty): {simulator.pty_path}", highlight=False)
                if simulator.udp_address is not None:
                    host, port = simulator.udp_address
                    ready("camera", f"{host}:{port}")
                else:
                    ready("camera", str(simulator.pty_path))
                await stop.wait()

        asyncio.run(serve())
    sys.stdout.flush()

@sim_app.command("snmp")
def sim_snmp(
    listen: str = typer.Option("127.0.0.1:1161", "--listen", help="HOST:PORT (port 0: any)."),
    user: str = typer.Option("admin", "--user", help="SNMPv3 user (SHA-256 + AES-128)."),
    devices: int = typer.Option(1, "--devices", min=1, max=20000,
                                help="Simulated devices, one SNMPv3 context each."),
    prefix: str = typer.Option("dev", "--prefix", help="Device (context) name prefix."),
    vendor: str = typer.Option("hnth", "--vendor",
                               help="Extra vendor objects: hnth, polycom-codec, polycom-mcu, "
                               "cisco-tp."),
    calls: int = typer.Option(0, "--calls", min=0, max=64, help="Calls each device starts with."),
    drift: float = typer.Option(0.0, "--drift", min=0.0, callback=finite,
                                help="Seconds between seeded random drifts of CPU and quality "
                                "(0: static)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the drift and of injected loss."),
    reply_delay: float = typer.Option(0.0, "--reply-delay", min=0.0, callback=finite, max=60.0,
                                      help="Seconds each device waits before answering."),
    drop_rate: float = typer.Option(0.0, "--drop-rate", min=0.0, callback=finite, max=1.0,
                                    help="Fraction of requests each device drops."),
) -> None:
    """Run the SNMPv3 agent simulator until interrupted; prints ``READY snmp HOST:PORT``.

    Auth key from HNTH_SIM_PASSWORD, privacy key from HNTH_SIM_PRIV_PASSWORD (8+ chars).
    Device N is the context ``<prefix>NNNN``; the empty context is the first device.
    """
    from .snmp import SimVendor, SnmpAgent, devices_named

    host, port = host_port(listen, "--listen", listen=True)
    auth, priv = os.environ.get(ENV_SIM_AUTH), os.environ.get(ENV_SIM_PRIV)
    if not auth or not priv:
        fail(f"set {ENV_SIM_AUTH} and {ENV_SIM_PRIV} (keys are never taken from argv)")
    try:
        kind = SimVendor(vendor)
    except ValueError:
        fail(f"--vendor: one of {', '.join(v.value for v in SimVendor)}")

    async def serve() -> None:
        sims = devices_named(prefix, devices, vendor=kind, seed=seed, drop_rate=drop_rate,
                             reply_delay_s=reply_delay)
        for n, dev in enumerate(sims):
            for c in range(calls):
                dev.add_call(f"{1000 + n}{c:02d}", jitter_ms=5.0 + c, delay_ms=40.0)
        stop = stop_on_signals()
        async with SnmpAgent(sims, host=host, port=port, user=user, auth_key=auth,
                             priv_key=priv) as agent:
            ready("snmp", f"{agent.address[0]}:{agent.address[1]}")
            while not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), drift or None)
                if drift and not stop.is_set():
                    for dev in sims:
                        dev.drift()

    with typed_errors(), contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())

SIM_FRONT_ENDS: dict[str, SimFrontEnd] = {"codian": _codian_front_end, "smc": _smc_front_end}


# ---- hnth readiness --profile ----------------------------------------------------------

async def sweep_simulated(topo: Topology, *, latency_ms: float, sample_calls: int,
                          seed: int, read_stats: bool = True) -> ReadinessReport:
    """Simulate ``topo``, bring its cascade up and sweep it with a live progress bar."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from hnth_drivers.meeting.readiness import ReadinessCheck, directory_from_topology

    from .simulated import simulated_meeting
    from .simulated_snmp import simulated_snmp

    t = time.perf_counter()
    async with simulated_meeting(topo, latency_ms=latency_ms, seed=seed) as meeting, \
            simulated_snmp(meeting.drivers) as snmp:
        await meeting.cascade.up(wait_s=60)
        console.print(f"{topo.name}: {len(meeting.cascade.sites):,} sites on "
                      f"{len(meeting.drivers)} MCUs, cascade up "
                      f"({time.perf_counter() - t:.1f} s)", highlight=False)
        check = ReadinessCheck(
            meeting.cascade, directory_from_topology(topo),
            carriers={m.id: m.operator for m in topo.mcus}, snmp=snmp.poller,
            snmp_targets=snmp.targets, switcher=meeting.switcher(),
            sample_calls=sample_calls, seed=seed,
            recent_quality=None if read_stats else {})
        with Progress(TextColumn("  readiness"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=console, transient=True) as bar:
            task = bar.add_task("sites", total=len(meeting.cascade.sites)
                                + len(check.pick_test_sites()))
            return await check.run(lambda n: bar.advance(task, n))


readiness_cli.simulated_sweep = sweep_simulated
