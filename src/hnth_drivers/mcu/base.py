"""The MCU contract: conferences, participants, layouts, mute, statistics, health.

Drivers (``codian`` over XML-RPC, ``smc`` over SOAP, vendors' plug-ins) subclass
:class:`Mcu`. Everything above the drivers — cascade links, the 30-second switch path,
readiness sweeps — talks only to this class.
"""

from __future__ import annotations

from typing import ClassVar

from ..driver import Driver, serves
from ..errors import DeviceError
from ..model import (
    CallStats,
    Capability,
    Capacity,
    Conference,
    DeviceHealth,
    Endpoint,
    Layout,
    Participant,
    ParticipantKind,
)

__all__ = ["Mcu"]


class Mcu(Driver):
    """A multipoint control unit.

    Participant names are unique within a conference. ``target`` in layout calls names the
    participant whose screen is changed (the chair's room, or a cascade link); ``None``
    changes the conference's default layout that every participant without its own
    layout sees.
    """

    #: Setting one participant's own layout (``set_layout(..., target=...)``).
    argument_capabilities: ClassVar[dict[Capability, str]] = {
        Capability.TARGETED_LAYOUT: "set_layout",
    }

    @serves(Capability.CONFERENCES)
    async def conferences(self) -> list[Conference]:
        """All conferences on the MCU, every page read."""
        raise self._unsupported("conferences")

    @serves(Capability.CREATE_CONFERENCE)
    async def create_conference(self, name: str, *, pin: str | None = None) -> Conference:
        """Create a conference. DeviceError if the name exists or no room is left."""
        raise self._unsupported("create_conference")

    @serves(Capability.CREATE_CONFERENCE)
    async def destroy_conference(self, name: str) -> None:
        """Destroy a conference and disconnect its participants."""
        raise self._unsupported("destroy_conference")

    @serves(Capability.PARTICIPANTS)
    async def participants(self, conference: str) -> list[Participant]:
        """All participants of a conference with their connection state, every page read."""
        raise self._unsupported("participants")

    async def participant(self, conference: str, name: str) -> Participant:
        """One participant with its connection state; DeviceError if there is none.

        The default reads the whole list; drivers whose API can ask for one participant
        override it (the switch path confirms with it).
        """
        found = next((p for p in await self.participants(conference) if p.name == name), None)
        if found is None:
            raise DeviceError("no such participant", device=self.device,
                              operation="participant", got=f"{name!r} in {conference!r}")
        return found

    @serves(Capability.ADD_PARTICIPANT)
    async def add_participant(
        self,
        conference: str,
        endpoint: Endpoint,
        *,
        name: str | None = None,
        kind: ParticipantKind = ParticipantKind.SITE,
    ) -> Participant:
        """Add a participant and dial it out. ``name`` defaults to the endpoint's site id.

        A cascade link is a participant of kind CASCADE whose address is the other MCU's
        conference. Uses one port; DeviceError when the MCU is full.
        """
        raise self._unsupported("add_participant")

    @serves(Capability.REMOVE_PARTICIPANT)
    async def remove_participant(self, conference: str, participant: str) -> None:
        """Disconnect and remove a participant, freeing its port."""
        raise self._unsupported("remove_participant")

    @serves(Capability.CONNECT_PARTICIPANT)
    async def connect_participant(self, conference: str, participant: str) -> None:
        """Dial a known participant again (after a drop)."""
        raise self._unsupported("connect_participant")

    @serves(Capability.CONNECT_PARTICIPANT)
    async def disconnect_participant(self, conference: str, participant: str) -> None:
        """Hang up a participant but keep it in the conference to dial again later."""
        raise self._unsupported("disconnect_participant")

    @serves(Capability.SET_LAYOUT)
    async def set_layout(
        self, conference: str, layout: Layout, *, target: str | None = None
    ) -> None:
        """Set what ``target`` sees (or the conference default when ``target`` is None)."""
        raise self._unsupported("set_layout")

    @serves(Capability.SET_LAYOUT)
    async def layout(self, conference: str, *, target: str | None = None) -> Layout:
        """Read back what ``target`` sees (or the default layout)."""
        raise self._unsupported("layout")

    @serves(Capability.FULL_SCREEN)
    async def show_full_screen(
        self, conference: str, participant: str, *, target: str | None = None
    ) -> None:
        """Show one participant full-screen to ``target`` (or to everyone)."""
        raise self._unsupported("show_full_screen")

    @serves(Capability.MUTE)
    async def mute(self, conference: str, participant: str, on: bool) -> None:
        """Mute (``on=True``) or unmute the audio a participant sends into the conference."""
        raise self._unsupported("mute")

    @serves(Capability.STATS)
    async def stats(self, conference: str) -> list[CallStats]:
        """Receive-side call statistics of every connected participant."""
        raise self._unsupported("stats")

    @serves(Capability.HEALTH)
    async def health(self) -> DeviceHealth:
        """The MCU's own health report."""
        raise self._unsupported("health")

    @serves(Capability.CAPACITY)
    async def capacity(self) -> Capacity:
        """Ports in total and in use."""
        raise self._unsupported("capacity")
