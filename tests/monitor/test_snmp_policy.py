"""The SNMP policy matrix: the poller refuses v1, v2c, noAuthNoPriv, authNoPriv, MD5,
SHA-1, DES and 3DES before sending anything, unless an audited waiver names the device."""

from __future__ import annotations

from pathlib import Path

import pytest

from hnth_drivers import STRICT, Secret, SecurityPolicy, Waiver, WaiverKind
from hnth_drivers.errors import PolicyViolation
from hnth_drivers.monitor import SnmpPoller, SnmpTarget
from hnth_drivers.monitor import snmp as poller_module
from hnth_drivers.security.audit import AuditLog
from hnth_drivers.transport.snmp import SnmpAuth, SnmpCommunity, SnmpPriv, SnmpV3User

from .conftest import free_udp_port

pytestmark = pytest.mark.asyncio

A, P = Secret("auth-key-123"), Secret("priv-key-123")

REFUSED = {
    "v1": (SnmpCommunity("v1", Secret("public")), WaiverKind.SNMP_V1),
    "v2c": (SnmpCommunity("v2c", Secret("public")), WaiverKind.SNMP_V2C),
    "noAuthNoPriv": (SnmpV3User("u", None, None, SnmpAuth.NONE, SnmpPriv.NONE),
                     WaiverKind.SNMP_NO_PRIV),
    "authNoPriv": (SnmpV3User("u", A, None, SnmpAuth.SHA256, SnmpPriv.NONE),
                   WaiverKind.SNMP_NO_PRIV),
    "MD5": (SnmpV3User("u", A, P, SnmpAuth.MD5, SnmpPriv.AES128), WaiverKind.SNMP_WEAK_CRYPTO),
    "SHA-1": (SnmpV3User("u", A, P, SnmpAuth.SHA1, SnmpPriv.AES128),
              WaiverKind.SNMP_WEAK_CRYPTO),
    "DES": (SnmpV3User("u", A, P, SnmpAuth.SHA256, SnmpPriv.DES), WaiverKind.SNMP_WEAK_CRYPTO),
    "3DES": (SnmpV3User("u", A, P, SnmpAuth.SHA256, SnmpPriv.TDES),
             WaiverKind.SNMP_WEAK_CRYPTO),
}


@pytest.fixture
def no_io(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record any request the poller would send."""
    sent: list[str] = []

    async def refuse(*args: object, **kw: object) -> object:
        sent.append("request")
        raise AssertionError("a refused credential must not reach the network")

    for name in ("get_cmd", "bulk_cmd", "next_cmd"):
        monkeypatch.setattr(poller_module, name, refuse)
    return sent


@pytest.mark.parametrize("case", sorted(REFUSED))
async def test_refused_by_default(case: str, no_io: list[str]) -> None:
    creds, _ = REFUSED[case]
    target = SnmpTarget("mcu-hanoi", "127.0.0.1", creds, port=16100)
    async with SnmpPoller(STRICT) as poller:
        with pytest.raises(PolicyViolation) as err:
            await poller.poll(target)
        with pytest.raises(PolicyViolation):
            await poller.get(target, ["1.3.6.1.2.1.1.3.0"])
    assert err.value.device == "mcu-hanoi"
    assert no_io == []
    assert "public" not in str(err.value) and "auth-key" not in str(err.value)


@pytest.mark.parametrize("case", sorted(REFUSED))
async def test_waiver_for_another_device_does_not_help(case: str, no_io: list[str],
                                                       tmp_path: Path) -> None:
    creds, kind = REFUSED[case]
    policy = SecurityPolicy(waivers=(Waiver("other-device", kind, "lab"),),
                            audit=AuditLog(tmp_path / "audit.jsonl"))
    async with SnmpPoller(policy) as poller:
        with pytest.raises(PolicyViolation):
            await poller.poll(SnmpTarget("mcu-hanoi", "127.0.0.1", creds, port=16100))


@pytest.mark.parametrize("case", ["v2c", "MD5", "DES", "authNoPriv"])
async def test_waiver_naming_the_device_is_audited_once(case: str, tmp_path: Path) -> None:
    creds, kind = REFUSED[case]
    audit = AuditLog(tmp_path / "audit.jsonl")
    policy = SecurityPolicy(waivers=(Waiver("old-codec", kind, "legacy, until replaced"),),
                            audit=audit)
    target = SnmpTarget("old-codec", "127.0.0.1", creds, port=free_udp_port(), timeout=0.1,
                        retries=0)
    async with SnmpPoller(policy) as poller:
        first = await poller.poll(target)   # allowed: nothing listens, so it times out
        await poller.poll(target)
    assert not first.reachable
    lines = (tmp_path / "audit.jsonl").read_text().splitlines()
    assert len(lines) == 1 and "policy.waiver" in lines[0] and kind.value in lines[0]


@pytest.mark.parametrize(("auth", "priv"), [
    (SnmpAuth.SHA224, SnmpPriv.AES128), (SnmpAuth.SHA256, SnmpPriv.AES128),
    (SnmpAuth.SHA384, SnmpPriv.AES192), (SnmpAuth.SHA512, SnmpPriv.AES256)])
async def test_sha2_and_aes_are_allowed(auth: SnmpAuth, priv: SnmpPriv) -> None:
    target = SnmpTarget("codec", "127.0.0.1", SnmpV3User("u", A, P, auth, priv),
                        port=free_udp_port(), timeout=0.1, retries=0)
    async with SnmpPoller(STRICT) as poller:
        health = await poller.poll(target)  # no agent there: a timeout, not a refusal
    assert not health.reachable and health.error and "no answer" in health.error


@pytest.mark.parametrize("case", ["MD5", "DES", "v2c"])
async def test_poll_all_raises_the_policy_error_itself(case: str, no_io: list[str]) -> None:
    """Workers run in a TaskGroup: the refusal must come out as PolicyViolation, not as an
    ExceptionGroup that no ``except PolicyViolation`` catches."""
    creds, _ = REFUSED[case]
    targets = [SnmpTarget(f"room-{n}", "127.0.0.1", creds, port=16100) for n in range(3)]
    async with SnmpPoller(STRICT, max_in_flight=2) as poller:
        with pytest.raises(PolicyViolation) as err:
            await poller.poll_all(targets)
        with pytest.raises(PolicyViolation):
            await poller.get_all(targets, ["1.3.6.1.2.1.1.3.0"])
    assert err.value.device.startswith("room-") and no_io == []

