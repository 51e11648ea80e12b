"""Sweep 1,000 simulated devices × 5 OIDs: our poller against bare pysnmp, same run.

The simulator agent (``hnth sim snmp``) runs in its own process with one SNMPv3 context
per device. Both clients share the same bounded concurrency (a pool of N workers; no
unbounded gather), the same SHA-256 + AES-128 user and the same five OIDs in one GET per
device. Rounds alternate floor/poller; the best round of each is compared. Prints the
rates, their ratio (goal ≥ 0.90), lost answers (goal 0), and client CPU per answer.

Then full health sweeps (GET + one bulk WALK per device): the simulator's own MIB, and
Cisco TelePresence devices (``--vendor cisco-tp``, 2 calls each: 2 ctpcTable rows and 4
stream rows per device) swept twice, the second sweep computing loss per interval from
the Counter64 deltas; the ratio of the two sweep rates shows what the per-stream reading
costs.

    python benchmarks/snmp.py [--devices 1000] [--concurrency 32] [--rounds 3]
                              [--cisco-devices 300]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

from pysnmp.hlapi.v3arch.asyncio import (
    ContextData,
    SnmpEngine,
    UdpTransportTarget,
    UsmUserData,
    get_cmd,
    usmAesCfb128Protocol,
    usmHMAC192SHA256AuthProtocol,
)
from pysnmp.proto.rfc1902 import Null, ObjectName

from hnth_drivers import STRICT, Secret
from hnth_drivers.errors import HnthError
from hnth_drivers.monitor import SnmpPoller, SnmpTarget
from hnth_drivers.transport.snmp import SnmpV3User

AUTH, PRIV, USER = "bench-auth-key", "bench-priv-key", "admin"
OIDS = ["1.3.6.1.2.1.1.1.0", "1.3.6.1.2.1.1.3.0", "1.3.6.1.2.1.1.5.0", "1.3.6.1.2.1.2.1.0",
        "1.3.6.1.4.1.32473.7.1.1.0"]
TIMEOUT, RETRIES = 2.0, 1


def start_agent(devices: int, *extra: str) -> tuple[subprocess.Popen[str], int]:
    env = {**os.environ, "HNTH_SIM_PASSWORD": AUTH, "HNTH_SIM_PRIV_PASSWORD": PRIV}
    proc = subprocess.Popen(
        [sys.executable, "-c", "from hnth_drivers.cli import main; main()", "sim", "snmp",
         "--listen", "127.0.0.1:0", "--devices", str(devices), "--user", USER, *extra],
        stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("READY snmp "):
        proc.kill()
        raise SystemExit(f"agent did not start: {line!r}")
    return proc, int(line.split()[2].rsplit(":", 1)[1])


async def pool(n: int, count: int, job: Callable[[int], Awaitable[bool]]) -> int:
    """Run job(0..count-1) on n workers; the number of jobs that answered."""
    next_i, ok = 0, 0

    async def worker() -> None:
        nonlocal next_i, ok
        while next_i < count:
            i = next_i
            next_i += 1
            answered = await job(i)  # not `ok += await …`: that reads ok before awaiting
            ok += answered

    async with asyncio.TaskGroup() as group:
        for _ in range(n):
            group.create_task(worker())
    return ok


async def bare_round(port: int, names: list[str], n: int) -> tuple[float, int, float]:
    engine = SnmpEngine()
    auth = UsmUserData(USER, AUTH, PRIV, authProtocol=usmHMAC192SHA256AuthProtocol,
                       privProtocol=usmAesCfb128Protocol)
    target = await UdpTransportTarget.create(("127.0.0.1", port), timeout=TIMEOUT,
                                             retries=RETRIES)
    contexts = [ContextData(contextName=name) for name in names]
    oids = [(ObjectName(tuple(int(p) for p in o.split("."))), Null()) for o in OIDS]

    async def job(i: int) -> bool:
        err, status, _, binds = await get_cmd(engine, auth, target, contexts[i], *oids,
                                              lookupMib=False)
        return not err and not status and len(binds) == len(OIDS)

    await pool(n, len(names), job)  # warm-up sweep: discovery, key localisation, LCD
    cpu, wall = time.process_time(), time.perf_counter()
    ok = await pool(n, len(names), job)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    engine.close_dispatcher()
    return wall, ok, cpu


async def poller_round(port: int, names: list[str], n: int) -> tuple[float, int, float]:
    creds = SnmpV3User(USER, Secret(AUTH), Secret(PRIV))
    targets = [SnmpTarget(name, "127.0.0.1", creds, port=port, context=name, timeout=TIMEOUT,
                          retries=RETRIES) for name in names]
    async with SnmpPoller(STRICT, max_in_flight=n) as poller:
        await poller.get_all(targets, OIDS)  # warm-up sweep, as for the floor
        cpu, wall = time.process_time(), time.perf_counter()
        results = await poller.get_all(targets, OIDS)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    ok = sum(1 for r in results if not isinstance(r, HnthError) and len(r) == len(OIDS)
             and all(v is not None for v in r.values()))
    return wall, ok, cpu


async def health_round(port: int, names: list[str], n: int, vendor: str = "hnth-sim",
                       sweeps: int = 1) -> tuple[float, int, int]:
    """Best sweep time, devices read without error, calls with a loss figure (last sweep)."""
    creds = SnmpV3User(USER, Secret(AUTH), Secret(PRIV))
    targets = [SnmpTarget(name, "127.0.0.1", creds, port=port, context=name, vendor=vendor,
                          timeout=TIMEOUT, retries=RETRIES) for name in names]
    best = float("inf")
    async with SnmpPoller(STRICT, max_in_flight=n) as poller:
        for _ in range(sweeps):
            wall = time.perf_counter()
            healths = await poller.poll_all(targets)
            best = min(best, time.perf_counter() - wall)
    ok = sum(1 for h in healths if h.reachable and h.error is None)
    with_loss = sum(1 for h in healths for c in h.calls if c.video_loss_percent is not None)
    return best, ok, with_loss


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--devices", type=int, default=1000)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--cisco-devices", type=int, default=300)
    args = ap.parse_args()
    proc, port = start_agent(args.devices, "--calls", "2")  # 2 calls: as the cisco-tp run
    names = [f"dev{i:04d}" for i in range(1, args.devices + 1)]
    runs: dict[str, list[tuple[float, int, float]]] = {"bare pysnmp": [], "hnth poller": []}
    rounds = (("bare pysnmp", bare_round), ("hnth poller", poller_round))
    try:
        for r in range(args.rounds):
            # Alternate which client goes first: the machine's load drifts between runs.
            for label, fn in rounds if r % 2 == 0 else rounds[::-1]:
                res: Any = asyncio.run(fn(port, names, args.concurrency))
                wall, ok, cpu = res
                runs[label].append(res)
                print(f"round {r + 1} {label:12s} {len(names) / wall:7.0f} GET/s "
                      f"({ok}/{len(names)} answered, {wall:.2f} s, "
                      f"client CPU {1000 * cpu / max(ok, 1):.2f} ms/answer)")
        few = names[:args.cisco_devices]
        h_wall, h_ok, _ = asyncio.run(health_round(port, few, args.concurrency, sweeps=2))
    finally:
        proc.terminate()
        proc.communicate(timeout=10)
    cts, cts_port = start_agent(args.cisco_devices, "--vendor", "cisco-tp", "--calls", "2")
    try:
        c_wall, c_ok, c_loss = asyncio.run(health_round(
            cts_port, names[:args.cisco_devices], args.concurrency, "cisco-tp", sweeps=2))
    finally:
        cts.terminate()
        cts.communicate(timeout=10)
    floor = min(runs["bare pysnmp"])
    ours = min(runs["hnth poller"])
    paired = statistics.median(f[0] / o[0] for f, o in zip(runs["bare pysnmp"],
                                                            runs["hnth poller"], strict=True))
    cpu_f = sum(c for _, _, c in runs["bare pysnmp"]) / sum(k for _, k, _ in runs["bare pysnmp"])
    cpu_o = sum(c for _, _, c in runs["hnth poller"]) / sum(k for _, k, _ in runs["hnth poller"])
    lost = {label: sum(len(names) - k for _, k, _ in rs) for label, rs in runs.items()}
    print(f"\n{args.devices} devices x {len(OIDS)} OIDs, {args.concurrency} in flight, "
          f"{args.rounds} rounds")
    print(f"  floor (bare pysnmp), best round: {args.devices / floor[0]:7.0f} GET/s "
          f"= {len(OIDS) * args.devices / floor[0]:7.0f} OID/s")
    print(f"  hnth poller, best round:         {args.devices / ours[0]:7.0f} GET/s "
          f"= {len(OIDS) * args.devices / ours[0]:7.0f} OID/s")
    print(f"  ratio poller/floor: best vs best {floor[0] / ours[0]:.2f}, median of paired "
          f"rounds {paired:.2f} (goal >= 0.90)")
    print(f"  client CPU per answer: floor {1000 * cpu_f:.2f} ms, poller {1000 * cpu_o:.2f} ms "
          f"(ratio {cpu_f / cpu_o:.2f})")
    print(f"  lost answers over all rounds: floor {lost['bare pysnmp']}, "
          f"poller {lost['hnth poller']} (goal 0)")
    n_few = min(args.cisco_devices, args.devices)
    print(f"  health sweep, simulator MIB, 2 calls (floor), best of 2: {h_ok}/{n_few} devices in "
          f"{h_wall:.2f} s = {n_few / h_wall:.0f} devices/s")
    print(f"  health sweep, cisco-tp (2 calls, 4 streams each), best of 2: "
          f"{c_ok}/{args.cisco_devices} in {c_wall:.2f} s = "
          f"{args.cisco_devices / c_wall:.0f} devices/s; calls with interval loss "
          f"{c_loss}/{2 * args.cisco_devices}")
    print(f"  ratio cisco-tp/floor sweep rate: {h_wall / c_wall * args.cisco_devices / n_few:.2f}")


if __name__ == "__main__":
    main()
