"""Operators' console passwords as scrypt hashes (``cryptography``'s :class:`Scrypt`).

A hash is one string, ``scrypt$N$r$p$SALT$KEY`` (salt and key in unpadded URL-safe
base64), so the cost can be raised later without breaking the hashes already written.
The default cost (N = 2**15, r = 8, p = 1: 32 MiB, tens of milliseconds) follows the
scrypt paper's interactive-login figure (Percival, "Stronger key derivation via
sequential memory-hard functions", 2009) raised to today's hardware.
"""

from __future__ import annotations

import base64
import hmac
import secrets

from cryptography.exceptions import InvalidKey
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

__all__ = ["DEFAULT_COST", "equal", "hash_password", "verify_password"]

DEFAULT_COST = (2**15, 8, 1)
"""(N, r, p) of new hashes."""

_KEY_BYTES = 32
_MAX_N = 2**20  # a hash naming a larger cost is refused (memory exhaustion)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str, *, cost: tuple[int, int, int] = DEFAULT_COST) -> str:
    """The scrypt hash of ``password`` with a fresh 16-byte salt."""
    n, r, p = cost
    salt = secrets.token_bytes(16)
    key = Scrypt(salt=salt, length=_KEY_BYTES, n=n, r=r, p=p).derive(password.encode("utf-8"))
    return f"scrypt${n}${r}${p}${_b64(salt)}${_b64(key)}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches ``stored`` (a malformed hash never matches)."""
    try:
        scheme, n_s, r_s, p_s, salt_s, key_s = stored.split("$")
        n, r, p = int(n_s), int(r_s), int(p_s)
        salt, key = _unb64(salt_s), _unb64(key_s)
    except ValueError:
        return False
    if scheme != "scrypt" or not (2 <= n <= _MAX_N and 1 <= r <= 32 and 1 <= p <= 16) \
            or len(key) != _KEY_BYTES:
        return False
    try:
        Scrypt(salt=salt, length=_KEY_BYTES, n=n, r=r, p=p).verify(
            password.encode("utf-8"), key)
    except (InvalidKey, ValueError):
        return False
    return True


def equal(a: str, b: str) -> bool:
    """Constant-time comparison of two tokens."""
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))
