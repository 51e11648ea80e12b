"""Rooms and their camera presets on the console: offered by name from the network file,
recalled through the room's camera driver with room control over the site, authorised
and audited as ``camera.preset`` (refusals too), like ``hnth camera preset``."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from ..errors import AccessDenied, HnthError
from ..errors import DeviceTimeout as HnthTimeout
from ..security.access import Action, Operator, authorize

if TYPE_CHECKING:
    from .service import ConsoleService

__all__ = ["recall_preset", "rooms"]


def rooms(service: ConsoleService, operator: Operator) -> list[dict[str, object]]:
    """The rooms with cameras the operator sees, their presets by camera."""
    out: list[dict[str, object]] = []
    for entry in service.network.sites:
        if entry.room is None or not entry.room.cameras or not service.sees(operator,
                                                                         entry.id):
            continue
        out.append({"site": entry.id, "name": entry.site.name,
                    "can_control": service.may(operator, Action.ROOM_CONTROL, entry.id),
                    "cameras": [{"camera": n, "model": c.model,
                                 "presets": sorted(c.presets, key=c.presets.__getitem__)}
                                for n, c in enumerate(entry.room.cameras, start=1)]})
    return out


async def recall_preset(service: ConsoleService, operator: Operator, site: str,
                        camera: int, preset: str) -> float:
    """Recall a named preset of a room's camera for ``operator`` (room control over
    the site, authorised and audited like ``hnth camera preset``); the seconds taken.
    Raises AccessDenied, KeyError (no such room, camera or preset) or HnthError."""
    target = f"camera:{site}/{camera}"

    async def record(result: str, **detail: object) -> None:
        await service.audit(operator.name, "camera.preset", target, result, preset=preset,
                         **detail)

    try:
        authorize(operator, Action.ROOM_CONTROL, site, service.tree)
    except AccessDenied as exc:
        await record("denied", reason=exc.message)
        raise
    entry = service.network.site(site)
    cameras = entry.room.cameras if entry.room else ()
    if not 1 <= camera <= len(cameras) or preset not in cameras[camera - 1].presets:
        await record("refused", reason="no such camera or preset in the network file")
        raise KeyError(target)
    t0 = time.perf_counter()
    try:
        async with asyncio.timeout(service.mcu_timeout_s):
            driver = await service.fleet.camera(site, camera)
            await driver.recall(preset)
    except TimeoutError:
        await record("failed", error=f"no answer within {service.mcu_timeout_s:g} s")
        raise HnthTimeout("no answer", device=target, operation="recall preset",
                          expected=f"done within {service.mcu_timeout_s:g} s") from None
    except HnthError as exc:
        await record("failed", error=str(exc))
        raise
    took = time.perf_counter() - t0
    await record("ok", ms=round(took * 1000, 1))
    return took
