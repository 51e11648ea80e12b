"""A chain of simulated MCUs (master m0 <- m1 <- m2 <- m3) reached through ModelMcu."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hnth_drivers.cascade.live import LiveCascade, McuNode
from hnth_drivers.model import Endpoint, Level, Site
from hnth_drivers.security.access import Operator, Role, SiteTree
from hnth_drivers.security.audit import AuditLog
from hnth_drivers.testing.model_mcu import ModelMcu
from hnth_sim.mcu.model import ManualClock, Network

CONF = "hnth"
LEVELS = [Level.GOVERNMENT, Level.PROVINCE, Level.DISTRICT, Level.COMMUNE]


@dataclass
class Chain:
    net: Network
    drivers: dict[str, ModelMcu]
    cascade: LiveCascade
    tree: SiteTree
    audit: AuditLog
    central: Operator

    def chair_view(self) -> tuple[str, ...]:
        return self.net.view_of("m0", CONF, "gov")


def build_chain(tmp_path: Path, depth: int = 3, *, clock: ManualClock | None = None,
                dialler: str = "slave") -> Chain:
    """m0 (master, chair 'gov' and site 's0'), m1..m<depth>, each with sites sK and sKb."""
    net = Network(clock=clock or ManualClock(), seed=1)
    sites: dict[str, str] = {}
    tree_sites = [Site("gov", "Chính phủ", Level.GOVERNMENT)]
    nodes = []
    drivers = {}
    parent_site = "gov"
    for k in range(depth + 1):
        mid = f"m{k}"
        model = net.add_mcu(mid, ports=20)
        model.create_conference(CONF)
        names = ["gov", "s0"] if k == 0 else [f"s{k}", f"s{k}b"]
        for name in names:
            model.add_participant(CONF, Endpoint(name, f"10.0.{k}.{len(sites) + 1}"))
            sites[name] = mid
            if name != "gov":
                tree_sites.append(Site(name, name, LEVELS[min(k + 1, 3)] if k else
                                       Level.GOVERNMENT, parent_site))
        parent_site = names[-1] if k else "gov"
        drivers[mid] = ModelMcu(model)
        nodes.append(McuNode(mid, drivers[mid], CONF, f"m{k - 1}" if k else None))
    cascade = LiveCascade(nodes, sites, chair="gov", dialler_of=lambda slave, master: dialler)
    return Chain(net, drivers, cascade, SiteTree.of(tree_sites),
                 AuditLog(tmp_path / "audit.jsonl", durable=False),
                 Operator("central", Role.CENTRAL_OPERATOR))
