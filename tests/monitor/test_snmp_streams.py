"""Cisco TelePresence per-stream statistics and Polycom string values, without a network.

The MIB facts come from ``vectors/snmp_mibs.json`` (copied from the MIB texts, sources
named in the file), not from our own tables or simulator.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hnth_drivers.monitor import builtin_profiles, interpret
from hnth_drivers.monitor.health import SnmpHealth, Value
from hnth_drivers.monitor.streams import (
    ACTIVE_STATES,
    COUNTER64,
    CTPC_STATES,
    ENDED_STATES,
    MAX_STEP,
    StreamReading,
    aggregate,
    counter_delta,
    decode_stream_index,
    parse_display_number,
    stream_delta,
)
from hnth_drivers.monitor.vendors import OID, parse_oid
from hnth_sim.snmp import MibView, SimDevice, SimVendor, mib

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).parent / "vectors" / "snmp_mibs.json").read_text())
CTPC = VECTORS["ctpc"]
PV = VECTORS["polycom"]
CALL_ENTRY = parse_oid(CTPC["ctpcEntry"]["oid"])
STREAM_ENTRY = parse_oid(CTPC["ctpcStatStreamSourceEntry"]["oid"])
UPTIME = parse_oid("1.3.6.1.2.1.1.3.0")
VIDEO, AUDIO, CONTENT = (CTPC["CtpcStreamMediaType"][k] for k in ("video", "audio", "content"))
PRI = CTPC["CtpcStreamSourceType"]["priCodec"]
STATE = CTPC["CtpcStateCode"]


def col(entry: OID, name: str) -> OID:
    return (*entry, CTPC[name]["column"])


# ---- the built-in table is the MIB ------------------------------------------------------
def test_cisco_profile_reads_the_documented_objects() -> None:
    p = builtin_profiles()["cisco-tp"]
    assert p.call_table["remote"].oid == col(CALL_ENTRY, "ctpcRemoteDirNum")
    assert p.call_table["state"].oid == col(CALL_ENTRY, "ctpcState")
    assert p.stream_table["rx_packets"].oid == col(STREAM_ENTRY, "ctpcRxTotalPackets")
    assert p.stream_table["rx_lost_packets"].oid == col(STREAM_ENTRY, "ctpcRxLostPackets")
    assert p.stream_table["jitter_ms"].oid == col(STREAM_ENTRY, "ctpcAvgPeriodJitter")
    assert "CISCO-TELEPRESENCE-CALL-MIB" in p.stream_table["rx_packets"].source
    assert parse_oid(CTPC["ctpcStatObjects"]["oid"]) == STREAM_ENTRY[:-2]


def test_polycom_profile_reads_display_strings() -> None:
    p = builtin_profiles()["polycom-codec"].call_scalars
    for field, name in (("loss_percent", "polycomVSPercentPacketLoss"),
                        ("jitter_ms", "polycomVSJitter"), ("delay_ms", "polycomVSLatency")):
        assert p[field].oid == parse_oid(PV[name]["oid"])
        assert p[field].oid[:-2] == parse_oid(PV["polycomViewStation"]["oid"])
        assert PV[name]["syntax"] == "DisplayString" and p[field].syntax == "text"
        assert "POLYCOM-VIDEO-MIB" in p[field].source


def test_state_codes_are_the_textual_convention() -> None:
    assert {name: value for value, name in CTPC_STATES.items()} == STATE
    assert STATE["inProgress"] in ACTIVE_STATES
    assert {STATE[n] for n in ("terminatedNormally", "terminatedbyError", "noAnswer",
                               "busy", "invalidNumber")} <= ENDED_STATES
    assert not ACTIVE_STATES & ENDED_STATES
    assert STATE["unknown"] not in ACTIVE_STATES | ENDED_STATES


# ---- index decode, counter arithmetic -------------------------------------------------
def test_stream_index_decodes_call_type_source() -> None:
    assert decode_stream_index((7, VIDEO, PRI)) == (7, 1, 2)
    assert decode_stream_index((4294967295, CONTENT, CTPC["CtpcStreamSourceType"]["other"])
                               ) == (4294967295, 3, 17)
    for bad in [(7,), (7, 1), (7, 1, 2, 0), (0, 1, 2), (7, 4, 2), (7, 1, 18), (7, 0, 2),
                (2**32, 1, 2)]:
        assert decode_stream_index(bad) is None, bad


def test_counter64_wrap_and_discontinuities() -> None:
    assert counter_delta(10, 25) == 15
    assert counter_delta(COUNTER64 - 10, 5) == 15            # one wrap
    assert counter_delta(COUNTER64 - 1, 0) == 1
    assert counter_delta(1000, 200) is None                   # went back: a reset
    assert counter_delta(0, MAX_STEP + 1) is None              # absurd jump
    assert counter_delta(0, MAX_STEP) == MAX_STEP
    assert counter_delta(-1, 5) is None and counter_delta(0, COUNTER64) is None


def r(key: tuple[int, ...], got: int | None, lost: int | None,
      jitter: float | None = None) -> StreamReading:
    media = key[1] if len(key) == 3 else None
    return StreamReading(key, key[:1] if len(key) == 3 else key, media, got, lost, jitter)


def test_stream_delta_wrap_reset_and_new_streams() -> None:
    key = (1, VIDEO, PRI)
    assert stream_delta(r(key, 1000, 10), r(key, 1900, 110), baseline=True) == (900, 100)
    wrapped = stream_delta(r(key, COUNTER64 - 100, COUNTER64 - 1), r(key, 300, 9),
                           baseline=True)
    assert wrapped == (400, 10)
    # Fewer packets than before: the counters restarted (a new call reusing the index);
    # what they hold now was counted since.
    assert stream_delta(r(key, 50_000, 900), r(key, 2_000, 20), baseline=True) == (2_000, 20)
    assert stream_delta(r(key, 50_000, 900), r(key, 60_000, 10), baseline=True) == (60_000, 10)
    # New stream since the last poll: counted from zero; no last poll at all: unknown.
    assert stream_delta(None, r(key, 700, 7), baseline=True) == (700, 7)
    assert stream_delta(None, r(key, 700, 7), baseline=False) is None
    # Nonsense: a jump forward of more than MAX_STEP, missing or negative counters.
    assert stream_delta(r(key, 0, 0), r(key, MAX_STEP * 2, 0), baseline=True) is None
    assert stream_delta(r(key, 10, 0), r(key, None, 0), baseline=True) is None
    assert stream_delta(None, r(key, COUNTER64 - 1, 0), baseline=True) is None


def test_aggregate_sums_media_and_takes_the_worst_jitter() -> None:
    before = {s.key: s for s in [r((1, VIDEO, PRI), 1000, 0), r((1, VIDEO, 9), 1000, 0),
                                 r((1, AUDIO, PRI), 100, 0), r((2, VIDEO, PRI), 5, 5)]}
    now = [r((1, VIDEO, PRI), 1900, 100, 12.0), r((1, VIDEO, 9), 1100, 0, 30.0),
           r((1, AUDIO, PRI), 150, 50, 4.0), r((1, CONTENT, 4), 100, 0),  # content: new
           r((2, VIDEO, PRI), 5, 5, 0.0)]                                 # idle interval
    got = aggregate(now, before)
    one = got[(1,)]
    # video + content: 100 lost of 900 + 100 + 100 received + 100 lost = 1200 expected
    assert one.video_loss_percent == pytest.approx(100 * 100 / 1200)
    assert one.audio_loss_percent == pytest.approx(50.0)   # 50 lost of 100 expected
    assert one.jitter_ms == 30.0 and one.loss_percent is None
    two = got[(2,)]
    assert two.video_loss_percent is None and two.jitter_ms == 0.0  # no packets: unknown
    assert all(v.video_loss_percent is None for v in aggregate(now, None).values())


@given(st.lists(st.tuples(st.integers(0, COUNTER64 - 1), st.integers(0, COUNTER64 - 1),
                          st.integers(0, COUNTER64 - 1), st.integers(0, COUNTER64 - 1)),
                max_size=6))
def test_loss_is_never_negative_or_absurd(pairs: list[tuple[int, int, int, int]]) -> None:
    """Whatever two polls' counters are (wraps, resets, garbage), loss is 0–100 % or
    unknown."""
    before = {(1, VIDEO, n + 1): r((1, VIDEO, n + 1), a, b) for n, (a, b, _, _) in
              enumerate(pairs)}
    now = [r((1, VIDEO, n + 1), c, d) for n, (_, _, c, d) in enumerate(pairs)]
    for figures in aggregate(now, before).values():
        v = figures.video_loss_percent
        assert v is None or (0.0 <= v <= 100.0 and math.isfinite(v))


# ---- interpretation over two polls ----------------------------------------------------
def cisco_poll(calls: dict[int, tuple[int | None, str | None]],
               streams: dict[tuple[int, int, int], tuple[Value, Value, Value]],
               previous: SnmpHealth | None = None, uptime: int = 100_000) -> SnmpHealth:
    prof = builtin_profiles()["cisco-tp"]
    cols: dict[OID, dict[OID, Value]] = {
        col(CALL_ENTRY, "ctpcState"): {(i,): s for i, (s, _) in calls.items()},
        col(CALL_ENTRY, "ctpcRemoteDirNum"): {(i,): rem for i, (_, rem) in calls.items()
                                             if rem is not None},
        col(STREAM_ENTRY, "ctpcRxTotalPackets"): {k: v[0] for k, v in streams.items()},
        col(STREAM_ENTRY, "ctpcRxLostPackets"): {k: v[1] for k, v in streams.items()},
        col(STREAM_ENTRY, "ctpcAvgPeriodJitter"): {k: v[2] for k, v in streams.items()},
    }
    return interpret("cts", prof, {UPTIME: uptime}, cols, polled_at=0.0, previous=previous)


def test_interpret_cisco_loss_per_interval_and_states() -> None:
    calls = {7: (STATE["inProgress"], "84241234"), 3: (STATE["terminatedNormally"], "1"),
             9: (STATE["ringing"], None)}
    first = cisco_poll(calls, {(7, VIDEO, PRI): (10_000, 100, 12),
                               (7, AUDIO, PRI): (1_000, 0, 3),
                               (3, VIDEO, PRI): (500, 400, 0)})
    # The first poll has no interval: lifetime counters are not reported as loss.
    (c7, c9) = first.calls
    assert (c7.call, c7.remote, c7.state, c7.jitter_ms) == ("7", "84241234", "inProgress", 12)
    assert c7.video_loss_percent is None and c7.audio_loss_percent is None
    assert (c9.call, c9.state, c9.remote) == ("9", "ringing", None)
    assert first.active_calls == 1            # ringing is not connected; call 3 has ended
    second = cisco_poll(calls, {(7, VIDEO, PRI): (13_880, 220, 15),
                                (7, AUDIO, PRI): (1_500, 0, 40),
                                (3, VIDEO, PRI): (500, 400, 0)}, previous=first)
    c7 = second.calls[0]
    assert c7.video_loss_percent == pytest.approx(3.0)  # 120 lost of 3,880 + 120
    assert c7.audio_loss_percent == 0.0 and c7.jitter_ms == 40
    assert c7.to_call_stats().loss_percent == pytest.approx(3.0)


def test_interpret_cisco_reused_index_and_counter_reset() -> None:
    first = cisco_poll({7: (STATE["inProgress"], "111")}, {(7, VIDEO, PRI): (90_000, 0, 1)})
    # A new call on index 7 with another far end and more packets than before: the
    # counters are the new call's own, all counted since the last poll.
    reused = cisco_poll({7: (STATE["inProgress"], "222")},
                        {(7, VIDEO, PRI): (95_000, 5_000, 1)}, previous=first)
    assert reused.calls[0].video_loss_percent == pytest.approx(5.0)
    # Same far end, fewer packets than before: a counter reset, counted from zero.
    reset = cisco_poll({7: (STATE["inProgress"], "222")},
                       {(7, VIDEO, PRI): (1_000, 1_000, 1)}, previous=reused)
    assert reset.calls[0].video_loss_percent == pytest.approx(50.0)


@pytest.mark.parametrize("bad", [None, "12", "", -5, COUNTER64, 2**70])
def test_interpret_cisco_bad_values_are_unknown(bad: Value) -> None:
    first = cisco_poll({1: (bad if isinstance(bad, str | None) else STATE["inProgress"], bad
                            if isinstance(bad, str) else None)},
                       {(1, VIDEO, PRI): (100, 0, bad), (1, AUDIO, 99): (1, 1, 1),
                        (1, 7): (1, 1, 1)})
    again = cisco_poll({1: (STATE["inProgress"], None)},
                       {(1, VIDEO, PRI): (bad, bad, bad)}, previous=first)
    (call,) = again.calls
    assert call.video_loss_percent is None and call.jitter_ms is None
    call.to_call_stats()


# ---- Polycom strings ------------------------------------------------------------------
@pytest.mark.parametrize(("text", "unit", "want"), [
    ("2", "%", 2.0), ("2.5", "%", 2.5), (" 2.5 % ", "%", 2.5), ("0", "%", 0.0),
    ("35", "ms", 35.0), ("35ms", "ms", 35.0), ("35 MS", "ms", 35.0), ("180", "ms", 180.0),
    ("", "%", None), ("N/A", "%", None), ("-1", "%", None), ("2,5", "%", None),
    ("35 ms", "%", None), ("2 %", "ms", None), ("1e3", "ms", None), ("nan", "ms", None),
    ("inf", "%", None), ("2..5", "%", None), ("٣", "ms", None), (35, "ms", None),
    (None, "ms", None), ("9" * 300, "ms", None),
])
def test_polycom_display_numbers(text: object, unit: str, want: float | None) -> None:
    assert parse_display_number(text, unit) == want


@given(st.one_of(st.text(max_size=300), st.integers(), st.none(), st.binary().map(repr)),
       st.sampled_from(["%", "ms"]))
def test_polycom_any_value_is_a_number_or_unknown(value: object, unit: str) -> None:
    got = parse_display_number(value, unit)
    assert got is None or (math.isfinite(got) and got >= 0)


@given(st.floats(0, 1e6, allow_nan=False), st.sampled_from(["", " %", "%"]))
def test_polycom_numbers_round_trip(number: float, suffix: str) -> None:
    text = f"{number:.3f}{suffix}"
    assert parse_display_number(text, "%") == pytest.approx(float(f"{number:.3f}"))


def test_interpret_polycom_strings() -> None:
    prof = builtin_profiles()["polycom-codec"]
    o = {n: parse_oid(PV[n]["oid"]) for n in ("polycomVSPercentPacketLoss",
                                               "polycomVSJitter", "polycomVSLatency")}
    h = interpret("hdx", prof, {o["polycomVSPercentPacketLoss"]: "4.5",
                                o["polycomVSJitter"]: "35 ms", o["polycomVSLatency"]: "180"},
                  {}, polled_at=0.0)
    (call,) = h.calls
    assert (call.call, call.loss_percent, call.jitter_ms, call.delay_ms) == ("*", 4.5, 35, 180)
    odd = interpret("hdx", prof, {o["polycomVSPercentPacketLoss"]: "N/A",
                                  o["polycomVSJitter"]: 35,        # a number: wrong type
                                  o["polycomVSLatency"]: None}, {}, polled_at=0.0)
    assert odd.calls == ()  # nothing readable: no codec-wide figure, not a row of zeros
    part = interpret("hdx", prof, {o["polycomVSPercentPacketLoss"]: "",
                                   o["polycomVSJitter"]: "12"}, {}, polled_at=0.0)
    (call,) = part.calls
    assert (call.loss_percent, call.jitter_ms, call.delay_ms) == (None, 12.0, None)


# ---- the simulator serves the same structures -----------------------------------------
def test_simulator_serves_the_documented_structures() -> None:
    now = [100.0]
    dev = SimDevice("cts", vendor=SimVendor.CISCO_TP, clock=lambda: now[0])
    idx = dev.add_call("84241234", video_loss_percent=4.0, jitter_ms=17)
    now[0] += 10.0
    view = MibView(dev)
    state = view.get((*col(CALL_ENTRY, "ctpcState"), idx))
    assert int(state) == STATE["inProgress"]
    assert bytes(view.get((*col(CALL_ENTRY, "ctpcRemoteDirNum"), idx))) == b"84241234"
    rx = view.get((*col(STREAM_ENTRY, "ctpcRxTotalPackets"), idx, VIDEO, PRI))
    lost = view.get((*col(STREAM_ENTRY, "ctpcRxLostPackets"), idx, VIDEO, PRI))
    jitter = view.get((*col(STREAM_ENTRY, "ctpcAvgPeriodJitter"), idx, AUDIO, PRI))
    assert {type(v).__name__ for v in (rx, lost, jitter)} == {"Counter64"}
    assert int(lost) * 100 == pytest.approx(4 * (int(rx) + int(lost)), abs=100)
    assert int(jitter) == 17
    dev.set_counters(idx, VIDEO, COUNTER64 - 3, 0)
    now[0] += 1.0
    wrapped = int(MibView(dev).get((*col(STREAM_ENTRY, "ctpcRxTotalPackets"), idx, VIDEO,
                                    PRI)))
    assert wrapped < 1000                      # counted past 2**64 and wrapped
    dev.end_call(idx)
    view = MibView(dev)
    assert int(view.get((*col(CALL_ENTRY, "ctpcState"), idx))) == STATE["terminatedNormally"]
    assert int(view.get((*col(STREAM_ENTRY, "ctpcAvgPeriodJitter"), idx, VIDEO, PRI))) == 0
    poly = SimDevice("hdx", vendor=SimVendor.POLYCOM_CODEC)
    poly.add_call("1", video_loss_percent=2.5, jitter_ms=30, delay_ms=120)
    strings = [MibView(poly).get(parse_oid(PV[n]["oid"])) for n in (
        "polycomVSPercentPacketLoss", "polycomVSJitter", "polycomVSLatency")]
    assert [type(v).__name__ for v in strings] == ["OctetString"] * 3
    assert [bytes(v) for v in strings] == [b"2.5", b"30", b"120"]
    assert mib.CTPC_STREAM_ENTRY == STREAM_ENTRY and mib.CTPC_ENTRY == CALL_ENTRY
