"""The poller against our simulator agent over UDP loopback: every health field,
every alarm kind from injected state changes, timeouts without hangs."""

from __future__ import annotations

import asyncio

import pytest

from hnth_drivers import STRICT
from hnth_drivers.errors import AuthError, DeviceTimeout
from hnth_drivers.monitor import (
    AlarmEngine,
    AlarmEvent,
    AlarmKind,
    FlapDamping,
    SnmpMonitor,
    SnmpPoller,
)
from hnth_drivers.monitor import snmp as poller_module
from hnth_sim.snmp import SimVendor, SnmpAgent

from .conftest import AUTH_KEY, target_for, v3_user

pytestmark = pytest.mark.asyncio

GUARD_S = 10.0  # a hang guard only: far above any deadline under test


async def test_every_health_field_from_the_agent(agent: SnmpAgent, poller: SnmpPoller) -> None:
    dev = agent.device("dev0001")
    dev.set_link(2, False)
    dev.set_cpu(20, 40)
    dev.add_call("sip:hue@example.vn", audio_loss_percent=1.25, video_loss_percent=0.5,
                 jitter_ms=12, delay_ms=80)
    dev.add_call("84123", jitter_ms=3, delay_ms=20)
    h = await poller.poll(target_for(agent, dev))
    assert h.reachable and h.error is None
    assert h.device == "dev0001" and h.vendor == "hnth-sim"
    assert h.descr == "hnth-sim SNMP device"
    assert h.uptime_s is not None and 0 <= h.uptime_s < 60 and not h.rebooted
    assert [(i.index, i.name, i.up) for i in h.interfaces] == [(1, "lan1", True),
                                                              (2, "lan2", False)]
    assert h.cpu_load_percent == 30.0
    assert h.active_calls == 2
    first, second = h.calls
    assert (first.call, first.remote, first.audio_loss_percent, first.video_loss_percent,
            first.jitter_ms, first.delay_ms) == ("1", "sip:hue@example.vn", 1.25, 0.5, 12, 80)
    assert (second.call, second.remote, second.jitter_ms, second.delay_ms) == (
        "2", "84123", 3, 20)
    model = h.to_device_health()
    assert model.interfaces_down == ("2 (lan2)",) and model.active_calls == 2


async def test_reboot_is_seen_as_uptime_going_back(agent: SnmpAgent,
                                                   poller: SnmpPoller) -> None:
    dev = agent.device("dev0002")
    dev.boot_at -= 1000  # up for 1000 s
    target = target_for(agent, dev)
    before = await poller.poll(target)
    assert before.uptime_s is not None and before.uptime_s >= 1000 and not before.rebooted
    dev.reboot()
    after = await poller.poll(target)
    assert after.rebooted and after.uptime_s is not None and after.uptime_s < 1000


@pytest.mark.parametrize(("vendor", "profile"), [
    (SimVendor.POLYCOM_CODEC, "polycom-codec"), (SimVendor.CISCO_TP, "cisco-tp"),
    (SimVendor.POLYCOM_MCU, "polycom-mcu")])
async def test_vendor_tables_against_vendor_objects(agent: SnmpAgent, poller: SnmpPoller,
                                                    vendor: SimVendor, profile: str) -> None:
    dev = agent.device("dev0003")
    now = [1000.0]
    dev.clock = lambda: now[0]
    dev.vendor = vendor
    dev.add_call("1001", video_loss_percent=4.0, jitter_ms=30, delay_ms=120)
    dev.add_call("1002", video_loss_percent=1.0, audio_loss_percent=12.0, jitter_ms=70,
                 delay_ms=90)
    target = target_for(agent, dev, vendor=profile)
    h = await poller.poll(target)
    assert h.reachable and h.vendor == profile
    if profile == "polycom-codec":  # one codec-wide, worst-call figure, from strings
        (codec,) = h.calls
        assert (codec.call, codec.loss_percent, codec.jitter_ms, codec.delay_ms) == (
            "*", 12.0, 70.0, 120.0)
        assert h.active_calls is None
    elif profile == "cisco-tp":  # per-stream counters: loss needs an interval
        assert [(c.call, c.state, c.video_loss_percent, c.jitter_ms) for c in h.calls] == [
            ("1", "inProgress", None, 30.0), ("2", "inProgress", None, 70.0)]
        assert h.active_calls == 2
        now[0] += 10.0
        h = await poller.poll(target)
        assert [(c.call, c.video_loss_percent, c.audio_loss_percent) for c in h.calls] == [
            ("1", pytest.approx(4.0), 0.0), ("2", pytest.approx(1.0), pytest.approx(12.0))]
        dev.set_counters(1, 1, 2**64 - 1_000, 50)      # video of call 1 about to wrap
        h = await poller.poll(target)
        now[0] += 10.0
        h = await poller.poll(target)
        assert h.calls[0].video_loss_percent == pytest.approx(4.0)
        dev.end_call(2)                                  # listed as ended: not a call
        now[0] += 10.0
        h = await poller.poll(target)
        assert [c.call for c in h.calls] == ["1"] and h.active_calls == 1
    else:
        assert h.active_conferences == 2 and h.calls == ()


async def test_cisco_values_reach_the_poller_as_numbers(agent: SnmpAgent,
                                                        poller: SnmpPoller) -> None:
    """Counter64 and Unsigned64 (Counter64 on the wire) arrive as Python ints, full width."""
    dev = agent.device("dev0002")
    dev.vendor = SimVendor.CISCO_TP
    dev.clock = lambda: 50.0   # counters stand still
    idx = dev.add_call("84241234", jitter_ms=25)
    dev.set_counters(idx, 1, 2**64 - 1, 2**63)
    entry = (1, 3, 6, 1, 4, 1, 9, 9, 644, 1, 4, 10, 1)
    got = await poller.get(target_for(agent, dev), [
        (*entry, 12, idx, 1, 2), (*entry, 13, idx, 1, 2), (*entry, 22, idx, 2, 2),
        (*entry, 22, idx, 3, 2)])
    values = list(got.values())
    assert values[:2] == [2**64 - 1, 2**63]
    assert values[2] == 25 and values[3] is None   # no content stream: noSuchObject


async def test_get_and_walk(agent: SnmpAgent, poller: SnmpPoller) -> None:
    target = target_for(agent, "dev0001")
    got = await poller.get(target, ["1.3.6.1.2.1.1.5.0", "1.3.6.1.2.1.1.99.0"])
    assert got == {(1, 3, 6, 1, 2, 1, 1, 5, 0): "dev0001", (1, 3, 6, 1, 2, 1, 1, 99, 0): None}
    cols = await poller.walk(target, ["1.3.6.1.2.1.2.2.1.2", "1.3.6.1.2.1.25.3.3.1.2",
                                      "1.3.6.1.4.1.32473.7.1.2"])
    assert cols[(1, 3, 6, 1, 2, 1, 2, 2, 1, 2)] == {(1,): "lan1", (2,): "lan2"}
    assert cols[(1, 3, 6, 1, 2, 1, 25, 3, 3, 1, 2)] == {(196609,): 5, (196610,): 7}
    assert cols[(1, 3, 6, 1, 4, 1, 32473, 7, 1, 2)] == {}


async def test_long_walk_pages_through_getbulk(agent: SnmpAgent) -> None:
    dev = agent.device("dev0004")
    for n in range(40):
        dev.add_call(f"site-{n:02d}")
    async with SnmpPoller(STRICT, max_repetitions=5) as small:
        cols = await small.walk(target_for(agent, dev), ["1.3.6.1.4.1.32473.7.1.2.1.2"])
    rows = cols[(1, 3, 6, 1, 4, 1, 32473, 7, 1, 2, 1, 2)]
    assert [rows[(n,)] for n in range(1, 41)] == [f"site-{n:02d}" for n in range(40)]


async def test_silent_device_times_out_without_hanging(agent: SnmpAgent,
                                                       poller: SnmpPoller) -> None:
    dev = agent.device("dev0002")
    dev.silent = True
    target = target_for(agent, dev, timeout=0.2, retries=1)
    async with asyncio.timeout(GUARD_S):
        with pytest.raises(DeviceTimeout) as err:
            await poller.get(target, ["1.3.6.1.2.1.1.3.0"])
        h = await poller.poll(target)
    assert err.value.device == "dev0002" and err.value.operation == "snmp get"
    assert not h.reachable and h.error and "no answer" in h.error


async def test_closed_port_and_unknown_context_time_out(agent: SnmpAgent,
                                                        poller: SnmpPoller) -> None:
    from .conftest import free_udp_port

    closed = target_for(agent, "dev0001", timeout=0.2)
    closed = type(closed)(closed.name, "127.0.0.1", closed.credentials, port=free_udp_port(),
                          timeout=0.2, retries=0)
    unknown = target_for(agent, "nowhere", timeout=0.2)
    async with asyncio.timeout(GUARD_S):
        healths = await poller.poll_all([closed, unknown])
    assert [h.reachable for h in healths] == [False, False]


async def test_lossy_device_answers_with_retries(agent: SnmpAgent, poller: SnmpPoller) -> None:
    dev = agent.device("dev0003")
    dev.drop_rate = 0.3
    target = target_for(agent, dev, timeout=0.2, retries=6)
    async with asyncio.timeout(GUARD_S * 3):
        healths = [await poller.poll(target) for _ in range(5)]
    assert all(h.reachable and h.uptime_s is not None for h in healths)


async def test_wrong_keys_are_an_auth_error(agent: SnmpAgent, poller: SnmpPoller) -> None:
    target = target_for(agent, "dev0001", retries=2,  # a loaded machine: AuthError still
                        credentials=v3_user(auth=AUTH_KEY, priv="wrong-priv-key"))
    bad_user = target_for(agent, "dev0002", credentials=v3_user(user="mallory"))
    async with asyncio.timeout(GUARD_S):
        with pytest.raises(AuthError):
            await poller.get(target, ["1.3.6.1.2.1.1.3.0"])
        with pytest.raises(AuthError):
            await poller.get(bad_user, ["1.3.6.1.2.1.1.3.0"])
        h = await poller.poll(bad_user)
    assert h.reachable and h.error and "credentials" in h.error and h.uptime_s is None


async def test_concurrency_is_bounded(agent: SnmpAgent, monkeypatch: pytest.MonkeyPatch
                                      ) -> None:
    in_flight = peak = 0
    real_get = poller_module.get_cmd

    async def counting_get(*args: object, **kw: object) -> object:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        try:
            return await real_get(*args, **kw)
        finally:
            in_flight -= 1

    monkeypatch.setattr(poller_module, "get_cmd", counting_get)
    targets = [target_for(agent, f"dev{n:04d}") for n in range(1, 5)] * 6
    targets = [type(t)(f"{t.name}-{i}", t.host, t.credentials, port=t.port, vendor=t.vendor,
                       context=t.context, timeout=1.0) for i, t in enumerate(targets)]
    async with SnmpPoller(STRICT, max_in_flight=3) as poller:
        healths = await poller.poll_all(targets)
        assert all(h.reachable for h in healths)
        assert peak == 3
        peak = 0
        got = await asyncio.gather(*(poller.get(t, ["1.3.6.1.2.1.1.3.0"]) for t in targets))
        assert len(got) == 24 and peak <= 3


async def test_each_alarm_kind_from_injected_changes(agent: SnmpAgent,
                                                     poller: SnmpPoller) -> None:
    now = [0.0]
    alarms = AlarmEngine(damping=FlapDamping(enabled=False), clock=lambda: now[0])
    dev = agent.device("dev0001")
    dev.boot_at -= 500
    seen: list[AlarmEvent] = []
    alarms.on_event(seen.append)
    watch = SnmpMonitor(poller, [target_for(agent, dev, timeout=0.2)], alarms)
    iterated: list[AlarmEvent] = []

    async def consume() -> None:
        async for event in alarms.events():
            iterated.append(event)

    reader = asyncio.create_task(consume())
    await asyncio.sleep(0)

    async def step() -> list[AlarmKind]:
        before = len(seen)
        now[0] += 10
        await watch.sweep()
        return [e.kind for e in seen[before:]]

    call = dev.add_call("84-24-3825", jitter_ms=5, delay_ms=60)
    assert await step() == []                                   # healthy baseline
    dev.set_link(1, False)
    assert await step() == [AlarmKind.LINK_DOWN]
    dev.set_link(1, True)
    assert await step() == [AlarmKind.LINK_UP]
    dev.set_quality(call, delay_ms=300)
    assert await step() == [AlarmKind.QUALITY_DEGRADED]
    dev.set_quality(call, delay_ms=240)                         # hysteresis: not yet
    assert await step() == []
    dev.set_quality(call, delay_ms=100)
    assert await step() == [AlarmKind.QUALITY_RECOVERED]
    dev.silent = True
    assert await step() == [AlarmKind.DEVICE_DOWN]
    dev.silent = False
    dev.reboot()
    assert await step() == [AlarmKind.DEVICE_UP, AlarmKind.REBOOT]
    assert alarms.active() == []
    alarms.close()
    await asyncio.wait_for(reader, GUARD_S)
    assert iterated == seen
    down = next(e for e in seen if e.kind is AlarmKind.DEVICE_DOWN)
    assert down.device == "dev0001" and "no answer" in down.message


async def test_flapping_link_is_damped(agent: SnmpAgent, poller: SnmpPoller) -> None:
    now = [0.0]
    alarms = AlarmEngine(damping=FlapDamping(suppress_at=3.0, reuse_at=1.0, half_life_s=60),
                         clock=lambda: now[0])
    dev = agent.device("dev0004")
    watch = SnmpMonitor(poller, [target_for(agent, dev)], alarms)
    kinds: list[AlarmKind] = []
    alarms.on_event(lambda e: kinds.append(e.kind))
    await watch.sweep()
    for n in range(8):
        dev.set_link(2, n % 2 == 1)  # down, up, down, … one change a second
        now[0] += 1
        await watch.sweep()
    # The third change crosses suppress_at: one FLAPPING, then silence.
    assert kinds == [AlarmKind.LINK_DOWN, AlarmKind.LINK_UP, AlarmKind.LINK_DOWN,
                     AlarmKind.FLAPPING]
    dev.set_link(2, True)
    now[0] += 30  # still suppressed: nothing
    await watch.sweep()
    assert len(kinds) == 4
    now[0] += 600  # penalty decays below reuse_at: the settled state is reported once
    await watch.sweep()
    await watch.sweep()
    assert kinds[4:] == [AlarmKind.LINK_UP]


async def test_same_user_name_with_different_keys_on_two_agents(agent: SnmpAgent,
                                                                 poller: SnmpPoller) -> None:
    from hnth_sim.snmp import devices_named

    async with SnmpAgent(devices_named("other", 1), user="admin", auth_key="other-auth-1",
                         priv_key="other-priv-1") as other:
        theirs = target_for(other, "other0001",
                            credentials=v3_user(auth="other-auth-1", priv="other-priv-1"))
        ours = target_for(agent, "dev0001")
        for _ in range(2):  # interleaved: neither set of keys overwrites the other
            results = await poller.get_all([ours, theirs, ours, theirs],
                                           ["1.3.6.1.2.1.1.5.0"])
            assert [next(iter(r.values())) for r in results if isinstance(r, dict)] == [
                "dev0001", "other0001", "dev0001", "other0001"]


async def test_per_target_timeouts_against_a_slow_device(agent: SnmpAgent,
                                                         poller: SnmpPoller) -> None:
    slow = agent.device("dev0002")
    slow.reply_delay_s, slow.reply_jitter_s = 0.3, 0.05
    patient = target_for(agent, slow, timeout=2.0, retries=0)
    hasty = target_for(agent, "dev0002", timeout=0.1, retries=0)
    hasty = type(hasty)("dev0002-hasty", hasty.host, hasty.credentials, port=hasty.port,
                        vendor=hasty.vendor, context="dev0002", timeout=0.1, retries=0)
    brisk = target_for(agent, "dev0001", timeout=0.1, retries=0)  # same agent, no delay
    async with asyncio.timeout(GUARD_S):
        patient_h, hasty_h, brisk_h = await poller.poll_all([patient, hasty, brisk])
        with pytest.raises(DeviceTimeout):
            await poller.get(hasty, ["1.3.6.1.2.1.1.3.0"])
    assert patient_h.reachable and patient_h.uptime_s is not None
    assert not hasty_h.reachable
    assert brisk_h.reachable


async def test_error_replies_are_device_errors(agent: SnmpAgent, poller: SnmpPoller) -> None:
    from hnth_drivers.errors import DeviceError

    dev = agent.device("dev0003")
    dev.answer_with_error = True
    target = target_for(agent, dev)
    with pytest.raises(DeviceError) as err:
        await poller.get(target, ["1.3.6.1.2.1.1.3.0"])
    assert err.value.code == "genErr" and err.value.device == "dev0003"
    h = await poller.poll(target)
    assert h.reachable and h.error and "genErr" in h.error
    dev.reply_delay_s = 0.1  # late and failing
    with pytest.raises(DeviceError):
        await poller.get(target, ["1.3.6.1.2.1.1.3.0"])


async def test_unresolvable_host_is_unreachable_not_a_crash(poller: SnmpPoller) -> None:
    from hnth_drivers.errors import ConnectError
    from hnth_drivers.monitor import SnmpTarget

    target = SnmpTarget("lost", "no-such-host.invalid", v3_user(), timeout=0.5, retries=0)
    async with asyncio.timeout(GUARD_S):
        health = await poller.poll(target)
        with pytest.raises(ConnectError):
            await poller.get(target, ["1.3.6.1.2.1.1.3.0"])
    assert not health.reachable and health.error and "resolve" in health.error


async def test_walk_with_getnext_when_bulk_is_unavailable(agent: SnmpAgent,
                                                         poller: SnmpPoller) -> None:
    """SNMPv1 (only under a waiver) has no GETBULK: the walk then steps with GETNEXT."""
    target = target_for(agent, "dev0001")
    await poller.get(target, ["1.3.6.1.2.1.1.3.0"])
    poller._sessions[target].bulk = False  # as for a waived v1 target
    cols = await poller.walk(target, ["1.3.6.1.2.1.2.2.1.8", "1.3.6.1.2.1.25.3.3.1.2"])
    assert cols == {(1, 3, 6, 1, 2, 1, 2, 2, 1, 8): {(1,): 1, (2,): 1},
                    (1, 3, 6, 1, 2, 1, 25, 3, 3, 1, 2): {(196609,): 5, (196610,): 7}}


async def test_hostile_vendor_answers_are_unknown_within_the_deadline(
        agent: SnmpAgent, poller: SnmpPoller, monkeypatch: pytest.MonkeyPatch) -> None:
    """An agent answering the documented objects with the wrong types (strings for
    counters, numbers for DisplayStrings, OIDs, negative integers) and holes: the poll
    completes with those figures unknown, never an exception."""
    from pysnmp.proto.rfc1902 import Integer32, ObjectIdentifier, OctetString

    from hnth_sim.snmp import agent as agent_module
    from hnth_sim.snmp import mib

    class Hostile(mib.MibView):
        def __init__(self, dev: object) -> None:
            super().__init__(dev)  # type: ignore[arg-type]
            for i, oid in enumerate(self._oids):
                if oid[:len(mib.CTPC_STREAM_ENTRY)] == mib.CTPC_STREAM_ENTRY:
                    column = oid[len(mib.CTPC_STREAM_ENTRY)]
                    self._values[i] = {12: OctetString("lots"), 13: Integer32(-4),
                                       22: ObjectIdentifier((1, 3, 6))}[column]
                elif oid[:len(mib.POLYCOM_CODEC_QUALITY)] == mib.POLYCOM_CODEC_QUALITY:
                    self._values[i] = Integer32(7)
                elif oid[:len(mib.CTPC_ENTRY)] == mib.CTPC_ENTRY:
                    self._values[i] = OctetString("inProgress")

    monkeypatch.setattr(agent_module, "MibView", Hostile)
    dev = agent.device("dev0004")
    dev.add_call("84241234", video_loss_percent=3, jitter_ms=9)
    for vendor, profile in ((SimVendor.CISCO_TP, "cisco-tp"),
                            (SimVendor.POLYCOM_CODEC, "polycom-codec")):
        dev.vendor = vendor
        target = target_for(agent, dev, vendor=profile)
        async with asyncio.timeout(GUARD_S):
            first = await poller.poll(target)
            second = await poller.poll(target)
        assert first.reachable and second.reachable and second.error is None
        for call in second.calls:
            assert (call.loss_percent, call.audio_loss_percent, call.video_loss_percent,
                    call.jitter_ms, call.delay_ms, call.state) == (None,) * 6, call
        if profile == "cisco-tp":
            assert [c.call for c in second.calls] == ["1"]
            assert second.active_calls == 0     # no valid state: not counted as connected
        else:
            assert second.calls == ()           # nothing parsable: no codec-wide figure
