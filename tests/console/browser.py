"""Headless Chromium for the console's browser tests and benchmark.

Debian's ``/usr/bin/chromium`` driven by Playwright for Python (never ``playwright
install``: the system browser is used). The console's certificate is trusted by pinning
its public key (``--ignore-certificate-errors-spki-list``, the SHA-256 of the server
certificate's SubjectPublicKeyInfo): exactly that key is accepted, nothing else.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

CHROMIUM = os.environ.get("HNTH_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def spki_pin(cert_pem: Path) -> str:
    """base64(SHA-256(SubjectPublicKeyInfo)) of a PEM certificate, as Chromium wants it."""
    cert = x509.load_pem_x509_certificate(cert_pem.read_bytes())
    spki = cert.public_key().public_bytes(serialization.Encoding.DER,
                                          serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(spki).digest()).decode("ascii")


def chromium_args(server_cert: Path) -> list[str]:
    """The browser's arguments, trusting only the console's key."""
    return [*ARGS, f"--ignore-certificate-errors-spki-list={spki_pin(server_cert)}"]


def require_chromium() -> str:
    """The browser's path; skip without it, fail when HNTH_REQUIRE_INTEROP=1."""
    if shutil.which(CHROMIUM) is None:
        if os.environ.get("HNTH_REQUIRE_INTEROP") == "1":
            pytest.fail(f"{CHROMIUM} is not installed (HNTH_REQUIRE_INTEROP=1)")
        pytest.skip(f"{CHROMIUM} is not installed")
    return CHROMIUM
