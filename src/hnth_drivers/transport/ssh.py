"""SSH clients that the security policy allows (paramiko), and the refusal of telnet.

Host keys are checked against a known-hosts file (OpenSSH format, ``[host]:port`` for
ports other than 22) with ``RejectPolicy``: an unknown key and a changed key are both
refused with :class:`PolicyViolation`. No agent, no hunting for keys in ``~/.ssh``;
SHA-1, CBC and DSA algorithms are disabled. paramiko is blocking: call
:func:`ssh_connect` from a worker thread (``asyncio.to_thread``).

While :data:`ssh_hook` is set (record and replay, :mod:`hnth_drivers.testing`),
:func:`ssh_connect` hands it the target and the connection it would make: a recorder
makes it (every check above applies) and wraps the client; a replay returns a client
that sends nothing.
"""

from __future__ import annotations

import asyncio
import builtins
import logging
import socket
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

import paramiko

from ..errors import AuthError, ConfigError, ConnectError, DeviceTimeout, PolicyViolation
from ..security.policy import SecurityPolicy, WaiverKind
from ..security.secrets import Secret

__all__ = ["SshHook", "SshTarget", "open_telnet", "ssh_connect", "ssh_hook"]

# paramiko logs every failed negotiation with a traceback (logger "paramiko.transport",
# level ERROR); without a handler of the application's, Python's last-resort handler
# prints them on stderr before our one-line typed error. A NullHandler keeps them out of
# stderr by default; an application that configures logging still sees them.
logging.getLogger("paramiko").addHandler(logging.NullHandler())


@dataclass(frozen=True)
class SshTarget:
    """Where and how to log in. Give a password or a private key file (or both)."""

    host: str
    username: str
    known_hosts: Path
    port: int = 22
    password: Secret | None = field(default=None, repr=False)
    key_file: Path | None = None
    key_passphrase: Secret | None = field(default=None, repr=False)
    connect_timeout: float = 10.0
    keepalive_s: int = 15

    def __post_init__(self) -> None:
        if not 0 < self.port < 65536:
            raise ConfigError("invalid SSH port", operation="SshTarget",
                              expected="1..65535", got=str(self.port))
        if self.password is None and self.key_file is None:
            raise ConfigError("SSH needs a password or a key file", operation="SshTarget",
                              device=self.label)
        if self.connect_timeout <= 0:
            raise ConfigError("connect timeout must be positive", operation="SshTarget",
                              got=str(self.connect_timeout))

    @property
    def label(self) -> str:
        """``host:port`` for messages."""
        return f"{self.host}:{self.port}"


#: ``hook(target, connect)``: the client :func:`ssh_connect` returns; ``connect()`` makes
#: the real, checked connection.
SshHook = Callable[[SshTarget, Callable[[], paramiko.SSHClient]], paramiko.SSHClient]
#: Set by the recorder and the replay of :mod:`hnth_drivers.testing` (None otherwise).
#: ``asyncio.to_thread`` carries it into the worker thread that connects.
ssh_hook: ContextVar[SshHook | None] = ContextVar("hnth_ssh_hook", default=None)


def _known_hosts_entry(target: SshTarget) -> str:
    return target.host if target.port == 22 else f"[{target.host}]:{target.port}"


def ssh_connect(policy: SecurityPolicy, target: SshTarget) -> paramiko.SSHClient:
    """Connect and authenticate (blocking). Typed errors for every failure."""
    if target.port in (23, 24):
        raise PolicyViolation("telnet ports are not SSH", device=target.label,
                              operation="ssh connect", expected="an SSH port",
                              got=str(target.port))
    hook = ssh_hook.get()
    if hook is not None:
        return hook(target, lambda: _connect(policy, target))
    return _connect(policy, target)


def _connect(policy: SecurityPolicy, target: SshTarget) -> paramiko.SSHClient:
    label = target.label
    if not Path(target.known_hosts).is_file():
        raise PolicyViolation("SSH needs a known-hosts file to verify the server",
                              device=label, operation="ssh connect",
                              expected="an existing known_hosts file",
                              got=str(target.known_hosts))
    if target.key_file is not None and not Path(target.key_file).is_file():
        raise ConfigError("SSH key file not found", device=label, operation="ssh connect",
                          expected="a private key file", got=str(target.key_file))
    client = paramiko.SSHClient()
    try:
        client.load_host_keys(str(target.known_hosts))
    except (OSError, paramiko.SSHException, paramiko.hostkeys.InvalidHostKey,
            ValueError) as exc:  # a binary file: UnicodeDecodeError
        raise ConfigError("unreadable known-hosts file", device=label,
                          operation="ssh connect", expected="an OpenSSH known_hosts file",
                          got=f"{target.known_hosts} ({type(exc).__name__})") from None
    if client.get_host_keys().lookup(_known_hosts_entry(target)) is None:
        raise PolicyViolation("unknown SSH host key: the host is not in the known-hosts file",
                              device=label, operation="ssh connect",
                              expected=f"an entry for {_known_hosts_entry(target)}",
                              got="none")
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    try:
        # Our own socket, to turn Nagle off: the CLI's small request/reply exchanges
        # otherwise stall ~40 ms on delayed ACKs during shell set-up.
        sock = socket.create_connection((target.host, target.port),
                                        timeout=target.connect_timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        client.connect(
            target.host, port=target.port, username=target.username,
            password=target.password.reveal() if target.password else None,
            key_filename=str(target.key_file) if target.key_file else None,
            passphrase=target.key_passphrase.reveal() if target.key_passphrase else None,
            timeout=target.connect_timeout, banner_timeout=target.connect_timeout,
            auth_timeout=target.connect_timeout, channel_timeout=target.connect_timeout,
            allow_agent=False, look_for_keys=False,
            disabled_algorithms=policy.ssh_disabled_algorithms, sock=sock,
        )
    except paramiko.BadHostKeyException:
        client.close()
        raise PolicyViolation("SSH host key changed: possible impersonation", device=label,
                              operation="ssh connect", expected="the known host key",
                              got="a different key") from None
    except paramiko.AuthenticationException as exc:
        client.close()
        if "timeout" in str(exc).lower():  # paramiko: "Authentication timeout."
            raise DeviceTimeout("SSH login timed out (the server did not answer the "
                               "authentication)", device=label, operation="ssh connect",
                               expected=f"an answer within {target.connect_timeout} s"
                               ) from None
        raise AuthError("SSH authentication failed", device=label, operation="ssh connect",
                        expected=f"valid credentials for {target.username!r}") from None
    except TimeoutError:
        client.close()
        raise DeviceTimeout("SSH connect timed out", device=label, operation="ssh connect",
                           expected=f"an answer within {target.connect_timeout} s") from None
    except paramiko.SSHException as exc:
        client.close()
        text = str(exc)
        if "not found in known_hosts" in text:
            raise PolicyViolation("unknown SSH host key", device=label,
                                  operation="ssh connect") from None
        raise ConnectError("SSH negotiation failed", device=label, operation="ssh connect",
                           got=text[:200]) from None
    except (ValueError, IndexError, TypeError) as exc:  # e.g. a binary private key file
        client.close()
        raise ConfigError("unusable SSH key file", device=label, operation="ssh connect",
                          expected="an OpenSSH or PEM private key",
                          got=type(exc).__name__) from None
    except OSError as exc:
        client.close()
        raise ConnectError("cannot reach the SSH server", device=label,
                           operation="ssh connect", got=exc.strerror or type(exc).__name__
                           ) from None
    transport = client.get_transport()
    if transport is not None:
        transport.set_keepalive(target.keepalive_s)
    return client


async def open_telnet(
    policy: SecurityPolicy, host: str, port: int, *, device: str | None = None,
    timeout: float = 10.0,
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A plaintext TCP stream for a legacy telnet CLI: refused unless a waiver names it."""
    label = device or f"{host}:{port}"
    policy.require_waiver(label, WaiverKind.TELNET, "open telnet")
    try:
        return await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    except builtins.TimeoutError:
        raise DeviceTimeout("telnet connect timed out", device=label,
                           operation="open telnet") from None
    except OSError as exc:
        raise ConnectError("cannot reach the device", device=label, operation="open telnet",
                           got=exc.strerror or type(exc).__name__) from None
