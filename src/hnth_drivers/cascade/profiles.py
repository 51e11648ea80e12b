"""Built-in national topologies, generated deterministically.

``vn-2021``: the government level (the central office's meeting rooms), 63 provinces,
705 districts and 10,599 communes. ``vn-2025`` (from 1 July 2025): the government level,
34 provinces and 3,321 communes, no district level. The per-province split of districts and
communes is drawn from a seeded generator, so every run builds the same topology.

The MCU inventory is plausible rather than real: a master and its standby (role
``standby``, kept out of the plan to take the master's place) at the central office (area:
the whole country), one provincial MCU per province, and carrier MCUs (VNPT
and Viettel everywhere, MobiFone in some provinces) with the port counts such bridges are
sold with; every province has ~30 % more ports than sites, so it can lose one MCU and
still be planned. Addresses are placeholders under ``.hnth.example``.
"""

from __future__ import annotations

import random

from ..model import Level, Site
from .topology import McuRole, McuSpec, Topology, TopologyError

__all__ = ["PROFILES", "profile"]

PROVINCES_2021 = (
    "An Giang", "Bà Rịa - Vũng Tàu", "Bạc Liêu", "Bắc Giang", "Bắc Kạn", "Bắc Ninh",
    "Bến Tre", "Bình Dương", "Bình Định", "Bình Phước", "Bình Thuận", "Cà Mau", "Cao Bằng",
    "Cần Thơ", "Đà Nẵng", "Đắk Lắk", "Đắk Nông", "Điện Biên", "Đồng Nai", "Đồng Tháp",
    "Gia Lai", "Hà Giang", "Hà Nam", "Hà Nội", "Hà Tĩnh", "Hải Dương", "Hải Phòng",
    "Hậu Giang", "Hòa Bình", "Hưng Yên", "Khánh Hòa", "Kiên Giang", "Kon Tum", "Lai Châu",
    "Lâm Đồng", "Lạng Sơn", "Lào Cai", "Long An", "Nam Định", "Nghệ An", "Ninh Bình",
    "Ninh Thuận", "Phú Thọ", "Phú Yên", "Quảng Bình", "Quảng Nam", "Quảng Ngãi",
    "Quảng Ninh", "Quảng Trị", "Sóc Trăng", "Sơn La", "Tây Ninh", "Thái Bình", "Thái Nguyên",
    "Thanh Hóa", "Thừa Thiên Huế", "Tiền Giang", "TP Hồ Chí Minh", "Trà Vinh", "Tuyên Quang",
    "Vĩnh Long", "Vĩnh Phúc", "Yên Bái",
)
PROVINCES_2025 = (
    "Hà Nội", "Huế", "Lai Châu", "Điện Biên", "Sơn La", "Lạng Sơn", "Quảng Ninh",
    "Thanh Hóa", "Nghệ An", "Hà Tĩnh", "Cao Bằng", "Tuyên Quang", "Lào Cai", "Thái Nguyên",
    "Phú Thọ", "Bắc Ninh", "Hưng Yên", "Hải Phòng", "Ninh Bình", "Quảng Trị", "Đà Nẵng",
    "Quảng Ngãi", "Gia Lai", "Khánh Hòa", "Lâm Đồng", "Đắk Lắk", "TP Hồ Chí Minh",
    "Đồng Nai", "Tây Ninh", "Cần Thơ", "Vĩnh Long", "Đồng Tháp", "Cà Mau", "An Giang",
)
GOVERNMENT_ROOMS = 4  # the central office's main hall (the chair) and three more rooms
_CARRIER_PORTS = {"vnpt": (96, 128), "viettel": (64, 96), "mobifone": (48,)}
_OPERATORS = {"vnpt": "VNPT", "viettel": "Viettel", "mobifone": "MobiFone"}
_DRIVERS = ("codian", "smc")


def _split(total: int, parts: int, rng: random.Random, spread: float = 0.6) -> list[int]:
    """``parts`` positive integers summing to ``total``, spread around the mean."""
    weights = [rng.uniform(1 - spread, 1 + spread) for _ in range(parts)]
    scale = (total - parts) / sum(weights)
    raw = [w * scale for w in weights]
    counts = [1 + int(r) for r in raw]
    by_remainder = sorted(range(parts), key=lambda i: (int(raw[i]) - raw[i], i))
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _government() -> list[Site]:
    rooms = [Site("gov", "Trụ sở Chính phủ - phòng họp chính", Level.GOVERNMENT)]
    rooms += [Site(f"gov-{k}", f"Trụ sở Chính phủ - phòng họp {k}", Level.GOVERNMENT, "gov")
              for k in range(2, GOVERNMENT_ROOMS + 1)]
    return rooms


def _central_mcus(master_ports: int) -> list[McuSpec]:
    return [
        McuSpec("mcu-central", "central office", "codian", "https://mcu-central.hnth.example",
                master_ports, "gov", McuRole.MASTER, "MCU chủ - Văn phòng Chính phủ"),
        McuSpec("mcu-central-2", "central office", "smc", "https://mcu-central-2.hnth.example",
                80, "gov", McuRole.STANDBY, "MCU dự phòng - Văn phòng Chính phủ"),
    ]


def _province_mcus(pid: str, index: int, sites: int, rng: random.Random) -> list[McuSpec]:
    """The provincial MCU and carrier MCUs of one province: ~1.3x its sites in ports."""
    mcus = [McuSpec(f"mcu-{pid}", "province", _DRIVERS[index % 2],
                    f"https://mcu-{pid}.hnth.example", 60 if sites > 250 else 40, pid)]
    carriers = ["vnpt", "viettel"] + (["mobifone"] if rng.random() < 0.25 else [])
    k = 0
    while sum(m.capacity for m in mcus) < 1.3 * sites or k < len(carriers):
        op = carriers[k % len(carriers)]
        ports = rng.choice(_CARRIER_PORTS[op])
        suffix = "" if k < len(carriers) else f"-{k // len(carriers) + 1}"
        mid = f"{op}-{pid}{suffix}"
        mcus.append(McuSpec(mid, _OPERATORS[op],
                            _DRIVERS[(index + k + 1) % 2], f"https://{mid}.hnth.example",
                            ports, pid))
        k += 1
    return mcus


def vn_2021() -> Topology:
    """63 provinces, 705 districts, 10,599 communes (before 1 July 2025)."""
    rng = random.Random(2021)
    sites = _government()
    mcus = _central_mcus(96)
    districts = _split(705, len(PROVINCES_2021), rng)
    for p, (pname, nd) in enumerate(zip(PROVINCES_2021, districts, strict=True), start=1):
        pid = f"p{p:02d}"
        sites.append(Site(pid, pname, Level.PROVINCE, "gov"))
        before = len(sites)
        for d, nc in enumerate(_split(round(10_599 * nd / 705), nd, rng, 0.5), start=1):
            did = f"{pid}-d{d:02d}"
            sites.append(Site(did, f"Huyện {d}, {pname}", Level.DISTRICT, pid))
            sites += [Site(f"{did}-c{c:02d}", f"Xã {c}, huyện {d}, {pname}", Level.COMMUNE, did)
                      for c in range(1, nc + 1)]
        mcus += _province_mcus(pid, p, len(sites) - before + 1, rng)
    return _fix_communes(Topology.build("vn-2021", sites, mcus), 10_599)


def vn_2025() -> Topology:
    """34 provinces, 3,321 communes, no district level (from 1 July 2025)."""
    rng = random.Random(2025)
    sites = _government()
    mcus = _central_mcus(96)
    communes = _split(3_321, len(PROVINCES_2025), rng)
    for p, (pname, nc) in enumerate(zip(PROVINCES_2025, communes, strict=True), start=1):
        pid = f"p{p:02d}"
        sites.append(Site(pid, pname, Level.PROVINCE, "gov"))
        sites += [Site(f"{pid}-c{c:03d}", f"Xã {c}, {pname}", Level.COMMUNE, pid)
                  for c in range(1, nc + 1)]
        mcus += _province_mcus(pid, p, nc + 1, rng)
    return Topology.build("vn-2025", sites, mcus)


def _fix_communes(topology: Topology, want: int) -> Topology:
    """Trim or pad the last districts so the commune count is exactly ``want``."""
    communes = [s for s in topology.sites if s.level is Level.COMMUNE]
    extra = len(communes) - want
    sites = list(topology.sites)
    if extra > 0:
        drop = {s.id for s in communes[-extra:]}
        sites = [s for s in sites if s.id not in drop]
    elif extra < 0:
        last = next(s for s in reversed(sites) if s.level is Level.DISTRICT)
        sites += [Site(f"{last.id}-x{c:02d}", f"Xã bổ sung {c}", Level.COMMUNE, last.id)
                  for c in range(1, -extra + 1)]
    return Topology.build(topology.name, sites, topology.mcus)


PROFILES = {"vn-2021": vn_2021, "vn-2025": vn_2025}


def profile(name: str) -> Topology:
    """The built-in topology called ``name`` (``vn-2021`` or ``vn-2025``)."""
    try:
        return PROFILES[name]()
    except KeyError:
        raise TopologyError("unknown profile", field="profile",
                            expected=" or ".join(PROFILES), got=repr(name)) from None
