"""The watchdog and a lost master: the alarm after N silent rounds, and the failover only
when an operator allowed it (decisions with fake reads and a fake failover; then the real
failover on simulated MCUs)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cascade_chain import CONF, Chain, build_chain

from hnth_drivers.cascade.failover import FailoverTrace, StepHook, failover, successor
from hnth_drivers.cascade.live import LiveCascade, McuNode
from hnth_drivers.cascade.switch import Switcher
from hnth_drivers.cascade.watchdog import Watchdog, WatchdogEvent
from hnth_drivers.errors import ConfigError, DeviceError
from hnth_drivers.model import ConnectionState, Endpoint
from hnth_drivers.testing.model_mcu import ModelMcu

OK = ConnectionState.CONNECTED


class Reads:
    """What each round reads: every watched participant connected, except what the test
    silences (an MCU that does not answer) or drops."""

    def __init__(self, cascade: LiveCascade) -> None:
        self.cascade = cascade
        self.silent: set[str] = set()
        self.down: set[tuple[str, str]] = set()
        self.rounds = 0

    async def __call__(self) -> dict[tuple[str, str], ConnectionState]:
        self.rounds += 1
        c = self.cascade
        keys = [(m, s) for s, m in c.sites.items()]
        keys += [(k.caller.mcu_id, k.leg) for k in c.links.values()]
        return {k: ConnectionState.DISCONNECTED if k in self.down else OK
                for k in keys if k[0] not in self.silent}


class FakeFailover:
    """Records each call; reports the steps it is given; returns ``ok`` as told."""

    def __init__(self, chain: Chain, *, ok: bool = True, error: bool = False) -> None:
        self.standby = McuNode("sb", ModelMcu(chain.net.add_mcu("sb", ports=20)), CONF)
        self.ok, self.error = ok, error
        self.calls: list[str] = []

    async def __call__(self, cascade: LiveCascade, on_step: StepHook
                       ) -> tuple[LiveCascade, FailoverTrace]:
        self.calls.append(cascade.master)
        if self.error:
            raise DeviceError("no answer", device="sb", operation="create_conference")
        for n, step in enumerate(("conference", "sites", "links", "connected", "restored")):
            on_step(step, n / 10)
        new = successor(cascade, self.standby)
        return new, FailoverTrace(cascade.master, "sb", (), (("restored", 0.4),), 0.4, None,
                                  self.ok, None if self.ok else "restoring s2: not confirmed")


def kinds(events: list[WatchdogEvent]) -> list[str]:
    return [e.kind.value for e in events]


async def rounds(dog: Watchdog, n: int) -> list[list[WatchdogEvent]]:
    return [await dog.poll_once() for _ in range(n)]


async def test_without_permission_only_the_alarm_once_per_loss(chain: Chain) -> None:
    reads = Reads(chain.cascade)
    seen: list[WatchdogEvent] = []
    dog = Watchdog(chain.cascade, read_states=reads, lost_after=3, notify=seen.append,
                   audit=chain.audit)
    calls = chain.drivers["m1"].calls
    assert await rounds(dog, 2) == [[], []]
    reads.silent.add("m0")
    reads.down.add(("m1", "uplink"))  # the link into the dead master drops with it
    first, second, third, fourth = await rounds(dog, 4)
    assert first == second == []  # m1's uplink is not redialled: nothing to dial
    assert kinds(third) == ["master_lost"] and fourth == []  # raised once
    assert dog.missed == 4
    alarm = third[0]
    assert (alarm.what, alarm.mcu, alarm.participant) == ("master", "m0", "gov")
    assert "not allowed" in (alarm.detail or "")
    assert chain.drivers["m1"].calls == calls  # no redial of m1's uplink to a silent m0
    assert dog.cascade is chain.cascade
    reads.silent.clear()
    reads.down.clear()
    back = await dog.poll_once()
    assert kinds(back) == ["master_back"] and dog.missed == 0
    assert seen == [alarm, back[0]]
    logged = chain.audit.path.read_text()
    assert '"watchdog.master_lost"' in logged and '"watchdog.master_back"' in logged


async def test_a_master_silent_for_fewer_rounds_is_no_loss(chain: Chain) -> None:
    reads = Reads(chain.cascade)
    fake = FakeFailover(chain)
    dog = Watchdog(chain.cascade, read_states=reads, lost_after=3, failover=fake)
    for _ in range(3):
        reads.silent = {"m0"}
        assert await rounds(dog, 2) == [[], []]
        reads.silent = set()
        assert await dog.poll_once() == []
    assert fake.calls == []


async def test_allowed_failover_runs_once_reports_each_step_and_watches_the_new_cascade(
        chain: Chain) -> None:
    reads = Reads(chain.cascade)
    fake = FakeFailover(chain)
    seen: list[WatchdogEvent] = []
    dog = Watchdog(chain.cascade, read_states=reads, lost_after=2, failover=fake,
                   notify=seen.append, audit=chain.audit)
    reads.silent.add("m0")
    reads.down.add(("m1", "uplink"))
    first, second = await rounds(dog, 2)
    assert first == [] and fake.calls == ["m0"]
    assert kinds(second) == ["master_lost"] + ["failover_step"] * 5 + ["failed_over"]
    assert [e.participant for e in second[1:6]] == [
        "conference", "sites", "links", "connected", "restored"]
    assert second[-1].participant == "sb" and "m0 -> sb" in (second[-1].detail or "")
    assert seen == second  # reported as they happened, in order
    assert dog.cascade.master == "sb" and dog.missed == 0
    # the next rounds watch the new cascade: the standby answers, nothing to report
    reads.cascade = dog.cascade
    reads.down.clear()  # m1's link is now to the standby
    assert await rounds(dog, 3) == [[], [], []]
    assert fake.calls == ["m0"]
    assert chain.audit.path.read_text().count('"watchdog.failover_step"') == 5


@pytest.mark.parametrize("error", [False, True])
async def test_a_failed_failover_is_reported_and_not_retried(chain: Chain,
                                                              error: bool) -> None:
    reads = Reads(chain.cascade)
    fake = FakeFailover(chain, ok=False, error=error)
    dog = Watchdog(chain.cascade, read_states=reads, lost_after=1, failover=fake)
    reads.silent.add("m0")
    reads.down.add(("m1", "uplink"))
    events = await dog.poll_once()
    assert kinds(events)[0] == "master_lost" and kinds(events)[-1] == "failover_failed"
    assert ("no answer" if error else "not confirmed") in (events[-1].detail or "")
    assert dog.cascade is chain.cascade
    assert await rounds(dog, 3) == [[], [], []] and fake.calls == ["m0"]


async def test_a_master_still_carrying_its_links_is_not_failed_over(chain: Chain) -> None:
    """Silent to the watchdog but still connected to its slaves: alive, unreachable from
    here; moving the meeting would split it. The failover waits for the links to drop."""
    reads = Reads(chain.cascade)
    fake = FakeFailover(chain)
    dog = Watchdog(chain.cascade, read_states=reads, lost_after=2, failover=fake)
    reads.silent.add("m0")  # m1 still reads its uplink to m0 as connected
    first, second, third = await rounds(dog, 3)
    assert first == [] and kinds(second) == ["master_lost"] and third == []
    assert "m1" in (second[0].detail or "") and "not failing over" in (second[0].detail or "")
    assert fake.calls == []
    reads.down.add(("m1", "uplink"))  # now the master's calls are gone too
    events = await dog.poll_once()
    assert fake.calls == ["m0"] and kinds(events)[-1] == "failed_over"
    assert "master_lost" not in kinds(events)  # the alarm was raised once


def test_lost_after_must_be_a_round_at_least(chain: Chain) -> None:
    with pytest.raises(ConfigError, match="lost_after"):
        Watchdog(chain.cascade, lost_after=0)


async def test_watchdog_fails_over_on_simulated_mcus(tmp_path: Path) -> None:
    """End to end in the library: the master dies mid-meeting, the watchdog (allowed) fails
    over after two silent rounds and the chair sees its site again through the standby."""
    c = build_chain(tmp_path, depth=2)
    await c.cascade.up(wait_s=1)
    assert (await Switcher(c.cascade, operator=c.central, tree=c.tree, audit=None
                           ).switch_to("s2")).ok
    standby = McuNode("sb", ModelMcu(c.net.add_mcu("sb", ports=20)), CONF)
    endpoints = {"gov": Endpoint("gov", "10.0.0.1"), "s0": Endpoint("s0", "10.0.0.2")}

    async def allowed(cascade: LiveCascade, on_step: StepHook
                      ) -> tuple[LiveCascade, FailoverTrace]:
        return await failover(cascade, standby, endpoints, operator=c.central, tree=c.tree,
                              audit=c.audit, showing="s2", wait_s=2, poll_s=0.01,
                              on_step=on_step,
                              view_of=lambda: c.net.view_of("sb", CONF, "gov"))

    dog = Watchdog(c.cascade, lost_after=2, failover=allowed, audit=c.audit)
    assert await dog.poll_once() == []
    master = c.net.mcu("m0")
    for p in list(master.participants(CONF)):
        master.drop(CONF, p.name)
    master.faults.down = True
    first = await dog.poll_once()
    assert "master_lost" not in kinds(first)
    second = await dog.poll_once()
    assert kinds(second)[0] == "master_lost" and kinds(second)[-1] == "failed_over"
    assert c.net.view_of("sb", CONF, "gov") == ("s2",)
    assert dog.cascade.master == "sb"
    assert await dog.poll_once() == []  # the new cascade is whole
    # a site of the new cascade that drops is redialled as before
    c.net.mcu("m1").drop(CONF, "s1b")
    assert kinds(await dog.poll_once()) == ["dropped", "redialed"]
