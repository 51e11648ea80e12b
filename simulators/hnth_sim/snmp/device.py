"""Live state of one simulated SNMP-managed device, with fault injection.

State is plain data that tests (and the CLI's drift mode) change while the agent serves it:
reboot, a link going down, CPU load, calls starting and ending, call quality degrading,
the device falling silent. Everything random comes from a seeded ``random.Random`` so a
scenario replays exactly.
"""

from __future__ import annotations

import enum
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from hnth_drivers.errors import ConfigError
from hnth_drivers.monitor.streams import CTPC_STATES, MEDIA_AUDIO, MEDIA_VIDEO

__all__ = ["STREAM_RATES", "SimCall", "SimDevice", "SimInterface", "SimVendor"]


class SimVendor(enum.StrEnum):
    """Which vendor objects a simulated device serves besides MIB-II and our subtree."""

    HNTH = "hnth"                    # our enterprise subtree only
    POLYCOM_CODEC = "polycom-codec"  # + Polycom codec loss / jitter / latency scalars
    POLYCOM_MCU = "polycom-mcu"      # + Polycom RMX active-conference count
    CISCO_TP = "cisco-tp"            # + Cisco TelePresence calls and per-stream statistics


@dataclass
class SimInterface:
    """One network interface: ``up`` maps to ifOperStatus up(1) / down(2)."""

    index: int
    name: str
    up: bool = True


# The CISCO-TELEPRESENCE-CALL-MIB codes are the driver's (hnth_drivers.monitor.streams).
_STATE = {name: code for code, name in CTPC_STATES.items()}
CALL_IN_PROGRESS = _STATE["inProgress"]
CALL_TERMINATED = _STATE["terminatedNormally"]
# Packets per second each simulated stream receives, by CtpcStreamMediaType. The figures
# are plausible, not documented.
STREAM_RATES: dict[int, float] = {MEDIA_VIDEO: 400.0, MEDIA_AUDIO: 50.0}
HISTORY = 8                # ended calls a device keeps listing (as ctpcTable does)


@dataclass
class SimCall:
    """One call and its receive-side quality.

    ``counters`` holds each stream's cumulative packets keyed by media type (1 video,
    2 audio), as of ``counted_at``: ``[received, lost, received fraction, lost fraction]``
    (whole packets as exact ints, so a value near 2**64 stays exact); they advance with the
    device's clock at :data:`STREAM_RATES`, losing the call's loss percentage of each
    media, and wrap at 2**64 as Counter64 does. ``state`` is a CtpcStateCode value.
    """

    index: int
    remote: str
    audio_loss_percent: float = 0.0
    video_loss_percent: float = 0.0
    jitter_ms: float = 0.0
    delay_ms: float = 0.0
    state: int = CALL_IN_PROGRESS
    counters: dict[int, list[float]] = field(default_factory=lambda: {
        media: [0, 0, 0.0, 0.0] for media in STREAM_RATES})
    counted_at: float = 0.0

    def advance(self, now: float) -> None:
        """Count the packets of the time since ``counted_at`` (none once ended)."""
        elapsed, self.counted_at = max(0.0, now - self.counted_at), now
        if self.state == CALL_TERMINATED or not elapsed:
            return
        for media, rate in STREAM_RATES.items():
            loss = (self.audio_loss_percent if media == MEDIA_AUDIO
                    else self.video_loss_percent) / 100
            expected = rate * elapsed
            count = self.counters[media]
            for whole, part, share in ((0, 2, 1.0 - min(1.0, loss)), (1, 3, min(1.0, loss))):
                count[part] += expected * share
                carried = int(count[part])
                count[part] -= carried
                count[whole] = (int(count[whole]) + carried) % 2**64

    def packets(self, media: int) -> tuple[int, int]:
        """(received, lost) packets of one stream so far, as Counter64 values."""
        count = self.counters[media]
        return int(count[0]), int(count[1])


@dataclass
class SimDevice:
    """A managed device: MIB-II system and interfaces, processors, calls.

    Faults: ``silent`` makes the agent drop every request for this device (it looks
    down); ``drop_rate`` drops that fraction of requests; ``reply_delay_s`` ±
    ``reply_jitter_s`` delays each answer; ``answer_with_error`` answers genErr. Random
    choices come from the generator seeded by ``seed`` and the name.
    """

    name: str
    descr: str = "hnth-sim SNMP device"
    vendor: SimVendor = SimVendor.HNTH
    interfaces: list[SimInterface] = field(default_factory=lambda: [
        SimInterface(1, "lan1"), SimInterface(2, "lan2")])
    cpu_loads: list[int] = field(default_factory=lambda: [5, 7])
    calls: dict[int, SimCall] = field(default_factory=dict)
    ended: dict[int, SimCall] = field(default_factory=dict)
    silent: bool = False
    drop_rate: float = 0.0
    reply_delay_s: float = 0.0
    reply_jitter_s: float = 0.0
    answer_with_error: bool = False
    seed: int = 0
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    boot_at: float = field(default=-1.0)
    _rng: random.Random = field(init=False, repr=False)
    _next_call: int = field(default=1, init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.name or len(self.name) > 32 or not self.name.isprintable():
            raise ConfigError("invalid simulated device name", operation="SimDevice",
                              expected="1-32 printable characters", got=repr(self.name))
        if not 0.0 <= self.drop_rate <= 1.0:
            raise ConfigError("invalid drop rate", device=self.name, operation="SimDevice",
                              expected="0.0..1.0", got=repr(self.drop_rate))
        if not (0.0 <= self.reply_jitter_s <= self.reply_delay_s <= 60.0):
            raise ConfigError("invalid reply delay", device=self.name, operation="SimDevice",
                              expected="0 ≤ reply_jitter_s ≤ reply_delay_s ≤ 60",
                              got=f"{self.reply_delay_s}±{self.reply_jitter_s}")
        self.vendor = SimVendor(self.vendor)
        self._rng = random.Random(f"{self.seed}:{self.name}")
        if self.boot_at < 0:
            self.boot_at = self.clock()

    # ---- what the agent reads -------------------------------------------------------
    def uptime_ticks(self) -> int:
        """sysUpTime in hundredths of a second since the last (simulated) boot."""
        return max(0, int((self.clock() - self.boot_at) * 100)) % (2**32)

    def answers(self) -> bool:
        """Whether this request is answered (``False``: dropped, as a silent device)."""
        if self.silent:
            return False
        return not (self.drop_rate and self._rng.random() < self.drop_rate)

    def reply_delay(self) -> float:
        """Seconds to wait before this answer (0: at once)."""
        if self.reply_delay_s <= 0:
            return 0.0
        jitter = self._rng.uniform(-self.reply_jitter_s, self.reply_jitter_s)
        return max(0.0, self.reply_delay_s + jitter)

    # ---- injected changes -----------------------------------------------------------
    def reboot(self) -> None:
        """Restart: uptime starts again from zero and every call is dropped."""
        self.boot_at = self.clock()
        self.calls.clear()
        self.ended.clear()

    def set_link(self, index: int, up: bool) -> None:
        """Set one interface's operational status."""
        for itf in self.interfaces:
            if itf.index == index:
                itf.up = up
                return
        raise ConfigError("no such interface", device=self.name, operation="set_link",
                          expected=str([i.index for i in self.interfaces]), got=str(index))

    def set_cpu(self, *loads: int) -> None:
        """Per-processor load in percent (hrProcessorLoad)."""
        if not loads or any(not 0 <= v <= 100 for v in loads):
            raise ConfigError("invalid processor load", device=self.name, operation="set_cpu",
                              expected="one or more values 0..100", got=repr(loads))
        self.cpu_loads = list(loads)

    def add_call(self, remote: str, **quality: float) -> int:
        """Start a call; returns its index. ``quality`` sets SimCall fields by name."""
        index = self._next_call
        self._next_call += 1
        self.calls[index] = SimCall(index, remote, counted_at=self.clock())
        if quality:
            self.set_quality(index, **quality)
        return index

    def set_quality(self, index: int, **quality: float) -> None:
        """Change a call's quality: ``audio_loss_percent``, ``jitter_ms``, … by name."""
        call = self.calls.get(index)
        if call is None:
            raise ConfigError("no such call", device=self.name, operation="set_quality",
                              expected=str(sorted(self.calls)), got=str(index))
        for key, value in quality.items():
            if key not in {"audio_loss_percent", "video_loss_percent", "jitter_ms",
                           "delay_ms"} or value < 0:
                raise ConfigError("invalid call quality", device=self.name,
                                  operation="set_quality", expected="known field, value ≥ 0",
                                  got=f"{key}={value!r}")
            if key.endswith("loss_percent") and value > 100:
                raise ConfigError("invalid call quality", device=self.name,
                                  operation="set_quality", expected="loss 0..100 %",
                                  got=f"{key}={value!r}")
        call.advance(self.clock())  # packets so far counted at the old loss
        for key, value in quality.items():
            setattr(call, key, float(value))

    def set_counters(self, index: int, media: int, received: int, lost: int) -> None:
        """Set one stream's cumulative counters (e.g. near the 64-bit wrap, or lower than
        before as after a counter reset); they go on advancing from there."""
        call = self.calls.get(index)
        if call is None or media not in call.counters or received < 0 or lost < 0:
            raise ConfigError("no such stream or invalid counters", device=self.name,
                              operation="set_counters",
                              expected=f"call in {sorted(self.calls)}, media 1 or 2, ≥ 0",
                              got=f"{index}/{media}: {received}, {lost}")
        call.advance(self.clock())
        call.counters[media] = [received % 2**64, lost % 2**64, 0.0, 0.0]

    def end_call(self, index: int) -> None:
        """Hang up one call (a missing index is ignored: the call already ended).

        The call stays listed as ended (terminatedNormally, counters frozen, period jitter
        0) among the last few, as Cisco's ctpcTable keeps recent calls."""
        call = self.calls.pop(index, None)
        if call is None:
            return
        call.advance(self.clock())
        call.state, call.jitter_ms = CALL_TERMINATED, 0.0
        self.ended[index] = call
        while len(self.ended) > HISTORY:
            del self.ended[min(self.ended)]

    def streams_now(self) -> list[SimCall]:
        """Every listed call (active and recently ended) with its counters brought up to
        the device's clock, by index."""
        now = self.clock()
        listed = sorted([*self.calls.values(), *self.ended.values()], key=lambda c: c.index)
        for call in listed:
            call.advance(now)
        return listed

    def drift(self) -> None:
        """One step of seeded random drift: CPU and call quality move (packet counters
        advance with the clock by themselves)."""
        rng = self._rng
        self.cpu_loads = [min(100, max(0, v + rng.randint(-3, 3))) for v in self.cpu_loads]
        for call in self.calls.values():
            call.jitter_ms = max(0.0, call.jitter_ms + rng.uniform(-2, 2))
            call.delay_ms = max(0.0, call.delay_ms + rng.uniform(-5, 5))
