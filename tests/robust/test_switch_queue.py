"""Switch requests for one chair's screen are queued and coalesced, latest wins; every
request is answered done, superseded or failed (issue #18 item 6)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from hnth_drivers.cascade.switch import Switcher
from hnth_drivers.security.audit import verify
from tests.cascade.cascade_chain import Chain, build_chain

SITES = ["s0", "s1", "s1b", "s2", "s2b", "s3", "s3b"]


def chain_with_latency(tmp_path: Path, latency_ms: float = 3.0) -> Chain:
    chain = build_chain(tmp_path)
    for model_id in ("m0", "m1", "m2", "m3"):
        chain.net.mcu(model_id).faults.latency_ms = latency_ms
    return chain


def switcher(chain: Chain) -> Switcher:
    return Switcher(chain.cascade, operator=chain.central, tree=chain.tree,
                    audit=chain.audit, view_of=chain.chair_view)


def audit_results(chain: Chain) -> list[str]:
    return [json.loads(line)["result"] for line in chain.audit.path.read_text().splitlines()
            if json.loads(line)["action"] == "cascade.switch_to"]


async def test_hundred_concurrent_requests_latest_wins(tmp_path: Path) -> None:
    chain = chain_with_latency(tmp_path)
    await chain.cascade.up(wait_s=1)
    sites = [SITES[i % len(SITES)] for i in range(100)]
    # several Switcher objects (several operators' consoles) over one cascade share it
    switchers = [switcher(chain) for _ in range(4)]
    traces = await asyncio.gather(*(switchers[i % 4].switch_to(site)
                                    for i, site in enumerate(sites)))
    # the rule first (it fails on a switcher without a queue: 1 ok, 99 failed)
    assert sorted(audit_results(chain)) == sorted(["ok"] * 2 + ["superseded"] * 98)
    outcomes = [t.outcome for t in traces]
    assert outcomes[0] == "done" and outcomes[-1] == "done"
    assert outcomes[1:-1] == ["superseded"] * 98
    for i in range(1, 99):  # each superseded by the next request, before it ran
        assert traces[i].superseded_by == sites[i + 1]
        assert traces[i].actions == () and traces[i].verdict == "SUPERSEDED"
    assert traces[-1].queued_s > 0 and traces[-1].ok
    assert chain.chair_view() == (sites[-1],)
    assert verify(chain.audit.path).ok


async def test_requests_one_after_another_all_run(tmp_path: Path) -> None:
    chain = chain_with_latency(tmp_path)
    await chain.cascade.up(wait_s=1)
    sw = switcher(chain)
    for site in ["s3", "s1", "s2b"]:
        trace = await sw.switch_to(site)
        assert trace.outcome == "done" and trace.queued_s < 0.01


async def test_failed_switch_is_answered_and_the_queue_moves_on(tmp_path: Path) -> None:
    chain = chain_with_latency(tmp_path)
    await chain.cascade.up(wait_s=1)
    chain.net.mcu("m3").faults.fail_next("*", times=1)
    sw = switcher(chain)
    first, second = await asyncio.gather(sw.switch_to("s3"), sw.switch_to("s1"))
    assert first.outcome == "failed" and first.reason
    assert second.outcome == "done"
    assert chain.chair_view() == ("s1",)


async def test_a_cancelled_waiting_request_does_not_stall_the_screen(tmp_path: Path) -> None:
    chain = chain_with_latency(tmp_path)
    await chain.cascade.up(wait_s=1)
    sw = switcher(chain)
    running = asyncio.ensure_future(sw.switch_to("s3"))
    await asyncio.sleep(0)
    waiting = asyncio.ensure_future(sw.switch_to("s2"))
    await asyncio.sleep(0)
    waiting.cancel()
    assert (await running).ok
    trace = await asyncio.wait_for(sw.switch_to("s1"), 10)
    assert trace.outcome == "done" and chain.chair_view() == ("s1",)
