"""Drivers for a whole network, built from the entry-point registry only.

A :class:`Fleet` is opened from a network file (:func:`Fleet.from_file`) or a loaded
:class:`~hnth_drivers.network.Network`, a :class:`~hnth_drivers.driver.SecretSource`, the
security policy and the audit log. Each device's driver class comes from
:func:`hnth_drivers.registry.get_driver` and is built with its
:meth:`~hnth_drivers.driver.Driver.from_target`, so a vendor's plug-in is used exactly
like the project's own drivers. Drivers are built on first use, opened lazily
(:meth:`Fleet.mcu`) or all at once with bounded concurrency (:meth:`Fleet.open_all`,
one result per device: a device that is down is reported, the rest carry on), and
closed together (``async with fleet`` or :meth:`Fleet.close`).

Cameras marked ``trusted_segment`` get the policy's VISCA-over-IP waiver for their own id
(recorded in the audit log each time it is used); no other waiver is added.
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import dataclasses
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Self

from .. import registry
from ..cascade.link import default_cascade_address
from ..cascade.live import LiveCascade, McuNode, gather_bounded
from ..driver import DeviceTarget, Driver, SecretSource
from ..errors import ConfigError, HnthError, RegistryError
from ..mcu.base import Mcu
from ..monitor.snmp import SnmpPoller, SnmpTarget
from ..security.access import Operator, SiteTree
from ..security.audit import AuditLog
from ..security.policy import STRICT, SecurityPolicy, Waiver, WaiverKind
from ..transport.snmp import SnmpAuth, SnmpPriv, SnmpV3User
from ..vcs.base import Camera, Codec
from .credentials import NetworkSecrets, check_credentials
from .load import load_network
from .model import Network

if TYPE_CHECKING:
    from ..cascade.planner import Plan

__all__ = ["SYS_UPTIME", "DeviceResult", "Fleet"]

SYS_UPTIME = "1.3.6.1.2.1.1.3.0"
"""sysUpTime.0 (RFC 3418, SNMPv2-MIB): what a trust and authentication check reads."""


@dataclass(frozen=True, slots=True)
class DeviceResult:
    """How opening one device went: ``error`` is ``None`` when it opened."""

    target: DeviceTarget
    seconds: float
    error: HnthError | None = None

    @property
    def ok(self) -> bool:
        """Whether the device opened (trust and authentication accepted)."""
        return self.error is None


class Fleet:
    """Every device of a network behind its driver (see the module docstring)."""

    def __init__(self, network: Network, *, secrets: SecretSource,
                 policy: SecurityPolicy = STRICT, audit: AuditLog | None = None,
                 concurrency: int = 32, actor: str = "hnth") -> None:
        if concurrency < 1:
            raise ConfigError("concurrency must be at least 1", operation="Fleet",
                              got=str(concurrency))
        self.network = network
        self.secrets = secrets
        self.audit = audit
        self.concurrency = concurrency
        waivers = tuple(
            Waiver(t.id, WaiverKind.VISCA_IP, f"trusted_segment in {network.source}")
            for t in self.targets("camera")
            if t.driver == "visca-ip" and t.options.get("trusted_segment") is True)
        self.policy = dataclasses.replace(
            policy, waivers=policy.waivers + waivers,
            audit=policy.audit if policy.audit is not None else audit, actor=actor)
        self._drivers: dict[str, Driver] = {}
        self._opened: dict[str, asyncio.Task[None]] = {}
        self._poller: SnmpPoller | None = None
        self._classes: dict[tuple[str, str], type[Driver]] = {}

    def __repr__(self) -> str:
        return f"Fleet({self.network.name!r}, {len(self._drivers)} drivers built)"

    @classmethod
    def from_file(cls, path: str | Path, *, policy: SecurityPolicy = STRICT,
                  audit: AuditLog | None = None, concurrency: int = 32,
                  actor: str = "hnth") -> Fleet:
        """Load and check a network file (credentials resolved, nothing contacted)."""
        network = load_network(path)
        secrets = NetworkSecrets.for_network(network)
        check_credentials(network, secrets)
        return cls(network, secrets=secrets, policy=policy, audit=audit,
                   concurrency=concurrency, actor=actor)

    # ---- targets and drivers -----------------------------------------------------------

    def targets(self, *kinds: str) -> list[DeviceTarget]:
        """Every device of the given kinds (default all: MCUs, codecs, cameras)."""
        wanted = set(kinds or ("mcu", "vcs", "camera"))
        out: list[DeviceTarget] = []
        if "mcu" in wanted:
            out += [m.target() for m in self.network.mcus]
        for site in self.network.sites:
            if site.room is None:
                continue
            if "vcs" in wanted and site.room.codec is not None:
                out.append(site.room.codec.target(site.id))
            if "camera" in wanted:
                out += [c.target(site.id, n) for n, c in enumerate(site.room.cameras, start=1)]
        return out

    def target(self, device: str) -> DeviceTarget:
        """The target with this id (``mcu-id``, ``codec:SITE``, ``camera:SITE/N``)."""
        for t in self.targets():
            if t.id == device:
                return t
        raise ConfigError("no such device in the network file", device=device,
                          operation="fleet", got=str(self.network.source))

    def driver(self, target: DeviceTarget) -> Driver:
        """The driver of ``target``, built once through the registry (not opened)."""
        built = self._drivers.get(target.id)
        if built is None:
            key = (target.kind, target.driver)
            cls = self._classes.get(key)
            if cls is None:  # one registry look-up (an entry-point scan) per driver name
                cls = self._classes[key] = registry.get_driver(*key)
            built = cls.from_target(target, secrets=self.secrets, policy=self.policy,
                                    audit=self.audit)
            if not isinstance(built, cls):
                raise RegistryError("from_target built something else", device=target.id,
                                    operation="from_target", expected=cls.__name__,
                                    got=type(built).__name__)
            self._drivers[target.id] = built
        return built

    def _check(self, target: DeviceTarget, driver: Driver, ok: bool) -> None:
        if not ok:
            raise RegistryError("the driver is not of the device's kind", device=target.id,
                                operation="fleet", expected=target.kind,
                                got=type(driver).__name__)

    def mcu_driver(self, mcu_id: str) -> Mcu:
        """The MCU's driver, built but not opened."""
        target = self.network.mcu(mcu_id).target()
        driver = self.driver(target)
        if not isinstance(driver, Mcu):
            self._check(target, driver, False)
        assert isinstance(driver, Mcu)
        return driver

    async def mcu(self, mcu_id: str) -> Mcu:
        """The MCU's driver, opened (once; later calls reuse it)."""
        driver = self.mcu_driver(mcu_id)
        await self.ensure_open(driver, mcu_id)
        return driver

    def _room(self, site: str) -> tuple[DeviceTarget | None, list[DeviceTarget]]:
        entry = self.network.site(site)
        if entry.room is None:
            return None, []
        codec = entry.room.codec.target(site) if entry.room.codec else None
        return codec, [c.target(site, n) for n, c in enumerate(entry.room.cameras, start=1)]

    async def codec(self, site: str) -> Codec:
        """The site's codec driver, opened."""
        target, _ = self._room(site)
        if target is None:
            raise ConfigError("the site's room has no codec in the network file", device=site,
                              operation="fleet", got=str(self.network.source))
        driver = self.driver(target)
        if not isinstance(driver, Codec):
            self._check(target, driver, False)
        assert isinstance(driver, Codec)
        await self.ensure_open(driver, target.id)
        return driver

    async def camera(self, site: str, number: int = 1) -> Camera:
        """Camera ``number`` (from 1, file order) of the site's room, opened."""
        _, cameras = self._room(site)
        if not 1 <= number <= len(cameras):
            raise ConfigError("no such camera in the site's room", device=site,
                              operation="fleet", expected=f"1..{len(cameras)}",
                              got=str(number))
        driver = self.driver(cameras[number - 1])
        if not isinstance(driver, Camera):
            self._check(cameras[number - 1], driver, False)
        assert isinstance(driver, Camera)
        await self.ensure_open(driver, cameras[number - 1].id)
        return driver

    async def ensure_open(self, driver: Driver, key: str) -> None:
        """Open ``driver`` once; concurrent callers wait for the same opening."""
        task = self._opened.get(key)
        if task is None or (task.done() and (task.cancelled() or task.exception() is not None)):
            task = asyncio.ensure_future(driver.open())
            self._opened[key] = task
        await asyncio.shield(task)

    # ---- everything at once ------------------------------------------------------------

    async def open_all(self, targets: Iterable[DeviceTarget] | None = None, *,
                       progress: Callable[[DeviceResult], None] | None = None,
                       timeout_s: float = 30.0) -> list[DeviceResult]:
        """Build and open every target (default: all) with at most ``concurrency`` in
        flight; one result per device, in order. Failures are results, not exceptions."""
        chosen = list(targets if targets is not None else self.targets())

        async def one(target: DeviceTarget) -> DeviceResult:
            t0 = time.perf_counter()
            error: HnthError | None = None
            try:
                driver = self.driver(target)
                async with asyncio.timeout(timeout_s):
                    await self.ensure_open(driver, target.id)
            except HnthError as exc:
                error = exc
            except builtins.TimeoutError:
                from ..errors import DeviceTimeout as HnthTimeout
                error = HnthTimeout("no answer", device=target.id, operation="open",
                                    expected=f"open within {timeout_s} s")
            result = DeviceResult(target, time.perf_counter() - t0, error)
            if progress is not None:
                progress(result)
            return result

        return await gather_bounded([partial(one, t) for t in chosen], self.concurrency)

    # ---- SNMP ------------------------------------------------------------------------

    def snmp_targets(self) -> dict[str, SnmpTarget]:
        """Every SNMP target of the file, by id, its keys resolved."""
        out = {}
        for t in self.network.snmp:
            host, _, port = t.address.rpartition(":")
            creds = SnmpV3User(t.user, self.secrets.resolve(t.auth.ref),
                               self.secrets.resolve(t.priv.ref), auth=SnmpAuth(t.auth_protocol),
                               priv=SnmpPriv(t.priv_protocol))
            out[t.id] = SnmpTarget(t.id, host.strip("[]"), creds, port=int(port),
                                   vendor=t.vendor, context=t.context, timeout=t.timeout_s,
                                   retries=t.retries)
        return out

    def site_snmp_targets(self) -> dict[str, SnmpTarget]:
        """The SNMP targets whose id is a site's id: each site's own agent (its room
        codec), whose call figures readiness and the recorder merge with the MCU's."""
        sites = {s.id for s in self.network.sites}
        return {k: v for k, v in self.snmp_targets().items() if k in sites}

    async def poller(self) -> SnmpPoller:
        """The fleet's SNMP poller (its policy, bounded in flight), opened; closed with it."""
        if self._poller is None:
            poller = SnmpPoller(self.policy, max_in_flight=self.concurrency)
            await poller.__aenter__()
            self._poller = poller
        return self._poller

    async def check_snmp(self, target: SnmpTarget) -> HnthError | None:
        """One authenticated, encrypted GET of sysUpTime: ``None`` if it answered."""
        try:
            await (await self.poller()).get(target, [SYS_UPTIME])
        except HnthError as exc:
            return exc
        return None

    async def close(self) -> None:
        """Close every driver built (errors while closing are ignored: best effort)."""
        drivers = list(self._drivers.values())
        self._opened.clear()
        if self._poller is not None:
            poller, self._poller = self._poller, None
            with contextlib.suppress(HnthError, OSError):
                await poller.close()

        async def one(driver: Driver) -> None:
            with contextlib.suppress(HnthError, OSError):
                await driver.close()

        await gather_bounded([partial(one, d) for d in drivers], self.concurrency)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.close()

    # ---- what the cascade, switch and readiness need ------------------------------------

    @property
    def tree(self) -> SiteTree:
        """The site hierarchy, for authorisation."""
        return SiteTree.of(s.site for s in self.network.sites)

    def parents(self) -> dict[str, str | None]:
        """Each MCU of the meeting and the MCU it cascades to (``None``: the master).

        From the file's fixed ``links`` when it has any, else from the planner."""
        net = self.network
        if net.links:
            parents: dict[str, str | None] = {net.master.id: None}
            for link in net.links:
                parents[link.slave] = link.master
                parents.setdefault(link.master, None if link.master == net.master.id
                                   else parents.get(link.master))
            for s in net.sites:
                if s.mcu is not None and s.mcu not in parents:
                    raise ConfigError("a site's MCU has no cascade link", device=s.mcu,
                                      operation="cascade", expected="a [[links]] entry "
                                      "with this slave", got=f"site {s.id}")
            return parents
        from ..cascade.planner import plan

        the_plan = plan(net.topology())
        return {m.id: m.parent for m in the_plan.mcus}

    def site_mcus(self) -> dict[str, str]:
        """Each site of the meeting and its MCU (from the file, else the planner)."""
        net = self.network
        if net.links or all(s.mcu is not None for s in net.sites):
            return {s.id: s.mcu for s in net.sites if s.mcu is not None}
        from ..cascade.planner import plan

        return {a.site: a.mcu for a in plan(net.topology()).sites}

    def plan(self) -> Plan:
        """The meeting's cascade as a :class:`~hnth_drivers.cascade.planner.Plan`: the
        planner's when the file fixes no links, else the file's links and site MCUs."""
        from ..cascade.planner import McuPlacement, Plan, PlannedLink, SiteAssignment, plan

        net = self.network
        if not net.links:
            return plan(net.topology())
        parents = self.parents()
        sites = self.site_mcus()

        def depth(mcu: str) -> int:
            d, node = 0, parents.get(mcu)
            while node is not None:
                d, node = d + 1, parents.get(node)
            return d

        topo = net.topology()
        placements = []
        for mcu_id in sorted(parents, key=lambda m: (depth(m), m)):
            n_sites = sum(1 for m in sites.values() if m == mcu_id)
            children = sum(1 for p in parents.values() if p == mcu_id)
            used = n_sites + children + (0 if parents[mcu_id] is None else 1)
            capacity = net.mcu(mcu_id).ports
            placements.append(McuPlacement(mcu_id, parents[mcu_id], depth(mcu_id), capacity,
                                           n_sites, children, used,
                                           topo.mcu(mcu_id).spare_ports))
        links = tuple(PlannedLink(m.id, m.parent, m.depth) for m in placements
                      if m.parent is not None)
        levels = {s.id: s.site.level for s in net.sites}
        return Plan(topology=net.name, master=net.master.id,
                    max_depth=max(m.depth for m in placements), depth_limit=max(
                        m.depth for m in placements), method="network file",
                    peak_utilization=max((m.utilization for m in placements), default=0.0),
                    mcus=tuple(placements), links=links,
                    sites=tuple(SiteAssignment(s, levels[s], m) for s, m in sites.items()),
                    standby=topo.standby.id if topo.standby is not None else None)

    def cascade(self, *, operator: Operator | None = None, actor: str | None = None
                ) -> LiveCascade:
        """The meeting's :class:`LiveCascade` over this fleet's MCU drivers (built, not
        opened: call :meth:`open_all` on :meth:`targets` ``("mcu")`` first)."""
        net = self.network
        parents = self.parents()
        addresses = {m.id: m.cascade_address for m in net.mcus}

        def address_of(mcu_id: str, conference: str) -> str:
            return addresses.get(mcu_id) or default_cascade_address(mcu_id, conference)

        nodes = [McuNode(m, self.mcu_driver(m), net.conference, p) for m, p in parents.items()]
        return LiveCascade(
            nodes, self.site_mcus(), chair=net.chair, address_of=address_of,
            concurrency=self.concurrency, audit=self.audit,
            actor=actor or (operator.name if operator else "cascade"), operator=operator,
            tree=self.tree if operator else None,
            area_of={m.id: m.area for m in net.mcus})

