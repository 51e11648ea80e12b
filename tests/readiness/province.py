"""A simulated province for the readiness and report tests: the chair, one province with
two districts of three communes, MCUs of both APIs (the planner must cascade them)."""

from __future__ import annotations

from hnth_drivers.cascade.topology import McuRole, McuSpec, Topology
from hnth_drivers.model import Level, Site


def province() -> Topology:
    """gov (chair) + p1 (2 districts x 3 communes); a small master so that the district
    MCUs cascade through the provincial one (no spare ports reserved: tight on purpose)."""
    sites = [Site("gov", "Chính phủ", Level.GOVERNMENT),
             Site("p1", "Tỉnh Một", Level.PROVINCE, "gov")]
    mcus = [McuSpec("central", "central office", "codian", "https://central.test", 3, "gov",
                    McuRole.MASTER, reserve=0),
            # the provincial MCU reports call statistics (the SMC interface has none)
            McuSpec("mcu-p1", "province", "codian", "https://p1.test", 5, "p1", reserve=0)]
    for d in (1, 2):
        did = f"p1-d{d}"
        sites.append(Site(did, f"Huyện {d}", Level.DISTRICT, "p1"))
        sites += [Site(f"{did}-c{c}", f"Xã {c}, huyện {d}", Level.COMMUNE, did)
                  for c in (1, 2, 3)]
        mcus.append(McuSpec(f"vnpt-{did}", "VNPT", "codian" if d == 1 else "smc",
                            f"https://{did}.test", 6, did, reserve=0))
    return Topology.build("province", sites, mcus)
