"""Reading one Codian XML-RPC call's struct as the device does, for the simulator.

Members are read with the documented faults (101 missing, 102 out of range, 103 wrong
type; 8 / 9 for a missing conference / participant name, 5 for an identity that names
no participant). Names and codes: :mod:`hnth_drivers.mcu.codian_api`.
"""

from __future__ import annotations

from typing import Any

from hnth_drivers.mcu import codian_api as api
from hnth_drivers.mcu.codian_api import FaultCode, M

from .model import McuModel, SimConference, SimParticipant

__all__ = [
    "Params",
    "WireFault",
    "conference_of",
    "identity_of",
    "participant_of",
    "scope_of",
    "type_of",
]


class WireFault(Exception):
    """A fault the simulator answers: documented code and text."""

    def __init__(self, code: FaultCode, text: str) -> None:
        super().__init__(text)
        self.code, self.text = code, text


class Params:
    """One call's struct, read member by member with the documented faults."""

    def __init__(self, struct: dict[str, Any]) -> None:
        self.struct = struct

    def get(self, name: str, kind: type, *, missing: FaultCode | None = None) -> Any:
        value = self.struct.get(name)
        if value is None:
            if missing is not None:
                raise WireFault(missing, api.missing(name))
            return None
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise WireFault(FaultCode.MALFORMED_PARAMETER, api.malformed(name))
        return value

    def text(self, name: str, missing: FaultCode | None = FaultCode.MISSING_PARAMETER,
             allowed: frozenset[str] | None = None) -> str | None:
        value: str | None = self.get(name, str, missing=missing)
        if value is not None and allowed is not None and value not in allowed:
            raise WireFault(FaultCode.INVALID_PARAMETER, api.invalid(name))
        return value

    def flag(self, name: str) -> bool | None:
        value: bool | None = self.get(name, bool)
        return value


def type_of(leg: SimParticipant) -> str:
    """``participantType`` of a leg: dial-ins are ``ad_hoc``, the rest ``by_address``."""
    return api.AD_HOC if leg.incoming else api.BY_ADDRESS


def identity_of(leg: SimParticipant) -> dict[str, Any]:
    """The identity members of a leg (MCU29 p9)."""
    return api.identity(leg.conference.name, leg.name, leg.protocol.value, type_of(leg))


def conference_of(mcu: McuModel, params: Params) -> SimConference:
    """The conference named by ``conferenceName`` (fault 8 if absent, 4 if unknown)."""
    name = params.text(M.CONFERENCE_NAME, FaultCode.NO_CONFERENCE_NAME)
    assert name is not None
    return mcu.conference(name)


def participant_of(mcu: McuModel, params: Params) -> SimParticipant:
    """The participant a full identity names (faults 8, 9, 101, 102, 103, 5)."""
    conf = conference_of(mcu, params)
    name = params.text(M.PARTICIPANT_NAME, FaultCode.NO_PARTICIPANT_NAME)
    proto = params.text(M.PARTICIPANT_PROTOCOL, allowed=api.PARTICIPANT_PROTOCOLS)
    ptype = params.text(M.PARTICIPANT_TYPE, allowed=api.PARTICIPANT_TYPES)
    leg = conf.participants.get(name or "")
    if leg is None or proto != leg.protocol.value or ptype != type_of(leg):
        raise WireFault(FaultCode.NO_SUCH_PARTICIPANT, "no such participant")
    return leg


def scope_of(params: Params, default: tuple[str, ...]) -> set[str]:
    """The ``operationScope`` array (``default`` when absent)."""
    scope = params.get(M.OPERATION_SCOPE, list)
    if scope is None:
        return set(default)
    if not all(isinstance(s, str) for s in scope):
        raise WireFault(FaultCode.MALFORMED_PARAMETER, api.malformed(M.OPERATION_SCOPE))
    if not set(scope) <= api.SCOPES:
        raise WireFault(FaultCode.INVALID_PARAMETER, api.invalid(M.OPERATION_SCOPE))
    return set(scope)
