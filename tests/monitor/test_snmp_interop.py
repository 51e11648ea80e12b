"""Interop with Debian's net-snmp, both ways.

- our poller reads a real ``snmpd`` running a v3-only configuration;
- net-snmp's ``snmpget`` / ``snmpwalk`` / ``snmpbulkwalk`` read our agent at authPriv
  (SHA-256 + AES-128), while v2c and authNoPriv requests get no data.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from hnth_drivers import STRICT
from hnth_drivers.errors import AuthError
from hnth_drivers.monitor import SnmpPoller, SnmpTarget
from hnth_sim.snmp import SnmpAgent

from .conftest import (
    AUTH_KEY,
    PRIV_KEY,
    USER,
    require_tool,
    run_snmpd,
    run_tool,
    v3_user,
)

pytestmark = [pytest.mark.interop, pytest.mark.asyncio]


def _v3(user: str = USER) -> list[str]:
    return ["-v3", "-l", "authPriv", "-u", user, "-a", "SHA-256", "-A", AUTH_KEY,
            "-x", "AES", "-X", PRIV_KEY, "-t", "2", "-r", "1", "-On"]


# ---- our poller reads real snmpd ---------------------------------------------------------
async def test_poller_reads_snmpd(snmpd: tuple[int, str]) -> None:
    port, user = snmpd
    target = SnmpTarget("snmpd", "127.0.0.1", v3_user(user=user), port=port, vendor="mib2",
                        timeout=1.0, retries=2)
    async with SnmpPoller(STRICT) as poller:
        got = await poller.get(target, ["1.3.6.1.2.1.1.1.0", "1.3.6.1.2.1.1.3.0"])
        health = await poller.poll(target)
        again = await poller.poll(target)
    descr = got[(1, 3, 6, 1, 2, 1, 1, 1, 0)]
    assert isinstance(descr, str) and descr  # Linux … (uname)
    assert isinstance(got[(1, 3, 6, 1, 2, 1, 1, 3, 0)], int)
    assert health.reachable and health.error is None, health.error
    assert health.descr == descr
    assert health.uptime_s is not None and health.uptime_s >= 0
    assert health.interfaces, "snmpd serves ifTable (lo at least)"
    assert any(i.up for i in health.interfaces)
    assert again.uptime_s is not None and again.uptime_s >= health.uptime_s
    assert not again.rebooted


async def test_poller_walks_snmpd_system_group(snmpd: tuple[int, str]) -> None:
    port, user = snmpd
    target = SnmpTarget("snmpd", "127.0.0.1", v3_user(user=user), port=port, timeout=1.0,
                        retries=2)
    async with SnmpPoller(STRICT, max_repetitions=3) as poller:
        cols = await poller.walk(target, ["1.3.6.1.2.1.1", "1.3.6.1.2.1.2.2.1.8"])
    system = cols[(1, 3, 6, 1, 2, 1, 1)]
    assert (1, 0) in system and (3, 0) in system and (5, 0) in system
    assert all(v in (1, 2, 3, 4, 5, 6, 7) for v in cols[(1, 3, 6, 1, 2, 1, 2, 2, 1, 8)].values())


async def test_snmpd_refuses_wrong_keys(snmpd: tuple[int, str]) -> None:
    port, user = snmpd
    target = SnmpTarget("snmpd", "127.0.0.1", v3_user(user=user, auth="not-the-key-1"),
                        port=port, timeout=0.5, retries=2)
    async with SnmpPoller(STRICT) as poller, asyncio.timeout(10):
        with pytest.raises(AuthError, match="credentials"):  # a timeout would hide the refusal
            await poller.get(target, ["1.3.6.1.2.1.1.3.0"])


# ---- net-snmp reads our agent ---------------------------------------------------------
async def test_snmpget_reads_our_agent(agent: SnmpAgent) -> None:
    snmpget = require_tool("snmpget")
    dev = agent.device("dev0002")
    dev.add_call("84-24-1234", jitter_ms=17)
    host, port = agent.address
    code, out = await run_tool(snmpget, *_v3(), "-n", "dev0002", f"{host}:{port}",
                               "1.3.6.1.2.1.1.5.0", "1.3.6.1.4.1.32473.7.1.1.0",
                               "1.3.6.1.4.1.32473.7.1.2.1.5.1")
    assert code == 0, out
    assert '.1.3.6.1.2.1.1.5.0 = STRING: "dev0002"' in out
    assert ".1.3.6.1.4.1.32473.7.1.1.0 = Gauge32: 1" in out
    assert ".1.3.6.1.4.1.32473.7.1.2.1.5.1 = Gauge32: 17" in out


async def test_snmpwalk_and_bulkwalk_read_our_agent(agent: SnmpAgent) -> None:
    snmpwalk = require_tool("snmpwalk")
    bulkwalk = require_tool("snmpbulkwalk")
    agent.device("dev0001").set_link(2, False)
    host, port = agent.address
    # No -n: the empty context is the first device.
    code, out = await run_tool(snmpwalk, *_v3(), f"{host}:{port}", "1.3.6.1.2.1.2.2.1.8")
    assert code == 0, out
    assert out.splitlines() == [".1.3.6.1.2.1.2.2.1.8.1 = INTEGER: 1",
                                ".1.3.6.1.2.1.2.2.1.8.2 = INTEGER: 2"]
    code, bulk = await run_tool(bulkwalk, *_v3(), "-n", "dev0003", f"{host}:{port}",
                                "1.3.6.1.2.1")
    assert code == 0, bulk
    assert '.1.3.6.1.2.1.1.5.0 = STRING: "dev0003"' in bulk
    assert ".1.3.6.1.2.1.25.3.3.1.2.196609 = INTEGER: 5" in bulk


async def test_v2c_gets_no_answer_from_our_agent(agent: SnmpAgent) -> None:
    snmpget = require_tool("snmpget")
    host, port = agent.address
    for community in ("public", "private", USER):
        code, out = await run_tool(snmpget, "-v2c", "-c", community, "-t", "0.5", "-r", "0",
                                   f"{host}:{port}", "1.3.6.1.2.1.1.5.0")
        assert code != 0 and "Timeout" in out and "STRING" not in out, out
    code, out = await run_tool(snmpget, "-v1", "-c", "public", "-t", "0.5", "-r", "0",
                               f"{host}:{port}", "1.3.6.1.2.1.1.5.0")
    assert code != 0 and "STRING" not in out, out


async def test_authnopriv_and_wrong_keys_get_no_data(agent: SnmpAgent) -> None:
    snmpget = require_tool("snmpget")
    host, port = agent.address
    code, out = await run_tool(snmpget, "-v3", "-l", "authNoPriv", "-u", USER, "-a", "SHA-256",
                               "-A", AUTH_KEY, "-t", "0.5", "-r", "0", f"{host}:{port}",
                               "1.3.6.1.2.1.1.5.0")
    assert code != 0 and "STRING" not in out, out
    wrong = _v3()
    wrong[wrong.index(PRIV_KEY)] = "wrong-priv-key"
    code, out = await run_tool(snmpget, *wrong, "-t", "0.5", "-r", "0", f"{host}:{port}",
                               "1.3.6.1.2.1.1.5.0")
    assert code != 0 and "STRING" not in out, out
    md5 = _v3()
    md5[md5.index("SHA-256")] = "MD5"
    code, out = await run_tool(snmpget, *md5, "-t", "0.5", "-r", "0", f"{host}:{port}",
                               "1.3.6.1.2.1.1.5.0")
    assert code != 0 and "STRING" not in out, out


async def test_net_snmp_reads_the_telepresence_and_polycom_structures(agent: SnmpAgent
                                                                      ) -> None:
    """net-snmp decodes what the simulator serves with the MIBs' types: Counter64 for
    ctpcRxTotalPackets / ctpcRxLostPackets and for the Unsigned64 ctpcAvgPeriodJitter,
    rows indexed {ctpcIndex, ctpcStreamType, ctpcStreamSource}, ctpcState an INTEGER,
    Polycom's figures STRINGs."""
    from hnth_sim.snmp import SimVendor

    snmpwalk = require_tool("snmpbulkwalk")
    snmpget = require_tool("snmpget")
    dev = agent.device("dev0003")
    dev.clock = lambda: 500.0
    dev.vendor = SimVendor.CISCO_TP
    idx = dev.add_call("84241234", jitter_ms=21)
    dev.set_counters(idx, 1, 2**64 - 5, 7)
    host, port = agent.address
    code, out = await run_tool(snmpwalk, *_v3(), "-n", "dev0003", f"{host}:{port}",
                               "1.3.6.1.4.1.9.9.644.1.4")
    assert code == 0, out
    entry = ".1.3.6.1.4.1.9.9.644.1.4"
    lines = set(out.splitlines())
    assert f"{entry}.8.1.11.{idx} = INTEGER: 8" in lines                 # inProgress
    assert f'{entry}.8.1.2.{idx} = STRING: "84241234"' in lines
    assert f"{entry}.10.1.12.{idx}.1.2 = Counter64: {2**64 - 5}" in lines  # video, priCodec
    assert f"{entry}.10.1.13.{idx}.1.2 = Counter64: 7" in lines
    assert f"{entry}.10.1.22.{idx}.2.2 = Counter64: 21" in lines          # audio jitter
    dev.vendor = SimVendor.POLYCOM_CODEC
    dev.set_quality(idx, video_loss_percent=2.5, delay_ms=140)
    code, out = await run_tool(snmpget, *_v3(), "-n", "dev0003", f"{host}:{port}",
                               "1.3.6.1.4.1.2684.1.1.21.0", "1.3.6.1.4.1.2684.1.1.22.0",
                               "1.3.6.1.4.1.2684.1.1.23.0")
    assert code == 0, out
    assert out.splitlines() == ['.1.3.6.1.4.1.2684.1.1.21.0 = STRING: "2.5"',
                                '.1.3.6.1.4.1.2684.1.1.22.0 = STRING: "21"',
                                '.1.3.6.1.4.1.2684.1.1.23.0 = STRING: "140"']


_POLYCOM_PASS = """#!/bin/sh
# snmpd 'pass' handler: POLYCOM-VIDEO-MIB polycomVSPercentPacketLoss / Jitter / Latency
# (2684.1.1.21/.22/.23, DisplayString scalars) as a Polycom codec in a call would serve.
base=.1.3.6.1.4.1.2684.1.1
answer() {
  case "$1" in
    $base.21.0) printf '%s\\nstring\\n2.5\\n' "$1" ;;
    $base.22.0) printf '%s\\nstring\\n35\\n' "$1" ;;
    $base.23.0) printf '%s\\nstring\\nN/A\\n' "$1" ;;
  esac
}
case "$1" in
  -g) answer "$2" ;;
  -n) case "$2" in
        $base|$base.1*|$base.2|$base.20*) answer $base.21.0 ;;
        $base.21*) answer $base.22.0 ;;
        $base.22*) answer $base.23.0 ;;
      esac ;;
esac
"""


@pytest.fixture
def snmpd_polycom(tmp_path: Path) -> Iterator[tuple[int, str]]:
    """snmpd serving Polycom's three DisplayString scalars through a ``pass`` script
    (net-snmp's pass cannot serve Counter64, so the Cisco counters are checked with
    net-snmp's tools against our agent instead)."""
    script = tmp_path / "polycom-pass.sh"
    script.write_text(_POLYCOM_PASS)
    script.chmod(0o755)
    yield from run_snmpd(tmp_path, f"pass .1.3.6.1.4.1.2684.1.1 /bin/sh {script}\n")


async def test_poller_parses_polycom_strings_from_snmpd(snmpd_polycom: tuple[int, str]
                                                       ) -> None:
    port, user = snmpd_polycom
    target = SnmpTarget("hdx", "127.0.0.1", v3_user(user=user), port=port,
                        vendor="polycom-codec", timeout=1.0, retries=2)
    async with SnmpPoller(STRICT) as poller:
        raw = await poller.get(target, ["1.3.6.1.4.1.2684.1.1.21.0"])
        health = await poller.poll(target)
    assert raw == {(1, 3, 6, 1, 4, 1, 2684, 1, 1, 21, 0): "2.5"}
    assert health.reachable and health.error is None, health.error
    (codec,) = health.calls
    assert (codec.call, codec.loss_percent, codec.jitter_ms, codec.delay_ms) == (
        "*", 2.5, 35.0, None)   # "N/A" is unknown, not a crash and not zero
