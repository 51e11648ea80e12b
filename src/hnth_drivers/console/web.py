"""What the console's route modules share with the application (:mod:`.app`): how to
answer, refuse (audited), check a state change, and pick and keep the language."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from .accounts import Session
from .i18n import Msg

__all__ = ["Handler", "Web"]

Handler = Callable[[Request, Session], Awaitable[Response]]
"""A page or read behind the login: the request and its session."""


@dataclass(frozen=True, slots=True)
class Web:
    """The application's request helpers (built by :func:`~.app.build_app`)."""

    answer: Callable[[Request, int, Msg], Response]
    """An error answer in the page's language (JSON for the API)."""
    refuse: Callable[..., Awaitable[Response]]
    """``refuse(request, who, action, target, status, msg, **detail)``: audited, answered."""
    state_change: Callable[[Request, str], Awaitable[tuple[Session, bytes] | Response]]
    """The checks every POST passes (session, origin, size, CSRF, request id)."""
    lang_of: Callable[[Request], str]
    """The page's language."""
    keep_lang: Callable[[Request, Response], Response]
    """Keep a language chosen with ``?lang=`` in its cookie."""
