"""A whole network as data, and the drivers for it.

:func:`load_network` reads a network file (sites, rooms, MCUs, cascade links, SNMP
targets, trust files, credential references; ``docs/network.md``) and :class:`Fleet`
builds every device's driver through the entry-point registry
(:meth:`hnth_drivers.driver.Driver.from_target`), opens them with bounded concurrency
and closes them together.
"""

from __future__ import annotations

from .credentials import NetworkSecrets, check_credentials
from .fleet import DeviceResult, Fleet
from .load import load_network, loads_network
from .model import (
    CameraEntry,
    CodecEntry,
    CredentialRef,
    LinkEntry,
    McuEntry,
    Network,
    NetworkFileError,
    Room,
    SiteEntry,
    SnmpEntry,
)

__all__ = ["CameraEntry", "CodecEntry", "CredentialRef", "DeviceResult", "Fleet", "LinkEntry",
           "McuEntry", "Network",
           "NetworkFileError", "NetworkSecrets", "Room", "SiteEntry", "SnmpEntry",
           "check_credentials", "load_network", "loads_network"]
