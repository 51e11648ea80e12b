"""The Acme MCU API, sans I/O: paths, bodies, parsing. Used by the driver and the server.

The API is MADE UP for this example (no such device exists); README.md documents it. A
real plug-in cites its vendor's document for every path, field and value here.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from hnth_drivers.model import (
    Conference,
    ConnectionState,
    DeviceHealth,
    Participant,
    ParticipantKind,
)

__all__ = ["SESSION", "conference_path", "conferences_path", "health_path", "mute_path",
           "parse_conference", "parse_health", "parse_participant", "participant_path",
           "participants_path"]

SESSION = "/session"


def _seg(name: str) -> str:
    return quote(name, safe="")


def conferences_path() -> str:
    """``GET`` lists, ``POST {"name"}`` creates."""
    return "/conferences"


def conference_path(conference: str) -> str:
    """``DELETE`` destroys."""
    return f"/conferences/{_seg(conference)}"


def participants_path(conference: str) -> str:
    """``GET`` lists, ``POST {"name", "address"}`` adds and dials."""
    return f"{conference_path(conference)}/participants"


def participant_path(conference: str, name: str) -> str:
    """``DELETE`` removes."""
    return f"{participants_path(conference)}/{_seg(name)}"


def mute_path(conference: str, name: str) -> str:
    """``PUT {"on": bool}`` mutes or unmutes."""
    return f"{participant_path(conference, name)}/mute"


def health_path() -> str:
    """``GET`` the device's health."""
    return "/health"


def parse_conference(data: dict[str, Any]) -> Conference:
    """A conference object: ``{"name", "active", "participants"}``."""
    return Conference(name=str(data["name"]), active=bool(data.get("active", True)),
                      participant_count=int(data.get("participants", 0)))


def parse_participant(conference: str, data: dict[str, Any]) -> Participant:
    """A participant object: ``{"name", "address", "state", "muted"}``; ``state`` is one of
    ``dialling``, ``connecting``, ``connected``, ``disconnected``, ``failed``."""
    return Participant(conference=conference, name=str(data["name"]),
                       address=str(data["address"]), kind=ParticipantKind.SITE,
                       state=ConnectionState(str(data["state"])),
                       muted=bool(data.get("muted", False)))


def parse_health(device: str, data: dict[str, Any]) -> DeviceHealth:
    """A health object: ``{"uptime_s", "cpu_load_percent", "active_calls"}``."""
    return DeviceHealth(device=device, reachable=True, uptime_s=float(data["uptime_s"]),
                        cpu_load_percent=float(data["cpu_load_percent"]),
                        active_calls=int(data["active_calls"]))
