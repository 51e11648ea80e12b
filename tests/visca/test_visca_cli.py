"""``hnth sim camera`` as a real process; ``hnth camera ...`` against it, both transports."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.conftest import simulator_process
from typer.testing import CliRunner

from hnth_drivers.cli import app
from hnth_drivers.security.audit import verify


class SimProcess:
    def __init__(self, address: str, link: Path) -> None:
        self.address, self.link = address, link


@pytest.fixture
def sim_process(tmp_path: Path) -> Iterator[SimProcess]:
    link = tmp_path / "camera-tty"
    with simulator_process(["sim", "camera", "--visca-udp", "127.0.0.1:0", "--visca-pty",
                            str(link), "--travel-scale", "0.05"], kind="camera") as address:
        yield SimProcess(address, link)


@pytest.fixture
def audit_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "audit.jsonl"
    monkeypatch.setenv("HNTH_AUDIT_LOG", str(path))
    return path


def hnth(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_udp_needs_the_trusted_segment_flag(sim_process: SimProcess, audit_file: Path) -> None:
    code, out = hnth("camera", "recall", "2", "--visca-udp", sim_process.address)
    assert code == 3 and "visca-ip" in out and "--trusted-segment" in out
    code, out = hnth("camera", "recall", "2", "--visca-udp", sim_process.address,
                     "--trusted-segment")
    assert (code, out.strip()) == (0, "recalled preset 2")
    records = [json.loads(line) for line in audit_file.read_text().splitlines()]
    assert [r["action"] for r in records] == ["policy.waiver", "camera.recall"]
    assert records[0]["detail"]["reason"] == "operator passed --trusted-segment"
    assert verify(audit_file).ok


def test_named_presets_over_serial_and_ip(sim_process: SimProcess, audit_file: Path,
                                          tmp_path: Path) -> None:
    room = tmp_path / "room.json"
    room.write_text(json.dumps({"chair": 1, "left": 2}))
    serial = ("--visca-serial", str(sim_process.link))
    udp = ("--visca-udp", sim_process.address, "--trusted-segment")
    assert hnth("camera", "zoom", "700", *serial)[0] == 0
    assert hnth("camera", "move", "right", *serial)[0] == 0
    assert hnth("camera", "move", "stop", *serial)[0] == 0
    code, out = hnth("camera", "store", "left", "--presets", str(room), *serial)
    assert (code, out.strip()) == (0, "stored preset left")
    code, out = hnth("camera", "position", "--json", *udp)
    stored = json.loads(out)
    assert hnth("camera", "recall", "0", *udp)[0] == 0
    assert json.loads(hnth("camera", "position", "--json", *serial)[1]) == {
        "pan": 0, "tilt": 0, "zoom": 0}
    assert hnth("camera", "recall", "left", "--presets", str(room), *udp)[0] == 0
    assert json.loads(hnth("camera", "position", "--json", *serial)[1]) == stored
    assert stored["zoom"] == 700 and stored["pan"] > 0


def test_power_and_not_executable(sim_process: SimProcess, audit_file: Path) -> None:
    serial = ("--visca-serial", str(sim_process.link))
    assert hnth("camera", "power", "off", *serial) == (0, "power off\n")
    assert json.loads(hnth("camera", "power", "status", "--json", *serial)[1]) == {
        "power": "off"}
    code, out = hnth("camera", "recall", "1", *serial)
    assert code == 3 and "memory_recall" in out
    assert hnth("camera", "power", "on", *serial)[0] == 0
    records = [json.loads(line) for line in audit_file.read_text().splitlines()]
    assert [(r["action"], r["result"]) for r in records] == [
        ("camera.power", "ok"), ("camera.recall", "error"), ("camera.power", "ok")]


@pytest.mark.parametrize("args", [
    ("camera", "recall", "1"),
    ("camera", "recall", "1", "--visca-serial", "/dev/null", "--visca-udp", "h:1"),
    ("camera", "recall", "1", "--visca-serial", "/dev/null", "--trusted-segment"),
    ("camera", "recall", "300", "--visca-udp", "127.0.0.1:9", "--trusted-segment"),
    ("camera", "move", "sideways", "--visca-serial", "/dev/null"),
    ("camera", "zoom", "closer", "--visca-serial", "/dev/null"),
    ("camera", "power", "maybe", "--visca-serial", "/dev/null"),
    ("camera", "recall", "1", "--visca-udp", "no-port", "--trusted-segment"),
    ("camera", "recall", "1", "--visca-serial", "/dev/null", "--baud", "4800"),
])
def test_bad_usage_exits_2_before_touching_a_camera(args: tuple[str, ...],
                                                    audit_file: Path) -> None:
    code, out = hnth(*args)
    assert code == 2, out
    assert "Traceback" not in out


def test_sim_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    link = tmp_path / "camera-tty"
    # simulator_process stops it with SIGTERM and asserts exit status 0
    with simulator_process(["sim", "camera", "--visca-udp", "127.0.0.1:0", "--visca-pty",
                            str(link)], kind="camera"):
        assert link.is_symlink()
    assert not os.path.lexists(link)


def test_seven_calls_in_turn_are_all_answered(sim_process: SimProcess,
                                              audit_file: Path) -> None:
    """Each call is a new controller (a new source port): the sixth and seventh used to get
    no reply at all. A call waits at least the simulator's idle expiry after the last."""
    udp = ("--visca-udp", sim_process.address, "--trusted-segment")
    for n in range(7):
        code, out = hnth("camera", "recall", str(n % 6), *udp)
        assert (code, out.strip()) == (0, f"recalled preset {n % 6}"), out
        time.sleep(0.15)  # longer than the default idle expiry (0.1 s)


def test_model_is_taken_by_every_camera_command(tmp_path: Path, audit_file: Path) -> None:
    link = tmp_path / "brc300-tty"
    with simulator_process(["sim", "camera", "--visca-udp", "127.0.0.1:0", "--visca-pty",
                            str(link), "--travel-scale", "0", "--model", "sony-brc-300"],
                           kind="camera") as address:
        udp = ("--visca-udp", address, "--trusted-segment", "--model", "sony-brc-300")
        serial = ("--visca-serial", str(link), "--model", "sony-brc-300")
        for args in (("recall", "5"), ("store", "5"), ("move", "stop"), ("zoom", "100"),
                     ("power", "on"), ("power", "status"), ("position",)):
            code, out = hnth("camera", *args, *serial)
            assert code == 0, (args, out)
        assert json.loads(hnth("camera", "position", "--json", *udp)[1])["zoom"] == 100
        code, out = hnth("camera", "recall", "6", *udp)  # presets 0..5 on a BRC-300
        assert code == 2 and "0..5" in out
        # read as a 4 + 4 camera, the 5 + 4 reply is refused with a typed error
        code, out = hnth("camera", "position", "--visca-udp", address, "--trusted-segment")
        assert code == 3 and "4 pan + 4 tilt" in out and "Traceback" not in out
    code, out = hnth("camera", "position", "--model", "no-such", "--visca-serial", "/dev/null")
    assert code == 2 and "sony-brc-300" in out
