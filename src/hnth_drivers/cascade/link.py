"""The cascade-link contract: a slave MCU's conference joined to the master's.

A link is one participant on each side and uses one port on each. The slave sends one
site full-screen up the link (``send_up``); the master lays the link out on the chair's
screen. Concrete links (over any pair of Mcu drivers) live beside this contract.
"""

from __future__ import annotations

import abc

from ..model import ConnectionState

__all__ = ["CascadeLink"]


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
