"""The Codian XML-RPC front end of simulated MCUs: ``POST /RPC2`` over HTTPS.

:class:`CodianApi` answers XML-RPC calls for every MCU of a :class:`Network`: the MCU
named ``default_mcu`` at ``/RPC2`` and any MCU at ``/mcu/<id>/RPC2``, so one listening
socket can serve a whole simulated country. Mount :meth:`CodianApi.handle` on a shared
:class:`~hnth_sim.mcu.http.HttpsServer`, or use :class:`CodianServer`, which owns one::

    net = Network()
    net.add_mcu("mcu-hn", ports=120)
    async with CodianServer(net, user="admin", password=pw, tls_dir=d,
                            default_mcu="mcu-hn") as server:
        server.url()            # https://127.0.0.1:PORT/RPC2
        server.url("mcu-hp")    # https://127.0.0.1:PORT/mcu/mcu-hp/RPC2

Every call carries ``authenticationUser`` / ``authenticationPassword`` (fault 14 if
wrong). Refusals of the model map to the documented fault codes (:data:`FAULTS`);
malformed XML answers fault -32700, never a crash; bodies are bounded (HTTP 413).
Injected API faults and latency come from the MCU's ``faults``; an MCU that is ``down``
closes the connection unanswered. Enumerations page ``page_size`` items at a time and
return ``enumerateID`` while more remain (valid for a while, so a read may be retried).
Method and member names: :mod:`hnth_drivers.mcu.codian_api` and docs/mcu.md.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import math
import os
import secrets
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from hnth_drivers.errors import ConfigError, ProtocolError
from hnth_drivers.mcu import xmlrpc
from hnth_drivers.mcu.codian_api import (
    PANE_TYPES,
    FaultCode,
    cp_layout_name,
    grid_of_cp_layout,
    layout_from_panes,
)
from hnth_drivers.model import Layout, Pane, PaneKind, ParticipantKind
from hnth_drivers.model import SignalProtocol as Proto

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

_OK = {"status": "operation successful"}
_SNAPSHOTS = 512


class _Fault(Exception):
    def __init__(self, code: FaultCode, text: str) -> None:
        super().__init__(text)
        self.code, self.text = code, text


Params = dict[str, Any]
Method = Callable[[McuModel, Params], Any]


def _text(params: Params, key: str, missing: FaultCode = FaultCode.MISSING_PARAMETER,
          *, required: bool = True) -> str:
    value = params.get(key)
    if value is None:
        if required:
            raise _Fault(missing, f"missing {key}")
        return ""
    if not isinstance(value, str):
        raise _Fault(FaultCode.INVALID_PARAMETER, f"{key} must be a string")
    return value


def _flag(params: Params, key: str) -> bool | None:
    value = params.get(key)
    if value is None or isinstance(value, bool):
        return value
    raise _Fault(FaultCode.INVALID_PARAMETER, f"{key} must be a boolean")


def _conf(mcu: McuModel, params: Params) -> SimConference:
    return mcu.conference(_text(params, "conferenceName", FaultCode.NO_CONFERENCE_NAME))


def _ptype(leg: SimParticipant) -> str:
    return "ad_hoc" if leg.incoming else "by_address"


def _leg(mcu: McuModel, params: Params, prefix: str = "participant",
         conf: SimConference | None = None) -> SimParticipant:
    conf = conf or _conf(mcu, params)
    name = _text(params, f"{prefix}Name", FaultCode.NO_PARTICIPANT_NAME)
    leg = mcu.participant(conf.name, name)
    proto = _text(params, f"{prefix}Protocol", required=False)
    ptype = _text(params, f"{prefix}Type", required=False)
    if (proto and proto != leg.protocol.value) or (ptype and ptype != _ptype(leg)):
        raise _Fault(FaultCode.NO_SUCH_PARTICIPANT, "no participant with that identity")
    return leg


def _cascade_role(leg: SimParticipant) -> str:
    if leg.kind is not ParticipantKind.CASCADE:
        return "none"
    return "slave" if leg.incoming else "master"


def _participant_struct(leg: SimParticipant) -> dict[str, Any]:
    return {"conferenceName": leg.conference.name, "participantName": leg.name,
            "participantProtocol": leg.protocol.value, "participantType": _ptype(leg),
            "address": leg.address, "callState": leg.state.value,
            "audioRxMuted": leg.muted, "cascadeRole": _cascade_role(leg)}


def _pane_structs(conf: SimConference, layout: Layout) -> list[dict[str, Any]]:
    out = []
    for pane in sorted(layout.panes, key=lambda p: p.index):
        item: dict[str, Any] = {"index": pane.index, "type": pane.kind.value}
        if pane.participant is not None:
            item["participantName"] = pane.participant
            leg = conf.participants.get(pane.participant)
            if leg is not None:
                item["participantProtocol"] = leg.protocol.value
                item["participantType"] = _ptype(leg)
        out.append(item)
    return out


def _layout_from(mcu: McuModel, conf: SimConference, params: Params) -> Layout:
    panes_in = params.get("panes", [])
    if not isinstance(panes_in, list):
        raise _Fault(FaultCode.INVALID_PARAMETER, "panes must be an array")
    panes = []
    for item in panes_in:
        if not isinstance(item, dict) or not isinstance(item.get("index"), int) \
                or isinstance(item.get("index"), bool):
            raise _Fault(FaultCode.INVALID_PARAMETER, "a pane is a struct with an index")
        kind = PANE_TYPES.get(str(item.get("type", "default")))
        if kind is None:
            raise _Fault(FaultCode.INVALID_PARAMETER, "unknown pane type")
        name = None
        if kind is PaneKind.PARTICIPANT:
            name = _leg(mcu, item, conf=conf).name
        panes.append((item["index"], kind, name))
    cp = _text(params, "cpLayout", required=False)
    grid = grid_of_cp_layout(cp) if cp else None
    if cp and grid is None:
        raise _Fault(FaultCode.INVALID_PARAMETER, "unknown cpLayout")
    if grid is None:
        top = max((index for index, _, _ in panes), default=0)
        grid = max(1, math.isqrt(top) + 1)
    try:
        return layout_from_panes(grid, tuple(Pane(i, k, n) for i, k, n in panes))
    except ConfigError as exc:
        raise _Fault(FaultCode.INVALID_PARAMETER, exc.message) from exc


def _layout_struct(conf: SimConference, layout: Layout) -> dict[str, Any]:
    return {"cpLayout": cp_layout_name(math.isqrt(layout.pane_count)),
            "panes": _pane_structs(conf, layout)}


class CodianApi:
    """XML-RPC calls for the MCUs of ``network`` (see the module docstring)."""

    def __init__(self, network: Network, *, user: str, password: str,
                 default_mcu: str | None = None, page_size: int = 100,
                 max_body: int = 1024 * 1024) -> None:
        if not password:
            raise ConfigError("the simulator needs a password", operation="CodianApi",
                              expected="a non-empty password")
        self.network = network
        self.default_mcu = default_mcu
        self.page_size = max(1, page_size)
        self.max_body = max_body
        self._user = user.encode()
        self._password = password.encode()
        self._snapshots: OrderedDict[str, tuple[str, str, list[dict[str, Any]]]] = \
            OrderedDict()
        self._methods: dict[str, Method] = {
            "conference.create": self._conference_create,
            "conference.destroy": self._conference_destroy,
            "conference.enumerate": self._conference_enumerate,
            "conference.status": self._conference_status,
            "conference.modify": self._conference_modify,
            "conference.paneplacement.modify": self._pane_modify,
            "conference.paneplacement.query": self._pane_query,
            "participant.add": self._participant_add,
            "participant.remove": lambda m, p: self._do(m.remove_participant, m, p),
            "participant.connect": lambda m, p: self._do(m.connect_participant, m, p),
            "participant.disconnect": lambda m, p: self._do(m.disconnect_participant, m, p),
            "participant.enumerate": self._participant_enumerate,
            "participant.modify": self._participant_modify,
            "participant.status": self._participant_status,
            "participant.diagnostics": self._participant_diagnostics,
            "device.query": self._device_query,
            "device.health.query": self._device_health,
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
        body = await self.call(mcu, request.body)
        return HttpResponse(200, body)

    async def call(self, mcu: McuModel, body: bytes) -> bytes:
        """One XML-RPC exchange with ``mcu``: request bytes in, response bytes out."""
        try:
            method, params = xmlrpc.decode_call(body, max_bytes=self.max_body)
        except ProtocolError as exc:
            return xmlrpc.encode_fault(FaultCode.PARSE_ERROR, exc.message)
        try:
            if len(params) != 1 or not isinstance(params[0], dict):
                raise _Fault(FaultCode.INVALID_PARAMETER, "one struct parameter expected")
            struct: Params = params[0]
            self._authenticate(struct)
            handler = self._methods.get(method)
            if handler is None:
                raise _Fault(FaultCode.METHOD_NOT_SUPPORTED, f"method not supported: "
                             f"{method[:60]}")
            delay = mcu.admit(method)
            if delay:
                await asyncio.sleep(delay)
            result = handler(mcu, struct)
            if isinstance(result, Awaitable):
                result = await result
            return xmlrpc.encode_response(result)
        except _Fault as fault:
            return xmlrpc.encode_fault(fault.code, fault.text)
        except SimError as exc:
            return xmlrpc.encode_fault(FAULTS[exc.reason], exc.message)
        except ProtocolError as exc:  # a value we cannot encode back
            return xmlrpc.encode_fault(FaultCode.INVALID_PARAMETER, exc.message)

    def _authenticate(self, params: Params) -> None:
        user = params.get("authenticationUser")
        password = params.get("authenticationPassword")
        user_b = user.encode() if isinstance(user, str) else b""
        password_b = password.encode() if isinstance(password, str) else b""
        # both compared in constant time, always: no early exit that times a user name
        ok = hmac.compare_digest(user_b, self._user) & hmac.compare_digest(password_b,
                                                                           self._password)
        if not ok or not password_b:
            raise _Fault(FaultCode.UNAUTHORISED, "authorization failed")

    # ---- paging ---------------------------------------------------------------------

    def _page(self, mcu: McuModel, params: Params, key: str,
              build: Callable[[], list[dict[str, Any]]], scope: str = "") -> dict[str, Any]:
        token = params.get("enumerateID")
        if token is not None:
            found = self._snapshots.get(token) if isinstance(token, str) else None
            if found is None or found[0] != mcu.id or found[1] != key + scope:
                raise _Fault(FaultCode.INVALID_ENUMERATE_ID, "invalid enumerateID")
            items = found[2]
        else:
            items = build()
        page, rest = items[:self.page_size], items[self.page_size:]
        out: dict[str, Any] = {key: page}
        if rest:
            new = secrets.token_hex(8)
            self._snapshots[new] = (mcu.id, key + scope, rest)
            while len(self._snapshots) > _SNAPSHOTS:
                self._snapshots.popitem(last=False)
            out["enumerateID"] = new
        return out

    # ---- methods --------------------------------------------------------------------

    def _conference_struct(self, conf: SimConference) -> dict[str, Any]:
        return {"conferenceName": conf.name, "conferenceID": int(conf.id),
                "conferenceActive": True, "participantCount": len(conf.participants),
                "pinProtected": bool(conf.pin)}

    def _conference_create(self, mcu: McuModel, params: Params) -> Any:
        name = _text(params, "conferenceName", FaultCode.NO_CONFERENCE_NAME)
        pin = _text(params, "pin", required=False)
        if pin and not pin.isdigit():
            raise _Fault(FaultCode.INVALID_PIN, "a PIN is digits")
        conf = mcu.create_conference(name, pin=pin or None)
        return {**_OK, "conferenceID": int(conf.id)}

    def _conference_destroy(self, mcu: McuModel, params: Params) -> Any:
        mcu.destroy_conference(_conf(mcu, params).name)
        return _OK

    def _conference_enumerate(self, mcu: McuModel, params: Params) -> Any:
        return self._page(mcu, params, "conferences",
                          lambda: [self._conference_struct(c) for c in mcu.conferences()])

    def _conference_status(self, mcu: McuModel, params: Params) -> Any:
        return self._conference_struct(_conf(mcu, params))

    def _conference_modify(self, mcu: McuModel, params: Params) -> Any:
        conf = _conf(mcu, params)
        pin = _text(params, "pin", required=False)
        if pin and not pin.isdigit():
            raise _Fault(FaultCode.INVALID_PIN, "a PIN is digits")
        if "pin" in params:
            conf.pin = pin or None
        return _OK

    def _pane_modify(self, mcu: McuModel, params: Params) -> Any:
        conf = _conf(mcu, params)
        enabled = _flag(params, "enabled")
        layout = AUTO_LAYOUT if enabled is False else _layout_from(mcu, conf, params)
        mcu.set_layout(conf.name, layout)
        return _OK

    def _pane_query(self, mcu: McuModel, params: Params) -> Any:
        conf = _conf(mcu, params)
        layout = conf.default_layout
        return {"conferenceName": conf.name, "enabled": layout != AUTO_LAYOUT,
                **_layout_struct(conf, layout)}

    def _participant_add(self, mcu: McuModel, params: Params) -> Any:
        conf = _conf(mcu, params)
        name = _text(params, "participantName", FaultCode.NO_PARTICIPANT_NAME)
        address = _text(params, "address", FaultCode.NO_PARTICIPANT_ADDRESS)
        proto_text = _text(params, "participantProtocol", required=False) or "h323"
        ptype = _text(params, "participantType", required=False) or "by_address"
        if proto_text not in ("h323", "sip") or ptype != "by_address":
            raise _Fault(FaultCode.INVALID_PARAMETER,
                         "participantProtocol h323|sip and participantType by_address")
        kind = ParticipantKind.SITE
        try:
            if self.network.find(parse_cascade_address(address)[0]) is not None:
                kind = ParticipantKind.CASCADE
        except ConfigError:
            pass
        leg = mcu.add_participant(conf.name, address, name=name, kind=kind,
                                  protocol=Proto(proto_text))
        return {**_OK, "participantName": leg.name}

    @staticmethod
    def _do(action: Callable[[str, str], None], mcu: McuModel, params: Params) -> Any:
        leg = _leg(mcu, params)
        action(leg.conference.name, leg.name)
        return _OK

    def _participant_enumerate(self, mcu: McuModel, params: Params) -> Any:
        only = _text(params, "conferenceName", required=False)
        if only:
            mcu.conference(only)

        def build() -> list[dict[str, Any]]:
            confs = [mcu.conference(only)] if only else mcu.conferences()
            return [_participant_struct(leg) for conf in confs
                    for leg in conf.participants.values()]
        return self._page(mcu, params, "participants", build, scope=only)

    def _participant_modify(self, mcu: McuModel, params: Params) -> Any:
        leg = _leg(mcu, params)
        muted = _flag(params, "audioRxMuted")
        if muted is not None:
            mcu.mute(leg.conference.name, leg.name, muted)
        if params.get("cpLayout") == "default":
            mcu.clear_layout(leg.conference.name, leg.name)
        elif "panes" in params or "cpLayout" in params:
            layout = _layout_from(mcu, leg.conference, params)
            mcu.set_layout(leg.conference.name, layout, target=leg.name)
        return _OK

    def _participant_status(self, mcu: McuModel, params: Params) -> Any:
        leg = _leg(mcu, params)
        conf = leg.conference
        own = conf.layouts.get(leg.name)
        return {**_participant_struct(leg),
                "layoutSource": "participant" if own is not None else "conference",
                **_layout_struct(conf, own if own is not None else conf.default_layout)}

    def _participant_diagnostics(self, mcu: McuModel, params: Params) -> Any:
        leg = _leg(mcu, params)
        out: dict[str, Any] = {"conferenceName": leg.conference.name,
                               "participantName": leg.name, "callState": leg.state.value}
        for stat in mcu.stats(leg.conference.name):
            if stat.participant == leg.name:
                out.update(rxPacketLossPercent=stat.loss_percent, rxJitterMs=stat.jitter_ms,
                           oneWayDelayMs=stat.delay_ms)
        return out

    def _device_query(self, mcu: McuModel, params: Params) -> Any:
        cap = mcu.capacity()
        return {"model": "hnth-sim Codian MCU", "serial": mcu.id, "softwareVersion": "4.5(sim)",
                "apiVersion": "2.9", "uptime": int(mcu.health().uptime_s or 0),
                "currentTime": dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H:%M:%S"),
                "portsVideoTotal": cap.ports_total, "portsVideoFree": cap.ports_free}

    def _device_health(self, mcu: McuModel, params: Params) -> Any:
        health = mcu.health()
        return {"cpuLoad": int(health.cpu_load_percent or 0), "fanStatus": "ok",
                "fanStatusWorst": "ok", "temperatureStatus": "ok",
                "temperatureStatusWorst": "ok", "rtcBatteryStatus": "ok",
                "rtcBatteryStatusWorst": "ok", "voltagesStatus": "ok",
                "voltagesStatusWorst": "ok", "operationalStatus": "active"}


class CodianServer(HttpsFrontEnd):
    """A :class:`CodianApi` on its own HTTPS socket, with certificates in ``tls_dir``."""

    def __init__(self, network: Network, *, user: str, password: str,
                 tls_dir: str | os.PathLike[str], default_mcu: str | None = None,
                 page_size: int = 100, max_body: int = 1024 * 1024) -> None:
        self.api = CodianApi(network, user=user, password=password, default_mcu=default_mcu,
                             page_size=page_size, max_body=max_body)
        super().__init__(tls_dir, max_body=max_body, handler=self.api.handle)

    def url(self, mcu_id: str | None = None) -> str:
        """The XML-RPC URL of ``mcu_id`` (default: the default MCU's ``/RPC2``)."""
        path = "/RPC2" if mcu_id is None else f"/mcu/{mcu_id}/RPC2"
        return self.base_url() + path
