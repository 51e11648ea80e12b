"""The readiness table of the console: the summary form ("mẫu tổng hợp thông tin") of
:mod:`hnth_drivers.meeting.readiness`, run from the page, downloadable as CSV or JSON.

A sweep reads every MCU of the meeting (participants; call quality from the console's
own reads is not kept, so ``recent_quality`` is empty and no per-site statistics calls
are made), each MCU's SNMP health and every room's codec and camera; it makes no test
call (those are switches: ``hnth readiness --operator``). One sweep runs at a time; each
operator sees the rows of its own area.
"""

from __future__ import annotations

import asyncio
import dataclasses
from functools import partial
from typing import TYPE_CHECKING

from ..meeting.readiness import ReadinessCheck, ReadinessReport, directory_from_network
from ..security.access import Operator

if TYPE_CHECKING:
    from .service import ConsoleService

__all__ = ["ReadinessBoard"]


class ReadinessBoard:
    """The latest readiness sweep, and the running of a new one."""

    def __init__(self, service: ConsoleService) -> None:
        self.service = service
        self.report: ReadinessReport | None = None
        self._lock = asyncio.Lock()

    async def run(self) -> ReadinessReport:
        """Sweep the network now (a sweep already running is waited for instead)."""
        if self._lock.locked():
            async with self._lock:
                assert self.report is not None
                return self.report
        async with self._lock:
            fleet, net = self.service.fleet, self.service.network
            codecs = {s.id: partial(_codec, self.service, s.id) for s in net.sites
                      if s.room and s.room.codec}
            cameras = {s.id: partial(_camera, self.service, s.id) for s in net.sites
                       if s.room and s.room.cameras}
            check = ReadinessCheck(
                self.service.cascade, directory_from_network(net),
                carriers={m.id: m.carrier for m in net.mcus},
                snmp=await fleet.poller() if net.snmp else None,
                snmp_targets={t: v for t, v in fleet.snmp_targets().items()
                              if t in self.service.cascade.nodes},
                codecs=codecs, cameras=cameras, switcher=None, sample_calls=0,
                recent_quality={})
            self.report = await check.run()
            return self.report

    def for_operator(self, operator: Operator) -> ReadinessReport | None:
        """The latest report, only the rows of the sites ``operator`` sees."""
        if self.report is None:
            return None
        visible = self.service.visible(operator)
        if visible is None:
            return self.report
        return dataclasses.replace(
            self.report, rows=tuple(r for r in self.report.rows if r.site in visible),
            test_calls=tuple(c for c in self.report.test_calls if c.site in visible))


async def _codec(service: ConsoleService, site: str) -> object:
    return await (await service.fleet.codec(site)).health()


async def _camera(service: ConsoleService, site: str) -> object:
    return await (await service.fleet.camera(site)).position()
