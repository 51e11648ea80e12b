"""Hypothesis: random operation sequences on a small network keep the model's invariants."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from hnth_drivers.model import ConnectionState, Endpoint, Layout, ParticipantKind
from hnth_sim.mcu.model import ManualClock, Network, SimError, cascade_address

MCUS = ("a", "b", "c")
NAMES = tuple(f"s{i}" for i in range(6))

op = st.one_of(
    st.tuples(st.just("add"), st.sampled_from(MCUS), st.sampled_from(NAMES)),
    st.tuples(st.just("link"), st.sampled_from(MCUS), st.sampled_from(MCUS)),
    st.tuples(st.just("remove"), st.sampled_from(MCUS), st.sampled_from(NAMES + MCUS)),
    st.tuples(st.just("disconnect"), st.sampled_from(MCUS), st.sampled_from(NAMES + MCUS)),
    st.tuples(st.just("connect"), st.sampled_from(MCUS), st.sampled_from(NAMES + MCUS)),
    st.tuples(st.just("full"), st.sampled_from(MCUS), st.sampled_from(NAMES + MCUS)),
    st.tuples(st.just("mute"), st.sampled_from(MCUS), st.sampled_from(NAMES)),
    st.tuples(st.just("tick"), st.sampled_from(MCUS), st.sampled_from(NAMES)),
    st.tuples(st.just("grid"), st.sampled_from(MCUS), st.sampled_from(NAMES)),
)


@settings(max_examples=120, deadline=None)
@given(st.lists(op, max_size=40), st.integers(0, 3))
def test_random_operations_keep_invariants(ops: list[tuple[str, str, str]], seed: int) -> None:
    net = Network(clock=ManualClock(), seed=seed)
    for mcu_id in MCUS:
        mcu = net.add_mcu(mcu_id, ports=4, dial_delay_s=1.0, dial_jitter_s=0.5)
        mcu.faults.dial_failure_rate = 0.1
        mcu.create_conference("conf")
    for kind, mcu_id, arg in ops:
        mcu = net.mcu(mcu_id)
        try:
            if kind == "add":
                mcu.add_participant("conf", Endpoint(f"{mcu_id}-{arg}", f"10.0.0.{len(arg)}"),
                                    name=arg)
            elif kind == "link" and arg != mcu_id:
                mcu.add_participant("conf", cascade_address(arg, "conf"), name=f"to-{arg}",
                                    kind=ParticipantKind.CASCADE)
            elif kind == "remove":
                mcu.remove_participant("conf", arg)
            elif kind == "disconnect":
                mcu.disconnect_participant("conf", arg)
            elif kind == "connect":
                mcu.connect_participant("conf", arg)
            elif kind == "full":
                mcu.show_full_screen("conf", arg)
            elif kind == "mute":
                mcu.mute("conf", arg, True)
            elif kind == "grid":
                names = [p.name for p in mcu.participants("conf")][:4]
                mcu.set_layout("conf", Layout.grid_of(names, 2), target=arg)
            elif kind == "tick":
                assert isinstance(net.clock, ManualClock)
                net.clock.advance(0.7)
        except SimError:
            pass
        check(net)


def check(net: Network) -> None:
    seen: set[int] = set()
    connected_sites: set[str] = set()
    for mcu in net:
        active = 0
        for conf in mcu.conferences():
            for name, leg in conf.participants.items():
                assert id(leg) not in seen, "a participant is in exactly one conference"
                seen.add(id(leg))
                assert leg.conference is conf and leg.name == name
                if leg.state in (ConnectionState.DIALLING, ConnectionState.CONNECTING,
                                 ConnectionState.CONNECTED):
                    active += 1
                if leg.connected and leg.kind is ParticipantKind.SITE and leg.site:
                    connected_sites.add(leg.site)
                if leg.incoming:
                    assert leg.far_leg is not None, "an incoming leg exists only with its call"
        used = mcu.capacity().ports_used
        assert used <= mcu.ports, "ports used never exceed capacity"
        assert used == active, "ports used are exactly the active calls"
    for mcu in net:
        for conf in mcu.conferences():
            for name in list(conf.participants):
                view = mcu.view_of(conf.name, name)
                assert set(view) <= connected_sites, "views show only connected sites"
                assert mcu.audio_of(conf.name, name) <= connected_sites
