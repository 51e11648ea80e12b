"""The cascade-link contract: a slave MCU's conference joined to the master's.

A link is one participant on each side and uses one port on each. The slave sends one
site full-screen up the link (``send_up``); the master lays the link out on the chair's
screen. Concrete links (over any pair of Mcu drivers) live beside this contract.
"""

from __future__ import annotations

import abc
import asyncio
from dataclasses import dataclass

from ..mcu.base import Mcu
from ..model import ConnectionState, Endpoint, Participant, ParticipantKind

__all__ = ["CascadeLink", "LinkEnd", "McuLink", "default_cascade_address", "worse"]


class CascadeLink(abc.ABC):
    """One cascade link between a slave MCU and its master."""

    @abc.abstractmethod
    async def up(self) -> None:
        """Bring the link up (idempotent: an existing connected link is left alone)."""

    @abc.abstractmethod
    async def down(self) -> None:
        """Tear the link down on both sides (idempotent)."""

    @abc.abstractmethod
    async def state(self) -> ConnectionState:
        """The link's state as both MCUs report it (the worse of the two)."""

    @abc.abstractmethod
    async def send_up(self, site: str) -> None:
        """Make the slave show ``site`` full-screen on the link toward the master."""


# ---- the concrete link over any pair of Mcu drivers ---------------------------------------

_BADNESS = {
    ConnectionState.CONNECTED: 0,
    ConnectionState.CONNECTING: 1,
    ConnectionState.DIALLING: 1,
    ConnectionState.DISCONNECTED: 2,
    ConnectionState.FAILED: 3,
}


def worse(a: ConnectionState, b: ConnectionState) -> ConnectionState:
    """The worse of two connection states (connected < in progress < disconnected < failed)."""
    return a if _BADNESS[a] >= _BADNESS[b] else b


def default_cascade_address(mcu_id: str, conference: str) -> str:
    """How a slave dials a conference of another MCU, as ``"<conference>@<mcu id>"``.

    This is the address form the simulators resolve. With real MCUs give
    :class:`McuLink` the master conference's H.323 alias or E.164 number instead.
    """
    return f"{conference}@{mcu_id}"


@dataclass(frozen=True, slots=True)
class LinkEnd:
    """One side of a cascade link: an MCU driver, the MCU's id and its conference."""

    mcu: Mcu
    mcu_id: str
    conference: str


class McuLink(CascadeLink):
    """A cascade link between two MCUs reached through any :class:`Mcu` drivers.

    The slave's conference dials the master's as one participant of kind CASCADE named
    ``uplink`` (one port on each side); the master sees it as an incoming participant
    (``master_leg``, found by its address, else named after the slave's id). Everything
    is idempotent: ``up()`` on a connected link and ``down()`` on an absent one change
    nothing.
    """

    def __init__(self, slave: LinkEnd, master: LinkEnd, *, uplink: str = "uplink",
                 address: str | None = None) -> None:
        self.slave = slave
        self.master = master
        self.uplink = uplink
        self.address = address or default_cascade_address(master.mcu_id, master.conference)
        #: how the master's conference names this link (refreshed by up() and state())
        self.master_leg = slave.mcu_id

    def __repr__(self) -> str:
        return f"McuLink({self.slave.mcu_id} -> {self.master.mcu_id})"

    def _slave_side(self, parts: list[Participant]) -> Participant | None:
        return next((p for p in parts if p.name == self.uplink), None)

    def _master_side(self, parts: list[Participant]) -> Participant | None:
        back = default_cascade_address(self.slave.mcu_id, self.slave.conference)
        found = next((p for p in parts if p.kind is ParticipantKind.CASCADE
                      and p.address == back), None)
        if found is None:
            found = next((p for p in parts if p.kind is ParticipantKind.CASCADE
                          and p.name == self.slave.mcu_id), None)
        if found is not None:
            self.master_leg = found.name
        return found

    async def up(self) -> None:
        """Dial the master's conference from the slave's, unless the link is up or dialling."""
        await self.up_from(await self.slave.mcu.participants(self.slave.conference))

    async def up_from(self, slave_participants: list[Participant]) -> str | None:
        """:meth:`up`, given the slave conference's participant list read just before.

        Returns what was done: ``"dialled"`` (a new uplink), ``"redialled"`` (a dropped
        one), or None (nothing to do).
        """
        leg = self._slave_side(slave_participants)
        if leg is None:
            await self.slave.mcu.add_participant(
                self.slave.conference,
                Endpoint(site=self.master.mcu_id, address=self.address),
                name=self.uplink, kind=ParticipantKind.CASCADE)
            return "dialled"
        if leg.state in (ConnectionState.DISCONNECTED, ConnectionState.FAILED):
            await self.slave.mcu.connect_participant(self.slave.conference, self.uplink)
            return "redialled"
        return None

    async def redial(self) -> None:
        """Dial the existing uplink participant again (after a drop)."""
        await self.slave.mcu.connect_participant(self.slave.conference, self.uplink)

    async def down(self) -> None:
        """Remove the link's participant on the slave, then any leg left on the master."""
        await self.tear_down()

    async def tear_down(self) -> str | None:
        """:meth:`down`, returning ``"removed"`` if anything was, else None."""
        removed = False
        parts = await self.slave.mcu.participants(self.slave.conference)
        if self._slave_side(parts) is not None:
            await self.slave.mcu.remove_participant(self.slave.conference, self.uplink)
            removed = True
        # Some MCUs keep the answering leg after the caller hangs up: remove it too.
        left = self._master_side(await self.master.mcu.participants(self.master.conference))
        if left is not None:
            await self.master.mcu.remove_participant(self.master.conference, left.name)
            removed = True
        return "removed" if removed else None

    async def sides(self) -> tuple[ConnectionState, ConnectionState]:
        """(slave side, master side) states, read concurrently; absent means DISCONNECTED."""
        slave_parts, master_parts = await asyncio.gather(
            self.slave.mcu.participants(self.slave.conference),
            self.master.mcu.participants(self.master.conference))
        s = self._slave_side(slave_parts)
        m = self._master_side(master_parts)
        return (s.state if s else ConnectionState.DISCONNECTED,
                m.state if m else ConnectionState.DISCONNECTED)

    async def state(self) -> ConnectionState:
        """The worse of the two sides' states."""
        s, m = await self.sides()
        return worse(s, m)

    async def send_up(self, site: str) -> None:
        """The slave shows participant ``site`` full-screen on the uplink."""
        await self.slave.mcu.show_full_screen(self.slave.conference, site, target=self.uplink)
