"""The Cisco TelePresence MCU ("Codian") XML-RPC API as data: faults, names, value tables.

Shared by the ``codian`` driver and the Codian simulator so the two cannot drift apart
on a name; both are tested against Python's own :mod:`xmlrpc.client` and the facts in
PROTOCOLS.md §5. Tables a deployment may need to adapt (call states, layout names) are
plain dicts.

Members beyond PROTOCOLS.md §5 (tag I, see docs/mcu.md): ``participant.enumerate`` may be
filtered by ``conferenceName``; participant structs carry ``callState``,
``audioRxMuted`` and ``cascadeRole``; ``participant.diagnostics`` returns
``rxPacketLossPercent``, ``rxJitterMs`` and ``oneWayDelayMs``; per-target layouts are set
with ``participant.modify`` (``cpLayout`` + ``panes``) and read with
``participant.status``; ``device.query`` reports ``portsVideoTotal`` / ``portsVideoFree``.
"""

from __future__ import annotations

import enum

from ..model import ConnectionState, Layout, LayoutKind, Pane, PaneKind

__all__ = [
    "CALL_STATES",
    "METHODS",
    "PANE_TYPES",
    "READ_METHODS",
    "TRANSIENT_FAULTS",
    "FaultCode",
    "cp_layout_name",
    "grid_of_cp_layout",
    "layout_from_panes",
]


class FaultCode(enum.IntEnum):
    """Documented fault codes (PROTOCOLS.md §5), plus XML-RPC's own parse error."""

    METHOD_NOT_SUPPORTED = 1
    DUPLICATE_CONFERENCE_NAME = 2
    DUPLICATE_PARTICIPANT_NAME = 3
    NO_SUCH_CONFERENCE = 4
    NO_SUCH_PARTICIPANT = 5
    TOO_MANY_CONFERENCES = 6
    TOO_MANY_PARTICIPANTS = 7
    NO_CONFERENCE_NAME = 8
    NO_PARTICIPANT_NAME = 9
    NO_PARTICIPANT_ADDRESS = 10
    INVALID_PIN = 13
    UNAUTHORISED = 14
    INSUFFICIENT_PRIVILEGES = 15
    INVALID_ENUMERATE_ID = 16
    PORT_RESERVATION_FAILURE = 17
    INTERNAL_ERROR = 34
    MISSING_PARAMETER = 101
    INVALID_PARAMETER = 102
    OPERATION_FAILED = 201
    PARSE_ERROR = -32700


TRANSIENT_FAULTS = frozenset({FaultCode.INTERNAL_ERROR, FaultCode.OPERATION_FAILED})
"""Faults after which an idempotent read may be tried once more."""

METHODS = (
    "conference.create", "conference.destroy", "conference.enumerate", "conference.modify",
    "conference.status", "conference.paneplacement.modify", "conference.paneplacement.query",
    "participant.add", "participant.remove", "participant.enumerate", "participant.modify",
    "participant.connect", "participant.disconnect", "participant.status",
    "participant.diagnostics", "device.query", "device.health.query",
)
"""Methods the simulator serves (``participant.move`` and ``feedbackReceiver.configure``
answer fault 1)."""

READ_METHODS = frozenset({
    "conference.enumerate", "conference.status", "conference.paneplacement.query",
    "participant.enumerate", "participant.status", "participant.diagnostics", "device.query",
    "device.health.query",
})
"""Idempotent methods: safe to try once more after a transient failure."""

CALL_STATES: dict[str, ConnectionState] = {state.value: state for state in ConnectionState}
"""``callState`` member values (tag I) ↔ connection states."""

PANE_TYPES: dict[str, PaneKind] = {
    "default": PaneKind.DEFAULT, "blank": PaneKind.BLANK, "loudest": PaneKind.LOUDEST,
    "rolling": PaneKind.ROLLING, "participant": PaneKind.PARTICIPANT,
}
"""Pane ``type`` values (PROTOCOLS.md §5; ``h239`` is not modelled)."""


def cp_layout_name(grid: int) -> str:
    """``cpLayout`` name of an N×N layout: ``layoutN`` (simulator convention, tag I)."""
    return f"layout{grid}"


def grid_of_cp_layout(name: str) -> int | None:
    """N of a ``layoutN`` name (1..8), or None if it is not one."""
    digits = name.removeprefix("layout")
    if name.startswith("layout") and digits.isdigit() and 1 <= int(digits) <= 8:
        return int(digits)
    return None


def layout_from_panes(grid: int, panes: tuple[Pane, ...]) -> Layout:
    """A :class:`Layout` from an N×N grid size and panes, its kind read from its shape."""
    kind = LayoutKind.GRID
    if grid == 1 and len(panes) == 1:
        kind = {PaneKind.PARTICIPANT: LayoutKind.FULL_SCREEN, PaneKind.LOUDEST:
                LayoutKind.LOUDEST, PaneKind.BLANK: LayoutKind.BLANK}.get(panes[0].kind,
                                                                         LayoutKind.GRID)
    return Layout(kind, grid * grid, panes)
