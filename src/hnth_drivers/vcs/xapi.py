"""Cisco CE / RoomOS xAPI over SSH: the dialect as data and its sans-I/O parser.

Replies are blocks of ``*r``/``*s``/``*e`` lines closed by ``** end`` (PROTOCOLS.md §3):

- an ``xCommand`` reply is the block holding its ``*r <Name>Result (status=OK|Error):``
  line; ``OK`` acknowledgement lines (before or after it) carry no information;
- an ``xStatus`` (or ``xFeedback``) reply is the block that the ``OK`` line follows;
  feedback events are blocks in the same format that no ``OK`` follows, so an event
  arriving while a reply is awaited is told apart and reported as a :class:`CallEvent`;
- ``ERROR`` ends a command the codec could not parse (the text line before it says why).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from ..errors import DeviceError, HnthError, ProtocolError
from ..model import Call, CallState, CameraPosition, SignalProtocol
from .cli_dialect import CallEvent, Dialect, DialectSession, Notice, printable

__all__ = ["CALL_STATES", "LAYOUT_FAMILIES", "XAPI", "XapiSession", "parse_status_lines"]

#: xAPI call ``Status`` values → the library's call states.
CALL_STATES: Mapping[str, CallState] = {
    "Idle": CallState.DISCONNECTED,
    "Dialling": CallState.DIALLING,
    "Connecting": CallState.CONNECTING,
    "Ringing": CallState.CONNECTING,
    "EarlyMedia": CallState.CONNECTING,
    "Connected": CallState.CONNECTED,
    "OnHold": CallState.CONNECTED,
    "Preserved": CallState.CONNECTED,
    "RemotePreserved": CallState.CONNECTED,
    "Disconnecting": CallState.DISCONNECTED,
}

#: ``xCommand Video Layout LayoutFamily Set`` families.
LAYOUT_FAMILIES = ("auto", "custom", "equal", "overlay", "prominent", "single")

XAPI = Dialect(
    name="xapi",
    commands={
        "dial": "xCommand Dial Number:{number} Protocol:{protocol}",
        "hang_up": "xCommand Call Disconnect CallId:{call}",
        "hang_up_all": "xCommand Call DisconnectAll",
        "calls": "xStatus Call",
        "mute": "xCommand Audio Microphones Mute",
        "unmute": "xCommand Audio Microphones Unmute",
        "mute_state": "xStatus Audio Microphones Mute",
        "layout": "xCommand Video Layout LayoutFamily Set Target:{target} LayoutFamily:{family}",
        "preset_activate": "xCommand Camera Preset Activate PresetId:{preset}",
        "preset_store": "xCommand Camera Preset Store PresetId:{preset} CameraId:{camera}",
        "preset_store_named":
            'xCommand Camera Preset Store PresetId:{preset} CameraId:{camera} Name:"{name}"',
        "position_set":
            "xCommand Camera PositionSet CameraId:{camera} Pan:{pan} Tilt:{tilt} Zoom:{zoom}",
        "position_reset": "xCommand Camera PositionReset CameraId:{camera}",
        "ramp": "xCommand Camera Ramp CameraId:{camera} Pan:{pan} PanSpeed:{pan_speed} "
                "Tilt:{tilt} TiltSpeed:{tilt_speed}",
        "ramp_zoom": "xCommand Camera Ramp CameraId:{camera} Zoom:{zoom} ZoomSpeed:{speed}",
        "ramp_stop": "xCommand Camera Ramp CameraId:{camera} Pan:Stop Tilt:Stop Zoom:Stop",
        "position": "xStatus Cameras Camera {camera} Position",
        "uptime": "xStatus SystemUnit Uptime",
        "feedback": "xFeedback register /Status/Call",
    },
    setup=("feedback",),
    tables={
        "protocols": {SignalProtocol.H323: "h323", SignalProtocol.SIP: "sip"},
        "layouts": {name: name for name in LAYOUT_FAMILIES},
        "presets": {"min": 1, "max": 35},
        "ramp_speed": {"min": 1, "max": 15, "default": 7},
        "zoom_speed": {"min": 1, "max": 15, "default": 7},
        "states": CALL_STATES,
    },
)

_RESULT_RE = re.compile(r"^\*r (\w+) \(status=(\w+)\):?\s*$")
_STATUS_RE = re.compile(r"^\*s (.+?): ?(.*)$")
_FIELD_RE = re.compile(r"^\s+([\w.]+): ?(.*)$")
_CALL_RE = re.compile(r"^Call (\d+) (\w+)$")
_GHOST_RE = re.compile(r"^Call (\d+) \(ghost=True\)$")


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def parse_status_lines(lines: tuple[str, ...]) -> list[tuple[str, str]]:
    """``*s Path Words: value`` lines → (path, value) pairs; other lines are skipped."""
    pairs = []
    for line in lines:
        match = _STATUS_RE.match(line)
        if match:
            pairs.append((match.group(1), _unquote(match.group(2))))
    return pairs


def _state(session: XapiSession, value: str) -> CallState:
    state = CALL_STATES.get(value)
    if state is None:
        raise session._protocol_error("unknown call status", value,
                                      expected=f"one of {sorted(CALL_STATES)}")
    return state


def _calls(session: XapiSession, lines: tuple[str, ...]) -> list[Call]:
    fields: dict[str, dict[str, str]] = {}
    for path, value in parse_status_lines(lines):
        match = _CALL_RE.match(path)
        if match:
            fields.setdefault(match.group(1), {})[match.group(2)] = value
    calls = []
    for call_id, attrs in sorted(fields.items(), key=lambda kv: int(kv[0])):
        state = _state(session, attrs.get("Status", "Idle"))
        if state is CallState.DISCONNECTED:
            continue
        protocol = {"h323": SignalProtocol.H323, "sip": SignalProtocol.SIP}.get(
            attrs.get("Protocol", "").lower())
        number = attrs.get("RemoteNumber") or attrs.get("CallbackNumber") or "unknown"
        calls.append(Call(call_id, number, state, protocol))
    return calls


def _only_value(session: XapiSession, lines: tuple[str, ...], suffix: str) -> str:
    for path, value in parse_status_lines(lines):
        if path.endswith(suffix):
            return value
    raise session._protocol_error("status line missing", " | ".join(lines) or "(empty)",
                                  expected=f"*s ...{suffix}: <value>")


def _mute_state(session: XapiSession, lines: tuple[str, ...]) -> bool:
    value = _only_value(session, lines, "Audio Microphones Mute")
    if value not in ("On", "Off"):
        raise session._protocol_error("mute state is On or Off", value)
    return value == "On"


def _position(session: XapiSession, lines: tuple[str, ...]) -> CameraPosition:
    values = {}
    for key in ("Pan", "Tilt", "Zoom"):
        text = _only_value(session, lines, f"Position {key}")
        try:
            values[key] = int(text)
        except ValueError:
            raise session._protocol_error(f"camera {key} is an integer", text) from None
    try:
        return CameraPosition(values["Pan"], values["Tilt"], values["Zoom"])
    except ValueError as exc:
        raise session._protocol_error("camera position out of range", str(exc)) from None


def _uptime(session: XapiSession, lines: tuple[str, ...]) -> float:
    text = _only_value(session, lines, "SystemUnit Uptime")
    try:
        return float(int(text))
    except ValueError:
        raise session._protocol_error("uptime is whole seconds", text) from None


def _dial(session: XapiSession, fields: dict[str, str]) -> Call:
    call_id = fields.get("CallId")
    if not call_id or not call_id.isdigit():
        raise session._protocol_error("DialResult without a CallId", repr(fields))
    protocol = SignalProtocol(str(session._args.get("protocol", "h323")).lower())
    return Call(call_id, str(session._args["number"]), CallState.DIALLING, protocol)


def _typed(session: XapiSession, exc: HnthError) -> HnthError:
    """A reply the model refuses (e.g. a 300-character number) is the device's fault."""
    if isinstance(exc, ProtocolError | DeviceError):
        return exc
    return session._protocol_error("reply does not fit the model", exc.message)


StatusParser = Callable[["XapiSession", tuple[str, ...]], Any]
ResultParser = Callable[["XapiSession", dict[str, str]], Any]

#: Operations answered by an ``xStatus``-style block followed by ``OK``.
STATUS_PARSERS: dict[str, StatusParser] = {
    "calls": _calls,
    "mute_state": _mute_state,
    "position": _position,
    "uptime": _uptime,
    "feedback": lambda session, lines: None,
}
#: Operations answered by a ``*r`` result block (missing here: the result has no value).
RESULT_PARSERS: dict[str, ResultParser] = {"dial": _dial}


class XapiSession(DialectSession):
    """Sans-I/O xAPI parser: feed bytes, get :class:`Reply`, :class:`CallEvent`, errors."""

    def __init__(self, dialect: Dialect = XAPI, *, device: str | None = None) -> None:
        super().__init__(dialect, device=device)
        self._block: list[str] | None = None
        self._candidate: tuple[str, ...] | None = None
        self._last_text = ""

    def _start(self, operation: str, args: dict[str, object]) -> None:
        super()._start(operation, args)
        self._candidate = None
        self._last_text = ""

    def _split(self) -> tuple[str, str] | None:
        index = self._buffer.find("\n")
        if index < 0:
            return None
        line = self._buffer[:index].rstrip("\r")
        self._buffer = self._buffer[index + 1:]
        return line, "\n"

    def _on_line(self, line: str, terminator: str) -> None:
        if self._block is not None:
            if line == "** end":
                block, self._block = tuple(self._block), None
                self._on_block(block)
            elif line.startswith(("*", " ", "\t")) and printable(line):
                self._block.append(line)
            elif not line.strip():
                pass
            else:
                self._block = None
                error = self._protocol_error("garbage inside a reply block", line,
                                             expected="'*' lines, indented fields or '** end'")
                if self._pending is not None:
                    self._fail(error)
                else:
                    self._emit(Notice(f"garbage: {line[:120]!r}"))
            return
        if line == "** end":
            self._on_block(())
        elif line.startswith("*"):
            self._block = [line]
        elif line.strip() == "OK":
            self._on_ok()
        elif line.strip() == "ERROR":
            self._on_error()
        elif line.strip():
            if not printable(line) and self._pending is not None:
                self._fail(self._protocol_error("unprintable line", line))
            else:
                self._last_text = line.strip()

    # -- blocks --------------------------------------------------------------------------
    def _on_block(self, block: tuple[str, ...]) -> None:
        if block and _RESULT_RE.match(block[0]):
            if self._pending is not None and self._pending not in STATUS_PARSERS:
                self._on_result(block)
            else:
                self._emit(Notice("unexpected result: " + " | ".join(block)[:200]))
            return
        if self._pending in STATUS_PARSERS:
            if self._candidate is not None:
                self._events(self._candidate)
            self._candidate = block
        else:
            self._events(block)

    def _events(self, block: tuple[str, ...]) -> None:
        for path, value in parse_status_lines(block):
            match = _CALL_RE.match(path)
            ghost = _GHOST_RE.match(path)
            if match and match.group(2) == "Status" and value in CALL_STATES:
                self._emit(CallEvent(match.group(1), CALL_STATES[value], raw=f"{path}: {value}"))
            elif ghost:                # the call is gone (xAPI marks removed nodes as ghosts)
                self._emit(CallEvent(ghost.group(1), CallState.DISCONNECTED, raw=path))
            else:
                self._emit(Notice(f"{path}: {value}"))
        for line in block:
            if line.startswith("*e"):
                self._emit(Notice(line))

    def _on_ok(self) -> None:
        if self._pending in STATUS_PARSERS and self._candidate is not None:
            block, self._candidate = self._candidate, None
            try:
                value = STATUS_PARSERS[self._pending](self, block)
            except HnthError as exc:
                self._fail(_typed(self, exc))
                return
            self._finish(value, block)

    def _on_error(self) -> None:
        if self._pending is None:
            return
        if self._candidate is not None:
            self._events(self._candidate)
            self._candidate = None
        self._fail(DeviceError(self._last_text or "command refused", device=self.device,
                               operation=self._pending, expected="a command the codec knows",
                               got="ERROR"))

    def _on_result(self, block: tuple[str, ...]) -> None:
        match = _RESULT_RE.match(block[0])
        assert match is not None
        name, status = match.groups()
        fields: dict[str, str] = {}
        for line in block[1:]:
            field_match = _FIELD_RE.match(line)
            if field_match:
                fields[field_match.group(1)] = _unquote(field_match.group(2))
        operation = self._pending or "?"
        if status != "OK":
            reason = fields.get("Reason") or fields.get("reason") or "no reason given"
            self._fail(DeviceError(reason, device=self.device, operation=operation,
                                   expected=f"{name} status=OK", got=f"status={status}",
                                   code=fields.get("Cause") or fields.get("XPath")))
            return
        parser = RESULT_PARSERS.get(operation)
        try:
            value = parser(self, fields) if parser else None
        except HnthError as exc:
            self._fail(_typed(self, exc))
            return
        self._finish(value, block)
