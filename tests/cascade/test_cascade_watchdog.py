"""The watchdog redials dropped links and sites with backoff and never fights an operator."""

from __future__ import annotations

from pathlib import Path

from cascade_chain import CONF, Chain, build_chain

from hnth_drivers.cascade.switch import Switcher
from hnth_drivers.cascade.watchdog import Backoff, EventKind, Watchdog, WatchdogEvent
from hnth_drivers.model import ConnectionState
from hnth_sim.mcu.model import ManualClock


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def kinds(events: list[WatchdogEvent]) -> list[tuple[EventKind, str]]:
    return [(e.kind, e.participant) for e in events]


async def test_dropped_link_is_redialed_and_reported(chain: Chain) -> None:
    await chain.cascade.up(wait_s=1)
    seen: list[WatchdogEvent] = []
    dog = Watchdog(chain.cascade, notify=seen.append, audit=chain.audit)
    assert await dog.poll_once() == []
    chain.net.mcu("m2").drop(CONF, "uplink")
    events = await dog.poll_once()
    assert kinds(events) == [(EventKind.DROPPED, "uplink"), (EventKind.REDIALED, "uplink")]
    assert events[0].what == "link" and events[0].mcu == "m2"
    assert await chain.cascade.links["m2"].state() is ConnectionState.CONNECTED
    events = await dog.poll_once()
    assert kinds(events) == [(EventKind.RECOVERED, "uplink")]
    assert seen == [*seen[:2], events[0]] and len(seen) == 3
    # the redialed link carries pictures again
    trace = await Switcher(chain.cascade, operator=chain.central, tree=chain.tree,
                           audit=None, view_of=chain.chair_view).switch_to("s3")
    assert trace.ok and chain.chair_view() == ("s3",)
    actions = [line for line in chain.audit.path.read_text().splitlines()
               if "watchdog." in line]
    assert len(actions) == 3


async def test_dropped_site_is_redialed(chain: Chain) -> None:
    chain.net.mcu("m1").drop(CONF, "s1b")
    dog = Watchdog(chain.cascade)
    events = await dog.poll_once()
    assert kinds(events) == [(EventKind.DROPPED, "s1b"), (EventKind.REDIALED, "s1b")]
    assert chain.net.mcu("m1").participant(CONF, "s1b").connected


async def test_backoff_between_failed_redials_then_gives_up(tmp_path: Path) -> None:
    clock = ManualClock()
    c = build_chain(tmp_path, depth=1, clock=clock)
    fake = FakeTime()
    dog = Watchdog(c.cascade, clock=fake,
                   backoff=Backoff(first_s=1.0, factor=2.0, max_s=30, max_attempts=3))
    c.net.unreachable.add("10.0.1.3")            # s1's codec is off
    c.net.mcu("m1").drop(CONF, "s1")
    attempts = []
    for t in [0, 0.5, 1.0, 2.0, 2.9, 3.0, 10, 20]:
        fake.now = t
        for e in await dog.poll_once():
            attempts.append((t, e.kind, e.attempt))
    redials = [(t, n) for t, k, n in attempts if k is EventKind.REDIALED]
    assert redials == [(0, 1), (1.0, 2), (3.0, 3)]   # waits 1 s, then 2 s
    assert (10, EventKind.GAVE_UP, 3) in attempts
    assert [k for _, k, _ in attempts].count(EventKind.GAVE_UP) == 1


async def test_never_fights_a_deliberate_disconnect(chain: Chain) -> None:
    dog = Watchdog(chain.cascade, audit=chain.audit)
    await dog.disconnect("m2", "s2", operator="op.central")
    assert chain.net.mcu("m2").participant(CONF, "s2").state is ConnectionState.DISCONNECTED
    for _ in range(3):
        assert await dog.poll_once() == []
    assert chain.net.mcu("m2").participant(CONF, "s2").state is ConnectionState.DISCONNECTED
    dog.release("m2", "s2")
    events = await dog.poll_once()
    assert kinds(events) == [(EventKind.DROPPED, "s2"), (EventKind.REDIALED, "s2")]


async def test_removed_participants_are_not_redialed(chain: Chain) -> None:
    await chain.cascade.up(wait_s=1)
    await chain.cascade.links["m3"].down()
    assert await Watchdog(chain.cascade).poll_once() == []


async def test_an_mcu_that_does_not_answer_does_not_blind_the_rest(chain: Chain) -> None:
    chain.net.mcu("m3").faults.down = True
    chain.net.mcu("m1").drop(CONF, "s1")
    events = await Watchdog(chain.cascade).poll_once()
    assert kinds(events) == [(EventKind.DROPPED, "s1"), (EventKind.REDIALED, "s1")]


async def test_run_until_stopped(chain: Chain) -> None:
    import asyncio
    await chain.cascade.up(wait_s=1)
    got: asyncio.Queue[WatchdogEvent] = asyncio.Queue()

    async def notify(e: WatchdogEvent) -> None:
        await got.put(e)

    stop = asyncio.Event()
    dog = Watchdog(chain.cascade, notify=notify, poll_s=0.01)
    task = asyncio.create_task(dog.run(stop))
    chain.net.mcu("m1").drop(CONF, "uplink")
    first = await asyncio.wait_for(got.get(), 2)
    assert first.kind is EventKind.DROPPED
    while (await asyncio.wait_for(got.get(), 2)).kind is not EventKind.RECOVERED:
        pass
    stop.set()
    await asyncio.wait_for(task, 2)


async def test_a_master_dialled_link_is_redialed_by_the_master(tmp_path: Path) -> None:
    c = build_chain(tmp_path, depth=2, dialler="master")
    await c.cascade.up(wait_s=1)
    c.net.mcu("m1").drop(CONF, "link-m2")
    events = await Watchdog(c.cascade).poll_once()
    assert [(e.kind, e.mcu, e.participant) for e in events] == [
        (EventKind.DROPPED, "m1", "link-m2"), (EventKind.REDIALED, "m1", "link-m2")]
    assert await c.cascade.links["m2"].state() is ConnectionState.CONNECTED
