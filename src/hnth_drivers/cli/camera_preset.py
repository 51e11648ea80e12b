"""``hnth camera preset SITE NAME``: recall a room's named preset, from the network file.

The camera (``--camera N``, default 1, in the file's order) is built by the registry
driver the network file names; NAME is one of the room's preset names (or a number).
Room control over SITE is authorised for ``--operator`` and audited, refusals too.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import typer

from .camera import camera_app
from .common import console, typed_errors
from .fleet_options import JSON_OPT, NETWORK_OPT, OPERATOR_OPT, fleet_from, operator_from

__all__ = ["camera_preset"]


@camera_app.command("preset")
def camera_preset(
    site: str = typer.Argument(..., help="The site whose room camera moves."),
    name: str = typer.Argument(..., help="A preset name of that room (or its number)."),
    camera: int = typer.Option(1, "--camera", min=1, help="Which camera of the room."),
    network: Path | None = NETWORK_OPT, operator: str | None = OPERATOR_OPT,
    as_json: bool = JSON_OPT,
) -> None:
    """Recall preset NAME on SITE's camera (authorised for the operator, audited)."""
    from ..errors import AccessDenied, HnthError
    from ..security.access import Action, authorize

    fleet = fleet_from(network)
    op = operator_from(fleet, operator)
    target = f"camera:{site}/{camera}"

    def record(result: str, detail: dict[str, object]) -> None:
        if fleet.audit is not None:
            fleet.audit.append(actor=op.name, action="camera.preset", target=target,
                               result=result, detail={"preset": name, **detail})

    async def run() -> float:
        async with fleet:
            try:
                authorize(op, Action.ROOM_CONTROL, site, fleet.tree)
            except AccessDenied as exc:
                await asyncio.to_thread(record, "denied", {"reason": exc.message})
                raise
            t0 = time.perf_counter()
            try:
                driver = await fleet.camera(site, camera)
                await driver.recall(int(name) if name.isdigit() else name)
            except HnthError as exc:
                await asyncio.to_thread(record, "failed", {"error": str(exc)})
                raise
            took = time.perf_counter() - t0
            await asyncio.to_thread(record, "ok", {"ms": round(took * 1000, 1)})
            return took

    with typed_errors():
        took = asyncio.run(run())
    if as_json:
        typer.echo(json.dumps({"site": site, "camera": camera, "preset": name,
                               "ms": round(took * 1000, 1), "ok": True}))
    else:
        console.print(f"{target}: preset {name} recalled in {took * 1000:.0f} ms",
                      highlight=False)
