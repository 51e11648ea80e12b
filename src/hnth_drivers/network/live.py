"""The meeting's cascade as it runs now, read back from the MCUs.

A failover (``hnth cascade failover``, or the watchdog's automatic one) moves the meeting to
the standby the network file names (``role = "standby"``); nothing is stored about it. Every
later command, and the operator console, finds out which MCU is the master now by asking the
master and the standby (:func:`live_cascade`): the standby is the master when its conference
has the chair connected and the master's has not, or the master does not answer
(:func:`~hnth_drivers.cascade.failover.active_master`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..cascade.live import LiveCascade, McuNode
    from ..security.access import Operator
    from .fleet import Fleet
    from .model import McuEntry

__all__ = ["PROBE_S", "live_cascade", "standby_entry", "standby_node"]

#: How long opening the master or the standby may take before it counts as lost (seconds).
PROBE_S = 5.0


def standby_entry(fleet: Fleet) -> McuEntry | None:
    """The network file's standby MCU (``role = "standby"``), if it names one."""
    from ..cascade.topology import McuRole

    return next((m for m in fleet.network.mcus if m.role is McuRole.STANDBY), None)


def standby_node(fleet: Fleet, entry: McuEntry) -> McuNode:
    """The standby as a cascade node: its driver (built), the meeting's conference."""
    from ..cascade.live import McuNode

    return McuNode(entry.id, fleet.mcu_driver(entry.id), fleet.network.conference)


async def live_cascade(fleet: Fleet, *, operator: Operator | None = None,
                       actor: str | None = None, probe_s: float = PROBE_S) -> LiveCascade:
    """The meeting's cascade as it runs now: the file's, or, when the standby has taken the
    master's place, the file's with the standby as master
    (:func:`~hnth_drivers.cascade.failover.successor`). Opens the master and the standby
    (each within ``probe_s``) to find out; with no standby in the file, opens nothing."""
    from ..cascade.failover import active_master, successor

    cascade = fleet.cascade(operator=operator, actor=actor)
    entry = standby_entry(fleet)
    if entry is None:
        return cascade
    master_id = cascade.master
    results = await fleet.open_all([fleet.network.mcu(master_id).target(), entry.target()],
                                   timeout_s=probe_s)
    if not results[1].ok:
        return cascade  # no standby to have taken over
    master = cascade.nodes[master_id] if results[0].ok else None
    standby = standby_node(fleet, entry)
    if await active_master(master, standby, cascade.chair) == standby.id:
        return successor(cascade, standby)
    return cascade
