"""What every HTTPS front end of the simulated MCU shares: certificates, listening, URLs.

A front end owns its CA and server certificate (``tls_dir``) and one
:class:`~hnth_sim.mcu.http.HttpsServer` on which it mounts its request handler; it is an
async context manager that listens on entry and closes on exit.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import TracebackType
from typing import Self

from hnth_drivers.errors import ConfigError

from .http import HttpRequest, HttpResponse, HttpsServer
from .tls import ensure_tls, server_context

__all__ = ["HttpsFrontEnd"]


class HttpsFrontEnd:
    """Base of ``CodianServer``, ``SmcServer`` and ``NationalSim``: TLS files, one server,
    one handler."""

    def __init__(self, tls_dir: str | os.PathLike[str], *, max_body: int,
                 handler: Callable[[HttpRequest], Awaitable[HttpResponse | None]],
                 idle_timeout: float = 30.0) -> None:
        self.tls = ensure_tls(Path(tls_dir))
        self.http = HttpsServer(server_context(self.tls), max_body=max_body,
                                idle_timeout=idle_timeout)
        self.http.mount(handler)

    @property
    def ca_file(self) -> Path:
        """The CA certificate clients trust."""
        return self.tls.ca_cert

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> tuple[str, int]:
        """Listen; returns the bound address."""
        return await self.http.start(host, port)

    async def close(self) -> None:
        """Stop listening and drop clients."""
        await self.http.close()

    def base_url(self) -> str:
        """``https://host:port`` of the listening socket."""
        if self.http.address is None:
            raise ConfigError("server not started", operation=f"{type(self).__name__}.url")
        host, port = self.http.address
        return f"https://{host}:{port}"

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.close()
