"""What every SSH command-line dialect of a room codec shares (sans-I/O).

A dialect is *data* (a :class:`Dialect`: command templates, value tables) plus a *parser*
(a :class:`DialectSession` subclass that frames the byte stream into lines and decides when
a reply is complete). Neither touches a socket: the driver pushes received bytes in with
:meth:`DialectSession.receive_data` and pulls typed items out with
:meth:`DialectSession.next_event`, h11-style. A reply is complete when the protocol says so
(``** end``, the acknowledgement line), never when a timer fires.
"""

from __future__ import annotations

import abc
import codecs
import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from ..errors import ConfigError, ProtocolError
from ..model import CallState

__all__ = [
    "NEED_DATA",
    "CallEvent",
    "Dialect",
    "DialectSession",
    "NeedData",
    "Notice",
    "Reply",
    "check_argument",
    "printable",
]


class NeedData(enum.Enum):
    """Marker: the session needs more bytes before it can say anything."""

    NEED_DATA = "need-data"


NEED_DATA: Final = NeedData.NEED_DATA


@dataclass(frozen=True, slots=True)
class Reply:
    """The complete reply to the pending command: ``value`` is the parsed, typed result."""

    operation: str
    value: Any
    lines: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CallEvent:
    """An asynchronous call-state change the codec reported between replies."""

    call_id: str
    state: CallState
    number: str | None = None
    raw: str = ""


@dataclass(frozen=True, slots=True)
class Notice:
    """Any other asynchronous line or block (feedback the driver does not interpret)."""

    text: str


@dataclass(frozen=True)
class Dialect:
    """A codec CLI dialect as data.

    ``commands`` maps an operation name to its template (``str.format`` fields);
    ``line_ending`` terminates what the driver sends; ``setup`` are operations run once
    after login (e.g. registering for call-state feedback); ``tables`` holds value
    vocabularies (layout families, state names, ramp directions) a user may extend.
    """

    name: str
    commands: Mapping[str, str]
    line_ending: str = "\n"
    setup: tuple[str, ...] = ()
    tables: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def render(self, operation: str, **args: object) -> str:
        """The command line for ``operation`` (arguments checked), with its line ending."""
        template = self.commands.get(operation)
        if template is None:
            raise ConfigError("operation not in this dialect", operation=operation,
                              expected=f"one of {sorted(self.commands)}", got=self.name)
        for key, value in args.items():
            check_argument(operation, key, value)
        return template.format(**args) + self.line_ending


# Arguments end up on a command line: nothing that could end the line, quote or inject.
_ARG_RE = re.compile(r"^[A-Za-z0-9@._:+/=#*-]{1,255}\Z")


def check_argument(operation: str, name: str, value: object) -> None:
    """Refuse argument values that could break or inject into a CLI command line."""
    if isinstance(value, bool):
        raise ConfigError("boolean where text or a number was expected", operation=operation,
                          expected=name, got=repr(value))
    if isinstance(value, int):
        return
    if not isinstance(value, str) or not _ARG_RE.match(value):
        raise ConfigError(f"unsafe value for {name}", operation=operation,
                          expected="1-255 letters, digits and @._:+/=#*-", got=repr(value)[:80])


def printable(line: str) -> bool:
    """Whether a line is plain printable text (tabs allowed)."""
    return all(ch == "\t" or (ch.isprintable()) for ch in line)


class DialectSession(abc.ABC):
    """Sans-I/O base: line framing, one pending command at a time, an output queue.

    Subclasses implement :meth:`_on_line` (classify one framed line) and
    :meth:`_split` (find the next line and its terminator in the buffer).
    """

    #: Longest line accepted before the stream is declared broken.
    max_line: int = 8192

    def __init__(self, dialect: Dialect, *, device: str | None = None) -> None:
        self.dialect = dialect
        self.device = device
        self._buffer = ""
        # Incremental: a character split across two reads is decoded whole.
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending: str | None = None
        self._args: dict[str, object] = {}
        self._out: list[Reply | CallEvent | Notice | Exception] = []

    # -- driver side ---------------------------------------------------------------------
    @property
    def pending(self) -> str | None:
        """The operation awaiting its reply, if any."""
        return self._pending

    def send(self, operation: str, **args: object) -> bytes:
        """Start ``operation``; returns the bytes to write. One command at a time."""
        if self._pending is not None:
            raise ProtocolError("a command is already pending", device=self.device,
                                operation=operation, expected="its reply first",
                                got=self._pending)
        data = self.dialect.render(operation, **args)
        self._start(operation, args)
        return data.encode("utf-8")

    def receive_data(self, data: bytes) -> None:
        """Feed bytes read from the channel (any split is fine)."""
        self._buffer += self._decoder.decode(data)
        while True:
            split = self._split()
            if split is None:
                break
            line, terminator = split
            self._on_line(line, terminator)
        if len(self._buffer) > self.max_line:
            self._buffer = ""
            self._fail(ProtocolError("line too long", device=self.device,
                                     operation=self._pending or "read",
                                     expected=f"at most {self.max_line} characters"))

    def next_event(self) -> Reply | CallEvent | Notice | NeedData:
        """The next reply or event; raises the typed error of a failed reply."""
        if not self._out:
            return NEED_DATA
        item = self._out.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    @property
    def resumable(self) -> bool:
        """Whether a reply that never came can be abandoned with the session kept: true
        only where replies carry the request's tag, so a late one cannot be mistaken."""
        return False

    def abandon(self) -> None:
        """Give up the pending command (only when :attr:`resumable`)."""
        self._pending = None
        self._args = {}

    # -- subclass side -------------------------------------------------------------------
    def _start(self, operation: str, args: dict[str, object]) -> None:
        self._pending = operation
        self._args = dict(args)

    def _finish(self, value: Any, lines: tuple[str, ...] = ()) -> None:
        operation = self._pending or "?"
        self._pending = None
        self._args = {}
        self._out.append(Reply(operation, value, lines))

    def _fail(self, error: Exception) -> None:
        self._pending = None
        self._args = {}
        self._out.append(error)

    def _emit(self, item: CallEvent | Notice) -> None:
        self._out.append(item)

    @abc.abstractmethod
    def _split(self) -> tuple[str, str] | None:
        """Cut the next line off the buffer: (line, terminator) or None for NEED_DATA."""

    @abc.abstractmethod
    def _on_line(self, line: str, terminator: str) -> None:
        """Take one complete line (each dialect's grammar)."""

    def _protocol_error(self, message: str, got: str, expected: str | None = None
                        ) -> ProtocolError:
        return ProtocolError(message, device=self.device, operation=self._pending or "read",
                             expected=expected, got=repr(got[:120]))
