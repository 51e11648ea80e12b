"""switch_to: through 0-3 cascade hops the chair sees the site (asserted by view_of)."""

from __future__ import annotations

import json

import pytest
from cascade_chain import CONF, Chain

from hnth_drivers.cascade.switch import Switcher
from hnth_drivers.errors import AccessDenied
from hnth_drivers.security.access import Operator, Role
from hnth_drivers.security.audit import verify


def switcher(chain: Chain, **kw: object) -> Switcher:
    return Switcher(chain.cascade, operator=chain.central, tree=chain.tree, audit=chain.audit,
                    view_of=chain.chair_view, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(("site", "hops"), [("s0", 0), ("s1", 1), ("s2b", 2), ("s3", 3)])
async def test_switch_through_hops_shows_the_site_to_the_chair(
        either_chain: Chain, site: str, hops: int) -> None:
    chain = either_chain
    await chain.cascade.up(wait_s=1)
    trace = await switcher(chain).switch_to(site)
    assert trace.ok, trace.reason
    assert trace.verdict == "PASS"
    assert trace.hops == hops and len(trace.path) == hops + 1
    assert chain.net.view_of("m0", CONF, "gov") == (site,)
    assert site in chain.net.audio_of("m0", CONF, "gov")
    assert trace.round_trips == 2
    # per MCU on the path: show full-screen and unmute what it shows
    assert sorted(c.operation for c in trace.actions) == sorted(
        ["show_full_screen", "mute"] * (hops + 1))
    # per MCU: the layout toward the chair, that leg's state, the participant shown
    assert sorted(c.operation for c in trace.confirmations) == sorted(
        ["layout", "participant", "participant"] * (hops + 1))
    assert trace.seen == (site,)


async def test_switching_back_and_forth(either_chain: Chain) -> None:
    chain = either_chain
    await chain.cascade.up(wait_s=1)
    sw = switcher(chain)
    for site in ["s3", "s1", "s3b", "s0", "s2"]:
        trace = await sw.switch_to(site)
        assert trace.ok, trace.reason
        assert chain.chair_view() == (site,)


async def test_the_sound_path_is_opened(chain: Chain) -> None:
    await chain.cascade.up(wait_s=1)
    chain.net.mcu("m2").mute(CONF, "s2", True)
    master_leg = chain.cascade.links["m1"].master_leg
    chain.net.mcu("m0").mute(CONF, master_leg, True)     # the link from m1 muted on m0
    assert "s2" not in chain.net.audio_of("m0", CONF, "gov")
    hears = lambda: chain.net.audio_of("m0", CONF, "gov")  # noqa: E731
    trace = await switcher(chain, hears=hears).switch_to("s2")
    assert trace.ok, trace.reason
    assert not chain.net.mcu("m2").participant(CONF, "s2").muted
    assert "s2" in chain.net.audio_of("m0", CONF, "gov")


async def test_without_the_policy_a_muted_link_fails_the_sound_check(chain: Chain) -> None:
    await chain.cascade.up(wait_s=1)
    chain.net.mcu("m0").mute(CONF, chain.cascade.links["m1"].master_leg, True)
    hears = lambda: chain.net.audio_of("m0", CONF, "gov")  # noqa: E731
    trace = await switcher(chain, hears=hears, unmute_path=False).switch_to("s1")
    assert not trace.ok and trace.reason == "the chair does not hear s1"
    assert chain.chair_view() == ("s1",)                  # the picture is there


async def test_slow_mcu_beyond_the_deadline_fails_cleanly(chain: Chain) -> None:
    await chain.cascade.up(wait_s=1)
    chain.net.mcu("m2").faults.latency_ms = 2000
    trace = await switcher(chain, deadline_s=0.2).switch_to("s3")
    assert not trace.ok and trace.verdict == "FAIL"
    assert trace.reason is not None and "deadline of 0.2 s" in trace.reason
    assert trace.total_s < 1.0
    assert any(c.error == "cancelled" and c.mcu == "m2" for c in trace.actions)
    # nothing left running: the loop has only this task
    import asyncio
    assert len(asyncio.all_tasks()) == 1
    chain.net.mcu("m2").faults.latency_ms = 0
    again = await switcher(chain).switch_to("s3")
    assert again.ok and chain.chair_view() == ("s3",)


async def test_dropped_link_on_the_path_fails_the_confirmation(chain: Chain) -> None:
    await chain.cascade.up(wait_s=1)
    chain.net.mcu("m2").drop(CONF, "uplink")
    trace = await switcher(chain).switch_to("s3")
    assert not trace.ok
    assert trace.reason is not None


async def test_device_error_fails_the_trace(chain: Chain) -> None:
    from hnth_sim.mcu.model import Refusal
    await chain.cascade.up(wait_s=1)
    chain.net.mcu("m1").faults.fail_next("show_full_screen", Refusal.INTERNAL_ERROR)
    trace = await switcher(chain).switch_to("s2")
    assert not trace.ok and trace.reason is not None and "actions failed" in trace.reason


async def test_every_switch_is_audited_and_scoped(chain: Chain) -> None:
    await chain.cascade.up(wait_s=1)
    await switcher(chain).switch_to("s1")
    tech = Operator("tech.s2", Role.MCU_TECHNICIAN, scope="s2b")
    scoped = Switcher(chain.cascade, operator=tech, tree=chain.tree, audit=chain.audit)
    with pytest.raises(AccessDenied):
        await scoped.switch_to("s1")
    trace = await scoped.switch_to("s3")   # s3 lies under s2b in the test hierarchy
    assert trace.ok
    lines = [json.loads(x) for x in chain.audit.path.read_text().splitlines()]
    assert [(r["actor"], r["target"], r["result"]) for r in lines] == [
        ("central", "s1", "ok"), ("tech.s2", "s1", "denied"), ("tech.s2", "s3", "ok")]
    assert lines[0]["detail"]["verdict"] == "PASS"
    assert verify(chain.audit.path).ok


async def test_limit_is_configurable(chain: Chain) -> None:
    await chain.cascade.up(wait_s=1)
    chain.net.mcu("m1").faults.latency_ms = 30
    trace = await switcher(chain, limit_s=0.01, deadline_s=5).switch_to("s1")
    assert trace.ok and trace.verdict == "FAIL" and not trace.within_limit


async def test_unknown_site_is_a_config_error(chain: Chain) -> None:
    from hnth_drivers.errors import ConfigError
    with pytest.raises(ConfigError):
        await switcher(chain).switch_to("nowhere")
    with pytest.raises(ConfigError, match="chair"):
        await switcher(chain).switch_to("gov")
