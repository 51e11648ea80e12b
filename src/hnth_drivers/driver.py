"""What every driver shares: a device label, declared capabilities, ``async with``.

A driver never connects in ``__init__`` (netmiko's lesson): ``async with driver:`` or
``await driver.open()`` connects, ``close()`` is idempotent.
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from types import TracebackType
from typing import Any, ClassVar, Self, TypeVar

from .errors import NotSupported
from .model import Capability

__all__ = ["Driver", "serves"]

_F = TypeVar("_F", bound=Callable[..., Any])
_MARK = "__hnth_capability__"


def serves(capability: Capability) -> Callable[[_F], _F]:
    """Declare, on a contract method, the capability a driver needs to serve it.

    Written once, on the contract (``Mcu``, ``Codec``, ``Camera``): :meth:`Driver.require`,
    the default ``NotSupported`` of an unimplemented method and the conformance kit all
    read it from there.
    """

    def mark(func: _F) -> _F:
        setattr(func, _MARK, capability)
        return func

    return mark


class Driver(abc.ABC):
    """Base of the device contracts (Mcu, Codec, Camera).

    Subclasses set ``name`` (the registry name) and ``capabilities``; a contract method
    the driver does not implement raises :class:`NotSupported` through :meth:`_unsupported`.
    """

    #: Registry name, e.g. ``"codian"``. Lower-case letters, digits, ``-`` and ``_``.
    name: ClassVar[str] = ""
    #: What this driver can do; everything else raises NotSupported.
    capabilities: ClassVar[frozenset[Capability]] = frozenset()
    #: Capabilities a contract needs for a way of calling a method rather than for a
    #: method (e.g. ``set_layout(..., target=...)``): capability → method.
    argument_capabilities: ClassVar[dict[Capability, str]] = {}

    @classmethod
    def capability_map(cls) -> dict[str, Capability]:
        """Contract method → the capability it needs, as the contract declares it."""
        found: dict[str, Capability] = {}
        for klass in reversed(cls.__mro__):
            for name, value in vars(klass).items():
                capability = getattr(value, _MARK, None)
                if isinstance(capability, Capability):
                    found[name] = capability
        return found

    @classmethod
    def contract_capabilities(cls) -> dict[Capability, tuple[str, ...]]:
        """Every capability of the contract → the methods that serve it (may be none)."""
        methods: dict[Capability, list[str]] = {}
        for name, capability in cls.capability_map().items():
            methods.setdefault(capability, []).append(name)
        for capability in cls.argument_capabilities:
            methods.setdefault(capability, [])
        return {c: tuple(m) for c, m in methods.items()}

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

    def _unsupported(self, operation: str,
                     capability: Capability | None = None) -> NotSupported:
        if capability is None:
            capability = self.capability_map()[operation]
        return NotSupported(
            f"driver {self.name or type(self).__name__!r} does not support this",
            device=self.device,
            operation=operation,
            expected=f"capability {capability.value}",
        )

    def require(self, operation: str, capability: Capability | None = None) -> None:
        """Raise NotSupported unless the driver declares what ``operation`` needs.

        ``operation`` is a contract method; its capability is the one the contract declares
        (:func:`serves`), or ``capability`` for an argument capability.
        """
        needed = capability if capability is not None else self.capability_map().get(operation)
        if needed is None:
            raise KeyError(f"{operation!r} is not a method of {type(self).__name__}'s contract")
        if needed not in self.capabilities:
            raise self._unsupported(operation, needed)
