"""Cisco xAPI (TC / CE) over SSH: the dialect as data and its sans-I/O parser.

Sources (see docs/codecs.md for the full list with pages):

- session set-up as Cisco's own client, jsxapi, does it (src/backend/tsh.ts): the login
  banner ends with a line ``OK``; ``echo off`` is answered ``OK``; ``xpreferences
  outputmode json`` switches the session to JSON; each request is tagged
  ``<command> | resultId="<id>"`` and the JSON reply carries ``"ResultId"``;
- terminal output (Codec C90 / C20 / SX20 API reference guides): ``*r <Name>Result
  (status=OK):`` blocks closed by ``** end`` (TC2 and later; TC1.0 closed blocks with
  ``*r/end``), ``xStatus`` blocks followed by ``OK``, feedback blocks that no ``OK`` follows;
- the software version in the banner (``Cisco Codec Release ce8.1.0``) chooses the block
  end, the camera status path (TC ``Camera 1 Position``, CE ``Cameras Camera 1 Position``)
  and the call status values; JSON is offered on CE only (TC7 guides list Terminal and XML).

Terminal and JSON replies are both reduced to ``(path, value)`` pairs (``Call 27 Status``,
``Connected``), so one set of parsers reads either.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import DeviceError, HnthError, ProtocolError
from ..model import Call, CallState, CameraPosition, SignalProtocol
from .cli_dialect import CallEvent, Dialect, DialectSession, Notice, printable

__all__ = ["CALL_STATES", "CALL_STATES_2009", "LAYOUT_FAMILIES", "RESULT_NAMES", "XAPI",
           "XAPI_TC", "Software", "XapiSession", "flatten", "frame_body",
           "parse_status_lines"]

#: Call ``Status`` values of TC6.2 and later (SX20 API guide TC6.2 p121) → call states.
CALL_STATES: Mapping[str, CallState] = {
    "Idle": CallState.DISCONNECTED, "Dialling": CallState.DIALLING,
    "Ringing": CallState.ALERTING, "Connecting": CallState.CONNECTING,
    "Connected": CallState.CONNECTED, "Disconnecting": CallState.DISCONNECTING,
    "OnHold": CallState.ON_HOLD, "EarlyMedia": CallState.CONNECTING,
    "Preserved": CallState.CONNECTED, "RemotePreserved": CallState.CONNECTED,
}
#: The 2009 value space (Codec C90 guide D14128.03 p94, software TC2.0).
CALL_STATES_2009 = frozenset({"Dialling", "Connecting", "Ringing", "Connected", "Idle"})

#: ``xCommand Video Layout LayoutFamily Set`` families.
LAYOUT_FAMILIES = ("auto", "custom", "equal", "overlay", "prominent", "single")

#: Documented result name per operation (None: any ``…Result`` is accepted, no source).
RESULT_NAMES: Mapping[str, str | None] = {
    "dial": "DialResult", "hang_up": "DisconnectCallResult",
    "hang_up_all": "DisconnectAllResult", "mute": "AudioMicrophonesMuteResult",
    "unmute": None, "layout": None,
    "preset_activate": "CameraPresetActivateResult", "preset_store": "CameraPresetStoreResult",
    "preset_store_named": "CameraPresetStoreResult",
    "position_set": "CameraPositionSetResult", "ramp": "RampResult",
    "ramp_zoom": "RampResult", "ramp_stop": "RampResult", "ramp_zoom_stop": "RampResult",
}

_COMMANDS = {
    "echo_off": "echo off",
    "output_json": "xpreferences outputmode json",
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
    # Only pan and tilt may ramp together; other axes are separate commands (C90 TC5 p84).
    "ramp": "xCommand Camera Ramp CameraId:{camera} Pan:{pan} PanSpeed:{pan_speed} "
            "Tilt:{tilt} TiltSpeed:{tilt_speed}",
    "ramp_stop": "xCommand Camera Ramp CameraId:{camera} Pan:Stop Tilt:Stop",
    "ramp_zoom": "xCommand Camera Ramp CameraId:{camera} Zoom:{zoom} ZoomSpeed:{speed}",
    "ramp_zoom_stop": "xCommand Camera Ramp CameraId:{camera} Zoom:Stop",
    "position": "xStatus Cameras Camera {camera} Position",
    "uptime": "xStatus SystemUnit Uptime",
    "feedback": "xFeedback register /Status/Call",
}
_TABLES: dict[str, Mapping[str, Any]] = {
    "protocols": {SignalProtocol.H323: "H323", SignalProtocol.SIP: "Sip"},
    "layouts": {name: name for name in LAYOUT_FAMILIES},
    "presets": {"min": 1, "max": 35},
    "ramp_speed": {"min": 1, "max": 15, "default": 7},
    "zoom_speed": {"min": 1, "max": 15, "default": 7},
    "position": {"pan": (-65535, 65535), "tilt": (-65535, 65535), "zoom": (0, 65535)},
    "states": CALL_STATES,
    "pacing_s": {"default": 0.0},
}
#: CE (and RoomOS): camera status under ``Cameras Camera N``.
XAPI = Dialect(name="xapi", commands=_COMMANDS, setup=("feedback",), tables=_TABLES)
#: TC: camera status under ``Camera N`` (``*s Camera 1 Position Pan: 514``).
XAPI_TC = Dialect(name="xapi", setup=("feedback",), tables=_TABLES, commands={
    **_COMMANDS, "position": "xStatus Camera {camera} Position"})

_RELEASE_RE = re.compile(r"\bRelease:?\s+(?:\S+\s+)?(tc|ce|roomos)\s*(\d+)(?:\.(\d+))?",
                         re.IGNORECASE)


@dataclass(frozen=True)
class Software:
    """A codec's software family and version, as its login banner names it."""

    family: str            # "tc" or "ce" (RoomOS counts as ce)
    major: int
    minor: int = 0

    @classmethod
    def from_banner(cls, line: str) -> Software | None:
        """``Cisco Codec Release ce8.1.0 …`` → Software("ce", 8, 1); None if not a release."""
        match = _RELEASE_RE.search(line)
        if match is None:
            return None
        family = match.group(1).lower()
        return cls("tc" if family == "tc" else "ce", int(match.group(2)),
                   int(match.group(3) or 0))

    @property
    def block_end(self) -> str:
        """``*r/end`` on TC1 (C90 guide D14128.02, TC1.0), else ``** end``."""
        return "*r/end" if self.family == "tc" and self.major < 2 else "** end"

    @property
    def call_states(self) -> frozenset[str]:
        """The call status values this version documents (the 2009 set before TC6)."""
        if self.family == "tc" and self.major < 6:
            return CALL_STATES_2009
        return frozenset(CALL_STATES)

    @property
    def json(self) -> bool:
        """Whether ``xpreferences outputmode json`` is offered (CE; TC lists Terminal/XML)."""
        return self.family == "ce"

    @property
    def dialect(self) -> Dialect:
        """The command set of this family."""
        return XAPI_TC if self.family == "tc" else XAPI

    def __str__(self) -> str:
        return f"{self.family.upper()}{self.major}.{self.minor}"


def frame_body(command: str, body: str) -> str:
    """A command with a multi-line body: ``{N}`` line, command line, body, newline, where N
    is the UTF-8 length of command line + body + newline (jsxapi src/backend/tsh.ts)."""
    payload = f"{command}\n{body}\n"
    return f"{{{len(payload.encode('utf-8'))}}} \n{payload}"


_RESULT_RE = re.compile(r"^\*r (\w+) \(status=(\w+)\):?\s*$")
_STATUS_RE = re.compile(r"^\*s (.+?): ?(.*)$")
_FIELD_RE = re.compile(r"^\s+([\w.]+): ?(.*)$")
_CALL_RE = re.compile(r"^Call (\d+) (\w+)$")
_GHOST_RE = re.compile(r"^Call (\d+) (?:\(ghost=True\)|ghost)$")
_ENDS = ("** end", "*r/end")


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


def flatten(node: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, str]]:
    """A JSON status/feedback tree → terminal-style ``(path, value)`` pairs: ``{"Value": x}``
    is a leaf, lists hold objects named by ``"id"`` (jsxapi test/xapi/rpc.spec.ts)."""
    if isinstance(node, dict):
        if set(node) == {"Value"}:
            yield " ".join(path), str(node["Value"])
            return
        if node.get("ghost") in ("True", True):
            yield " ".join((*path, "ghost")), "True"
            return
        for key, child in node.items():
            if key != "id":
                yield from flatten(child, (*path, key))
    elif isinstance(node, list):
        for item in node:
            ident = str(item.get("id", "")) if isinstance(item, dict) else ""
            yield from flatten(item, (*path, ident) if ident else path)
    elif node is not None:
        yield " ".join(path), str(node)


Pairs = list[tuple[str, str]]


def _calls(session: XapiSession, pairs: Pairs) -> list[Call]:
    fields: dict[str, dict[str, str]] = {}
    for path, value in pairs:
        match = _CALL_RE.match(path)
        if match:
            fields.setdefault(match.group(1), {})[match.group(2)] = value
    calls = []
    for call_id, attrs in sorted(fields.items(), key=lambda kv: int(kv[0])):
        state = session.call_state(attrs.get("Status", "Idle"))
        if state is CallState.DISCONNECTED:
            continue
        protocol = {"h323": SignalProtocol.H323, "sip": SignalProtocol.SIP}.get(
            attrs.get("Protocol", "").lower())
        number = attrs.get("RemoteNumber") or attrs.get("CallbackNumber") or "unknown"
        calls.append(Call(call_id, number, state, protocol))
    return calls


def _only_value(session: XapiSession, pairs: Pairs, path: str) -> str:
    for got, value in pairs:
        if got == path:
            return value
    seen = ", ".join(p for p, _ in pairs[:4]) or "(nothing)"
    raise session._protocol_error("status value missing", seen, expected=f"{path}: <value>")


def _mute_state(session: XapiSession, pairs: Pairs) -> bool:
    value = _only_value(session, pairs, "Audio Microphones Mute")
    if value not in ("On", "Off"):
        raise session._protocol_error("mute state is On or Off", value)
    return value == "On"


def _position(session: XapiSession, pairs: Pairs) -> CameraPosition:
    base = session.camera_path(int(str(session._args.get("camera", 1))))
    values = {}
    for key in ("Pan", "Tilt", "Zoom"):
        text = _only_value(session, pairs, f"{base} {key}")
        try:
            values[key] = int(text)
        except ValueError:
            raise session._protocol_error(f"camera {key} is an integer", text) from None
    try:
        return CameraPosition(values["Pan"], values["Tilt"], values["Zoom"])
    except ValueError as exc:
        raise session._protocol_error("camera position out of range", str(exc)) from None


def _uptime(session: XapiSession, pairs: Pairs) -> float:
    text = _only_value(session, pairs, "SystemUnit Uptime")
    try:
        return float(int(text))
    except ValueError:
        raise session._protocol_error("uptime is whole seconds", text) from None


def _dial(session: XapiSession, fields: dict[str, str]) -> Call:
    call_id = fields.get("CallId")
    if not call_id or not call_id.isdigit():
        raise session._protocol_error("DialResult without a CallId", repr(fields))
    protocol = {"h323": SignalProtocol.H323, "sip": SignalProtocol.SIP}.get(
        str(session._args.get("protocol", "h323")).lower())
    return Call(call_id, str(session._args["number"]), CallState.DIALLING, protocol)


def _typed(session: XapiSession, exc: HnthError) -> HnthError:
    """A reply the model refuses (e.g. a 300-character number) is the device's fault."""
    if isinstance(exc, ProtocolError | DeviceError):
        return exc
    return session._protocol_error("reply does not fit the model", exc.message)


StatusParser = Callable[["XapiSession", Pairs], Any]
ResultParser = Callable[["XapiSession", dict[str, str]], Any]

#: Operations answered by a status block (terminal: followed by ``OK``).
STATUS_PARSERS: dict[str, StatusParser] = {
    "calls": _calls, "mute_state": _mute_state, "position": _position, "uptime": _uptime,
    "feedback": lambda session, pairs: None,
}
#: Operations answered by a result (missing here: the result has no value).
RESULT_PARSERS: dict[str, ResultParser] = {"dial": _dial}
#: Operations answered by a bare ``OK`` (set-up; jsxapi src/backend/tsh.ts).
OK_REPLIES = frozenset({"echo_off"})


class XapiSession(DialectSession):
    """Sans-I/O xAPI parser: feed bytes, get :class:`Reply`, :class:`CallEvent`, errors.

    A new session is in the login phase: call :meth:`await_login` and feed the banner; the
    reply is the :class:`Software` it names (None if none). :meth:`use_json` switches to
    JSON output, after which requests are tagged with a ``resultId``.
    """

    #: A JSON status of the whole codec can be large.
    max_line = 1 << 20

    def __init__(self, dialect: Dialect = XAPI, *, device: str | None = None) -> None:
        super().__init__(dialect, device=device)
        self.software: Software | None = None
        self.json = False
        self._block: list[str] | None = None
        self._candidate: Pairs | None = None
        self._last_text = ""
        self._tag = 0
        self._banner_software: Software | None = None

    # -- set-up --------------------------------------------------------------------------
    def await_login(self) -> None:
        """Expect the login banner; its reply (at the line ``OK``) is the :class:`Software`."""
        self._start("login", {})

    def use_json(self) -> bytes:
        """Switch to JSON output (no reply is awaited, as in jsxapi); the bytes to write."""
        self.json = True
        return b"xpreferences outputmode json\n"

    def set_software(self, software: Software | None) -> None:
        """Adopt a software version: its command set, block end and value spaces."""
        self.software = software
        if software is not None:
            self.dialect = software.dialect

    @property
    def resumable(self) -> bool:
        """In JSON mode every reply names its request (``ResultId``): a late one is known."""
        return self.json

    def abandon(self) -> None:
        """Give up the pending command; its late reply will be reported as stale."""
        super().abandon()
        self._candidate = None

    def camera_path(self, camera: int) -> str:
        """Status path of a camera's position for this software (TC vs CE)."""
        if self.software is not None and self.software.family == "tc":
            return f"Camera {camera} Position"
        return f"Cameras Camera {camera} Position"

    def call_state(self, value: str) -> CallState:
        """A call ``Status`` value → state; a value no version documents is an error."""
        state = CALL_STATES.get(value)
        if state is None:
            raise self._protocol_error("unknown call status", value,
                                       expected=f"one of {sorted(CALL_STATES)}")
        if self.software is not None and value not in self.software.call_states:
            self._emit(Notice(f"call status {value!r} is newer than {self.software}"))
        return state

    def send(self, operation: str, **args: object) -> bytes:
        """As :meth:`DialectSession.send`; in JSON mode the line is tagged with a resultId."""
        data = super().send(operation, **args)
        if not self.json:
            return data
        self._tag += 1
        return data[:-1] + f' | resultId="{self._tag}"\n'.encode()

    # -- framing -------------------------------------------------------------------------
    def _split(self) -> tuple[str, str] | None:
        buf = self._buffer
        if self.json:
            start = len(buf) - len(buf.lstrip())
            if start < len(buf) and buf[start] == "{":
                end = _object_end(buf, start)
                if end is None:
                    return None
                self._buffer = buf[end:]
                return buf[start:end], "json"
        index = buf.find("\n")
        if index < 0:
            return None
        self._buffer = buf[index + 1:]
        return buf[:index].rstrip("\r"), "\n"

    def _on_line(self, line: str, terminator: str) -> None:
        if terminator == "json":
            self._on_json(line)
        elif self._pending == "login":
            self._on_banner(line)
        elif self._block is not None:
            self._in_block(line)
        elif line in _ENDS:
            self._check_end(line)
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

    def _on_banner(self, line: str) -> None:
        found = Software.from_banner(line)
        if found is not None:
            self._banner_software = found
        if line.strip() == "OK":
            software, self._banner_software = self._banner_software, None
            self.set_software(software)
            self._finish(software)
        elif line.strip() and not printable(line):
            self._fail(self._protocol_error("unprintable banner line", line,
                                            expected="the login banner and OK"))

    def _check_end(self, line: str) -> None:
        if self.software is not None and line != self.software.block_end:
            self._emit(Notice(f"block end {line!r} is not {self.software}'s"))

    def _in_block(self, line: str) -> None:
        assert self._block is not None
        if line in _ENDS:
            self._check_end(line)
            block, self._block = tuple(self._block), None
            self._on_block(block)
        elif line.startswith(("*", " ", "\t")) and printable(line):
            self._block.append(line)
        elif line.strip():
            self._block = None
            error = self._protocol_error("garbage inside a reply block", line,
                                         expected="'*' lines, indented fields or a block end")
            if self._pending is not None:
                self._fail(error)
            else:
                self._emit(Notice(f"garbage: {line[:120]!r}"))

    # -- terminal blocks -----------------------------------------------------------------
    def _on_block(self, block: tuple[str, ...]) -> None:
        match = _RESULT_RE.match(block[0]) if block else None
        if match:
            if self._pending is not None and self._pending not in STATUS_PARSERS:
                fields = {}
                for line in block[1:]:
                    field_match = _FIELD_RE.match(line)
                    if field_match:
                        fields[field_match.group(1)] = _unquote(field_match.group(2))
                self._on_result(match.group(1), match.group(2), fields, block)
            else:
                self._emit(Notice("unexpected result: " + " | ".join(block)[:200]))
            return
        for line in block:
            if line.startswith("*e"):     # event lines are never part of a reply
                self._emit(Notice(line))
        pairs = parse_status_lines(block)
        if self._pending in STATUS_PARSERS:
            if self._candidate is not None:
                self._events(self._candidate)
            self._candidate = pairs
        else:
            self._events(pairs)

    def _events(self, pairs: Pairs) -> None:
        for path, value in pairs:
            match = _CALL_RE.match(path)
            ghost = _GHOST_RE.match(path)
            if ghost:                  # the call is gone (a removed node is a "ghost")
                self._emit(CallEvent(ghost.group(1), CallState.DISCONNECTED, raw=path))
            elif match and match.group(2) == "Status" and value in CALL_STATES:
                self._emit(CallEvent(match.group(1), CALL_STATES[value],
                                     raw=f"{path}: {value}"))
            else:
                self._emit(Notice(f"{path}: {value}"))

    def _on_ok(self) -> None:
        if self._pending in OK_REPLIES:
            self._finish(None)
        elif self._pending in STATUS_PARSERS and self._candidate is not None:
            pairs, self._candidate = self._candidate, None
            self._on_status(pairs, ())

    def _on_status(self, pairs: Pairs, lines: tuple[str, ...]) -> None:
        assert self._pending is not None
        try:
            value = STATUS_PARSERS[self._pending](self, pairs)
        except HnthError as exc:
            self._fail(_typed(self, exc))
            return
        self._finish(value, lines)

    def _on_error(self) -> None:
        if self._pending is None:
            return
        if self._candidate is not None:
            self._events(self._candidate)
            self._candidate = None
        self._fail(DeviceError(self._last_text or "command refused", device=self.device,
                               operation=self._pending, expected="a command the codec knows",
                               got="ERROR"))

    def _on_result(self, name: str, status: str, fields: dict[str, str],
                   lines: tuple[str, ...]) -> None:
        operation = self._pending or "?"
        if status != "OK":
            reason = (fields.get("Reason") or fields.get("Error") or fields.get("reason")
                      or "no reason given")
            self._fail(DeviceError(reason, device=self.device, operation=operation,
                                   expected=f"{name} status=OK", got=f"status={status}",
                                   code=fields.get("Cause") or fields.get("XPath")))
            return
        wanted = RESULT_NAMES.get(operation)
        if wanted is not None and name != wanted:
            self._fail(self._protocol_error("the result of another command", name,
                                            expected=wanted))
            return
        parser = RESULT_PARSERS.get(operation)
        try:
            value = parser(self, fields) if parser else None
        except HnthError as exc:
            self._fail(_typed(self, exc))
            return
        self._finish(value, lines)

    # -- JSON ----------------------------------------------------------------------------
    def _on_json(self, text: str) -> None:
        try:
            obj = json.loads(text)
        except ValueError:
            obj = None
        if not isinstance(obj, dict):
            error = self._protocol_error("not a JSON object", text, expected="{...}")
            if self._pending is not None:
                self._fail(error)
            else:
                self._emit(Notice(f"garbage: {text[:120]!r}"))
            return
        tag = obj.pop("ResultId", None)
        if tag is None:               # feedback: the same tree as a status, no ResultId
            self._events(list(flatten(obj.get("Status", obj))))
        elif self._pending is None or str(tag) != str(self._tag):
            self._emit(Notice(f"reply to another request: ResultId {tag!r}"))
        elif "CommandResponse" in obj:
            self._on_json_result(obj["CommandResponse"], text)
        elif self._pending in STATUS_PARSERS:
            self._on_status(list(flatten(obj.get("Status", {}))), (text,))
        else:
            self._fail(self._protocol_error("a status where a command result was due",
                                            text, expected="CommandResponse"))

    def _on_json_result(self, response: Any, text: str) -> None:
        if not isinstance(response, dict) or len(response) != 1:
            self._fail(self._protocol_error("malformed CommandResponse", text))
            return
        ((name, body),) = response.items()
        if not isinstance(body, dict):
            self._fail(self._protocol_error("malformed CommandResponse", text))
            return
        fields = {key: str(value.get("Value")) for key, value in body.items()
                  if isinstance(value, dict) and "Value" in value}
        self._on_result(name, str(body.get("status", "")), fields, (text,))


def _object_end(buf: str, start: int) -> int | None:
    """Index after the JSON object starting at ``start``; None while it is incomplete."""
    depth, in_string, escaped = 0, False, False
    for index in range(start, len(buf)):
        char = buf[index]
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return index + 1
    return None
