"""Both MCU drivers on the same simulated MCU: what one does, the other reads back."""

from __future__ import annotations

from pathlib import Path

from hnth_drivers.mcu.codian import CodianMcu
from hnth_drivers.model import Capability, Endpoint, Layout, LayoutKind
from hnth_drivers.security.secrets import Secret
from hnth_drivers.transport.https import TlsTrust
from hnth_sim.mcu.codian_server import CodianServer
from hnth_sim.mcu.model import Network
from hnth_sim.mcu.smc_server import SmcServer

from .conftest import PASSWORD, make_driver


async def test_same_model_through_both_apis(smc_server: SmcServer, network: Network,
                                            smc_tls_dir: Path) -> None:
    async with CodianServer(network, user="admin", password=PASSWORD, tls_dir=smc_tls_dir,
                            default_mcu="mcu-hn") as codian_server, \
            CodianMcu(codian_server.url(), password=Secret(PASSWORD),
                      trust=TlsTrust(ca_file=codian_server.ca_file)) as codian, \
            make_driver(smc_server) as smc:
        await smc.create_conference("national")
        for i in range(3):
            await codian.add_participant("national", Endpoint(f"s{i}", f"10.0.0.{i + 1}"))
        assert [p.name for p in await smc.participants("national")] == ["s0", "s1", "s2"]
        def same(p: object) -> tuple[object, ...]:
            return tuple(getattr(p, f) for f in ("conference", "name", "address", "state",
                                                 "muted", "kind"))
        assert [same(p) for p in await smc.participants("national")] == \
            [same(p) for p in await codian.participants("national")]
        assert [c.name for c in await smc.conferences()] == \
            [c.name for c in await codian.conferences()]
        await smc.show_full_screen("national", "s2", target="s0")
        seen = await codian.layout("national", target="s0")   # layout1, focus on s2
        assert (seen.kind, seen.participants()) == (LayoutKind.FULL_SCREEN, ("s2",))
        grid = Layout.grid_of(["s1", "s0"], 2)
        await codian.set_layout("national", grid)
        assert (await smc.layout("national")).participants() == grid.participants()
        network.mcu("mcu-hn").stats_interval_s = 3600.0   # both reads in one sample tick
        await codian.mute("national", "s1", True)
        assert {p.name: p.muted for p in await smc.participants("national")}["s1"]
        await smc.disconnect_participant("national", "s2")
        assert [same(p) for p in await smc.participants("national")] == \
            [same(p) for p in await codian.participants("national")]
        # the declared differences: the SMC interface reports no ports and no statistics
        assert codian.supports(Capability.CAPACITY) and not smc.supports(Capability.CAPACITY)
        assert codian.supports(Capability.STATS) and not smc.supports(Capability.STATS)
        await codian.destroy_conference("national")
        assert await smc.conferences() == []

