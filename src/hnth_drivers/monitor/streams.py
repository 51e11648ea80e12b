"""Per-stream call statistics: counter deltas, index decoding, per-call aggregation (no I/O).

Cisco TelePresence codecs report receive statistics per *stream source* in
``ctpcStatStreamSourceTable`` (CISCO-TELEPRESENCE-CALL-MIB, LAST-UPDATED 201407240000Z,
lines 1586–1608), ``INDEX { ctpcIndex, ctpcStreamType, ctpcStreamSource }``, with
cumulative ``Counter64`` totals (``ctpcRxTotalPackets`` .12, ``ctpcRxLostPackets`` .13,
lines 1767–1785) and the average jitter of the last sample period
(``ctpcAvgPeriodJitter`` .22, ``Unsigned64`` milliseconds, lines 1872–1883; CISCO-TC
defines ``Unsigned64`` with ``SYNTAX Counter64`` for the encoding). The call itself, with
its ``ctpcState`` (``CtpcStateCode``), is a row of ``ctpcTable``.

Loss is computed per poll interval from the difference of the cumulative counters
between two polls. How wraps, resets and aggregation are handled is described in
``docs/monitoring.md`` ("Cisco TelePresence call statistics").

Poly's POLYCOM-VIDEO-MIB reports loss, jitter and latency as ``DisplayString`` values
(lines 186–205): :func:`parse_display_number` reads the number or gives ``None``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

__all__ = [
    "ACTIVE_STATES",
    "COUNTER64",
    "CTPC_STATES",
    "ENDED_STATES",
    "MAX_STEP",
    "MEDIA_AUDIO",
    "MEDIA_CONTENT",
    "MEDIA_VIDEO",
    "CallStreams",
    "StreamKey",
    "StreamReading",
    "aggregate",
    "counter_delta",
    "decode_stream_index",
    "parse_display_number",
    "stream_delta",
]

COUNTER64: Final = 2**64
# A counter moving by more than this between two polls is not believed (a discontinuity,
# not traffic): 2**32 packets is 12 hours of a 100,000 packet/s stream.
MAX_STEP: Final = 2**32

# CtpcStreamMediaType (CISCO-TELEPRESENCE-CALL-MIB, TEXTUAL-CONVENTION).
MEDIA_VIDEO: Final = 1
MEDIA_AUDIO: Final = 2
MEDIA_CONTENT: Final = 3

# CtpcStateCode (CISCO-TELEPRESENCE-CALL-MIB, TEXTUAL-CONVENTION) by value.
CTPC_STATES: Final[Mapping[int, str]] = {
    1: "unknown", 2: "other", 3: "noMgmtSysConn", 4: "noDialTone", 5: "invalidNumber",
    6: "ringing", 7: "noAnswer", 8: "inProgress", 9: "remoteHold", 10: "shareLineActive",
    11: "inLocalConference", 12: "terminatedbyError", 13: "localHold",
    14: "terminatedNormally", 15: "answer", 16: "resume", 17: "busy", 18: "pause",
    19: "playback", 20: "recording",
}
# States whose TC description says the call never connected or has ended: the row is
# history (ctpcTable keeps the most recent calls), not a call to watch.
ENDED_STATES: Final = frozenset({3, 4, 5, 7, 12, 14, 17})
# States of a connected call (media flowing or held): counted as active calls.
ACTIVE_STATES: Final = frozenset({8, 9, 10, 11, 13, 18, 19, 20})

StreamKey = tuple[int, ...]

_NUMBER = re.compile(r"\s*(\d{1,15}(?:\.\d{1,15})?)\s*([a-z%]*)\s*", re.ASCII | re.IGNORECASE)


def parse_display_number(value: object, unit: str) -> float | None:
    """The number in a DisplayString such as ``"2"``, ``"2.5"``, ``"2.5 %"`` or ``"35 ms"``.

    ``unit`` is the one suffix accepted besides none (``"%"`` or ``"ms"``, any case).
    Anything else (empty, ``"N/A"``, negative, another unit, not a string) is ``None``:
    unknown, never an exception. The MIB does not document the string's format.
    """
    if not isinstance(value, str) or len(value) > 255:
        return None
    match = _NUMBER.fullmatch(value)
    if match is None or match.group(2).lower() not in ("", unit.lower()):
        return None
    number = float(match.group(1))
    return number if math.isfinite(number) else None


def decode_stream_index(suffix: StreamKey) -> tuple[int, int, int] | None:
    """``(ctpcIndex, ctpcStreamType, ctpcStreamSource)`` from a row's index suffix, or
    ``None`` when it is not three sub-identifiers in range (a malformed row)."""
    if len(suffix) != 3:
        return None
    call, media, source = suffix
    if not (1 <= call < 2**32 and 1 <= media <= 3 and 1 <= source <= 17):
        return None
    return call, media, source


def counter_delta(previous: int, current: int, *, modulus: int = COUNTER64) -> int | None:
    """How far a cumulative counter moved between two polls, across one wrap at
    ``modulus``; ``None`` if it went back or jumped by more than :data:`MAX_STEP`
    (a discontinuity: the counter was reset, or the agent answered nonsense)."""
    if not (0 <= previous < modulus and 0 <= current < modulus):
        return None
    step = (current - previous) % modulus
    return step if step <= MAX_STEP else None


@dataclass(frozen=True, slots=True)
class StreamReading:
    """One stream's cumulative receive counters and period jitter at one poll.

    ``key`` is the row index: ``(call, media, source)`` for a stream table row, the call
    table's row index for a table that counts per call. ``call`` is the call's row index
    (``(ctpcIndex,)``) and ``media`` the ``CtpcStreamMediaType`` (1 video, 2 audio,
    3 content; ``None`` for a per-call row). ``None`` figures were not told.
    """

    key: StreamKey
    call: StreamKey
    media: int | None = None
    rx_packets: int | None = None
    rx_lost_packets: int | None = None
    jitter_ms: float | None = None


def stream_delta(previous: StreamReading | None, current: StreamReading, *,
                 baseline: bool) -> tuple[int, int] | None:
    """(received, lost) packets during the interval ending at ``current``.

    ``previous`` is the same stream at the last poll. With none, ``baseline`` says whether
    the last poll saw the device (the stream then started since: its counters count this
    interval) or there was no last poll (nothing to compare: ``None``). A counter that went
    back is a reset (a new call reusing the index, or the codec restarting): the current
    values count from zero. ``None`` when not computable.
    """
    got, lost = current.rx_packets, current.rx_lost_packets
    if got is None or lost is None or not (0 <= got < COUNTER64 and 0 <= lost < COUNTER64):
        return None
    fresh = (got, lost) if got <= MAX_STEP and lost <= MAX_STEP else None
    if previous is None or previous.rx_packets is None or previous.rx_lost_packets is None:
        return fresh if baseline else None
    d_got = counter_delta(previous.rx_packets, got)
    d_lost = counter_delta(previous.rx_lost_packets, lost)
    if d_got is not None and d_lost is not None:
        return d_got, d_lost
    went_back = got < previous.rx_packets or lost < previous.rx_lost_packets
    return fresh if went_back else None


@dataclass(frozen=True, slots=True)
class CallStreams:
    """One call's figures aggregated over its streams for one interval (see module doc)."""

    loss_percent: float | None = None
    audio_loss_percent: float | None = None
    video_loss_percent: float | None = None
    jitter_ms: float | None = None


def _percent(received: int, lost: int) -> float | None:
    # ctpcRxTotalPackets counts packets received, ctpcRxLostPackets those that failed to
    # arrive: the packets expected are their sum.
    expected = received + lost
    return None if expected <= 0 else 100.0 * lost / expected


def aggregate(current: Iterable[StreamReading],
              previous: Mapping[StreamKey, StreamReading] | None
              ) -> dict[StreamKey, CallStreams]:
    """Per call: audio loss over its audio streams, video loss over its video and content
    streams (packets summed, so a busy stream weighs more than an idle one), loss of
    per-call rows, and the worst stream's jitter. ``previous`` is the last poll's readings
    (``None``: no last poll)."""
    sums: dict[StreamKey, dict[str, list[int]]] = {}
    jitter: dict[StreamKey, float] = {}
    calls: set[StreamKey] = set()
    for reading in current:
        calls.add(reading.call)
        if reading.jitter_ms is not None:
            jitter[reading.call] = max(jitter.get(reading.call, 0.0), reading.jitter_ms)
        delta = stream_delta(None if previous is None else previous.get(reading.key),
                             reading, baseline=previous is not None)
        if delta is None:
            continue
        kind = {MEDIA_AUDIO: "audio", MEDIA_VIDEO: "video", MEDIA_CONTENT: "video",
                None: "all"}[reading.media]
        total = sums.setdefault(reading.call, {}).setdefault(kind, [0, 0])
        total[0] += delta[0]
        total[1] += delta[1]
    out: dict[StreamKey, CallStreams] = {}
    for call in calls:
        got = sums.get(call, {})

        def loss(kind: str, got: dict[str, list[int]] = got) -> float | None:
            return _percent(*got[kind]) if kind in got else None
        out[call] = CallStreams(loss_percent=loss("all"), audio_loss_percent=loss("audio"),
                                video_loss_percent=loss("video"), jitter_ms=jitter.get(call))
    return out
