"""Per-model VISCA camera profiles, as data a user extends without code.

A profile gives the pan/tilt position layout (nibble widths of the position inquiry and of
absolute moves, one or two speed bytes), the preset count and the pan/tilt/zoom speed and
position ranges. Drivers refuse an out-of-range argument before anything is sent and
refuse a reply of the wrong width. Built-in profiles are below, each with its source
(docs/visca.md lists them); where the vendor's document gives no figure the profile is
tolerant (anything the protocol carries) and says so. :func:`load_profiles` reads more
from a JSON file of the same shape::

    {"acme-ptz": {"presets": 64, "pan": [-2000, 2000], "tilt": [-500, 1200],
                  "zoom": [0, 16384], "pan_speed": [1, 24], "tilt_speed": [1, 20],
                  "pan_nibbles": 4, "tilt_nibbles": 4, "position_speeds": 2}}
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields

from ...documents import load_document
from ...errors import ConfigError
from .commands import (
    PAN_SPEED_MAX,
    PRESET_MAX,
    TILT_SPEED_MAX,
    ZOOM_SPEED_MAX,
    PositionLayout,
)

__all__ = ["GENERIC", "PROFILES", "CameraProfile", "load_profiles", "profile"]

Range = tuple[int, int]
COMMON_TILT_SPEED_MAX = 0x17
"""The tilt speed most Sony models take (the BRC-H700 takes 18h): the default profile's."""


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
    """What one camera model accepts. Presets are numbered ``0 .. presets - 1``.

    ``pan_nibbles``/``tilt_nibbles`` (4 or 5) are the widths of pan and tilt positions;
    ``position_speeds`` is 2 when absolute/relative moves carry a pan and a tilt speed,
    1 when they carry one speed byte then ``00`` (BRC-H700).
    """

    name: str
    presets: int = 16
    pan: Range = (-0x8000, 0x7FFF)
    tilt: Range = (-0x8000, 0x7FFF)
    zoom: Range = (0, 0x4000)
    pan_speed: Range = (1, PAN_SPEED_MAX)
    tilt_speed: Range = (1, COMMON_TILT_SPEED_MAX)
    zoom_speed: Range = (0, ZOOM_SPEED_MAX)
    pan_nibbles: int = 4
    tilt_nibbles: int = 4
    position_speeds: int = 2

    def __post_init__(self) -> None:
        if (isinstance(self.presets, bool) or not isinstance(self.presets, int)
                or not 1 <= self.presets <= PRESET_MAX + 1):
            raise ConfigError(f"invalid preset count in camera profile {self.name!r}",
                              operation="camera profile", expected=f"1..{PRESET_MAX + 1}",
                              got=repr(self.presets))
        if self.position_speeds not in (1, 2) or isinstance(self.position_speeds, bool):
            raise ConfigError(f"invalid position_speeds in camera profile {self.name!r}",
                              operation="camera profile", expected="1 or 2",
                              got=repr(self.position_speeds))
        try:
            layout = PositionLayout(self.pan_nibbles, self.tilt_nibbles,
                                    one_speed=self.position_speeds == 1)
        except ConfigError as exc:
            raise ConfigError(f"invalid position widths in camera profile {self.name!r}",
                              operation="camera profile", expected="4 or 5 nibbles",
                              got=exc.got) from None
        for field, (lo, hi) in (("pan", layout.bounds("pan")), ("tilt", layout.bounds("tilt")),
                                ("zoom", (0, 0xFFFF)), ("pan_speed", (1, PAN_SPEED_MAX)),
                                ("tilt_speed", (1, TILT_SPEED_MAX)),
                                ("zoom_speed", (0, ZOOM_SPEED_MAX))):
            object.__setattr__(self, field, _range(self.name, field, getattr(self, field),
                                                   lo, hi))

    @property
    def layout(self) -> PositionLayout:
        """How this model carries pan/tilt positions."""
        return PositionLayout(self.pan_nibbles, self.tilt_nibbles,
                              one_speed=self.position_speeds == 1)

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
"""4 + 4 nibbles, anything else the protocol carries, 16 presets: the default when the
model is unknown."""

_WIDE_PAN = (-0x80000, 0x7FFFF)  # what 5 nibbles carry

PROFILES: dict[str, CameraProfile] = {
    p.name: p for p in (
        GENERIC,
        # Sony BRC-300: pan 5 + tilt 4 nibbles and presets 0..5 (BRC-300/P command list,
        # p. 14). Its absolute-move layout is not in that document: inferred to be the
        # BRC-H700's (same family, same widths). Position ranges are not documented.
        CameraProfile("sony-brc-300", presets=6, pan=_WIDE_PAN, pan_nibbles=5,
                      position_speeds=1),
        # Sony BRC-H700: one speed byte then 00, pan 5 + tilt 4 nibbles, speeds 01..18h,
        # pan ends 08A58h/F75A8h, tilt ends 493Dh/E796h (BRC-H700 command list, p. 12).
        # Its preset count is not in that document: anything the protocol carries.
        CameraProfile("sony-brc-h700", presets=PRESET_MAX + 1, pan=(-0x8A58, 0x8A58),
                      tilt=(-0x186A, 0x493D), tilt_speed=(1, 0x18), pan_nibbles=5,
                      position_speeds=1),
        # Sony EVI-D70: 4 + 4 nibbles, 6 presets; ranges from the EVI-D70 technical
        # manual as an earlier survey read it (not re-checked page by page).
        CameraProfile("sony-evi-d70", presets=6, pan=(-0x08DB, 0x08DB), tilt=(-0x0190, 0x04B0),
                      zoom=(0, 0x4000)),
        # Vaddio: 16 presets (secondary source); 4 + 4 nibbles.
        CameraProfile("vaddio", presets=16),
        # HuddleCam-style clones: 4 + 4 nibbles with a pan and a tilt speed (HuddleCam
        # HC20X manual, p. 39, tilt speed up to 14h); 256 preset slots, but preset 0xFF
        # would be the frame terminator.
        CameraProfile("huddlecam", presets=PRESET_MAX + 1, tilt_speed=(1, 0x14)),
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
