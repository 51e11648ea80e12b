"""``hnth sim network``: the national simulation, served as a network file.

:func:`serve_network` plans a built-in profile's cascade, starts
:class:`~hnth_sim.network.NationalSim` (every planned MCU, each site connected to its MCU),
one SNMPv3 agent with a device per MCU (its context is the MCU id) and one per sampled
room (its context and ``[[snmp]]`` id are the site id: the room codec's agent, serving
its call to the MCU with the vendor's documented objects: POLYCOM-VIDEO-MIB loss, jitter
and latency for a Polycom room, CISCO-TELEPRESENCE-CALL-MIB per-stream counters and
jitter for a Cisco one), SSH codecs and VISCA-over-IP cameras for those rooms, and writes
into ``DIR``:

* ``network.toml``: the network file naming all of them (``docs/network.md``);
* ``tls/ca.pem`` (the MCUs' CA), ``known_hosts`` (the codecs' host keys);
* ``secrets.json``, an encrypted secret store with its key file ``secrets.key`` beside it
  (named in the network file), holding every credential the file references;
* ``operators.toml``: a central operator and one MCU technician per province, each with
  a console ``password_hash``; the passwords themselves in ``operator-passwords.json``
  (mode 0600), for ``hnth console`` on the simulation.

The master's standby (role ``standby`` in the profile) is served too, its conference
created and empty, and named in the file with ``role = "standby"``; the master's sites
carry the ``dial`` address the standby calls them at.

The command prints ``READY network DIR/network.toml`` and serves until SIGINT/SIGTERM.
Every operator command (``hnth network check``, ``hnth cascade``...) then runs against the
file unchanged, as against a real network.

Killing the master, for failover drills and tests: ``SIGUSR1`` makes the master MCU fail
(every call it carries drops, it stops answering) and the command prints ``KILLED mcu
ID``; ``SIGUSR2`` makes it answer again (``REVIVED mcu ID``), its participants
disconnected, as after a restart. Both lines are flushed once the change is made.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import secrets
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from hnth_drivers.cli.app import sim_app
from hnth_drivers.cli.common import fail, ready, stop_on_signals, typed_errors
from hnth_drivers.model import Level
from hnth_drivers.security.secrets import Secret, SecretStore, StoreKey

if TYPE_CHECKING:  # the simulators load when a command runs, not with the CLI
    from hnth_drivers.cascade.planner import Plan
    from hnth_drivers.cascade.topology import Topology

    from .network import NationalSim
    from .snmp import SimDevice, SnmpAgent

__all__ = ["SimulatedNetwork", "serve_network"]

_Q = json.dumps  # a JSON string is a valid TOML basic string


@dataclass
class SimulatedNetwork:
    """A running simulated network and the files describing it."""

    out: Path
    network_file: Path
    topology: Topology
    plan: Plan
    sim: NationalSim
    agent: SnmpAgent
    chair: str
    rooms: list[str] = field(default_factory=list)
    standby: str | None = None


def _chair(topology: Topology, the_plan: Plan) -> str:
    tops = [s.id for s in topology.sites if s.parent is None
            and the_plan.mcu_of(s.id) == the_plan.master]
    return tops[0] if tops else next(s.id for s in topology.sites
                                     if the_plan.mcu_of(s.id) == the_plan.master)


def _sample_rooms(topology: Topology, chair: str, count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    rooms = [chair]
    for level in (Level.PROVINCE, Level.DISTRICT, Level.COMMUNE):
        ids = sorted(s.id for s in topology.sites if s.level is level)
        rooms += rng.sample(ids, min(len(ids), max(0, (count - 1) // 3 + 1)))
    return rooms[:count]


def _private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def _write_store(out: Path, values: dict[str, str]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    key_file = out / "secrets.key"
    _private(key_file, secrets.token_bytes(32))
    (out / "secrets.json").unlink(missing_ok=True)  # a new key: the old store is unreadable
    store = SecretStore(out / "secrets.json", StoreKey.from_key_file(key_file))
    for name, value in values.items():
        store.set(name, Secret(value))


def _write_files(out: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (out / name).write_text(text, encoding="utf-8")


@asynccontextmanager
async def serve_network(topology: Topology, out: Path, *, rooms: int = 6,
                        latency_ms: float = 0.0, seed: int = 0, snmp: bool = True,
                        apis: frozenset[str] = frozenset({"codian", "smc"})
                        ) -> AsyncIterator[SimulatedNetwork]:
    """Start the simulation of ``topology`` and write its files into ``out`` (see module
    docstring); everything stops on exit. Each MCU speaks the API its inventory names
    when it is in ``apis``, else Codian's."""
    from hnth_drivers.cascade.planner import plan

    from .camera import CameraSimulator
    from .codec import CodecSimulator, load_or_create_host_key
    from .network import NationalSim, SimMcu
    from .snmp import SimDevice, SnmpAgent

    the_plan = plan(topology)
    chair = _chair(topology, the_plan)
    mcu_pw, codec_pw = secrets.token_urlsafe(18), secrets.token_urlsafe(18)
    auth, priv = secrets.token_urlsafe(12), secrets.token_urlsafe(12)
    served = [(m.id, m.capacity) for m in the_plan.mcus]
    if the_plan.standby is not None:
        served.append((the_plan.standby, topology.mcu(the_plan.standby).capacity))
    api_of = {m: (topology.mcu(m).driver if topology.mcu(m).driver in apis else "codian")
              for m, _ in served}
    await asyncio.to_thread(_write_store, out, {
        "mcu/admin": mcu_pw, "codec/admin": codec_pw, "snmp/auth": auth, "snmp/priv": priv})
    async with AsyncExitStack() as stack:
        sim = NationalSim([SimMcu(m, api_of[m], ports=ports) for m, ports in served],
                          {a.site: a.mcu for a in the_plan.sites}, password=mcu_pw,
                          tls_dir=out / "tls", latency_ms=latency_ms, seed=seed)
        await stack.enter_async_context(sim)
        sampled = _sample_rooms(topology, chair, rooms, seed)
        agent = SnmpAgent([SimDevice(m, descr=f"hnth-sim MCU {m}")
                           for m, _ in served] + _room_agents(the_plan, sampled, seed)
                          if snmp else [SimDevice("none")],
                          auth_key=auth, priv_key=priv)
        await stack.enter_async_context(agent)
        host_key = load_or_create_host_key(out / "codec_host_key")
        room_lines: dict[str, list[str]] = {}
        known_hosts = []
        for n, site in enumerate(sampled):
            dialect = _dialect(n)
            codec = stack.enter_context(CodecSimulator(dialect, host_key=host_key,
                                                       users={"admin": codec_pw}))
            chost, cport = codec.address
            known_hosts.append(f"[{chost}]:{cport} {host_key.get_name()} "
                               f"{host_key.get_base64()}")
            camera = await stack.enter_async_context(CameraSimulator(udp=("127.0.0.1", 0)))
            assert camera.udp_address is not None
            vhost, vport = camera.udp_address
            room_lines[site] = [
                "", "[sites.room.codec]", f"driver = {_Q(dialect)}",
                f"address = {_Q(f'{chost}:{cport}')}", 'known_hosts = "known_hosts"',
                'password = { secret = "codec/admin" }', "",
                "[[sites.room.cameras]]", 'driver = "visca-ip"',
                f"address = {_Q(f'{vhost}:{vport}')}", 'model = "generic"',
                "presets = { chair = 1, podium = 2, audience = 3 }",
                "trusted_segment = true"]
        network_file = out / "network.toml"
        await asyncio.to_thread(_write_files, out, {
            "known_hosts": "\n".join(known_hosts) + "\n",
            "network.toml": _network_toml(topology, the_plan, sim, agent, chair, room_lines,
                                          snmp),
            "operators.toml": await asyncio.to_thread(_operators_toml, topology, out)})
        yield SimulatedNetwork(out, network_file, topology, the_plan, sim, agent, chair,
                               sampled, the_plan.standby)


def _dialect(n: int) -> str:
    """The codec dialect of the n-th sampled room (alternating)."""
    return "xapi" if n % 2 == 0 else "polycom"


# The SNMP profile of each dialect's room agent (hnth_drivers/monitor/vendors.json).
_ROOM_PROFILE = {"xapi": "cisco-tp", "polycom": "polycom-codec"}


def _room_agents(the_plan: Plan, rooms: list[str], seed: int) -> list[SimDevice]:
    """One SNMP device per sampled room, in a call to its MCU. The call's figures are
    plausible (seeded), not measured: a simulation."""
    from .snmp import SimDevice
    from .snmp.device import SimVendor

    rng = random.Random(f"{seed}/rooms")
    out = []
    for n, site in enumerate(rooms):
        device = SimDevice(site, descr=f"hnth-sim room codec {site}",
                           vendor=SimVendor(_ROOM_PROFILE[_dialect(n)]), seed=seed)
        device.add_call(the_plan.mcu_of(site), audio_loss_percent=round(rng.uniform(0, 0.5), 2),
                        video_loss_percent=round(rng.uniform(0, 0.5), 2),
                        jitter_ms=round(rng.uniform(2, 15)), delay_ms=round(rng.uniform(20, 120)))
        out.append(device)
    return out


def _network_toml(topology: Topology, the_plan: Plan, sim: NationalSim, agent: SnmpAgent,
                  chair: str, rooms: dict[str, list[str]], snmp: bool) -> str:
    from .network import site_address

    lines = [f"# Written by 'hnth sim network' for the {topology.name} simulation.",
             f"name = {_Q(topology.name + ' (simulation)')}", 'conference = "hnth"',
             f"chair = {_Q(chair)}", 'operators = "operators.toml"', "",
             "[secrets]", 'store = "secrets.json"', 'key_file = "secrets.key"']
    for m in the_plan.mcus:
        spec = topology.mcu(m.id)
        lines += ["", "[[mcus]]", f"id = {_Q(m.id)}",
                  f"role = {_Q('master' if m.parent is None else 'slave')}",
                  f"area = {_Q(spec.area)}", f"carrier = {_Q(spec.operator)}",
                  f"driver = {_Q(sim.mcus[m.id].api)}", f"url = {_Q(sim.url(m.id))}",
                  f"ports = {m.capacity}", f"reserve = {m.reserve}",
                  'password = { secret = "mcu/admin" }', 'ca_file = "tls/ca.pem"']
    if the_plan.standby is not None:
        spec = topology.mcu(the_plan.standby)
        lines += ["", "[[mcus]]", f"id = {_Q(spec.id)}", 'role = "standby"',
                  f"area = {_Q(spec.area)}", f"carrier = {_Q(spec.operator)}",
                  f"driver = {_Q(sim.mcus[spec.id].api)}", f"url = {_Q(sim.url(spec.id))}",
                  f"ports = {spec.capacity}", f"reserve = {spec.spare_ports}",
                  'password = { secret = "mcu/admin" }', 'ca_file = "tls/ca.pem"']
    for m in the_plan.mcus:
        if m.parent is not None:
            lines += ["", "[[links]]", f"slave = {_Q(m.id)}", f"master = {_Q(m.parent)}"]
    host, port = agent.address
    if snmp:
        for mcu_id in sim.mcus:
            lines += ["", "[[snmp]]", f"id = {_Q(mcu_id)}",
                      f"address = {_Q(f'{host}:{port}')}", 'user = "admin"',
                      'auth = { secret = "snmp/auth" }', 'priv = { secret = "snmp/priv" }',
                      f"context = {_Q(mcu_id)}"]
        for n, room in enumerate(rooms):  # each room's own agent: its id is the site's
            lines += ["", "[[snmp]]", f"id = {_Q(room)}", f"address = {_Q(f'{host}:{port}')}",
                      'user = "admin"', 'auth = { secret = "snmp/auth" }',
                      'priv = { secret = "snmp/priv" }', f"context = {_Q(room)}",
                      f"vendor = {_Q(_ROOM_PROFILE[_dialect(n)])}"]
    for site in topology.sites:
        lines += ["", "[[sites]]", f"id = {_Q(site.id)}", f"name = {_Q(site.name)}",
                  f"level = {_Q(site.level.value)}"]
        if site.parent is not None:
            lines.append(f"parent = {_Q(site.parent)}")
        lines.append(f"mcu = {_Q(the_plan.mcu_of(site.id))}")
        if the_plan.mcu_of(site.id) == the_plan.master:  # the standby dials these
            lines.append(f"dial = {_Q(site_address(site.id))}")
        lines += rooms.get(site.id, [])
    return "\n".join(lines) + "\n"


def _kill_switch(net: SimulatedNetwork) -> None:
    # SIGUSR1 kills the master, SIGUSR2 revives it (see the module docstring)
    loop = asyncio.get_running_loop()
    master = net.plan.master

    def act(revive: bool) -> None:
        (net.sim.revive if revive else net.sim.kill)(master)
        sys.stdout.write(f"{'REVIVED' if revive else 'KILLED'} mcu {master}\n")
        sys.stdout.flush()

    loop.add_signal_handler(signal.SIGUSR1, act, False)
    loop.add_signal_handler(signal.SIGUSR2, act, True)


def _operators_toml(topology: Topology, out: Path) -> str:
    # Console passwords: random, in operator-passwords.json (mode 0600) for the demo and
    # tests; the file holds their scrypt hashes (a lower cost than the console's default
    # keeps start-up quick).
    from hnth_drivers.console.passwords import hash_password

    names = ["central"] + [f"op-{s.id}" for s in topology.sites if s.level is Level.PROVINCE]
    passwords = {n: secrets.token_urlsafe(12) for n in names}
    _private(out / "operator-passwords.json", json.dumps(passwords, indent=1).encode())
    hashed = {n: hash_password(p, cost=(2**12, 8, 1)) for n, p in passwords.items()}
    lines = ["# Operators of the simulated network: who may do what, where.",
             "", "[[operators]]", 'name = "central"', 'role = "central_operator"',
             f"password_hash = {_Q(hashed['central'])}"]
    for site in topology.sites:
        if site.level is Level.PROVINCE:
            name = "op-" + site.id
            lines += ["", "[[operators]]", f"name = {_Q(name)}",
                      'role = "mcu_technician"', f"scope = {_Q(site.id)}",
                      f"password_hash = {_Q(hashed[name])}"]
    return "\n".join(lines) + "\n"


@sim_app.command("network")
def sim_network(
    profile: str = typer.Option("vn-2025", "--profile", help="vn-2025 or vn-2021."),
    out: Path = typer.Option(..., "--out", help="Directory for network.toml, the trust "
                             "files, the secret store and the operators file."),
    rooms: int = typer.Option(6, "--rooms", min=1, max=64,
                              help="Rooms with a simulated codec and camera."),
    latency_ms: float = typer.Option(0.0, "--latency-ms", min=0.0,
                                     help="Injected API latency of every simulated MCU."),
    seed: int = typer.Option(0, "--seed", help="Seed of every random choice."),
) -> None:
    """Run the national simulation; prints ``READY network DIR/network.toml``."""
    from hnth_drivers.cascade.profiles import PROFILES

    if profile not in PROFILES:
        fail(f"unknown profile {profile!r}: expected one of {', '.join(PROFILES)}")

    where = out.resolve()

    async def serve() -> None:
        stop = stop_on_signals()
        async with serve_network(PROFILES[profile](), where, rooms=rooms,
                                 latency_ms=latency_ms, seed=seed) as net:
            _kill_switch(net)
            ready("network", str(net.network_file))
            await stop.wait()

    with typed_errors(), contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())
