"""The xAPI front end of the codec simulator: one command line in, its output out.

What it follows (docs/codecs.md lists each with its source):

- the login banner (``Welcome to …``, ``Cisco Codec Release <version>``, ``SW Release
  Date``, ``*r Login successful``, blank, ``OK``) as in jsxapi's test data;
- ``echo off|on`` and ``xpreferences outputmode terminal|json`` answered ``OK``; JSON only
  on CE software (TC7 guides list Terminal and XML); XML output is not simulated;
- ``<command> | resultId="<id>"``: in JSON the reply carries ``"ResultId"``; a ``{N}``
  line announces a command of N bytes with a multi-line body;
- terminal output: ``xCommand`` answers ``OK`` then a ``*r <Name>Result`` block; status and
  feedback blocks; block end ``** end`` (``*r/end`` on TC1); camera status under ``Camera N``
  on TC and ``Cameras Camera N`` on CE;
- ``Camera Ramp``: pan and tilt run together, any other combination runs only the first
  axis named; result names as documented (``DisconnectAllResult``, ``RampResult``, …).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, ClassVar

from hnth_drivers.vcs.xapi import Software

from .model import IDLE, CallRefused, CodecModel, SimCall

__all__ = ["XapiShell"]

NL = "\r\n"
_ARG_RE = re.compile(r'(\w+):\s*("([^"]*)"|\S+)')
_TAG_RE = re.compile(r'\s*\|\s*resultId="([^"]*)"\s*$')
_BODY_RE = re.compile(r"^\{(\d+)\}\s*$")
_LAYOUTS = ("auto", "custom", "equal", "overlay", "prominent", "single")
_PAN = {"left": -1, "right": 1, "stop": 0}
_TILT = {"down": -1, "up": 1, "stop": 0}
_ZOOM = {"out": -1, "in": 1, "stop": 0}
_AXES = {"pan": "pt", "panspeed": "pt", "tilt": "pt", "tiltspeed": "pt", "zoom": "zoom",
         "zoomspeed": "zoom", "focus": "focus"}
# Result names that are not the command path run together (C90 guide D14128.03 p76, p84).
_RESULT_NAMES = {"call disconnect": "DisconnectCall", "call disconnectall": "DisconnectAll",
                 "camera ramp": "Ramp"}
MAX_BODY = 65536


class _Refused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _tree(lines: list[tuple[str, str]]) -> dict[str, Any]:
    """``Call 3 Status`` paths → the nested JSON tree (numbered nodes are lists with id)."""
    root: dict[str, Any] = {}
    for path, value in lines:
        words = path.split()
        node = root
        index = 0
        while index < len(words):
            word = words[index]
            last = index == len(words) - 1
            if not last and words[index + 1].isdigit():
                items = node.setdefault(word, [])
                ident = words[index + 1]
                item = next((i for i in items if i["id"] == ident), None)
                if item is None:
                    item = {"id": ident}
                    items.append(item)
                node, index = item, index + 2
                if index == len(words):      # "Call 3 ghost"-style leaf on the item
                    break
                continue
            if last:
                node[word] = {"Value": value.strip('"')}
            else:
                node = node.setdefault(word, {})
            index += 1
    return root


class XapiShell:
    """One xAPI session (exec command or interactive shell) on a :class:`CodecModel`."""

    def __init__(self, model: CodecModel, *, software: str = "ce9.15.0",
                 hostname: str = "hnth-sim") -> None:
        parsed = Software.from_banner(f"Release {software}")
        if parsed is None:
            raise ValueError(f"software {software!r}: expected e.g. ce9.15.0 or tc7.3.6")
        self.model = model
        self.software = parsed
        self.software_text = software
        self.hostname = hostname
        self.interactive = False
        self.echo = True
        self.mode = "terminal"
        self.feedback: set[str] = set()
        self._created: SimCall | None = None
        self._body: list[str] | None = None
        self._body_left = 0

    @property
    def banner(self) -> str:
        """The login banner, ending with ``OK`` (jsxapi test/data/welcome.txt)."""
        return (f"Welcome to {self.hostname}{NL}Cisco Codec Release {self.software_text}{NL}"
                f"SW Release Date: 2026-01-01{NL}*r Login successful{NL}{NL}OK{NL}")

    @property
    def end(self) -> str:
        """The block end line of this software version."""
        return self.software.block_end + NL

    # -- output helpers ------------------------------------------------------------------
    def _result(self, name: str, fields: dict[str, object], tag: str | None,
                status: str = "OK") -> str:
        if self.mode == "json":
            body: dict[str, Any] = {"status": status}
            body.update({k: {"Value": str(v)} for k, v in fields.items()})
            return self._json({"CommandResponse": {f"{name}Result": body}}, tag)
        lines = [f"OK{NL}*r {name}Result (status={status}):{NL}"]
        lines += [f"    {k}: {v}{NL}" for k, v in fields.items()]
        return "".join(lines) + self.end

    def _json(self, obj: dict[str, Any], tag: str | None) -> str:
        if tag is not None:
            obj["ResultId"] = tag
        return json.dumps(obj, separators=(",", ":")) + NL

    def _unknown(self, tag: str | None, path: str) -> str:
        if self.mode == "json":
            return self._json({"CommandResponse": {"Result": {
                "status": "Error", "Reason": {"Value": "Unknown command"},
                "XPath": {"Value": "/" + path.replace(" ", "/")}}}}, tag)
        return f"Command not recognized.{NL}ERROR{NL}"

    def status_lines(self) -> list[tuple[str, str]]:
        """The whole status tree the simulator knows, as (path, value) pairs."""
        lines = []
        for call in self.model.calls():
            n = call.call_id
            lines += [(f"Call {n} CallType", "Video"), (f"Call {n} Direction", "Outgoing"),
                      (f"Call {n} Protocol", f'"{call.protocol}"'),
                      (f"Call {n} RemoteNumber", f'"{call.number}"'),
                      (f"Call {n} Status", call.state)]
        lines.append(("Audio Microphones Mute", "On" if self.model.microphones_muted else "Off"))
        lines.append(("Audio Volume", str(self.model.volume)))
        cameras = "Camera" if self.software.family == "tc" else "Cameras Camera"
        for number in sorted(self.model.cameras):
            cam = self.model.camera(number)
            lines += [(f"{cameras} {number} Position Pan", str(cam.pan)),
                      (f"{cameras} {number} Position Tilt", str(cam.tilt)),
                      (f"{cameras} {number} Position Zoom", str(cam.zoom))]
        lines.append(("SystemUnit Uptime", str(self.model.uptime_s())))
        lines.append(("Video Layout LayoutFamily Local", self.model.layout))
        return lines

    def event(self, call: SimCall, old: str) -> str | None:
        """The feedback for a call-state change, if ``/Status/Call`` is registered."""
        if not any("/status/call".startswith(p) or p.startswith("/status/call")
                   for p in self.feedback):
            return None
        n = call.call_id
        if self.mode == "json":
            item: dict[str, Any] = ({"id": str(n), "ghost": "True"} if call.state == IDLE
                                    else {"id": str(n), "Status": {"Value": call.state}})
            return self._json({"Status": {"Call": [item]}}, None)
        if call.state == IDLE:
            return f"*s Call {n} (ghost=True):{NL}{self.end}"
        return f"*s Call {n} Status: {call.state}{NL}{self.end}"

    # -- input ---------------------------------------------------------------------------
    def handle(self, raw: str) -> str:
        """The output for one received line (``{N}`` bodies are collected first)."""
        if self._body is not None:
            self._body.append(raw.rstrip("\r"))
            self._body_left -= len(raw.encode("utf-8")) + 1
            if self._body_left > 0:
                return ""
            command, *_body = self._body
            self._body = None
            return self._echo(command) + self._command_line(command)
        line = raw.strip()
        body = _BODY_RE.match(line)
        if body:
            size = int(body.group(1))
            if not 0 < size <= MAX_BODY:
                return f"Invalid body size.{NL}ERROR{NL}"
            self._body, self._body_left = [], size
            return ""
        if not line:
            return ""
        return self._echo(line) + self._command_line(line)

    def _echo(self, line: str) -> str:
        return f"{line}{NL}" if self.interactive and self.echo else ""

    def _command_line(self, line: str) -> str:
        tag_match = _TAG_RE.search(line)
        tag = tag_match.group(1) if tag_match else None
        if tag_match:
            line = line[:tag_match.start()]
        words = line.split()
        if not words:
            return ""
        head = words[0].lower()
        if head == "echo" and len(words) == 2 and words[1].lower() in ("on", "off"):
            self.echo = words[1].lower() == "on"
            return f"OK{NL}"
        if head == "xpreferences" and len(words) == 3 and words[1].lower() == "outputmode":
            return self._outputmode(words[2].lower(), tag)
        if head == "xstatus":
            return self._status(" ".join(words[1:]), tag)
        if head == "xfeedback" and len(words) == 3 and words[1].lower() in ("register",
                                                                            "deregister"):
            path = words[2].lower().rstrip("/")
            if words[1].lower() == "register":
                self.feedback.add(path)
            else:
                self.feedback.discard(path)
            return self._json({}, tag) if self.mode == "json" else f"{self.end}OK{NL}"
        if head == "xcommand":
            self._created = None
            out = self._command(line.strip()[len(words[0]):].strip(), tag)
            created = self._created
            if created is not None:   # the new call's first state, after the dial reply
                out += self.event(created, IDLE) or ""
            return out
        return self._unknown(tag, line.strip())

    def _outputmode(self, mode: str, tag: str | None) -> str:
        if mode == "terminal" or (mode == "json" and self.software.json):
            self.mode = mode
            return f"OK{NL}" if mode == "terminal" else ""
        reason = "XML output is not simulated" if mode == "xml" else "No such output mode"
        return f"{reason}.{NL}ERROR{NL}"

    def _status(self, query: str, tag: str | None) -> str:
        known = self.status_lines()
        lowered = query.strip().lower()
        hits = [(p, v) for p, v in known if not lowered or (p.lower() + " ").startswith(
            lowered + " ")]
        valid = hits or lowered == "call"
        if not valid:
            return self._unknown(tag, "Status " + query)
        if self.mode == "json":
            obj: dict[str, Any] = {"Status": _tree(hits)} if hits else {}
            return self._json(obj, tag)
        return "".join(f"*s {p}: {v}{NL}" for p, v in hits) + f"{self.end}OK{NL}"

    def _command(self, text: str, tag: str | None) -> str:
        first_arg = _ARG_RE.search(text)
        path = (text[:first_arg.start()] if first_arg else text).split()
        pairs = [(m.group(1).lower(), m.group(3) if m.group(3) is not None else m.group(2))
                 for m in _ARG_RE.finditer(text)]
        key = " ".join(w.lower() for w in path)
        handler = self._COMMANDS.get(key)
        name = _RESULT_NAMES.get(key) or "".join(w[:1].upper() + w[1:] for w in path)
        if handler is None:
            if self.mode == "json":
                return self._unknown(tag, "Command " + " ".join(path))
            return f"*r Result (status=Error):{NL}    Reason: Unknown command{NL}{self.end}"
        try:
            fields = handler(self, dict(pairs))   # keeps the order the arguments came in
        except _Refused as exc:
            return self._result(name, {"Reason": exc.reason}, tag, status="Error")
        except (KeyError, ValueError):
            return self._result(name, {"Reason": "Invalid or missing parameter"}, tag,
                                status="Error")
        return self._result(name, fields, tag)

    def _dial(self, args: dict[str, str]) -> dict[str, object]:
        protocol = args.get("protocol", "h323").lower()
        if protocol not in ("h323", "sip"):
            raise _Refused("Invalid Protocol")
        try:
            call = self.model.dial(args["number"], protocol)
        except CallRefused as exc:
            raise _Refused(exc.reason) from None
        self._created = call
        return {"CallId": call.call_id, "ConferenceId": call.call_id}

    def _disconnect(self, args: dict[str, str]) -> dict[str, object]:
        if not self.model.hang_up(int(args["callid"])):
            raise _Refused(f"No active call(s) with CallId {args['callid']} found")
        return {}

    def _disconnect_all(self, args: dict[str, str]) -> dict[str, object]:
        self.model.hang_up_all()
        return {}

    def _mute(self, on: bool) -> dict[str, object]:
        self.model.microphones_muted = on
        return {}

    def _layout(self, args: dict[str, str]) -> dict[str, object]:
        family = args["layoutfamily"].lower()
        if family not in _LAYOUTS or args.get("target", "local").lower() not in (
                "local", "remote"):
            raise _Refused("Invalid LayoutFamily")
        self.model.layout = family
        return {}

    @staticmethod
    def _preset_id(args: dict[str, str]) -> int:
        preset = int(args["presetid"])
        if not 1 <= preset <= 35:
            raise _Refused("PresetId out of range (1..35)")
        return preset

    def _camera_id(self, args: dict[str, str]) -> int:
        number = int(args.get("cameraid", "1"))
        if not 1 <= number <= 7 or number not in self.model.cameras:
            raise _Refused(f"No camera {number}")
        return number

    def _preset_store(self, args: dict[str, str]) -> dict[str, object]:
        preset, camera = self._preset_id(args), self._camera_id(args)
        self.model.preset_store(preset, camera, args.get("name"))
        return {}

    def _preset_activate(self, args: dict[str, str]) -> dict[str, object]:
        if not self.model.preset_activate(self._preset_id(args)):
            raise _Refused("Preset not found")
        return {}

    def _position_set(self, args: dict[str, str]) -> dict[str, object]:
        camera = self._camera_id(args)
        cam = self.model.camera(camera)
        pan, tilt = int(args.get("pan", cam.pan)), int(args.get("tilt", cam.tilt))
        zoom = int(args.get("zoom", cam.zoom))
        if not (-65535 <= pan <= 65535 and -65535 <= tilt <= 65535 and 0 <= zoom <= 65535):
            raise _Refused("Value out of range")
        self.model.position_set(camera, pan, tilt, zoom)
        return {}

    def _ramp(self, args: dict[str, str]) -> dict[str, object]:
        camera = self._camera_id(args)
        axes = [_AXES[k] for k in args if k in _AXES]
        run = axes[0] if axes else "pt"      # only the first operation named runs
        speed = {k: int(args.get(k, "7")) for k in ("panspeed", "tiltspeed", "zoomspeed")}
        if not all(1 <= s <= 15 for s in speed.values()):
            raise _Refused("Speed out of range (1..15)")
        pan_word, tilt_word = args.get("pan", "stop").lower(), args.get("tilt", "stop").lower()
        zoom_word = args.get("zoom", "stop").lower()
        pan_dir, tilt_dir, zoom_dir = self.model.ramp_dirs(camera)
        if run == "pt":
            pan_dir, tilt_dir = (_PAN[pan_word] * speed["panspeed"],
                                 _TILT[tilt_word] * speed["tiltspeed"])
        elif run == "zoom":
            zoom_dir = _ZOOM[zoom_word] * speed["zoomspeed"]
        self.model.ramp(camera, pan_dir, tilt_dir, zoom_dir)
        return {}

    _COMMANDS: ClassVar[dict[str, Callable[[XapiShell, dict[str, str]], dict[str, object]]]] = {
        "dial": _dial,
        "call disconnect": _disconnect,
        "call disconnectall": _disconnect_all,
        "audio microphones mute": lambda self, args: self._mute(True),
        "audio microphones unmute": lambda self, args: self._mute(False),
        "audio microphones togglemute":
            lambda self, args: self._mute(not self.model.microphones_muted),
        "video layout layoutfamily set": _layout,
        "camera preset store": _preset_store,
        "camera preset activate": _preset_activate,
        "camera positionset": _position_set,
        "camera ramp": _ramp,
    }
