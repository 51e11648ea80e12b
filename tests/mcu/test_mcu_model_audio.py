"""What a participant hears is remembered between changes: every change of participants,
calls, mutes or (while a call connects) time is seen by the next ``audio_of``."""

from __future__ import annotations

from hnth_drivers.model import Endpoint, ParticipantKind
from hnth_sim.mcu.model import ManualClock, Network, cascade_address


def build(dial_delay_s: float = 0.0) -> tuple[Network, ManualClock]:
    clock = ManualClock()
    net = Network(clock=clock, seed=5)
    master = net.add_mcu("master", ports=8, dial_delay_s=dial_delay_s)
    slave = net.add_mcu("slave", ports=8, dial_delay_s=dial_delay_s)
    master.create_conference("national")
    slave.create_conference("c")
    master.add_participant("national", Endpoint("chair", "10.0.0.1"))
    slave.add_participant("c", Endpoint("commune", "10.0.0.2"))
    slave.add_participant("c", cascade_address("master", "national"), name="up",
                          kind=ParticipantKind.CASCADE)
    return net, clock


def test_a_connecting_call_is_heard_once_it_connects() -> None:
    net, clock = build(dial_delay_s=5.0)
    master = net.mcu("master")
    clock.advance(1.0)
    assert master.audio_of("national", "chair") == frozenset()   # not connected yet
    clock.advance(10.0)
    assert master.audio_of("national", "chair") == {"commune"}
    assert master.audio_of("national", "chair") == {"commune"}     # remembered, the same


def test_mutes_drops_and_removals_are_seen_at_once() -> None:
    net, _ = build()
    master, slave = net.mcu("master"), net.mcu("slave")
    assert master.audio_of("national", "chair") == {"commune"}
    slave.mute("c", "commune", True)
    assert master.audio_of("national", "chair") == frozenset()
    slave.mute("c", "commune", True)                                 # no change
    assert master.audio_of("national", "chair") == frozenset()
    slave.mute("c", "commune", False)
    assert master.audio_of("national", "chair") == {"commune"}
    slave.add_participant("c", Endpoint("hall", "10.0.0.3"))
    assert master.audio_of("national", "chair") == {"commune", "hall"}
    slave.remove_participant("c", "hall")
    assert master.audio_of("national", "chair") == {"commune"}
    slave.drop("c", "up")
    assert master.audio_of("national", "chair") == frozenset()
    slave.connect_participant("c", "up")
    assert master.audio_of("national", "chair") == {"commune"}
    assert slave.audio_of("c", "commune") == {"chair"}
