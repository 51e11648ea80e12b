"""Short fixed sessions (``hnth record codec|camera --scripted``), and what they returned.

Each runs the everyday operations of a device once, in a fixed order, and returns the
results with nothing that depends on where the device is (its label): a recording of the
session, replayed, gives the same list. Shorter than the conformance kit, and it does not
store over presets other than ``preset``.
"""

from __future__ import annotations

import dataclasses

from ..model import CameraPosition, Capability, SignalProtocol
from ..vcs.base import Camera, Codec

__all__ = ["camera_session", "codec_session"]


async def codec_session(codec: Codec, number: str = "5551234", preset: int = 3,
                        ) -> list[object]:
    """Status (calls, microphones), mute round trip, dial ``number``, the call list,
    camera 1's position, preset store and recall, hang up, calls, health."""
    seen: list[object] = [await codec.calls(), await codec.microphones_muted()]
    await codec.mute_microphones(True)
    seen.append(await codec.microphones_muted())
    await codec.mute_microphones(False)
    call = await codec.dial(number, SignalProtocol.H323)
    seen += [call.call_id, call.number, [c.call_id for c in await codec.calls()]]
    camera = codec.camera(1)
    if camera.supports(Capability.POSITION):
        seen.append(await camera.position())
    if camera.supports(Capability.PRESETS):
        await camera.store_preset(preset)
        await camera.recall_preset(preset)
    await codec.hang_up()
    seen.append(await codec.calls())
    seen.append(dataclasses.replace(await codec.health(), device="codec"))
    return seen


async def camera_session(camera: Camera, preset: int = 2,
                         target: CameraPosition = CameraPosition(pan=100, tilt=50, zoom=0),
                         ) -> list[object]:
    """Power state, position, move to ``target``, store ``preset``, home, recall it, zoom:
    the positions seen on the way."""
    seen: list[object] = [await camera.is_powered(), await camera.position()]
    await camera.move_to(target)
    seen.append(await camera.position())
    await camera.store_preset(preset)
    await camera.home()
    seen.append(await camera.position())
    await camera.recall_preset(preset)
    seen.append(await camera.position())
    await camera.zoom_to(target.zoom + 300)
    seen.append(await camera.position())
    return seen
