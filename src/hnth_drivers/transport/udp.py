"""UDP endpoints for unencrypted device protocols (VISCA over IP): waiver required.

While :data:`udp_hook` is set (record and replay, :mod:`hnth_drivers.testing`),
:func:`open_udp` hands it the device, the opening it would do and the protocol factory: a
recorder opens the endpoint that way (the waiver is required and audited as usual) and
wraps it; a replay answers from a recording and sends nothing on the network, so it asks
for no waiver.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import TypeVar, cast

from ..errors import ConnectError
from ..security.policy import SecurityPolicy, WaiverKind

__all__ = ["UdpHook", "UdpOpen", "open_udp", "udp_hook"]

P = TypeVar("P", bound=asyncio.DatagramProtocol)

Endpoint = tuple[asyncio.DatagramTransport, asyncio.DatagramProtocol]
#: ``open(factory)``: the real endpoint (waiver checked), with the protocol ``factory`` makes.
UdpOpen = Callable[[Callable[[], asyncio.DatagramProtocol]], Awaitable[Endpoint]]
#: ``hook(device, open, factory)``: the endpoint :func:`open_udp` returns; its protocol is
#: the one ``factory`` made.
UdpHook = Callable[[str, UdpOpen, Callable[[], asyncio.DatagramProtocol]], Awaitable[Endpoint]]
#: Set by the recorder and the replay of :mod:`hnth_drivers.testing` (None otherwise).
udp_hook: ContextVar[UdpHook | None] = ContextVar("hnth_udp_hook", default=None)


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

    async def open_real(factory: Callable[[], asyncio.DatagramProtocol]) -> Endpoint:
        policy.require_waiver(label, kind, "open udp")
        loop = asyncio.get_running_loop()
        try:
            return await loop.create_datagram_endpoint(factory, remote_addr=(host, port))
        except OSError as exc:
            raise ConnectError("cannot open the UDP endpoint", device=label,
                               operation="open udp",
                               got=exc.strerror or type(exc).__name__) from None

    hook = udp_hook.get()
    transport, protocol = await (open_real(protocol_factory) if hook is None
                                 else hook(label, open_real, protocol_factory))
    return transport, cast(P, protocol)
