"""Benchmark: SSH codec connect time and command round trip (median), per codec variant.

Runs the codec simulator on 127.0.0.1 and prints medians with ratios against floors
measured in the same run:

- connect: ``open()`` (SSH handshake, login, shell, banner, set-up commands) against a bare
  ``ssh_connect`` (handshake and login only);
- round trip: ``microphones_muted()`` through the driver (asyncio: the loop waits on the
  channel's pipe, sans-I/O parser) against the same command written and read on a raw
  paramiko channel until the reply's end in one thread, same output mode, the two
  interleaved in blocks of 10 so that both see the same load;
- xAPI on CE once in terminal mode and once in JSON (the driver's choice where offered);
- Poly with its pacing set to 0: the ~200 ms the guide asks for between commands is a
  deliberate wait, not a cost of the driver (``--pacing-ms`` to include it).

Usage: ``python benchmarks/codec.py [--rounds N] [--pacing-ms MS]``.
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
from hnth_drivers.vcs.ssh_codec import PolycomCodec, SshCodec, SshCodecOptions, XapiCodec
from hnth_sim.codec import CodecSimulator, generate_key

PASSWORD = "bench-pass"
# variant: (dialect, simulator settings, driver output mode, raw set-up, command, end marker)
VARIANTS: dict[str, tuple[str, dict[str, str], str, bytes, bytes, bytes]] = {
    "xapi-ce-terminal": ("xapi", {"software": "ce9.15.0"}, "terminal", b"echo off\n",
                         b"xStatus Audio Microphones Mute\n", b"OK\r\n"),
    "xapi-ce-json": ("xapi", {"software": "ce9.15.0"}, "auto",
                     b"echo off\nxpreferences outputmode json\n",
                     b'xStatus Audio Microphones Mute | resultId="1"\n', b"}\r\n"),
    "xapi-tc": ("xapi", {"software": "tc7.3.6"}, "auto", b"echo off\n",
                b"xStatus Audio Microphones Mute\n", b"OK\r\n"),
    "polycom": ("polycom", {"family": "group"}, "auto", b"",
                b"mute near get\r\n", b"mute near off\r\n"),
}


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000.0


class RawChannel:
    """The floor: one command written and read on a bare paramiko channel, in one thread."""

    def __init__(self, target: SshTarget, variant: str) -> None:
        _, _, _, setup, self.command, self.marker = VARIANTS[variant]
        self.client = ssh_connect(STRICT, target)
        transport = self.client.get_transport()
        assert transport is not None
        self.channel = transport.open_session()
        self.channel.invoke_shell()
        self.channel.settimeout(10)
        self.channel.sendall(setup)
        time.sleep(0.2)             # banner and set-up answers, drained here
        while self.channel.recv_ready():
            self.channel.recv(65536)
        self.buffer = b""

    def round_trip(self) -> float:
        start = time.perf_counter()
        self.channel.sendall(self.command)
        while self.marker not in self.buffer:
            self.buffer += self.channel.recv(65536)
        self.buffer = self.buffer[self.buffer.index(self.marker) + len(self.marker):]
        return time.perf_counter() - start

    def close(self) -> None:
        self.client.close()


async def figures(target: SshTarget, variant: str, rounds: int, pacing_s: float
                  ) -> tuple[list[float], list[float], list[float]]:
    """Connect times, driver round trips and raw round trips, the last two interleaved in
    blocks of 10 so that both see the same load on a shared machine."""
    dialect, settings, output, *_ = VARIANTS[variant]
    kind: type[SshCodec] = XapiCodec if dialect == "xapi" else PolycomCodec
    options = SshCodecOptions(output=output, pacing_s=pacing_s,
                              family=settings.get("family", "group"))
    connects, trips, floor = [], [], []
    for _ in range(max(5, rounds // 20)):
        codec = kind(target, options=options)
        start = time.perf_counter()
        await codec.open()
        connects.append(time.perf_counter() - start)
        await codec.close()
    raw = RawChannel(target, variant)
    try:
        async with kind(target, options=options) as codec:
            for _ in range(20):        # warm-up, not measured
                raw.round_trip()
                await codec.microphones_muted()
            for _ in range(max(1, rounds // 10)):
                floor += [raw.round_trip() for _ in range(10)]
                for _ in range(10):
                    start = time.perf_counter()
                    await codec.microphones_muted()
                    trips.append(time.perf_counter() - start)
    finally:
        raw.close()
    return connects, trips, floor


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--pacing-ms", type=float, default=0.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        key = generate_key(Path(tmp) / "host")
        pub = Path(tmp, "host.pub").read_text().split()[:2]
        for variant, (dialect, settings, *_) in VARIANTS.items():
            with CodecSimulator(dialect, host_key=key, users={"admin": PASSWORD},
                                **settings) as sim:
                host, port = sim.address
                known = Path(tmp) / f"known_hosts_{variant}"
                known.write_text(f"[{host}]:{port} {pub[0]} {pub[1]}\n")
                target = SshTarget(host, "admin", known, port, password=Secret(PASSWORD))
                floor_connect = []
                for _ in range(max(5, args.rounds // 20)):
                    start = time.perf_counter()
                    client: paramiko.SSHClient = ssh_connect(STRICT, target)
                    floor_connect.append(time.perf_counter() - start)
                    client.close()
                connects, trips, floor_trips = asyncio.run(figures(
                    target, variant, args.rounds, args.pacing_ms / 1000.0))
            fc, c = median_ms(floor_connect), median_ms(connects)
            ft, t = median_ms(floor_trips), median_ms(trips)
            print(f"{variant:17s} connect: {c:7.2f} ms median (floor ssh_connect {fc:6.2f} ms,"
                  f" ratio {c / fc:4.2f})")
            print(f"{variant:17s} round trip: {t:6.3f} ms median (floor raw channel "
                  f"{ft:6.3f} ms, ratio {t / ft:4.2f})")


if __name__ == "__main__":
    main()
