"""Secret store: loose permissions, corrupted key parameters, multi-line values
(issue #18 items 3, 7, 8)."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hnth_drivers.errors import SecretStoreError
from hnth_drivers.security.secrets import Secret, SecretStore, StoreKey

KEY = bytes(range(32))


def hnth(args: list[str], env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hnth_drivers.cli", *args], input=stdin,
                          env={**os.environ, **env}, capture_output=True, text=True,
                          timeout=60, check=False)


@pytest.fixture
def keyfile(tmp_path: Path) -> Path:
    path = tmp_path / "key"
    path.write_bytes(base64.b64encode(KEY))
    path.chmod(0o600)
    return path


def test_world_readable_store_refused_or_warned(tmp_path: Path, keyfile: Path,
                                                caplog: pytest.LogCaptureFixture) -> None:
    store = SecretStore(tmp_path / "s.json", StoreKey.from_key_file(keyfile))
    store.set("a", Secret("v"))
    store.path.chmod(0o644)
    with pytest.raises(SecretStoreError, match="group or others"):
        store.get("a")
    loose = SecretStore(store.path, StoreKey.from_key_file(keyfile), loose_ok=True)
    assert loose.get("a").reveal() == "v"
    assert "group or others" in caplog.text


def test_group_readable_key_file_refused(keyfile: Path) -> None:
    keyfile.chmod(0o640)
    with pytest.raises(SecretStoreError, match="group or others"):
        StoreKey.from_key_file(keyfile)
    StoreKey.from_key_file(keyfile, loose_ok=True)


def test_binary_key_file_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "key"
    path.write_bytes(b"\0\xff" * 5000)
    path.chmod(0o600)
    with pytest.raises(SecretStoreError, match="does not hold a key"):
        StoreKey.from_key_file(path)


@pytest.mark.parametrize("kdf_patch", [
    {"n": 1025}, {"n": 2**20, "r": 32}, {"n": "32768"}, {"n": 2**15, "p": 0},
    {"n": 1.5}, {"n": True}, {"salt": 5}, {"salt": "!!!"}, {"n": 2**62},
])
def test_corrupted_key_parameters_refused_before_any_allocation(
        tmp_path: Path, kdf_patch: dict[str, object]) -> None:
    store = SecretStore(tmp_path / "s.json", StoreKey(passphrase=Secret("pw")))
    store.set("a", Secret("v"))
    doc = json.loads(store.path.read_text())
    doc["kdf"].update(kdf_patch)
    store.path.write_text(json.dumps(doc))
    store.path.chmod(0o600)
    with pytest.raises(SecretStoreError, match="key parameters"):
        store.get("a")


@pytest.mark.parametrize("content", [
    b"[" * 100_000, b"\0\0\0", b"\xff\xfe", b'{"format": NaN}', b"1" * 6000, b"[]",
])
def test_hostile_store_file_is_a_store_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "s.json"
    path.write_bytes(content)
    path.chmod(0o600)
    with pytest.raises(SecretStoreError):
        SecretStore(path, StoreKey(raw=KEY)).names()


def test_multiline_secret_refused_or_taken_whole(tmp_path: Path, keyfile: Path) -> None:
    env = {"HNTH_SECRETS_KEY_FILE": str(keyfile), "HNTH_SECRETS_FILE": str(tmp_path / "s.json")}
    two_lines = "first line\nsecond line\n"
    refused = hnth(["secrets", "set", "pem"], env, two_lines)
    assert refused.returncode == 2 and "several lines" in refused.stderr
    assert "Traceback" not in refused.stderr
    taken = hnth(["secrets", "set", "pem", "--multiline"], env, two_lines)
    assert taken.returncode == 0, taken.stderr
    got = hnth(["secrets", "get", "pem"], env)
    assert got.stdout == "first line\nsecond line\n"
    one = hnth(["secrets", "set", "pw"], env, "only\r\n")
    assert one.returncode == 0
    assert hnth(["secrets", "get", "pw"], env).stdout == "only\n"


def test_loose_store_cli_exit_2_and_flag(tmp_path: Path, keyfile: Path) -> None:
    env = {"HNTH_SECRETS_KEY_FILE": str(keyfile), "HNTH_SECRETS_FILE": str(tmp_path / "s.json")}
    assert hnth(["secrets", "set", "a"], env, "v\n").returncode == 0
    (tmp_path / "s.json").chmod(0o666)
    refused = hnth(["secrets", "list"], env)
    assert refused.returncode == 2 and "group or others" in refused.stderr
    warned = hnth(["secrets", "list", "--allow-loose-permissions"], env)
    assert warned.returncode == 0 and warned.stdout.split() == ["a"]
