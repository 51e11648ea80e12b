"""The runbook's routes: ``GET /api/runbook`` (steps, deadlines, verdicts, whether the
operator may confirm), ``POST /api/runbook/confirm`` (``{"step": NAME}``: a manual step
confirmed; a state change, so CSRF token and request id) and ``GET /report`` (the
quality report of the run's meeting record, in the page's language; it covers every
site, so only an operator who sees the whole network may read it)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from ..errors import ConfigError, HnthError
from .accounts import Session
from .i18n import Msg
from .runbook import Refusal, RunbookBoard, render_report
from .web import Handler, Web

__all__ = ["REPORT_CSP", "runbook_routes"]

REPORT_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
              "frame-ancestors 'none'; form-action 'none'; base-uri 'none'")
"""The quality report's own policy: its inline styles (the page's and the charts'), no
script at all, nothing fetched."""


def runbook_routes(board: RunbookBoard | None, web: Web,
                   reader: Callable[[Handler], Callable[[Request], Awaitable[Response]]]
                   ) -> list[Route]:
    """The routes over ``board`` (None: the console shows no runbook)."""

    async def api_runbook(request: Request, session: Session) -> Response:
        if board is None:
            return web.answer(request, 404, Msg("no_runbook"))
        try:
            return JSONResponse(await board.view(session.operator))
        except ConfigError as exc:
            return web.answer(request, 502, Msg("runbook_unreadable", {"error": exc}))

    async def api_runbook_confirm(request: Request) -> Response:
        checked = await web.state_change(request, "console.runbook_confirm")
        if isinstance(checked, Response):
            return checked
        session, body = checked
        op = session.operator
        try:
            step = json.loads(body)["step"]
            if not isinstance(step, str) or not 0 < len(step) <= 64:
                raise ValueError("step")
        except (ValueError, KeyError, TypeError):
            return await web.refuse(request, op.name, "console.runbook_confirm", "-", 400,
                                    Msg("bad_confirm"))
        if board is None:
            return await web.refuse(request, op.name, "console.runbook_confirm", step, 404,
                                    Msg("no_runbook"))
        try:
            done = await board.confirm(op, step, request.client.host if request.client
                                       else "-")
        except Refusal as exc:
            return web.answer(request, exc.status, exc.message)
        return JSONResponse({"step": done.step, "by": done.by,
                             "at": done.at.isoformat(timespec="seconds")})

    async def quality_report(request: Request, session: Session) -> Response:
        lang = web.lang_of(request)
        record = None
        if board is not None and not board.may_see_all(session.operator):
            return await web.refuse(request, session.operator.name, "console.report", "-",
                                    403, Msg("report_refused"))
        if board is not None:
            try:
                record = await asyncio.to_thread(board.record_path)
            except ConfigError as exc:
                return web.answer(request, 502, Msg("runbook_unreadable", {"error": exc}))
        if record is None or not record.is_file():
            return web.answer(request, 404, Msg("no_report"))
        try:
            page = await asyncio.to_thread(render_report, record, lang)
        except HnthError as exc:
            return web.answer(request, 502, Msg("report_failed", {"error": exc}))
        return web.keep_lang(request, HTMLResponse(page, headers={
            "content-security-policy": REPORT_CSP}))

    return [Route("/api/runbook", reader(api_runbook), methods=["GET"]),
            Route("/api/runbook/confirm", api_runbook_confirm, methods=["POST"]),
            Route("/report", reader(quality_report), methods=["GET"])]
