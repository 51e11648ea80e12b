"""What every driver shares: a device label, declared capabilities, ``async with``,
and one constructor contract, :meth:`Driver.from_target`.

A driver never connects in ``__init__`` (netmiko's lesson): ``async with driver:`` or
``await driver.open()`` connects, ``close()`` is idempotent.

:meth:`Driver.from_target` builds a driver from a :class:`DeviceTarget` (what a network
file says about one device: where it is, how to trust it, which credential *references*
to use) and a :class:`SecretSource` that turns references into secrets. It is how
:class:`hnth_drivers.network.Fleet` builds every driver it finds in the entry-point
registry, the project's own and a vendor's alike (see ``docs/network.md``).
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType, TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, Self, TypeVar

from .errors import ConfigError, NotSupported
from .model import Capability

if TYPE_CHECKING:
    from .security.audit import AuditLog
    from .security.policy import SecurityPolicy
    from .security.secrets import Secret
    from .transport.https import TlsTrust
    from .transport.ssh import SshTarget

__all__ = ["DeviceTarget", "Driver", "SecretSource", "serves"]

T = TypeVar("T")


class SecretSource(Protocol):
    """Turns a credential reference (``secret:NAME`` or ``env:VARIABLE``) into a secret.

    Raises :class:`~hnth_drivers.errors.ConfigError` when the reference resolves to nothing.
    """

    def resolve(self, ref: str) -> Secret:
        """The secret ``ref`` names."""
        ...


@dataclass(frozen=True)
class DeviceTarget:
    """One device as a network file describes it, for :meth:`Driver.from_target`.

    ``kind`` is the registry kind (``mcu``, ``vcs``, ``camera``), ``id`` the device's label
    in messages and audit records, ``driver`` its registry name. ``address`` is the URL of
    an MCU, ``host:port`` of an SSH codec or a VISCA-over-IP camera, or the device path of
    a serial camera. Credentials are references (``password_ref``), never values.
    ``ca_file``/``pin_sha256`` say how to trust a TLS peer, ``known_hosts`` an SSH one.
    ``options`` carries the rest (camera ``model``, ``baudrate``, ``address``,
    ``trusted_segment``, ``cameras``, ``timeout_s``), ``presets`` the room's preset names.
    """

    kind: str
    id: str
    driver: str
    address: str
    user: str = "admin"
    password_ref: str | None = None
    key_file: Path | None = None
    ca_file: Path | None = None
    pin_sha256: str | None = None
    known_hosts: Path | None = None
    presets: Mapping[str, int] = field(default_factory=dict)
    options: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "presets", MappingProxyType(dict(self.presets)))
        object.__setattr__(self, "options", MappingProxyType(dict(self.options)))

    def host_port(self, default_port: int) -> tuple[str, int]:
        """``address`` split as ``host:port`` (``[v6]:port`` accepted)."""
        host, sep, port = self.address.rpartition(":")
        if not sep or "]" in port:
            return self.address.strip("[]"), default_port
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise ConfigError("invalid port in the address", device=self.id,
                              operation="from_target", expected="HOST:PORT",
                              got=repr(self.address))
        return host.strip("[]"), int(port)

    def password(self, secrets: SecretSource) -> Secret:
        """The password this target's reference names (ConfigError if there is none)."""
        if self.password_ref is None:
            raise ConfigError("no password reference", device=self.id, operation="from_target",
                              expected="password = { secret = NAME } or { env = VARIABLE }")
        return secrets.resolve(self.password_ref)

    def tls_trust(self) -> TlsTrust | None:
        """How to verify this target's TLS peer: its CA file or its pinned fingerprint
        (``None``: the system's CA bundle; the peer is verified all the same)."""
        from .transport.https import TlsTrust

        if self.ca_file is None and self.pin_sha256 is None:
            return None
        return TlsTrust(ca_file=self.ca_file, pin_sha256=self.pin_sha256)

    def ssh_target(self, secrets: SecretSource, default_port: int = 22) -> SshTarget:
        """Where and how to log in over SSH (known-hosts file required)."""
        from .transport.ssh import SshTarget

        if self.known_hosts is None:
            raise ConfigError("no SSH known-hosts file", device=self.id,
                              operation="from_target", expected="known_hosts")
        host, port = self.host_port(default_port)
        password = self.password(secrets) if self.password_ref else None
        return SshTarget(host, self.user, self.known_hosts, port=port, password=password,
                         key_file=self.key_file)

    def option(self, name: str, kind: type[T], default: T | None = None) -> T | None:
        """``options[name]`` checked against ``kind`` (ConfigError naming the device)."""
        value = self.options.get(name, default)
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if value is not None and (not isinstance(value, kind) or
                                  (isinstance(value, bool) and kind is not bool)):
            raise ConfigError(f"invalid option {name!r}", device=self.id,
                              operation="from_target", expected=kind.__name__,
                              got=type(value).__name__)
        return value

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

    @classmethod
    def from_target(cls, target: DeviceTarget, *, secrets: SecretSource,
                    policy: SecurityPolicy, audit: AuditLog | None) -> Self:
        """Build (not open) a driver for ``target``; every registered driver implements it.

        ``secrets`` resolves the target's credential references, ``policy`` is the security
        policy the driver's transports enforce, ``audit`` records waivers and actions.
        Drivers that predate the contract raise :class:`NotSupported` here.
        """
        raise NotSupported(f"driver {cls.name or cls.__name__!r} cannot be built from a "
                           "network file", device=target.id, operation="from_target",
                           expected="a from_target classmethod")

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
