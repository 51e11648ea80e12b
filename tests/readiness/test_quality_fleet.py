"""``hnth readiness --network FILE`` on a simulated network: a Codian MCU's sites show loss
from the MCU and jitter/delay from their room's SNMP agent, as the network file names it."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

from hnth_drivers.network import load_network
from hnth_sim.cli_network import serve_network

from ..conftest import HNTH
from .province import province


async def test_readiness_on_a_network_file_takes_jitter_and_delay_from_snmp(
        tmp_path: Path) -> None:
    out = tmp_path / "net"
    async with serve_network(province(), out, rooms=6) as net:
        network = load_network(net.network_file)
        rooms = {t.id: t.vendor for t in network.snmp if t.id in net.rooms}
        assert rooms and set(rooms.values()) == {"cisco-tp", "polycom-codec"}
        env = {k: v for k, v in os.environ.items() if not k.startswith("HNTH_")}
        env["HNTH_AUDIT_LOG"] = str(tmp_path / "audit.jsonl")
        summary = tmp_path / "summary.json"
        proc = await asyncio.create_subprocess_exec(
            *HNTH, "readiness", "--network", str(net.network_file), "--sample-calls", "0",
            "--lang", "en", "--out", str(summary), env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        stdout, stderr = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode in (0, 1), stderr.decode()[-2000:]  # 1: the cascade is not up
    rows = {r["site"]: r for r in json.loads(summary.read_text(encoding="utf-8"))["rows"]}
    mcu_driver = {m.id: m.driver for m in network.mcus}
    checked = codian = 0
    for site, vendor in rooms.items():
        row = rows[site]
        if row["connection"] != "connected":
            continue
        sources = row["quality_sources"]
        if mcu_driver[row["mcu"]] == "codian":  # Codian: loss only, from the MCU
            assert sources["loss"] == "mcu", row
            codian += 1
        assert sources["jitter"] == "snmp" and row["jitter_ms"] is not None, row
        if vendor == "polycom-codec":  # POLYCOM-VIDEO-MIB tells latency too
            assert sources["delay"] == "snmp" and row["delay_ms"] is not None, row
        else:  # the Cisco profile reads no latency object: unknown, not zero
            assert "delay" not in sources and row["delay_ms"] is None, row
        checked += 1
    assert checked >= 2 and codian >= 1
    for site, row in rows.items():  # a site without a room agent: nothing from SNMP
        if site not in rooms:
            assert "snmp" not in row["quality_sources"].values(), row
    assert "MCU/SNMP/" in stdout.decode()  # the table: loss / jitter / delay sources
