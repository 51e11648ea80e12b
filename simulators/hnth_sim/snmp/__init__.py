"""Simulated SNMP-managed devices and the SNMPv3 agent that serves them.

See :mod:`hnth_sim.snmp.mib` for the objects served and the documented enterprise subtree.
"""

from .agent import SnmpAgent, devices_named
from .device import SimCall, SimDevice, SimInterface, SimVendor
from .mib import HNTH_SIM, MibView, render

__all__ = ["HNTH_SIM", "MibView", "SimCall", "SimDevice", "SimInterface", "SimVendor",
           "SnmpAgent", "devices_named", "render"]
