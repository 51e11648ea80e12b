"""Serving the console with uvicorn until told to stop.

uvicorn's own signal handling re-raises SIGTERM after a graceful shutdown (the process
then dies of the signal); the console handles SIGINT/SIGTERM itself instead, so that
``kill`` ends it cleanly with exit status 0.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator

import uvicorn
from starlette.types import ASGIApp

from .tls import ConsoleTls

__all__ = ["serve"]


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # the caller's stop event ends the server (see the module docstring)


async def serve(app: ASGIApp, *, host: str, port: int, tls: ConsoleTls | None,
                stop: asyncio.Event, on_ready: Callable[[str], None],
                on_stop: Callable[[], None] | None = None) -> None:
    """Serve ``app`` (HTTPS unless ``tls`` is None) until ``stop`` is set; ``on_ready``
    gets the console's base URL once it listens, ``on_stop`` is called first on the way
    out (to end long-lived streams, which a graceful shutdown waits for)."""
    config = uvicorn.Config(
        app, host=host, port=port, log_level="warning", access_log=False, lifespan="on",
        timeout_graceful_shutdown=2, server_header=False,
        ssl_certfile=str(tls.cert) if tls else None, ssl_keyfile=str(tls.key) if tls else None)
    server = _Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            await task
            raise RuntimeError("the console did not start (see the messages above)")
        await asyncio.sleep(0.02)
    sock = server.servers[0].sockets[0]
    bound_port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    on_ready(f"{'https' if tls else 'http'}://{shown}:{bound_port}/")
    stopper = asyncio.create_task(stop.wait())
    await asyncio.wait([task, stopper], return_when=asyncio.FIRST_COMPLETED)
    if on_stop is not None:
        on_stop()
    server.should_exit = True
    stopper.cancel()
    await task
