"""The ``smc`` driver against the SOAP simulator over real HTTPS: every contract method."""

from __future__ import annotations

import pytest

from hnth_drivers.errors import DeviceError, NotSupported
from hnth_drivers.mcu.smc import SmcMcu
from hnth_drivers.model import (
    ConnectionState,
    Endpoint,
    Layout,
    LayoutKind,
    Pane,
    PaneKind,
    ParticipantKind,
    SignalProtocol,
)
from hnth_sim.mcu.model import Network, cascade_address
from hnth_sim.mcu.smc_server import SmcServer

A = Endpoint("hn-tp", "10.1.0.1")
B = Endpoint("hp-tp", "10.2.0.1", SignalProtocol.SIP)
C = Endpoint("dn-tp", "10.3.0.1")


async def test_conference_life_cycle(smc: SmcMcu, network: Network) -> None:
    conf = await smc.create_conference("national", pin="4321")
    assert conf.name == "national" and conf.id
    model = network.mcu("mcu-hn")
    assert model.conference("national").pin == "4321"
    assert [c.name for c in await smc.conferences()] == ["national"]
    assert await smc.prolong_conference("national", 30) == 150
    await smc.destroy_conference("national")
    assert await smc.conferences() == []
    assert model.conferences() == []


async def test_participants_round_trip(smc: SmcMcu, network: Network) -> None:
    await smc.create_conference("c1")
    added = await smc.add_participant("c1", A)
    assert (added.name, added.address, added.conference) == ("hn-tp", "10.1.0.1", "c1")
    await smc.add_participant("c1", B, name="hai-phong")
    listed = {p.name: p for p in await smc.participants("c1")}
    assert listed["hai-phong"].protocol is SignalProtocol.SIP
    assert listed["hn-tp"].state is ConnectionState.CONNECTED
    assert {leg.name for leg in network.mcu("mcu-hn").participants("c1")} == {"hn-tp",
                                                                             "hai-phong"}
    await smc.disconnect_participant("c1", "hn-tp")
    assert network.mcu("mcu-hn").participant("c1", "hn-tp").state is \
        ConnectionState.DISCONNECTED
    await smc.connect_participant("c1", "hn-tp")
    assert network.mcu("mcu-hn").participant("c1", "hn-tp").connected
    await smc.remove_participant("c1", "hai-phong")
    assert [p.name for p in await smc.participants("c1")] == ["hn-tp"]


async def test_cascade_participant(smc: SmcMcu, network: Network) -> None:
    slave = network.add_mcu("mcu-hp", ports=10)
    slave.create_conference("hp")
    await smc.create_conference("national")
    link = await smc.add_participant("national", Endpoint("link-hp", cascade_address(
        "mcu-hp", "hp")), kind=ParticipantKind.CASCADE)
    assert link.kind is ParticipantKind.CASCADE
    assert [p.kind for p in slave.participants("hp")] == [ParticipantKind.CASCADE]


async def test_full_screen_to_all_and_to_a_target(smc: SmcMcu, network: Network) -> None:
    model = network.mcu("mcu-hn")
    await smc.create_conference("c")
    for ep in (A, B, C):
        await smc.add_participant("c", ep)
    await smc.show_full_screen("c", "hp-tp")                     # setBroadcastSiteEx
    assert model.view_of("c", "dn-tp") == ("hp-tp",)
    assert (await smc.layout("c")).kind is LayoutKind.FULL_SCREEN
    await smc.show_full_screen("c", "dn-tp", target="hn-tp")     # setVideoSourceEx
    assert model.view_of("c", "hn-tp") == ("dn-tp",)
    assert model.view_of("c", "dn-tp") == ("hp-tp",)
    assert await smc.layout("c", target="hn-tp") == Layout.full_screen("dn-tp")


async def test_layouts_round_trip(smc: SmcMcu, network: Network) -> None:
    await smc.create_conference("c")
    for ep in (A, B, C):
        await smc.add_participant("c", ep)
    grid = Layout(LayoutKind.GRID, 4, (Pane(0, PaneKind.PARTICIPANT, "dn-tp"),
                                       Pane(1, PaneKind.LOUDEST), Pane(3, PaneKind.BLANK)))
    await smc.set_layout("c", grid, target="hn-tp")
    assert await smc.layout("c", target="hn-tp") == grid
    assert network.mcu("mcu-hn").layout("c", target="hn-tp") == grid
    for layout in (Layout.loudest(), Layout.blank(), Layout.grid_of(["hp-tp", "hn-tp"], 3),
                   Layout(LayoutKind.GRID, 16, ())):
        await smc.set_layout("c", layout)
        assert await smc.layout("c") == layout


async def test_mute_and_stats(smc: SmcMcu, network: Network) -> None:
    network.mcu("mcu-hn").stats_interval_s = 3600.0       # both reads in one sample tick
    await smc.create_conference("c")
    await smc.add_participant("c", A)
    await smc.add_participant("c", B)
    await smc.mute("c", "hp-tp", True)
    assert network.mcu("mcu-hn").participant("c", "hp-tp").muted
    assert {p.name: p.muted for p in await smc.participants("c")} == {"hn-tp": False,
                                                                      "hp-tp": True}
    await smc.mute("c", "hp-tp", False)
    assert not network.mcu("mcu-hn").participant("c", "hp-tp").muted
    stats = {s.participant: s for s in await smc.stats("c")}
    expected = {s.participant: s for s in network.mcu("mcu-hn").stats("c")}
    assert stats == expected and set(stats) == {"hn-tp", "hp-tp"}


async def test_health_and_no_capacity(smc: SmcMcu) -> None:
    await smc.create_conference("c")
    await smc.add_participant("c", A)
    health = await smc.health()
    assert health.reachable and health.active_calls == 1
    with pytest.raises(NotSupported):
        await smc.capacity()


async def test_unknown_names_are_device_errors(smc: SmcMcu) -> None:
    with pytest.raises(DeviceError):
        await smc.participants("nope")
    await smc.create_conference("c")
    with pytest.raises(DeviceError):
        await smc.mute("c", "nobody", True)


async def test_faults_are_device_errors_with_the_wire_code(smc: SmcMcu) -> None:
    await smc.create_conference("c")
    with pytest.raises(DeviceError) as info:
        await smc.create_conference("c")
    assert info.value.code == 1001 and info.value.got == "duplicateConference"


async def test_a_second_mcu_by_path(smc_server: SmcServer, network: Network) -> None:
    from hnth_drivers.mcu.smc import SmcMcu as Driver
    from hnth_drivers.security.secrets import Secret
    from hnth_drivers.transport.https import TlsTrust

    from .conftest import PASSWORD

    network.add_mcu("mcu-hp", ports=4)
    async with Driver(smc_server.url("mcu-hp"), password=Secret(PASSWORD),
                      trust=TlsTrust(ca_file=smc_server.ca_file)) as hp:
        await hp.create_conference("hp")
    assert [c.name for c in network.mcu("mcu-hp").conferences()] == ["hp"]
    assert network.mcu("mcu-hn").conferences() == []
