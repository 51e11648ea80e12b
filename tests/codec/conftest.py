"""Fixtures: a codec simulator per dialect on 127.0.0.1:0, its known-hosts file, drivers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import paramiko
import pytest

from hnth_drivers.security.secrets import Secret
from hnth_drivers.transport.ssh import SshTarget
from hnth_drivers.vcs.ssh_codec import PolycomCodec, SshCodec, SshCodecOptions, XapiCodec
from hnth_sim.codec import CodecModel, CodecSimulator, generate_key

PASSWORD = "codec-pass-1"  # test-only credential
DRIVERS: dict[str, type[SshCodec]] = {"xapi": XapiCodec, "polycom": PolycomCodec}


@pytest.fixture(scope="session")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One host key, a second host key (for the changed-key test) and a client key."""
    base = tmp_path_factory.mktemp("codec-keys")
    for name in ("host", "other_host", "client"):
        generate_key(base / name)
    return {name: base / name for name in ("host", "other_host", "client")}


def write_known_hosts(path: Path, host: str, port: int, pub_file: Path) -> Path:
    """A known_hosts file with one ``[host]:port`` entry for the key in ``pub_file``."""
    kind, blob = pub_file.read_text().split()[:2]
    path.write_text(f"[{host}]:{port} {kind} {blob}\n")
    return path


#: Codec variants the driver tests run against: simulator settings and driver options.
#: ``xapi``: CE software, JSON; ``xapi-tc``: TC7 (terminal, ``Camera N`` status path);
#: ``polycom``: RealPresence Group Series; ``polycom-hdx``: HDX.
VARIANTS: dict[str, tuple[str, dict[str, str], dict[str, str]]] = {
    "xapi": ("xapi", {"software": "ce9.15.0"}, {}),
    "xapi-tc": ("xapi", {"software": "tc7.3.6"}, {}),
    "polycom": ("polycom", {"family": "group"}, {"family": "group"}),
    "polycom-hdx": ("polycom", {"family": "hdx"}, {"family": "hdx"}),
}


def make_sim(variant: str, keys: dict[str, Path]) -> CodecSimulator:
    dialect, settings, _ = VARIANTS[variant]
    client = paramiko.Ed25519Key.from_private_key_file(str(keys["client"]))
    return CodecSimulator(
        dialect, host_key=paramiko.Ed25519Key.from_private_key_file(str(keys["host"])),
        users={"admin": PASSWORD}, authorized_keys={"keyuser": [client]},
        model=CodecModel(connect_delay_s=0.02), **settings,
    )


def options_for(variant: str, timeout: float = 3.0) -> SshCodecOptions:
    """Driver options for a variant; pacing lowered to 0 (a per-session setting)."""
    return SshCodecOptions(command_timeout_s=timeout, pacing_s=0.0, **VARIANTS[variant][2])


@pytest.fixture(params=list(VARIANTS))
def dialect(request: pytest.FixtureRequest) -> str:
    """The variant name (``xapi``, ``xapi-tc``, ``polycom``, ``polycom-hdx``)."""
    return str(request.param)


@pytest.fixture
def sim(dialect: str, keys: dict[str, Path]) -> Iterator[CodecSimulator]:
    with make_sim(dialect, keys) as simulator:
        simulator.variant = dialect  # type: ignore[attr-defined]
        yield simulator


@pytest.fixture
def known_hosts(sim: CodecSimulator, keys: dict[str, Path], tmp_path: Path) -> Path:
    host, port = sim.address
    return write_known_hosts(tmp_path / "known_hosts", host, port,
                             Path(f"{keys['host']}.pub"))


def target_for(sim: CodecSimulator, known_hosts: Path, *, username: str = "admin",
               password: Secret | None = Secret(PASSWORD), key_file: Path | None = None
               ) -> SshTarget:
    host, port = sim.address
    return SshTarget(host, username, known_hosts, port, password=password, key_file=key_file,
                     connect_timeout=5.0)


@pytest.fixture
async def codec(sim: CodecSimulator, known_hosts: Path) -> AsyncIterator[SshCodec]:
    driver = DRIVERS[sim.dialect](target_for(sim, known_hosts),
                                  options=options_for(sim.variant))  # type: ignore[attr-defined]
    async with driver:
        yield driver
