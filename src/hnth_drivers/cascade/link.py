"""The cascade-link contract: a slave MCU's conference joined to the master's.

A link is one participant on each side and uses one port on each. The slave sends one
site full-screen up the link (``send_up``); the master lays the link out on the chair's
screen. Concrete links (over any pair of Mcu drivers) live beside this contract.
"""

from __future__ import annotations

import abc
import asyncio
from dataclasses import dataclass

from ..errors import ConfigError
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

    One side dials the other's conference as one participant of kind CASCADE (one port on
    each side). By default the slave dials (``dialler="slave"``; its participant is named
    ``uplink``); with ``dialler="master"`` the master dials the slave's conference (its
    participant is named ``link-<slave id>``), as some MCU APIs want it. The answering
    side's participant is found by its address, else by the caller's id. Whatever the
    direction, :attr:`uplink` names the link on the slave (where the slave sends a site
    up) and :attr:`master_leg` names it on the master (what the master lays out for the
    chair). Everything is idempotent: ``up()`` on a connected link and ``down()`` on an
    absent one change nothing.
    """

    def __init__(self, slave: LinkEnd, master: LinkEnd, *, dialler: str = "slave",
                 leg: str | None = None, address: str | None = None) -> None:
        if dialler not in ("slave", "master"):
            raise ConfigError("unknown dialling side", operation="McuLink",
                              expected="slave or master", got=repr(dialler))
        self.slave = slave
        self.master = master
        self.dialler = dialler
        #: the side that dials, and the side that answers
        self.caller, self.callee = (slave, master) if dialler == "slave" else (master, slave)
        #: the dial-out participant's name on the caller
        self.leg = leg or ("uplink" if dialler == "slave" else f"link-{slave.mcu_id}")
        #: the address the caller dials
        self.address = address or default_cascade_address(self.callee.mcu_id,
                                                          self.callee.conference)
        #: how the callee's conference names the link (refreshed whenever it is read)
        self.answer_leg = self.caller.mcu_id

    def __repr__(self) -> str:
        return f"McuLink({self.slave.mcu_id} -> {self.master.mcu_id}, {self.dialler} dials)"

    @property
    def uplink(self) -> str:
        """The link's participant on the slave: what the slave sends up is shown to it."""
        return self.leg if self.dialler == "slave" else self.answer_leg

    @property
    def master_leg(self) -> str:
        """The link's participant on the master: shown to the chair to see below it."""
        return self.answer_leg if self.dialler == "slave" else self.leg

    def caller_side(self, parts: list[Participant]) -> Participant | None:
        """The dial-out participant in the caller's list, if there."""
        return next((p for p in parts if p.name == self.leg), None)

    def callee_side(self, parts: list[Participant]) -> Participant | None:
        """The answering participant in the callee's list, if there (remembers its name)."""
        back = default_cascade_address(self.caller.mcu_id, self.caller.conference)
        found = next((p for p in parts if p.kind is ParticipantKind.CASCADE
                      and p.address == back), None)
        if found is None:
            found = next((p for p in parts if p.kind is ParticipantKind.CASCADE
                          and p.name == self.caller.mcu_id), None)
        if found is not None:
            self.answer_leg = found.name
        return found

    async def up(self) -> None:
        """Dial, unless the link is up or dialling; redial a dropped one."""
        await self.up_from(await self.caller.mcu.participants(self.caller.conference))

    async def up_from(self, caller_participants: list[Participant]) -> str | None:
        """:meth:`up`, given the caller conference's participants read just before (the
        dial-out participant alone will do).

        Returns what was done: ``"dialled"`` (a new link), ``"redialled"`` (a dropped
        one), or None (nothing to do).
        """
        leg = self.caller_side(caller_participants)
        if leg is None:
            await self.caller.mcu.add_participant(
                self.caller.conference,
                Endpoint(site=self.callee.mcu_id, address=self.address),
                name=self.leg, kind=ParticipantKind.CASCADE)
            return "dialled"
        if leg.state in (ConnectionState.DISCONNECTED, ConnectionState.FAILED):
            await self.caller.mcu.connect_participant(self.caller.conference, self.leg)
            return "redialled"
        return None

    async def redial(self) -> None:
        """Dial the existing link participant again (after a drop)."""
        await self.caller.mcu.connect_participant(self.caller.conference, self.leg)

    async def down(self) -> None:
        """Remove the dial-out participant, then any answering leg left behind."""
        await self.tear_down()

    async def tear_down(self) -> str | None:
        """:meth:`down`, returning ``"removed"`` if anything was, else None."""
        removed = False
        parts = await self.caller.mcu.participants(self.caller.conference)
        if self.caller_side(parts) is not None:
            await self.caller.mcu.remove_participant(self.caller.conference, self.leg)
            removed = True
        # Some MCUs keep the answering leg after the caller hangs up: remove it too.
        left = self.callee_side(await self.callee.mcu.participants(self.callee.conference))
        if left is not None:
            await self.callee.mcu.remove_participant(self.callee.conference, left.name)
            removed = True
        return "removed" if removed else None

    async def sides(self) -> tuple[ConnectionState, ConnectionState]:
        """(slave side, master side) states, read concurrently; absent means DISCONNECTED."""
        caller_parts, callee_parts = await asyncio.gather(
            self.caller.mcu.participants(self.caller.conference),
            self.callee.mcu.participants(self.callee.conference))
        c = self.caller_side(caller_parts)
        a = self.callee_side(callee_parts)
        dial = c.state if c else ConnectionState.DISCONNECTED
        answer = a.state if a else ConnectionState.DISCONNECTED
        return (dial, answer) if self.dialler == "slave" else (answer, dial)

    async def state(self) -> ConnectionState:
        """The worse of the two sides' states."""
        s, m = await self.sides()
        return worse(s, m)

    async def send_up(self, site: str) -> None:
        """The slave shows participant ``site`` full-screen on the link."""
        await self.slave.mcu.show_full_screen(self.slave.conference, site, target=self.uplink)
