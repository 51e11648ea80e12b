"""What a transport may be: the procedure's "encrypted remote control", made code.

The strict default allows only HTTPS with a verified certificate (TLS ≥ 1.2), SSH with a
known host key and modern algorithms, and SNMPv3 authPriv with SHA-2 and AES. Plaintext
or weak transports are refused with :class:`PolicyViolation` unless the policy names that
device in an explicit :class:`Waiver`; every use of a waiver is written to the audit log,
and a waiver without an audit log to write to is refused too.
"""

from __future__ import annotations

import enum
import ssl
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..errors import PolicyViolation

if TYPE_CHECKING:
    from .audit import AuditLog

__all__ = ["STRICT", "SecurityPolicy", "Waiver", "WaiverKind"]


class WaiverKind(enum.StrEnum):
    """What a waiver allows, for one device."""

    HTTP = "http"                      # plain HTTP instead of HTTPS
    TELNET = "telnet"                  # telnet instead of SSH (Poly's legacy port 24)
    SNMP_V1 = "snmp-v1"
    SNMP_V2C = "snmp-v2c"
    SNMP_NO_PRIV = "snmp-no-priv"      # noAuthNoPriv or authNoPriv
    SNMP_WEAK_CRYPTO = "snmp-weak-crypto"  # MD5 / SHA-1 authentication, DES / 3DES privacy
    VISCA_IP = "visca-ip"              # VISCA over IP: no encryption in the protocol


@dataclass(frozen=True, slots=True)
class Waiver:
    """An explicit, named exception: ``device`` may use ``kind``, for ``reason``."""

    device: str
    kind: WaiverKind
    reason: str

    def __post_init__(self) -> None:
        if not self.device.strip() or not self.reason.strip():
            raise PolicyViolation(
                "a waiver needs a device and a reason", operation="Waiver",
                expected="non-empty device and reason", got=f"device={self.device!r}",
            )


# Modern SSH algorithms only (OpenSSH 9 defaults minus SHA-1 and CBC).
_SSH_DISABLED = {
    "ciphers": ["3des-cbc", "aes128-cbc", "aes192-cbc", "aes256-cbc", "blowfish-cbc",
                "arcfour", "arcfour128", "arcfour256", "cast128-cbc"],
    "macs": ["hmac-sha1", "hmac-sha1-96", "hmac-md5", "hmac-md5-96", "hmac-sha1-etm@openssh.com",
             "hmac-md5-etm@openssh.com"],
    "kex": ["diffie-hellman-group1-sha1", "diffie-hellman-group14-sha1",
            "diffie-hellman-group-exchange-sha1"],
    "keys": ["ssh-dss", "ssh-rsa"],    # ssh-rsa is RSA with SHA-1; rsa-sha2-* remain
    "pubkeys": ["ssh-dss", "ssh-rsa"],
}


@dataclass(frozen=True)
class SecurityPolicy:
    """The rules every transport factory enforces.

    ``audit`` receives a record each time a waiver is used. ``allowed_snmp_auth`` and
    ``allowed_snmp_priv`` name protocols of :mod:`hnth_drivers.transport.snmp`.
    """

    min_tls: ssl.TLSVersion = ssl.TLSVersion.TLSv1_2
    waivers: tuple[Waiver, ...] = ()
    audit: AuditLog | None = field(default=None, compare=False)
    actor: str = "hnth-drivers"
    ssh_disabled_algorithms: dict[str, list[str]] = field(
        default_factory=lambda: {k: list(v) for k, v in _SSH_DISABLED.items()}, compare=False
    )
    allowed_snmp_auth: frozenset[str] = frozenset(
        {"sha224", "sha256", "sha384", "sha512"}
    )
    allowed_snmp_priv: frozenset[str] = frozenset({"aes128", "aes192", "aes256"})

    def __post_init__(self) -> None:
        if self.min_tls < ssl.TLSVersion.TLSv1_2:
            raise PolicyViolation(
                "TLS below 1.2 cannot be allowed", operation="SecurityPolicy",
                expected="TLSv1_2 or newer", got=self.min_tls.name,
            )

    def waiver_for(self, device: str, kind: WaiverKind) -> Waiver | None:
        """The waiver naming ``device`` for ``kind``, if any (no audit record)."""
        for waiver in self.waivers:
            if waiver.kind is kind and waiver.device == device:
                return waiver
        return None

    def require_waiver(self, device: str, kind: WaiverKind, operation: str) -> Waiver:
        """Allow a refused-by-default transport only through a waiver, and audit its use.

        Raises PolicyViolation when no waiver names the device, or when there is no audit
        log to record the use in.
        """
        waiver = self.waiver_for(device, kind)
        if waiver is None:
            raise PolicyViolation(
                f"{kind.value} is refused by the security policy",
                device=device, operation=operation,
                expected="an encrypted, verified transport (or a waiver naming this device)",
                got=kind.value,
            )
        if self.audit is None:
            raise PolicyViolation(
                "a waiver is used only with an audit log to record it",
                device=device, operation=operation, expected="SecurityPolicy(audit=...)",
                got="no audit log",
            )
        self.audit.append(
            actor=self.actor, action="policy.waiver", target=device, result="allowed",
            detail={"kind": kind.value, "reason": waiver.reason, "operation": operation},
        )
        return waiver


STRICT = SecurityPolicy()
"""The strict default: no waivers."""
