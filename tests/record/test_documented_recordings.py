"""The drivers replayed from recordings built from the vendors' documented transcripts
(tests/record/documented.py), not from our simulators: a driver change that agrees only
with the simulator (another request, another reading of a reply) fails here."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from hnth_drivers.errors import AuthError, DeviceError
from hnth_drivers.mcu.base import Mcu
from hnth_drivers.mcu.smc import SmcMcu
from hnth_drivers.model import (
    Call,
    CallState,
    CameraPosition,
    Conference,
    ConnectionState,
    LayoutKind,
    ParticipantKind,
    SignalProtocol,
    ZoomDirection,
)
from hnth_drivers.testing.recorded import replayed
from hnth_drivers.testing.replay import Recording, ReplayMiss
from hnth_drivers.vcs.base import Codec
from hnth_drivers.vcs.ssh_codec import SshCodec

from . import documented

DOC = documented.OUT


@pytest.mark.parametrize("name", sorted(documented.recordings()))
def test_shipped_files_are_what_the_transcripts_build(name: str) -> None:
    # regenerate with: python -m tests.record.documented
    assert (DOC / name).read_text(encoding="utf-8") == documented.render(
        documented.recordings()[name])
    header = Recording.load(DOC / name).header
    assert header.source and "tests/" in header.source


async def test_codian_participants_across_pages_and_states() -> None:
    async with asyncio.timeout(30), replayed(
            "mcu", "codian", DOC / "codian-2.10-participants.jsonl") as (mcu, player):
        assert isinstance(mcu, Mcu)
        got = {p.name: p for p in await mcu.participants("national")}
    assert player.unused == []
    assert list(got) == ["chair", "hp", "dn", "hg", "mcu-hp"]   # "rehearsal" filtered out
    assert got["chair"].state is ConnectionState.CONNECTED
    assert (got["hp"].state, got["hp"].raw_state) == (ConnectionState.ALERTING, "alerting")
    assert got["dn"].state is ConnectionState.DORMANT
    assert (got["hg"].state, got["hg"].disconnect_reason) == (ConnectionState.DISCONNECTED,
                                                              "busy")
    assert got["mcu-hp"].kind is ParticipantKind.CASCADE


async def test_codian_full_screen_for_one_participant() -> None:
    async with asyncio.timeout(30), replayed(
            "mcu", "codian", DOC / "codian-2.10-full-screen.jsonl") as (mcu, player):
        assert isinstance(mcu, Mcu)
        await mcu.show_full_screen("national", "hp", target="chair")
        seen = await mcu.layout("national", target="chair")
    assert player.unused == []
    assert (seen.kind, seen.pane_count, seen.participants(), seen.vendor_name) == (
        LayoutKind.FULL_SCREEN, 1, ("hp",), "layout1")


async def test_codian_2_8_panes_fault_health_capacity() -> None:
    async with asyncio.timeout(30), replayed(
            "mcu", "codian", DOC / "codian-2.8-conference.jsonl") as (mcu, player):
        assert isinstance(mcu, Mcu)
        layout = await mcu.layout("national")
        assert layout.kind is LayoutKind.OTHER and layout.panes == ()
        with pytest.raises(DeviceError) as err:
            await mcu.create_conference("national")
        assert err.value.code == 2 and "duplicate conference name" in str(err.value)
        (chair,) = await mcu.participants("national")
        health = await mcu.health()
        cap = await mcu.capacity()
    assert player.unused == []
    assert (chair.state, chair.raw_state) == (ConnectionState.ALERTING, "alerting")
    assert health.cpu_load_percent == 12 and health.active_calls == 2
    assert (cap.ports_total, cap.ports_used) == (20, 2)


async def test_codian_fault_15_is_an_auth_error() -> None:
    with pytest.raises(AuthError, match="fault 15"):
        async with replayed("mcu", "codian", DOC / "codian-wrong-password.jsonl"):
            pass


async def test_xapi_tc7_dial_position_calls_hang_up() -> None:
    async with asyncio.timeout(30), replayed(
            "vcs", "xapi", DOC / "xapi-tc7.jsonl") as (codec, player):
        assert isinstance(codec, Codec)
        call = await codec.dial("543210", SignalProtocol.H323)
        position = await codec.camera(1).position()
        calls = await codec.calls()
        await codec.hang_up()
        assert isinstance(codec, SshCodec)
        events = [e.state for e in codec.events()]
    assert player.unused == []
    assert call == Call("2", "543210", CallState.DIALLING, SignalProtocol.H323)
    assert position == CameraPosition(514, -20, 0)
    assert calls == [Call("2", "unknown", CallState.CONNECTING)]
    # the "ghost" line after DisconnectAll's result is read with the next command: none
    assert events == [CallState.DIALLING]


async def test_xapi_tc7_a_ce_request_fails_against_the_tc_guide(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # A driver asking a TC codec for the CE status path (as our CE simulator would accept)
    # sends what the TC guides never show: the replay refuses it.
    from hnth_drivers.vcs import xapi

    monkeypatch.setitem(xapi.XAPI_TC.commands, "position",
                        "xStatus Cameras Camera {camera} Position")
    async with asyncio.timeout(30), replayed(
            "vcs", "xapi", DOC / "xapi-tc7.jsonl") as (codec, _):
        assert isinstance(codec, Codec)
        await codec.dial("543210", SignalProtocol.H323)
        with pytest.raises(ReplayMiss, match="Cameras Camera 1"):
            await codec.camera(1).position()


async def test_polycom_group_select_zoom_mute_calls() -> None:
    async with asyncio.timeout(30), replayed(
            "vcs", "polycom", DOC / "polycom-group.jsonl") as (codec, player):
        assert isinstance(codec, Codec)
        await codec.camera(4).zoom(ZoomDirection.TELE)
        await codec.mute_microphones(True)
        calls = await codec.calls()
        assert isinstance(codec, SshCodec)
        events = codec.events()
    assert player.unused == []
    assert calls == []
    assert [(e.call_id, e.state) for e in events] == [("34", CallState.CONNECTED)]


def test_documented_recordings_name_their_documents() -> None:
    for path in sorted(Path(DOC).glob("*.jsonl")):
        header = Recording.load(path).header
        assert any(word in header.source.lower()
                   for word in ("api", "guide", "manual", "command list",
                                "interface reference")), path


@pytest.mark.parametrize(("name", "driver"), [("visca-ip-brc300.jsonl", "visca-ip"),
                                              ("visca-serial-brc300.jsonl", "visca-serial")])
async def test_visca_brc300_recall_and_position(name: str, driver: str) -> None:
    from hnth_drivers.errors import HnthError
    from hnth_drivers.vcs.visca.camera import ViscaCamera
    from hnth_drivers.vcs.visca.commands import PanTiltPositionInquiry

    async with asyncio.timeout(30), replayed("camera", driver, DOC / name) as (camera,
                                                                              player):
        assert isinstance(camera, ViscaCamera)
        await camera.recall_preset(5)
        # the transcript asks pan/tilt only (position() asks the zoom too): the driver's
        # own inquiry, framing and reply matching, and the model's layout
        inquiry = PanTiltPositionInquiry()
        payload = await camera._ask(inquiry)
        with pytest.raises(HnthError):                  # the BRC-300 has presets 0..5
            await camera.recall_preset(6)
    assert player.unused == []
    assert inquiry.parse(payload, camera.profile.layout) == (-300, 200)


async def test_smc_documented_login_reads_and_switch() -> None:
    async with asyncio.timeout(30), replayed(
            "mcu", "smc", DOC / "smc-esdk-tp.jsonl") as (mcu, player):
        assert isinstance(mcu, SmcMcu)
        # logged in from eSDK_tp_00019/00020: the guide's randomSequence, the session
        # cookie the login reply set (eSDK_tp_00002), the proof matched redacted
        assert mcu.session.generation == 1 and mcu.session.cookie == "JSESSIONID=REDACTED"
        conferences = await mcu.conferences()                   # eSDK_tp_00031
        (site,) = await mcu.participants("test4")               # eSDK_tp_00032
        one = await mcu.participant("test4", "VCT206")          # its own request
        # eSDK_tp_00040 switches in conference 41360, whose sites the guide does not list:
        # the driver is given what a participants() there would have told it
        mcu._conf_ids["41360"] = "41360"
        mcu._uris[("41360", "viewer")] = "01010086"
        mcu._uris[("41360", "VCT206")] = "01010010"
        await mcu.show_full_screen("41360", "VCT206", target="viewer")
    assert player.unused == []                                  # Logout included
    assert conferences == [Conference(name="test4", id="94", active=True)]   # status 3
    assert one == site
    assert (site.name, site.address) == ("VCT206", "01010010")
    assert site.state is ConnectionState.FAILED                 # status 3, callFailedReson
    assert (site.raw_state, site.disconnect_reason) == ("3 not in conference", "117")
    assert site.muted is False                                  # isMute 1 = not muted


async def test_smc_a_switch_to_another_site_fails_against_the_guide() -> None:
    async with asyncio.timeout(30), replayed(
            "mcu", "smc", DOC / "smc-esdk-tp.jsonl") as (mcu, _):
        assert isinstance(mcu, SmcMcu)
        mcu._conf_ids["41360"] = "41360"
        mcu._uris[("41360", "viewer")] = "01010086"
        mcu._uris[("41360", "VCT206")] = "01010010"
        with pytest.raises(ReplayMiss, match="setVideoSourceEx"):
            await mcu.show_full_screen("41360", "viewer", target="VCT206")
