"""SSH failures are one typed error each: a stalled login is a timeout (not "authentication
failed"), binary known_hosts and key files are typed, and paramiko prints no traceback of
its own before ours (issue #18 items 7 and 8)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from hnth_drivers.errors import AuthError, ConfigError, DeviceTimeout, PolicyViolation
from hnth_drivers.security.policy import STRICT
from hnth_drivers.security.secrets import Secret
from hnth_drivers.transport.ssh import SshTarget, ssh_connect
from tests.unit.ssh_fixtures import known_hosts_line, make_host_key, ssh_server


def target(tmp_path: Path, port: int, known: bytes, *, timeout: float = 5.0,
           key_file: Path | None = None) -> SshTarget:
    kh = tmp_path / "known_hosts"
    kh.write_bytes(known)
    return SshTarget("127.0.0.1", "admin", kh, port=port, password=Secret("s3cret-pw"),
                     key_file=key_file, connect_timeout=timeout)


def test_stalled_login_is_a_timeout_not_an_auth_failure(tmp_path: Path) -> None:
    key = make_host_key(tmp_path / "host")
    with ssh_server(key, "s3cret-pw", stall_s=3.0) as port, \
            pytest.raises(DeviceTimeout, match="login timed out") as info:
        ssh_connect(STRICT, target(tmp_path, port, known_hosts_line(port, key).encode(),
                                   timeout=0.5))
    assert not isinstance(info.value, AuthError)


@pytest.mark.parametrize("content", [b"\xff\xfe\x00binary" * 100,
                                     b"[127.0.0.1]:2222 ssh-ed25519 [1, 2, 3]\n"])
def test_unreadable_known_hosts_is_a_config_error(tmp_path: Path, content: bytes) -> None:
    with pytest.raises(ConfigError, match="unreadable known-hosts") as info:
        ssh_connect(STRICT, target(tmp_path, 2222, content))
    assert not isinstance(info.value, PolicyViolation)


def test_binary_key_file_is_a_config_error(tmp_path: Path) -> None:
    key = make_host_key(tmp_path / "host")
    bad_key = tmp_path / "id"
    bad_key.write_bytes(b"\x00\xff" * 300)
    with ssh_server(key, "s3cret-pw") as port, pytest.raises((ConfigError, AuthError)):
        ssh_connect(STRICT, target(tmp_path, port, known_hosts_line(port, key).encode(),
                                   key_file=bad_key))


def test_paramiko_prints_no_traceback_before_our_error(tmp_path: Path) -> None:
    """A peer that is not an SSH server: paramiko logs a traceback at ERROR; nothing of it
    may reach stderr, only our typed error."""
    script = textwrap.dedent(f"""
        import socket, threading
        from pathlib import Path
        from hnth_drivers.errors import HnthError
        from hnth_drivers.security.policy import STRICT
        from hnth_drivers.security.secrets import Secret
        from hnth_drivers.transport.ssh import SshTarget, ssh_connect
        srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
        port = srv.getsockname()[1]
        def answer():
            conn, _ = srv.accept(); conn.sendall(b"HTTP/1.1 400 Bad\\r\\n\\r\\n" * 200)
            conn.close()
        threading.Thread(target=answer, daemon=True).start()
        kh = Path({str(tmp_path)!r}) / "kh"
        kh.write_text(f"[127.0.0.1]:{{port}} ssh-ed25519 "
                      "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\\n")
        try:
            ssh_connect(STRICT, SshTarget("127.0.0.1", "admin", kh, port=port,
                                          password=Secret("pw-pw-pw"), connect_timeout=3))
        except HnthError as exc:
            print("typed:", type(exc).__name__)
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, check=False)
    assert proc.stdout.startswith("typed:"), proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and "paramiko" not in proc.stderr, proc.stderr
