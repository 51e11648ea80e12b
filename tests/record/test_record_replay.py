"""Record → replay round trips for each HTTPS driver, and what a recording must not hold."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import pytest

from hnth_drivers.driver import Driver
from hnth_drivers.mcu.base import Mcu
from hnth_drivers.model import Capability, Endpoint
from hnth_drivers.registry import get_driver
from hnth_drivers.security.policy import STRICT
from hnth_drivers.testing.recorded import replayed_driver
from hnth_drivers.testing.recording import Exchange, Recorder
from hnth_drivers.testing.redaction import REDACTED

from .conftest import PASSWORD, OneSecret, Sim


class KeepingRecorder(Recorder):
    """Also keeps the raw exchanges, to look for their secrets in the saved file."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.raw: list[Exchange] = []

    def note(self, exchange: Exchange) -> None:
        self.raw.append(exchange)
        super().note(exchange)


async def session(mcu: Mcu) -> list[object]:
    """A short session over every read and a few writes; its results, to compare."""
    # the device label differs (the simulator's id, the replay's): compared without it
    health = dataclasses.replace(await mcu.health(), device="mcu")
    seen: list[object] = [await mcu.conferences(), health]
    if mcu.supports(Capability.CAPACITY):
        seen.append(await mcu.capacity())
    await mcu.create_conference("rt-1")
    for i in range(2):
        await mcu.add_participant("rt-1", Endpoint(f"rt-site-{i}", f"10.7.0.{i + 1}"))
    await mcu.mute("rt-1", "rt-site-0", True)
    seen.append(await mcu.participants("rt-1"))
    if mcu.supports(Capability.STATS):
        seen.append(await mcu.stats("rt-1"))
    await mcu.destroy_conference("rt-1")
    seen.append(await mcu.conferences())
    return seen


async def record(sim: Sim, out: Path) -> tuple[KeepingRecorder, list[object]]:
    recorder = KeepingRecorder(kind="mcu", driver=sim.driver, driver_version="test",
                               address=sim.target.address, secrets=[PASSWORD])
    with recorder.installed():
        driver = get_driver("mcu", sim.driver).from_target(
            sim.target, secrets=OneSecret(PASSWORD), policy=STRICT, audit=None)
        async with driver as mcu:
            assert isinstance(mcu, Mcu)
            results = await session(mcu)
    recorder.save(out)
    return recorder, results


async def test_round_trip_gives_the_same_results(sim: Sim, tmp_path: Path) -> None:
    out = tmp_path / "rec.jsonl"
    _, live = await record(sim, out)
    async with replayed_driver("mcu", sim.driver, out) as mcu:
        assert isinstance(mcu, Mcu)
        assert await session(mcu) == live


def _secret_values(exchanges: list[Exchange]) -> set[str]:
    """Every secret the raw exchanges carried: cookies, proofs, passwords."""
    values = {PASSWORD}
    for ex in exchanges:
        for name, value in ex.request_headers + ex.response_headers:
            if name.lower() == "cookie":
                values |= set(re.findall(r"=([^;]+)", value))
            elif name.lower() == "set-cookie":
                values.add(value.split(";")[0].partition("=")[2])
        for body in (ex.request_body, ex.response_body):
            values |= set(re.findall(r"<(?:\w+:)?encryptPassword>([^<]+)<", body))
            values |= set(re.findall(r"authenticationPassword</name>\s*<value>"
                                     r"(?:<string>)?([^<]+)<", body))
    return values


async def test_no_password_proof_or_session_cookie_survives(sim: Sim, tmp_path: Path) -> None:
    out = tmp_path / "rec.jsonl"
    recorder, _ = await record(sim, out)
    secrets = _secret_values(recorder.raw)
    # the test looks for something real: the password, and per driver its own secrets
    # codian: the password (sent as authenticationPassword); smc: the password, the
    # encryptPassword proof and the JSESSIONID cookie
    expected = {"codian": 1, "smc": 3}[sim.driver]
    assert len(secrets) >= expected
    text = out.read_text()
    for value in secrets:
        assert value not in text
    header = json.loads(text.splitlines()[0])
    assert header["redactions"]
    assert REDACTED in text


async def test_replayed_driver_refuses_a_recording_of_another_driver(sim: Sim,
                                                                    tmp_path: Path) -> None:
    from hnth_drivers.testing.replay import RecordingError

    out = tmp_path / "rec.jsonl"
    await record(sim, out)
    other = "smc" if sim.driver == "codian" else "codian"
    with pytest.raises(RecordingError, match=f"another driver.*{other}.*{sim.driver}"):
        async with replayed_driver("mcu", other, out):
            pass


async def test_kit_driver_is_not_opened_on_the_network(tmp_path: Path) -> None:
    # The recording's address names a port nobody listens on: a driver that reached the
    # network would fail to connect; answered from the recording, it opens.
    rec = Path(__file__).parent / "recordings" / "codian.jsonl"
    async with replayed_driver("mcu", "codian", rec) as mcu:
        assert isinstance(mcu, Driver)
        assert mcu.device.startswith("replay:")


async def test_recording_keeps_the_servers_verification(sim: Sim, tmp_path: Path) -> None:
    # The recorder wraps the policy-checked transport: a pin that does not match the
    # server's certificate is refused as without it, and nothing is recorded.
    from hnth_drivers.errors import PolicyViolation

    target = dataclasses.replace(sim.target, ca_file=None, pin_sha256="ab" * 32)
    recorder = Recorder(kind="mcu", driver=sim.driver, driver_version="test",
                        address=target.address)
    with recorder.installed(), pytest.raises(PolicyViolation, match="pin"):
        driver = get_driver("mcu", sim.driver).from_target(
            target, secrets=OneSecret(PASSWORD), policy=STRICT, audit=None)
        async with driver:
            pass
    assert recorder.count == 0
