"""The Codian XML-RPC front end of simulated MCUs: ``POST /RPC2`` over HTTPS.

:class:`CodianApi` answers XML-RPC calls for every MCU of a :class:`Network` as Cisco's
MCU API guides (2.8, 2.9, 2.10; ``api_version``) document them: the MCU named
``default_mcu`` at ``/RPC2`` and any MCU at ``/mcu/<id>/RPC2``::

    net = Network()
    net.add_mcu("mcu-hn", ports=120)
    async with CodianServer(net, user="admin", password=pw, tls_dir=d,
                            default_mcu="mcu-hn", api_version="2.10") as server:
        server.url()            # https://127.0.0.1:PORT/RPC2
        server.url("mcu-hp")    # https://127.0.0.1:PORT/mcu/mcu-hp/RPC2

Strict like the device: every call carries ``authenticationUser`` /
``authenticationPassword`` (fault 15 if wrong); participant calls need the full identity
(fault 101 for a missing ``participantProtocol`` / ``participantType``, 8 / 9 for a missing
conference / participant name); a wrongly typed member answers 103, a value out of its
documented set 102, an unknown method (or one the chosen version lacks) 1, a request
that does not parse 103. Names, values and codes: :mod:`hnth_drivers.mcu.codian_api`;
requests are read by :mod:`hnth_sim.mcu.codian_params`, replies built by
:mod:`hnth_sim.mcu.codian_replies`; what this simulator chooses where the guides are
silent: docs/mcu.md.
"""

from __future__ import annotations

import asyncio
import hmac
import os
import secrets
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from hnth_drivers.errors import ConfigError, ProtocolError
from hnth_drivers.mcu import codian_api as api
from hnth_drivers.mcu import xmlrpc
from hnth_drivers.mcu.codian_api import FaultCode, M, Method, Scope
from hnth_drivers.model import ConnectionState, Pane, PaneKind, ParticipantKind
from hnth_drivers.model import SignalProtocol as Proto

from .codian_params import Params, WireFault, conference_of, participant_of, scope_of
from .codian_replies import (
    UNKNOWN_PANES,
    conference_struct,
    device_health,
    device_query,
    loss_of,
    pane_count,
    pane_entries,
    participant_struct,
)
from .frontend import HttpsFrontEnd
from .http import DropConnection, HttpRequest, HttpResponse
from .model import (
    AUTO_LAYOUT,
    McuModel,
    Network,
    Refusal,
    SimConference,
    SimError,
    SimParticipant,
    parse_cascade_address,
)

__all__ = ["FAULTS", "CodianApi", "CodianServer"]

FAULTS: dict[Refusal, FaultCode] = {
    Refusal.NOT_SUPPORTED: FaultCode.METHOD_NOT_SUPPORTED,
    Refusal.DUPLICATE_CONFERENCE: FaultCode.DUPLICATE_CONFERENCE_NAME,
    Refusal.DUPLICATE_PARTICIPANT: FaultCode.DUPLICATE_PARTICIPANT_NAME,
    Refusal.NO_SUCH_CONFERENCE: FaultCode.NO_SUCH_CONFERENCE,
    Refusal.NO_SUCH_PARTICIPANT: FaultCode.NO_SUCH_PARTICIPANT,
    Refusal.TOO_MANY_CONFERENCES: FaultCode.TOO_MANY_CONFERENCES,
    Refusal.TOO_MANY_PARTICIPANTS: FaultCode.TOO_MANY_PARTICIPANTS,
    Refusal.UNAUTHORISED: FaultCode.UNAUTHORISED,
    Refusal.INVALID_ENUMERATE_ID: FaultCode.INVALID_ENUMERATE_ID,
    Refusal.INTERNAL_ERROR: FaultCode.INTERNAL_ERROR,
    Refusal.MISSING_PARAMETER: FaultCode.MISSING_PARAMETER,
    Refusal.INVALID_PARAMETER: FaultCode.INVALID_PARAMETER,
    Refusal.OPERATION_FAILED: FaultCode.OPERATION_FAILED,
}
"""How the model's refusals appear on the wire."""

_SNAPSHOTS = 512
_SINCE: dict[Method, api.ApiVersion] = {Method.PARTICIPANT_STATISTICS: (2, 9)}  # 2.9 TOC


Handler = Callable[[McuModel, Params], Any]


class CodianApi:
    """XML-RPC calls for the MCUs of ``network`` (see the module docstring)."""

    def __init__(self, network: Network, *, user: str, password: str,
                 default_mcu: str | None = None, page_size: int = 100,
                 max_body: int = 1024 * 1024, api_version: str = "2.10") -> None:
        if not password:
            raise ConfigError("the simulator needs a password", operation="CodianApi",
                              expected="a non-empty password")
        version = api.parse_api_version(api_version)
        if version not in api.API_VERSIONS:
            raise ConfigError("unknown API version", operation="CodianApi",
                              expected=" or ".join(f"{a}.{b}" for a, b in api.API_VERSIONS),
                              got=repr(api_version))
        assert version is not None
        self.version: api.ApiVersion = version
        self.network = network
        self.default_mcu = default_mcu
        self.page_size = max(1, page_size)
        self.max_body = max_body
        self._user = user.encode()
        self._password = password.encode()
        self._snapshots: OrderedDict[str, tuple[str, str, list[dict[str, Any]]]] = \
            OrderedDict()
        self._methods: dict[Method, Handler] = {
            Method.CONFERENCE_CREATE: self._conference_create,
            Method.CONFERENCE_DESTROY: self._conference_destroy,
            Method.CONFERENCE_ENUMERATE: self._conference_enumerate,
            Method.CONFERENCE_STATUS: lambda m, p: conference_struct(conference_of(m, p)),
            Method.CONFERENCE_MODIFY: self._conference_modify,
            Method.PANES_MODIFY: self._pane_modify,
            Method.PANES_QUERY: self._pane_query,
            Method.PARTICIPANT_ADD: self._participant_add,
            Method.PARTICIPANT_REMOVE: lambda m, p: self._do(m.remove_participant, m, p),
            Method.PARTICIPANT_CONNECT: lambda m, p: self._do(m.connect_participant, m, p),
            Method.PARTICIPANT_DISCONNECT:
                lambda m, p: self._do(m.disconnect_participant, m, p),
            Method.PARTICIPANT_ENUMERATE: self._participant_enumerate,
            Method.PARTICIPANT_MODIFY: self._participant_modify,
            Method.PARTICIPANT_STATUS: self._participant_status,
            Method.PARTICIPANT_DIAGNOSTICS: self._participant_diagnostics,
            Method.PARTICIPANT_STATISTICS: self._participant_statistics,
            Method.DEVICE_QUERY: lambda m, p: device_query(m, self.version),
            Method.DEVICE_HEALTH_QUERY: lambda m, p: device_health(m),
        }

    def __repr__(self) -> str:
        return f"CodianApi({len(self.network)} MCUs, default={self.default_mcu!r})"

    def mcu_for(self, path: str) -> McuModel | None:
        """The MCU served at ``path`` (``/RPC2`` or ``/mcu/<id>/RPC2``), or None."""
        if path == "/RPC2":
            return self.network.find(self.default_mcu) if self.default_mcu else None
        parts = path.split("/")
        if len(parts) == 4 and parts[0] == "" and parts[1] == "mcu" and parts[3] == "RPC2":
            return self.network.find(parts[2])
        return None

    async def handle(self, request: HttpRequest) -> HttpResponse | None:
        """Answer a request for one of our paths; None for any other path."""
        mcu = self.mcu_for(request.path.split("?", 1)[0])
        if mcu is None:
            return None
        if mcu.faults.down:
            raise DropConnection
        if request.method != "POST":
            return HttpResponse(405, b"POST only", "text/plain", {"Allow": "POST"})
        if len(request.body) > self.max_body:
            return HttpResponse(413, b"request too large", "text/plain")
        return HttpResponse(200, await self.call(mcu, request.body))

    async def call(self, mcu: McuModel, body: bytes) -> bytes:
        """One XML-RPC exchange with ``mcu``: request bytes in, response bytes out."""
        try:
            try:
                name, params = xmlrpc.decode_call(body, max_bytes=self.max_body)
            except ProtocolError as exc:
                raise WireFault(FaultCode.MALFORMED_PARAMETER, api.malformed("request")) from exc
            if len(params) != 1 or not isinstance(params[0], dict):
                raise WireFault(FaultCode.MALFORMED_PARAMETER, api.malformed("params"))
            struct = Params(params[0])
            self._authenticate(struct)
            method = next((m for m in Method if m.value == name), None)
            handler = self._methods.get(method) if method is not None else None
            if method is None or handler is None or self.version < _SINCE.get(method, (0, 0)):
                raise WireFault(FaultCode.METHOD_NOT_SUPPORTED, "method not supported")
            delay = mcu.admit(method.value)
            if delay:
                await asyncio.sleep(delay)
            return xmlrpc.encode_response(handler(mcu, struct))
        except WireFault as fault:
            return xmlrpc.encode_fault(fault.code, fault.text)
        except SimError as exc:
            return xmlrpc.encode_fault(FAULTS[exc.reason], exc.message)
        except ProtocolError as exc:  # a value we cannot encode back
            return xmlrpc.encode_fault(FaultCode.INVALID_PARAMETER, exc.message)

    def _authenticate(self, params: Params) -> None:
        user = params.struct.get(M.USER)
        password = params.struct.get(M.PASSWORD)
        user_b = user.encode() if isinstance(user, str) else b""
        password_b = password.encode() if isinstance(password, str) else b""
        # both compared in constant time, always: no early exit that times a user name
        ok = hmac.compare_digest(user_b, self._user) & hmac.compare_digest(password_b,
                                                                           self._password)
        if not ok:
            raise WireFault(FaultCode.INSUFFICIENT_PRIVILEGES, "insufficient privileges")

    # ---- paging ---------------------------------------------------------------------

    def _page(self, mcu: McuModel, params: Params, key: str, size: int,
              build: Callable[[], list[dict[str, Any]]]) -> dict[str, Any]:
        token = params.get(M.ENUMERATE_ID, str)
        if token is not None:
            found = self._snapshots.get(token)
            if found is None or found[0] != mcu.id or found[1] != key:
                raise WireFault(FaultCode.INVALID_ENUMERATE_ID, "invalid enumerateID")
            items = found[2]
        else:
            items = build()
        page, rest = items[:size], items[size:]
        out: dict[str, Any] = {key: page}
        if rest:
            new = secrets.token_hex(8)
            self._snapshots[new] = (mcu.id, key, rest)
            while len(self._snapshots) > _SNAPSHOTS:
                self._snapshots.popitem(last=False)
            out[M.ENUMERATE_ID] = new
        return out

    # ---- conferences ------------------------------------------------------------------

    def _conference_create(self, mcu: McuModel, params: Params) -> Any:
        name = params.text(M.CONFERENCE_NAME, FaultCode.NO_CONFERENCE_NAME)
        pin = params.text(M.PIN, None)
        if pin and not pin.isdigit():
            raise WireFault(FaultCode.INVALID_PIN, "invalid PIN")
        mcu.create_conference(name or "", pin=pin or None)
        return {}

    def _conference_destroy(self, mcu: McuModel, params: Params) -> Any:
        mcu.destroy_conference(conference_of(mcu, params).name)
        return {}

    def _conference_enumerate(self, mcu: McuModel, params: Params) -> Any:
        more = params.flag(M.MORE_THAN_FOUR)
        condition = params.text(M.ENUMERATE_FILTER, None) or "active"
        wanted = condition.removeprefix("!")
        if wanted not in ("active", "completed", "scheduled"):
            raise WireFault(FaultCode.INVALID_PARAMETER, api.invalid(M.ENUMERATE_FILTER))
        keep = (wanted != "completed") != condition.startswith("!")
        size = self.page_size
        if self.version >= (2, 10):   # four at a time unless moreThanFour (MCU210 p46)
            size = 24 if more else 4
        return self._page(mcu, params, M.CONFERENCES, size, lambda: [
            conference_struct(c) for c in mcu.conferences() if keep])

    def _conference_modify(self, mcu: McuModel, params: Params) -> Any:
        conf = conference_of(mcu, params)
        pin = params.text(M.PIN, None)
        if pin and not pin.isdigit():
            raise WireFault(FaultCode.INVALID_PIN, "invalid PIN")
        enabled = params.flag(M.CUSTOM_LAYOUT_ENABLED)
        index = params.get(M.CUSTOM_LAYOUT, int)
        if index is not None and not 1 <= index <= 33:
            raise WireFault(FaultCode.INVALID_PARAMETER, api.invalid(M.CUSTOM_LAYOUT))
        if pin is not None:
            conf.pin = pin or None
        if enabled is not None:
            conf.custom_layout_enabled = enabled
        if index is not None:
            conf.custom_layout = index
        self._apply_layout(mcu, conf)
        return {}

    def _apply_layout(self, mcu: McuModel, conf: SimConference) -> None:
        if not (conf.placement_enabled or conf.custom_layout_enabled):
            mcu.set_layout(conf.name, AUTO_LAYOUT)
            return
        count = pane_count(conf)
        panes = tuple(p for i, p in sorted(conf.placement.items())
                      if i < count and p.kind is not PaneKind.DEFAULT) \
            if conf.placement_enabled else ()
        mcu.set_layout(conf.name, api.layout_from_panes(count, panes, api.CONFERENCE_CUSTOM))

    def _pane_modify(self, mcu: McuModel, params: Params) -> Any:
        conf = conference_of(mcu, params)
        enabled = params.flag(M.ENABLED)
        entries = params.get(M.PANES, list) or []
        panes: dict[int, Pane] = {}
        for entry in entries:
            if not isinstance(entry, dict):
                raise WireFault(FaultCode.MALFORMED_PARAMETER, api.malformed(M.PANES))
            item = Params(entry)
            index = item.get(M.INDEX, int, missing=FaultCode.MISSING_PARAMETER)
            kind = api.PANE_TYPES.get(item.text(M.TYPE) or "")
            if kind is None:
                raise WireFault(FaultCode.INVALID_PARAMETER, api.invalid(M.TYPE))
            if not 0 <= index < api.MAX_PANES:
                raise WireFault(FaultCode.INVALID_PARAMETER, api.invalid(M.INDEX))
            who = None
            if kind is PaneKind.PARTICIPANT:
                item.struct[M.CONFERENCE_NAME] = conf.name
                who = participant_of(mcu, item).name
            panes[index] = Pane(index, kind, who)
        conf.placement.update(panes)     # unlisted panes are unchanged (MCU29 p44)
        if enabled is not None:
            conf.placement_enabled = enabled
        self._apply_layout(mcu, conf)
        return {M.PANES_MODIFIED: len(entries)}

    def _pane_query(self, mcu: McuModel, params: Params) -> Any:
        conf = conference_of(mcu, params)
        out: dict[str, Any] = {M.ENABLED: conf.placement_enabled}
        if not conf.placement_enabled:
            if api.empty_panes_when_disabled(self.version):
                out[M.PANES] = []
            return out
        entries = pane_entries(conf)
        out[M.PANES] = entries
        return out

    # ---- participants -----------------------------------------------------------------

    def _participant_add(self, mcu: McuModel, params: Params) -> Any:
        conf = conference_of(mcu, params)
        name = params.text(M.PARTICIPANT_NAME, FaultCode.NO_PARTICIPANT_NAME) or ""
        proto = params.text(M.PARTICIPANT_PROTOCOL, None, frozenset({"h323", "sip"})) or "h323"
        ptype = params.text(M.PARTICIPANT_TYPE, None, frozenset({api.BY_ADDRESS})) \
            or api.BY_ADDRESS
        address = params.text(M.ADDRESS, FaultCode.NO_PARTICIPANT_ADDRESS) or ""
        respond = params.flag(M.ADD_RESPONSE) if self.version >= (2, 10) else None
        kind = ParticipantKind.SITE
        try:
            if self.network.find(parse_cascade_address(address)[0]) is not None:
                kind = ParticipantKind.CASCADE
        except ConfigError:
            pass
        leg = mcu.add_participant(conf.name, address, name=name, kind=kind,
                                  protocol=Proto(proto))
        assert ptype == api.BY_ADDRESS
        return participant_struct(leg, set(api.SCOPES), {}, self.version) if respond else {}

    @staticmethod
    def _do(action: Callable[[str, str], None], mcu: McuModel, params: Params) -> Any:
        leg = participant_of(mcu, params)
        action(leg.conference.name, leg.name)
        return {}

    def _participant_enumerate(self, mcu: McuModel, params: Params) -> Any:
        # 2.9 requires operationScope; omitting it is deprecated (MCU29 p78): both states
        scope = scope_of(params, tuple(api.SCOPES) if self.version >= (2, 9) else ())
        condition = params.text(M.ENUMERATE_FILTER, None)
        negate = bool(condition and condition.startswith("!"))
        wanted = condition.removeprefix("!") if condition else None
        if wanted is not None and wanted not in api.ENUMERATE_FILTERS:
            raise WireFault(FaultCode.INVALID_PARAMETER, api.invalid(M.ENUMERATE_FILTER))

        def matches(leg: SimParticipant) -> bool:
            if wanted is None:
                return True
            state = leg.state
            hit = {"connected": state is ConnectionState.CONNECTED,
                   "connecting": state in (ConnectionState.DIALLING,
                                           ConnectionState.CONNECTING),
                   "disconnected": leg.call is not None and state in (
                       ConnectionState.DISCONNECTED, ConnectionState.FAILED)}[wanted]
            return hit != negate

        def build() -> list[dict[str, Any]]:
            out: list[dict[str, Any]] = []
            for conf in mcu.conferences():
                loss = loss_of(mcu, conf) if Scope.CURRENT_STATE in scope else {}
                out.extend(participant_struct(leg, scope, loss, self.version)
                           for leg in conf.participants.values() if matches(leg))
            return out
        return self._page(mcu, params, M.PARTICIPANTS, self.page_size, build)

    def _participant_status(self, mcu: McuModel, params: Params) -> Any:
        leg = participant_of(mcu, params)
        scope = scope_of(params, tuple(api.SCOPES))
        loss = loss_of(mcu, leg.conference) if Scope.CURRENT_STATE in scope else {}
        return participant_struct(leg, scope, loss, self.version)

    def _participant_modify(self, mcu: McuModel, params: Params) -> Any:
        leg = participant_of(mcu, params)
        conf = leg.conference
        params.text(M.OPERATION_SCOPE, None, frozenset({Scope.ACTIVE_STATE.value,
                                                        Scope.CONFIGURED_STATE.value}))
        muted = params.flag(M.AUDIO_RX_MUTED)
        cp = params.text(M.CP_LAYOUT, None)
        if cp is not None and not api.is_cp_layout(cp):
            raise WireFault(FaultCode.INVALID_PARAMETER, api.invalid(M.CP_LAYOUT))
        focus = params.text(M.FOCUS_TYPE, None, api.FOCUS_TYPES)
        who: str | None = None
        if focus == api.FOCUS_PARTICIPANT:
            struct = params.get(M.FOCUS_PARTICIPANT, dict, missing=FaultCode.MISSING_PARAMETER)
            who = participant_of(mcu, Params(struct)).name
            if struct.get(M.CONFERENCE_NAME) != conf.name:
                raise WireFault(FaultCode.INVALID_PARAMETER, api.invalid(M.FOCUS_PARTICIPANT))
        if muted is not None:
            mcu.mute(conf.name, leg.name, muted)
        if cp is None and focus is not None:
            own = conf.layouts.get(leg.name)
            cp = own.vendor_name if own is not None else None
        if cp is not None:
            layout = api.layout_from_focus(cp, focus, who, UNKNOWN_PANES)
            if layout is None:
                mcu.clear_layout(conf.name, leg.name)
            else:
                mcu.set_layout(conf.name, layout, target=leg.name)
        return {}

    def _participant_diagnostics(self, mcu: McuModel, params: Params) -> Any:
        leg = participant_of(mcu, params)
        if not leg.connected:
            return {}
        return {M.VIDEO_RX_FRAME_RATE: 30, M.VIDEO_TX_FRAME_RATE: 30}

    def _participant_statistics(self, mcu: McuModel, params: Params) -> Any:
        participant_of(mcu, params)
        for name in api.STATISTICS_FILTERS:
            params.flag(name)
        # the groups' members are not in the guide pages we read: nothing is invented
        return {}

class CodianServer(HttpsFrontEnd):
    """A :class:`CodianApi` on its own HTTPS socket, with certificates in ``tls_dir``."""

    def __init__(self, network: Network, *, user: str, password: str,
                 tls_dir: str | os.PathLike[str], default_mcu: str | None = None,
                 page_size: int = 100, max_body: int = 1024 * 1024,
                 api_version: str = "2.10") -> None:
        self.api = CodianApi(network, user=user, password=password, default_mcu=default_mcu,
                             page_size=page_size, max_body=max_body, api_version=api_version)
        super().__init__(tls_dir, max_body=max_body, handler=self.api.handle)

    def url(self, mcu_id: str | None = None) -> str:
        """The XML-RPC URL of ``mcu_id`` (default: the default MCU's ``/RPC2``)."""
        path = "/RPC2" if mcu_id is None else f"/mcu/{mcu_id}/RPC2"
        return self.base_url() + path
