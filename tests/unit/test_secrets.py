"""The encrypted secret store, and that secrets never leak into logs, reprs or errors."""

from __future__ import annotations

import base64
import json
import logging
from pathlib import Path

import pytest

from hnth_drivers.errors import HnthError, SecretStoreError
from hnth_drivers.security.secrets import Secret, SecretStore, StoreKey

VALUE = "Mật-khẩu-MCU-7x!Q"


@pytest.fixture
def store(tmp_path: Path) -> SecretStore:
    s = SecretStore(tmp_path / "secrets.json", StoreKey(passphrase=Secret("correct horse")))
    s.set("mcu.hanoi/admin", Secret(VALUE))
    return s


def test_round_trip(store: SecretStore) -> None:
    again = SecretStore(store.path, StoreKey(passphrase=Secret("correct horse")))
    assert again.get("mcu.hanoi/admin").reveal() == VALUE
    assert again.names() == ["mcu.hanoi/admin"]
    again.delete("mcu.hanoi/admin")
    assert again.names() == []


def test_file_holds_no_plaintext(store: SecretStore) -> None:
    raw = store.path.read_bytes()
    assert VALUE.encode() not in raw and b"mcu.hanoi" not in raw
    assert oct(store.path.stat().st_mode & 0o777) == "0o600"


def test_raw_key_file(tmp_path: Path) -> None:
    keyfile = tmp_path / "key"
    keyfile.write_bytes(base64.b64encode(bytes(range(32))))
    keyfile.chmod(0o600)  # a key file others may read is refused
    s = SecretStore(tmp_path / "s.json", StoreKey.from_key_file(keyfile))
    s.set("a", Secret("b-value"))
    assert SecretStore(s.path, StoreKey.from_key_file(keyfile)).get("a").reveal() == "b-value"
    with pytest.raises(SecretStoreError, match="passphrase"):
        SecretStore(s.path, StoreKey(passphrase=Secret("x"))).get("a")


def test_wrong_passphrase(store: SecretStore) -> None:
    with pytest.raises(SecretStoreError, match="wrong key"):
        SecretStore(store.path, StoreKey(passphrase=Secret("wrong horse"))).get("mcu.hanoi/admin")


@pytest.mark.parametrize("damage", ["flip", "truncate", "not-json", "version", "kdf"])
def test_corrupted_file(store: SecretStore, damage: str) -> None:
    doc = json.loads(store.path.read_text())
    if damage == "flip":
        body = bytearray(base64.b64decode(doc["ciphertext"]))
        body[0] ^= 1
        doc["ciphertext"] = base64.b64encode(bytes(body)).decode()
        store.path.write_text(json.dumps(doc))
    elif damage == "truncate":
        store.path.write_text(store.path.read_text()[:40])
    elif damage == "not-json":
        store.path.write_bytes(b"\x00\xff garbage")
    elif damage == "version":
        doc["version"] = 99
        store.path.write_text(json.dumps(doc))
    else:
        doc["kdf"]["n"] = 2**40
        store.path.write_text(json.dumps(doc))
    with pytest.raises(SecretStoreError):
        store.get("mcu.hanoi/admin")


def test_missing_secret_and_key_from_env(store: SecretStore) -> None:
    with pytest.raises(SecretStoreError, match="no such secret"):
        store.get("nope")
    with pytest.raises(SecretStoreError, match="no key"):
        StoreKey.from_env({})
    key = StoreKey.from_env({"HNTH_SECRETS_PASSPHRASE": "correct horse"})
    assert SecretStore(store.path, key).get("mcu.hanoi/admin").reveal() == VALUE


def test_secret_never_in_repr_log_or_exception(store: SecretStore,
                                               caplog: pytest.LogCaptureFixture) -> None:
    secret = store.get("mcu.hanoi/admin")
    caplog.set_level(logging.DEBUG)
    logging.getLogger("hnth").info("using %s / %r", secret, secret)
    texts = [repr(secret), str(secret), f"{secret}", repr(store), repr(StoreKey(
        passphrase=secret)), caplog.text]
    for exc_factory in (
        lambda: SecretStore(store.path, StoreKey(passphrase=secret)).get("x"),
        lambda: store.get("nope"),
        lambda: SecretStore(store.path, StoreKey(passphrase=Secret(VALUE + "x"))).names(),
    ):
        with pytest.raises(HnthError) as info:
            exc_factory()
        texts.append(str(info.value))
        texts.append(repr(info.value))
    for text in texts:
        assert VALUE not in text
    with pytest.raises(TypeError):
        import pickle

        pickle.dumps(secret)


def test_store_stays_private_over_a_stale_temporary_file(tmp_path: Path) -> None:
    """A leftover world-readable ``.tmp`` (a crash, another tool) must not lend its mode
    to the store renamed from it; a planted symlink must not be followed."""
    path = tmp_path / "secrets.json"
    stale = tmp_path / "secrets.json.tmp"
    stale.write_bytes(b"leftover")
    stale.chmod(0o644)
    s = SecretStore(path, StoreKey(passphrase=Secret("correct horse")))
    s.set("a", Secret(VALUE))
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    stale.symlink_to(victim)
    s.set("b", Secret(VALUE))
    assert victim.read_text() == "keep me"
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert not path.is_symlink() and s.names() == ["a", "b"]


def test_unreadable_or_unwritable_store_is_a_store_error(tmp_path: Path) -> None:
    """OSError (a directory in the way, no permission) is a SecretStoreError too."""
    key = StoreKey(passphrase=Secret("correct horse"))
    in_the_way = tmp_path / "secrets.json"
    in_the_way.mkdir()
    with pytest.raises(SecretStoreError, match="cannot read"):
        SecretStore(in_the_way, key).get("a")
    blocked = tmp_path / "file"
    blocked.write_text("x")
    with pytest.raises(SecretStoreError, match="cannot write"):
        SecretStore(blocked / "secrets.json", key).set("a", Secret(VALUE))
