"""An in-process :class:`~hnth_drivers.mcu.base.Mcu` over a simulated MCU model.

For tests of code that sits above the drivers (cascade links, the switch path, the
watchdog) where the wire protocol is not the subject: every call goes straight to a
:class:`hnth_sim.mcu.model.McuModel`, after the model's injected API latency and faults
(``model.faults``), exactly as a protocol front end would apply them. Protocol drivers
are tested against the real servers; this adapter never replaces them in the national
simulation.
"""

from __future__ import annotations

import asyncio
from typing import ClassVar

from hnth_sim.mcu.model import McuModel

from ..errors import ConnectError
from ..mcu.base import Mcu
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

__all__ = ["ModelMcu"]


class ModelMcu(Mcu):
    """An ``Mcu`` driver that calls an :class:`McuModel` in the same process."""

    name: ClassVar[str] = "model"
    capabilities: ClassVar[frozenset[Capability]] = frozenset({
        Capability.CONFERENCES, Capability.CREATE_CONFERENCE, Capability.PARTICIPANTS,
        Capability.ADD_PARTICIPANT, Capability.REMOVE_PARTICIPANT,
        Capability.CONNECT_PARTICIPANT, Capability.SET_LAYOUT, Capability.TARGETED_LAYOUT,
        Capability.FULL_SCREEN, Capability.MUTE, Capability.STATS, Capability.HEALTH,
        Capability.CAPACITY,
    })

    def __init__(self, model: McuModel) -> None:
        self.model = model
        self.calls = 0
        self._open = False

    @property
    def device(self) -> str:
        """The model's MCU id."""
        return self.model.id

    async def open(self) -> None:
        """Nothing to connect; refuses when the model is down."""
        await self._admit("open")
        self._open = True

    async def close(self) -> None:
        """Nothing to release."""
        self._open = False

    async def _admit(self, operation: str) -> None:
        self.calls += 1
        if self.model.faults.down:
            raise ConnectError("MCU does not answer", device=self.device, operation=operation)
        delay = self.model.admit(operation)
        if delay:
            await asyncio.sleep(delay)

    async def conferences(self) -> list[Conference]:
        """All conferences."""
        await self._admit("conferences")
        return [c.to_model() for c in self.model.conferences()]

    async def create_conference(self, name: str, *, pin: str | None = None) -> Conference:
        """Create a conference."""
        await self._admit("create_conference")
        return self.model.create_conference(name, pin=pin).to_model()

    async def destroy_conference(self, name: str) -> None:
        """Destroy a conference."""
        await self._admit("destroy_conference")
        self.model.destroy_conference(name)

    async def participants(self, conference: str) -> list[Participant]:
        """Participants with their states."""
        await self._admit("participants")
        return [p.to_model() for p in self.model.participants(conference)]

    async def participant(self, conference: str, name: str) -> Participant:
        """One participant."""
        await self._admit("participant")
        return self.model.participant(conference, name).to_model()

    async def add_participant(
        self,
        conference: str,
        endpoint: Endpoint,
        *,
        name: str | None = None,
        kind: ParticipantKind = ParticipantKind.SITE,
    ) -> Participant:
        """Add and dial a participant."""
        await self._admit("add_participant")
        return self.model.add_participant(conference, endpoint, name=name, kind=kind).to_model()

    async def remove_participant(self, conference: str, participant: str) -> None:
        """Remove a participant."""
        await self._admit("remove_participant")
        self.model.remove_participant(conference, participant)

    async def connect_participant(self, conference: str, participant: str) -> None:
        """Dial a participant again."""
        await self._admit("connect_participant")
        self.model.connect_participant(conference, participant)

    async def disconnect_participant(self, conference: str, participant: str) -> None:
        """Hang a participant up, keeping it."""
        await self._admit("disconnect_participant")
        self.model.disconnect_participant(conference, participant)

    async def set_layout(
        self, conference: str, layout: Layout, *, target: str | None = None
    ) -> None:
        """Set a layout."""
        await self._admit("set_layout")
        self.model.set_layout(conference, layout, target=target)

    async def layout(self, conference: str, *, target: str | None = None) -> Layout:
        """Read a layout back."""
        await self._admit("layout")
        return self.model.layout(conference, target=target)

    async def show_full_screen(
        self, conference: str, participant: str, *, target: str | None = None
    ) -> None:
        """One participant full-screen."""
        await self._admit("show_full_screen")
        self.model.show_full_screen(conference, participant, target=target)

    async def mute(self, conference: str, participant: str, on: bool) -> None:
        """Mute or unmute."""
        await self._admit("mute")
        self.model.mute(conference, participant, on)

    async def stats(self, conference: str) -> list[CallStats]:
        """Call statistics."""
        await self._admit("stats")
        return self.model.stats(conference)

    async def health(self) -> DeviceHealth:
        """Health."""
        await self._admit("health")
        return self.model.health()

    async def capacity(self) -> Capacity:
        """Ports."""
        await self._admit("capacity")
        return self.model.capacity()
