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
import json
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..errors import HnthError
from ..meeting.readiness import ReadinessCheck, ReadinessReport, directory_from_network
from ..meeting.summary import to_json as summary_json
from ..meeting.summary import write_csv
from ..security.access import Operator
from .accounts import Session
from .i18n import Msg
from .web import Handler, Web

if TYPE_CHECKING:
    from .service import ConsoleService

__all__ = ["ReadinessBoard", "readiness_routes"]


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
                site_snmp_targets=fleet.site_snmp_targets(),
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


def readiness_routes(service: ConsoleService, web: Web,
                     reader: Callable[[Handler], Callable[[Request], Awaitable[Response]]]
                     ) -> list[Route]:
    """``POST /api/readiness`` (a sweep now; a state change) and ``GET /readiness.csv``
    or ``.json`` (the latest sweep's rows the operator sees, ``?lang=vi|en``)."""

    async def api_readiness(request: Request) -> Response:
        checked = await web.state_change(request, "console.readiness")
        if isinstance(checked, Response):
            return checked
        session, _ = checked
        op = session.operator
        try:
            await service.readiness.run()
        except HnthError as exc:
            await service.audit(op.name, "console.readiness", "-", "failed", reason=str(exc))
            return web.answer(request, 502, Msg("readiness_failed", {"error": exc}))
        report = service.readiness.for_operator(op)
        assert report is not None
        await service.audit(op.name, "console.readiness", op.scope or "all", "ok",
                            sites=len(report.rows), ready=report.ready)
        data = summary_json(report, lang=web.lang_of(request))
        problems = [r for r in data["rows"] if r["status"] != "ready"]
        return JSONResponse({"ready": data["ready"], "counts": data["counts"],
                             "sites": len(data["rows"]), "duration_s": data["duration_s"],
                             "problems": problems[:200], "more": max(0, len(problems) - 200)})

    async def readiness_download(request: Request, session: Session) -> Response:
        kind = request.path_params["kind"]
        lang = request.query_params.get("lang", "vi")
        if kind not in ("csv", "json") or lang not in ("vi", "en"):
            return web.answer(request, 404, Msg("bad_download"))
        report = service.readiness.for_operator(session.operator)
        if report is None:
            return web.answer(request, 404, Msg("no_readiness"))
        name = f"readiness-{lang}.{kind}"
        headers = {"content-disposition": f'attachment; filename="{name}"'}
        if kind == "csv":
            return Response(write_csv(report, lang=lang).encode("utf-8"),
                            media_type="text/csv; charset=utf-8", headers=headers)
        return Response(json.dumps(summary_json(report, lang=lang), ensure_ascii=False,
                                   indent=1).encode("utf-8"),
                        media_type="application/json", headers=headers)

    return [Route("/api/readiness", api_readiness, methods=["POST"]),
            Route("/readiness.{kind}", reader(readiness_download), methods=["GET"])]
