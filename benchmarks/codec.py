"""Benchmark: SSH codec connect time and command round trip (median), both dialects.

Runs the codec simulator on 127.0.0.1 and prints medians with ratios against floors
measured in the same run:

- connect: ``XapiCodec/PolycomCodec.open()`` (SSH handshake, login, shell, setup
  commands) against a bare ``ssh_connect`` (handshake and login only);
- round trip: ``microphones_muted()`` through the driver (asyncio, worker threads,
  sans-I/O parser) against the same command written and read on a raw paramiko channel
  until the reply's end marker, in one thread.

Usage: ``python benchmarks/codec.py [--rounds N]``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import paramiko

from hnth_drivers.security.policy import STRICT
from hnth_drivers.security.secrets import Secret
from hnth_drivers.transport.ssh import SshTarget, ssh_connect
from hnth_drivers.vcs.ssh_codec import PolycomCodec, SshCodec, XapiCodec
from hnth_sim.codec import CodecSimulator, generate_key

PASSWORD = "bench-pass"
DRIVERS: dict[str, type[SshCodec]] = {"xapi": XapiCodec, "polycom": PolycomCodec}
RAW = {"xapi": (b"xStatus Audio Microphones Mute\n", b"OK\r\n"),
       "polycom": (b"mute near get\r\n", b"mute near off\r\n")}


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000.0


def raw_round_trips(target: SshTarget, dialect: str, rounds: int) -> list[float]:
    client = ssh_connect(STRICT, target)
    transport = client.get_transport()
    assert transport is not None
    channel = transport.open_session()
    channel.invoke_shell()
    channel.settimeout(10)
    command, marker = RAW[dialect]
    samples = []
    buffer = b""
    for i in range(rounds + 1):
        start = time.perf_counter()
        channel.sendall(command)
        while marker not in buffer:
            buffer += channel.recv(65536)
        buffer = buffer[buffer.index(marker) + len(marker):]
        if i:                       # the first one also swallows the banner
            samples.append(time.perf_counter() - start)
    client.close()
    return samples


async def driver_figures(target: SshTarget, dialect: str, rounds: int
                         ) -> tuple[list[float], list[float]]:
    connects, trips = [], []
    for _ in range(max(5, rounds // 10)):
        codec = DRIVERS[dialect](target)
        start = time.perf_counter()
        await codec.open()
        connects.append(time.perf_counter() - start)
        await codec.close()
    async with DRIVERS[dialect](target) as codec:
        for _ in range(rounds):
            start = time.perf_counter()
            await codec.microphones_muted()
            trips.append(time.perf_counter() - start)
    return connects, trips


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    rounds = parser.parse_args().rounds
    with tempfile.TemporaryDirectory() as tmp:
        key = generate_key(Path(tmp) / "host")
        pub = Path(tmp, "host.pub").read_text().split()[:2]
        for dialect in DRIVERS:
            with CodecSimulator(dialect, host_key=key, users={"admin": PASSWORD}) as sim:
                host, port = sim.address
                known = Path(tmp) / f"known_hosts_{dialect}"
                known.write_text(f"[{host}]:{port} {pub[0]} {pub[1]}\n")
                target = SshTarget(host, "admin", known, port, password=Secret(PASSWORD))
                floor_connect = []
                for _ in range(max(5, rounds // 10)):
                    start = time.perf_counter()
                    client: paramiko.SSHClient = ssh_connect(STRICT, target)
                    floor_connect.append(time.perf_counter() - start)
                    client.close()
                floor_trips = raw_round_trips(target, dialect, rounds)
                connects, trips = asyncio.run(driver_figures(target, dialect, rounds))
            fc, c = median_ms(floor_connect), median_ms(connects)
            ft, t = median_ms(floor_trips), median_ms(trips)
            print(f"{dialect:8s} connect: {c:7.2f} ms median  (floor ssh_connect {fc:6.2f} ms,"
                  f" ratio {c / fc:4.2f})")
            print(f"{dialect:8s} command round trip: {t:6.3f} ms median  (floor raw channel "
                  f"{ft:6.3f} ms, ratio {t / ft:4.2f})")


if __name__ == "__main__":
    main()
