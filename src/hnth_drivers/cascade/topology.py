"""The national network as data: the site hierarchy and the MCU inventory.

A :class:`Topology` is a set of :class:`~hnth_drivers.model.Site` (each with its parent in
the hierarchy) and of :class:`McuSpec` (each MCU with its operator, driver, address, port
capacity, the *area* it may serve — the subtree under one site — and its role). Exactly one
MCU is the master (at the central office); every other MCU is a slave that the planner may
cascade under it.

Topologies are built in code, generated (:mod:`hnth_drivers.cascade.profiles`), or loaded
from TOML, JSON or CSV (:func:`load_topology`). Every problem found in a file raises a
:class:`TopologyError` naming the file, the line and the field.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from ..errors import ConfigError
from ..model import Site

__all__ = [
    "MAX_PORTS",
    "McuRole",
    "McuSpec",
    "Topology",
    "TopologyError",
    "load_topology",
]

_DRIVER_RE = re.compile(r"^[a-z][a-z0-9_-]{0,39}\Z")
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/@-]{0,127}\Z")  # as model.Site ids
_ErrorAt = Callable[..., "TopologyError"]
_PERCENT_RE = re.compile(r"^\s*(\d{1,3}(?:\.\d+)?)\s*%\s*\Z")

#: The largest port count accepted for an MCU (or a reserve). No bridge comes near it; a
#: larger value is a typo or a hostile file, refused as a ConfigError.
MAX_PORTS = 1_000_000_000


class TopologyError(ConfigError):
    """A topology that cannot be used; ``source``, ``line`` and ``field`` say where.

    ``line`` is 1-based (``None`` for topologies built in code); ``field`` names the entry
    and its field, e.g. ``mcus[3].capacity``.
    """

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        line: int | None = None,
        field: str | None = None,
        expected: str | None = None,
        got: str | None = None,
    ) -> None:
        self.source = source
        self.line = line
        self.field = field
        where = ":".join(str(p) for p in (source, line) if p is not None)
        prefix = ": ".join(p for p in (where, field) if p)
        super().__init__(message, operation=prefix or None, expected=expected, got=got)


class McuRole(enum.StrEnum):
    """The master at the central office, a slave cascaded (directly or not) under it, or
    the master's standby: kept out of the plan, it takes the master's place on failover."""

    MASTER = "master"
    SLAVE = "slave"
    STANDBY = "standby"


@dataclass(frozen=True, slots=True)
class McuSpec:
    """One MCU of the inventory.

    ``area`` is the id of the site whose subtree (the site itself and everything under it)
    this MCU may serve. ``capacity`` counts ports: each site uses one, each cascade link one
    on each side. ``driver`` is a driver's registry name (``codian``, ``smc``…) and
    ``address`` where that driver reaches the MCU.

    ``reserve`` is the spare ports a plan keeps free for redials, an extra room or a guest:
    a port count, a percentage of ``capacity`` as text (``"15%"``, rounded up), or ``None``
    for the default, the larger of 2 ports and 10 % (never more than ``capacity``).
    """

    id: str
    operator: str
    driver: str
    address: str
    capacity: int
    area: str
    role: McuRole = McuRole.SLAVE
    name: str | None = None
    reserve: int | str | None = None

    @property
    def spare_ports(self) -> int:
        """The ports kept free by every plan (the reserve, resolved)."""
        r = self.reserve
        if r is None:
            return min(self.capacity, max(2, -(-self.capacity // 10)))
        if isinstance(r, int):
            return r
        match = _PERCENT_RE.match(r)
        assert match is not None  # checked in __post_init__
        hundredths = round(float(match.group(1)) * 100)
        return min(self.capacity, -(-self.capacity * hundredths // 10_000))

    @property
    def usable_ports(self) -> int:
        """``capacity`` minus the reserve: what a plan may use."""
        return self.capacity - self.spare_ports

    def __post_init__(self) -> None:
        _check_id("id", self.id)
        if not isinstance(self.operator, str) or not self.operator.strip():
            raise TopologyError("invalid operator", field="operator",
                                expected="non-empty text", got=repr(self.operator))
        if not isinstance(self.driver, str) or not _DRIVER_RE.match(self.driver):
            raise TopologyError("invalid driver name", field="driver",
                                expected="a registry name like 'codian' or 'smc'",
                                got=repr(self.driver))
        if not isinstance(self.address, str) or not self.address.strip():
            raise TopologyError("invalid address", field="address",
                                expected="non-empty text", got=repr(self.address))
        if isinstance(self.capacity, bool) or not isinstance(self.capacity, int):
            raise TopologyError("invalid capacity", field="capacity",
                                expected="an integer number of ports", got=repr(self.capacity))
        if self.capacity < 0:
            raise TopologyError("negative capacity", field="capacity",
                                expected="an integer >= 0", got=str(self.capacity))
        if self.capacity > MAX_PORTS:
            raise TopologyError("absurd capacity", field="capacity",
                                expected=f"at most {MAX_PORTS:,} ports",
                                got=_big(self.capacity))
        self._check_reserve()
        _check_id("area", self.area)
        if self.name is not None and (not isinstance(self.name, str) or not self.name.strip()):
            raise TopologyError("invalid name", field="name", expected="non-empty text or none",
                                got=repr(self.name))
        if not isinstance(self.role, McuRole):
            raise TopologyError("invalid role", field="role",
                                expected="master, slave or standby", got=repr(self.role))


    def _check_reserve(self) -> None:
        r = self.reserve
        if r is None:
            return
        if isinstance(r, str):
            match = _PERCENT_RE.match(r)
            if match is None or float(match.group(1)) > 100:
                raise TopologyError("invalid reserve", field="reserve",
                                    expected="a port count or a percentage like '10%' "
                                    "(0-100 %)", got=repr(r)[:40])
            return
        if isinstance(r, bool) or not isinstance(r, int) or r < 0:
            raise TopologyError("invalid reserve", field="reserve",
                                expected="a port count >= 0 or a percentage like '10%'",
                                got=repr(r)[:40])
        if r > self.capacity:
            raise TopologyError("reserve larger than capacity", field="reserve",
                                expected=f"at most the capacity ({self.capacity} ports)",
                                got=_big(r))


def _big(n: int) -> str:
    """An integer for a message, without converting a hostile 10**5000 to text."""
    return str(n) if n.bit_length() <= 64 else f"a {n.bit_length()}-bit number"


def _check_id(name: str, value: object) -> None:
    if not isinstance(value, str) or not _ID_RE.match(value):
        raise TopologyError(f"invalid {name}", field=name,
                            expected="1-128 characters of letters, digits and _.:/@-",
                            got=repr(value))


@dataclass(frozen=True)
class Topology:
    """A validated site hierarchy and MCU inventory (see :meth:`build`).

    Lookups (``site``, ``mcu``, ``children``, ``covering``) are precomputed and cheap.
    """

    name: str
    sites: tuple[Site, ...]
    mcus: tuple[McuSpec, ...]
    _site_index: Mapping[str, Site] = field(repr=False, compare=False, hash=False)
    _mcu_index: Mapping[str, McuSpec] = field(repr=False, compare=False, hash=False)
    _children: Mapping[str, tuple[str, ...]] = field(repr=False, compare=False, hash=False)
    _by_area: Mapping[str, tuple[McuSpec, ...]] = field(repr=False, compare=False, hash=False)

    @classmethod
    def build(
        cls,
        name: str,
        sites: tuple[Site, ...] | list[Site],
        mcus: tuple[McuSpec, ...] | list[McuSpec],
        *,
        source: str | None = None,
        site_lines: Sequence[Mapping[str, int]] = (),
        mcu_lines: Sequence[Mapping[str, int]] = (),
    ) -> Topology:
        """Check the whole (duplicates, parents, cycles, areas, master) and index it.

        ``site_lines``/``mcu_lines`` give, per entry, the line of each field as read from a
        file (key ``""``: the entry's first line), so errors name the line.
        """
        return _validate(name, tuple(sites), tuple(mcus), source, site_lines, mcu_lines)

    def site(self, site_id: str) -> Site:
        """The site with this id (``KeyError`` if there is none)."""
        return self._site_index[site_id]

    def mcu(self, mcu_id: str) -> McuSpec:
        """The MCU with this id (``KeyError`` if there is none)."""
        return self._mcu_index[mcu_id]

    def has_site(self, site_id: str) -> bool:
        """Whether the hierarchy holds this site."""
        return site_id in self._site_index

    def has_mcu(self, mcu_id: str) -> bool:
        """Whether the inventory holds this MCU."""
        return mcu_id in self._mcu_index

    @property
    def master(self) -> McuSpec:
        """The one MCU whose role is master."""
        return next(m for m in self.mcus if m.role is McuRole.MASTER)

    @property
    def standby(self) -> McuSpec | None:
        """The master's standby, if the inventory names one (role ``standby``)."""
        return next((m for m in self.mcus if m.role is McuRole.STANDBY), None)

    def master_ports(self) -> int:
        """Ports a plan may use on the master: its own usable ports, and no more than its
        standby's, so that the standby can always take the master's whole load."""
        own = self.master.usable_ports
        standby = self.standby
        return own if standby is None else min(own, standby.usable_ports)

    def children(self, site_id: str) -> tuple[str, ...]:
        """Ids of the sites directly under ``site_id``."""
        return self._children.get(site_id, ())

    def ancestors(self, site_id: str) -> Iterator[str]:
        """``site_id`` itself, then its parent, up to the top of the hierarchy."""
        current: str | None = site_id
        while current is not None:
            yield current
            current = self._site_index[current].parent

    def in_area(self, site_id: str, mcu: McuSpec) -> bool:
        """Whether ``mcu`` may serve ``site_id`` (the site lies in its area subtree)."""
        return any(a == mcu.area for a in self.ancestors(site_id))

    def covering(self, site_id: str) -> tuple[McuSpec, ...]:
        """The MCUs allowed to serve ``site_id``, most local area first."""
        return tuple(m for a in self.ancestors(site_id) for m in self._by_area.get(a, ()))

    def mcus_at(self, area: str) -> tuple[McuSpec, ...]:
        """The MCUs whose area is exactly the subtree under ``area``."""
        return self._by_area.get(area, ())

    def without_mcu(self, mcu_id: str) -> Topology:
        """The same topology with one slave MCU removed (e.g. it failed before a meeting)."""
        if mcu_id not in self._mcu_index:
            raise TopologyError(f"no MCU {mcu_id!r} in topology {self.name!r}", field="mcus")
        return Topology.build(self.name, self.sites,
                              tuple(m for m in self.mcus if m.id != mcu_id))

    def promote_standby(self) -> Topology:
        """The topology after a master failure: the standby is the master, the old master
        gone (:class:`TopologyError` if there is no standby)."""
        from dataclasses import replace

        standby = self.standby
        if standby is None:
            raise TopologyError(f"topology {self.name!r} has no standby MCU to promote",
                                field="mcus", expected="an MCU with role standby")
        return Topology.build(self.name, self.sites, tuple(
            replace(m, role=McuRole.MASTER) if m.id == standby.id else m
            for m in self.mcus if m.id != self.master.id))

    def with_capacity(self, mcu_id: str, capacity: int) -> Topology:
        """The same topology with one MCU's capacity changed (e.g. a province's MCU lost
        ports during a meeting); its reserve is kept as declared."""
        from dataclasses import replace

        if mcu_id not in self._mcu_index:
            raise TopologyError(f"no MCU {mcu_id!r} in topology {self.name!r}", field="mcus")
        return Topology.build(self.name, self.sites, tuple(
            replace(m, capacity=capacity) if m.id == mcu_id else m for m in self.mcus))


def _validate(
    name: str,
    sites: tuple[Site, ...],
    mcus: tuple[McuSpec, ...],
    source: str | None,
    site_lines: Sequence[Mapping[str, int]],
    mcu_lines: Sequence[Mapping[str, int]],
) -> Topology:
    def err(msg: str, kind: str, idx: int, ident: str, fld: str, *,
            expected: str | None = None, got: str | None = None) -> TopologyError:
        lines = site_lines if kind == "sites" else mcu_lines
        at = lines[idx] if idx < len(lines) else {}
        return TopologyError(msg, source=source, line=at.get(fld, at.get("")),
                             field=f"{kind}[{idx}].{fld}", expected=expected, got=got)

    index: dict[str, Site] = {}
    position: dict[str, int] = {}
    for i, s in enumerate(sites):
        if s.id in index:
            raise err(f"duplicate site id {s.id!r}", "sites", i, s.id, "id",
                      expected="a unique id", got=f"also entry {position[s.id]}")
        index[s.id] = s
        position[s.id] = i
    children: dict[str, list[str]] = {}
    for i, s in enumerate(sites):
        if s.parent is not None:
            if s.parent not in index:
                raise err(f"unknown parent {s.parent!r} of site {s.id!r}", "sites", i, s.id,
                          "parent", expected="the id of another site", got=repr(s.parent))
            children.setdefault(s.parent, []).append(s.id)
    _check_cycles(sites, index, position, err)

    mcu_index: dict[str, McuSpec] = {}
    masters: list[int] = []
    standbys: list[int] = []
    for i, m in enumerate(mcus):
        if m.id in mcu_index:
            raise err(f"duplicate MCU id {m.id!r}", "mcus", i, m.id, "id",
                      expected="a unique id", got="a repeated id")
        mcu_index[m.id] = m
        if m.area not in index:
            raise err(f"MCU {m.id!r} serves unknown area {m.area!r}", "mcus", i, m.id, "area",
                      expected="the id of a site", got=repr(m.area))
        if m.role is McuRole.MASTER:
            masters.append(i)
        elif m.role is McuRole.STANDBY:
            standbys.append(i)
    if len(masters) != 1:
        at = masters[1] if masters else 0
        ident = mcus[at].id if mcus else ""
        raise err("a topology needs exactly one master MCU", "mcus", at, ident, "role",
                  expected="exactly one MCU with role master", got=f"{len(masters)}")

    areas = {m.area for m in mcus if m.role is not McuRole.STANDBY}
    for i, s in enumerate(sites):
        if not any(a in areas for a in _chain(s.id, index)):
            raise err(f"site {s.id!r} lies outside every MCU's area", "sites", i, s.id, "id",
                      expected="a site under some MCU's area", got="no MCU may serve it")
    _check_standby(sites, mcus, masters[0], standbys, index, err)
    return Topology(
        name, sites, mcus,
        MappingProxyType(index), MappingProxyType(mcu_index),
        MappingProxyType({k: tuple(v) for k, v in children.items()}),
        MappingProxyType({a: tuple(m for m in mcus if m.area == a) for a in areas}),
    )


def _check_standby(sites: tuple[Site, ...], mcus: tuple[McuSpec, ...], master: int,
                   standbys: list[int], index: Mapping[str, Site], err: _ErrorAt) -> None:
    """At most one standby, in the master's area, able to hold what only the master may."""
    if not standbys:
        return
    if len(standbys) > 1:
        at = standbys[1]
        raise err("a topology has at most one standby MCU", "mcus", at, mcus[at].id, "role",
                  expected="one MCU with role standby", got=f"{len(standbys)}")
    at = standbys[0]
    spec, boss = mcus[at], mcus[master]
    if spec.area != boss.area:
        raise err(f"standby {spec.id!r} serves another area than master {boss.id!r}", "mcus",
                  at, spec.id, "area", expected=f"the master's area {boss.area!r}",
                  got=repr(spec.area))
    # Sites that no slave may serve stay on the master whatever the plan: the standby must
    # hold them all (and one cascade port, if any slave exists) to take its place.
    slave_areas = {m.area for m in mcus if m.role is McuRole.SLAVE}
    only_master = sum(1 for s in sites if not any(a in slave_areas for a in _chain(s.id, index)))
    need = only_master + (1 if slave_areas else 0)
    if spec.usable_ports < need:
        raise err(f"standby {spec.id!r} cannot hold the master's load", "mcus", at, spec.id,
                  "capacity", expected=f">= {need} usable ports (the {only_master} sites only "
                  f"the master may serve{' and a cascade link' if slave_areas else ''}, "
                  f"reserve of {spec.spare_ports} apart)",
                  got=f"{spec.usable_ports} usable of {spec.capacity}")


def _chain(site_id: str, index: Mapping[str, Site]) -> Iterator[str]:
    current: str | None = site_id
    while current is not None:
        yield current
        current = index[current].parent


def _check_cycles(sites: tuple[Site, ...], index: Mapping[str, Site],
                  position: Mapping[str, int], err: _ErrorAt) -> None:
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    for s in sites:
        path: list[str] = []
        current: str | None = s.id
        while current is not None and state.get(current) is None:
            state[current] = 1
            path.append(current)
            current = index[current].parent
        if current is not None and state[current] == 1:
            cycle = path[path.index(current):]
            first = min(cycle, key=lambda c: position[c])
            raise err(f"cycle in the hierarchy: {' -> '.join([*cycle, current])}", "sites",
                      position[first], first, "parent", expected="a tree",
                      got="a parent chain that loops")
        for p in path:
            state[p] = 2


def load_topology(path: str | Path, fmt: str | None = None) -> Topology:
    """Read a topology from a ``.toml``, ``.json`` or ``.csv`` file (or ``fmt``).

    Raises :class:`TopologyError` naming the line and field of the first problem.
    """
    from .topology_files import load

    return load(Path(path), fmt)
