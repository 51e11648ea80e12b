"""Building an HTTPS MCU driver from a network file's entry (``from_target``).

The ``codian`` and ``smc`` drivers take the same things from a network file's MCU entry
(``docs/network.md``): the URL, the TLS trust (CA file or pin), the user, the password
reference and the ``timeout_s`` option. :func:`https_mcu_from_target` reads them once,
for both::

    @classmethod
    def from_target(cls, target, *, secrets, policy, audit):
        return https_mcu_from_target(cls, target, secrets=secrets, policy=policy,
                                     options=SmcOptions)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from ..driver import DeviceTarget, SecretSource
from ..security.policy import SecurityPolicy

__all__ = ["https_mcu_from_target"]

_M = TypeVar("_M")


def https_mcu_from_target(cls: Callable[..., _M], target: DeviceTarget, *,
                          secrets: SecretSource, policy: SecurityPolicy,
                          options: Callable[..., Any]) -> _M:
    """``cls(url, password=..., user=..., trust=..., policy=..., device=..., options=...)``
    for ``target``: its URL, password (resolved through ``secrets``), user, TLS trust and
    id; ``options(timeout_s=...)`` when the entry sets ``timeout_s`` (the driver's
    defaults otherwise). ConfigError naming the device for a missing password reference
    or a mistyped option."""
    timeout = target.option("timeout_s", float)
    return cls(target.address, password=target.password(secrets), user=target.user,
               trust=target.tls_trust(), policy=policy, device=target.id,
               options=options(timeout_s=timeout) if timeout else None)
