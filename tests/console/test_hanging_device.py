"""A device that hangs: an MCU that accepts the connection and never answers. The switch
through it is refused with a clear message and an audit record, in the MCU's time limit,
and the console keeps answering meanwhile."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from tests.conftest import simulator_process

from .conftest import Console, state_headers, user_env

HANGING_MCU = "vnpt-p18"


@pytest.fixture
def silent_listener() -> Iterator[int]:
    """A TCP port that accepts connections and never sends a byte."""
    server = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                held.append(conn)
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


def test_a_hanging_mcu_times_out_with_a_clear_message_and_the_console_answers(
        console: Console, silent_listener: int, tmp_path: Path) -> None:
    text = console.network.read_text()
    block = re.search(rf'id = "{HANGING_MCU}"\n(?:.+\n)*?url = "([^"]+)"\n', text)
    assert block, "the simulated network has no such MCU"
    hanging = text.replace(block.group(0), block.group(0).replace(
        block.group(1), f"https://127.0.0.1:{silent_listener}/smc/{HANGING_MCU}/")
        + "timeout_s = 2.0\n")
    network = console.network.with_name("network-hanging.toml")
    network.write_text(hanging)
    audit = tmp_path / "audit.jsonl"
    with simulator_process(["console", "--network", str(network), "--listen", "127.0.0.1:0",
                            "--tls-dir", str(console.ca.parent), "--no-watch"],
                           kind="console", env=user_env(tmp_path),
                           ready_within_s=90.0) as url:
        hung = Console(url, console.ca, audit, network, console.passwords)
        client, csrf = hung.session("central")
        with closing(client):
            results: dict[str, object] = {}

            def switch() -> None:
                results["answer"] = client.post("/api/switch", json={"site": "p18-c012"},
                                                headers=state_headers(csrf))

            t0 = time.monotonic()
            worker = threading.Thread(target=switch)
            worker.start()
            with hung.client() as other:  # the console answers while the switch waits
                hung.login(other, "central")
                assert other.get("/api/tree").status_code == 200
                assert other.get("/api/search", params={"q": "xa 1 hue"}).status_code == 200
            worker.join(60)
            answer = results["answer"]
            assert answer.status_code == 502, answer.text  # type: ignore[attr-defined]
            message = answer.json()["error"]  # type: ignore[attr-defined]
            assert HANGING_MCU in message and "could not start" in message
            assert time.monotonic() - t0 < 30  # within the chair's rule, not a hang
            tree = client.get("/api/tree").json()
            row = next(p for p in tree["provinces"] if p["id"] == "p18")
            assert HANGING_MCU in row["mcus_down"]
    records = hung.records()
    assert any(r["action"] == "console.switch" and r["target"] == "p18-c012"
               and r["result"] == "failed" and HANGING_MCU in str(r["detail"])
               for r in records)
