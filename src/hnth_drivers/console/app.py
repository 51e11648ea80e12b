"""The console's ASGI application (Starlette): pages, JSON API, alarm feed, login.

Security, in the order a request meets it:

* every response carries a strict Content-Security-Policy (scripts from this origin only,
  no inline script), ``X-Frame-Options: DENY``, ``no-store`` caching and, over HTTPS, HSTS;
* a state change (``POST``) must come from this origin (``Origin`` / ``Sec-Fetch-Site``),
  carry the session's CSRF token (``X-CSRF-Token`` header or ``csrf`` form field), and,
  for the JSON API, a fresh ``X-Request-Id`` (a replayed request is refused); bodies are
  capped at :data:`MAX_BODY` bytes and must parse;
* the session cookie is ``Secure; HttpOnly; SameSite=Strict``; logging in needs the
  login form's own token (double-submitted: cookie and field) and repeated failures
  lock the name out;
* every operation is authorised by role and area in :class:`ConsoleService`.

Every refusal is answered with one clear sentence (JSON ``{"error": ...}`` for the API)
and written to the audit log.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp

from ..errors import AccessDenied, ConfigError, HnthError
from ..security.access import Action
from . import pages
from .accounts import Accounts, LoginGuard, Session, Sessions
from .headers import SecurityHeaders
from .i18n import Msg, pick
from .passwords import equal
from .readiness import readiness_routes
from .runbook import RunbookBoard
from .runbook_routes import runbook_routes
from .service import ConsoleService, trace_json
from .web import Web

__all__ = ["MAX_BODY", "SESSION_COOKIE", "build_app"]

MAX_BODY = 16 * 1024
"""Largest request body accepted (bytes): a login form or a switch request is far less."""

SESSION_COOKIE = "hnth_session"
LOGIN_COOKIE = "hnth_login"
LANG_COOKIE = "hnth_lang"
_STATIC = Path(__file__).with_name("static")


class _Refused(Exception):
    def __init__(self, status: int, message: Msg) -> None:
        super().__init__(message.key)
        self.status, self.message = status, message


def build_app(service: ConsoleService, accounts: Accounts, *, https: bool = True,
              guard: LoginGuard | None = None, sessions: Sessions | None = None,
              runbook: Path | None = None) -> ASGIApp:
    """The console application over ``service``; ``accounts`` say who may log in;
    ``runbook`` is a meeting's runbook state file (``hnth meeting run``), shown read-only."""
    guard = guard or LoginGuard()
    sessions = sessions or Sessions()
    board = RunbookBoard(runbook, service) if runbook is not None else None

    def set_cookie(response: Response, name: str, value: str, max_age: int | None) -> None:
        response.set_cookie(name, value, max_age=max_age, path="/", secure=True,
                            httponly=True, samesite="strict")

    def lang_of(request: Request) -> str:
        return pick(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE),
                    request.headers.get("accept-language"))

    def keep_lang(request: Request, response: Response) -> Response:
        if request.query_params.get("lang") in ("en", "vi"):
            response.set_cookie(LANG_COOKIE, lang_of(request), max_age=365 * 86400, path="/",
                                secure=True, httponly=True, samesite="strict")
        return response

    def session_of(request: Request) -> Session | None:
        return sessions.get(request.cookies.get(SESSION_COOKIE))

    async def refuse(request: Request, who: str, action: str, target: str, status: int,
                     message: Msg, **detail: object) -> Response:
        """Audit a refusal (in English) and answer it in the page's language."""
        await service.audit(who, action, target, "refused", reason=message.text("en"),
                            client=request.client.host if request.client else "-", **detail)
        return answer(request, status, message)

    def answer(request: Request, status: int, message: Msg) -> Response:
        """An error answer in the page's language (JSON for the API)."""
        text = message.text(lang_of(request))
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": text}, status_code=status)
        return PlainTextResponse(text, status_code=status)

    def same_origin(request: Request) -> bool:
        origin = request.headers.get("origin")
        site = request.headers.get("sec-fetch-site")
        if site is not None and site not in ("same-origin", "none"):
            return False
        if origin is None:
            return True
        return origin == f"{request.url.scheme}://{request.url.netloc}"

    async def body_of(request: Request) -> bytes:
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY):
            raise _Refused(413, Msg("too_large", {"n": MAX_BODY}))
        data = bytearray()
        async for chunk in request.stream():
            data += chunk
            if len(data) > MAX_BODY:
                raise _Refused(413, Msg("too_large", {"n": MAX_BODY}))
        return bytes(data)

    async def state_change(request: Request, action: str
                           ) -> tuple[Session, bytes] | Response:
        """The checks every POST behind the login passes; a Response when refused."""
        session = session_of(request)
        who = session.operator.name if session else "anonymous"
        if session is None:
            return await refuse(request, who, action, "-", 401, Msg("not_logged_in"))
        if not same_origin(request):
            return await refuse(request, who, action, "-", 403, Msg("forged"))
        try:
            body = await body_of(request)
        except _Refused as exc:
            return await refuse(request, who, action, "-", exc.status, exc.message)
        token = request.headers.get("x-csrf-token")
        if token is None and request.headers.get("content-type", "").startswith(
                "application/x-www-form-urlencoded"):
            fields = parse_qs(body.decode("utf-8", "replace")).get("csrf")
            token = fields[0] if fields else None
        if token is None or not equal(token, session.csrf):
            return await refuse(request, who, action, "-", 403, Msg("csrf"))
        if request.url.path.startswith("/api/"):
            rid = request.headers.get("x-request-id", "")
            if not 8 <= len(rid) <= 100:
                return await refuse(request, who, action, "-", 400, Msg("no_request_id"))
            if not session.use_request(rid):
                return await refuse(request, who, action, "-", 409, Msg("replayed"))
        return session, body

    # ---- login -----------------------------------------------------------------------

    async def login_page(request: Request) -> Response:
        token = secrets.token_urlsafe(24)
        note = request.query_params.get("m", "")
        response = HTMLResponse(pages.login(
            token, Msg(note).text(lang_of(request)) if note in ("logged_out",) else "",
            lang_of(request)))
        set_cookie(response, LOGIN_COOKIE, token, 600)
        return keep_lang(request, response)

    async def login(request: Request) -> Response:
        if not same_origin(request):
            return await refuse(request, "anonymous", "console.login", "-", 403,
                                Msg("login_forged"))
        try:
            form = parse_qs((await body_of(request)).decode("utf-8", "replace"))
        except _Refused as exc:
            return await refuse(request, "anonymous", "console.login", "-", exc.status,
                                exc.message)
        name = (form.get("name") or [""])[0][:64]
        password = (form.get("password") or [""])[0][:1024]
        token, cookie = (form.get("login_token") or [""])[0], request.cookies.get(LOGIN_COOKIE)
        if not token or cookie is None or not equal(token, cookie):
            return await refuse(request, name or "anonymous", "console.login", name or "-",
                                403, Msg("login_expired"))
        locked = guard.locked(name)
        if locked:
            await service.audit(name, "console.login", name, "locked",
                                seconds_left=round(locked))
            return HTMLResponse(pages.login(token, Msg("locked_for", {
                "min": int(locked // 60) + 1}).text(lang_of(request)), lang_of(request)),
                status_code=429)
        operator = await asyncio.to_thread(accounts.check, name, password)
        if operator is None:
            now_locked = guard.failed(name)
            await service.audit(name, "console.login", name, "failed",
                                locked=now_locked)
            message = Msg("locked" if now_locked else "wrong_password").text(lang_of(request))
            return HTMLResponse(pages.login(token, message, lang_of(request)),
                                status_code=401)
        guard.succeeded(name)
        session = sessions.create(operator)
        await service.audit(name, "console.login", name, "ok", role=operator.role.value)
        response = RedirectResponse("/", status_code=303)
        set_cookie(response, SESSION_COOKIE, session.token, None)
        response.delete_cookie(LOGIN_COOKIE, path="/", secure=True, httponly=True,
                               samesite="strict")
        return response

    async def logout(request: Request) -> Response:
        checked = await state_change(request, "console.logout")
        if isinstance(checked, Response):
            return checked
        session, _ = checked
        sessions.end(session.token)
        await service.audit(session.operator.name, "console.logout", session.operator.name,
                            "ok")
        response = RedirectResponse("/login?m=logged_out", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True,
                               samesite="strict")
        return response

    # ---- pages and reads ------------------------------------------------------------

    def reader(handler: Callable[[Request, Session], Awaitable[Response]]
               ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            session = session_of(request)
            if session is None:
                if request.url.path.startswith("/api/") or request.url.path == "/events":
                    return answer(request, 401, Msg("not_logged_in"))
                return RedirectResponse("/login", status_code=303)
            return await handler(request, session)
        return endpoint

    async def home(request: Request, session: Session) -> Response:
        op = session.operator
        summary = service.tree_summary(op)
        page = pages.home(op, session.csrf, summary, lang=lang_of(request),
                          runbook=board is not None,
                          can_switch=service.may(op, Action.MCU_CONTROL,
                                                 op.scope or service.cascade.chair))
        return keep_lang(request, HTMLResponse(page))

    async def api_tree(request: Request, session: Session) -> Response:
        return JSONResponse(service.tree_summary(session.operator))

    async def api_province(request: Request, session: Session) -> Response:
        pid = request.path_params["pid"]
        try:
            return JSONResponse(service.province_detail(session.operator, pid))
        except KeyError:
            return answer(request, 404, Msg("no_site", {"site": repr(pid)}))
        except AccessDenied:
            return await refuse(request, session.operator.name, "console.view", pid, 403,
                                Msg("outside_area", {"site": pid}))

    async def api_search(request: Request, session: Session) -> Response:
        q = request.query_params.get("q", "")[:200]
        return JSONResponse({"query": q, "sites": service.search(session.operator, q)})

    async def api_switch(request: Request) -> Response:
        checked = await state_change(request, "console.switch")
        if isinstance(checked, Response):
            return checked
        session, body = checked
        op = session.operator
        try:
            data = json.loads(body)
            site = data["site"]
            if not isinstance(site, str) or not 0 < len(site) <= 64:
                raise ValueError("site")
        except (ValueError, KeyError, TypeError):
            return await refuse(request, op.name, "console.switch", "-", 400,
                                Msg("bad_switch"))
        if site not in service.names:
            return await refuse(request, op.name, "console.switch", site, 404,
                                Msg("no_site", {"site": repr(site)}))
        try:
            trace = await service.switch_to(op, site)
        except AccessDenied:  # already audited by the switch path
            return answer(request, 403, Msg("switch_refused", {"site": site}))
        except ConfigError as exc:
            return await refuse(request, op.name, "console.switch", site, 400,
                                Msg("switch_cannot", {"error": exc.message}))
        except HnthError as exc:
            await service.audit(op.name, "console.switch", site, "failed", reason=str(exc))
            return answer(request, 502, Msg("switch_failed", {"error": exc}))
        return JSONResponse(trace_json(trace, service.names))

    async def api_rooms(request: Request, session: Session) -> Response:
        return JSONResponse({"rooms": service.rooms(session.operator)})

    async def api_preset(request: Request) -> Response:
        checked = await state_change(request, "camera.preset")
        if isinstance(checked, Response):
            return checked
        session, body = checked
        op = session.operator
        try:
            data = json.loads(body)
            site, camera, preset = data["site"], data.get("camera", 1), data["preset"]
            if not (isinstance(site, str) and isinstance(preset, str)
                    and isinstance(camera, int) and 0 < len(site) <= 64
                    and 0 < len(preset) <= 64 and 1 <= camera <= 16):
                raise ValueError("fields")
        except (ValueError, KeyError, TypeError, AttributeError):
            return await refuse(request, op.name, "camera.preset", "-", 400,
                                Msg("bad_preset"))
        if site not in service.names:
            return await refuse(request, op.name, "camera.preset", site, 404,
                                Msg("no_site", {"site": repr(site)}))
        try:
            took = await service.recall_preset(op, site, camera, preset)
        except AccessDenied:
            return answer(request, 403, Msg("preset_refused", {"site": site}))
        except KeyError:
            return answer(request, 404, Msg("no_preset", {"camera": camera, "site": site,
                                                          "preset": repr(preset)}))
        except HnthError as exc:
            return answer(request, 502, Msg("preset_failed", {"error": exc}))
        return JSONResponse({"site": site, "camera": camera, "preset": preset,
                             "ms": round(took * 1000, 1)})

    async def events(request: Request, session: Session) -> Response:
        async def stream() -> AsyncIterator[bytes]:
            async with service.hub.subscribe(session.operator) as queue:
                yield b"retry: 2000\n\n"
                while True:
                    try:
                        event = await asyncio.wait_for(queue.get(), 15.0)
                    except TimeoutError:
                        yield b": keep-alive\n\n"
                        continue
                    if event["type"] == "_end" or sessions.get(session.token) is None:
                        return  # the console stops, or logged out: the feed ends
                    data = json.dumps(event, ensure_ascii=False)
                    yield f"event: {event['type']}\ndata: {data}\n\n".encode()

        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"x-accel-buffering": "no"})

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await service.start()
        watcher = asyncio.create_task(board.watch()) if board is not None else None
        try:
            yield
        finally:
            if watcher is not None:
                watcher.cancel()
            await service.stop()

    web = Web(answer=answer, refuse=refuse, state_change=state_change, lang_of=lang_of,
              keep_lang=keep_lang)
    routes = [
        Route("/login", login_page, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/", reader(home), methods=["GET"]),
        Route("/api/tree", reader(api_tree), methods=["GET"]),
        Route("/api/province/{pid}", reader(api_province), methods=["GET"]),
        Route("/api/search", reader(api_search), methods=["GET"]),
        Route("/api/switch", api_switch, methods=["POST"]),
        Route("/api/rooms", reader(api_rooms), methods=["GET"]),
        *runbook_routes(board, web, reader),
        Route("/api/preset", api_preset, methods=["POST"]),
        *readiness_routes(service, web, reader),
        Route("/events", reader(events), methods=["GET"]),
        Mount("/static", StaticFiles(directory=_STATIC), name="static"),
    ]
    return SecurityHeaders(Starlette(routes=routes, lifespan=lifespan), https=https)
