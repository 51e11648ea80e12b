"""What every driver shares: a device label, declared capabilities, ``async with``.

A driver never connects in ``__init__`` (netmiko's lesson): ``async with driver:`` or
``await driver.open()`` connects, ``close()`` is idempotent.
"""

from __future__ import annotations

import abc
from types import TracebackType
from typing import ClassVar, Self

from .errors import NotSupported
from .model import Capability

__all__ = ["Driver"]


class Driver(abc.ABC):
    """Base of the device contracts (Mcu, Codec, Camera).

    Subclasses set ``name`` (the registry name) and ``capabilities``; a contract method
    the driver does not implement raises :class:`NotSupported` through :meth:`_unsupported`.
    """

    #: Registry name, e.g. ``"codian"``. Lower-case letters, digits, ``-`` and ``_``.
    name: ClassVar[str] = ""
    #: What this driver can do; everything else raises NotSupported.
    capabilities: ClassVar[frozenset[Capability]] = frozenset()

    @property
    @abc.abstractmethod
    def device(self) -> str:
        """A label for the device in messages and audit records (never a secret)."""

    @abc.abstractmethod
    async def open(self) -> None:
        """Connect (and authenticate). Raises ConnectError, AuthError, PolicyViolation."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Release the connection. Safe to call twice or after a failed open."""

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def supports(self, capability: Capability) -> bool:
        """Whether the driver declares ``capability``."""
        return capability in self.capabilities

    def _unsupported(self, operation: str, capability: Capability) -> NotSupported:
        return NotSupported(
            f"driver {self.name or type(self).__name__!r} does not support this",
            device=self.device,
            operation=operation,
            expected=f"capability {capability.value}",
        )

    def require(self, capability: Capability, operation: str) -> None:
        """Raise NotSupported unless the driver declares ``capability``."""
        if capability not in self.capabilities:
            raise self._unsupported(operation, capability)
