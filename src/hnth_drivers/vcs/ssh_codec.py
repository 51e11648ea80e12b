"""Room codec drivers over SSH: one driver, parameterised by a dialect (data + parser).

The connection is a paramiko client from :func:`hnth_drivers.transport.ssh.ssh_connect`
(known hosts + RejectPolicy, modern algorithms) with one interactive shell channel; every
blocking call runs in a worker thread. One command at a time: the command is written, and
bytes are fed to the dialect's sans-I/O session until it reports the reply complete, with
a deadline per command. Asynchronous call-state events read on the way are kept
(:meth:`SshCodec.events`), never mistaken for replies.

A broken connection (closed mid-reply, timeout, garbage) is dropped; the next call
connects again. A :class:`DeviceError` (the codec refused the command) keeps it.
"""

from __future__ import annotations

import asyncio
import builtins
import collections
import logging
import socket
from dataclasses import dataclass
from typing import Any, ClassVar, Self

import paramiko

from ..driver import DeviceTarget, SecretSource
from ..errors import (
    ConfigError,
    ConnectError,
    DeviceError,
    HnthError,
    PolicyViolation,
    TimeoutError,
)
from ..model import Call, CallState, Capability, DeviceHealth, SignalProtocol
from ..security.audit import AuditLog
from ..security.policy import STRICT, SecurityPolicy
from ..transport.ssh import SshTarget, ssh_connect
from .base import Camera, Codec, RoomPresets
from .cli_dialect import CallEvent, Dialect, DialectSession, Notice, Reply
from .polycom import POLYCOM, PolycomSession
from .xapi import XAPI, XapiSession

__all__ = ["PolycomCodec", "SshCodec", "SshCodecOptions", "XapiCodec"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SshCodecOptions:
    """Per-driver settings: deadlines, call speed, how many cameras the room has."""

    command_timeout_s: float = 10.0
    dial_speed_kbps: int = 384
    cameras: int = 4
    keep_events: int = 256

    def __post_init__(self) -> None:
        if self.command_timeout_s <= 0:
            raise ConfigError("command timeout must be positive", operation="SshCodecOptions",
                              got=str(self.command_timeout_s))
        if not 1 <= self.cameras <= 7:
            raise ConfigError("a room has 1..7 cameras", operation="SshCodecOptions",
                              got=str(self.cameras))


class SshCodec(Codec):
    """A codec driven over an SSH command line in :attr:`dialect`."""

    dialect: ClassVar[Dialect]
    session_class: ClassVar[type[DialectSession]]

    @classmethod
    def from_target(cls, target: DeviceTarget, *, secrets: SecretSource,
                    policy: SecurityPolicy, audit: AuditLog | None) -> Self:
        """Build from a network file's codec entry (``docs/network.md``): ``host:port``,
        known-hosts file, user, password reference or key file; ``cameras`` option."""
        cameras = target.option("cameras", int)
        return cls(target.ssh_target(secrets), policy=policy,
                   options=SshCodecOptions(cameras=cameras) if cameras else None)

    def __init__(self, target: SshTarget, *, policy: SecurityPolicy = STRICT,
                 options: SshCodecOptions | None = None,
                 room_presets: RoomPresets | None = None) -> None:
        self.target = target
        self.policy = policy
        self.options = options or SshCodecOptions()
        self.room_presets = room_presets or RoomPresets()
        self._client: paramiko.SSHClient | None = None
        self._channel: paramiko.Channel | None = None
        self._session: DialectSession | None = None
        self._lock = asyncio.Lock()
        self._wanted_open = False
        self._events: collections.deque[CallEvent] = collections.deque(
            maxlen=self.options.keep_events)
        #: Camera selected on the codec (dialects that select before moving), per connection.
        self.selected_camera: int | None = None

    @property
    def device(self) -> str:
        """``host:port`` of the codec."""
        return self.target.label

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.device!r}, user={self.target.username!r})"

    # -- connection ----------------------------------------------------------------------
    async def open(self) -> None:
        """Connect, log in, open the shell and run the dialect's setup commands."""
        async with self._lock:
            self._wanted_open = True
            if not self.connected:
                await self._connect()

    async def close(self) -> None:
        """Close the shell and the SSH connection (idempotent)."""
        self._wanted_open = False
        self._drop()

    @property
    def connected(self) -> bool:
        """Whether a usable shell channel is open now."""
        chan = self._channel
        return chan is not None and not chan.closed and chan.get_transport().is_active()

    async def _connect(self) -> None:
        self._drop()
        client = await asyncio.to_thread(ssh_connect, self.policy, self.target)
        limit = self.target.connect_timeout
        try:
            # paramiko's invoke_shell() waits for the server's answer without a timeout;
            # closing the client below is what frees the worker thread.
            async with asyncio.timeout(limit):
                channel = await asyncio.to_thread(self._open_shell, client)
        except builtins.TimeoutError:
            client.close()
            raise TimeoutError("the codec did not open a shell", device=self.device,
                               operation="open shell",
                               expected=f"a shell within {limit} s") from None
        except BaseException:
            client.close()
            raise
        self._client, self._channel = client, channel
        self._session = self.session_class(self.dialect, device=self.device)
        self.selected_camera = None
        for operation in self.dialect.setup:
            await self._run(operation, {})

    def _open_shell(self, client: paramiko.SSHClient) -> paramiko.Channel:
        transport = client.get_transport()
        if transport is None or not transport.is_active():
            raise ConnectError("SSH transport closed after login", device=self.device,
                               operation="open shell")
        try:
            channel = transport.open_session(timeout=self.target.connect_timeout)
            channel.invoke_shell()
        except (paramiko.SSHException, OSError) as exc:
            raise ConnectError("the codec refused a shell", device=self.device,
                               operation="open shell", got=str(exc)[:200]) from None
        return channel

    def _drop(self) -> None:
        client, self._client, self._channel, self._session = self._client, None, None, None
        if client is not None:
            client.close()

    # -- one command ---------------------------------------------------------------------
    async def command(self, operation: str, **args: object) -> Any:
        """Run one dialect operation and return its parsed reply (reconnecting if needed)."""
        async with self._lock:
            if not self._wanted_open:
                raise ConnectError("the codec is not open", device=self.device,
                                   operation=operation, expected="open() or async with first")
            if not self.connected:
                await self._connect()
            return await self._run(operation, args)

    async def _run(self, operation: str, args: dict[str, object]) -> Any:
        session, channel = self._session, self._channel
        if session is None or channel is None:
            raise ConnectError("not connected", device=self.device, operation=operation)
        data = session.send(operation, **args)
        try:
            await asyncio.to_thread(self._send, channel, data, operation)
            loop = asyncio.get_running_loop()
            deadline = loop.time() + self.options.command_timeout_s
            while True:
                item = session.next_event()
                if isinstance(item, Reply):
                    return item.value
                if isinstance(item, CallEvent):
                    self._events.append(item)
                    continue
                if isinstance(item, Notice):
                    log.debug("%s: %s", self.device, item.text)
                    continue
                remaining = deadline - loop.time()
                if remaining <= 0:
                    raise self._timeout(operation)
                chunk = await asyncio.to_thread(self._recv, channel, remaining, operation)
                session.receive_data(chunk)
        except DeviceError:
            raise                       # the codec answered: the session is still in step
        except BaseException:
            self._drop()                # mid-reply state is unknown: reconnect next time
            raise

    def _timeout(self, operation: str) -> TimeoutError:
        return TimeoutError("no complete reply", device=self.device, operation=operation,
                            expected=f"the reply within {self.options.command_timeout_s} s")

    def _send(self, channel: paramiko.Channel, data: bytes, operation: str) -> None:
        try:
            channel.sendall(data)
        except (OSError, EOFError, paramiko.SSHException) as exc:
            raise ConnectError("connection lost while sending", device=self.device,
                               operation=operation, got=type(exc).__name__) from None

    def _recv(self, channel: paramiko.Channel, timeout: float, operation: str) -> bytes:
        channel.settimeout(timeout)
        try:
            data = channel.recv(65536)
        except (builtins.TimeoutError, socket.timeout):
            raise self._timeout(operation) from None
        except (OSError, EOFError, paramiko.SSHException) as exc:
            raise ConnectError("connection lost mid-reply", device=self.device,
                               operation=operation, got=type(exc).__name__) from None
        if not data:
            raise ConnectError("connection closed mid-reply", device=self.device,
                               operation=operation, expected="the rest of the reply",
                               got="end of stream")
        return data

    async def wait_for_call(self, call_id: str, state: CallState, timeout: float) -> None:
        """Return once the codec reports call ``call_id`` in ``state`` (read from its events,
        not polled); :class:`TimeoutError` after ``timeout`` seconds (the session stays up).
        """
        listed = {c.call_id: c.state for c in await self.calls()}
        if listed.get(call_id, CallState.DISCONNECTED) is state:
            return                      # a call that is not listed is disconnected
        async with self._lock:
            session, channel = self._session, self._channel
            if session is None or channel is None:
                raise ConnectError("not connected", device=self.device,
                                   operation="wait_for_call")
            loop = asyncio.get_running_loop()
            deadline = loop.time() + timeout
            while True:
                item = session.next_event()
                if isinstance(item, CallEvent):
                    self._events.append(item)
                    if item.call_id == call_id and item.state is state:
                        return
                    continue
                if isinstance(item, Reply | Notice):
                    continue
                remaining = deadline - loop.time()
                if remaining <= 0:
                    raise TimeoutError("the call did not reach the state", device=self.device,
                                       operation="wait_for_call",
                                       expected=f"call {call_id} {state.value} within "
                                       f"{timeout} s")
                try:
                    chunk = await asyncio.to_thread(self._recv, channel, remaining,
                                                    "wait_for_call")
                except TimeoutError:
                    continue            # no command was pending: the session is in step
                except BaseException:
                    self._drop()
                    raise
                session.receive_data(chunk)

    def events(self) -> list[CallEvent]:
        """Call-state events seen so far (oldest first, bounded)."""
        return list(self._events)

    # -- the Codec contract --------------------------------------------------------------
    async def dial(self, number: str, protocol: SignalProtocol = SignalProtocol.H323) -> Call:
        """Place a call; returns it as the codec first reports it (usually dialling)."""
        protocols = self.dialect.tables["protocols"]
        call: Call = await self.command("dial", number=number, protocol=protocols[protocol],
                                        speed=self.options.dial_speed_kbps)
        return call

    async def hang_up(self, call: str | None = None) -> None:
        """Hang up one call by id, or every call."""
        if call is None:
            await self.command("hang_up_all")
        else:
            await self.command("hang_up", call=call)

    async def calls(self) -> list[Call]:
        """The codec's calls that are not disconnected."""
        result: list[Call] = await self.command("calls")
        return result

    async def mute_microphones(self, on: bool) -> None:
        """Mute or unmute the room's microphones."""
        await self.command("mute" if on else "unmute")

    async def microphones_muted(self) -> bool:
        """Whether the room's microphones are muted."""
        return bool(await self.command("mute_state"))

    def camera(self, number: int = 1) -> Camera:
        """Camera ``number`` of the room, driven through this codec."""
        from .codec_camera import CodecCamera

        if isinstance(number, bool) or not 1 <= number <= self.options.cameras:
            raise ConfigError("no such camera", device=self.device, operation="camera",
                              expected=f"1..{self.options.cameras}", got=repr(number))
        return CodecCamera(self, number)

    async def health(self) -> DeviceHealth:
        """Reachability, uptime (where the dialect tells) and the number of active calls."""
        try:
            uptime = (await self.command("uptime") if "uptime" in self.dialect.commands
                      else None)
            active = len(await self.calls())
        except (ConnectError, TimeoutError) as exc:
            return DeviceHealth(self.device, False, detail={"error": exc.message})
        except (PolicyViolation, DeviceError):
            raise
        except HnthError as exc:
            return DeviceHealth(self.device, False, detail={"error": exc.message})
        return DeviceHealth(self.device, True, uptime_s=uptime, active_calls=active,
                            detail={"dialect": self.dialect.name})


_COMMON = frozenset({Capability.DIAL, Capability.HANG_UP, Capability.CALLS,
                     Capability.MUTE_MICROPHONES, Capability.CAMERA_CONTROL,
                     Capability.HEALTH})


class XapiCodec(SshCodec):
    """Cisco CE / RoomOS codec over SSH (xAPI)."""

    name: ClassVar[str] = "xapi"
    capabilities: ClassVar[frozenset[Capability]] = _COMMON | {Capability.CODEC_LAYOUT}
    dialect: ClassVar[Dialect] = XAPI
    session_class: ClassVar[type[DialectSession]] = XapiSession

    async def set_layout(self, family: str, *, target: str = "local") -> None:
        """``xCommand Video Layout LayoutFamily Set`` (auto, equal, prominent, ...)."""
        layouts = self.dialect.tables["layouts"]
        if family not in layouts or target not in ("local", "remote"):
            raise ConfigError("unknown layout family or target", device=self.device,
                              operation="set_layout",
                              expected=f"family in {sorted(layouts)}, target local|remote",
                              got=f"{family!r}, {target!r}")
        await self.command("layout", family=layouts[family], target=target)


class PolycomCodec(SshCodec):
    """Poly Group Series / HDX codec over SSH (port 22; telnet 24 is refused by policy)."""

    name: ClassVar[str] = "polycom"
    capabilities: ClassVar[frozenset[Capability]] = _COMMON
    dialect: ClassVar[Dialect] = POLYCOM
    session_class: ClassVar[type[DialectSession]] = PolycomSession
