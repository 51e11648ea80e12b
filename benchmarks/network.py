"""'hnth network check' against the floor of the same connections, in one run.

Starts ``hnth sim network --profile vn-2021`` in its own process (every planned MCU on one
HTTPS socket, one SNMPv3 agent with a context per MCU, a sample of SSH codecs and VISCA
cameras), then alternates rounds of:

* floor: the same devices reached with the drivers' classes built by hand from the file's
  values (``tomllib``; no network-file validation, no registry, no Fleet) and opened with
  the same bound on concurrency, plus one SNMP GET of sysUpTime per target through a
  bare :class:`SnmpPoller`;
* check: what ``hnth network check`` does: load and validate the network file, resolve the
  credentials, build every driver through the registry (``from_target``), open everything
  through the :class:`Fleet`, one SNMP GET per target.

Prints the best round of each and their ratio (goal ≤ 1.5×), and the ratio of this
process's CPU time (the simulation runs in its own process), which a loaded machine
sways less than wall time. Rounds are capped at 2: a simulated VISCA-over-IP camera
serves at most five controllers (each opening is a new UDP port), as the camera does.

Then (``--switches N``, 0 to skip) the switch through the Fleet: an all-Codian simulation
of the profile served as a network file in this process, the cascade and the Switcher
built by the Fleet from that file, against the floor of ``benchmarks/cascade.py`` (the
same XML-RPC calls pre-encoded and POSTed bare), alternating site by site (goal ≤ 1.2×).

    python benchmarks/network.py [--profile vn-2021] [--rooms 6] [--rounds 2] [--switches 50]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
from functools import partial
from pathlib import Path
from typing import Any

from hnth_drivers.cascade.live import gather_bounded
from hnth_drivers.cli.network import check_fleet
from hnth_drivers.driver import Driver
from hnth_drivers.mcu.codian import CodianMcu, CodianOptions
from hnth_drivers.mcu.smc import SmcMcu, SmcOptions
from hnth_drivers.monitor.snmp import SnmpPoller, SnmpTarget
from hnth_drivers.network import Fleet
from hnth_drivers.network.fleet import SYS_UPTIME
from hnth_drivers.security.audit import AuditLog
from hnth_drivers.security.policy import STRICT, SecurityPolicy, Waiver, WaiverKind
from hnth_drivers.security.secrets import SecretStore, StoreKey
from hnth_drivers.transport.https import TlsTrust
from hnth_drivers.transport.snmp import SnmpV3User
from hnth_drivers.transport.ssh import SshTarget
from hnth_drivers.vcs.ssh_codec import PolycomCodec, XapiCodec
from hnth_drivers.vcs.visca.ip import ViscaIpCamera

CONCURRENCY = 32


async def floor(doc: dict[str, Any], base: Path, audit: AuditLog
                ) -> tuple[float, int, int, float]:
    """Open every device with hand-built drivers; (seconds, devices, failures, CPU s)."""
    t0, c0 = time.perf_counter(), time.process_time()
    store = SecretStore(base / "secrets.json", StoreKey.from_key_file(base / "secrets.key"))
    mcu_pw = store.get("mcu/admin")
    codec_pw = store.get("codec/admin")
    auth, priv = store.get("snmp/auth"), store.get("snmp/priv")
    trust = TlsTrust(ca_file=base / "tls" / "ca.pem")
    drivers: list[Driver] = []
    for m in doc["mcus"]:
        if m["driver"] == "smc":
            drivers.append(SmcMcu(m["url"], password=mcu_pw, trust=trust, device=m["id"],
                                  options=SmcOptions(timeout_s=15.0)))
        else:
            drivers.append(CodianMcu(m["url"], password=mcu_pw, trust=trust, device=m["id"],
                                     options=CodianOptions(timeout_s=15.0)))
    waivers = []
    for s in doc["sites"]:
        room = s.get("room")
        if not room:
            continue
        c = room["codec"]
        host, port = c["address"].rsplit(":", 1)
        cls = XapiCodec if c["driver"] == "xapi" else PolycomCodec
        drivers.append(cls(SshTarget(host, "admin", base / "known_hosts", port=int(port),
                                     password=codec_pw)))
        for n, cam in enumerate(room.get("cameras", []), start=1):
            chost, cport = cam["address"].rsplit(":", 1)
            label = f"camera:{s['id']}/{n}"
            waivers.append(Waiver(label, WaiverKind.VISCA_IP, "bench"))
            drivers.append(ViscaIpCamera(chost, int(cport), policy=SecurityPolicy(
                waivers=(waivers[-1],), audit=audit), label=label))
    failures = 0

    async def one(driver: Driver) -> None:
        nonlocal failures
        try:
            await driver.open()
        except Exception as exc:
            failures += 1
            if failures <= 3:
                print(f"  floor: {driver.device}: {exc}")

    targets = []
    for t in doc.get("snmp", []):
        host, port = t["address"].rsplit(":", 1)
        targets.append(SnmpTarget(t["id"], host, SnmpV3User("admin", auth, priv),
                                  port=int(port), context=t["context"]))

    async with SnmpPoller(STRICT, max_in_flight=CONCURRENCY) as poller:
        async def get(target: SnmpTarget) -> None:
            nonlocal failures
            try:
                await poller.get(target, [SYS_UPTIME])
            except Exception:
                failures += 1

        await asyncio.gather(
            gather_bounded([partial(one, d) for d in drivers], CONCURRENCY),
            gather_bounded([partial(get, t) for t in targets], CONCURRENCY))
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    await asyncio.gather(*(d.close() for d in drivers))
    return seconds, len(drivers) + len(targets), failures, cpu


async def check(path: Path, audit: AuditLog) -> tuple[float, int, int, float]:
    """What 'hnth network check' does, timed from reading the file."""
    t0, c0 = time.perf_counter(), time.process_time()
    fleet = Fleet.from_file(path, audit=audit, concurrency=CONCURRENCY)
    async with fleet:
        rows = await check_fleet(fleet)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    for row in [r for r in rows if r.error][:3]:
        print(f"  check: {row.kind} {row.device}: {row.error}")
    return seconds, len(rows), sum(1 for r in rows if r.error), cpu


class _FleetMeeting:
    """What benchmarks/cascade.py's floor and switch loop need, from a Fleet."""

    def __init__(self, fleet: Fleet, sim: Any, operator: Any) -> None:
        from hnth_drivers.cascade.switch import Switcher

        self.sim, self.fleet = sim, fleet
        self.cascade = fleet.cascade(operator=operator)
        self.drivers = {m: fleet.mcu_driver(m) for m in self.cascade.nodes}
        self.chair = self.cascade.chair
        self._switcher = Switcher

    def switcher(self, *, operator: Any, audit: AuditLog) -> Any:
        return self._switcher(self.cascade, operator=operator, tree=self.fleet.tree,
                              audit=audit)


async def switches(profile_name: str, n: int, latency_ms: float) -> None:
    """Switch through the Fleet against benchmarks/cascade.py's floor."""
    import gc
    import importlib.util

    from hnth_drivers.cascade.profiles import profile
    from hnth_drivers.security.access import Operator, Role
    from hnth_sim.cli_network import serve_network

    spec = importlib.util.spec_from_file_location(
        "bench_cascade", Path(__file__).with_name("cascade.py"))
    assert spec is not None and spec.loader is not None
    cascade_bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cascade_bench)
    out = Path(tempfile.mkdtemp(prefix="hnth-bench-switch-"))
    async with serve_network(profile(profile_name), out, rooms=1, latency_ms=latency_ms,
                             snmp=False, apis=frozenset({"codian"})) as simnet:
        fleet = Fleet.from_file(simnet.network_file, concurrency=CONCURRENCY)
        async with fleet:
            op = Operator("bench", Role.CENTRAL_OPERATOR)
            meeting = _FleetMeeting(fleet, simnet.sim, op)
            await fleet.open_all(fleet.targets("mcu"))
            await meeting.cascade.up(wait_s=120)
            gc.collect()
            gc.freeze()
            bare = cascade_bench.Bare(meeting, simnet.sim.codian._password.decode())
            try:
                print(f"switch through the Fleet ({profile_name}, {latency_ms:g} ms API "
                      f"latency):")
                await cascade_bench.bench_switch(meeting, bare, n, 7)
            finally:
                await bare.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--profile", default="vn-2021")
    parser.add_argument("--rooms", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--switches", type=int, default=50)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    args = parser.parse_args()
    args.rounds = max(1, min(args.rounds, 2))
    out = Path(tempfile.mkdtemp(prefix="hnth-bench-net-"))
    env = {**os.environ, "HNTH_AUDIT_LOG": str(out / "sim-audit.jsonl")}
    sim = subprocess.Popen(
        [sys.executable, "-c", "from hnth_drivers.cli import main; main()", "sim", "network",
         "--profile", args.profile, "--out", str(out), "--rooms", str(args.rooms)],
        stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert sim.stdout is not None
        if not select.select([sim.stdout], [], [], 120)[0]:
            raise SystemExit("the simulation did not start within 120 s")
        line = sim.stdout.readline().split()
        if line[:2] != ["READY", "network"]:
            raise SystemExit(f"unexpected: {line}")
        path = Path(line[2])
        doc = tomllib.loads(path.read_text())
        audit = AuditLog(out / "audit.jsonl", durable=False)
        best_floor = best_check = cpu_floor = cpu_check = float("inf")
        for r in range(args.rounds):
            f, nf, bad_f, fc = asyncio.run(floor(doc, out, audit))
            c, nc, bad_c, cc = asyncio.run(check(path, audit))
            best_floor, best_check = min(best_floor, f), min(best_check, c)
            cpu_floor, cpu_check = min(cpu_floor, fc), min(cpu_check, cc)
            print(f"round {r + 1}: floor {f:.2f} s ({nf} devices, {bad_f} failed), "
                  f"check {c:.2f} s ({nc} devices, {bad_c} failed); this process's CPU: "
                  f"floor {fc:.2f} s, check {cc:.2f} s")
        print(f"{args.profile}: {len(doc['mcus'])} MCUs, {len(doc.get('snmp', []))} SNMP "
              f"targets, {args.rooms} rooms; best floor {best_floor:.2f} s, best check "
              f"{best_check:.2f} s, ratio {best_check / best_floor:.2f}x (goal <= 1.5x); "
              f"CPU of this process {cpu_check / cpu_floor:.2f}x (less swayed by the "
              f"machine's load)")
    finally:
        sim.send_signal(signal.SIGTERM)
        sim.wait(30)
    if args.switches:
        asyncio.run(switches(args.profile, args.switches, args.latency_ms))


if __name__ == "__main__":
    main()
