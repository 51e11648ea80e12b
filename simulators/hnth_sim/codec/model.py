"""The simulated room codec: calls with a state machine, microphones, cameras, presets.

Dialect-neutral and thread-safe: the SSH front end calls it from connection threads,
and call-state timers fire from their own threads. Listeners hear every state change
after a call was created (the dialect front ends report the creation themselves, so that
the acknowledgement of ``dial`` always comes before its first event).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

__all__ = ["CallRefused", "CameraState", "CodecModel", "Faults", "SimCall"]

#: Call states, in xAPI spelling (the Poly front end maps them).
DIALLING, CONNECTING, CONNECTED, IDLE = "Dialling", "Connecting", "Connected", "Idle"

PAN_RANGE = (-10000, 10000)
TILT_RANGE = (-2500, 2500)
ZOOM_RANGE = (0, 11800)


class CallRefused(Exception):
    """The number cannot be reached; ``reason`` is what the codec reports."""

    def __init__(self, call_id: int, reason: str) -> None:
        super().__init__(reason)
        self.call_id = call_id
        self.reason = reason


@dataclass
class SimCall:
    """One call of the simulated codec."""

    call_id: int
    number: str
    protocol: str
    state: str = DIALLING
    speed_kbps: int = 384


@dataclass
class CameraState:
    """Pan/tilt/zoom of one camera, with an optional ramp in progress."""

    pan: int = 0
    tilt: int = 0
    zoom: int = 0
    ramp: tuple[int, int, int, float] | None = None   # pan dir, tilt dir, zoom dir, start


@dataclass
class Faults:
    """Injectable misbehaviour. Counters are consumed one reply (or connection) at a time."""

    disconnect_mid_reply: int = 0
    garbage_line: int = 0
    refuse_connections: int = 0
    silent: bool = False
    slow_reply_s: float = 0.0
    interleave_events: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def take(self, name: str) -> bool:
        """Consume one unit of a counted fault; whether it applies now."""
        with self.lock:
            count = getattr(self, name)
            if count > 0:
                setattr(self, name, count - 1)
                return True
            return False


Listener = Callable[[SimCall, str], None]


def _clamp(value: int, bounds: tuple[int, int]) -> int:
    return max(bounds[0], min(bounds[1], value))


class CodecModel:
    """State of one simulated codec."""

    def __init__(self, *, connect_delay_s: float = 0.05,
                 unreachable: frozenset[str] = frozenset({"0000", "unreachable"}),
                 cameras: int = 2, site_names: Mapping[str, str] | None = None) -> None:
        self.connect_delay_s = connect_delay_s
        #: Far-site names by number (Poly lists a call's name only when it is known).
        self.site_names = dict(site_names or {})
        self.unreachable = unreachable
        self.started = time.monotonic()
        self.microphones_muted = False
        self.volume = 50
        self.layout = "auto"
        self.cameras = {n: CameraState() for n in range(1, cameras + 1)}
        self.presets: dict[int, tuple[int, int, int, int, str | None]] = {}
        self._calls: dict[int, SimCall] = {}
        self._next_id = 1
        self._timers: dict[int, threading.Timer] = {}
        self._listeners: list[Listener] = []
        self._lock = threading.RLock()
        self._closed = False

    # -- listeners -----------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> None:
        """Hear call-state changes: ``listener(call, old_state)``."""
        with self._lock:
            self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        """Stop hearing changes (a closed session)."""
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def _notify(self, call: SimCall, old: str) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener(call, old)

    # -- calls ---------------------------------------------------------------------------
    def dial(self, number: str, protocol: str) -> SimCall:
        """Start a call; raises CallRefused for an unreachable number."""
        with self._lock:
            call_id = self._next_id
            self._next_id += 1
            if number in self.unreachable or number.startswith("999"):
                raise CallRefused(call_id, "Not found")
            call = SimCall(call_id, number, protocol)
            self._calls[call_id] = call
            self._schedule(call, CONNECTING, self.connect_delay_s / 2)
            return call

    def _schedule(self, call: SimCall, state: str, delay: float) -> None:
        if self._closed:
            return
        timer = threading.Timer(delay, self._advance, (call.call_id, state))
        timer.daemon = True
        self._timers[call.call_id] = timer
        timer.start()

    def _advance(self, call_id: int, state: str) -> None:
        with self._lock:
            call = self._calls.get(call_id)
            if call is None or self._closed:
                return
            old, call.state = call.state, state
            if state == CONNECTING:
                self._schedule(call, CONNECTED, self.connect_delay_s / 2)
            else:
                self._timers.pop(call_id, None)
        self._notify(call, old)

    def calls(self) -> list[SimCall]:
        """The active calls, by id."""
        with self._lock:
            return [SimCall(c.call_id, c.number, c.protocol, c.state, c.speed_kbps)
                    for c in sorted(self._calls.values(), key=lambda c: c.call_id)]

    def hang_up(self, call_id: int) -> bool:
        """End one call; False if there is no such call."""
        with self._lock:
            call = self._calls.pop(call_id, None)
            timer = self._timers.pop(call_id, None)
        if timer is not None:
            timer.cancel()
        if call is None:
            return False
        old, call.state = call.state, IDLE
        self._notify(call, old)
        return True

    def hang_up_all(self) -> int:
        """End every call; how many there were."""
        ids = [c.call_id for c in self.calls()]
        return sum(self.hang_up(i) for i in ids)

    # -- cameras -------------------------------------------------------------------------
    def camera(self, number: int) -> CameraState:
        """Camera ``number`` (KeyError if the room has no such camera)."""
        cam = self.cameras[number]
        self._settle(cam)
        return cam

    def _settle(self, cam: CameraState, stop: bool = False) -> None:
        with self._lock:
            if cam.ramp is None:
                return
            pan_dir, tilt_dir, zoom_dir, start = cam.ramp
            now = time.monotonic()
            steps = int((now - start) * 1000)
            cam.pan = _clamp(cam.pan + pan_dir * steps, PAN_RANGE)
            cam.tilt = _clamp(cam.tilt + tilt_dir * steps, TILT_RANGE)
            cam.zoom = _clamp(cam.zoom + zoom_dir * steps, ZOOM_RANGE)
            cam.ramp = None if stop or not (pan_dir or tilt_dir or zoom_dir) else (
                pan_dir, tilt_dir, zoom_dir, now)

    def ramp(self, number: int, pan: int, tilt: int, zoom: int) -> None:
        """Start (or with zeros, stop) a motion; ``pan/tilt/zoom`` are -1, 0 or 1 × speed."""
        cam = self.camera(number)       # settles the motion so far
        with self._lock:
            cam.ramp = (pan, tilt, zoom, time.monotonic()) if (pan or tilt or zoom) else None

    def ramp_dirs(self, number: int) -> tuple[int, int, int]:
        """The pan, tilt and zoom rates of the motion in progress (zeros when still)."""
        cam = self.camera(number)
        with self._lock:
            return cam.ramp[:3] if cam.ramp is not None else (0, 0, 0)

    def position_set(self, number: int, pan: int, tilt: int, zoom: int | None = None) -> None:
        """Go to an absolute position (clamped to the camera's range)."""
        cam = self.camera(number)
        with self._lock:
            cam.ramp = None
            cam.pan, cam.tilt = _clamp(pan, PAN_RANGE), _clamp(tilt, TILT_RANGE)
            if zoom is not None:
                cam.zoom = _clamp(zoom, ZOOM_RANGE)

    def preset_store(self, preset: int, number: int, name: str | None = None) -> None:
        """Store camera ``number``'s position as ``preset``."""
        cam = self.camera(number)
        with self._lock:
            self.presets[preset] = (number, cam.pan, cam.tilt, cam.zoom, name)

    def preset_activate(self, preset: int) -> bool:
        """Move the preset's camera to it; False if the preset was never stored."""
        with self._lock:
            stored = self.presets.get(preset)
        if stored is None:
            return False
        number, pan, tilt, zoom, _ = stored
        self.position_set(number, pan, tilt, zoom)
        return True

    def uptime_s(self) -> int:
        """Whole seconds since the simulator started."""
        return int(time.monotonic() - self.started)

    def close(self) -> None:
        """Cancel pending state changes."""
        with self._lock:
            self._closed = True
            timers = list(self._timers.values())
            self._timers.clear()
        for timer in timers:
            timer.cancel()
