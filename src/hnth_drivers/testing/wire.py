"""Recording byte streams (SSH shells of codecs) and datagrams (VISCA over IP cameras).

A recording of these transports is a list of :class:`WireExchange`: what the driver sent
(or that it opened a connection) and everything the device sent back before the driver
sent again. Timing is not kept: a replay serves an exchange's bytes as soon as the driver
sends its request, in the order they came.

The recorder sits at the transport boundary, through the hooks of
:mod:`hnth_drivers.transport.ssh` (the paramiko client :func:`ssh_connect` made, every
check applied, wrapped so that its shell channel notes what goes through it) and
:mod:`hnth_drivers.transport.udp` (the endpoint, waiver required as usual, wrapped).

Secrets: the SSH password and key passphrase travel in the SSH authentication, never in
the shell; the recorder also removes them (and their base64) wherever they would appear,
and the value of any ``Name: value`` / ``name="value"`` pair whose name says it is a
secret (see :func:`hnth_drivers.testing.redaction.is_secret_name`).

RS-232 VISCA lines are recorded the same way (:func:`record_serial`, through the hook of
:mod:`hnth_drivers.transport.serial`), in hex.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import paramiko
import serial

from .redaction import REDACTED, is_secret_name

__all__ = ["WireExchange", "WireLog", "describe_wire", "record_serial", "record_ssh",
           "record_udp", "redact_line", "wire_from_json", "wire_to_json"]

#: Transports recorded as wire exchanges (the header's ``transport``).
WIRE_TRANSPORTS = ("ssh", "udp", "serial")
#: Binary transports: bytes written in hex.
_HEX = ("udp", "serial")
_PAIR = re.compile(r"""\b([A-Za-z_][\w.-]*)(\s*[:=]\s*)("?)([^"\s]+)(\3)""")


@dataclass(frozen=True, slots=True)
class WireExchange:
    """``sent`` (None: the driver opened a connection) and what came back before the next
    thing the driver sent (stream bytes in one piece, or one item per datagram)."""

    sent: bytes | None
    received: tuple[bytes, ...] = ()
    #: The part of the session it belongs to (the kit test that made it), or "".
    section: str = ""

    def describe(self, transport: str) -> str:
        """The exchange's request in words, for messages."""
        return describe_wire(self.sent, transport)


def describe_wire(sent: bytes | None, transport: str) -> str:
    """``open``, the first line of a command (SSH) or the datagram in hex (UDP)."""
    if sent is None:
        return "open"
    if transport in _HEX:
        return f"{'datagram' if transport == 'udp' else 'bytes'} {sent.hex(' ')}"
    line = sent.decode("utf-8", "replace").strip().splitlines()
    return repr(line[0][:80] if line else "")


def redact_line(text: str, found: set[str] | None = None) -> str:
    """``text`` with the value of every secret-named ``Name: value`` pair replaced (the
    values removed are added to ``found``)."""
    def pair(m: re.Match[str]) -> str:
        if not is_secret_name(m[1]) or m[4] == REDACTED:
            return m[0]
        if found is not None:
            found.add(m[4])
        return f"{m[1]}{m[2]}{m[3]}{REDACTED}{m[5]}"

    return _PAIR.sub(pair, text)


def _encode(data: bytes, transport: str) -> Any:
    if transport in _HEX:
        return data.hex(" ")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return {"hex": data.hex(" ")}


def _decode(value: Any, transport: str) -> bytes:
    if isinstance(value, dict) and isinstance(value.get("hex"), str):
        return bytes.fromhex(value["hex"])
    if isinstance(value, str):
        return bytes.fromhex(value) if transport in _HEX else value.encode("utf-8")
    raise TypeError(f"bytes are a string or {{'hex': ...}}, not {type(value).__name__}")


def wire_to_json(exchange: WireExchange, transport: str) -> dict[str, Any]:
    """One exchange as a JSON object: ``{"open": true}`` or ``{"send": ...}``, and
    ``recv``: a list (text for SSH, ``{"hex": ...}`` for bytes that are not UTF-8; hex
    for UDP and serial lines)."""
    head: dict[str, Any] = ({"open": True} if exchange.sent is None
                            else {"send": _encode(exchange.sent, transport)})
    data = {**head, "recv": [_encode(d, transport) for d in exchange.received]}
    if exchange.section:
        data["section"] = exchange.section
    return data


def wire_from_json(record: dict[str, Any], transport: str) -> WireExchange:
    """The inverse of :func:`wire_to_json` (KeyError, TypeError, ValueError if malformed)."""
    sent = None if record.get("open") is True else _decode(record["send"], transport)
    received = record.get("recv", [])
    if not isinstance(received, list):
        raise TypeError("recv is a list")
    return WireExchange(sent, tuple(_decode(v, transport) for v in received),
                        str(record.get("section", "")))


class WireLog:
    """What went through recorded connections, in order (thread-safe: paramiko writes
    from worker threads)."""

    def __init__(self) -> None:
        self.transport: str | None = None
        #: Noted with each open and send (see :attr:`WireExchange.section`).
        self.section = ""
        self._events: list[tuple[str, bytes, str]] = []
        self._lock = threading.Lock()

    def note(self, transport: str, event: str, data: bytes = b"") -> None:
        """Add ``open``, ``send`` or ``recv`` (with its bytes)."""
        with self._lock:
            self.transport = self.transport or transport
            self._events.append((event, data, self.section))

    def exchanges(self) -> list[WireExchange]:
        """The events grouped: one exchange per open or send, with what came after it."""
        with self._lock:
            events = list(self._events)
        out: list[tuple[bytes | None, list[bytes], str]] = []
        for event, data, section in events:
            if event == "open":
                out.append((None, [], section))
            elif event == "send":
                out.append((data, [], section))
            elif out:
                out[-1][1].append(data)
        stream = self.transport != "udp"
        return [WireExchange(sent, (b"".join(got),) if stream and got else tuple(got), part)
                for sent, got, part in out]


# -- SSH ---------------------------------------------------------------------------------------
class _Proxy:
    def __init__(self, inner: Any, log: WireLog) -> None:
        self._inner, self._log = inner, log

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class _RecordingChannel(_Proxy):
    def invoke_shell(self, *args: Any, **kwargs: Any) -> None:
        self._inner.invoke_shell(*args, **kwargs)
        self._log.note("ssh", "open")

    def sendall(self, data: bytes) -> None:
        self._log.note("ssh", "send", bytes(data))
        self._inner.sendall(data)

    def send(self, data: bytes) -> int:
        sent = int(self._inner.send(data))
        self._log.note("ssh", "send", bytes(data[:sent]))
        return sent

    def recv(self, size: int) -> bytes:
        data = bytes(self._inner.recv(size))
        if data:
            self._log.note("ssh", "recv", data)
        return data


class _RecordingTransport(_Proxy):
    def open_session(self, *args: Any, **kwargs: Any) -> Any:
        return _RecordingChannel(self._inner.open_session(*args, **kwargs), self._log)


class _RecordingClient(_Proxy):
    def get_transport(self) -> Any:
        transport = self._inner.get_transport()
        return None if transport is None else _RecordingTransport(transport, self._log)

    def close(self) -> None:
        self._inner.close()


def record_ssh(client: paramiko.SSHClient, log: WireLog) -> paramiko.SSHClient:
    """``client`` wrapped: its shell channels note what they send and receive in ``log``."""
    return cast(paramiko.SSHClient, _RecordingClient(client, log))


# -- serial lines ------------------------------------------------------------------------------
class _RecordingSerial(_Proxy):
    def write(self, data: bytes) -> int | None:
        self._log.note("serial", "send", bytes(data))
        written: int | None = self._inner.write(data)
        return written

    def read(self, size: int = 1) -> bytes:
        data = bytes(self._inner.read(size))
        if data:
            self._log.note("serial", "recv", data)
        return data


def record_serial(port: serial.Serial, log: WireLog) -> serial.Serial:
    """``port`` wrapped: what is written and read is noted in ``log``."""
    log.note("serial", "open")
    return cast(serial.Serial, _RecordingSerial(port, log))


# -- UDP ---------------------------------------------------------------------------------------
class _RecordingDatagramTransport(asyncio.DatagramTransport):
    def __init__(self, inner: asyncio.DatagramTransport, log: WireLog) -> None:
        super().__init__()
        self._inner, self._log = inner, log

    def sendto(self, data: Any, addr: Any = None) -> None:
        self._log.note("udp", "send", bytes(data))
        self._inner.sendto(data, addr)

    def close(self) -> None:
        self._inner.close()

    def is_closing(self) -> bool:
        return self._inner.is_closing()

    def abort(self) -> None:
        self._inner.abort()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._inner.get_extra_info(name, default)


class _RecordingProtocol(asyncio.DatagramProtocol):
    def __init__(self, inner: asyncio.DatagramProtocol, log: WireLog) -> None:
        self.inner, self._log = inner, log

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.inner.connection_made(cast(asyncio.DatagramTransport, transport))

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        self._log.note("udp", "recv", bytes(data))
        self.inner.datagram_received(data, addr)

    def error_received(self, exc: Exception) -> None:
        self.inner.error_received(exc)

    def connection_lost(self, exc: Exception | None) -> None:
        self.inner.connection_lost(exc)


async def record_udp(
    open_real: Callable[[Callable[[], asyncio.DatagramProtocol]], Any],
    factory: Callable[[], asyncio.DatagramProtocol], log: WireLog,
) -> tuple[asyncio.DatagramTransport, asyncio.DatagramProtocol]:
    """Open the endpoint with ``open_real`` (the waiver checked), noting every datagram."""
    made: list[_RecordingProtocol] = []

    def wrapped() -> asyncio.DatagramProtocol:
        made.append(_RecordingProtocol(factory(), log))
        return made[-1]

    transport, _ = await open_real(wrapped)
    log.note("udp", "open")
    return _RecordingDatagramTransport(transport, log), made[0].inner
