"""Driver x simulator for each documented API version (2.8, 2.9, 2.10), and the switch's
confirmation reading each participant once."""

from __future__ import annotations

import asyncio
from collections import Counter

from hnth_drivers.model import ConnectionState, Endpoint, LayoutKind, SignalProtocol
from hnth_sim.mcu.codian_server import CodianServer
from hnth_sim.mcu.model import McuModel, Network

from .conftest import make_driver


def count_calls(server: CodianServer) -> Counter[str]:
    """Count the methods the simulator answers (through its fault-injection hook)."""
    seen: Counter[str] = Counter()
    mcu = server.api.network.mcu("mcu-hn")
    admit = mcu.admit

    def counting(operation: str) -> float:
        seen[operation] += 1
        return admit(operation)
    mcu.admit = counting  # type: ignore[method-assign]
    return seen


async def test_driver_follows_the_simulators_version(any_version: CodianServer,
                                                     network: Network) -> None:
    version = any_version.api.version
    calls = count_calls(any_version)
    model: McuModel = network.mcu("mcu-hn")
    model.dial_delay_s = 3600.0            # hp stays in call set-up
    async with make_driver(any_version) as mcu:
        assert mcu.api_version == version
        await mcu.create_conference("national")
        model.dial_delay_s = 0.0
        await mcu.add_participant("national", Endpoint("chair", "10.0.0.1"))
        model.dial_delay_s = 3600.0
        await mcu.add_participant("national", Endpoint("hp", "10.0.0.2"))
        model.dial_delay_s = 0.0
        chair, hp = await mcu.participants("national")
        assert chair.state is ConnectionState.CONNECTED
        # call set-up: callStateEx "proceeding" in 2.10, callState "alerting" before it
        assert (hp.state, hp.raw_state) == ((ConnectionState.CONNECTING, "proceeding")
                                            if version >= (2, 10) else
                                            (ConnectionState.ALERTING, "alerting"))
        detail = await mcu.media_statistics("national", "chair")
        if version >= (2, 10):
            assert calls["participant.statistics"] == 1 and detail == {}
        else:
            assert calls["participant.diagnostics"] == 1 and "videoRxFrameRate" in detail
        assert (await mcu.layout("national")).kind is LayoutKind.OTHER   # placement off
        await mcu.show_full_screen("national", "chair", target="hp")
        seen = await mcu.layout("national", target="hp")
        assert seen.kind is LayoutKind.FULL_SCREEN and seen.participants() == ("chair",)
        await mcu.show_full_screen("national", "hp")
        assert (await mcu.layout("national", target="chair")).participants() == ("hp",)
        cap = await mcu.capacity()
        assert (cap.ports_total, cap.ports_used) == (60, 1)   # hp is not connected yet
        health = await mcu.health()
        assert health.detail["apiVersion"] == "{}.{}".format(*version)
    assert calls["device.query"] == 2        # once at open, once for health


async def test_a_layout_and_a_state_read_together_share_one_status(
        server: CodianServer) -> None:
    calls = count_calls(server)
    async with make_driver(server) as mcu:
        await mcu.create_conference("c")
        for name in ("chair", "hp"):
            await mcu.add_participant("c", Endpoint(name, f"10.0.0.{len(name)}"))
        await mcu.show_full_screen("c", "hp", target="chair")
        calls.clear()
        layout, chair, hp = await asyncio.gather(
            mcu.layout("c", target="chair"), mcu.participant("c", "chair"),
            mcu.participant("c", "hp"))
    assert layout.participants() == ("hp",) and chair.name == "chair" and hp.name == "hp"
    assert calls == Counter({"participant.status": 2})


async def test_identity_is_learnt_from_the_device_not_assumed(server: CodianServer,
                                                              network: Network) -> None:
    model = network.mcu("mcu-hn")
    model.create_conference("c")
    model.add_participant("c", Endpoint("hp", "sip:hp@vn", protocol=SignalProtocol.SIP))
    async with make_driver(server) as mcu:     # a fresh driver has seen no participant
        await mcu.mute("c", "hp", True)
    assert model.participant("c", "hp").muted


async def test_quality_is_loss_only_and_says_so(server: CodianServer,
                                                network: Network) -> None:
    from hnth_sim.mcu.model import Impairment
    model = network.mcu("mcu-hn")
    model.create_conference("c")
    for name in ("bad", "good"):
        model.add_participant("c", Endpoint(name, f"10.0.0.{len(name)}"))
    model.impair("c", "bad", Impairment(loss_percent=40.0, jitter_ms=5.0, delay_ms=5.0,
                                        spread=0.0))
    model.impair("c", "good", Impairment(loss_percent=0.0, jitter_ms=5.0, delay_ms=5.0,
                                         spread=0.0))
    calls = count_calls(server)
    async with make_driver(server) as mcu:
        calls.clear()
        stats = {s.participant: s for s in await mcu.stats("c")}
    assert calls == Counter({"participant.enumerate": 1})
    assert stats["bad"].loss_percent == 5.0 and stats["good"].loss_percent == 0.0
    assert all(s.measured == frozenset({"loss"}) and "packetLossCritical" in s.source
               for s in stats.values())
