"""The codec simulator's SSH server (paramiko): host key, users, exec and shell channels.

The server has its own Ed25519 host key (made with ``cryptography``: paramiko cannot make
one), password users and public-key users, and serves both an exec request (one command,
its output, exit status 0) and an interactive shell (a banner, then one reply per line,
with call-state events written between replies). Faults from :class:`Faults` apply to
replies and connections. Everything runs in daemon threads; :meth:`CodecSimulator.stop`
closes them all.
"""

from __future__ import annotations

import codecs
import contextlib
import hmac
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Protocol, Self

import paramiko
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from paramiko.common import (
    AUTH_FAILED,
    AUTH_SUCCESSFUL,
    OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED,
    OPEN_SUCCEEDED,
)
from paramiko.server import InteractiveQuery

from .model import CodecModel, Faults, SimCall
from .polycom import PolycomShell
from .xapi import XapiShell

__all__ = ["DIALECTS", "CodecSimulator", "generate_key", "load_or_create_host_key"]

log = logging.getLogger(__name__)
GARBAGE = "\x00\x1b[7m#!garbage\x7f\r\n"


class Shell(Protocol):
    """What a dialect front end offers the server."""

    interactive: bool

    @property
    def banner(self) -> str: ...

    def handle(self, line: str) -> str: ...

    def event(self, call: SimCall, old: str) -> str | None: ...


DIALECTS: dict[str, type[XapiShell] | type[PolycomShell]] = {
    "xapi": XapiShell, "polycom": PolycomShell}
#: Line ends each dialect's input is split on (xAPI: LF, counted for ``{N}`` bodies).
_LINE_ENDS = {"xapi": "\n", "polycom": "\r\n"}


def generate_key(path: Path) -> paramiko.Ed25519Key:
    """Write a new Ed25519 private key (OpenSSH format, mode 0600) and ``path.pub``."""
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                                serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                           serialization.PublicFormat.OpenSSH)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)  # a leftover file would keep its own mode
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(private)
    Path(f"{path}.pub").write_bytes(public + b" hnth-sim\n")
    return paramiko.Ed25519Key.from_private_key_file(str(path))


def load_or_create_host_key(path: Path) -> paramiko.Ed25519Key:
    """The host key at ``path``, created (with ``path.pub``) if missing."""
    if path.exists():
        key = paramiko.Ed25519Key.from_private_key_file(str(path))
        if not Path(f"{path}.pub").exists():
            Path(f"{path}.pub").write_text(f"{key.get_name()} {key.get_base64()} hnth-sim\n")
        return key
    return generate_key(path)


class _Server(paramiko.ServerInterface):
    def __init__(self, sim: CodecSimulator) -> None:
        self.sim = sim
        self.requests: dict[int, tuple[str, str]] = {}
        self.interactive_user = ""
        self.ready: dict[int, threading.Event] = {}
        self.lock = threading.Lock()

    def _event(self, chanid: int) -> threading.Event:
        with self.lock:
            return self.ready.setdefault(chanid, threading.Event())

    def get_allowed_auths(self, username: str) -> str:
        # Cisco's client (jsxapi) logs in with keyboard-interactive only.
        if not self.sim.password_auth:
            return "keyboard-interactive,publickey"
        return "password,keyboard-interactive,publickey"

    def check_auth_password(self, username: str, password: str) -> int:
        if not self.sim.password_auth:
            return AUTH_FAILED
        return self._check(username, password)

    def _check(self, username: str, password: str) -> int:
        expected = self.sim.users.get(username)
        if expected is not None and hmac.compare_digest(expected.encode(), password.encode()):
            return AUTH_SUCCESSFUL
        return AUTH_FAILED

    def check_auth_interactive(self, username: str, submethods: str
                               ) -> int | InteractiveQuery:
        self.interactive_user = username
        return InteractiveQuery("", "", ("Password: ", False))

    def check_auth_interactive_response(self, responses: list[str]
                                        ) -> int | InteractiveQuery:
        if len(responses) != 1:
            return AUTH_FAILED
        return self._check(self.interactive_user, responses[0])

    def check_auth_publickey(self, username: str, key: paramiko.PKey) -> int:
        if any(key == allowed for allowed in self.sim.authorized_keys.get(username, ())):
            return AUTH_SUCCESSFUL
        return AUTH_FAILED

    def check_channel_request(self, kind: str, chanid: int) -> int:
        if kind == "session":
            return OPEN_SUCCEEDED
        return OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

    def check_channel_pty_request(self, channel: paramiko.Channel, term: bytes, width: int,
                                  height: int, pixelwidth: int, pixelheight: int,
                                  modes: bytes) -> bool:
        return True

    def check_channel_shell_request(self, channel: paramiko.Channel) -> bool:
        self.requests[channel.get_id()] = ("shell", "")
        self._event(channel.get_id()).set()
        return True

    def check_channel_exec_request(self, channel: paramiko.Channel, command: bytes) -> bool:
        self.requests[channel.get_id()] = ("exec", command.decode("utf-8", errors="replace"))
        self._event(channel.get_id()).set()
        return True


class CodecSimulator:
    """An SSH codec on ``host:port`` (port 0: ephemeral) speaking ``dialect``."""

    def __init__(
        self, dialect: str, *, host_key: paramiko.PKey, users: Mapping[str, str],
        authorized_keys: Mapping[str, Sequence[paramiko.PKey]] | None = None,
        model: CodecModel | None = None, faults: Faults | None = None,
        host: str = "127.0.0.1", port: int = 0, software: str = "ce9.15.0",
        family: str = "group", password_auth: bool = True,
    ) -> None:
        if dialect not in DIALECTS:
            raise ValueError(f"unknown dialect {dialect!r}; expected one of {sorted(DIALECTS)}")
        self.dialect = dialect
        #: xAPI software version the codec reports (``ce9.15.0``, ``tc7.3.6``, ``tc1.0``).
        self.software = software
        #: Poly family: ``group`` (RealPresence Group Series) or ``hdx``.
        self.family = family
        #: Offer the ``password`` method (keyboard-interactive and publickey always).
        self.password_auth = password_auth
        self.host_key = host_key
        self.users = dict(users)
        self.authorized_keys = {k: list(v) for k, v in (authorized_keys or {}).items()}
        self.model = model or CodecModel()
        self.faults = faults or Faults()
        self._new_shell()             # a bad software or family fails here, not per login
        self._bind = (host, port)
        self._sock: socket.socket | None = None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._transports: list[paramiko.Transport] = []
        self.connections = 0

    def _new_shell(self) -> Shell:
        if self.dialect == "xapi":
            return XapiShell(self.model, software=self.software)
        return PolycomShell(self.model, family=self.family)

    @property
    def address(self) -> tuple[str, int]:
        """(host, port) the server listens on."""
        if self._sock is None:
            raise RuntimeError("simulator not started")
        host, port = self._sock.getsockname()[:2]
        return str(host), int(port)

    def start(self) -> Self:
        """Listen and accept in a background thread."""
        sock = socket.create_server(self._bind)
        sock.settimeout(0.05)
        self._sock = sock
        self._spawn(self._accept_loop, "codec-sim-accept")
        return self

    def stop(self) -> None:
        """Close the listener, every connection and the model's timers."""
        self._stop.set()
        if self._sock is not None:
            self._sock.close()
        for transport in list(self._transports):
            transport.close()
        for thread in list(self._threads):
            thread.join(timeout=2.0)
        self.model.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def _spawn(self, target: Callable[..., None], name: str, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept_loop(self) -> None:
        assert self._sock is not None
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if self.faults.take("refuse_connections"):
                conn.close()
                continue
            self.connections += 1
            # Small replies must not wait for the client's delayed ACK (Nagle: ~40 ms).
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._spawn(self._serve_connection, "codec-sim-conn", conn)

    def _serve_connection(self, conn: socket.socket) -> None:
        transport = paramiko.Transport(conn)
        self._transports.append(transport)
        transport.add_server_key(self.host_key)
        server = _Server(self)
        try:
            transport.start_server(server=server)
            while not self._stop.is_set() and transport.is_active():
                channel = transport.accept(timeout=0.05)
                if channel is not None:
                    self._spawn(self._serve_channel, "codec-sim-chan", channel, server)
        except (paramiko.SSHException, OSError, EOFError) as exc:
            log.debug("connection ended: %s", exc)
        finally:
            transport.close()
            if transport in self._transports:
                self._transports.remove(transport)

    def _serve_channel(self, channel: paramiko.Channel, server: _Server) -> None:
        # The exec command is known only once the request event has fired (paramiko).
        if not server._event(channel.get_id()).wait(10.0):
            channel.close()
            return
        kind, command = server.requests.get(channel.get_id(), ("shell", ""))
        shell = self._new_shell()
        shell.interactive = kind == "shell"
        lock = threading.RLock()

        def listener(call: SimCall, old: str) -> None:
            text = shell.event(call, old)
            if text:
                with lock:
                    self._send(channel, text)

        self.model.subscribe(listener)
        try:
            if kind == "exec":
                self._respond(channel, shell, command, lock)
                channel.send_exit_status(0)
            else:
                self._shell_loop(channel, shell, lock)
                channel.send_exit_status(0)
        except (OSError, EOFError, paramiko.SSHException) as exc:
            log.debug("channel ended: %s", exc)
        finally:
            self.model.unsubscribe(listener)
            with contextlib.suppress(OSError, EOFError, paramiko.SSHException):
                channel.close()         # the client may have dropped the transport already

    def _shell_loop(self, channel: paramiko.Channel, shell: Shell, lock: threading.RLock
                    ) -> None:
        with lock:
            self._send(channel, shell.banner)
        channel.settimeout(0.05)
        buffer = ""
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        while not self._stop.is_set() and not channel.closed:
            try:
                data = channel.recv(4096)
            except TimeoutError:
                continue
            if not data:
                return
            buffer += decoder.decode(data)
            ends = _LINE_ENDS[self.dialect]
            while True:
                cut = min((i for i in (buffer.find(e) for e in ends) if i >= 0), default=-1)
                if cut < 0:
                    break
                line, buffer = buffer[:cut], buffer[cut + 1:]
                self._respond(channel, shell, line, lock)

    def _respond(self, channel: paramiko.Channel, shell: Shell, line: str,
                 lock: threading.RLock) -> None:
        if self.faults.silent:
            return
        if self.faults.slow_reply_s and line.strip():
            time.sleep(self.faults.slow_reply_s)
        with lock:
            before = ""
            if self.faults.interleave_events and line.strip():
                before = "".join(shell.event(c, c.state) or "" for c in self.model.calls())
            out = shell.handle(line)
            if out and self.faults.take("garbage_line"):
                out = self._with_garbage(out)
            out = before + out
            if out and self.faults.take("disconnect_mid_reply"):
                self._send(channel, out[: len(out) // 2])
                channel.get_transport().close()
                return
            self._send(channel, out)

    @staticmethod
    def _with_garbage(out: str) -> str:
        """Put a garbage line inside the reply: after Poly's echo, or after xAPI's ``*r``."""
        if out.lstrip().startswith("{"):
            at = 0                      # before a JSON reply
        elif "\n\r" in out:
            at = out.index("\n\r") + 2
        else:
            star = out.find("\n*")
            first = out.find("\n", star + 1 if star >= 0 else 0)
            at = first + 1 if first >= 0 else len(out)
        return out[:at] + GARBAGE + out[at:]

    @staticmethod
    def _send(channel: paramiko.Channel, text: str) -> None:
        if text and not channel.closed:
            channel.sendall(text.encode("utf-8"))
