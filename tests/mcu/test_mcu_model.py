"""The simulated MCU on its own: ports, time, layouts, cascade views, faults."""

from __future__ import annotations

import pytest

from hnth_drivers.model import ConnectionState, Endpoint, Layout, Pane, PaneKind, ParticipantKind
from hnth_sim.mcu.model import (
    AUTO_LAYOUT,
    Faults,
    Impairment,
    ManualClock,
    McuModel,
    Network,
    Refusal,
    SimError,
    cascade_address,
    parse_cascade_address,
    view_of,
)

CASCADE = ParticipantKind.CASCADE


def site(mcu: McuModel, conf: str, name: str) -> None:
    mcu.add_participant(conf, Endpoint(name, f"10.0.{len(name)}.{abs(hash(name)) % 250}"))


def chain(hops: int) -> tuple[Network, list[McuModel]]:
    """A master plus ``hops`` levels below it, one site per level, each level cascaded up."""
    net = Network(clock=ManualClock(), seed=3)
    mcus = [net.add_mcu(f"mcu{i}", ports=8) for i in range(hops + 1)]
    for i, mcu in enumerate(mcus):
        mcu.create_conference(f"c{i}")
        site(mcu, f"c{i}", f"site{i}")
    for i in range(1, hops + 1):
        mcus[i].add_participant(f"c{i}", cascade_address(f"mcu{i - 1}", f"c{i - 1}"),
                                name="up", kind=CASCADE)
    return net, mcus


def test_cascade_address_round_trip() -> None:
    assert parse_cascade_address(cascade_address("mcu-hn", "national")) == ("mcu-hn", "national")
    with pytest.raises(ValueError, match="cascade address"):
        parse_cascade_address("no-at-sign")


def test_capacity_refusal_and_ports_freed() -> None:
    mcu = McuModel("m", ports=2)
    mcu.create_conference("c")
    site(mcu, "c", "a")
    site(mcu, "c", "b")
    with pytest.raises(SimError) as err:
        site(mcu, "c", "x")
    assert err.value.reason is Refusal.TOO_MANY_PARTICIPANTS
    assert mcu.capacity().ports_used == 2
    mcu.disconnect_participant("c", "a")
    assert mcu.capacity().ports_used == 1
    site(mcu, "c", "x")
    with pytest.raises(SimError):
        mcu.connect_participant("c", "a")
    mcu.remove_participant("c", "b")
    mcu.connect_participant("c", "a")
    assert mcu.participant("c", "a").connected and mcu.capacity().ports_free == 0


def test_duplicates_and_unknowns_are_refused() -> None:
    mcu = McuModel("m", max_conferences=1)
    mcu.create_conference("c")
    for call, reason in [
        (lambda: mcu.create_conference("c"), Refusal.DUPLICATE_CONFERENCE),
        (lambda: mcu.create_conference("d"), Refusal.TOO_MANY_CONFERENCES),
        (lambda: mcu.participants("nope"), Refusal.NO_SUCH_CONFERENCE),
        (lambda: mcu.mute("c", "nobody", True), Refusal.NO_SUCH_PARTICIPANT),
        (lambda: mcu.create_conference(""), Refusal.MISSING_PARAMETER),
        (lambda: mcu.add_participant("c", "x", kind=CASCADE), Refusal.INVALID_PARAMETER),
    ]:
        with pytest.raises(SimError) as err:
            call()
        assert err.value.reason is reason and err.value.code == reason.value
    site(mcu, "c", "a")
    with pytest.raises(SimError) as err:
        site(mcu, "c", "a")
    assert err.value.reason is Refusal.DUPLICATE_PARTICIPANT


def test_dial_out_connects_after_its_delay_or_fails() -> None:
    net = Network(clock=ManualClock())
    mcu = net.add_mcu("m", dial_delay_s=3.0, ports=4)
    mcu.create_conference("c")
    mcu.add_participant("c", Endpoint("a", "10.0.0.1"))
    net.unreachable.add("10.0.0.2")
    mcu.add_participant("c", Endpoint("b", "10.0.0.2"))
    assert mcu.participant("c", "a").state is ConnectionState.DIALLING
    assert mcu.capacity().ports_used == 2
    assert net.clock.advance(2.9) and mcu.stats("c") == []
    net.clock.advance(0.1)
    assert mcu.participant("c", "a").state is ConnectionState.CONNECTED
    assert mcu.participant("c", "b").state is ConnectionState.FAILED
    assert mcu.capacity().ports_used == 1, "a failed dial frees its port"


def test_cascade_view_through_one_two_and_three_hops() -> None:
    for hops in (1, 2, 3):
        net, mcus = chain(hops)
        master = mcus[0]
        master.add_participant("c0", Endpoint("chair", "10.9.9.9"))
        # each level sends what it receives from below (or its own site at the bottom)
        bottom = mcus[hops]
        bottom.show_full_screen(f"c{hops}", f"site{hops}", target="up")
        for i in range(hops - 1, 0, -1):
            mcus[i].show_full_screen(f"c{i}", f"mcu{i + 1}", target="up")
        master.show_full_screen("c0", "mcu1", target="chair")
        assert view_of(master, "c0", "chair") == (f"site{hops}",)
        assert net.view_of("mcu0", "c0", "chair") == (f"site{hops}",)
        # switch the bottom MCU to nothing: the chair's screen follows
        bottom.set_layout(f"c{hops}", Layout.blank(), target="up")
        assert master.view_of("c0", "chair") == ()
        bottom.drop(f"c{hops}", "up")
        assert master.view_of("c0", "chair") == ()


def test_layout_changes_propagate_to_each_participant() -> None:
    _, (master, slave) = chain(1)
    site(master, "c0", "chair")
    site(slave, "c1", "other")
    # default layout: continuous presence of everyone connected except yourself
    assert master.layout("c0") == AUTO_LAYOUT
    assert set(master.view_of("c0", "chair")) == {"site0", "site1", "other"}
    assert "chair" not in master.view_of("c0", "chair")
    slave.show_full_screen("c1", "other", target="up")
    assert set(master.view_of("c0", "chair")) == {"site0", "other"}
    master.show_full_screen("c0", "mcu1")              # default for everyone
    assert master.view_of("c0", "chair") == ("other",)
    assert master.view_of("c0", "site0") == ("other",)
    master.set_layout("c0", Layout.grid_of(["site0"], 2), target="chair")
    assert master.view_of("c0", "chair")[0] == "site0"
    assert master.view_of("c0", "site0") == ("other",), "site0 keeps the default"
    master.set_layout("c0", Layout(Layout.blank().kind, 4, (Pane(0, PaneKind.BLANK),
                                                            Pane(1, PaneKind.BLANK),
                                                            Pane(2, PaneKind.BLANK),
                                                            Pane(3, PaneKind.LOUDEST))),
                      target="chair")
    master.set_speaker("c0", "site0")
    assert master.view_of("c0", "chair") == ("site0",)
    master.mute("c0", "site0", True)
    assert master.view_of("c0", "chair") != ("site0",), "a muted site is not loudest"
    master.clear_layout("c0", "chair")
    assert master.layout("c0", target="chair") == master.layout("c0")


def test_audio_follows_mute_through_cascades() -> None:
    _, (master, _mid, low) = chain(2)
    site(master, "c0", "chair")
    assert master.audio_of("c0", "chair") == {"site0", "site1", "site2"}
    low.mute("c2", "site2", True)
    assert master.audio_of("c0", "chair") == {"site0", "site1"}
    master.mute("c0", "mcu1", True)
    assert master.audio_of("c0", "chair") == {"site0"}
    assert low.audio_of("c2", "site2") == {"site0", "site1", "chair"}


def test_cascade_far_leg_uses_a_port_and_refuses_when_full() -> None:
    net = Network(clock=ManualClock())
    master = net.add_mcu("master", ports=1)
    slave = net.add_mcu("slave", ports=3)
    master.create_conference("n")
    slave.create_conference("s")
    site(master, "n", "chair")
    slave.add_participant("s", cascade_address("master", "n"), name="up", kind=CASCADE)
    assert slave.participant("s", "up").state is ConnectionState.FAILED
    assert slave.capacity().ports_used == 0 and len(master.participants("n")) == 1
    master.remove_participant("n", "chair")
    slave.connect_participant("s", "up")
    assert slave.participant("s", "up").connected
    far = master.participant("n", "slave")
    assert far.kind is CASCADE and far.incoming and far.far_leg is slave.participant("s", "up")
    master.remove_participant("n", "slave")
    assert slave.participant("s", "up").state is ConnectionState.DISCONNECTED
    assert (master.capacity().ports_used, slave.capacity().ports_used) == (0, 0)
    slave.connect_participant("s", "up")
    master.destroy_conference("n")
    assert slave.participant("s", "up").state is ConnectionState.DISCONNECTED


def test_unknown_or_down_far_end_fails_the_dial() -> None:
    net = Network(clock=ManualClock())
    a = net.add_mcu("a")
    b = net.add_mcu("b", faults=Faults(down=True))
    a.create_conference("x")
    b.create_conference("y")
    a.add_participant("x", cascade_address("nowhere", "y"), name="l1", kind=CASCADE)
    a.add_participant("x", cascade_address("b", "nope"), name="l2", kind=CASCADE)
    a.add_participant("x", cascade_address("b", "y"), name="l3", kind=CASCADE)
    assert {p.state for p in a.participants("x")} == {ConnectionState.FAILED}


def test_cascade_loops_terminate() -> None:
    net = Network(clock=ManualClock())
    a, b = net.add_mcu("a"), net.add_mcu("b")
    a.create_conference("x")
    b.create_conference("y")
    site(a, "x", "sa")
    site(b, "y", "sb")
    a.add_participant("x", cascade_address("b", "y"), name="ab", kind=CASCADE)
    b.add_participant("y", cascade_address("a", "x"), name="ba", kind=CASCADE)
    # a loop is a hall of mirrors (sa sees itself coming back round), but it ends
    assert set(a.view_of("x", "sa")) == {"sa", "sb"}
    assert a.audio_of("x", "sa") == {"sa", "sb"}


def test_stats_are_seeded_and_only_for_connected() -> None:
    def run(seed: int) -> list[object]:
        net = Network(clock=ManualClock(), seed=seed)
        mcu = net.add_mcu("m", impairment=Impairment(loss_percent=2.0, jitter_ms=10,
                                                     delay_ms=100))
        mcu.create_conference("c")
        site(mcu, "c", "a")
        site(mcu, "c", "b")
        mcu.disconnect_participant("c", "b")
        mcu.impair("c", "a", Impairment(loss_percent=50.0, spread=0.0))
        return list(mcu.stats("c"))

    first = run(1)
    assert first == run(1)
    assert [s.participant for s in first] == ["a"]  # type: ignore[attr-defined]
    assert first[0].loss_percent == 50.0  # type: ignore[attr-defined]


def test_api_faults_are_scripted_and_seeded() -> None:
    mcu = McuModel("m", faults=Faults(latency_ms=100, latency_jitter_ms=20))
    delays = [mcu.admit("conference.enumerate") for _ in range(50)]
    assert all(0.08 <= d <= 0.12 for d in delays) and len(set(delays)) > 1
    mcu.faults.fail_next("participant.enumerate", Refusal.INTERNAL_ERROR)
    with pytest.raises(SimError) as err:
        mcu.admit("participant.enumerate")
    assert err.value.reason is Refusal.INTERNAL_ERROR
    mcu.admit("participant.enumerate")
    again = McuModel("m", faults=Faults(latency_ms=100, latency_jitter_ms=20))
    assert [again.admit("conference.enumerate") for _ in range(50)] == delays
    flaky = McuModel("f", faults=Faults(refuse_rate=0.5))
    outcomes: list[object] = []
    for _ in range(40):
        try:
            flaky.admit("x")
            outcomes.append(True)
        except SimError as exc:
            outcomes.append(exc.reason)
    assert set(outcomes) == {True, Refusal.OPERATION_FAILED}


def test_drop_random_is_seeded() -> None:
    def run() -> list[tuple[str, str]]:
        net = Network(clock=ManualClock(), seed=11)
        mcu = net.add_mcu("m")
        mcu.create_conference("c")
        for i in range(10):
            site(mcu, "c", f"s{i}")
        return mcu.drop_random(3)

    first = run()
    assert len(first) == 3 and first == run()


def test_health_reports_load_and_calls() -> None:
    net = Network(clock=ManualClock(100.0))
    mcu = net.add_mcu("m", ports=10)
    mcu.create_conference("c")
    site(mcu, "c", "a")
    net.clock.advance(5)
    health = mcu.health()
    assert health.reachable and health.uptime_s == 5.0 and health.active_calls == 1
    assert health.detail["ports_used"] == "1"
