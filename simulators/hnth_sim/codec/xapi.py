"""The xAPI front end of the codec simulator: one command line in, its output out.

Output follows PROTOCOLS.md §3: ``xCommand`` answers ``OK`` then a ``*r … Result`` block
closed by ``** end``; ``xStatus`` and ``xFeedback`` answer a block, ``** end``, then ``OK``;
registered feedback arrives as blocks in the ``xStatus`` format that no ``OK`` follows.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import ClassVar

from .model import IDLE, CallRefused, CodecModel, SimCall

__all__ = ["XapiShell"]

NL = "\r\n"
_ARG_RE = re.compile(r'(\w+):\s*("([^"]*)"|\S+)')
_LAYOUTS = ("auto", "custom", "equal", "overlay", "prominent", "single")
_PAN = {"left": -1, "right": 1, "stop": 0}
_TILT = {"down": -1, "up": 1, "stop": 0}
_ZOOM = {"out": -1, "in": 1, "stop": 0}
# Result names that are not the command path run together (PROTOCOLS.md §3).
_RESULT_NAMES = {"call disconnect": "DisconnectCall"}


class _Refused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class XapiShell:
    """One xAPI session (exec command or interactive shell) on a :class:`CodecModel`."""

    banner = f"Welcome to hnth-sim codec{NL}SW Release: hnth-sim xapi 0.1{NL}{NL}"

    def __init__(self, model: CodecModel) -> None:
        self.model = model
        self.feedback: set[str] = set()
        self._created: SimCall | None = None

    # -- output helpers ------------------------------------------------------------------
    @staticmethod
    def _result(name: str, fields: dict[str, object] | None = None) -> str:
        lines = [f"OK{NL}*r {name}Result (status=OK):{NL}"]
        lines += [f"    {k}: {v}{NL}" for k, v in (fields or {}).items()]
        return "".join(lines) + f"** end{NL}"

    @staticmethod
    def _error(name: str, reason: str) -> str:
        return f"OK{NL}*r {name}Result (status=Error):{NL}    Reason: {reason}{NL}** end{NL}"

    def status_lines(self) -> list[str]:
        """The whole status tree the simulator knows, as ``Path: value`` lines."""
        lines = []
        for call in self.model.calls():
            n = call.call_id
            lines += [f"Call {n} CallType: Video", f"Call {n} Direction: Outgoing",
                      f'Call {n} Protocol: "{call.protocol.upper()}"',
                      f'Call {n} RemoteNumber: "{call.number}"', f"Call {n} Status: {call.state}"]
        lines.append(f"Audio Microphones Mute: {'On' if self.model.microphones_muted else 'Off'}")
        for number in sorted(self.model.cameras):
            cam = self.model.camera(number)
            lines += [f"Cameras Camera {number} Position Pan: {cam.pan}",
                      f"Cameras Camera {number} Position Tilt: {cam.tilt}",
                      f"Cameras Camera {number} Position Zoom: {cam.zoom}"]
        lines.append(f"SystemUnit Uptime: {self.model.uptime_s()}")
        lines.append(f"Video Layout LayoutFamily Local: {self.model.layout}")
        return lines

    def event(self, call: SimCall, old: str) -> str | None:
        """The feedback block for a call-state change, if ``/Status/Call`` is registered."""
        if not any("/status/call".startswith(p) or p.startswith("/status/call")
                   for p in self.feedback):
            return None
        if call.state == IDLE:
            return f"*s Call {call.call_id} (ghost=True):{NL}** end{NL}"
        return f"*s Call {call.call_id} Status: {call.state}{NL}** end{NL}"

    # -- commands ------------------------------------------------------------------------
    def handle(self, line: str) -> str:
        """The output for one command line (events it causes are sent by listeners)."""
        words = line.strip().split()
        if not words:
            return ""
        head = words[0].lower()
        if head == "xstatus":
            return self._status(" ".join(words[1:]))
        if head == "xfeedback" and len(words) == 3 and words[1].lower() == "register":
            self.feedback.add(words[2].lower().rstrip("/"))
            return f"** end{NL}OK{NL}"
        if head == "xcommand":
            self._created = None
            out = self._command(line.strip()[len(words[0]):].strip())
            created = self._created
            if created is not None:   # the new call's first state, after the dial reply
                out += self.event(created, IDLE) or ""
            return out
        return f"Command not recognized.{NL}ERROR{NL}"

    def _status(self, query: str) -> str:
        query = query.strip()
        known = self.status_lines()
        lowered = query.lower()
        hits = [s for s in known if not query or s.lower().startswith(lowered + " ")
                or s.lower().startswith(lowered + ":")]
        valid = hits or lowered in ("call",) or any(
            s.lower().startswith(lowered) for s in known)
        if not valid:
            return f"Command not recognized.{NL}ERROR{NL}"
        return "".join(f"*s {s}{NL}" for s in hits) + f"** end{NL}OK{NL}"

    def _command(self, text: str) -> str:
        first_arg = _ARG_RE.search(text)
        path = (text[:first_arg.start()] if first_arg else text).split()
        args = {m.group(1).lower(): (m.group(3) if m.group(3) is not None else m.group(2))
                for m in _ARG_RE.finditer(text)}
        key = " ".join(w.lower() for w in path)
        handler = self._COMMANDS.get(key)
        name = _RESULT_NAMES.get(key) or "".join(w[:1].upper() + w[1:] for w in path)
        if handler is None:
            return f"*r Result (status=Error):{NL}    Reason: Unknown command{NL}** end{NL}"
        try:
            fields = handler(self, args)
        except _Refused as exc:
            return self._error(name, exc.reason)
        except (KeyError, ValueError):
            return self._error(name, "Invalid or missing parameter")
        return self._result(name, fields)

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
        if number not in self.model.cameras:
            raise _Refused(f"No camera {number}")
        return number

    def _preset_store(self, args: dict[str, str]) -> dict[str, object]:
        preset, camera = self._preset_id(args), self._camera_id(args)
        self.model.preset_store(preset, camera, args.get("name"))
        return {"PresetId": preset}

    def _preset_activate(self, args: dict[str, str]) -> dict[str, object]:
        if not self.model.preset_activate(self._preset_id(args)):
            raise _Refused("Preset not found")
        return {}

    def _position_set(self, args: dict[str, str]) -> dict[str, object]:
        camera = self._camera_id(args)
        cam = self.model.camera(camera)
        self.model.position_set(camera, int(args.get("pan", cam.pan)),
                                int(args.get("tilt", cam.tilt)), int(args.get("zoom", cam.zoom)))
        return {}

    def _position_reset(self, args: dict[str, str]) -> dict[str, object]:
        self.model.position_set(self._camera_id(args), 0, 0, 0)
        return {}

    def _ramp(self, args: dict[str, str]) -> dict[str, object]:
        camera = self._camera_id(args)
        pan = _PAN[args.get("pan", "stop").lower()] * int(args.get("panspeed", "7"))
        tilt = _TILT[args.get("tilt", "stop").lower()] * int(args.get("tiltspeed", "7"))
        zoom = _ZOOM[args.get("zoom", "stop").lower()] * int(args.get("zoomspeed", "7"))
        self.model.ramp(camera, pan, tilt, zoom)
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
        "camera positionreset": _position_reset,
        "camera ramp": _ramp,
    }
