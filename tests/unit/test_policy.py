"""The security policy matrix: every refused combination raises PolicyViolation; every
allowed one builds a working transport; a waiver is honoured and audited."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import ssl
import tty
from pathlib import Path

import paramiko
import pytest

from hnth_drivers.errors import AuthError, ConfigError, PolicyViolation
from hnth_drivers.security.audit import AuditLog, verify
from hnth_drivers.security.policy import STRICT, SecurityPolicy, Waiver, WaiverKind
from hnth_drivers.security.secrets import Secret
from hnth_drivers.transport.https import TlsTrust, https_client, ssl_context
from hnth_drivers.transport.serial import open_serial
from hnth_drivers.transport.snmp import (
    SnmpAuth,
    SnmpCommunity,
    SnmpPriv,
    SnmpV3User,
    snmp_credentials,
)
from hnth_drivers.transport.ssh import SshTarget, open_telnet, ssh_connect
from hnth_drivers.transport.udp import open_udp

from .ssh_fixtures import known_hosts_line, make_host_key, ssh_server
from .tls_fixtures import https_server, make_ca_and_cert


def audited_policy(tmp_path: Path, *waivers: Waiver) -> tuple[SecurityPolicy, AuditLog]:
    log = AuditLog(tmp_path / "audit.jsonl", durable=False)
    return SecurityPolicy(waivers=waivers, audit=log, actor="tester"), log


def audit_records(log: AuditLog) -> list[dict[str, object]]:
    return [json.loads(line) for line in log.path.read_text().splitlines()]


# --- HTTPS ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    d = tmp_path_factory.mktemp("pki")
    ca, cert, key, der = make_ca_and_cert(d, "good")
    other_ca, *_ = make_ca_and_cert(d, "other")
    return {"ca": ca, "cert": cert, "key": key, "der": der, "other_ca": other_ca}


async def test_https_verified_by_ca_works(pki: dict[str, object]) -> None:
    with https_server(pki["cert"], pki["key"]) as url:  # type: ignore[arg-type]
        async with https_client(url, policy=STRICT, trust=TlsTrust(ca_file=pki["ca"])) as c:  # type: ignore[arg-type]
            assert (await c.get("/")).text == "hello"


async def test_https_verified_by_pin_works(pki: dict[str, object]) -> None:
    pin = hashlib.sha256(pki["der"]).hexdigest()  # type: ignore[arg-type]
    with https_server(pki["cert"], pki["key"]) as url:  # type: ignore[arg-type]
        async with https_client(url, policy=STRICT, trust=TlsTrust(pin_sha256=pin)) as c:
            assert (await c.get("/")).text == "hello"


async def test_https_wrong_pin_refused_before_request(pki: dict[str, object]) -> None:
    with https_server(pki["cert"], pki["key"]) as url:  # type: ignore[arg-type]
        async with https_client(url, policy=STRICT, trust=TlsTrust(pin_sha256="ab" * 32)) as c:
            with pytest.raises(PolicyViolation, match="does not match the pin"):
                await c.get("/")


async def test_https_untrusted_certificate_refused(pki: dict[str, object]) -> None:
    with https_server(pki["cert"], pki["key"]) as url:  # type: ignore[arg-type]
        trust = TlsTrust(ca_file=pki["other_ca"])  # type: ignore[arg-type]
        async with https_client(url, policy=STRICT, trust=trust) as c:
            with pytest.raises(PolicyViolation, match="certificate"):
                await c.get("/")


async def test_https_certificate_for_another_name_refused(tmp_path: Path) -> None:
    ca, cert, key, _ = make_ca_and_cert(tmp_path, "elsewhere", loopback=False)
    with https_server(cert, key) as url:
        async with https_client(url, policy=STRICT, trust=TlsTrust(ca_file=ca)) as c:
            with pytest.raises(PolicyViolation, match="certificate"):
                await c.get("/")


def test_https_without_trust_anchor_refused() -> None:
    with pytest.raises(PolicyViolation, match="CA file or a certificate pin"):
        https_client("https://mcu.example:443/RPC2", policy=STRICT, trust=None)


@pytest.mark.parametrize("url", ["ftp://x/", "ws://x/"])
def test_other_schemes_refused(url: str) -> None:
    with pytest.raises(PolicyViolation):
        https_client(url, policy=STRICT, trust=None)


def test_plain_http_refused_by_default() -> None:
    with pytest.raises(PolicyViolation, match="http is refused"):
        https_client("http://10.0.0.5/RPC2", policy=STRICT, trust=None)


def test_plain_http_allowed_by_waiver_and_audited(tmp_path: Path) -> None:
    policy, log = audited_policy(tmp_path, Waiver("10.0.0.5:80", WaiverKind.HTTP, "lab MCU"))
    client = https_client("http://10.0.0.5/RPC2", policy=policy, trust=None)
    assert client.base_url.scheme == "http"
    (rec,) = audit_records(log)
    assert rec["action"] == "policy.waiver" and rec["target"] == "10.0.0.5:80"
    assert rec["detail"] == {"kind": "http", "reason": "lab MCU", "operation": "open HTTP client"}
    assert verify(log.path).ok


def test_waiver_for_another_device_does_not_apply(tmp_path: Path) -> None:
    policy, log = audited_policy(tmp_path, Waiver("10.0.0.6:80", WaiverKind.HTTP, "lab"))
    with pytest.raises(PolicyViolation):
        https_client("http://10.0.0.5/RPC2", policy=policy, trust=None)
    assert log.records == 0


def test_waiver_without_audit_log_refused() -> None:
    policy = SecurityPolicy(waivers=(Waiver("10.0.0.5:80", WaiverKind.HTTP, "lab"),))
    with pytest.raises(PolicyViolation, match="audit log"):
        https_client("http://10.0.0.5/RPC2", policy=policy, trust=None)


def test_tls_below_1_2_cannot_be_configured() -> None:
    with pytest.raises(PolicyViolation):
        SecurityPolicy(min_tls=ssl.TLSVersion.TLSv1_1)


def test_context_enforces_minimum_tls(pki: dict[str, object]) -> None:
    ctx = ssl_context(STRICT, TlsTrust(ca_file=pki["ca"]))  # type: ignore[arg-type]
    assert ctx.minimum_version >= ssl.TLSVersion.TLSv1_2
    assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname


@pytest.mark.parametrize("pin", ["", "abc", "zz" * 32, "ab" * 31])
def test_bad_pins_are_config_errors(pin: str) -> None:
    with pytest.raises(ConfigError):
        TlsTrust(pin_sha256=pin)


# --- SSH -----------------------------------------------------------------------------------

@pytest.fixture
def ssh_env(tmp_path: Path):  # type: ignore[no-untyped-def]
    key = make_host_key(tmp_path / "host_ed25519")
    with ssh_server(key, "s3cret-pw") as port:
        yield key, port, tmp_path


def _target(tmp_path: Path, port: int, known: str, password: str = "s3cret-pw") -> SshTarget:
    kh = tmp_path / "known_hosts"
    kh.write_text(known)
    return SshTarget("127.0.0.1", "admin", kh, port=port, password=Secret(password),
                     connect_timeout=5)


def test_ssh_known_host_connects(ssh_env) -> None:  # type: ignore[no-untyped-def]
    key, port, tmp = ssh_env
    client = ssh_connect(STRICT, _target(tmp, port, known_hosts_line(port, key)))
    try:
        transport = client.get_transport()
        assert transport is not None and transport.is_authenticated()
        assert transport.remote_cipher not in ("aes128-cbc", "3des-cbc")
    finally:
        client.close()


def test_ssh_unknown_host_refused(ssh_env) -> None:  # type: ignore[no-untyped-def]
    _, port, tmp = ssh_env
    with pytest.raises(PolicyViolation, match="unknown SSH host key"):
        ssh_connect(STRICT, _target(tmp, port, ""))


def test_ssh_changed_host_key_refused(ssh_env) -> None:  # type: ignore[no-untyped-def]
    _, port, tmp = ssh_env
    impostor = make_host_key(tmp / "other")
    with pytest.raises(PolicyViolation, match="host key changed"):
        ssh_connect(STRICT, _target(tmp, port, known_hosts_line(port, impostor)))


def test_ssh_missing_known_hosts_file_refused(tmp_path: Path) -> None:
    target = SshTarget("127.0.0.1", "admin", tmp_path / "nope", port=2222,
                       password=Secret("x" * 8))
    with pytest.raises(PolicyViolation, match="known-hosts"):
        ssh_connect(STRICT, target)


def test_ssh_wrong_password_is_auth_error(ssh_env) -> None:  # type: ignore[no-untyped-def]
    key, port, tmp = ssh_env
    with pytest.raises(AuthError) as info:
        ssh_connect(STRICT, _target(tmp, port, known_hosts_line(port, key), "wrong-pw"))
    assert "wrong-pw" not in str(info.value)


@pytest.mark.parametrize("port", [23, 24])
def test_ssh_to_telnet_ports_refused(tmp_path: Path, port: int) -> None:
    kh = tmp_path / "kh"
    kh.write_text("")
    with pytest.raises(PolicyViolation):
        ssh_connect(STRICT, SshTarget("127.0.0.1", "admin", kh, port=port,
                                      password=Secret("x" * 8)))


def test_ssh_rejects_sha1_and_cbc_algorithms() -> None:
    disabled = STRICT.ssh_disabled_algorithms
    assert "ssh-rsa" in disabled["keys"] and "aes128-cbc" in disabled["ciphers"]
    assert "hmac-sha1" in disabled["macs"] and "diffie-hellman-group14-sha1" in disabled["kex"]


async def test_telnet_refused_by_default() -> None:
    with pytest.raises(PolicyViolation, match="telnet is refused"):
        await open_telnet(STRICT, "127.0.0.1", 24)


async def test_telnet_waiver_honoured_and_audited(tmp_path: Path) -> None:
    server = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    policy, log = audited_policy(tmp_path, Waiver(f"127.0.0.1:{port}", WaiverKind.TELNET,
                                                  "legacy HDX, isolated VLAN"))
    async with server:
        _, writer = await open_telnet(policy, "127.0.0.1", port)
        writer.close()
    assert [r["detail"]["kind"] for r in audit_records(log)] == ["telnet"]  # type: ignore[index]


# --- SNMP ----------------------------------------------------------------------------------

AUTH, PRIV = Secret("auth-pass-123"), Secret("priv-pass-456")


@pytest.mark.parametrize(
    ("creds", "kind"),
    [
        (SnmpCommunity("v1", Secret("public")), WaiverKind.SNMP_V1),
        (SnmpCommunity("v2c", Secret("public")), WaiverKind.SNMP_V2C),
        (SnmpV3User("u", None, None, SnmpAuth.NONE, SnmpPriv.NONE), WaiverKind.SNMP_NO_PRIV),
        (SnmpV3User("u", AUTH, None, SnmpAuth.SHA256, SnmpPriv.NONE), WaiverKind.SNMP_NO_PRIV),
        (SnmpV3User("u", AUTH, PRIV, SnmpAuth.MD5, SnmpPriv.AES128), WaiverKind.SNMP_WEAK_CRYPTO),
        (SnmpV3User("u", AUTH, PRIV, SnmpAuth.SHA1, SnmpPriv.AES128), WaiverKind.SNMP_WEAK_CRYPTO),
        (SnmpV3User("u", AUTH, PRIV, SnmpAuth.SHA256, SnmpPriv.DES), WaiverKind.SNMP_WEAK_CRYPTO),
        (SnmpV3User("u", AUTH, PRIV, SnmpAuth.SHA256, SnmpPriv.TDES), WaiverKind.SNMP_WEAK_CRYPTO),
    ],
    ids=["v1", "v2c", "noAuthNoPriv", "authNoPriv", "MD5", "SHA1", "DES", "3DES"],
)
def test_snmp_refused_then_waived(tmp_path: Path, creds: object, kind: WaiverKind) -> None:
    with pytest.raises(PolicyViolation):
        snmp_credentials(STRICT, creds, device="rmx-hn")  # type: ignore[arg-type]
    policy, log = audited_policy(tmp_path, Waiver("rmx-hn", kind, "vendor firmware limit"))
    assert snmp_credentials(policy, creds, device="rmx-hn") is not None  # type: ignore[arg-type]
    assert kind.value in [r["detail"]["kind"] for r in audit_records(log)]  # type: ignore[index]


@pytest.mark.parametrize("auth", [SnmpAuth.SHA224, SnmpAuth.SHA256, SnmpAuth.SHA384,
                                  SnmpAuth.SHA512])
@pytest.mark.parametrize("priv", [SnmpPriv.AES128, SnmpPriv.AES192, SnmpPriv.AES256])
def test_snmp_authpriv_sha2_aes_allowed(auth: SnmpAuth, priv: SnmpPriv) -> None:
    data = snmp_credentials(STRICT, SnmpV3User("u", AUTH, PRIV, auth, priv), device="rmx")
    assert type(data).__name__ == "UsmUserData"
    assert "priv-pass-456" not in repr(SnmpV3User("u", AUTH, PRIV, auth, priv))


def test_snmp_short_keys_are_config_errors() -> None:
    with pytest.raises(ConfigError):
        SnmpV3User("u", Secret("short"), PRIV)


# --- serial and UDP ------------------------------------------------------------------------

def test_serial_opens_a_pty_and_refuses_odd_baud() -> None:
    master, slave = os.openpty()
    tty.setraw(slave)
    try:
        port = open_serial(os.ttyname(slave), baudrate=9600, timeout=0.5)
        port.write(b"\x81\x09\x04\x00\xff")
        assert os.read(master, 5) == b"\x81\x09\x04\x00\xff"
        port.close()
        with pytest.raises(ConfigError):
            open_serial(os.ttyname(slave), baudrate=1200)
    finally:
        os.close(master)
        os.close(slave)


async def test_visca_udp_refused_without_waiver() -> None:
    with pytest.raises(PolicyViolation, match="visca-ip is refused"):
        await open_udp(STRICT, "127.0.0.1", 52381, asyncio.DatagramProtocol)


async def test_visca_udp_waiver_opens_and_is_audited(tmp_path: Path) -> None:
    policy, log = audited_policy(tmp_path, Waiver("127.0.0.1:52381", WaiverKind.VISCA_IP,
                                                  "camera on the room's local segment"))
    transport, _ = await open_udp(policy, "127.0.0.1", 52381, asyncio.DatagramProtocol)
    transport.close()
    assert audit_records(log)[0]["detail"]["kind"] == "visca-ip"  # type: ignore[index]


def test_waiver_needs_reason() -> None:
    with pytest.raises(PolicyViolation):
        Waiver("cam", WaiverKind.VISCA_IP, " ")


def test_paramiko_reject_policy_is_what_we_use() -> None:
    # Guard against a refactor swapping in an auto-accepting policy.
    import inspect

    import hnth_drivers.transport.ssh as ssh_mod

    source = inspect.getsource(ssh_mod)
    assert "RejectPolicy()" in source and "AutoAdd" not in source
    assert isinstance(paramiko.RejectPolicy(), paramiko.MissingHostKeyPolicy)


async def test_unusable_ca_file_is_a_config_error(tmp_path: Path) -> None:
    """A CA file that is not PEM is the operator's mistake: ConfigError, not ssl.SSLError,
    both from the factory and from a driver's open()."""
    from hnth_drivers.mcu.codian import CodianMcu

    bogus = tmp_path / "ca.pem"
    bogus.write_text("not a certificate\n")
    with pytest.raises(ConfigError, match="CA file"):
        ssl_context(STRICT, TlsTrust(ca_file=bogus))
    mcu = CodianMcu("https://127.0.0.1:9/RPC2", password=Secret("pw-for-tests"),
                    trust=TlsTrust(ca_file=bogus))
    with pytest.raises(ConfigError, match="CA file"):
        await mcu.open()


@pytest.mark.parametrize("url", ["https://admin:hunter2-pw@mcu.example/RPC2",
                                 "https://admin:hunter2-pw@mcu.example/"])
def test_credentials_in_a_url_are_refused_without_echoing_them(url: str) -> None:
    """A password in the URL would show in the driver's repr and in logs."""
    from hnth_drivers.mcu.codian import CodianMcu
    from hnth_drivers.mcu.smc import SmcMcu

    for make in (lambda: https_client(url, policy=STRICT, trust=None),
                 lambda: CodianMcu(url, password=Secret("pw-for-tests")),
                 lambda: SmcMcu(url, password=Secret("pw-for-tests"))):
        with pytest.raises(ConfigError, match="credentials") as info:
            make()
        assert "hunter2" not in str(info.value)


def test_an_unparsable_url_is_a_config_error() -> None:
    from hnth_drivers.mcu.codian import CodianMcu

    with pytest.raises(ConfigError, match="invalid URL"):
        CodianMcu("https://mcu.example:port/RPC2", password=Secret("pw-for-tests"))


def test_ssh_missing_key_file_is_a_config_error(ssh_env) -> None:  # type: ignore[no-untyped-def]
    """Not 'cannot reach the SSH server' (paramiko's FileNotFoundError is an OSError)."""
    key, port, tmp = ssh_env
    kh = tmp / "known_hosts"
    kh.write_text(known_hosts_line(port, key))
    target = SshTarget("127.0.0.1", "admin", kh, port=port, key_file=tmp / "no-such-key",
                       connect_timeout=5)
    with pytest.raises(ConfigError, match="key file"):
        ssh_connect(STRICT, target)
