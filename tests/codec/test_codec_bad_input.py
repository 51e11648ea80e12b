"""Bad input over real SSH: wrong dialect, wrong version, silence, and what the driver owes.

Each case is a typed error within its deadline naming device and operation, and the next
call works.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from hnth_drivers.errors import DeviceError, DeviceTimeout, HnthError, NotSupported
from hnth_drivers.model import MoveDirection
from hnth_drivers.vcs import ssh_codec
from hnth_drivers.vcs.ssh_codec import PolycomCodec, SshCodecOptions, XapiCodec
from hnth_sim.codec import CodecSimulator

from .conftest import make_sim, options_for, target_for, write_known_hosts


def known_hosts_for(sim: CodecSimulator, keys: dict[str, Path], tmp_path: Path) -> Path:
    host, port = sim.address
    return write_known_hosts(tmp_path / "known_hosts", host, port, Path(f"{keys['host']}.pub"))


async def test_xapi_driver_against_a_poly_codec(keys: dict[str, Path], tmp_path: Path) -> None:
    with make_sim("polycom", keys) as sim:
        codec = XapiCodec(target_for(sim, known_hosts_for(sim, keys, tmp_path)),
                          options=options_for("xapi", timeout=0.5))
        with pytest.raises(DeviceTimeout) as info:      # no xAPI banner ever ends in OK
            await codec.open()
        assert info.value.device == codec.device and info.value.operation == "login"
        assert not codec.connected


async def test_poly_driver_against_an_xapi_codec(keys: dict[str, Path], tmp_path: Path
                                                 ) -> None:
    with make_sim("xapi", keys) as sim:
        codec = PolycomCodec(target_for(sim, known_hosts_for(sim, keys, tmp_path)),
                             options=options_for("polycom", timeout=0.5))
        with pytest.raises(HnthError) as info:
            await codec.open()
        assert isinstance(info.value, DeviceError | DeviceTimeout)
        assert info.value.device == codec.device and info.value.operation == "notify"
        assert not codec.connected


async def test_json_insisted_on_a_tc_codec_is_not_supported(keys: dict[str, Path],
                                                            tmp_path: Path) -> None:
    with make_sim("xapi-tc", keys) as sim:
        target = target_for(sim, known_hosts_for(sim, keys, tmp_path))
        codec = XapiCodec(target, options=SshCodecOptions(output="json", pacing_s=0))
        with pytest.raises(NotSupported, match="JSON") as info:
            await codec.open()
        assert info.value.operation == "login" and "TC7.3" in str(info.value)
        async with XapiCodec(target, options=SshCodecOptions(pacing_s=0)) as auto:
            assert str(auto.software) == "TC7.3"        # auto: terminal on TC
            assert (await auto.health()).detail["output"] == "terminal"


@pytest.mark.parametrize("variant", ["xapi", "xapi-tc", "polycom", "polycom-hdx"])
async def test_a_codec_that_never_answers(variant: str, keys: dict[str, Path],
                                          tmp_path: Path) -> None:
    with make_sim(variant, keys) as sim:
        codec = (XapiCodec if sim.dialect == "xapi" else PolycomCodec)(
            target_for(sim, known_hosts_for(sim, keys, tmp_path)),
            options=options_for(variant, timeout=0.3))
        async with codec:
            await codec.camera(1).position()           # selects the camera on Poly
            sim.faults.silent = True
            if variant.startswith("polycom"):
                # moves and stops have no documented feedback: done when sent
                await codec.camera(1).move(MoveDirection.LEFT)
                await codec.camera(1).stop()
            with pytest.raises(DeviceTimeout) as info:
                await codec.microphones_muted()
            assert (info.value.device, info.value.operation) == (codec.device, "mute_state")
            # JSON replies carry ResultId: the session is kept; otherwise it is dropped
            assert codec.connected is (variant == "xapi")
            connections = sim.connections
            sim.faults.silent = False
            assert await codec.microphones_muted() is False   # usable again
            assert sim.connections == connections + (variant != "xapi")


async def test_keyboard_interactive_only_codec(keys: dict[str, Path], tmp_path: Path) -> None:
    """A codec that offers no ``password`` method: the driver answers the prompt."""
    with make_sim("xapi", keys) as sim:
        sim.password_auth = False
        async with XapiCodec(target_for(sim, known_hosts_for(sim, keys, tmp_path)),
                             options=options_for("xapi")) as codec:
            assert await codec.calls() == []


async def test_poly_paces_single_response_commands(keys: dict[str, Path], tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """~200 ms between commands by default (HDX 9006 manual p130); a per-session setting."""
    waits: list[float] = []
    real_sleep = asyncio.sleep

    async def recording_sleep(delay: float) -> None:
        waits.append(delay)
        await real_sleep(0)

    monkeypatch.setattr(ssh_codec.asyncio, "sleep", recording_sleep)
    with make_sim("polycom", keys) as sim:
        target = target_for(sim, known_hosts_for(sim, keys, tmp_path))
        async with PolycomCodec(target) as codec:
            assert codec.pacing_s == 0.2
            await codec.microphones_muted()
            await codec.microphones_muted()
        paced = [w for w in waits if w > 0]
        assert len(paced) >= 2 and all(w <= 0.2 for w in paced)
        waits.clear()
        async with PolycomCodec(target, options=SshCodecOptions(pacing_s=0)) as fast:
            await fast.microphones_muted()
            await fast.microphones_muted()
        assert [w for w in waits if w > 0] == []
