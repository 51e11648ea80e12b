"""SNMP for a simulated meeting: one simulated device per MCU on one SNMPv3 agent.

:func:`simulated_snmp` starts :class:`hnth_sim.snmp.SnmpAgent` on a loopback port with
one device per MCU id (its SNMPv3 context is the MCU id), and yields
:class:`SimulatedSnmp`: a strict-policy :class:`~hnth_drivers.monitor.snmp.SnmpPoller`
and one :class:`~hnth_drivers.monitor.snmp.SnmpTarget` per MCU. Keys are random per run::

    async with simulated_snmp(meeting.drivers) as snmp:
        snmp.device("mcu-p01").silent = True      # fault injection
        health = await snmp.poller.poll(snmp.targets["mcu-p01"])
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from hnth_drivers.monitor.snmp import SnmpPoller, SnmpTarget
from hnth_drivers.security.policy import STRICT
from hnth_drivers.security.secrets import Secret
from hnth_drivers.transport.snmp import SnmpV3User

from .snmp import SimDevice, SnmpAgent

__all__ = ["SimulatedSnmp", "simulated_snmp"]


@dataclass
class SimulatedSnmp:
    """A running agent, a poller and the targets (by MCU id)."""

    agent: SnmpAgent
    poller: SnmpPoller
    targets: dict[str, SnmpTarget]

    def device(self, mcu_id: str) -> SimDevice:
        """The simulated device of ``mcu_id`` (to inject faults)."""
        return self.agent.device(mcu_id)


@asynccontextmanager
async def simulated_snmp(mcu_ids: Iterable[str], *, timeout_s: float = 1.0, retries: int = 1,
                         max_in_flight: int = 32, vendor: str = "mib2"
                         ) -> AsyncIterator[SimulatedSnmp]:
    """An agent with one device per MCU and a poller reaching each (see module doc).

    ``vendor`` is the targets' profile: ``mib2`` (the default) reads the MCU's own health
    (uptime, interfaces, load), not a call table.
    """
    ids = list(mcu_ids)
    auth, priv = secrets.token_urlsafe(12), secrets.token_urlsafe(12)
    devices = [SimDevice(m, descr=f"hnth-sim MCU {m}") for m in ids]
    async with SnmpAgent(devices, auth_key=auth, priv_key=priv) as agent, \
            SnmpPoller(STRICT, max_in_flight=max_in_flight) as poller:
        creds = SnmpV3User("admin", Secret(auth), Secret(priv))
        host, port = agent.address
        targets = {m: SnmpTarget(m, host, creds, port=port, vendor=vendor, context=m,
                                 timeout=timeout_s, retries=retries) for m in ids}
        yield SimulatedSnmp(agent, poller, targets)
