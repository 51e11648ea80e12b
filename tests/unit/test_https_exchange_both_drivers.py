"""Both MCU drivers meet a misbehaving HTTPS peer the same way: one exchange, one behaviour.

The ``codian`` (XML-RPC) and ``smc`` (SOAP) drivers send through
:func:`hnth_drivers.transport.https.exchange`. Each scenario below is served by a raw TLS
peer on loopback to both drivers' first call (``device.query`` / ``LoginRequest``, made by
``open()``); both must end in the same typed error — class, message, ``transient`` flag,
naming the device — so a driver that grows its own reading, decoding or error mapping
again fails here.
"""

from __future__ import annotations

import gzip
import hashlib
import socket
import ssl
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from hnth_drivers.errors import (
    ConnectError,
    DeviceTimeout,
    HnthError,
    PolicyViolation,
    ProtocolError,
)
from hnth_drivers.mcu.base import Mcu
from hnth_drivers.mcu.codian import CodianMcu, CodianOptions
from hnth_drivers.mcu.smc import SmcMcu, SmcOptions
from hnth_drivers.security.secrets import Secret
from hnth_drivers.transport.https import TlsTrust
from hnth_sim.mcu.tls import TlsFiles, ensure_tls, server_context

from .raw_https import RawHttpsPeer, http_reply

LIMIT = 64 * 1024
TIMEOUT_S = 0.4
BOMB = gzip.compress(b"\0" * 40_000_000)      # ~40 KB on the wire: under the limit


def _whole(body: bytes, status: str = "200 OK", **headers: str) -> bytes:
    return http_reply(body, status, [(k.replace("_", "-"), v) for k, v in headers.items()])


def _chunked(body: bytes) -> bytes:
    pieces = [body[i:i + 8192] for i in range(0, len(body), 8192)]
    return (b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\n\r\n"
            + b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n")


@dataclass(frozen=True)
class Scenario:
    """What the peer answers, and the error both drivers must raise."""

    reply: bytes | None            # None: read the request, then say nothing
    error: type[HnthError]
    message: str
    transient: bool
    trust: str = "ca"              # "ca", "other-ca" or "wrong-pin"
    listen: bool = True            # False: nothing listens on the port


SCENARIOS = {
    "oversize, declared": Scenario(_whole(b"x" * (LIMIT + 1)), ProtocolError,
                                   "reply too large", False),
    "oversize, chunked": Scenario(_chunked(b"x" * (4 * LIMIT)), ProtocolError,
                                  "reply too large", False),
    "gzip bomb": Scenario(_whole(BOMB, Content_Encoding="gzip"), ProtocolError,
                          "reply too large", False),
    "deflate bomb": Scenario(_whole(zlib.compress(b"\0" * 40_000_000),
                                    Content_Encoding="deflate"),
                             ProtocolError, "reply too large", False),
    "gzip corrupt": Scenario(_whole(b"\x1f\x8b not gzip at all", Content_Encoding="gzip"),
                             ProtocolError, "undecodable reply", False),
    "gzip cut short": Scenario(_whole(gzip.compress(b"<a/>" * 1000)[:40],
                                      Content_Encoding="gzip"),
                               ProtocolError, "undecodable reply", False),
    "unknown encoding": Scenario(_whole(b"<a/>", Content_Encoding="br"), ProtocolError,
                                 "reply in an unsupported Content-Encoding", False),
    "HTTP 404": Scenario(_whole(b"no", "404 Not Found"), ProtocolError,
                         "unexpected HTTP status", False),
    "HTTP 503": Scenario(_whole(b"busy", "503 Service Unavailable"), ConnectError,
                         "server unavailable", True),
    "silent": Scenario(None, DeviceTimeout, "no answer in time", True),
    "dropped": Scenario(b"", ConnectError, "connection failed", True),
    "refused": Scenario(b"", ConnectError, "connection failed", True, listen=False),
    "wrong pin": Scenario(b"", PolicyViolation, "server certificate does not match the pin",
                          False, trust="wrong-pin"),
    "untrusted CA": Scenario(b"", PolicyViolation,
                             "the server's TLS certificate or version is refused", False,
                             trust="other-ca"),
}


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> tuple[TlsFiles, TlsFiles]:
    root = tmp_path_factory.mktemp("exchange-tls")
    return ensure_tls(root / "peer"), ensure_tls(root / "other")


@pytest.fixture
async def peer(tls: tuple[TlsFiles, TlsFiles]) -> AsyncIterator[Callable[[Scenario], int]]:
    """A raw HTTPS peer answering every request with the scenario's bytes; its port."""
    current: list[Scenario] = []

    async def answer(_head: bytes, _body: bytes) -> bytes | None:
        return current[0].reply

    async with RawHttpsPeer(server_context(tls[0]), answer) as raw:
        def use(scenario: Scenario) -> int:
            current[:] = [scenario]
            return raw.port
        yield use


def _trust(kind: str, tls: tuple[TlsFiles, TlsFiles]) -> TlsTrust:
    if kind == "wrong-pin":
        return TlsTrust(pin_sha256=hashlib.sha256(b"not the peer").hexdigest())
    return TlsTrust(ca_file=(tls[0] if kind == "ca" else tls[1]).ca_cert)


def _drivers(port: int, trust: TlsTrust) -> dict[str, Mcu]:
    base = f"https://127.0.0.1:{port}"
    return {
        "codian": CodianMcu(f"{base}/RPC2", password=Secret("pw"), trust=trust, device="dev",
                            options=CodianOptions(timeout_s=TIMEOUT_S / 2,
                                                  max_response_bytes=LIMIT)),
        "smc": SmcMcu(f"{base}/esdk/services", password=Secret("pw"), trust=trust,
                      device="dev", options=SmcOptions(timeout_s=TIMEOUT_S,
                                                       max_reply_bytes=LIMIT)),
    }


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


async def _outcome(open_: Callable[[], Awaitable[None]]) -> HnthError:
    with pytest.raises(HnthError) as caught:
        await open_()
    return caught.value


@pytest.mark.parametrize("name", list(SCENARIOS))
async def test_both_drivers_fail_alike(name: str, peer: Callable[[Scenario], int],
                                       tls: tuple[TlsFiles, TlsFiles]) -> None:
    scenario = SCENARIOS[name]
    port = peer(scenario) if scenario.listen else _closed_port()
    seen = {}
    for driver_name, driver in _drivers(port, _trust(scenario.trust, tls)).items():
        error = await _outcome(driver.open)
        seen[driver_name] = (type(error), error.message, error.transient, error.device)
        assert isinstance(error, scenario.error), (driver_name, error)
        assert error.message == scenario.message, (driver_name, error)
        assert error.transient is scenario.transient, (driver_name, error)
        assert error.device == "dev", (driver_name, error)
    assert seen["codian"] == seen["smc"]


def test_every_outcome_of_exchange_is_covered() -> None:
    """The table above holds each error exchange() documents, so a new one is added here."""
    assert {(s.error, s.message) for s in SCENARIOS.values()} == {
        (ProtocolError, "reply too large"), (ProtocolError, "undecodable reply"),
        (ProtocolError, "reply in an unsupported Content-Encoding"),
        (ProtocolError, "unexpected HTTP status"), (ConnectError, "server unavailable"),
        (DeviceTimeout, "no answer in time"), (ConnectError, "connection failed"),
        (PolicyViolation, "server certificate does not match the pin"),
        (PolicyViolation, "the server's TLS certificate or version is refused")}


def test_the_pin_scenario_pins_another_certificate(tls: tuple[TlsFiles, TlsFiles]) -> None:
    der = ssl.PEM_cert_to_DER_cert(Path(tls[0].cert).read_text())
    assert _trust("wrong-pin", tls).pin_sha256 != hashlib.sha256(der).hexdigest()
