"""Conferences, participants and calls of a simulated MCU (data; behaviour is in model.py).

Public API (re-exported by :mod:`hnth_sim.mcu.model`): :data:`AUTO_LAYOUT`,
:func:`cascade_address`, :func:`parse_cascade_address`, :class:`SimConference`,
:class:`SimParticipant` (read-only for front ends: ``name``, ``address``, ``protocol``,
``kind``, ``site``, ``incoming``, ``muted``, ``state``, ``connected``, ``far_leg``,
``to_model()``), :class:`SimCall`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hnth_drivers.errors import ConfigError
from hnth_drivers.model import (
    Conference,
    ConnectionState,
    Layout,
    LayoutKind,
    Pane,
    Participant,
    ParticipantKind,
    SignalProtocol,
)

from .conditions import Impairment

if TYPE_CHECKING:
    from .model import McuModel

__all__ = [
    "AUTO_LAYOUT",
    "SimCall",
    "SimConference",
    "SimParticipant",
    "cascade_address",
    "parse_cascade_address",
]

AUTO_LAYOUT = Layout(LayoutKind.GRID, 16, ())
"""The layout an MCU uses until told otherwise: continuous presence of up to 16 panes."""


def cascade_address(mcu_id: str, conference: str) -> str:
    """The address a CASCADE participant dials to join ``conference`` on ``mcu_id``."""
    return f"{conference}@{mcu_id}"


def parse_cascade_address(address: str) -> tuple[str, str]:
    """``(mcu id, conference)`` of a cascade address; ConfigError if it is not one."""
    conference, sep, mcu_id = address.rpartition("@")
    if not sep or not conference or not mcu_id:
        raise ConfigError("not a cascade address", operation="parse_cascade_address",
                          expected="<conference>@<mcu id>", got=repr(address))
    return mcu_id, conference


class SimCall:
    """One call: its legs (the dialling one, and the far leg of a cascade), when it
    connects (``connect_at``, clock seconds) and whether it then fails."""

    __slots__ = ("connect_at", "ended", "fails", "legs")

    def __init__(self, connect_at: float, fails: bool) -> None:
        self.connect_at = connect_at
        self.fails = fails
        self.ended = False
        self.legs: list[SimParticipant] = []


class SimParticipant:
    """One participant of one conference (read its attributes; change it via McuModel)."""

    __slots__ = ("address", "call", "conference", "end_reason", "holds_port", "impairment",
                 "incoming", "kind", "muted", "name", "protocol", "seq", "site")

    def __init__(self, conference: SimConference, name: str, address: str,
                 protocol: SignalProtocol, kind: ParticipantKind, site: str | None,
                 incoming: bool, seq: int) -> None:
        self.conference = conference
        self.name = name
        self.address = address
        self.protocol = protocol
        self.kind = kind
        self.site = site
        self.incoming = incoming
        self.seq = seq
        self.muted = False
        self.impairment: Impairment | None = None
        self.call: SimCall | None = None
        self.holds_port = False
        #: why the last call ended: "local" (hung up here), "remote" (the far end),
        #: "network" (dropped), or None while no call has ended
        self.end_reason: str | None = None

    @property
    def state(self) -> ConnectionState:
        """Connection state now (computed from the clock)."""
        call = self.call
        if call is None or call.ended:
            return ConnectionState.DISCONNECTED
        if self.conference.mcu.clock.now() < call.connect_at:
            return ConnectionState.CONNECTING if self.incoming else ConnectionState.DIALLING
        return ConnectionState.FAILED if call.fails else ConnectionState.CONNECTED

    @property
    def connected(self) -> bool:
        """Whether the call is up now."""
        return self.state is ConnectionState.CONNECTED

    @property
    def far_leg(self) -> SimParticipant | None:
        """The other MCU's leg of a cascade call, while the call exists."""
        call = self.call
        if call is None or call.ended:
            return None
        return next((leg for leg in call.legs if leg is not self), None)

    def to_model(self) -> Participant:
        """This participant as the library's frozen :class:`Participant` value."""
        return Participant(conference=self.conference.name, name=self.name,
                           address=self.address, protocol=self.protocol, kind=self.kind,
                           state=self.state, muted=self.muted, site=self.site)

    def __repr__(self) -> str:
        return f"SimParticipant({self.conference.name!r}, {self.name!r}, {self.state.value})"


class SimConference:
    """One conference: participants in join order, layouts, the current speaker."""

    __slots__ = ("custom_layout", "custom_layout_enabled", "default_layout", "id", "layouts",
                 "mcu", "name", "participants", "pin", "placement", "placement_enabled",
                 "speaker")

    def __init__(self, mcu: McuModel, name: str, conf_id: str, pin: str | None) -> None:
        self.mcu = mcu
        self.name = name
        self.id = conf_id
        self.pin = pin
        self.participants: dict[str, SimParticipant] = {}
        self.default_layout = AUTO_LAYOUT
        self.layouts: dict[str, Layout] = {}
        self.speaker: str | None = None
        # wire-level layout settings a front end keeps (the Codian custom layout and pane
        # placement); the model itself reads only default_layout and layouts
        self.custom_layout_enabled = False
        self.custom_layout: int | None = None
        self.placement_enabled = False
        self.placement: dict[int, Pane] = {}

    def to_model(self) -> Conference:
        """This conference as the library's frozen :class:`Conference` value."""
        return Conference(name=self.name, id=self.id, active=True,
                          participant_count=len(self.participants))


