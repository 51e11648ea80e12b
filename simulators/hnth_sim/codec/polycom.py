"""The Poly (Polycom) HDX / Group Series front end of the codec simulator.

What it follows (docs/codecs.md lists each with its source):

- every command is echoed with ``LF CR`` and acknowledged with ``CR LF``; an invalid command
  is echoed too and answered ``error: command not found``;
- ``dial manual`` → ``dialing manual``; ``cs: call[N] chan[0] dialstr[…] state[…]`` lines go
  to the session that dialled and to sessions that sent ``callstate register``; ``active:``
  when the call is up; ``notify callstatus`` sessions hear
  ``notification:callstatus:<dir>:<id>:<name>:<number>:<status>:<speed>:<cause>:<type>``;
- ``callinfo all`` / ``callinfo callid N``: the far-site name field is present only when the
  name is known (the guides' second example has 8 fields);
- cameras: HDX ``camera near {1..6}``, Group ``{1..4}``; ``move left|…|stop`` returns no
  feedback (HDX guide: only ``continuous`` and ``discrete`` do; Group: none is documented);
- presets ``preset near go|set {0..99}``, ``preset far go|set {0..15}``.
"""

from __future__ import annotations

import re

from .model import CONNECTED, CONNECTING, DIALLING, IDLE, CallRefused, CodecModel, SimCall

__all__ = ["PolycomShell"]

ACK = "\r\n"
ECHO = "\n\r"
_CS_STATES = {DIALLING: ("ALLOCATED",), CONNECTING: ("RINGING",),
              CONNECTED: ("CONNECTED", "COMPLETE"), IDLE: ("DISCONNECTED",)}
_NOTIFY = {DIALLING: "opened", CONNECTING: "connecting", CONNECTED: "connected",
           IDLE: "disconnected"}
_INFO_STATE = {DIALLING: "opened", CONNECTING: "connecting", CONNECTED: "connected"}
_MOVES = {"left": (-1, 0, 0), "right": (1, 0, 0), "up": (0, 1, 0), "down": (0, -1, 0),
          "zoom+": (0, 0, 1), "zoom-": (0, 0, -1), "stop": (0, 0, 0)}
_NEAR_CAMERAS = {"hdx": 6, "group": 4}
_INT = r"(-?\d+)"


class PolycomShell:
    """One Poly API session on a :class:`CodecModel`."""

    def __init__(self, model: CodecModel, *, family: str = "group") -> None:
        if family not in _NEAR_CAMERAS:
            raise ValueError(f"family {family!r}: expected one of {sorted(_NEAR_CAMERAS)}")
        self.model = model
        self.family = family
        self.interactive = False
        self.callstate = False
        self.notify: set[str] = set()
        self.dialled: set[int] = set()
        self.camera = 1

    @property
    def banner(self) -> str:
        """A greeting (its text is not documented; clients must not rely on it)."""
        name = "HDX" if self.family == "hdx" else "Group Series"
        return f"Polycom {name} simulator{ACK}"

    def event(self, call: SimCall, old: str) -> str | None:
        """The lines a call-state change sends to this session, if any."""
        n, text = call.call_id, ""
        if self.callstate or n in self.dialled:
            for state in _CS_STATES[call.state]:
                text += f"cs: call[{n}] chan[0] dialstr[{call.number}] state[{state}]{ACK}"
            if call.state == CONNECTED:
                text += f"active: call[{n}] speed[{call.speed_kbps}]{ACK}"
            if call.state == IDLE:
                text += f"cleared: call[{n}]{ACK}ended: call[{n}]{ACK}"
                self.dialled.discard(n)
        if "callstatus" in self.notify:
            name = self.model.site_names.get(call.number, "")
            text += (f"notification:callstatus:outgoing:{n}:{name}:{call.number}:"
                     f"{_NOTIFY[call.state]}:{call.speed_kbps}:0:videocall{ACK}")
        return text or None

    def handle(self, line: str) -> str:
        """Echo and acknowledgement (and any events the command causes at once)."""
        command = line.strip()
        if not command:
            return ""
        return command + ECHO + self._reply(command)

    def _reply(self, command: str) -> str:
        m = re.fullmatch(r"dial manual (\d+) (\S+) (h323|sip)", command)
        if m:
            return self._dial(int(m.group(1)), m.group(2), m.group(3))
        m = re.fullmatch(r"hangup (video|all)(?: (\d+))?", command)
        if m:
            if m.group(1) == "all":
                self.model.hang_up_all()
                return f"hanging up all{ACK}"
            if m.group(2) is None:
                self.model.hang_up_all()
            elif not self.model.hang_up(int(m.group(2))):
                return f"error: invalid call id {m.group(2)}{ACK}"
            return f"hanging up video{ACK}"
        m = re.fullmatch(r"mute near (on|off|toggle|get)", command)
        if m:
            if m.group(1) != "get":
                self.model.microphones_muted = (
                    not self.model.microphones_muted if m.group(1) == "toggle"
                    else m.group(1) == "on")
            return f"mute near {'on' if self.model.microphones_muted else 'off'}{ACK}"
        if command == "callinfo all":
            return self._callinfo(None)
        m = re.fullmatch(r"callinfo callid (\d+)", command)
        if m:
            return self._callinfo(int(m.group(1)))
        if command == "callstate register":
            self.callstate = True
            return f"callstate registered{ACK}"
        m = re.fullmatch(r"notify (callstatus|mutestatus)", command)
        if m:
            if m.group(1) in self.notify:
                prefix = "info: " if self.family == "group" else ""
                return f"{prefix}event/notification already active:{m.group(1)}{ACK}"
            self.notify.add(m.group(1))
            return f"notify {m.group(1)} success{ACK}"
        return self._camera(command)

    def _dial(self, speed: int, number: str, protocol: str) -> str:
        out = f"dialing manual{ACK}"
        try:
            call = self.model.dial(number, protocol)
        except CallRefused as exc:
            self.dialled.add(exc.call_id)
            gone = SimCall(exc.call_id, number, protocol, IDLE)
            return out + (self.event(gone, DIALLING) or "")
        call.speed_kbps = speed
        self.dialled.add(call.call_id)
        return out + (self.event(call, IDLE) or "")

    def _info_line(self, call: SimCall) -> str:
        name = self.model.site_names.get(call.number)
        fields = [str(call.call_id)] + ([name] if name else []) + [
            call.number, str(call.speed_kbps), _INFO_STATE.get(call.state, "disconnected"),
            "notmuted", "outgoing", "videocall"]
        return "callinfo:" + ":".join(fields) + ACK

    def _callinfo(self, call_id: int | None) -> str:
        calls = self.model.calls()
        if call_id is not None:
            found = [c for c in calls if c.call_id == call_id]
            return self._info_line(found[0]) if found else f"system is not in a call{ACK}"
        if not calls:
            return f"system is not in a call{ACK}"
        lines = [f"callinfo begin{ACK}", *(self._info_line(c) for c in calls),
                 f"callinfo end{ACK}"]
        return "".join(lines)

    def _camera(self, command: str) -> str:
        m = re.fullmatch(r"camera near (\d+)", command)
        if m:
            number = int(m.group(1))
            if not 1 <= number <= _NEAR_CAMERAS[self.family] or number not in self.model.cameras:
                return f"error: invalid camera {number}{ACK}"
            self.camera = number
            return f"camera near {self.camera}{ACK}"
        m = re.fullmatch(r"camera near move (\S+)", command)
        if m and m.group(1) in _MOVES:
            pan, tilt, zoom = (5 * d for d in _MOVES[m.group(1)])
            self.model.ramp(self.camera, pan, tilt, zoom)
            return ""                  # no feedback for a move or a stop
        if self.family == "hdx" and m and m.group(1) in ("continuous", "discrete"):
            return f"camera near move {m.group(1)}{ACK}"
        if command == "camera near stop":
            self.model.ramp(self.camera, 0, 0, 0)
            return ""
        m = re.fullmatch(rf"camera near setposition {_INT} {_INT} {_INT}", command)
        if m:
            pan, tilt, zoom = (int(g) for g in m.groups())
            self.model.position_set(self.camera, pan, tilt, zoom)
            return f"camera near setposition {pan} {tilt} {zoom}{ACK}"
        if command == "camera near getposition":
            cam = self.model.camera(self.camera)
            return f"camera near getposition {cam.pan} {cam.tilt} {cam.zoom}{ACK}"
        return self._preset(command)

    def _preset(self, command: str) -> str:
        m = re.fullmatch(r"preset (near|far) (go|set) (\d+)", command)
        if m:
            where, action, preset = m.group(1), m.group(2), int(m.group(3))
            if not 0 <= preset <= (99 if where == "near" else 15):
                return f"error: invalid preset {preset}{ACK}"
            if where == "near" and action == "set":
                self.model.preset_store(preset, self.camera)
            elif where == "near":
                self.model.preset_activate(preset)
            return f"preset {where} {action} {preset}{ACK}"
        return f"error: command not found{ACK}"
