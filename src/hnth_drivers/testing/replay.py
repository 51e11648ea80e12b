"""Serving a recording back to a driver: the conformance kit offline (napalm's mocked data).

:meth:`Recording.load` reads and checks a file written by
:class:`~hnth_drivers.testing.recording.Recorder` (``hnth record``): a file that is not a
recording, is truncated, or was made with another driver raises :class:`RecordingError`.
While :meth:`Recording.replaying` is active, every client
:func:`~hnth_drivers.transport.https.https_client` builds is answered from the recording
and nothing is sent on the network. A request is matched on method, path and normalised
body (secret fields redacted, see :mod:`.redaction`); among the exchanges that match, the
first unused one after the last served is taken (a recording of a session replays in
order), else the first unused one. A request the recording does not hold raises
:class:`ReplayMiss` naming it, at once: never a hang. A recording of an SSH shell or of
VISCA-over-IP datagrams (header ``transport`` ``ssh`` or ``udp``) is served the same way
through the hooks of :mod:`hnth_drivers.transport.ssh` and :mod:`~hnth_drivers.transport.udp`
(see :mod:`.wire_replay`).
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator, Sequence
from contextvars import ContextVar, Token
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from ..errors import ConfigError, ProtocolError
from ..transport.https import transport_hook
from ..transport.serial import serial_hook
from ..transport.ssh import ssh_hook
from ..transport.udp import udp_hook
from .recording import FORMAT, Exchange, RecordingHeader, describe_request
from .redaction import normalise_body
from .wire import WIRE_TRANSPORTS, WireExchange, wire_from_json
from .wire_replay import WirePlayer

__all__ = ["Recording", "RecordingError", "ReplayMiss", "ReplayTransport"]


class RecordingError(ConfigError):
    """A recording that cannot be replayed: unreadable, truncated, or another driver's."""


class ReplayMiss(ProtocolError):
    """The driver sent a request the recording holds no (unused) exchange for."""


@dataclass(frozen=True)
class Recording:
    """A loaded recording: its header and exchanges."""

    path: Path
    header: RecordingHeader
    exchanges: tuple[Exchange, ...]
    #: The exchanges of an SSH or UDP recording (``exchanges`` is then empty).
    wire: tuple[WireExchange, ...] = ()

    @classmethod
    def load(cls, path: Path, *, kind: str | None = None,
             driver: str | None = None) -> Recording:
        """Read ``path``; :class:`RecordingError` if it is not a complete recording of
        ``driver`` (of ``kind``) when those are given."""
        path = Path(path)
        where = f"replay {path.name}"
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise RecordingError("cannot read the recording", operation=where,
                                 got=f"{type(exc).__name__}: {exc}") from None
        lines = [line for line in text.splitlines() if line.strip()]
        records: list[dict[str, Any]] = []
        for number, line in enumerate(lines, 1):
            try:
                record = json.loads(line)
            except ValueError:
                raise RecordingError(f"line {number} is not JSON (a truncated recording?)",
                                     operation=where, expected="one JSON object per line",
                                     got=line[:60]) from None
            if not isinstance(record, dict):
                raise RecordingError(f"line {number} is not a JSON object", operation=where,
                                     got=type(record).__name__)
            records.append(record)
        if not records or records[0].get("format") != FORMAT:
            raise RecordingError("not an hnth recording", operation=where,
                                 expected=f"a header line with format {FORMAT!r}",
                                 got=repr(records[0].get("format")) if records else "empty file")
        header = _header(records[0], where)
        if header.transport not in ("https", *WIRE_TRANSPORTS):
            raise RecordingError("unknown transport in the recording's header",
                                 operation=where, expected="https, ssh, udp or serial",
                                 got=repr(header.transport))
        if (kind is not None and header.kind != kind) or \
                (driver is not None and header.driver != driver):
            raise RecordingError("the recording was made with another driver", operation=where,
                                 expected=f"{kind or header.kind} driver "
                                          f"{driver or header.driver!r}",
                                 got=f"{header.kind} driver {header.driver!r}")
        end = records[-1].get("end") if len(records) > 1 else None
        body = records[1:-1] if end is not None else records[1:]
        if not isinstance(end, int) or isinstance(end, bool) or end != len(body):
            raise RecordingError("the recording is truncated", operation=where,
                                 expected='an end line {"end": N} counting the exchanges',
                                 got=(f"no end line after {len(body)} exchanges"
                                      if end is None else f"end {end!r}, "
                                      f"{len(body)} exchanges"))
        if header.transport in WIRE_TRANSPORTS:
            wire = tuple(_wire(r, i + 2, where, header.transport) for i, r in enumerate(body))
            return cls(path, header, (), wire)
        exchanges = tuple(_exchange(r, i + 2, where) for i, r in enumerate(body))
        return cls(path, header, exchanges)

    def player(self, section: str | None = None) -> Player:
        """A fresh replay state (every exchange unused) of an HTTPS recording; with
        ``section``, of that part of it (if the recording has such a part)."""
        return Player(self, section)

    def wire_player(self, section: str | None = None) -> WirePlayer:
        """A fresh replay state of an SSH, UDP or serial recording (``section``: as
        :meth:`player`)."""
        return WirePlayer(self, section)

    def sections(self) -> set[str]:
        """The parts the recording is divided in (the kit's test names; may be empty)."""
        return ({ex.section for ex in self.exchanges if ex.section}
                | {ex.section for ex in self.wire if ex.section})

    @contextlib.contextmanager
    def replaying(self, section: str | None = None) -> Iterator[Player | WirePlayer]:
        """Answer every HTTPS client (or SSH connection, UDP endpoint or serial port, after
        the recording's transport) made inside the ``with`` block from this recording
        (from its part ``section`` only, if it has one of that name)."""
        token: tuple[ContextVar[Any], Token[Any]]
        player: Player | WirePlayer
        if self.header.transport == "ssh":
            player = self.wire_player(section)
            token = (ssh_hook, ssh_hook.set(player.ssh_hook))
        elif self.header.transport == "udp":
            player = self.wire_player(section)
            token = (udp_hook, udp_hook.set(player.udp_hook))
        elif self.header.transport == "serial":
            player = self.wire_player(section)
            token = (serial_hook, serial_hook.set(player.serial_hook))
        else:
            player = self.player(section)
            token = (transport_hook, transport_hook.set(player.hook))
        try:
            yield player
        finally:
            _reset(*token)


def _header(record: dict[str, Any], where: str) -> RecordingHeader:
    try:
        return RecordingHeader(
            kind=str(record["kind"]), driver=str(record["driver"]),
            driver_version=str(record.get("driver_version", "")),
            recorded_at=str(record.get("recorded_at", "")), address=str(record["address"]),
            user=str(record.get("user", "admin")),
            redactions=tuple(str(r) for r in record.get("redactions", ())),
            transport=str(record.get("transport", "https")),
            source=str(record.get("source", "")),
            options=dict(record.get("options") or {}))
    except KeyError as exc:
        raise RecordingError("the recording's header lacks a field", operation=where,
                             expected="kind, driver, address", got=f"no {exc}") from None
    except (TypeError, ValueError) as exc:
        raise RecordingError("the recording's header is malformed", operation=where,
                             expected="options as an object",
                             got=f"{type(exc).__name__}: {exc}"[:120]) from None


def _wire(record: dict[str, Any], line: int, where: str, transport: str) -> WireExchange:
    try:
        return wire_from_json(record, transport)
    except (KeyError, TypeError, ValueError) as exc:
        raise RecordingError(f"line {line} is not a {transport} exchange", operation=where,
                             expected='{"open": true} or {"send": ...}, and "recv": [...]',
                             got=f"{type(exc).__name__}: {exc}"[:120]) from None


def _exchange(record: dict[str, Any], line: int, where: str) -> Exchange:
    try:
        return Exchange(
            method=str(record["method"]), path=str(record["path"]),
            request_body=str(record["request_body"]), status=int(record["status"]),
            response_body=str(record["response_body"]),
            request_headers=tuple((str(k), str(v)) for k, v in record.get("request_headers",
                                                                          ())),
            response_headers=tuple((str(k), str(v)) for k, v in record.get("response_headers",
                                                                           ())),
            section=str(record.get("section", "")))
    except (KeyError, TypeError, ValueError) as exc:
        raise RecordingError(f"line {line} is not an exchange", operation=where,
                             expected="method, path, request_body, status, response_body",
                             got=f"{type(exc).__name__}: {exc}"[:120]) from None


class Player:
    """Which exchanges of a recording were served; shared by every client it answers."""

    def __init__(self, recording: Recording, section: str | None = None) -> None:
        self.recording = recording
        self._keys = [ex.key() for ex in recording.exchanges]
        # Another part's exchanges count as used: never served, never reported unused.
        self._used = outside(recording.exchanges, section)
        self._cursor = 0

    @property
    def unused(self) -> list[Exchange]:
        """Exchanges not served yet."""
        return [ex for ex, used in zip(self.recording.exchanges, self._used, strict=True)
                if not used]

    def hook(self, inner: httpx.AsyncBaseTransport, *, base_url: str,
             device: str) -> httpx.AsyncBaseTransport:
        """The :data:`~hnth_drivers.transport.https.transport_hook` of this replay: the
        policy-checked transport is discarded unopened."""
        del inner, base_url
        return ReplayTransport(self, device)

    def serve(self, method: str, path: str, body: str, content_type: str,
              device: str) -> Exchange:
        """The exchange answering this request (:class:`ReplayMiss` if none is left)."""
        key = (method, path, normalise_body(body, content_type))
        order = [*range(self._cursor, len(self._keys)), *range(self._cursor)]
        for i in order:
            if not self._used[i] and self._keys[i] == key:
                self._used[i] = True
                self._cursor = i + 1
                served: Exchange = self.recording.exchanges[i]
                return served
        asked = describe_request(method, path, body)
        same_op = [ex for ex in self.recording.exchanges if ex.describe() == asked]
        raise ReplayMiss(
            f"the recording holds no unused exchange for {asked}",
            device=device, operation=f"replay {self.recording.path.name}",
            expected=(f"{len(same_op)} recorded {asked} exchange(s), all used or with other "
                      "arguments" if same_op else f"an exchange recorded for {asked}"),
            got=_summary(key[2]))


def outside(exchanges: Sequence[Exchange | WireExchange], section: str | None) -> list[bool]:
    """For each exchange, whether it lies outside ``section`` (none does when the
    recording has no part of that name)."""
    if not section or not any(ex.section == section for ex in exchanges):
        return [False] * len(exchanges)
    return [ex.section != section for ex in exchanges]


def _summary(body: str) -> str:
    # XML reads better as its text: "conference.create authenticationUser admin ..."
    text = " ".join(re.sub(r"<[^>]*>", " ", body).split()) if body.startswith("<") else body
    return text[:240]


class ReplayTransport(httpx.AsyncBaseTransport):
    """An httpx transport answering from a :class:`Player`; it never opens a socket."""

    def __init__(self, player: Player, device: str) -> None:
        self._player, self._device = player, device

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = (await request.aread()).decode("utf-8", errors="replace")
        exchange = self._player.serve(request.method, request.url.raw_path.decode("ascii"),
                                      body, request.headers.get("content-type", ""),
                                      self._device)
        return httpx.Response(exchange.status, headers=list(exchange.response_headers),
                              content=exchange.response_body.encode("utf-8"),
                              request=request)


def _reset(var: ContextVar[Any], token: Token[Any]) -> None:
    try:
        var.reset(token)
    except ValueError:  # left in another context (an async fixture's teardown task)
        var.set(None)
