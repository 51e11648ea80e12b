"""Driver ↔ simulator over real SSH on loopback: security, faults, both dialects."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from hnth_drivers.errors import (
    AuthError,
    ConfigError,
    ConnectError,
    DeviceError,
    DeviceTimeout,
    NotSupported,
    PolicyViolation,
    ProtocolError,
)
from hnth_drivers.model import CallState, CameraPosition, MoveDirection, ZoomDirection
from hnth_drivers.security.secrets import Secret
from hnth_drivers.vcs.ssh_codec import PolycomCodec, SshCodec
from hnth_sim.codec import CodecSimulator

from .conftest import DRIVERS, PASSWORD, options_for, target_for, write_known_hosts


def driver_for(sim: CodecSimulator, known_hosts: Path, timeout: float = 3.0, *,
               username: str = "admin", password: Secret | None = Secret(PASSWORD),
               key_file: Path | None = None) -> SshCodec:
    target = target_for(sim, known_hosts, username=username, password=password,
                        key_file=key_file)
    return DRIVERS[sim.dialect](target, options=options_for(sim.variant, timeout))


async def wait_for_state(codec: SshCodec, call_id: str, state: CallState) -> None:
    for _ in range(100):
        if any(c.call_id == call_id and c.state is state for c in await codec.calls()):
            return
        await asyncio.sleep(0.02)
    pytest.fail(f"call {call_id} never reached {state}")


# -- security ------------------------------------------------------------------------------
async def test_unknown_host_key_is_refused(sim: CodecSimulator, tmp_path: Path) -> None:
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    with pytest.raises(PolicyViolation, match="unknown SSH host key"):
        await driver_for(sim, empty).open()


async def test_changed_host_key_is_refused(sim: CodecSimulator, keys: dict[str, Path],
                                           tmp_path: Path) -> None:
    host, port = sim.address
    wrong = write_known_hosts(tmp_path / "kh", host, port, Path(f"{keys['other_host']}.pub"))
    with pytest.raises(PolicyViolation, match="changed"):
        await driver_for(sim, wrong).open()


async def test_wrong_password_is_an_auth_error(sim: CodecSimulator, known_hosts: Path) -> None:
    codec = driver_for(sim, known_hosts, password=Secret("not-the-password"))
    with pytest.raises(AuthError) as info:
        await codec.open()
    assert "not-the-password" not in str(info.value)
    assert "not-the-password" not in repr(codec)


async def test_public_key_user(sim: CodecSimulator, known_hosts: Path,
                               keys: dict[str, Path]) -> None:
    codec = driver_for(sim, known_hosts, username="keyuser", password=None,
                       key_file=keys["client"])
    async with codec:
        assert await codec.calls() == []


async def test_telnet_port_is_refused_by_policy(sim: CodecSimulator, known_hosts: Path) -> None:
    codec = DRIVERS[sim.dialect](target_for(sim, known_hosts).__class__(
        "127.0.0.1", "admin", known_hosts, 24, password=Secret("x")))
    with pytest.raises(PolicyViolation):
        await codec.open()


async def test_refused_connection_is_a_connect_error(sim: CodecSimulator,
                                                     known_hosts: Path) -> None:
    sim.faults.refuse_connections = 1
    with pytest.raises(ConnectError):
        await driver_for(sim, known_hosts).open()


async def test_calls_before_open_are_refused(sim: CodecSimulator, known_hosts: Path) -> None:
    with pytest.raises(ConnectError, match="not open"):
        await driver_for(sim, known_hosts).calls()


# -- contract, both dialects ---------------------------------------------------------------
async def test_call_life_cycle_with_events(codec: SshCodec) -> None:
    call = await codec.dial("5551234")
    assert call.state in (CallState.DIALLING, CallState.CONNECTING)
    await wait_for_state(codec, call.call_id, CallState.CONNECTED)
    second = await codec.dial("5551235")
    await codec.hang_up(call.call_id)
    assert [c.call_id for c in await codec.calls()] == [second.call_id]
    await codec.hang_up()
    assert await codec.calls() == []
    seen = {(e.call_id, e.state) for e in codec.events()}
    assert (call.call_id, CallState.CONNECTED) in seen
    assert (call.call_id, CallState.DISCONNECTED) in seen


async def test_unreachable_number_fails_with_a_device_error(codec: SshCodec) -> None:
    with pytest.raises(DeviceError):
        await codec.dial("0000")
    assert await codec.calls() == []          # the session is still usable


async def test_mute_and_health(codec: SshCodec) -> None:
    await codec.mute_microphones(True)
    assert await codec.microphones_muted()
    health = await codec.health()
    assert health.reachable and health.active_calls == 0


async def test_layout_by_dialect(codec: SshCodec, sim: CodecSimulator) -> None:
    if sim.dialect == "xapi":
        await codec.set_layout("prominent")
        assert sim.model.layout == "prominent"
        with pytest.raises(ConfigError):
            await codec.set_layout("prominent; xCommand Dial")
    else:
        with pytest.raises(NotSupported):
            await codec.set_layout("prominent")


async def test_camera_moves_zoom_and_presets(codec: SshCodec, sim: CodecSimulator) -> None:
    cam = codec.camera(1)
    await cam.move(MoveDirection.RIGHT)
    await asyncio.sleep(0.05)
    await cam.stop()
    moved = await cam.position()
    assert moved.pan > 0
    await cam.zoom(ZoomDirection.TELE)
    await asyncio.sleep(0.05)
    await cam.zoom(ZoomDirection.STOP)
    assert (await cam.position()).zoom > 0
    await cam.zoom_to(1000)
    assert (await cam.position()).zoom == 1000
    await cam.move_to(CameraPosition(-400, 120, 10))
    await cam.store_preset(3)
    await cam.home()
    await cam.recall_preset(3)
    assert await cam.position() == CameraPosition(-400, 120, 10)
    assert sim.model.cameras[1].pan == -400
    with pytest.raises(ConfigError):
        await cam.recall_preset(-1)
    if sim.dialect == "xapi":
        await cam.move(MoveDirection.UP_LEFT, pan_speed=15, tilt_speed=1)
        await cam.stop()
        with pytest.raises(ConfigError):
            await cam.move(MoveDirection.UP, pan_speed=16)
    else:
        with pytest.raises(NotSupported):
            await cam.move(MoveDirection.UP_LEFT)


async def test_second_camera_through_the_codec(codec: SshCodec, sim: CodecSimulator) -> None:
    await codec.camera(2).move_to(CameraPosition(700, 70, 7))
    assert await codec.camera(1).position() == CameraPosition(0, 0, 0)
    assert await codec.camera(2).position() == CameraPosition(700, 70, 7)
    assert (sim.model.cameras[2].pan, sim.model.cameras[1].pan) == (700, 0)


# -- faults --------------------------------------------------------------------------------
async def test_disconnect_mid_reply_then_reconnect(codec: SshCodec, sim: CodecSimulator
                                                   ) -> None:
    before = sim.connections
    sim.faults.disconnect_mid_reply = 1
    with pytest.raises(ConnectError, match="mid-reply"):
        await codec.calls()
    assert not codec.connected
    assert await codec.calls() == []          # the next call connects again
    assert sim.connections == before + 1


async def test_silent_server_times_out(sim: CodecSimulator, known_hosts: Path) -> None:
    async with driver_for(sim, known_hosts, timeout=0.3) as codec:
        sim.faults.silent = True
        with pytest.raises(DeviceTimeout):
            await codec.microphones_muted()
        sim.faults.silent = False
        assert await codec.microphones_muted() is False


async def test_garbage_line_is_a_protocol_error_then_recovers(codec: SshCodec,
                                                              sim: CodecSimulator) -> None:
    sim.faults.garbage_line = 1
    with pytest.raises(ProtocolError):
        await codec.mute_microphones(True)
    assert await codec.microphones_muted() is True


async def test_slow_reply_within_the_deadline(codec: SshCodec, sim: CodecSimulator) -> None:
    sim.faults.slow_reply_s = 0.2
    assert await codec.calls() == []


async def test_interleaved_events_do_not_corrupt_replies(codec: SshCodec,
                                                         sim: CodecSimulator) -> None:
    calls = [await codec.dial(f"55510{i}") for i in range(3)]
    sim.faults.interleave_events = True
    for _ in range(3):
        listed = await codec.calls()
        assert [c.call_id for c in listed] == [c.call_id for c in calls]
        assert await codec.microphones_muted() is False
        assert await codec.camera(1).position() == CameraPosition(0, 0, 0)
    await codec.hang_up()
    assert len(codec.events()) >= 9


async def test_wait_for_call_reads_events(codec: SshCodec) -> None:
    call = await codec.dial("5551234")
    await codec.wait_for_call(call.call_id, CallState.CONNECTED, timeout=3.0)
    assert [c.state for c in await codec.calls()] == [CallState.CONNECTED]
    await codec.wait_for_call(call.call_id, CallState.CONNECTED, timeout=0.1)  # already there
    with pytest.raises(DeviceTimeout):
        await codec.wait_for_call("999", CallState.CONNECTED, timeout=0.2)
    assert codec.connected
    await codec.hang_up(call.call_id)
    await codec.wait_for_call(call.call_id, CallState.DISCONNECTED, timeout=0.0)


async def test_open_twice_and_close_twice(sim: CodecSimulator, known_hosts: Path) -> None:
    codec = driver_for(sim, known_hosts)
    await codec.close()                       # before open: nothing to do
    await codec.open()
    await codec.open()                        # already open: same connection
    assert sim.connections == 1
    await codec.close()
    await codec.close()
    assert not codec.connected
    with pytest.raises(ConnectError):
        await codec.calls()


async def test_a_shell_request_never_answered_times_out(
        sim: CodecSimulator, known_hosts: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """paramiko's invoke_shell() has no timeout of its own: a server that accepts the
    session but never answers the shell request must not hold open() forever."""
    import dataclasses
    import threading
    import time

    from hnth_sim.codec import server as sim_server

    stall = threading.Event()
    answer = sim_server._Server.check_channel_shell_request

    def late_answer(self: sim_server._Server, channel: object) -> bool:
        stall.wait(6.0)
        return answer(self, channel)  # type: ignore[arg-type]

    monkeypatch.setattr(sim_server._Server, "check_channel_shell_request", late_answer)
    target = dataclasses.replace(target_for(sim, known_hosts), connect_timeout=0.5)
    codec = DRIVERS[sim.dialect](target)
    started = time.monotonic()
    try:
        with pytest.raises(DeviceTimeout, match="shell"):
            await codec.open()
        assert time.monotonic() - started < 3.0
        assert not codec.connected
    finally:
        stall.set()
        await codec.close()


async def test_poly_far_presets_0_to_15(codec: SshCodec, sim: CodecSimulator) -> None:
    """``preset far go|set {0..15}`` (HDX reference p4-250); near presets are 0..99."""
    if sim.dialect != "polycom":
        pytest.skip("Poly only")
    assert isinstance(codec, PolycomCodec)
    await codec.far_preset(15)
    await codec.far_preset(0, store=True)
    with pytest.raises(ConfigError):
        await codec.far_preset(16)
    await codec.camera(1).store_preset(99)
    with pytest.raises(ConfigError):
        await codec.camera(1).store_preset(100)
