"""The operator web console: an ASGI application over a network file's :class:`Fleet`.

``hnth console --network FILE`` serves it over HTTPS (``docs/console.md``):
login per operator (scrypt password hashes in the operators file), the cascade tree,
site search with or without diacritics, "show on the chair's screen" through the same
authorised and audited switch path as ``hnth switch``, and the alarm feed over
server-sent events. Every action is authorised by role and area and audited.
"""

from __future__ import annotations

from .accounts import Accounts, LoginGuard, Sessions, load_password_hashes
from .app import build_app
from .passwords import hash_password, verify_password
from .search import SiteIndex, fold
from .service import ConsoleService
from .tls import ConsoleTls, ensure_tls

__all__ = ["Accounts", "ConsoleService", "ConsoleTls", "LoginGuard", "Sessions", "SiteIndex",
           "build_app", "ensure_tls", "fold", "hash_password", "load_password_hashes",
           "verify_password"]
