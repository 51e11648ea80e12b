"""Test-only: a minimal paramiko SSH server (password auth, accepts one exec) on loopback."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import paramiko
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519


def make_host_key(path: Path) -> paramiko.Ed25519Key:
    """An Ed25519 host key written in OpenSSH format (paramiko cannot generate one)."""
    key = ed25519.Ed25519PrivateKey.generate()
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.OpenSSH,
                                       serialization.NoEncryption()))
    return paramiko.Ed25519Key.from_private_key_file(str(path))


class _Server(paramiko.ServerInterface):
    def __init__(self, password: str, stall_s: float = 0.0) -> None:
        self.password = password
        self.stall_s = stall_s

    def check_auth_password(self, username: str, password: str) -> int:
        time.sleep(self.stall_s)  # a login that stalls (a busy or hung codec)
        ok = username == "admin" and password == self.password
        return paramiko.AUTH_SUCCESSFUL if ok else paramiko.AUTH_FAILED

    def get_allowed_auths(self, username: str) -> str:
        return "password"

    def check_channel_request(self, kind: str, chanid: int) -> int:
        return paramiko.OPEN_SUCCEEDED


@contextmanager
def ssh_server(host_key: paramiko.PKey, password: str, *, stall_s: float = 0.0
               ) -> Iterator[int]:
    """Accept SSH connections on 127.0.0.1; yields the port. ``stall_s`` delays the
    answer to each password attempt."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    stop = threading.Event()
    transports: list[paramiko.Transport] = []

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            t = paramiko.Transport(conn)
            t.add_server_key(host_key)
            transports.append(t)
            try:
                t.start_server(server=_Server(password, stall_s))
            except (paramiko.SSHException, EOFError, OSError):
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        listener.close()
        for t in transports:
            t.close()
        thread.join(2)


def known_hosts_line(port: int, key: paramiko.PKey) -> str:
    return f"[127.0.0.1]:{port} {key.get_name()} {key.get_base64()}\n"
