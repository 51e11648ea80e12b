"""The simulated PTZ camera: power, pan/tilt/zoom that move over time, presets.

Pure state driven by a clock (``now`` is passed in, in seconds), so it is tested without
sleeping. A move takes time in proportion to distance and speed; ``travel_scale``
stretches or shrinks every move (0: moves are instantaneous).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hnth_drivers.errors import ConfigError
from hnth_drivers.vcs.visca.profiles import GENERIC, CameraProfile

__all__ = ["Axis", "CameraModel", "Rates"]


@dataclass(frozen=True, slots=True)
class Rates:
    """How fast the mechanics move, in position units per second per speed step."""

    pan_per_speed: float = 50.0
    tilt_per_speed: float = 50.0
    zoom_per_speed: float = 1000.0  # variable zoom speed p moves (p + 1) × this
    zoom_direct: float = 8000.0     # direct zoom runs at full speed


class Axis:
    """One mechanical axis: where it is, and where it is going how fast."""

    def __init__(self, lo: int, hi: int, value: int = 0) -> None:
        self.lo, self.hi = lo, hi
        self._origin = float(min(max(value, lo), hi))
        self._t0 = 0.0
        self._velocity = 0.0
        self._target: float | None = None

    def value(self, now: float) -> int:
        """The position at ``now`` (whole units, within the range)."""
        if self._velocity == 0.0:
            return round(self._origin)
        v = self._origin + self._velocity * (now - self._t0)
        if self._target is not None and (v - self._target) * self._velocity >= 0:
            v = self._target
        return round(min(max(v, self.lo), self.hi))

    def at(self, target: int) -> bool:
        """Standing still at ``target``."""
        return self._velocity == 0.0 and self._origin == target

    def go(self, now: float, target: int, rate: float) -> float:
        """Travel to ``target`` at ``rate`` units/s (inf: at once); returns the duration."""
        if self._velocity == 0.0 and self._origin == target:
            self._t0 = now
            return 0.0  # already there (a preset recalled twice)
        start = self.value(now)
        target = min(max(target, self.lo), self.hi)
        self._t0 = now
        if math.isinf(rate) or start == target:
            self._origin, self._velocity, self._target = float(target), 0.0, None
            return 0.0
        self._origin = float(start)
        self._velocity = math.copysign(rate, target - start)
        self._target = float(target)
        return abs(target - start) / rate

    def drive(self, now: float, direction: int, rate: float) -> None:
        """Travel towards one end (``direction`` ±1) until stopped, or stop (0)."""
        if direction == 0 or rate <= 0:
            self.halt(now)
            return
        end = self.hi if direction > 0 else self.lo
        self.go(now, end, rate)

    def halt(self, now: float) -> None:
        """Stop where the axis is."""
        self._origin, self._t0 = float(self.value(now)), now
        self._velocity, self._target = 0.0, None


class CameraModel:
    """A camera's state. Motion methods return how long the move takes (seconds)."""

    def __init__(self, profile: CameraProfile = GENERIC, *, rates: Rates | None = None,
                 travel_scale: float = 1.0) -> None:
        if travel_scale < 0 or math.isnan(travel_scale):
            raise ConfigError("travel_scale must be 0 or more", operation="CameraModel",
                              got=repr(travel_scale))
        self.profile = profile
        self.rates = rates or Rates()
        self.travel_scale = travel_scale
        self.powered = True
        self.pan = Axis(*profile.pan)
        self.tilt = Axis(*profile.tilt)
        self.zoom = Axis(*profile.zoom)
        self.presets: dict[int, tuple[int, int, int]] = {}

    def _rate(self, per_second: float) -> float:
        return math.inf if self.travel_scale == 0 else per_second / self.travel_scale

    def position(self, now: float) -> tuple[int, int, int]:
        """(pan, tilt, zoom) at ``now``."""
        return self.pan.value(now), self.tilt.value(now), self.zoom.value(now)

    def set_power(self, on: bool, now: float) -> None:
        """Power on, or standby (standby stops every motion)."""
        if not on:
            self.halt(now)
        self.powered = on

    def halt(self, now: float) -> None:
        """Stop all three axes."""
        for axis in (self.pan, self.tilt, self.zoom):
            axis.halt(now)

    def pan_tilt_to(self, now: float, pan: int, tilt: int, pan_speed: int,
                    tilt_speed: int) -> float:
        """Absolute pan/tilt move at the given speeds."""
        return max(self.pan.go(now, pan, self._rate(pan_speed * self.rates.pan_per_speed)),
                   self.tilt.go(now, tilt, self._rate(tilt_speed * self.rates.tilt_per_speed)))

    def pan_tilt_by(self, now: float, pan: int, tilt: int, pan_speed: int,
                    tilt_speed: int) -> float:
        """Relative pan/tilt move from where the camera is."""
        here_pan, here_tilt, _ = self.position(now)
        return self.pan_tilt_to(now, here_pan + pan, here_tilt + tilt, pan_speed, tilt_speed)

    def drive(self, now: float, pan_dir: int, tilt_dir: int, pan_speed: int,
              tilt_speed: int) -> None:
        """Continuous pan/tilt drive (directions -1, 0, +1 each)."""
        self.pan.drive(now, pan_dir, self._rate(pan_speed * self.rates.pan_per_speed))
        self.tilt.drive(now, tilt_dir, self._rate(tilt_speed * self.rates.tilt_per_speed))

    def zoom_drive(self, now: float, direction: int, speed: int) -> None:
        """Continuous zoom: +1 tele, -1 wide, 0 stop."""
        self.zoom.drive(now, direction, self._rate((speed + 1) * self.rates.zoom_per_speed))

    def zoom_to(self, now: float, position: int) -> float:
        """Direct zoom at full speed."""
        return self.zoom.go(now, position, self._rate(self.rates.zoom_direct))

    def home(self, now: float) -> float:
        """Pan/tilt to 0, 0 at full speed."""
        return self.pan_tilt_to(now, 0, 0, self.profile.pan_speed[1],
                                self.profile.tilt_speed[1])

    def store(self, now: float, preset: int) -> None:
        """Remember the current position as ``preset``."""
        self.presets[preset] = self.position(now)

    def forget(self, preset: int) -> None:
        """Erase ``preset``."""
        self.presets.pop(preset, None)

    def recall(self, now: float, preset: int) -> float:
        """Go to ``preset`` at full speed (an unset preset is home, as on Sony cameras)."""
        pan, tilt, zoom = self.presets.get(preset, (0, 0, 0))
        if self.pan.at(pan) and self.tilt.at(tilt) and self.zoom.at(zoom):
            return 0.0  # already there: nothing moves
        travel = self.pan_tilt_to(now, pan, tilt, self.profile.pan_speed[1],
                                  self.profile.tilt_speed[1])
        return max(travel, self.zoom_to(now, zoom))
