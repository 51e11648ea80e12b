"""A whole national network of simulated MCUs in one process, on one loopback socket.

:class:`NationalSim` builds every MCU of a profile (each speaking the Codian XML-RPC API
or, when that front end is present, the SMC SOAP API), creates the meeting's conference
on each and connects every site to its MCU, then serves all of them from **one** HTTPS
listening socket: MCU ``X`` answers at ``/mcu/X/RPC2`` (Codian) or ``/smc/X/esdk/services`` (SMC).
Drivers reach them over the real protocols, so every call pays for TLS, HTTP and XML.
Each MCU answers after its own injected API latency (``latency_ms``)::

    sim = NationalSim([SimMcu("hn", ports=200), SimMcu("hp", ports=60)],
                      {"chair": "hn", "hp-tp": "hp"}, password=pw, tls_dir=d,
                      latency_ms=50)
    async with sim:
        sim.url("hp")                       # https://127.0.0.1:PORT/mcu/hp/RPC2
        sim.view_of("hn", "chair")          # what the chair sees (the model's view)

It is cheap by design: the model computes states from the clock (no timers), the server
is one asyncio socket; vn-2021 (~800 MCUs, ~11,000 sites) takes tens of MB.

:meth:`NationalSim.kill` makes an MCU fail as a whole: every call it carries drops (the
far ends of its cascade links see their legs end) and it stops answering (its API
requests are dropped unanswered). :meth:`NationalSim.revive` makes it answer again, its
conferences kept and every participant disconnected, as after a restart.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from hnth_drivers.errors import ConfigError
from hnth_drivers.model import ConnectionState, Endpoint

from .mcu.codian_server import CodianApi
from .mcu.frontend import HttpsFrontEnd
from .mcu.http import HttpRequest, HttpResponse
from .mcu.model import Faults, McuModel, MonotonicClock, Network
from .mcu.smc_server import SmcService

__all__ = ["APIS", "NationalSim", "SimMcu"]

APIS = ("codian", "smc")
"""Wire APIs a simulated MCU may speak."""


@dataclass(frozen=True, slots=True)
class SimMcu:
    """One MCU of the simulation; ``latency_ms`` overrides the simulation's default."""

    id: str
    api: str = "codian"
    ports: int = 100
    latency_ms: float | None = None

    def __post_init__(self) -> None:
        if self.api not in APIS:
            raise ConfigError("unknown MCU API", operation="SimMcu", device=self.id,
                              expected=" or ".join(APIS), got=repr(self.api))


def site_address(site: str) -> str:
    """The dial address the simulation gives a site's codec."""
    return f"{site}.vcs.hnth.vn"


class NationalSim(HttpsFrontEnd):
    """Many simulated MCUs with their sites behind one HTTPS socket (see module doc).

    ``sites`` maps every site id to the id of the MCU it is connected to. Each MCU hosts
    ``conference``; each site is a participant named by its site id, connected.
    """

    def __init__(self, mcus: Iterable[SimMcu], sites: Mapping[str, str], *, password: str,
                 tls_dir: str | os.PathLike[str], user: str = "admin",
                 conference: str = "hnth", latency_ms: float = 0.0,
                 latency_jitter_ms: float = 0.0, seed: int = 0,
                 page_size: int = 2000) -> None:
        self.mcus = {m.id: m for m in mcus}
        self.conference = conference
        self.network = Network(clock=MonotonicClock(), seed=seed)
        per_mcu: dict[str, list[str]] = {}
        for site, mcu in sites.items():
            if mcu not in self.mcus:
                raise ConfigError("site on an unknown MCU", operation="NationalSim",
                                  device=site, got=repr(mcu))
            per_mcu.setdefault(mcu, []).append(site)
        for spec in self.mcus.values():
            latency = spec.latency_ms if spec.latency_ms is not None else latency_ms
            model = self.network.add_mcu(
                spec.id, ports=spec.ports,
                faults=Faults(latency_ms=latency, latency_jitter_ms=latency_jitter_ms))
            model.create_conference(conference)
            for site in per_mcu.get(spec.id, ()):
                model.add_participant(conference, Endpoint(site, site_address(site)))
        self.sites = dict(sites)
        super().__init__(tls_dir, max_body=4 * 1024 * 1024, handler=self._route,
                         idle_timeout=300.0)
        self.codian = CodianApi(self.network, user=user, password=password,
                                page_size=page_size)
        #: the SOAP service of each SMC MCU, by MCU id
        self.smc: dict[str, SmcService] = {
            m.id: SmcService(self.network.mcu(m.id), user=user, password=password,
                             path=f"/smc/{m.id}/", max_body=1024 * 1024)
            for m in self.mcus.values() if m.api == "smc"}
        self.http.mount(self._route)

    async def _route(self, request: HttpRequest) -> HttpResponse | None:
        # /mcu/<id>/RPC2 for Codian MCUs, /smc/<id>/esdk/services/… for SMC ones; an MCU
        # speaks only its API
        parts = request.path.split("?", 1)[0].split("/")
        if len(parts) == 6 and parts[1] == "smc" and parts[2] in self.smc:
            return await self.smc[parts[2]].handle(request)
        if len(parts) == 4 and parts[0] == "":
            spec = self.mcus.get(parts[2])
            if spec is None:
                return None
            if parts[1] == "mcu" and parts[3] == "RPC2" and spec.api == "codian":
                return await self.codian.handle(request)
        return None

    def mcu(self, mcu_id: str) -> McuModel:
        """The model of one MCU (fault injection, checks)."""
        return self.network.mcu(mcu_id)

    def kill(self, mcu_id: str) -> None:
        """The MCU fails: its calls drop and it stops answering (see the module doc)."""
        model = self.network.mcu(mcu_id)
        for conf in model.conferences():
            for p in list(model.participants(conf.name)):
                if p.state is not ConnectionState.DISCONNECTED:
                    model.drop(conf.name, p.name)
        model.faults.down = True

    def revive(self, mcu_id: str) -> None:
        """The MCU answers again (its participants stay disconnected until dialled)."""
        self.network.mcu(mcu_id).faults.down = False

    def url(self, mcu_id: str) -> str:
        """Where the driver of ``mcu_id`` reaches it."""
        spec = self.mcus[mcu_id]
        path = f"/smc/{mcu_id}/esdk/services" if spec.api == "smc" else f"/mcu/{mcu_id}/RPC2"
        return self.base_url() + path

    def view_of(self, mcu_id: str, participant: str) -> tuple[str, ...]:
        """Site ids on ``participant``'s screen in the meeting's conference of ``mcu_id``."""
        return self.network.view_of(mcu_id, self.conference, participant)

    def audio_of(self, mcu_id: str, participant: str) -> frozenset[str]:
        """Site ids ``participant`` hears."""
        return self.network.audio_of(mcu_id, self.conference, participant)
