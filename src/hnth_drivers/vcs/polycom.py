"""Poly (Polycom) Group Series / HDX API over SSH: the dialect as data and its parser.

The codec echoes each command with a line ending ``LF CR`` and acknowledges it with a line
ending ``CR LF`` (PROTOCOLS.md §4). An invalid command is echoed too, so a reply is the
acknowledgement, never the echo. Asynchronous lines (``cs:``, ``active:``, ``cleared:``,
``ended:``, ``notification:``) may arrive at any time and are reported as events.
Each operation's acknowledgement is a regular expression in the dialect's data.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ..errors import DeviceError
from ..model import Call, CallState, CameraPosition, SignalProtocol
from .cli_dialect import CallEvent, Dialect, DialectSession, Notice, printable

__all__ = ["ACKS", "CALL_STATES", "POLYCOM", "PolycomSession"]

ECHO_END = "\n\r"
ACK_END = "\r\n"

#: ``cs: ... state[X]`` and ``callinfo`` status values → the library's call states.
CALL_STATES: Mapping[str, CallState] = {
    "ALLOCATED": CallState.DIALLING,
    "DIALING": CallState.DIALLING,
    "RINGING": CallState.CONNECTING,
    "BONDING": CallState.CONNECTING,
    "CONNECTING": CallState.CONNECTING,
    "CONNECTED": CallState.CONNECTED,
    "COMPLETE": CallState.CONNECTED,
    "DISCONNECTING": CallState.DISCONNECTED,
    "DISCONNECTED": CallState.DISCONNECTED,
    "INACTIVE": CallState.DISCONNECTED,
}

POLYCOM = Dialect(
    name="polycom",
    commands={
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
        "position_set": "camera near setposition {pan} {tilt} {zoom}",
        "position": "camera near getposition",
        "callstate": "callstate register",
    },
    line_ending="\r\n",
    setup=("callstate",),
    tables={
        "protocols": {SignalProtocol.H323: "h323", SignalProtocol.SIP: "sip"},
        "presets": {"min": 0, "max": 99},
        "speed_kbps": {"default": 384},
        "moves": {"left": "left", "right": "right", "up": "up", "down": "down",
                  "tele": "zoom+", "wide": "zoom-", "stop": "stop"},
        "states": CALL_STATES,
    },
)

#: Acknowledgement of each operation (a full match of the line).
ACKS: Mapping[str, re.Pattern[str]] = {
    "dial": re.compile(r"dialing manual"),
    "hang_up": re.compile(r"hanging up video"),
    "hang_up_all": re.compile(r"hanging up (all|video)"),
    "mute": re.compile(r"mute near on"),
    "unmute": re.compile(r"mute near off"),
    "mute_state": re.compile(r"mute near (on|off)"),
    "camera_select": re.compile(r"camera near \d+"),
    "move": re.compile(r"(event: )?camera near move \S+"),
    "preset_activate": re.compile(r"preset near go \d+"),
    "preset_store": re.compile(r"preset near set \d+"),
    "position_set": re.compile(r"camera near setposition -?\d+ -?\d+ -?\d+"),
    "position": re.compile(r"camera near getposition (-?\d+) (-?\d+) (-?\d+)"),
    "callstate": re.compile(r"callstate registered"),
}

_CS_RE = re.compile(r"^cs: call\[(\d+)\](?: chan\[\d+\])?(?: dialstr\[([^\]]*)\])? "
                    r"state\[(\w+)\]")
_CALL_LINE_RE = re.compile(r"^(cleared|ended|active): call\[(\d+)\]")
_EVENT_PREFIXES = ("cs:", "active:", "cleared:", "ended:", "notification:", "listen:")
_CALLINFO_RE = re.compile(r"^callinfo:(\d+):([^:]*):([^:]*):(\d*):(\w+):(\w*):(\w*):(\w*)")


class PolycomSession(DialectSession):
    """Sans-I/O Poly API parser: feed bytes, get :class:`Reply`, :class:`CallEvent`, errors."""

    def __init__(self, dialect: Dialect = POLYCOM, *, device: str | None = None) -> None:
        super().__init__(dialect, device=device)
        self._acked = False
        self._callinfo: list[Call] | None = None
        self._known_calls: set[str] = set()
        self._dialled: Call | None = None

    def _start(self, operation: str, args: dict[str, object]) -> None:
        super()._start(operation, args)
        self._acked = False
        self._callinfo = None
        self._dialled = None

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
            return
        if self._pending is None:
            self._emit(Notice(text))
            return
        self._on_reply_line(text)

    def _on_event(self, text: str) -> None:
        match = _CS_RE.match(text)
        if match:
            call_id, dialstr, raw_state = match.groups()
            state = CALL_STATES.get(raw_state.upper())
            if state is None:
                self._emit(Notice(text))
                return
            event = CallEvent(call_id, state, dialstr or None, raw=text)
            self._emit(event)
            if (self._pending == "dial" and self._dialled is None
                    and call_id not in self._known_calls
                    and dialstr == str(self._args.get("number"))):
                self._dialled = Call(call_id, dialstr, state, self._protocol())
                self._known_calls.add(call_id)
                self._dial_progress()
            else:
                self._known_calls.add(call_id)
            return
        match = _CALL_LINE_RE.match(text)
        if match and match.group(1) in ("cleared", "ended"):
            self._emit(CallEvent(match.group(2), CallState.DISCONNECTED, raw=text))
            self._known_calls.discard(match.group(2))
            return
        self._emit(Notice(text))

    def _protocol(self) -> SignalProtocol:
        return SignalProtocol(str(self._args.get("protocol", "h323")).lower())

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
        if text.lower().startswith("error"):
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
            self._emit(Notice(text))   # e.g. a banner or an unsolicited status line
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
            self._finish(self._callinfo or [], (text,))
        elif self._callinfo is not None and text.startswith("callinfo:"):
            match = _CALLINFO_RE.match(text)
            if match is None:
                self._fail(self._protocol_error("malformed callinfo line", text,
                                                expected="callinfo:id:name:number:speed:"
                                                "status:mute:direction:type"))
                return
            call_id, _name, number, _speed, status, _mute, _direction, kind = match.groups()
            state = CALL_STATES.get(status.upper())
            if state is None:
                self._fail(self._protocol_error("unknown call status", status))
                return
            protocol = {"h323": SignalProtocol.H323, "sip": SignalProtocol.SIP}.get(
                kind.lower())
            try:
                self._callinfo.append(Call(call_id, number or "unknown", state, protocol))
            except ValueError as exc:
                self._fail(self._protocol_error("invalid call", str(exc)))
        else:
            self._emit(Notice(text))
