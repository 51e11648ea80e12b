"""The sans-I/O tables: login hash, result codes, inverted flags, presence modes."""

from __future__ import annotations

import base64
import hashlib

import pytest

from hnth_drivers.errors import AuthError, DeviceError, DeviceTimeout
from hnth_drivers.mcu.smc_protocol import (
    FLAGS,
    PRESENCE_MODES,
    RESULT_CODES,
    SITE_STATES,
    ErrorKind,
    Flag,
    encrypt_password,
    encrypt_password_b64,
    mode_of,
    pane_count,
)
from hnth_drivers.mcu.smc_session import SmcAuthError, SmcTimeoutError, error_for
from hnth_drivers.model import ConnectionState

# The documented challenge (eSDK_tp_00019) and two of our own.
CHALLENGES = ["AK+KLbyo7qJAENalCIwakQ==", base64.b64encode(bytes(range(16))).decode(),
              base64.b64encode(b"\x00" * 32).decode()]


def _formula(password: str, challenge_b64: str) -> str:
    """eSDK_tp_00020, written out independently: hex strings built byte by byte."""
    h1 = hashlib.sha256(password.encode("utf-8")).digest()
    hex1 = "".join(f"{b:02x}" for b in h1)
    hex2 = "".join(f"{b:02x}" for b in base64.b64decode(challenge_b64))
    return base64.b64encode(hashlib.sha256((hex1 + hex2).encode("utf-8")).digest()).decode()


@pytest.mark.parametrize("challenge", CHALLENGES)
@pytest.mark.parametrize("password", ["Change_Me", "mật-khẩu-ü", "x" * 64])
def test_hash_vectors(password: str, challenge: str) -> None:
    assert encrypt_password_b64(password, challenge) == _formula(password, challenge)
    assert len(encrypt_password(password, base64.b64decode(challenge))) == 32


def test_hash_known_value() -> None:
    # computed by hand from the formula for the documented challenge
    h1 = hashlib.sha256(b"Change_Me").hexdigest()
    s = h1 + "00af8a2dbca8eea24010d6a5088c1a91"
    assert base64.b64decode("AK+KLbyo7qJAENalCIwakQ==").hex() == s[64:]
    assert encrypt_password_b64("Change_Me", CHALLENGES[0]) == base64.b64encode(
        hashlib.sha256(s.encode()).digest()).decode()


@pytest.mark.parametrize("code", sorted(RESULT_CODES))
def test_every_result_code_is_a_typed_error(code: int) -> None:
    known = RESULT_CODES[code]
    error = error_for(code, device="d", operation="op")
    expected = {ErrorKind.AUTH: SmcAuthError, ErrorKind.SESSION: SmcAuthError,
                ErrorKind.TIMEOUT: SmcTimeoutError}.get(known.kind, DeviceError)
    assert type(error) is expected
    assert error.code == code                         # type: ignore[attr-defined]
    assert known.meaning in str(error) and str(code) in str(error)
    if known.kind in (ErrorKind.AUTH, ErrorKind.SESSION):
        assert isinstance(error, AuthError)
    if known.kind is ErrorKind.TIMEOUT:
        assert isinstance(error, DeviceTimeout)


def test_an_undocumented_code_keeps_its_number() -> None:
    error = error_for(123456, device="d", operation="op")
    assert isinstance(error, DeviceError) and error.code == 123456
    assert "undocumented" in str(error)


@pytest.mark.parametrize(("flag", "on_wire"), [(Flag.MUTE, 0), (Flag.QUIET, 0),
                                               (Flag.BROADCAST, 0), (Flag.AUDIO_SWITCH, 0)])
def test_inverted_flags_both_ways(flag: Flag, on_wire: int) -> None:
    assert flag.wire(True) == on_wire and flag.wire(False) == 1 - on_wire
    assert flag.read(on_wire) is True and flag.read(1 - on_wire) is False
    assert FLAGS[flag.element] is flag
    for bad in (2, -1, True):
        with pytest.raises(ValueError, match="must be 0 or 1"):
            flag.read(bad)


def test_site_states_table() -> None:
    assert SITE_STATES[2][0] is ConnectionState.CONNECTED
    assert SITE_STATES[3][0] is ConnectionState.DISCONNECTED
    assert SITE_STATES[4][0] is ConnectionState.DIALLING
    assert SITE_STATES[5][0] is ConnectionState.ALERTING
    assert SITE_STATES[0][0] is ConnectionState.UNKNOWN
    assert set(SITE_STATES) == {0, 1, 2, 3, 4, 5}


def test_presence_modes() -> None:
    assert len(PRESENCE_MODES) == 50 and PRESENCE_MODES[2] == "CP_2_1"
    assert PRESENCE_MODES[49] == "CP_24_1" and PRESENCE_MODES[47] == "CP_16_1"
    assert [pane_count(m) for m in (0, 1, 2, 11, 35, 49)] == [0, 1, 2, 4, 9, 24]
    assert mode_of(4) == 11 and mode_of(4, "CP_4_3") == 13 and mode_of(1) == 1
    assert mode_of(11) == 42          # no 11-pane layout: the smallest with more (CP_13_1)
    for bad in (-1, 50, True, "2"):
        with pytest.raises(ValueError, match="presenceMode must be"):
            pane_count(bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no presenceMode has 25 panes"):
        mode_of(25)
