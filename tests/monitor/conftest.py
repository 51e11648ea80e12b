"""Fixtures for the SNMP monitoring tests: our simulator agent, and Debian's snmpd."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest

from hnth_drivers import STRICT, Secret
from hnth_drivers.monitor import SnmpPoller, SnmpTarget
from hnth_drivers.transport.snmp import SnmpCommunity, SnmpV3User
from hnth_sim.snmp import SimDevice, SnmpAgent, devices_named


def _root_conftest() -> ModuleType:
    """tests/conftest.py, loaded under its own name: the bare name ``conftest`` in
    sys.modules belongs to whichever rootless conftest pytest imported last."""
    name = "_hnth_tests_root_conftest"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, Path(__file__).resolve().parents[1] / "conftest.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules[name] = module
    return sys.modules[name]


require_tool: Callable[[str], str] = _root_conftest().require_tool

AUTH_KEY = "sim-auth-key-1"
PRIV_KEY = "sim-priv-key-1"
USER = "admin"


def v3_user(user: str = USER, auth: str = AUTH_KEY, priv: str = PRIV_KEY) -> SnmpV3User:
    """SHA-256 + AES-128 credentials (the policy's default choice)."""
    return SnmpV3User(user, Secret(auth), Secret(priv))


def target_for(agent: SnmpAgent, dev: SimDevice | str, *, vendor: str = "hnth-sim",
               timeout: float = 0.4, retries: int = 0,
               credentials: SnmpV3User | SnmpCommunity | None = None,
               context: str | None = None) -> SnmpTarget:
    """A poller target for one simulated device (its context on the shared agent)."""
    name = dev if isinstance(dev, str) else dev.name
    return SnmpTarget(name, agent.address[0], credentials or v3_user(),
                      port=agent.address[1], vendor=vendor,
                      context=name if context is None else context, timeout=timeout,
                      retries=retries)


@pytest.fixture
async def agent() -> AsyncIterator[SnmpAgent]:
    """Our agent on an ephemeral loopback port, serving four devices."""
    async with SnmpAgent(devices_named("dev", 4), user=USER, auth_key=AUTH_KEY,
                         priv_key=PRIV_KEY) as running:
        yield running


@pytest.fixture
async def poller() -> AsyncIterator[SnmpPoller]:
    """A poller under the strict default policy."""
    async with SnmpPoller(STRICT, max_in_flight=8) as p:
        yield p


def free_udp_port() -> int:
    """A loopback UDP port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def snmpd(tmp_path: Path) -> Iterator[tuple[int, str]]:
    """Debian's snmpd, v3 only (one authPriv user, no community), on a loopback port.

    Yields ``(port, user)``; the user's keys are AUTH_KEY / PRIV_KEY.
    """
    yield from run_snmpd(tmp_path)


def run_snmpd(tmp_path: Path, extra: str = "") -> Iterator[tuple[int, str]]:
    """Start snmpd as :func:`snmpd` does, with ``extra`` configuration lines."""
    binary = require_tool("snmpd")
    user = "hnthmon"
    persist = tmp_path / "persist"
    persist.mkdir()
    for _ in range(3):
        port = free_udp_port()
        conf = tmp_path / "snmpd.conf"
        conf.write_text(
            f"[snmp] persistentDir {persist}\n"
            f"agentAddress udp:127.0.0.1:{port}\n"
            f"createUser {user} SHA-256 {AUTH_KEY} AES {PRIV_KEY}\n"
            f"rouser {user} priv\n{extra}")
        with (tmp_path / "snmpd.log").open("ab") as log:
            proc = subprocess.Popen([binary, "-f", "-Lo", "-C", "-c", str(conf)],
                                    stdout=log, stderr=subprocess.STDOUT,
                                    env={**os.environ, "MIBS": ""})
        if _wait_bound(port, proc):
            break
        proc.kill()
        proc.wait(5)
    else:
        pytest.fail(f"snmpd did not start: {(tmp_path / 'snmpd.log').read_text()[-500:]}")
    try:
        yield port, user
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def _wait_bound(port: int, proc: subprocess.Popen[bytes], deadline_s: float = 5.0) -> bool:
    """True once something holds the UDP port (snmpd bound it), False if snmpd exited."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if proc.poll() is not None:
            return False
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                return True
        time.sleep(0.05)
    return False


async def run_tool(*argv: str, timeout: float = 10.0) -> tuple[int, str]:
    """Run a net-snmp command line tool; (exit code, stdout+stderr)."""
    proc = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, "MIBS": ""})
    try:
        async with asyncio.timeout(timeout):
            out, _ = await proc.communicate()
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    return proc.returncode or 0, out.decode(errors="replace")

