"""Record → replay round trips for the codec drivers (SSH) and the VISCA-over-IP camera,
what such a recording must not hold, and the replay's errors (typed, never a hang)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from hnth_drivers.driver import DeviceTarget
from hnth_drivers.model import CameraPosition
from hnth_drivers.registry import get_driver
from hnth_drivers.security.policy import STRICT, SecurityPolicy
from hnth_drivers.testing.recorded import replayed, replayed_driver
from hnth_drivers.testing.recording import Recorder
from hnth_drivers.testing.replay import Recording, RecordingError, ReplayMiss
from hnth_drivers.testing.sessions import camera_session, codec_session
from hnth_drivers.vcs.base import Camera, Codec

from .conftest import SSH_PASSWORD, CameraSim, CodecSim, OneSecret


async def record_session(target: DeviceTarget, out: Path, *, password: str | None = None,
                         policy: SecurityPolicy = STRICT) -> list[object]:
    """Run the fixed session of the target's kind through its driver, recorded to ``out``
    (the password given to the recorder to scrub); the session's results."""
    recorder = Recorder(kind=target.kind, driver=target.driver, driver_version="test",
                        address=target.address, secrets=[password] if password else [],
                        options=dict(target.options))
    with recorder.installed():
        driver = get_driver(target.kind, target.driver).from_target(
            target, secrets=OneSecret(password or "unused"), policy=policy, audit=None)
        async with driver:
            if isinstance(driver, Codec):
                results = await codec_session(driver)
            else:
                assert isinstance(driver, Camera)
                results = await camera_session(driver)
    recorder.save(out)
    return results


async def record_codec(sim: CodecSim, out: Path) -> list[object]:
    return await record_session(sim.target, out, password=SSH_PASSWORD)


async def test_codec_round_trip_gives_the_same_results(codec_sim: CodecSim,
                                                       tmp_path: Path) -> None:
    out = tmp_path / "codec.jsonl"
    live = await record_codec(codec_sim, out)
    connections = codec_sim.sim.connections
    async with replayed("vcs", codec_sim.driver, out) as (codec, player):
        assert isinstance(codec, Codec)
        assert await codec_session(codec) == live
    assert player.unused == []
    assert codec_sim.sim.connections == connections       # nothing reached the simulator
    header = json.loads(out.read_text().splitlines()[0])
    assert header["transport"] == "ssh" and header["kind"] == "vcs"


async def test_codec_recording_holds_no_password(codec_sim: CodecSim, tmp_path: Path) -> None:
    out = tmp_path / "codec.jsonl"
    await record_codec(codec_sim, out)
    text = out.read_text()
    assert SSH_PASSWORD not in text
    assert base64.b64encode(SSH_PASSWORD.encode()).decode() not in text
    assert "xStatus" in text or "callinfo" in text          # the file holds the session


async def test_codec_keyboard_interactive_login_is_not_recorded(codec_sim: CodecSim,
                                                               tmp_path: Path) -> None:
    # A codec that offers keyboard-interactive only (as Cisco's own client logs in): the
    # driver answers the prompt with the password; the recording never holds it.
    codec_sim.sim.password_auth = False
    out = tmp_path / "codec.jsonl"
    live = await record_codec(codec_sim, out)
    assert SSH_PASSWORD not in out.read_text()
    async with replayed_driver("vcs", codec_sim.driver, out) as codec:
        assert isinstance(codec, Codec)
        assert await codec_session(codec) == live


async def test_a_secret_named_shell_value_is_redacted(tmp_path: Path) -> None:
    recorder = Recorder(kind="vcs", driver="xapi", driver_version="test",
                        address="codec:22", secrets=["pw-given-1"])
    recorder.wire.note("ssh", "open")
    recorder.wire.note("ssh", "recv", b"Welcome\r\nOK\r\n")
    recorder.wire.note("ssh", "send", b'xCommand Dial Number:55 Password: "s3cr3t-pin"\n')
    encoded = base64.b64encode(b"pw-given-1")
    recorder.wire.note("ssh", "recv", b"echo s3cr3t-pin pw-given-1 " + encoded + b"\r\nOK\r\n")
    recorder.save(tmp_path / "r.jsonl")
    text = (tmp_path / "r.jsonl").read_text()
    for secret in ("s3cr3t-pin", "pw-given-1", encoded.decode()):
        assert secret not in text
    assert 'Password: \\"REDACTED\\"' in text


async def test_codec_replay_of_a_changed_request_is_a_typed_miss(codec_sim: CodecSim,
                                                                tmp_path: Path) -> None:
    out = tmp_path / "codec.jsonl"
    await record_codec(codec_sim, out)
    async with replayed_driver("vcs", codec_sim.driver, out) as codec:
        assert isinstance(codec, Codec)
        with pytest.raises(ReplayMiss, match="no unused exchange") as info:
            await codec.dial("999")                          # never recorded
        assert "999" in str(info.value)


def _cut_reply(path: Path, out: Path) -> None:
    """The recording with its longest reply (a call list) cut in half, end count kept."""
    lines = path.read_text().splitlines()
    longest = max(range(1, len(lines) - 1),
                  key=lambda i: len("".join(json.loads(lines[i]).get("recv", []))))
    record = json.loads(lines[longest])
    record["recv"] = [record["recv"][0][: len(record["recv"][0]) // 2]]
    lines[longest] = json.dumps(record)
    out.write_text("\n".join(lines) + "\n")


async def test_a_reply_cut_short_is_a_typed_error_not_a_hang(codec_sim: CodecSim,
                                                             tmp_path: Path) -> None:
    out = tmp_path / "codec.jsonl"
    await record_codec(codec_sim, out)
    cut = tmp_path / "cut.jsonl"
    _cut_reply(out, cut)
    with pytest.raises(ReplayMiss, match="does not hold"):
        async with replayed_driver("vcs", codec_sim.driver, cut) as codec:
            assert isinstance(codec, Codec)
            await codec_session(codec)


async def test_a_truncated_or_foreign_wire_recording_is_refused(codec_sim: CodecSim,
                                                              tmp_path: Path) -> None:
    out = tmp_path / "codec.jsonl"
    await record_codec(codec_sim, out)
    lines = out.read_text().splitlines()
    (tmp_path / "short.jsonl").write_text("\n".join(lines[:-3]) + "\n")
    with pytest.raises(RecordingError, match="truncated"):
        Recording.load(tmp_path / "short.jsonl")
    other = "polycom" if codec_sim.driver == "xapi" else "xapi"
    with pytest.raises(RecordingError, match="another driver"):
        async with replayed_driver("vcs", other, out):
            pass
    with pytest.raises(RecordingError, match="another driver"):
        async with replayed_driver("camera", "visca-ip", out):
            pass


# -- cameras ---------------------------------------------------------------------------------
async def record_camera(sim: CameraSim, out: Path) -> list[object]:
    return await record_session(sim.target, out, policy=sim.policy)


async def test_camera_round_trip_gives_the_same_results(camera_sim: CameraSim,
                                                        tmp_path: Path) -> None:
    out = tmp_path / "camera.jsonl"
    live = await record_camera(camera_sim, out)
    async with replayed("camera", "visca-ip", out) as (camera, player):
        assert isinstance(camera, Camera)
        assert await camera_session(camera) == live
    assert player.unused == []
    header = json.loads(out.read_text().splitlines()[0])
    assert header["transport"] == "udp" and header["options"] == {"model": "generic"}
    first = json.loads(out.read_text().splitlines()[1])
    assert first == {"open": True, "recv": []}


async def test_camera_recording_keeps_the_waiver(camera_sim: CameraSim,
                                                 tmp_path: Path) -> None:
    from hnth_drivers.errors import PolicyViolation

    recorder = Recorder(kind="camera", driver="visca-ip", driver_version="test",
                        address=camera_sim.target.address)
    with recorder.installed(), pytest.raises(PolicyViolation):
        camera = get_driver("camera", "visca-ip").from_target(
            camera_sim.target, secrets=OneSecret("unused"), policy=STRICT, audit=None)
        async with camera:
            pass
    assert recorder.count == 0


async def test_camera_replay_of_a_changed_request_is_a_typed_miss(camera_sim: CameraSim,
                                                                 tmp_path: Path) -> None:
    out = tmp_path / "camera.jsonl"
    await record_camera(camera_sim, out)
    async with replayed_driver("camera", "visca-ip", out) as camera:
        assert isinstance(camera, Camera)
        with pytest.raises(ReplayMiss, match="datagram"):
            await camera.recall_preset(5)


async def test_serial_camera_round_trip(tmp_path: Path) -> None:
    # RS-232 VISCA over a pseudo-terminal: the same recording, in hex, through the hook
    # of open_serial.
    from hnth_sim.camera import CameraSimulator

    out = tmp_path / "serial.jsonl"
    async with CameraSimulator(udp=None, pty=True, travel_scale=0.05) as sim:
        assert sim.pty_path is not None
        target = DeviceTarget("camera", "sim-serial", "visca-serial", str(sim.pty_path))
        live = await record_session(target, out)
    assert Recording.load(out).header.transport == "serial"
    async with replayed("camera", "visca-serial", out) as (camera, player):
        assert isinstance(camera, Camera)
        assert await camera_session(camera) == live
    assert player.unused == []


async def test_a_kit_recording_replays_each_test_from_its_own_part() -> None:
    # The serial line has no sequence numbers: "position?" is the same bytes in every
    # test, with other answers. Each kit test is replayed from the part it recorded.
    from hnth_drivers.model import CameraPosition

    rec = Recording.load(Path(__file__).parent / "recordings" / "visca-serial.jsonl")
    name = "test_move_to_returns_when_the_move_is_done"
    assert name in rec.sections() and len(rec.sections()) > 5
    async with replayed("camera", "visca-serial", rec, section=name) as (camera, player):
        assert isinstance(camera, Camera)
        assert {ex.section for ex in player.unused} == {name}
        await camera.home()
        await camera.move_to(CameraPosition(pan=100, tilt=50, zoom=0))
        assert (await camera.position()).pan == 100
        await camera.home()
        assert (await camera.position()).pan == 0


async def test_camera_answer_missing_from_the_recording_is_a_typed_miss(
        camera_sim: CameraSim, tmp_path: Path) -> None:
    # No answer recorded for the preset store: the driver's ACK deadline passes, it sends
    # the datagram again (as Sony's guide says), and the replay holds nothing for that.
    out = tmp_path / "camera.jsonl"
    await record_camera(camera_sim, out)
    lines = out.read_text().splitlines()
    store = "81 01 04 3f 01 02 ff"                       # memory set, preset 2
    cut = [json.dumps({**json.loads(line), "recv": []}) if store in line else line
           for line in lines]
    (tmp_path / "cut.jsonl").write_text("\n".join(cut) + "\n")
    async with replayed_driver("camera", "visca-ip", tmp_path / "cut.jsonl") as camera:
        assert isinstance(camera, Camera)
        await camera.is_powered()
        await camera.position()
        await camera.move_to(CameraPosition(pan=100, tilt=50, zoom=0))
        await camera.position()
        with pytest.raises(ReplayMiss, match="all used"):
            await camera.store_preset(2)
