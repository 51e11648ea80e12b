"""Fixtures: a camera simulator on UDP loopback and a pty, and both drivers connected."""

from __future__ import annotations

import importlib.util
from collections.abc import AsyncIterator, Callable
from functools import cache
from pathlib import Path

import pytest
import pytest_asyncio

from hnth_drivers.security.audit import AuditLog
from hnth_drivers.security.policy import SecurityPolicy, Waiver, WaiverKind
from hnth_drivers.vcs.visca.camera import ViscaCamera, ViscaOptions
from hnth_drivers.vcs.visca.ip import ViscaIpCamera
from hnth_drivers.vcs.visca.serial import ViscaSerialCamera
from hnth_sim.camera import CameraSimulator

# Moves take 1/20 of the default model time: a preset move of a few hundred units lasts
# a few milliseconds, but still comes after the ACK.
TRAVEL_SCALE = 0.05


@pytest_asyncio.fixture
async def sim() -> AsyncIterator[CameraSimulator]:
    """A simulated camera on 127.0.0.1 (ephemeral port) and on a new pseudo-terminal."""
    async with CameraSimulator(udp=("127.0.0.1", 0), pty=True,
                               travel_scale=TRAVEL_SCALE) as simulator:
        yield simulator


@pytest.fixture
def options() -> ViscaOptions:
    """Short deadlines, so that fault tests end quickly (but never hang)."""
    return ViscaOptions(ack_timeout=0.3, completion_timeout=3.0, retries=2, backoff=0.01)


@pytest.fixture
def audit(tmp_path: Path) -> AuditLog:
    """An audit log for the waiver's records."""
    return AuditLog(tmp_path / "audit.jsonl", durable=False)


@pytest.fixture
def policy(sim: CameraSimulator, audit: AuditLog) -> SecurityPolicy:
    """A policy naming the simulated camera as on a trusted segment."""
    assert sim.udp_address is not None
    host, port = sim.udp_address
    return SecurityPolicy(waivers=(Waiver(f"{host}:{port}", WaiverKind.VISCA_IP,
                                          "test camera on loopback"),), audit=audit)


@pytest_asyncio.fixture
async def ip_camera(sim: CameraSimulator, policy: SecurityPolicy,
                    options: ViscaOptions) -> AsyncIterator[ViscaIpCamera]:
    """ViscaIpCamera connected to the simulator over UDP loopback."""
    assert sim.udp_address is not None
    async with ViscaIpCamera(*sim.udp_address, policy=policy, options=options) as cam:
        yield cam


@pytest_asyncio.fixture
async def serial_camera(sim: CameraSimulator,
                        options: ViscaOptions) -> AsyncIterator[ViscaSerialCamera]:
    """ViscaSerialCamera connected to the simulator over a real pseudo-terminal."""
    assert sim.pty_path is not None
    async with ViscaSerialCamera(sim.pty_path, options=options) as cam:
        yield cam


@pytest.fixture(params=["serial", "ip"])
def camera(request: pytest.FixtureRequest) -> ViscaCamera:
    """Each driver in turn."""
    cam: ViscaCamera = request.getfixturevalue(f"{request.param}_camera")
    return cam


@cache
def _root_require_tool() -> Callable[[str], str]:
    # The suite's tests/conftest.py is not importable by name from here (every conftest
    # module is called "conftest"), so load its require_tool from the file.
    spec = importlib.util.spec_from_file_location("hnth_tests_root_conftest",
                                                  Path(__file__).parents[1] / "conftest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    require: Callable[[str], str] = module.require_tool
    return require


@pytest.fixture
def socat() -> str:
    """The socat program (skipped locally without it; a failure in CI)."""
    return _root_require_tool()("socat")
