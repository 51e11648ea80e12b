"""Room codec drivers over SSH: one driver, parameterised by a dialect (data + parser).

The connection is a paramiko client from :func:`hnth_drivers.transport.ssh.ssh_connect`
(known hosts + RejectPolicy, modern algorithms) with one interactive shell channel.
Connecting and opening the shell run in a worker thread; replies are awaited in the event
loop on the channel's pipe and taken without blocking; a command line is written at once
when paramiko can take it without waiting, else from a worker thread (see
:meth:`SshCodec._write`). One command at a time: the command is written, and
bytes are fed to the dialect's sans-I/O session until it reports the reply complete, with
a deadline per command. Asynchronous call-state events read on the way are kept
(:meth:`SshCodec.events`), never mistaken for replies.

A broken connection (closed mid-reply, timeout, garbage) is dropped; the next call
connects again. A :class:`DeviceError` (the codec refused the command) keeps it, and so does
a timeout where replies carry their request's tag (xAPI in JSON mode): a late reply is then
recognised as stale.
"""

from __future__ import annotations

import asyncio
import builtins
import collections
import dataclasses
import logging
from dataclasses import dataclass
from typing import Any, ClassVar, Self

import paramiko

from ..driver import DeviceTarget, SecretSource
from ..errors import (
    ConfigError,
    ConnectError,
    DeviceError,
    DeviceTimeout,
    HnthError,
    NotSupported,
    PolicyViolation,
)
from ..model import Call, CallState, Capability, DeviceHealth, SignalProtocol
from ..security.audit import AuditLog
from ..security.policy import STRICT, SecurityPolicy
from ..transport.ssh import SshTarget, ssh_connect
from .base import Camera, Codec, RoomPresets
from .cli_dialect import CallEvent, Dialect, DialectSession, Notice, Reply
from .polycom import POLYCOM, POLYCOM_HDX, PolycomSession
from .xapi import XAPI, Software, XapiSession

__all__ = ["PolycomCodec", "SshCodec", "SshCodecOptions", "XapiCodec"]

log = logging.getLogger(__name__)


OUTPUT_MODES = ("auto", "terminal", "json")
POLY_FAMILIES = ("group", "hdx")


@dataclass(frozen=True)
class SshCodecOptions:
    """Per-driver settings: deadlines, call speed, cameras, pacing, output mode, family.

    ``pacing_s``: the least time between the end of one command and the next (None: the
    dialect's documented default, 0.2 s for Poly, 0 for xAPI). ``output`` (xAPI): ``auto``
    talks JSON where the codec offers it (CE), ``terminal`` never, ``json`` insists.
    ``family`` (Poly): ``group`` (RealPresence Group Series) or ``hdx``.
    """

    command_timeout_s: float = 10.0
    dial_speed_kbps: int = 384
    cameras: int = 4
    keep_events: int = 256
    pacing_s: float | None = None
    output: str = "auto"
    family: str = "group"

    def __post_init__(self) -> None:
        if self.command_timeout_s <= 0:
            raise ConfigError("command timeout must be positive", operation="SshCodecOptions",
                              got=str(self.command_timeout_s))
        if self.pacing_s is not None and not 0 <= self.pacing_s <= 5:
            raise ConfigError("pacing is 0..5 s", operation="SshCodecOptions",
                              got=str(self.pacing_s))
        if self.output not in OUTPUT_MODES or self.family not in POLY_FAMILIES:
            raise ConfigError("unknown output mode or family", operation="SshCodecOptions",
                              expected=f"output in {OUTPUT_MODES}, family in {POLY_FAMILIES}",
                              got=f"{self.output!r}, {self.family!r}")
        if not 1 <= self.cameras <= 7:
            raise ConfigError("a room has 1..7 cameras", operation="SshCodecOptions",
                              got=str(self.cameras))


class SshCodec(Codec):
    """A codec driven over an SSH command line in :attr:`dialect`."""

    default_dialect: ClassVar[Dialect]
    session_class: ClassVar[type[DialectSession]]

    @classmethod
    def from_target(cls, target: DeviceTarget, *, secrets: SecretSource,
                    policy: SecurityPolicy, audit: AuditLog | None) -> Self:
        """Build from a network file's codec entry (``docs/network.md``): ``host:port``,
        known-hosts file, user, password reference or key file; options ``cameras``,
        ``timeout_s`` (connect and per command) and ``family`` (Poly)."""
        settings: dict[str, Any] = {}
        if cameras := target.option("cameras", int):
            settings["cameras"] = cameras
        if family := target.option("family", str):
            settings["family"] = family
        ssh = target.ssh_target(secrets)
        if timeout := target.option("timeout_s", float):
            settings["command_timeout_s"] = timeout
            ssh = dataclasses.replace(ssh, connect_timeout=timeout)
        return cls(ssh, policy=policy, options=SshCodecOptions(**settings) if settings else None)

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
        self._ready_at = 0.0

    @property
    def dialect(self) -> Dialect:
        """The command set in use (for xAPI: TC or CE, known once logged in)."""
        return self._session.dialect if self._session is not None else self._base_dialect()

    def _base_dialect(self) -> Dialect:
        return self.default_dialect

    @property
    def pacing_s(self) -> float:
        """Least time between one command's end and the next command."""
        if self.options.pacing_s is not None:
            return self.options.pacing_s
        return float(self.dialect.tables.get("pacing_s", {}).get("default", 0.0))

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
            raise DeviceTimeout("the codec did not open a shell", device=self.device,
                               operation="open shell",
                               expected=f"a shell within {limit} s") from None
        except BaseException:
            client.close()
            raise
        self._client, self._channel = client, channel
        self._session = self.session_class(self._base_dialect(), device=self.device)
        self.selected_camera = None
        try:
            await self._login()
            for operation in self.dialect.setup:
                await self._run(operation, {})
        except BaseException:
            self._drop()
            raise

    async def _login(self) -> None:
        """What the dialect does between opening the shell and its setup commands."""

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
        loop = asyncio.get_running_loop()
        wait = self._ready_at - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)   # the pacing the codec's guide asks for
        data = session.send(operation, **args)
        return await self._exchange(data, operation)

    async def _exchange(self, data: bytes | None, operation: str) -> Any:
        """Write ``data`` (if any) and read until the session has the reply."""
        session, channel = self._session, self._channel
        if session is None or channel is None:
            raise ConnectError("not connected", device=self.device, operation=operation)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.options.command_timeout_s
        try:
            if data is not None:
                await self._write(channel, data, operation)
            while True:
                item = session.next_event()
                if isinstance(item, Reply):
                    self._ready_at = loop.time() + self.pacing_s
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
                chunk = await self._read(channel, remaining, operation)
                session.receive_data(chunk)
        except DeviceError:
            self._ready_at = loop.time() + self.pacing_s
            raise                       # the codec answered: the session is still in step
        except DeviceTimeout:
            if session.resumable and self.connected:
                session.abandon()       # tagged replies: a late one is recognised, not used
            else:
                self._drop()
            raise
        except BaseException:
            self._drop()                # mid-reply state is unknown: reconnect next time
            raise

    def _timeout(self, operation: str) -> DeviceTimeout:
        return DeviceTimeout("no complete reply", device=self.device, operation=operation,
                            expected=f"the reply within {self.options.command_timeout_s} s")

    def _send(self, channel: paramiko.Channel, data: bytes, operation: str) -> None:
        try:
            channel.settimeout(self.options.command_timeout_s)
            channel.sendall(data)
        except (OSError, EOFError, paramiko.SSHException) as exc:
            raise ConnectError("connection lost while sending", device=self.device,
                               operation=operation, got=type(exc).__name__) from None

    async def _write(self, channel: paramiko.Channel, data: bytes, operation: str) -> None:
        """Write a command line. A short line that paramiko can take at once (send window
        open, no key exchange under way) is written here: that only queues one packet on a
        socket whose buffer is empty between commands. Anything else goes to a worker thread.
        """
        transport = channel.get_transport()
        if (len(data) <= 1024 and channel.send_ready() and transport.is_active()
                and transport.clear_to_send.is_set()):
            self._send(channel, data, operation)
        else:
            await asyncio.to_thread(self._send, channel, data, operation)

    async def _read(self, channel: paramiko.Channel, timeout: float, operation: str) -> bytes:
        """The next bytes from the codec. The event loop waits on the channel's pipe (set by
        paramiko when it has buffered data or the channel closed), then takes what is there
        without blocking: no worker thread, no polling."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not (channel.recv_ready() or channel.closed or channel.eof_received):
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise self._timeout(operation)
            ready: asyncio.Future[None] = loop.create_future()
            fd = channel.fileno()
            loop.add_reader(fd, _settle, ready)
            try:
                async with asyncio.timeout(remaining):
                    await ready
            except builtins.TimeoutError:
                raise self._timeout(operation) from None
            finally:
                loop.remove_reader(fd)
        return self._recv(channel, 0.0, operation)

    def _recv(self, channel: paramiko.Channel, timeout: float, operation: str) -> bytes:
        channel.settimeout(timeout)
        try:
            data = channel.recv(65536)
        except TimeoutError:
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
        not polled); :class:`DeviceTimeout` after ``timeout`` seconds (the session stays up).
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
                    raise DeviceTimeout("the call did not reach the state", device=self.device,
                                       operation="wait_for_call",
                                       expected=f"call {call_id} {state.value} within "
                                       f"{timeout} s")
                try:
                    chunk = await self._read(channel, remaining, "wait_for_call")
                except DeviceTimeout:
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
        except (ConnectError, DeviceTimeout) as exc:
            return DeviceHealth(self.device, False, detail={"error": exc.message})
        except (PolicyViolation, DeviceError):
            raise
        except HnthError as exc:
            return DeviceHealth(self.device, False, detail={"error": exc.message})
        return DeviceHealth(self.device, True, uptime_s=uptime, active_calls=active,
                            detail={"dialect": self.dialect.name})


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


_COMMON = frozenset({Capability.DIAL, Capability.HANG_UP, Capability.CALLS,
                     Capability.MUTE_MICROPHONES, Capability.CAMERA_CONTROL,
                     Capability.HEALTH})


class XapiCodec(SshCodec):
    """Cisco TC / CE codec over SSH (xAPI), logging in as Cisco's own client does.

    After the shell opens: wait for the banner's ``OK`` (its ``Release`` line names the
    software), ``echo off`` and its ``OK``, then, where the codec offers JSON (CE) and
    ``options.output`` allows, ``xpreferences outputmode json``: requests are then tagged
    ``| resultId="n"`` and matched to the reply carrying that ``ResultId``.
    """

    name: ClassVar[str] = "xapi"
    capabilities: ClassVar[frozenset[Capability]] = _COMMON | {Capability.CODEC_LAYOUT}
    default_dialect: ClassVar[Dialect] = XAPI
    session_class: ClassVar[type[DialectSession]] = XapiSession

    @property
    def software(self) -> Software | None:
        """The software version the codec announced at login (None before, or if none)."""
        session = self._session
        return session.software if isinstance(session, XapiSession) else None

    async def _login(self) -> None:
        session = self._session
        assert isinstance(session, XapiSession)
        session.await_login()
        software = await self._exchange(None, "login")
        await self._run("echo_off", {})
        offered = software is not None and software.json
        if self.options.output == "json" and not offered:
            raise NotSupported("the codec offers no JSON output", device=self.device,
                               operation="login", expected="CE software",
                               got=str(software or "no release in the banner"))
        if self.options.output != "terminal" and offered:
            # As jsxapi does: the session is JSON from here on, no reply is awaited.
            channel = self._channel
            assert channel is not None
            await self._write(channel, session.use_json(), "output_json")

    async def health(self) -> DeviceHealth:
        """As :meth:`SshCodec.health`, with the software version and output mode."""
        health = await super().health()
        if health.reachable and isinstance(self._session, XapiSession):
            detail = dict(health.detail)
            detail.update(software=str(self.software), output="json" if self._session.json
                          else "terminal")
            health = dataclasses.replace(health, detail=detail)
        return health

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
    """Poly Group Series / HDX codec over SSH (port 22; telnet 24 is refused by policy).

    ``options.family`` picks the command set (HDX: cameras 1..6, continuous move mode set
    at login); commands are paced ``pacing_s`` apart (0.2 s by default, as the guide asks).
    """

    name: ClassVar[str] = "polycom"
    capabilities: ClassVar[frozenset[Capability]] = _COMMON
    default_dialect: ClassVar[Dialect] = POLYCOM
    session_class: ClassVar[type[DialectSession]] = PolycomSession

    def _base_dialect(self) -> Dialect:
        return POLYCOM_HDX if self.options.family == "hdx" else POLYCOM

    async def far_preset(self, number: int, *, store: bool = False) -> None:
        """``preset far go|set {0..15}``: move (or store) the far site's camera preset."""
        bounds = self.dialect.tables["far_presets"]
        if isinstance(number, bool) or not isinstance(number, int) or not (
                bounds["min"] <= number <= bounds["max"]):
            raise ConfigError("far preset out of range", device=self.device,
                              operation="far_preset",
                              expected=f"{bounds['min']}..{bounds['max']}", got=repr(number))
        await self.command("far_preset_store" if store else "far_preset_activate",
                           preset=number)
