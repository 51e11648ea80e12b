"""VISCA-over-IP framing against the vendor vectors; camera model profiles."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from visca_values import COMMANDS
from visca_vectors import hexbytes, vectors

from hnth_drivers.errors import ConfigError, ProtocolError
from hnth_drivers.vcs.visca.overip import (
    IpMessage,
    PayloadType,
    SequenceCounter,
    decode_ip,
    encode_ip,
)
from hnth_drivers.vcs.visca.profiles import (
    GENERIC,
    PROFILES,
    CameraProfile,
    load_profiles,
    profile,
)
from hnth_drivers.vcs.visca.wire import Role, ViscaWire

IP_VECTORS = vectors()["ip"]


def _type(text: str) -> PayloadType:
    return PayloadType(int.from_bytes(hexbytes(text), "big"))


@pytest.mark.parametrize("vector", IP_VECTORS, ids=lambda v: v["name"])
def test_encode_matches_the_vector(vector: dict[str, Any]) -> None:
    datagram = encode_ip(_type(vector["payload_type"]), vector["sequence"],
                         hexbytes(vector["payload"]))
    assert datagram == hexbytes(vector["bytes"])


@pytest.mark.parametrize("vector", IP_VECTORS, ids=lambda v: v["name"])
def test_decode_matches_the_vector(vector: dict[str, Any]) -> None:
    message = decode_ip(hexbytes(vector["bytes"]))
    assert message == IpMessage(_type(vector["payload_type"]), vector["sequence"],
                                hexbytes(vector["payload"]))
    # ERROR is read as such as a control command (where the guide lists it) and as a
    # control reply (where some cameras send it)
    assert message.is_sequence_error is vector["name"].startswith("error_sequence_number")
    assert message.is_type_error is vector["name"].startswith("error_message_type")


def test_ip_payloads_are_the_serial_frames_for_camera_1() -> None:
    by_name = {v["name"]: v for v in IP_VECTORS}
    wire = ViscaWire(Role.CONTROLLER, 1)
    recall = COMMANDS["memory_recall"]({"preset": 2})
    assert wire.send(recall) == hexbytes(by_name["command"]["payload"])
    power = COMMANDS["inquiry_power"]({})
    assert wire.send(power) == hexbytes(by_name["inquiry"]["payload"])


@pytest.mark.parametrize(("datagram", "why"), [
    (b"", "shorter"),
    (b"\x01\x00\x00\x01\x00\x00\x00", "shorter"),
    (b"\x03\x00\x00\x01\x00\x00\x00\x01\x01", "unknown payload type"),
    (b"\x01\x00\x00\x05\x00\x00\x00\x01\x81\x01\xff", "length"),
    (b"\x01\x00\x00\x00\x00\x00\x00\x01\x81", "length"),
    (b"\x01\x00\x00\x11\x00\x00\x00\x01" + bytes(17), "length"),
])
def test_malformed_datagrams_are_protocol_errors(datagram: bytes, why: str) -> None:
    with pytest.raises(ProtocolError, match=why):
        decode_ip(datagram, device="cam")


def test_encode_refuses_what_cannot_be_framed() -> None:
    with pytest.raises(ProtocolError):
        encode_ip(PayloadType.COMMAND, 1, b"")
    with pytest.raises(ProtocolError):
        encode_ip(PayloadType.COMMAND, 1, bytes(17))
    with pytest.raises(ProtocolError):
        encode_ip(PayloadType.COMMAND, 2**32, b"\x01")


def test_sequence_numbers_start_at_1_after_reset_and_wrap() -> None:
    counter = SequenceCounter()
    assert [counter.next(), counter.next()] == [1, 2]
    counter.reset()
    assert counter.next() == 1
    counter._last = 0xFFFFFFFF
    assert counter.next() == 0


def test_profiles_are_data_and_load_from_json(tmp_path: Path) -> None:
    assert profile("sony-evi-d70").presets == 6
    assert PROFILES["vaddio"].presets == 16
    assert PROFILES["huddlecam"].presets == 255
    path = tmp_path / "cams.json"
    path.write_text(json.dumps({"acme": {"presets": 64, "pan": [-2000, 2000]}}))
    acme = load_profiles(path)["acme"]
    assert (acme.presets, acme.pan, acme.tilt) == (64, (-2000, 2000), GENERIC.tilt)


@pytest.mark.parametrize("spec", [
    {"presets": 0}, {"presets": 300}, {"pan": [5, -5]}, {"pan_speed": [1, 40]},
    {"zoom": [0]}, {"colour": "red"},
])
def test_bad_profiles_are_refused(spec: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        CameraProfile.from_mapping("bad", spec)


def test_unknown_profile_names_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="generic"):
        profile("no-such-camera")


def test_profile_checks_name_the_models_range() -> None:
    evi = profile("sony-evi-d70")
    with pytest.raises(ConfigError, match=r"0\.\.5"):
        evi.check_preset("recall_preset", 6)
    assert evi.check_preset("recall_preset", 5) == 5
