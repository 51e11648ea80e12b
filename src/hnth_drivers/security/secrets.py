"""Credentials: a :class:`Secret` value that never prints, and an encrypted store.

The store is one JSON file (format ``hnth-secrets``, version 1) whose body is the whole
name → value map encrypted with AES-256-GCM, the header bound as associated data. The key
comes from a passphrase through scrypt, or from a 32-byte key file. A wrong key, a
corrupted file or an unknown version is a :class:`SecretStoreError`, never a traceback,
and never names a secret's value.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import secrets as _random
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from ..documents import parse_json
from ..errors import ConfigError, SecretStoreError
from . import crashpoints
from .filelock import FileLock

__all__ = ["ENV_KEY_FILE", "ENV_PASSPHRASE", "Secret", "SecretStore", "StoreKey"]

ENV_PASSPHRASE: Final = "HNTH_SECRETS_PASSPHRASE"  # noqa: S105 - the variable's name, not a value
ENV_KEY_FILE: Final = "HNTH_SECRETS_KEY_FILE"
_FORMAT: Final = "hnth-secrets"
_VERSION: Final = 1
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**15, 8, 1
# scrypt needs 128·n·r bytes: refuse parameters that would ask for more than this
# before anything is allocated (a corrupted or planted store must not exhaust memory).
_SCRYPT_MAX_MEMORY = 256 * 1024 * 1024
_MAX_STORE_BYTES = 16 * 1024 * 1024
log = logging.getLogger(__name__)


def check_private(path: Path, *, what: str, loose_ok: bool) -> None:
    """Refuse (or with ``loose_ok`` only warn about) a file that group or others may read
    or write: a secret store or key file must be mode 0600 (or stricter)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return  # reading it reports the real problem
    if stat.S_ISREG(mode) and mode & (stat.S_IRWXG | stat.S_IRWXO):
        text = f"{what} is readable or writable by group or others (mode {mode & 0o777:o})"
        if loose_ok:
            log.warning("%s: %s", path, text)
            return
        raise SecretStoreError(text, device=str(path), operation="open secret store",
                               expected=f"mode 600 (chmod 600 {path}), or the flag that "
                               "accepts loose permissions with a warning")


class Secret:
    """A credential value that shows as ``Secret('***')`` in reprs, logs and tracebacks."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError("Secret holds text")
        self._value = value

    def reveal(self) -> str:
        """The value itself: pass it to the protocol, never to a log."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and _random.compare_digest(
            self._value.encode(), other._value.encode()
        )

    def __hash__(self) -> int:
        return hash(Secret)

    def __bool__(self) -> bool:
        return bool(self._value)

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("a Secret is not pickled")


class StoreKey:
    """The key of a store: from a passphrase (scrypt) or from 32 raw bytes."""

    __slots__ = ("_passphrase", "_raw")

    def __init__(self, *, passphrase: Secret | None = None, raw: bytes | None = None) -> None:
        if (passphrase is None) == (raw is None):
            raise SecretStoreError("give exactly one of passphrase or raw key",
                                   operation="StoreKey")
        if raw is not None and len(raw) != 32:
            raise SecretStoreError("a raw key is 32 bytes", operation="StoreKey",
                                   expected="32 bytes", got=f"{len(raw)} bytes")
        self._passphrase = passphrase
        self._raw = raw

    def __repr__(self) -> str:
        return "StoreKey(passphrase)" if self._passphrase is not None else "StoreKey(raw)"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, *,
                 loose_ok: bool = False) -> StoreKey:
        """From ``HNTH_SECRETS_KEY_FILE`` (32 bytes, raw or base64) or
        ``HNTH_SECRETS_PASSPHRASE``."""
        env = os.environ if environ is None else environ
        if env.get(ENV_KEY_FILE):
            return cls.from_key_file(env[ENV_KEY_FILE], loose_ok=loose_ok)
        if env.get(ENV_PASSPHRASE):
            return cls(passphrase=Secret(env[ENV_PASSPHRASE]))
        raise SecretStoreError(
            "no key for the secret store", operation="open secret store",
            expected=f"{ENV_KEY_FILE} or {ENV_PASSPHRASE} in the environment",
        )

    @classmethod
    def from_key_file(cls, path: str | os.PathLike[str], *, loose_ok: bool = False
                      ) -> StoreKey:
        """Read a key file holding 32 raw bytes or their base64 (mode 0600: see
        :func:`check_private`)."""
        check_private(Path(path), what="the key file", loose_ok=loose_ok)
        try:
            with Path(path).open("rb") as fh:
                data = fh.read(4096)
        except OSError as exc:
            raise SecretStoreError("cannot read the key file", device=str(path),
                                   operation="open secret store", got=type(exc).__name__) from None
        if len(data) != 32:
            try:
                data = base64.b64decode(data.strip(), validate=True)
            except ValueError:
                data = b""
        if len(data) != 32:
            raise SecretStoreError("the key file does not hold a key", device=str(path),
                                   operation="open secret store",
                                   expected="32 bytes, raw or base64")
        return cls(raw=data)

    def derive(self, kdf: dict[str, object]) -> bytes:
        if self._raw is not None:
            if kdf.get("name") != "raw":
                raise SecretStoreError("the store was made with a passphrase",
                                       operation="open secret store",
                                       expected="a passphrase", got="a key file")
            return self._raw
        if kdf.get("name") != "scrypt":
            raise SecretStoreError("the store was made with a key file",
                                   operation="open secret store",
                                   expected="a key file", got="a passphrase")
        assert self._passphrase is not None
        n, r, p, salt_text = kdf.get("n"), kdf.get("r"), kdf.get("p"), kdf.get("salt")
        if not (all(type(v) is int for v in (n, r, p)) and isinstance(salt_text, str)
                and len(salt_text) <= 1024):
            raise SecretStoreError("the store's key parameters are corrupted",
                                   operation="open secret store",
                                   expected="integers n, r, p and a base64 salt")
        assert isinstance(n, int) and isinstance(r, int) and isinstance(p, int)
        try:
            salt = base64.b64decode(salt_text, validate=True)
        except ValueError:
            salt = b""
        if not (2**10 <= n <= 2**20 and n & (n - 1) == 0 and 1 <= r <= 32 and 1 <= p <= 16
                and 128 * n * r <= _SCRYPT_MAX_MEMORY and len(salt) >= 16):
            raise SecretStoreError("the store's key parameters are out of range",
                                   operation="open secret store",
                                   expected="n a power of two in 2^10..2^20, r 1..32, p 1..16, "
                                   f"at most {_SCRYPT_MAX_MEMORY >> 20} MiB, a 16-byte salt",
                                   got=f"n={n}, r={r}, p={p}")
        return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(
            self._passphrase.reveal().encode("utf-8")
        )

    def new_kdf(self) -> dict[str, object]:
        if self._raw is not None:
            return {"name": "raw"}
        salt = base64.b64encode(_random.token_bytes(16)).decode()
        return {"name": "scrypt", "n": _SCRYPT_N, "r": _SCRYPT_R, "p": _SCRYPT_P, "salt": salt}


class SecretStore:
    """An encrypted file of named secrets.

    >>> store = SecretStore(path, StoreKey(passphrase=Secret("correct horse")))
    >>> store.set("mcu.hanoi/admin", Secret("…"))
    >>> store.get("mcu.hanoi/admin").reveal()
    """

    def __init__(self, path: str | os.PathLike[str], key: StoreKey, *,
                 loose_ok: bool = False) -> None:
        self.path = Path(path)
        self._key = key
        self.loose_ok = loose_ok
        self._lock = FileLock(self.path)

    def __repr__(self) -> str:
        return f"SecretStore({str(self.path)!r})"

    def _load(self) -> tuple[dict[str, str], dict[str, object], bytes]:
        if not self.path.exists():
            kdf = self._key.new_kdf()
            return {}, kdf, self._key.derive(kdf)
        where = {"device": str(self.path), "operation": "open secret store"}
        check_private(self.path, what="the secret store", loose_ok=self.loose_ok)
        try:
            with self.path.open("rb") as fh:
                data = fh.read(_MAX_STORE_BYTES + 1)
            if len(data) > _MAX_STORE_BYTES:
                raise ValueError
            doc = parse_json(data, source=str(self.path), what="secret store")
            if not isinstance(doc, dict):
                raise TypeError
        except OSError as exc:
            raise SecretStoreError("cannot read the secret store",
                                   got=exc.strerror or type(exc).__name__, **where) from None
        except (ConfigError, ValueError, TypeError):
            raise SecretStoreError("the file is not a secret store (corrupted?)", **where) from None
        if doc.get("format") != _FORMAT:
            raise SecretStoreError("the file is not a secret store", expected=_FORMAT,
                                   got=repr(doc.get("format")), **where)
        if doc.get("version") != _VERSION:
            raise SecretStoreError("unknown secret store version", expected=str(_VERSION),
                                   got=repr(doc.get("version")), **where)
        stored_kdf = doc.get("kdf")
        if not isinstance(stored_kdf, dict):
            raise SecretStoreError("the store's key parameters are missing", **where)
        kdf = {str(k): v for k, v in stored_kdf.items()}
        key = self._key.derive(kdf)
        try:
            nonce = base64.b64decode(doc["nonce"], validate=True)
            body = base64.b64decode(doc["ciphertext"], validate=True)
            plain = AESGCM(key).decrypt(nonce, body, _aad(kdf))
            entries = json.loads(plain)
        except InvalidTag:
            raise SecretStoreError("wrong key, or the file was altered", **where) from None
        except (KeyError, ValueError, TypeError, RecursionError):
            raise SecretStoreError("the file is corrupted", **where) from None
        if not isinstance(entries, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in entries.items()
        ):
            raise SecretStoreError("the file is corrupted", **where)
        return entries, kdf, key

    def _save(self, entries: dict[str, str], kdf: dict[str, object], key: bytes) -> None:
        nonce = _random.token_bytes(12)
        body = AESGCM(key).encrypt(nonce, json.dumps(entries).encode(), _aad(kdf))
        doc = {
            "format": _FORMAT, "version": _VERSION, "kdf": kdf,
            "nonce": base64.b64encode(nonce).decode(),
            "ciphertext": base64.b64encode(body).decode(),
        }
        tmp = self.path.with_name(self.path.name + ".tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with _private_file(tmp) as fh:
                fh.write(json.dumps(doc, indent=1).encode())
                fh.flush()
                crashpoints.reached("secrets.tmp-written")
                os.fsync(fh.fileno())
            crashpoints.reached("secrets.tmp-synced")
            os.replace(tmp, self.path)
            crashpoints.reached("secrets.replaced")
        except OSError as exc:
            raise SecretStoreError("cannot write the secret store", device=str(self.path),
                                   operation="save secret store",
                                   got=exc.strerror or type(exc).__name__) from None

    def get(self, name: str) -> Secret:
        """The secret called ``name``; SecretStoreError if there is none."""
        entries, _, _ = self._load()
        if name not in entries:
            raise SecretStoreError("no such secret", device=str(self.path),
                                   operation="get secret", got=repr(name))
        return Secret(entries[name])

    def set(self, name: str, value: Secret) -> None:
        """Store (or replace) a secret."""
        if not name or len(name) > 200 or any(ch.isspace() for ch in name):
            raise SecretStoreError("invalid secret name", operation="set secret",
                                   expected="1-200 characters without spaces", got=repr(name))
        with self._held("set secret"):
            entries, kdf, key = self._load()
            entries[name] = value.reveal()
            self._save(entries, kdf, key)

    def delete(self, name: str) -> None:
        """Remove a secret; SecretStoreError if there is none."""
        with self._held("delete secret"):
            entries, kdf, key = self._load()
            if entries.pop(name, None) is None:
                raise SecretStoreError("no such secret", device=str(self.path),
                                       operation="delete secret", got=repr(name))
            self._save(entries, kdf, key)

    @contextmanager
    def _held(self, operation: str) -> Iterator[None]:
        """Read-modify-write under the store's file lock: concurrent writers (threads or
        processes) never lose each other's names."""
        try:
            with self._lock.held():
                yield
        except OSError as exc:
            raise SecretStoreError("cannot write the secret store (its lock file)",
                                   device=str(self.path),
                                   operation=operation,
                                   got=exc.strerror or type(exc).__name__) from None

    def names(self) -> list[str]:
        """The names of the stored secrets, sorted."""
        return sorted(self._load()[0])


def _aad(kdf: dict[str, object]) -> bytes:
    return json.dumps({"format": _FORMAT, "version": _VERSION, "kdf": kdf},
                      sort_keys=True).encode()


@contextmanager
def _private_file(path: Path) -> Iterator[BinaryIO]:
    # A fresh file, never a leftover: O_CREAT on an existing file keeps its mode (a stale
    # 0644 temporary would be renamed over the store), and a planted symlink would be
    # followed. Unlinking removes either; O_EXCL | O_NOFOLLOW refuses a race.
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as fh:
        yield fh
