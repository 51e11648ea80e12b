"""The console's HTTPS certificate: from ``--tls-dir``, or a self-signed pair made there.

:func:`ensure_tls` reuses ``server.pem`` and ``server-key.pem`` when they are present (an
operator's own certificate, from their CA); otherwise it makes a small CA (``ca.pem``,
``ca-key.pem``) and a server certificate for the listening host, ``127.0.0.1`` and
``localhost`` (EC P-256, one year), keys written mode 0600. Browsers and clients trust
``ca.pem``.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = ["ConsoleTls", "ensure_tls"]


@dataclass(frozen=True, slots=True)
class ConsoleTls:
    """Where the console's certificate, key and (when made here) CA are."""

    cert: Path
    key: Path
    ca: Path | None


def _write_private(path: Path, data: bytes) -> None:
    path.unlink(missing_ok=True)  # a leftover file would keep its own mode
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _names(hosts: list[str]) -> list[x509.GeneralName]:
    out: list[x509.GeneralName] = []
    for host in dict.fromkeys(hosts):
        try:
            out.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            out.append(x509.DNSName(host))
    return out


def ensure_tls(directory: str | os.PathLike[str], host: str = "127.0.0.1") -> ConsoleTls:
    """The certificate files in ``directory``, made (with their CA) if missing."""
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    cert_path, key_path, ca_path = root / "server.pem", root / "server-key.pem", root / "ca.pem"
    if cert_path.is_file() and key_path.is_file():
        return ConsoleTls(cert_path, key_path, ca_path if ca_path.is_file() else None)
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hnth console CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - dt.timedelta(minutes=5))
          .not_valid_after(now + dt.timedelta(days=365))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True,
                                       crl_sign=True, content_commitment=False,
                                       key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, encipher_only=False,
                                       decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
                         critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    hosts = [host, "127.0.0.1", "localhost"]
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=365))
            .add_extension(x509.SubjectAlternativeName(_names(hosts)), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    _write_private(root / "ca-key.pem", _key_pem(ca_key))
    _write_private(key_path, _key_pem(key))
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return ConsoleTls(cert_path, key_path, ca_path)
