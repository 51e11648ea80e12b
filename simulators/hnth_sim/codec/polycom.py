"""The Poly Group Series front end of the codec simulator.

Every command is echoed with ``LF CR`` and acknowledged with ``CR LF`` (PROTOCOLS.md §4);
an invalid command is echoed too and answered ``error: command not found``. After
``callstate register`` the session hears ``cs:``, ``active:``, ``cleared:`` and ``ended:``.
"""

from __future__ import annotations

import re

from .model import CONNECTED, CONNECTING, DIALLING, IDLE, CallRefused, CodecModel, SimCall

__all__ = ["PolycomShell"]

ACK = "\r\n"
ECHO = "\n\r"
_CS_STATE = {DIALLING: "ALLOCATED", CONNECTING: "RINGING", CONNECTED: "CONNECTED",
             IDLE: "DISCONNECTED"}
_INFO_STATE = {DIALLING: "dialing", CONNECTING: "ringing", CONNECTED: "connected"}
_MOVES = {"left": (-1, 0, 0), "right": (1, 0, 0), "up": (0, 1, 0), "down": (0, -1, 0),
          "zoom+": (0, 0, 1), "zoom-": (0, 0, -1), "stop": (0, 0, 0)}
_INT = r"(-?\d+)"


class PolycomShell:
    """One Poly API session on a :class:`CodecModel`."""

    banner = f"Polycom Command Shell{ACK}XCOM host:    localhost port: 4121{ACK}"

    def __init__(self, model: CodecModel) -> None:
        self.model = model
        self.callstate = False
        self.camera = 1

    def event(self, call: SimCall, old: str) -> str | None:
        """The ``cs:`` lines for a call-state change, if ``callstate register`` was sent."""
        if not self.callstate:
            return None
        n = call.call_id
        text = f"cs: call[{n}] chan[0] dialstr[{call.number}] state[{_CS_STATE[call.state]}]{ACK}"
        if call.state == CONNECTED:
            text += f"active: call[{n}] speed[{call.speed_kbps}]{ACK}"
        if call.state == IDLE:
            text += f"cleared: call[{n}]{ACK}ended: call[{n}]{ACK}"
        return text

    def handle(self, line: str) -> str:
        """Echo and acknowledgement (and any events the command causes at once)."""
        command = line.strip()
        if not command:
            return ""
        return command + ECHO + self._reply(command)

    def _reply(self, command: str) -> str:
        words = command.split()
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
            return self._callinfo()
        if command == "callstate register":
            self.callstate = True
            return f"callstate registered{ACK}"
        return self._camera(command, words)

    def _dial(self, speed: int, number: str, protocol: str) -> str:
        out = f"dialing manual{ACK}"
        try:
            call = self.model.dial(number, protocol)
        except CallRefused as exc:
            gone = SimCall(exc.call_id, number, protocol, IDLE)
            return out + (self.event(gone, DIALLING) or "")
        call.speed_kbps = speed
        return out + (self.event(call, IDLE) or "")

    def _callinfo(self) -> str:
        calls = self.model.calls()
        if not calls:
            return f"system is not in a call{ACK}"
        lines = [f"callinfo begin{ACK}"]
        for c in calls:
            lines.append(f"callinfo:{c.call_id}:site-{c.number}:{c.number}:{c.speed_kbps}:"
                         f"{_INFO_STATE.get(c.state, 'disconnected')}:notmuted:outgoing:"
                         f"videocall{ACK}")
        lines.append(f"callinfo end{ACK}")
        return "".join(lines)

    def _camera(self, command: str, words: list[str]) -> str:
        m = re.fullmatch(r"camera near (\d+)", command)
        if m:
            if int(m.group(1)) not in self.model.cameras:
                return f"error: invalid camera {m.group(1)}{ACK}"
            self.camera = int(m.group(1))
            return f"camera near {self.camera}{ACK}"
        m = re.fullmatch(r"camera near move (\S+)", command)
        if m and m.group(1) in _MOVES:
            pan, tilt, zoom = (5 * d for d in _MOVES[m.group(1)])
            self.model.ramp(self.camera, pan, tilt, zoom)
            return f"camera near move {m.group(1)}{ACK}"
        m = re.fullmatch(rf"camera near setposition {_INT} {_INT} {_INT}", command)
        if m:
            pan, tilt, zoom = (int(g) for g in m.groups())
            self.model.position_set(self.camera, pan, tilt, zoom)
            return f"camera near setposition {pan} {tilt} {zoom}{ACK}"
        if command == "camera near getposition":
            cam = self.model.camera(self.camera)
            return f"camera near getposition {cam.pan} {cam.tilt} {cam.zoom}{ACK}"
        m = re.fullmatch(r"preset near (go|set) (\d+)", command)
        if m:
            preset = int(m.group(2))
            if not 0 <= preset <= 99:
                return f"error: invalid preset {preset}{ACK}"
            if m.group(1) == "set":
                self.model.preset_store(preset, self.camera)
            else:
                self.model.preset_activate(preset)
            return f"preset near {m.group(1)} {preset}{ACK}"
        return f"error: command not found{ACK}"
