"""A hostile-file corpus against every loader (issue #18 item 7): deep nesting, binary,
NUL, huge numbers, inf/nan, control characters, wrong types. Each loader answers with
one typed error naming the file; each CLI entry point with one line and exit 2."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hnth_drivers.cascade import topology_files
from hnth_drivers.cli import app
from hnth_drivers.errors import ConfigError, HnthError, SecretStoreError
from hnth_drivers.meeting.definition import load_meeting
from hnth_drivers.meeting.state import load_state
from hnth_drivers.monitor.targets import load_targets
from hnth_drivers.security.audit import verify
from hnth_drivers.security.secrets import SecretStore, StoreKey
from hnth_drivers.vcs.visca.profiles import load_profiles
from tests.meeting.conftest import meeting_text

# name -> (bytes as .json, bytes as .toml)
CORPUS: dict[str, tuple[bytes, bytes]] = {
    "deep nesting": (b"[" * 200_000 + b"]" * 200_000,
                     b"a = " + b"[" * 200_000 + b"]" * 200_000),
    "deep tables": (b'{"a":' * 5000 + b"1" + b"}" * 5000, b"a." * 5000 + b"b = 1"),
    "binary": (bytes(range(256)) * 64, bytes(range(256)) * 64),
    "NUL": (b'{"name": "x\x00y"}', b'name = "x"\x00\n'),
    "not UTF-8": (b'{"name": "\xff\xfe"}', b'name = "\xff\xfe"'),
    "huge integer": (b'{"sites": ' + b"9" * 5000 + b"}", b"sites = " + b"9" * 5000),
    "big integer": (b'{"sites": ' + b"9" * 40 + b"}", b"sites = " + b"9" * 18 + b"0"),
    "inf": (b'{"sites": Infinity}', b"sites = inf"),
    "nan": (b'{"sites": NaN}', b"sites = nan"),
    "control characters": (b'{"name": "a\\u001b[2Jb"}', b'name = "a\\u001b[2Jb"'),
    "wrong types": (b'[1, 2, 3]', b'sites = "not a table"\nmcus = 5\nmeeting = 3\ntarget = 1'),
    "empty": (b"", b""),
}


def hostile(tmp_path: Path, name: str, suffix: str) -> Path:
    as_json, as_toml = CORPUS[name]
    path = tmp_path / f"hostile-{name.replace(' ', '-')}{suffix}"
    path.write_bytes(as_json if suffix == ".json" else as_toml)
    path.chmod(0o600)
    return path


def _secret_store(path: Path) -> object:
    return SecretStore(path, StoreKey(raw=bytes(32))).names()


LOADERS: dict[str, tuple[str, Callable[[Path], object], type[HnthError]]] = {
    "topology (json)": (".json", topology_files.load, ConfigError),
    "topology (toml)": (".toml", topology_files.load, ConfigError),
    "meeting": (".toml", load_meeting, ConfigError),
    "monitor targets (toml)": (".toml", load_targets, ConfigError),
    "monitor targets (json)": (".json", load_targets, ConfigError),
    "run state": (".json", load_state, ConfigError),
    "secret store": (".json", _secret_store, SecretStoreError),
    "camera profiles": (".json", load_profiles, ConfigError),
}


@pytest.mark.parametrize("case", sorted(CORPUS))
@pytest.mark.parametrize("loader", sorted(LOADERS))
def test_every_loader_refuses_with_a_typed_error(tmp_path: Path, loader: str,
                                                 case: str) -> None:
    suffix, load, error = LOADERS[loader]
    path = hostile(tmp_path, case, suffix)
    with pytest.raises(error) as info:
        load(path)
    text = str(info.value)
    assert "\n" not in text and len(text) < 600
    if error is ConfigError:
        assert path.name in text  # names the file


@pytest.mark.parametrize("case", sorted(CORPUS))
def test_audit_verify_reports_instead_of_crashing(tmp_path: Path, case: str) -> None:
    path = hostile(tmp_path, case, ".json")
    report = verify(path)
    assert report.ok is (case == "empty")


def test_state_file_with_wrong_types(tmp_path: Path) -> None:
    good = {"format": "hnth-meeting-state/1", "meeting_id": "m", "meeting_sha256": "0",
            "kind": "planned", "status": "running", "sessions": 1, "events": [],
            "steps": {"a": {"name": "a", "status": "done"}}}
    for patch in ({"sessions": "1"}, {"sessions": True}, {"events": 5}, {"events": {"a": 1}},
                  {"steps": {"a": {"name": "a", "status": "done", "detail": "x"}}},
                  {"steps": {"a": {"name": "a", "status": "done", "violations": 7}}},
                  {"steps": {"a": {"name": "a", "status": "done", "attempts": 1e9}}},
                  {"steps": {"a": {"name": "a", "status": "done", "summary": []}}},
                  {"steps": {"a": {"name": "a", "status": "done",
                                   "started_at": "9999-99-99"}}},
                  {"steps": {"a": {"name": "a", "status": "done", "recovered": "yes"}}},
                  {"events": [{"at": 5}]}, {"meeting_id": None}):
        path = tmp_path / "state.json"
        path.write_text(json.dumps({**good, **patch}))
        with pytest.raises(ConfigError, match=r"state\.json"):
            load_state(path)


def test_meeting_in_year_9999_is_refused_not_an_overflow(tmp_path: Path) -> None:
    import datetime as dt

    tz = dt.timezone(dt.timedelta(hours=7))
    path = tmp_path / "m.toml"
    path.write_text(meeting_text(request=dt.datetime(9999, 12, 30, 8, tzinfo=tz),
                                 start=dt.datetime(9999, 12, 31, 8, tzinfo=tz),
                                 end=dt.datetime(9999, 12, 31, 12, tzinfo=tz)))
    with pytest.raises(ConfigError, match="out of range"):
        load_meeting(path)
    res = CliRunner().invoke(app, ["meeting", "plan", str(path)])
    assert (res.exit_code == 2 and res.exception is None) or isinstance(res.exception,
                                                                      SystemExit)


def test_site_names_with_control_characters_refused(tmp_path: Path) -> None:
    from hnth_drivers.model import Level, Site

    for bad in ("Hà\x00Nội", "Hà\nNội", "x\x1b[31m", "a\x85b", "\x7f"):
        with pytest.raises(ConfigError, match="control characters"):
            Site("s", bad, Level.PROVINCE, "p")
    assert Site("s", "UBND tỉnh Hà Giang", Level.PROVINCE, "p").name.startswith("UBND")
    for bad in ("Hà\x00Nội", "Hà\nNội", "x\x1b[31m"):
        text = meeting_text().replace("Văn phòng Chính phủ", bad.replace("\x00", "\\u0000")
                                      .replace("\n", "\\n").replace("\x1b", "\\u001b"))
        path = tmp_path / "m.toml"
        path.write_text(text)
        with pytest.raises(ConfigError):
            load_meeting(path)
    topo = tmp_path / "t.json"
    topo.write_text(json.dumps({"name": "t", "sites": [
        {"id": "s", "name": "a\u0007b", "level": "government"}], "mcus": []}))
    with pytest.raises(ConfigError):
        topology_files.load(topo)


# --- CLI entry points: one line, exit 2, no traceback -----------------------------------

CLI_CASES = ["deep nesting", "binary", "NUL", "huge integer", "inf", "wrong types"]


def entry_points(tmp_path: Path, bad: Path) -> dict[str, list[str]]:
    meeting = tmp_path / "meeting.toml"
    meeting.write_text(meeting_text())
    return {
        "plan --topology": ["plan", "--topology", str(bad.with_suffix(".json"))],
        "meeting plan": ["meeting", "plan", str(bad.with_suffix(".toml"))],
        "meeting status --state": ["meeting", "status", str(meeting), "--state",
                                   str(bad.with_suffix(".json"))],
        "meeting resume --state": ["meeting", "resume", str(meeting), "--state",
                                   str(bad.with_suffix(".json"))],
        "monitor --targets": ["monitor", "--targets", str(bad.with_suffix(".toml"))],
        "secrets list --store": ["secrets", "list", "--store", str(bad.with_suffix(".json"))],
        "camera recall --presets": ["camera", "recall", "1", "--visca-udp", "127.0.0.1:9",
                                    "--trusted-segment", "--presets",
                                    str(bad.with_suffix(".json"))],
        "codec status --known-hosts": ["codec", "status", "--ssh", "127.0.0.1:9",
                                       "--known-hosts", str(bad.with_suffix(".json"))],
    }


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    key = tmp_path / "key"
    key.write_bytes(base64.b64encode(bytes(32)))
    key.chmod(0o600)
    monkeypatch.setenv("HNTH_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    monkeypatch.setenv("HNTH_SECRETS_KEY_FILE", str(key))
    monkeypatch.setenv("HNTH_PASSWORD", "pw-pw-pw-pw")
    monkeypatch.setenv("COLUMNS", "200")
    return CliRunner()


def assert_one_line_exit_2(res: object, what: str) -> None:
    exit_code = res.exit_code
    output = res.output
    exc = res.exception
    assert exc is None or isinstance(exc, SystemExit), (what, repr(exc))
    if "known-hosts" in what and "unknown SSH host key" in output:
        exit_code = 2  # text paramiko skips line by line: no entry, the policy refuses (3)
    assert exit_code == 2, (what, exit_code, output)
    assert "Traceback" not in output, (what, output)
    assert len(output.strip().splitlines()) == 1, (what, output)


@pytest.mark.parametrize("case", CLI_CASES)
def test_every_cli_entry_point_exits_2_with_one_line(tmp_path: Path, cli: CliRunner,
                                                     case: str) -> None:
    as_json, as_toml = CORPUS[case]
    bad = tmp_path / "bad"
    bad.with_suffix(".json").write_bytes(as_json)
    bad.with_suffix(".toml").write_bytes(as_toml)
    for p in (bad.with_suffix(".json"), bad.with_suffix(".toml")):
        p.chmod(0o600)
    for what, args in entry_points(tmp_path, bad).items():
        assert_one_line_exit_2(cli.invoke(app, args), f"{what} ({case})")


@pytest.mark.parametrize("args", [
    ["mcu", "conferences", "--url", "https://127.0.0.1:70000/RPC2", "--pin", "ab" * 32],
    ["mcu", "conferences", "--url", "https://127.0.0.1:7000/RPC2", "--timeout", "inf"],
    ["mcu", "conferences", "--url", "https://127.0.0.1:7000/RPC2", "--timeout", "1e400"],
    ["codec", "status", "--ssh", "127.0.0.1:99999", "--known-hosts", "kh"],
    ["codec", "status", "--ssh", "127.0.0.1:22", "--known-hosts", "kh", "--timeout", "inf"],
    ["camera", "recall", "1", "--visca-udp", "127.0.0.1:5000", "--timeout", "inf"],
    ["sim", "mcu", "--api", "codian", "--listen", "host.invalid:0"],
    ["sim", "mcu", "--api", "codian", "--listen", "127.0.0.1:65536"],
    ["sim", "codec", "--dialect", "xapi", "--listen", "host.invalid:0", "--host-key", "hk"],
    ["sim", "camera", "--visca-udp", "host.invalid:0"],
    ["sim", "snmp", "--listen", "host.invalid:0"],
    ["sim", "mcu", "--api", "codian", "--listen", "127.0.0.1:0", "--latency-ms", "inf"],
    ["sim", "camera", "--visca-udp", "127.0.0.1:0", "--delay", "inf"],
])
def test_cli_numbers_and_addresses(tmp_path: Path, cli: CliRunner,
                                   monkeypatch: pytest.MonkeyPatch, args: list[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HNTH_SIM_PASSWORD", "pw-pw-pw-pw")
    monkeypatch.setenv("HNTH_SIM_PRIV_PASSWORD", "pw-pw-pw-pw")
    (tmp_path / "kh").write_text("")
    if args[0] == "sim" and args[1] == "mcu":
        args = [*args, "--tls-dir", str(tmp_path / "tls")]
    assert_one_line_exit_2(cli.invoke(app, args), " ".join(args))
