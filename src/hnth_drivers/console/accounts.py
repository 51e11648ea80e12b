"""Who may log in to the console, their sessions, and the lock-out after failures.

Operators and their roles and areas come from the network's operators file
(``docs/network.md``); the console adds one key per operator, ``password_hash`` (a
:mod:`~hnth_drivers.console.passwords` scrypt hash). An operator without one cannot log
in to the console. Sessions live in memory (a restart logs everyone out): a random
256-bit token in the cookie, a CSRF token of their own, an idle and an absolute expiry,
and the request ids already used (a replayed state change is refused).
"""

from __future__ import annotations

import json
import secrets
import time
import tomllib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..security.access import Operator
from .passwords import hash_password, verify_password

__all__ = ["Accounts", "LoginGuard", "Session", "Sessions", "load_password_hashes"]



def load_password_hashes(path: str | Path) -> dict[str, str]:
    """``password_hash`` of each operator of the operators file that has one."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    doc = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    out: dict[str, str] = {}
    for entry in doc.get("operators", []):
        if isinstance(entry, dict) and isinstance(entry.get("password_hash"), str):
            out[str(entry.get("name"))] = entry["password_hash"]
    return out


class Accounts:
    """The operators who may log in (those with a password hash)."""

    def __init__(self, operators: dict[str, Operator], hashes: dict[str, str]) -> None:
        self.operators = operators
        self._hashes = {n: h for n, h in hashes.items() if n in operators}
        # Checked when the name is unknown, so that a wrong name costs what a wrong
        # password does (same cost as the operators' own hashes).
        sample = next(iter(self._hashes.values()), "")
        cost = tuple(int(x) for x in sample.split("$")[1:4]) if sample.count("$") == 5 \
            else (2**15, 8, 1)
        self._dummy = hash_password(secrets.token_urlsafe(16),
                                    cost=(cost[0], cost[1], cost[2]))

    def check(self, name: str, password: str) -> Operator | None:
        """The operator when ``password`` is theirs, else ``None`` (same cost either way)."""
        stored = self._hashes.get(name)
        ok = verify_password(password, stored or self._dummy)
        return self.operators[name] if ok and stored is not None else None


@dataclass
class _Failures:
    times: deque[float] = field(default_factory=deque)
    locked_until: float = 0.0


class LoginGuard:
    """Locks a name out for ``lock_s`` after ``attempts`` failures within ``window_s``."""

    def __init__(self, *, attempts: int = 5, window_s: float = 300.0, lock_s: float = 900.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.attempts, self.window_s, self.lock_s, self.clock = attempts, window_s, lock_s, clock
        self._by_name: dict[str, _Failures] = {}

    def locked(self, name: str) -> float:
        """Seconds the name stays locked (0: not locked)."""
        entry = self._by_name.get(name)
        return max(0.0, entry.locked_until - self.clock()) if entry else 0.0

    def failed(self, name: str) -> bool:
        """Record a failure; ``True`` when it locks the name."""
        now = self.clock()
        entry = self._by_name.setdefault(name, _Failures())
        entry.times.append(now)
        while entry.times and entry.times[0] < now - self.window_s:
            entry.times.popleft()
        if len(entry.times) >= self.attempts:
            entry.locked_until = now + self.lock_s
            entry.times.clear()
            return True
        return False

    def succeeded(self, name: str) -> None:
        """Forget the name's failures."""
        self._by_name.pop(name, None)


@dataclass
class Session:
    """One logged-in operator."""

    token: str
    operator: Operator
    csrf: str
    created: float
    last_seen: float
    used_requests: set[str] = field(default_factory=set)

    def __repr__(self) -> str:  # the tokens are secrets
        return f"Session(operator={self.operator.name!r})"

    def use_request(self, request_id: str) -> bool:
        """Record a state change's request id; ``False`` if it was used before (replay)."""
        if request_id in self.used_requests:
            return False
        if len(self.used_requests) > 10_000:
            self.used_requests.clear()  # bounded; the session's CSRF token still holds
        self.used_requests.add(request_id)
        return True


class Sessions:
    """Sessions by cookie token, with idle and absolute expiry."""

    def __init__(self, *, idle_s: float = 1800.0, absolute_s: float = 12 * 3600.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.idle_s, self.absolute_s, self.clock = idle_s, absolute_s, clock
        self._by_token: dict[str, Session] = {}

    def create(self, operator: Operator) -> Session:
        """A new session for ``operator``."""
        now = self.clock()
        session = Session(secrets.token_urlsafe(32), operator, secrets.token_urlsafe(32),
                          now, now)
        self._by_token[session.token] = session
        return session

    def get(self, token: str | None) -> Session | None:
        """The live session of ``token``, its idle time refreshed; ``None`` if none."""
        if not token:
            return None
        session = self._by_token.get(token)
        if session is None:
            return None
        now = self.clock()
        if now - session.last_seen > self.idle_s or now - session.created > self.absolute_s:
            del self._by_token[token]
            return None
        session.last_seen = now
        return session

    def end(self, token: str) -> None:
        """Log the session out (its cookie and CSRF token are dead from now on)."""
        self._by_token.pop(token, None)
