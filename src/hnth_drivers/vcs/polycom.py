"""Poly (Polycom) HDX / RealPresence Group Series API over SSH: dialect data and parser.

Sources (pages in docs/codecs.md): Integrator's Reference Manual for Polycom HDX Systems,
Polycom HDX 9006 Integrator's Manual, RealPresence Group Series integrator manuals.

- Framing: the codec echoes a command with ``LF CR`` and acknowledges it with ``CR LF``; an
  invalid command is echoed too, so a reply is the acknowledgement, never the echo.
- ``cs:``/``active:``/``cleared:``/``ended:`` and ``notification:callstatus:…`` lines may
  arrive at any time and are reported as events.
- ``callinfo:<id>:<far site name>:<far site number>:<speed>:<status>:<mute>:<direction>:
  <type>``; the far-site name may be missing (the guides' own second example has 8 fields)
  and a SIP number contains colons. A line that cannot be read is reported and skipped: it
  never breaks the whole call list.
- HDX cameras: only ``move continuous|discrete`` return feedback; a ``move`` or ``stop`` is
  done when sent. Group Series documents no move feedback either.
- ~200 ms between single-response commands (HDX 9006 manual p130): the driver paces
  (``tables["pacing_s"]``, overridable per session).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..errors import DeviceError
from ..model import Call, CallState, CameraPosition, SignalProtocol
from .cli_dialect import CallEvent, Dialect, DialectSession, Notice, printable

__all__ = ["ACKS", "CALL_STATES", "NOTIFY_STATES", "POLYCOM", "POLYCOM_HDX",
           "PolycomSession", "parse_callinfo", "parse_callstatus"]

ECHO_END = "\n\r"
ACK_END = "\r\n"

#: ``cs: … state[X]`` and ``callinfo`` status values → the library's call states.
CALL_STATES: Mapping[str, CallState] = {
    "ALLOCATED": CallState.DIALLING, "DIALING": CallState.DIALLING,
    "OPENED": CallState.DIALLING, "RINGING": CallState.CONNECTING,
    "BONDING": CallState.CONNECTING, "CONNECTING": CallState.CONNECTING,
    "CONNECTED": CallState.CONNECTED, "COMPLETE": CallState.CONNECTED,
    "DISCONNECTING": CallState.DISCONNECTED, "DISCONNECTED": CallState.DISCONNECTED,
    "INACTIVE": CallState.DISCONNECTED,
}
#: ``notification:callstatus`` connection status values (HDX reference p4-… notify).
NOTIFY_STATES: Mapping[str, CallState] = {
    "opened": CallState.DIALLING, "connecting": CallState.CONNECTING,
    "connected": CallState.CONNECTED, "disconnecting": CallState.DISCONNECTED,
    "disconnected": CallState.DISCONNECTED,
}

_COMMANDS = {
    "dial": "dial manual {speed} {number} {protocol}",
    "hang_up": "hangup video {call}",
    "hang_up_all": "hangup all",
    "calls": "callinfo all",
    "mute": "mute near on",
    "unmute": "mute near off",
    "mute_state": "mute near get",
    "camera_select": "camera near {camera}",
    "move": "camera near move {direction}",
    "preset_activate": "preset near go {preset}",
    "preset_store": "preset near set {preset}",
    "far_preset_activate": "preset far go {preset}",
    "far_preset_store": "preset far set {preset}",
    "position_set": "camera near setposition {pan} {tilt} {zoom}",
    "position": "camera near getposition",
    "notify": "notify callstatus",
}
_TABLES: dict[str, Mapping[str, Any]] = {
    "protocols": {SignalProtocol.H323: "h323", SignalProtocol.SIP: "sip"},
    "presets": {"min": 0, "max": 99},
    "far_presets": {"min": 0, "max": 15},
    "speed_kbps": {"default": 384},
    "moves": {"left": "left", "right": "right", "up": "up", "down": "down",
              "tele": "zoom+", "wide": "zoom-", "stop": "stop"},
    "states": CALL_STATES,
    # Single-response commands the codec sends no reply to: done when sent.
    "no_reply": {"move": True},
    "pacing_s": {"default": 0.2},
    "cameras": {"max": 4},
}
#: RealPresence Group Series (GS-C p154: cameras near 1..4, no continuous/discrete).
POLYCOM = Dialect(name="polycom", commands=_COMMANDS, line_ending="\r\n",
                  setup=("notify",), tables=_TABLES)
#: HDX (HDX reference p4-32: cameras near 1..6; continuous mode returns feedback).
POLYCOM_HDX = Dialect(
    name="polycom", line_ending="\r\n", setup=("notify", "continuous"),
    commands={**_COMMANDS, "continuous": "camera near move continuous"},
    tables={**_TABLES, "cameras": {"max": 6}})

#: Acknowledgement of each operation (a full match of the line).
ACKS: Mapping[str, re.Pattern[str]] = {
    "dial": re.compile(r"dialing (manual|\w+)"),
    "hang_up": re.compile(r"hanging up video"),
    "hang_up_all": re.compile(r"hanging up (all|video)"),
    "mute": re.compile(r"mute near on"),
    "unmute": re.compile(r"mute near off"),
    "mute_state": re.compile(r"mute near (on|off)"),
    "camera_select": re.compile(r"camera near \d+"),
    "continuous": re.compile(r"camera near move continuous"),
    "preset_activate": re.compile(r"preset near go \d+"),
    "preset_store": re.compile(r"preset near set \d+"),
    "far_preset_activate": re.compile(r"preset far go \d+"),
    "far_preset_store": re.compile(r"preset far set \d+"),
    "position_set": re.compile(r"camera near setposition -?\d+ -?\d+ -?\d+"),
    "position": re.compile(r"camera near getposition (-?\d+) (-?\d+) (-?\d+)"),
    "notify": re.compile(r"(?:info: )?(?:notify callstatus success|"
                         r"event/notification already active:callstatus)"),
}

_CS_RE = re.compile(r"^cs: call\[(\d+)\](?: chan\[\d+\])?(?: dialstr\[([^\]]*)\])? "
                    r"state\[(\w+)\]")
_CALL_LINE_RE = re.compile(r"^(cleared|ended|active): call\[(\d+)\]")
_EVENT_PREFIXES = ("cs:", "active:", "cleared:", "ended:", "notification:", "listen:")
_SCHEMES = frozenset({"sip", "sips", "h323", "tel"})


def _name_and_number(middle: list[str], name_always: bool) -> tuple[str, str]:
    """Split the colon-separated far-site name and number (a SIP number has colons)."""
    if not name_always:
        if len(middle) == 1:
            return "", middle[0]
        for index, part in enumerate(middle):
            if part.lower() in _SCHEMES:
                return ":".join(middle[:index]), ":".join(middle[index:])
    return middle[0], ":".join(middle[1:])


def _protocol_of(number: str) -> SignalProtocol | None:
    scheme = number.split(":", 1)[0].lower() if ":" in number else ""
    return SignalProtocol.SIP if scheme in ("sip", "sips") else None


def parse_callinfo(text: str) -> Call | None:
    """One ``callinfo:`` line → a Call (None if it cannot be read or is disconnected)."""
    fields = text.split(":")
    if len(fields) < 8 or fields[0] != "callinfo" or not fields[1].isdigit():
        return None
    speed, status = fields[-5], fields[-4]
    if not speed.isdigit():
        return None
    state = CALL_STATES.get(status.upper())
    if state is None or state is CallState.DISCONNECTED:
        return None
    _name, number = _name_and_number(fields[2:-5], name_always=False)
    try:
        return Call(fields[1], number or "unknown", state, _protocol_of(number))
    except ValueError:
        return None


def parse_callstatus(text: str) -> CallEvent | None:
    """A ``notification:callstatus:…`` line → a CallEvent (None if it cannot be read)."""
    fields = text.split(":")
    if len(fields) < 10 or fields[:2] != ["notification", "callstatus"]:
        return None
    call_id, state = fields[3], NOTIFY_STATES.get(fields[-4].lower())
    if not call_id.isdigit() or state is None:
        return None
    _name, number = _name_and_number(fields[4:-4], name_always=True)
    return CallEvent(call_id, state, number or None, raw=text)


class PolycomSession(DialectSession):
    """Sans-I/O Poly API parser: feed bytes, get :class:`Reply`, :class:`CallEvent`, errors."""

    def __init__(self, dialect: Dialect = POLYCOM, *, device: str | None = None) -> None:
        super().__init__(dialect, device=device)
        self._acked = False
        self._callinfo: list[Call] | None = None
        self._dialled: Call | None = None
        self.skipped: list[str] = []

    def _start(self, operation: str, args: dict[str, object]) -> None:
        super()._start(operation, args)
        self._acked = False
        self._callinfo = None
        self._dialled = None
        if self.dialect.tables.get("no_reply", {}).get(operation):
            self._finish(None)         # no feedback is documented: done when sent

    def _split(self) -> tuple[str, str] | None:
        buf = self._buffer
        for index, char in enumerate(buf):
            if char not in "\r\n":
                continue
            if index + 1 >= len(buf):
                return None            # the next character tells echo from acknowledgement
            pair = buf[index:index + 2]
            if pair in (ECHO_END, ACK_END):
                self._buffer = buf[index + 2:]
                return buf[:index], pair
            self._buffer = buf[index + 1:]
            return buf[:index], char
        return None

    def _on_line(self, line: str, terminator: str) -> None:
        text = line.strip()
        if terminator == ECHO_END or not text:
            return                     # our own command echoed back, or a blank line
        if terminator != ACK_END:      # a bare CR or LF: neither echo nor acknowledgement
            self._emit(Notice(text))
            return
        if not printable(text):
            if self._pending is not None:
                self._fail(self._protocol_error("unprintable line", text))
            return
        if text.startswith(_EVENT_PREFIXES):
            self._on_event(text)
        elif self._pending is None:
            self._emit(Notice(text))
        else:
            self._on_reply_line(text)

    def _on_event(self, text: str) -> None:
        match = _CS_RE.match(text)
        if match:
            call_id, dialstr, raw_state = match.groups()
            state = CALL_STATES.get(raw_state.upper())
            if state is None:
                self._emit(Notice(text))
                return
            self._emit(CallEvent(call_id, state, dialstr or None, raw=text))
            self._dial_event(call_id, dialstr, state)
            return
        event = parse_callstatus(text)
        if event is not None:
            self._emit(event)
            self._dial_event(event.call_id, event.number, event.state)
            return
        match = _CALL_LINE_RE.match(text)
        if match and match.group(1) in ("cleared", "ended"):
            self._emit(CallEvent(match.group(2), CallState.DISCONNECTED, raw=text))
            return
        self._emit(Notice(text))

    def _dial_event(self, call_id: str, number: str | None, state: CallState) -> None:
        if (self._pending == "dial" and self._dialled is None
                and number == str(self._args.get("number"))):
            protocol = SignalProtocol(str(self._args.get("protocol", "h323")).lower())
            self._dialled = Call(call_id, number, state, protocol)
            self._dial_progress()

    def _dial_progress(self) -> None:
        if not (self._acked and self._dialled is not None):
            return
        call = self._dialled
        if call.state is CallState.DISCONNECTED:
            self._fail(DeviceError("the call failed", device=self.device, operation="dial",
                                   expected="a call in progress", got=f"call {call.call_id} "
                                   "disconnected"))
        else:
            self._finish(call)

    def _on_reply_line(self, text: str) -> None:
        operation = self._pending
        assert operation is not None
        if text.lower().startswith(("error", "info: ip line")):
            reason = text.split(":", 1)[1].strip() if ":" in text else text
            self._fail(DeviceError(reason or "command refused", device=self.device,
                                   operation=operation, expected="an acknowledgement",
                                   got=text[:120]))
            return
        if operation == "calls":
            self._on_callinfo(text)
            return
        match = ACKS[operation].fullmatch(text)
        if match is None:
            self._emit(Notice(text))   # e.g. a greeting or an unsolicited status line
            return
        if operation == "dial":
            self._acked = True
            self._dial_progress()
        elif operation == "mute_state":
            self._finish(match.group(1) == "on", (text,))
        elif operation == "position":
            try:
                pan, tilt, zoom = (int(g) for g in match.groups())
                self._finish(CameraPosition(pan, tilt, zoom), (text,))
            except ValueError as exc:
                self._fail(self._protocol_error("camera position out of range", str(exc)))
        else:
            self._finish(None, (text,))

    def _on_callinfo(self, text: str) -> None:
        if text == "system is not in a call":
            self._finish([], (text,))
        elif text == "callinfo begin":
            self._callinfo = []
        elif text == "callinfo end":
            if self._callinfo is None:
                self._fail(self._protocol_error("callinfo end without begin", text))
            else:
                self._finish(self._callinfo, (text,))
        elif self._callinfo is not None and text.startswith("callinfo:"):
            call = parse_callinfo(text)
            if call is not None:
                self._callinfo.append(call)
            elif not _disconnected(text):
                self.skipped.append(text)
                self._emit(Notice(f"unreadable callinfo line skipped: {text[:120]}"))
        else:
            self._emit(Notice(text))


def _disconnected(text: str) -> bool:
    fields = text.split(":")
    return len(fields) >= 8 and CALL_STATES.get(fields[-4].upper()) is CallState.DISCONNECTED
