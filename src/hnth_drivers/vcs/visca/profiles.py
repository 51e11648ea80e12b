"""Per-model limits of VISCA cameras, as data a user extends without code.

A profile gives the preset count and the pan/tilt/zoom speed and position ranges. Drivers
refuse an out-of-range argument before anything is sent. Built-in profiles are below;
:func:`load_profiles` reads more from a JSON file of the same shape::

    {"acme-ptz": {"presets": 64, "pan": [-2000, 2000], "tilt": [-500, 1200],
                  "zoom": [0, 16384], "pan_speed": [1, 24], "tilt_speed": [1, 20]}}
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields

from ...documents import load_document
from ...errors import ConfigError
from .commands import PAN_SPEED_MAX, PRESET_MAX, TILT_SPEED_MAX, ZOOM_SPEED_MAX

__all__ = ["GENERIC", "PROFILES", "CameraProfile", "load_profiles", "profile"]

Range = tuple[int, int]


def _range(name: str, field: str, value: object, lo: int, hi: int) -> Range:
    if (not isinstance(value, list | tuple) or len(value) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
            or not lo <= value[0] <= value[1] <= hi):
        raise ConfigError(f"invalid {field} range in camera profile {name!r}",
                          operation="camera profile", expected=f"[low, high] within {lo}..{hi}",
                          got=repr(value))
    return int(value[0]), int(value[1])


@dataclass(frozen=True, slots=True)
class CameraProfile:
    """What one camera model accepts. Presets are numbered ``0 .. presets - 1``."""

    name: str
    presets: int = 16
    pan: Range = (-0x8000, 0x7FFF)
    tilt: Range = (-0x8000, 0x7FFF)
    zoom: Range = (0, 0x4000)
    pan_speed: Range = (1, PAN_SPEED_MAX)
    tilt_speed: Range = (1, TILT_SPEED_MAX)
    zoom_speed: Range = (0, ZOOM_SPEED_MAX)

    def __post_init__(self) -> None:
        if not isinstance(self.presets, int) or not 1 <= self.presets <= PRESET_MAX + 1:
            raise ConfigError(f"invalid preset count in camera profile {self.name!r}",
                              operation="camera profile", expected=f"1..{PRESET_MAX + 1}",
                              got=repr(self.presets))
        for field, lo, hi in (("pan", -0x8000, 0x7FFF), ("tilt", -0x8000, 0x7FFF),
                              ("zoom", 0, 0xFFFF), ("pan_speed", 1, PAN_SPEED_MAX),
                              ("tilt_speed", 1, TILT_SPEED_MAX),
                              ("zoom_speed", 0, ZOOM_SPEED_MAX)):
            object.__setattr__(self, field, _range(self.name, field, getattr(self, field),
                                                   lo, hi))

    @classmethod
    def from_mapping(cls, name: str, data: Mapping[str, object]) -> CameraProfile:
        """A profile from a JSON-like mapping (unknown keys are refused)."""
        known = {f.name for f in fields(cls)} - {"name"}
        unknown = set(data) - known
        if unknown:
            raise ConfigError(f"unknown keys in camera profile {name!r}",
                              operation="camera profile", expected=f"some of {sorted(known)}",
                              got=repr(sorted(unknown)))
        return cls(name, **data)  # type: ignore[arg-type]  # each value is checked above

    def check(self, operation: str, field: str, value: int, bounds: Range) -> int:
        """``value`` if within ``bounds``, else ConfigError naming the model's range."""
        lo, hi = bounds
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise ConfigError(f"{field} out of range for camera model {self.name!r}",
                              operation=operation, expected=f"{lo}..{hi}", got=repr(value))
        return value

    def check_preset(self, operation: str, number: int) -> int:
        """``number`` if this model has such a preset, else ConfigError."""
        return self.check(operation, "preset", number, (0, self.presets - 1))

    @property
    def default_pan_speed(self) -> int:
        """Mid-range pan speed."""
        return (self.pan_speed[0] + self.pan_speed[1]) // 2

    @property
    def default_tilt_speed(self) -> int:
        """Mid-range tilt speed."""
        return (self.tilt_speed[0] + self.tilt_speed[1]) // 2


GENERIC = CameraProfile("generic")
"""Anything the protocol can carry, with 16 presets: the default when the model is unknown."""

PROFILES: dict[str, CameraProfile] = {
    p.name: p for p in (
        GENERIC,
        # Sony EVI-D70: ±170° pan, -30..+90° tilt, 18x optical zoom, 6 presets.
        CameraProfile("sony-evi-d70", presets=6, pan=(-0x08DB, 0x08DB), tilt=(-0x0190, 0x04B0),
                      zoom=(0, 0x4000)),
        CameraProfile("vaddio", presets=16),
        # 256 preset slots, but preset 0xFF would be the frame terminator.
        CameraProfile("huddlecam", presets=PRESET_MAX + 1),
    )
}
"""Built-in profiles by name. Add to it, or merge :func:`load_profiles`."""


def load_profiles(path: str | os.PathLike[str]) -> dict[str, CameraProfile]:
    """Profiles from a JSON file mapping model names to their limits."""
    try:
        data = load_document(path, what="camera profiles", fmt="json")  # depth, nan, ...
    except (OSError, ValueError) as exc:
        raise ConfigError("cannot read camera profiles", device=str(path),
                          operation="load profiles", got=str(exc)[:200]) from None
    if not isinstance(data, dict):
        raise ConfigError("camera profiles must be a JSON object", device=str(path),
                          operation="load profiles", got=type(data).__name__)
    profiles = {}
    for name, spec in data.items():
        if not isinstance(spec, dict):
            raise ConfigError(f"camera profile {name!r} must be a JSON object",
                              device=str(path), operation="load profiles",
                              got=type(spec).__name__)
        profiles[name] = CameraProfile.from_mapping(name, spec)
    return profiles


def profile(name: str) -> CameraProfile:
    """A built-in profile by name; ConfigError lists the known ones."""
    try:
        return PROFILES[name]
    except KeyError:
        raise ConfigError("unknown camera model", operation="camera profile",
                          expected=f"one of {sorted(PROFILES)}", got=repr(name)) from None
