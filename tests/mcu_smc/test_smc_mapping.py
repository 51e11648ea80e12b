"""smc_mapping: reply structures → the model, without a device; targets: from_target."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from hnth_drivers.driver import DeviceTarget
from hnth_drivers.errors import ConfigError, ProtocolError
from hnth_drivers.mcu.smc import SmcMcu
from hnth_drivers.mcu.smc_mapping import (
    conference_of,
    items,
    layout_of,
    looks_like_cascade,
    participant_of,
    supported_modes,
)
from hnth_drivers.mcu.targets import https_mcu_from_target
from hnth_drivers.model import ConnectionState, LayoutKind, ParticipantKind, SignalProtocol
from hnth_drivers.security.policy import STRICT
from hnth_drivers.security.secrets import Secret


def _site(**kw: Any) -> SimpleNamespace:
    fields = {"uri": "01010010", "name": "VCT206", "status": 2, "isMute": 1, "type": 4,
              "callFailedReson": None, "callFailedReason": None}
    return SimpleNamespace(**{**fields, **kw})


def test_a_site_in_the_conference() -> None:
    site = participant_of("c", _site(), cascade=False, device="d")
    assert (site.name, site.address, site.state, site.muted) == (
        "VCT206", "01010010", ConnectionState.CONNECTED, False)       # isMute 1 = not muted
    assert site.protocol is SignalProtocol.H323 and site.kind is ParticipantKind.SITE


def test_a_failed_call_and_an_undocumented_status() -> None:
    failed = participant_of("c", _site(status=3, callFailedReson=SimpleNamespace(
        errCode=117, discription=None)), cascade=False, device="d")
    assert failed.state is ConnectionState.FAILED and failed.disconnect_reason == "117"
    odd = participant_of("c", _site(status=99, isMute=0), cascade=True, device="d")
    assert odd.state is ConnectionState.UNKNOWN and odd.raw_state == "99 undocumented"
    assert odd.muted is True and odd.kind is ParticipantKind.CASCADE


@pytest.mark.parametrize("bad", [{"uri": None}, {"uri": "x", "name": " "}, {"isMute": 2}])
def test_a_bad_site_status_is_a_protocol_error(bad: dict[str, Any]) -> None:
    with pytest.raises(ProtocolError) as err:
        participant_of("c", _site(**bad), cascade=False, device="smc-1")
    assert err.value.device == "smc-1"


def test_conferences_and_lists() -> None:
    assert conference_of(SimpleNamespace(id=None, name="x", status=3)) is None
    conf = conference_of(SimpleNamespace(id="94", name=None, status=3))
    assert conf is not None and (conf.name, conf.id, conf.active) == ("94", "94", True)
    assert items(None) == [] and items("a") == ["a"] and items(["a", "b"]) == ["a", "b"]
    assert supported_modes([0, 1, 50, -1, None]) == ["CP_None", "CP_1_1"]
    assert looks_like_cascade("national@mcu-hn") and not looks_like_cascade("01010010")


def test_layouts() -> None:
    assert layout_of(0, [], device="d").kind is LayoutKind.OTHER
    one = layout_of(1, ["hp"], device="d")
    assert one.kind is LayoutKind.FULL_SCREEN and one.participants() == ("hp",)
    with pytest.raises(ProtocolError, match="more sub-pictures"):
        layout_of(1, ["a", "b"], device="d")
    with pytest.raises(ProtocolError, match="presenceMode"):
        layout_of(50, [], device="d")


class _Secrets:
    def resolve(self, ref: str) -> Secret:
        return Secret(f"pw-of-{ref}")


def test_from_target_reads_the_entry(tmp_path: Path) -> None:
    target = DeviceTarget(kind="mcu", id="mcu-hn", driver="smc",
                          address="https://smc.test:8443/esdk/services", user="api",
                          password_ref="smc", pin_sha256="ab" * 32,
                          options={"timeout_s": 3})
    mcu = SmcMcu.from_target(target, secrets=_Secrets(), policy=STRICT, audit=None)
    assert (mcu.device, mcu.options.timeout_s, mcu._user) == ("mcu-hn", 3.0, "api")
    assert mcu.session._password.reveal() == "pw-of-smc"
    assert mcu.session._trust is not None and mcu.session._trust.pin_sha256 == "ab" * 32
    default = https_mcu_from_target(SmcMcu, DeviceTarget(
        kind="mcu", id="m", driver="smc", address="https://h/esdk/services",
        password_ref="p"), secrets=_Secrets(), policy=STRICT, options=dict)
    assert default.options.timeout_s == 10.0          # no timeout_s: the driver's default
    with pytest.raises(ConfigError, match="password"):
        https_mcu_from_target(SmcMcu, DeviceTarget(kind="mcu", id="m", driver="smc",
                                                   address="https://h/"),
                              secrets=_Secrets(), policy=STRICT, options=dict)
    with pytest.raises(ConfigError, match="timeout_s"):
        https_mcu_from_target(SmcMcu, DeviceTarget(
            kind="mcu", id="m", driver="smc", address="https://h/", password_ref="p",
            options={"timeout_s": "soon"}), secrets=_Secrets(), policy=STRICT, options=dict)
