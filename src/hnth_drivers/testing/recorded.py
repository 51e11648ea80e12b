"""The conformance kit from a recording, or recording a kit run (needs pytest).

A driver's offline test module is a few lines::

    from pathlib import Path
    from hnth_drivers.testing import McuConformance
    from hnth_drivers.testing.recorded import replay_fixture

    class TestAcmeOffline(McuConformance):
        driver = replay_fixture("mcu", "acme", Path(__file__).parent / "acme.jsonl")

The driver is found in the registry and built with its ``from_target`` from the
recording's header (address, user and options; a placeholder password, certificate pin
and known-hosts file: nothing is sent on the network, and a camera's VISCA-over-IP
waiver is not asked for). The same works for codecs (kind ``vcs``, an SSH recording)
and cameras (kind ``camera``, a UDP recording) with :class:`CodecConformance` and
:class:`CameraConformance`. The kit names its scratch conferences with
``uuid.uuid4()``; while a kit test runs here those come from a generator seeded with the
test's name, so a recorded run and its replay send the same requests. A recording made
by ``hnth record`` is divided in parts named after the kit's tests (each exchange's
``section``); each test is replayed from its own part (a recording without parts, from
all of it).

``hnth record`` runs the kit through :func:`record_kit` against a live device (or a
simulator) and saves what it exchanged.
"""

from __future__ import annotations

import contextlib
import os
import random
import uuid
import zlib
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from ..driver import DeviceTarget, Driver
from ..registry import get_driver
from ..security.policy import STRICT, SecurityPolicy
from ..security.secrets import Secret
from .recording import Recorder
from .replay import Player, Recording
from .wire_replay import WirePlayer

__all__ = ["KitRecorder", "record_kit", "replay_fixture", "replayed", "replayed_driver",
           "same_names"]

# Replay sends nothing: the password and the pin below only satisfy the constructors.
_REPLAY_PASSWORD = "replay-placeholder"  # noqa: S105 - not a credential
_REPLAY_PIN = "0" * 64


class _OneSecret:
    def __init__(self, secret: Secret) -> None:
        self._secret = secret

    def resolve(self, ref: str) -> Secret:
        return self._secret


@contextlib.contextmanager
def same_names(seed: str) -> Iterator[None]:
    """``uuid.uuid4()`` returns a sequence fixed by ``seed`` inside the block."""
    rng = random.Random(zlib.crc32(seed.encode()))
    real = uuid.uuid4

    def seeded() -> uuid.UUID:
        return uuid.UUID(int=rng.getrandbits(128), version=4)

    uuid.uuid4 = seeded
    try:
        yield
    finally:
        uuid.uuid4 = real


@contextlib.asynccontextmanager
async def replayed(kind: str, name: str, recording: Path | Recording,
                   section: str | None = None,
                   ) -> AsyncIterator[tuple[Driver, Player | WirePlayer]]:
    """An open ``name`` driver answered from ``recording`` (from its part ``section``,
    if it has one: a kit test's name), and the replay's state (what is left unused).
    RecordingError if it is not a complete recording of that driver."""
    loaded = (recording if isinstance(recording, Recording)
              else Recording.load(Path(recording), kind=kind, driver=name))
    if loaded.header.kind != kind or loaded.header.driver != name:
        Recording.load(loaded.path, kind=kind, driver=name)  # raises, naming both
    target = DeviceTarget(kind, f"replay:{loaded.path.name}", name, loaded.header.address,
                          user=loaded.header.user,
                          password_ref="replay",  # noqa: S106 - a reference, not a value
                          pin_sha256=_REPLAY_PIN, known_hosts=Path(os.devnull),
                          options=loaded.header.options)
    cls = get_driver(kind, name)
    with loaded.replaying(section) as player:
        driver = cls.from_target(target, secrets=_OneSecret(Secret(_REPLAY_PASSWORD)),
                                 policy=STRICT, audit=None)
        async with driver:
            yield driver, player


@contextlib.asynccontextmanager
async def replayed_driver(kind: str, name: str, recording: Path | Recording,
                          section: str | None = None) -> AsyncIterator[Driver]:
    """An open ``name`` driver answered from ``recording`` (RecordingError if it is not a
    complete recording of that driver)."""
    async with replayed(kind, name, recording, section) as (driver, _):
        yield driver


def replay_fixture(kind: str, name: str, recording: Path | str) -> Any:
    """A kit ``driver`` fixture (for a test class) answered from ``recording``."""
    path = Path(recording)

    @pytest_asyncio.fixture
    async def driver(self: Any, request: pytest.FixtureRequest) -> AsyncIterator[Driver]:
        with same_names(request.node.name):
            async with replayed_driver(kind, name, path, request.node.name) as opened:
                yield opened

    return driver


class KitRecorder:
    """A pytest plug-in object: gives the kit a live ``driver`` whose exchanges are
    recorded into ``recorder`` (names seeded per test, as on replay)."""

    def __init__(self, kind: str, name: str, target: DeviceTarget, password: Secret,
                 recorder: Recorder, policy: SecurityPolicy = STRICT) -> None:
        self._kind, self._name, self._target = kind, name, target
        self._password, self.recorder, self._policy = password, recorder, policy

    @pytest_asyncio.fixture
    async def driver(self, request: pytest.FixtureRequest) -> AsyncIterator[Driver]:
        """The live driver, recorded."""
        cls = get_driver(self._kind, self._name)
        self.recorder.section = request.node.name
        with self.recorder.installed(), same_names(request.node.name):
            built = cls.from_target(self._target, secrets=_OneSecret(self._password),
                                    policy=self._policy, audit=self._policy.audit)
            async with built:
                yield built


def record_kit(plugin: KitRecorder, kit_module: Path, extra_args: list[str] | None = None,
               run: Callable[..., Any] | None = None, kit_class: str | None = None) -> int:
    """Run the kit module ``kit_module`` (only its class ``kit_class`` if given) with
    ``plugin`` (pytest's exit code)."""
    # No ini file: the caller's project settings have nothing to say about this run.
    where = f"{kit_module}::{kit_class}" if kit_class else str(kit_module)
    args = [where, "-q", "-p", "no:cacheprovider", "-c", os.devnull,
            "--rootdir", str(kit_module.parent), "-o", "asyncio_mode=auto",
            "-o", "asyncio_default_fixture_loop_scope=function",
            "-W", "ignore::pytest.PytestAssertRewriteWarning",
            "-o", f"python_files={kit_module.name}", *(extra_args or [])]
    return int((run or pytest.main)(args, plugins=[plugin]))
