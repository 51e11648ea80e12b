"""One exception hierarchy for the whole library.

Every error says *which device*, *which operation*, *what was expected* and *what came*,
so that an operator reading a log at 07:30 before a national meeting knows where to look.
Secrets never appear in messages: callers pass descriptions, never credential values.
"""

from __future__ import annotations

import builtins

__all__ = [
    "AccessDenied",
    "AuditTampered",
    "AuthError",
    "ConfigError",
    "ConnectError",
    "DeviceError",
    "DeviceTimeout",
    "HnthError",
    "NotSupported",
    "PolicyViolation",
    "ProtocolError",
    "RegistryError",
    "SecretStoreError",
]


class HnthError(Exception):
    """Base of every error raised by hnth-drivers.

    Attributes are kept separately so that programs can react without parsing text.
    ``transient`` is True where trying the same request again later may succeed (a
    timeout, a dropped connection, a server busy); transports set it.
    """

    transient: bool = False

    def __init__(
        self,
        message: str,
        *,
        device: str | None = None,
        operation: str | None = None,
        expected: str | None = None,
        got: str | None = None,
    ) -> None:
        self.message = message
        self.device = device
        self.operation = operation
        self.expected = expected
        self.got = got
        super().__init__(self._render())

    def _render(self) -> str:
        where = ": ".join(part for part in (self.device, self.operation) if part)
        text = f"{where}: {self.message}" if where else self.message
        details = []
        if self.expected is not None:
            details.append(f"expected {self.expected}")
        if self.got is not None:
            details.append(f"got {self.got}")
        if details:
            text += f" ({', '.join(details)})"
        return text


class ConnectError(HnthError):
    """The device could not be reached, or the connection dropped."""


class AuthError(HnthError):
    """The device refused the credentials."""


class DeviceTimeout(HnthError, builtins.TimeoutError):
    """A deadline passed before the device answered. Also a builtin TimeoutError."""


class ProtocolError(HnthError):
    """The device sent something the protocol does not allow (malformed, unexpected)."""


class DeviceError(HnthError):
    """The device understood the request and refused or failed it.

    ``code`` is the device's own error code (XML-RPC fault code, VISCA error byte,
    SOAP fault code), or ``None`` when the protocol gives none.
    """

    def __init__(self, message: str, *, code: int | str | None = None, **kw: str | None) -> None:
        self.code = code
        super().__init__(message, **kw)

    def _render(self) -> str:
        text = super()._render()
        return f"{text} [code {self.code}]" if getattr(self, "code", None) is not None else text


class PolicyViolation(HnthError):
    """The security policy refuses this transport, algorithm, peer or credential."""


class AccessDenied(HnthError):
    """The operator's role or area scope does not allow this action on this target."""


class NotSupported(HnthError):
    """The driver does not declare the capability this call needs."""


class ConfigError(HnthError, ValueError):
    """Bad input: a value, file or option that cannot be used. Also a ValueError."""


class RegistryError(HnthError):
    """A driver name is invalid, unknown, or its entry point does not load a driver."""


class SecretStoreError(HnthError):
    """The secret store cannot be opened: wrong key, corrupted or unknown file format."""


class AuditTampered(HnthError):
    """The audit log does not verify; appending to it is refused."""
