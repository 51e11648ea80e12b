"""The simulator's SNMPv3 agent: a pysnmp command responder serving live device state.

One UDP socket serves many simulated devices, one SNMPv3 *context* per device (the
context name is the device name; the empty context is the first device, so tools that
send no context read it). Only SNMPv3 users at authPriv with SHA-256 and AES-128 are
configured: there is no community, so v1/v2c requests are dropped unanswered, and VACM
grants read access at the authPriv level only.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Sequence
from types import TracebackType
from typing import Any

from pysnmp.carrier.asyncio.dgram import udp
from pysnmp.entity import config, engine
from pysnmp.entity.rfc3413 import cmdrsp, context
from pysnmp.error import PySnmpError
from pysnmp.proto import rfc1905
from pysnmp.proto.api import v2c
from pysnmp.proto.rfc1902 import ObjectName

from hnth_drivers.errors import ConfigError, ConnectError

from .device import SimDevice
from .mib import MibView

__all__ = ["SnmpAgent", "devices_named"]

_USM_MODEL = 3
_AUTH_PRIV = 3  # SnmpSecurityLevel authPriv
_VIEW = "hnthSimView"
_GROUP = "hnthSimReaders"
_RCVBUF = 4 * 1024 * 1024
_REQUEST_CONTEXT = "rfc3412.receiveMessage:request"


class _DeviceInstrumentation:
    """pysnmp's MIB instrumentation interface, answered from one device's live state."""

    def __init__(self, device: SimDevice) -> None:
        self.device = device

    def _allowed(self, name: Any, value: Any, idx: int, ctx: dict[str, Any]) -> bool:
        ac_fun = ctx.get("acFun")
        if ac_fun is None:
            return True
        # verify_access raises AuthorizationError, or returns True when not in the view.
        return not ac_fun("read", (name, value), **{**ctx, "idx": idx})

    def read_variables(self, *var_binds: Any, **ctx: Any) -> list[tuple[Any, Any]]:
        """GET: each requested instance, or noSuchObject."""
        view = MibView(self.device)
        out: list[tuple[Any, Any]] = []
        for idx, (name, _) in enumerate(var_binds):
            value = view.get(tuple(name))
            if value is None or not self._allowed(name, value, idx, ctx):
                value = rfc1905.noSuchObject
            out.append((name, value))
        return out

    def read_next_variables(self, *var_binds: Any, **ctx: Any) -> list[tuple[Any, Any]]:
        """GETNEXT (and each GETBULK step): the next instance in view, or endOfMibView."""
        view = MibView(self.device)
        out: list[tuple[Any, Any]] = []
        for idx, (name, _) in enumerate(var_binds):
            oid = tuple(name)
            while True:
                found = view.next(oid)
                if found is None:
                    out.append((name, rfc1905.endOfMibView))
                    break
                oid, value = found
                if self._allowed(ObjectName(oid), value, idx, ctx):
                    out.append((ObjectName(oid), value))
                    break
        return out


class _Faults:
    """Per-request faults of the simulated devices, wrapped around pysnmp's responders.

    Decided once per request (a GETBULK reads the MIB many times): drop (a silent or
    lossy device), reply late (latency and jitter), or answer genErr (a failing device).
    Raising PySnmpError (not an SMI error) from the operation makes pysnmp's responder
    drop the request without an answer; a late reply is sent from a timer.
    """

    def __init__(self, by_context: dict[bytes, SimDevice]) -> None:
        self.by_context = by_context
        self.timers: set[asyncio.TimerHandle] = set()

    def wrap(self, responder: Any) -> None:
        handle = responder.handle_management_operation
        # pysnmp keeps each request's state in a name-mangled dict and releases it when
        # the operation returns; a late reply puts it back before answering.
        pending: dict[Any, Any] = responder._CommandResponderBase__pendingReqs

        def answer(snmp: Any, state_ref: Any, context_name: Any, pdu: Any,
                   device: SimDevice) -> None:
            if device.answer_with_error:
                responder.send_varbinds(snmp, state_ref, "genErr", 1,
                                        v2c.apiPDU.get_varbinds(pdu))
                responder.release_state_information(state_ref)
                return
            handle(snmp, state_ref, context_name, pdu)

        def with_faults(snmp: Any, state_ref: Any, context_name: Any, pdu: Any) -> None:
            device = self.by_context.get(bytes(context_name))
            if device is None:
                handle(snmp, state_ref, context_name, pdu)
                return
            if not device.answers():
                raise PySnmpError("simulated device does not answer")
            delay = device.reply_delay()
            if delay <= 0:
                answer(snmp, state_ref, context_name, pdu, device)
                return
            saved = pending[state_ref]
            # Access control reads the request's execution context, gone by then: keep it.
            exec_ctx = snmp.observer.get_execution_context(_REQUEST_CONTEXT)

            def late() -> None:
                self.timers.discard(timer)
                pending[state_ref] = saved
                snmp.observer.store_execution_context(snmp, _REQUEST_CONTEXT, exec_ctx)
                try:
                    answer(snmp, state_ref, context_name, pdu, device)
                except PySnmpError:
                    responder.release_state_information(state_ref)
                finally:
                    snmp.observer.clear_execution_context(snmp, _REQUEST_CONTEXT)

            timer = asyncio.get_running_loop().call_later(delay, late)
            self.timers.add(timer)
            raise PySnmpError("reply deferred")

        responder.handle_management_operation = with_faults

    def cancel(self) -> None:
        """Forget replies not yet sent (the agent is stopping)."""
        for timer in self.timers:
            timer.cancel()
        self.timers.clear()


class SnmpAgent:
    """An SNMPv3 agent for ``devices`` on ``host:port`` (port 0: an ephemeral port).

    ``async with SnmpAgent(...) as agent`` starts it; ``agent.address`` is then the bound
    ``(host, port)``. Keys are passphrases of at least 8 characters (RFC 3414).
    """

    def __init__(self, devices: Sequence[SimDevice], *, host: str = "127.0.0.1",
                 port: int = 0, user: str = "admin", auth_key: str, priv_key: str) -> None:
        if not devices:
            raise ConfigError("an agent serves at least one device", operation="SnmpAgent")
        names = [d.name for d in devices]
        if len(set(names)) != len(names):
            raise ConfigError("device names must be distinct (they are context names)",
                              operation="SnmpAgent", got=str(len(names) - len(set(names))))
        if len(auth_key) < 8 or len(priv_key) < 8:
            raise ConfigError("SNMPv3 keys are at least 8 characters", operation="SnmpAgent",
                              expected="auth and privacy passphrases of 8+ characters")
        self.devices = {d.name: d for d in devices}
        self._host, self._port = host, port
        self._user = user
        self._keys = (auth_key, priv_key)
        self._engine: Any = None
        self._faults: _Faults | None = None
        self._sock: socket.socket | None = None
        self.address: tuple[str, int] = (host, port)

    def device(self, name: str) -> SimDevice:
        """The simulated device named ``name`` (to inject state changes)."""
        try:
            return self.devices[name]
        except KeyError:
            raise ConfigError("no such simulated device", operation="SnmpAgent.device",
                              got=name) from None

    async def start(self) -> None:
        """Bind the socket, configure users, VACM and contexts, and start answering."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, _RCVBUF)
            sock.bind((self._host, self._port))
        except OSError as exc:
            sock.close()
            raise ConnectError("cannot bind the SNMP agent socket",
                               device=f"{self._host}:{self._port}", operation="start",
                               got=exc.strerror or type(exc).__name__) from None
        sock.setblocking(False)
        self._sock = sock
        self.address = sock.getsockname()[:2]
        snmp = engine.SnmpEngine()
        transport = udp.UdpTransport().open_server_mode(sock=sock)
        config.add_transport(snmp, udp.DOMAIN_NAME, transport)
        auth_key, priv_key = self._keys
        config.add_v3_user(snmp, self._user, config.USM_AUTH_HMAC192_SHA256, auth_key,
                           config.USM_PRIV_CFB128_AES, priv_key)
        config.add_vacm_group(snmp, _GROUP, _USM_MODEL, self._user)
        # Prefix match on the empty prefix: every registered context, authPriv only.
        config.add_vacm_access(snmp, _GROUP, b"", _USM_MODEL, _AUTH_PRIV, "prefix", _VIEW,
                               "", "")
        config.add_vacm_view(snmp, _VIEW, "included", (1, 3, 6, 1), b"")
        config.add_context(snmp, b"")
        snmp_context = context.SnmpContext(snmp)
        first = True
        for dev in self.devices.values():
            instrumentation = _DeviceInstrumentation(dev)
            config.add_context(snmp, dev.name)
            snmp_context.register_context_name(dev.name, instrumentation)
            if first:
                snmp_context.context_names[b""] = instrumentation
                first = False
        by_context = {dev.name.encode(): dev for dev in self.devices.values()}
        by_context[b""] = next(iter(self.devices.values()))
        self._faults = _Faults(by_context)
        for responder in (cmdrsp.GetCommandResponder, cmdrsp.NextCommandResponder,
                          cmdrsp.BulkCommandResponder):
            self._faults.wrap(responder(snmp, snmp_context))
        snmp.transport_dispatcher.job_started(1)
        self._engine = snmp
        # The datagram endpoint is created by a task: wait until it is in place.
        for _ in range(200):
            if transport.transport is not None:
                break
            await asyncio.sleep(0.005)
        else:
            await self.stop()
            raise ConnectError("the SNMP agent endpoint did not open", operation="start",
                               device=f"{self.address[0]}:{self.address[1]}")

    async def stop(self) -> None:
        """Stop answering and release the socket."""
        snmp, self._engine = self._engine, None
        if self._faults is not None:
            self._faults.cancel()
        if snmp is not None:
            snmp.transport_dispatcher.job_finished(1)
            snmp.close_dispatcher()
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        await asyncio.sleep(0)

    async def __aenter__(self) -> SnmpAgent:
        await self.start()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.stop()


def devices_named(prefix: str, count: int, **kwargs: Any) -> list[SimDevice]:
    """``count`` devices named ``prefix0001``, ``prefix0002``, … with shared settings."""
    width = max(4, len(str(count)))
    return [SimDevice(f"{prefix}{n:0{width}d}", **kwargs) for n in range(1, count + 1)]



