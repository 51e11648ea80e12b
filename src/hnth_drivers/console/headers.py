"""Security headers on every console response (ASGI middleware).

A strict Content-Security-Policy (this origin only, no inline script, no framing, forms
post here only; a response that sets a policy of its own keeps it),
``X-Frame-Options: DENY``, ``nosniff``, ``Referrer-Policy: same-origin`` (``no-referrer``
would make browsers send ``Origin: null`` with the login form, which the same-origin
check refuses), ``Cache-Control: no-store`` and, over HTTPS, HSTS.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CSP", "SecurityHeaders"]

CSP = (b"default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
       b"form-action 'self'; base-uri 'none'")
"""The policy of every page that does not bring a stricter one of its own."""


class SecurityHeaders:
    """Security headers on every response."""

    def __init__(self, app: ASGIApp, *, https: bool) -> None:
        self.app, self.https = app, https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(k == b"content-security-policy" for k, _ in headers):
                    headers.append((b"content-security-policy", CSP))
                headers += [
                    (b"x-frame-options", b"DENY"), (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"), (b"cache-control", b"no-store")]
                if self.https:
                    headers.append((b"strict-transport-security", b"max-age=31536000"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
