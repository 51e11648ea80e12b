"""UDP endpoints for unencrypted device protocols (VISCA over IP): waiver required."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from ..errors import ConnectError
from ..security.policy import SecurityPolicy, WaiverKind

__all__ = ["open_udp"]

P = TypeVar("P", bound=asyncio.DatagramProtocol)


async def open_udp(
    policy: SecurityPolicy,
    host: str,
    port: int,
    protocol_factory: Callable[[], P],
    *,
    device: str | None = None,
    kind: WaiverKind = WaiverKind.VISCA_IP,
) -> tuple[asyncio.DatagramTransport, P]:
    """A connected datagram endpoint to ``host:port``, allowed only under a waiver."""
    label = device or f"{host}:{port}"
    policy.require_waiver(label, kind, "open udp")
    loop = asyncio.get_running_loop()
    try:
        return await loop.create_datagram_endpoint(protocol_factory, remote_addr=(host, port))
    except OSError as exc:
        raise ConnectError("cannot open the UDP endpoint", device=label, operation="open udp",
                           got=exc.strerror or type(exc).__name__) from None
