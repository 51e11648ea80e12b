"""SNMP credentials that the security policy allows: v3 authPriv with SHA-2 and AES.

v1, v2c, noAuthNoPriv, authNoPriv, MD5, SHA-1, DES and 3DES are refused with
:class:`PolicyViolation` unless a waiver names the device. Returns pysnmp 7 objects.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Literal

from pysnmp.hlapi.v3arch.asyncio import (
    CommunityData,
    UdpTransportTarget,
    UsmUserData,
    usmAesCfb128Protocol,
    usmAesCfb192Protocol,
    usmAesCfb256Protocol,
    usmDESPrivProtocol,
    usmHMAC128SHA224AuthProtocol,
    usmHMAC192SHA256AuthProtocol,
    usmHMAC256SHA384AuthProtocol,
    usmHMAC384SHA512AuthProtocol,
    usmHMACMD5AuthProtocol,
    usmHMACSHAAuthProtocol,
    usmNoAuthProtocol,
    usmNoPrivProtocol,
)

from ..errors import ConfigError, PolicyViolation
from ..security.policy import SecurityPolicy, WaiverKind
from ..security.secrets import Secret

try:  # 3DES is present in pysnmp 7 under this name
    from pysnmp.hlapi.v3arch.asyncio import usm3DESEDEPrivProtocol
except ImportError:  # pragma: no cover
    usm3DESEDEPrivProtocol = None

__all__ = ["SnmpAuth", "SnmpCommunity", "SnmpPriv", "SnmpV3User", "snmp_credentials",
           "snmp_target"]


class SnmpAuth(enum.StrEnum):
    """USM authentication protocols."""

    NONE = "none"
    MD5 = "md5"
    SHA1 = "sha1"
    SHA224 = "sha224"
    SHA256 = "sha256"
    SHA384 = "sha384"
    SHA512 = "sha512"


class SnmpPriv(enum.StrEnum):
    """USM privacy protocols."""

    NONE = "none"
    DES = "des"
    TDES = "3des"
    AES128 = "aes128"
    AES192 = "aes192"
    AES256 = "aes256"


_AUTH: dict[SnmpAuth, Any] = {
    SnmpAuth.NONE: usmNoAuthProtocol, SnmpAuth.MD5: usmHMACMD5AuthProtocol,
    SnmpAuth.SHA1: usmHMACSHAAuthProtocol, SnmpAuth.SHA224: usmHMAC128SHA224AuthProtocol,
    SnmpAuth.SHA256: usmHMAC192SHA256AuthProtocol, SnmpAuth.SHA384: usmHMAC256SHA384AuthProtocol,
    SnmpAuth.SHA512: usmHMAC384SHA512AuthProtocol,
}
_PRIV: dict[SnmpPriv, Any] = {
    SnmpPriv.NONE: usmNoPrivProtocol, SnmpPriv.DES: usmDESPrivProtocol,
    SnmpPriv.TDES: usm3DESEDEPrivProtocol, SnmpPriv.AES128: usmAesCfb128Protocol,
    SnmpPriv.AES192: usmAesCfb192Protocol, SnmpPriv.AES256: usmAesCfb256Protocol,
}


@dataclass(frozen=True)
class SnmpV3User:
    """A USM user. Keys are at least 8 characters (RFC 3414)."""

    user: str
    auth_key: Secret | None = field(default=None, repr=False)
    priv_key: Secret | None = field(default=None, repr=False)
    auth: SnmpAuth = SnmpAuth.SHA256
    priv: SnmpPriv = SnmpPriv.AES128

    def __post_init__(self) -> None:
        for name, key in (("auth_key", self.auth_key), ("priv_key", self.priv_key)):
            if key is not None and len(key.reveal()) < 8:
                raise ConfigError(f"SNMPv3 {name} is too short", operation="SnmpV3User",
                                  expected="at least 8 characters")


@dataclass(frozen=True)
class SnmpCommunity:
    """An SNMP v1/v2c community: plaintext, refused unless waived."""

    version: Literal["v1", "v2c"]
    community: Secret = field(repr=False)


def snmp_credentials(
    policy: SecurityPolicy, creds: SnmpV3User | SnmpCommunity, *, device: str
) -> Any:
    """pysnmp auth data (``UsmUserData``, or ``CommunityData`` under a waiver)."""
    op = "snmp credentials"
    if isinstance(creds, SnmpCommunity):
        kind = WaiverKind.SNMP_V1 if creds.version == "v1" else WaiverKind.SNMP_V2C
        policy.require_waiver(device, kind, op)
        # Waived, audited plaintext community (see SecurityPolicy.require_waiver).
        return CommunityData(creds.community.reveal(), mpModel=0 if creds.version == "v1" else 1)
    no_priv = (creds.auth is SnmpAuth.NONE or creds.priv is SnmpPriv.NONE
               or creds.auth_key is None or creds.priv_key is None)
    if no_priv:
        policy.require_waiver(device, WaiverKind.SNMP_NO_PRIV, op)
    weak = ((creds.auth is not SnmpAuth.NONE and creds.auth.value not in policy.allowed_snmp_auth)
            or (creds.priv is not SnmpPriv.NONE
                and creds.priv.value not in policy.allowed_snmp_priv))
    if weak:
        policy.require_waiver(device, WaiverKind.SNMP_WEAK_CRYPTO, op)
    if _PRIV[creds.priv] is None:
        raise PolicyViolation("privacy protocol not available in this pysnmp", device=device,
                              operation=op, got=creds.priv.value)
    return UsmUserData(
        creds.user,
        authKey=creds.auth_key.reveal() if creds.auth_key else None,
        privKey=creds.priv_key.reveal() if creds.priv_key else None,
        authProtocol=_AUTH[creds.auth] if creds.auth_key else usmNoAuthProtocol,
        privProtocol=_PRIV[creds.priv] if creds.priv_key else usmNoPrivProtocol,
    )


async def snmp_target(host: str, port: int = 161, *, timeout: float = 2.0,
                      retries: int = 1) -> Any:
    """A UDP target with a per-request timeout and bounded retries."""
    if timeout <= 0 or retries < 0:
        raise ConfigError("SNMP timeout must be positive and retries non-negative",
                          operation="snmp target", got=f"timeout={timeout} retries={retries}")
    return await UdpTransportTarget.create((host, port), timeout=timeout, retries=retries)
