"""The SMC-style SOAP conference service, sans I/O: names, faults, login, layouts.

Shared by the ``smc`` driver and the simulator's SOAP front end (which may import this
module: it touches no socket). Facts: PROTOCOLS.md §6. The WSDL is ours
(:data:`WSDL_PATH`, namespace :data:`NAMESPACE`).

- Identity on the wire: a conference is its ``confId``, a site is its ``uri`` (the address
  the MCU dials). The contract speaks names; the driver maps them.
- Login: ``LoginRequest(userName, clientType)`` answers a random sequence and sets the
  ``JSESSIONID`` cookie; ``Authenticate(encryptPassword)`` proves the password with
  :func:`encrypt_password` (HMAC-SHA-256 of the random sequence keyed by the password:
  the password itself never crosses the wire).
- Faults: ``AuthenticationFault`` (:class:`AuthFaultReason`) and ``ConferenceFault``
  (:class:`ConferenceFaultReason` with its numeric ``errorCode``).
- Continuous presence: ``presenceMode`` is the number of sub-pictures (1, 4, 9 … 64: an
  N×N grid) and ``subPics`` the panes placed explicitly (:func:`presence_of`,
  :func:`layout_of`).
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Final

from ..errors import ProtocolError
from ..model import Layout, LayoutKind, Pane, PaneKind

__all__ = [
    "CLIENT_TYPE",
    "NAMESPACE",
    "SESSION_COOKIE",
    "WSDL_PATH",
    "AuthFaultReason",
    "ConferenceFaultReason",
    "SubPicture",
    "encrypt_password",
    "layout_of",
    "presence_of",
    "wsdl_bytes",
]

NAMESPACE: Final = "http://smc.huawei.com/"
SESSION_COOKIE: Final = "JSESSIONID"
CLIENT_TYPE: Final = "API"
WSDL_PATH: Final[Path] = Path(str(resources.files("hnth_drivers.mcu").joinpath("wsdl", "smc.wsdl")))


def wsdl_bytes() -> bytes:
    """The shipped WSDL document."""
    return WSDL_PATH.read_bytes()


def encrypt_password(password: str, random_sequence: bytes) -> bytes:
    """The ``encryptPassword`` answering one login challenge (HMAC-SHA-256)."""
    return hmac.new(password.encode("utf-8"), random_sequence, hashlib.sha256).digest()


class AuthFaultReason(enum.StrEnum):
    """Why the service refused a session (``AuthenticationFault/reason``)."""

    BAD_CREDENTIALS = "badCredentials"
    NOT_LOGGED_IN = "notLoggedIn"
    SESSION_EXPIRED = "sessionExpired"


class ConferenceFaultReason(enum.StrEnum):
    """Why the service refused a conference operation (``ConferenceFault/reason``).

    Member names match the simulator's wire-neutral refusals one to one.
    """

    NOT_SUPPORTED = "notSupported"
    DUPLICATE_CONFERENCE = "duplicateConference"
    DUPLICATE_PARTICIPANT = "duplicateSite"
    NO_SUCH_CONFERENCE = "noSuchConference"
    NO_SUCH_PARTICIPANT = "noSuchSite"
    TOO_MANY_CONFERENCES = "tooManyConferences"
    TOO_MANY_PARTICIPANTS = "noFreePort"
    UNAUTHORISED = "unauthorised"
    INVALID_ENUMERATE_ID = "invalidEnumerateId"
    INTERNAL_ERROR = "internalError"
    MISSING_PARAMETER = "missingParameter"
    INVALID_PARAMETER = "invalidParameter"
    OPERATION_FAILED = "operationFailed"

    @property
    def code(self) -> int:
        """The numeric ``errorCode`` sent with this reason."""
        return _CODES[self]


_CODES = {reason: 1000 + i for i, reason in enumerate(ConferenceFaultReason)}


@dataclass(frozen=True, slots=True)
class SubPicture:
    """One explicitly placed pane: its index, what it shows, and the site's URI (or name)."""

    index: int
    kind: PaneKind
    site: str | None = None


def presence_of(layout: Layout) -> tuple[int, list[SubPicture]]:
    """``(presenceMode, subPics)`` of a layout; sites are the participants' names."""
    return layout.pane_count, [SubPicture(p.index, p.kind, p.participant)
                                       for p in layout.panes]


def layout_of(presence_mode: int, sub_pictures: list[SubPicture]) -> Layout:
    """The layout a ``presenceMode`` and its ``subPics`` describe.

    One sub-picture showing a participant reads back as full screen, a loudest one as
    voice-switched, a blank one as blank; anything else is a grid. ProtocolError when the
    mode is not a square of 1..8 or a pane is invalid.
    """
    if isinstance(presence_mode, bool) or not isinstance(presence_mode, int):
        raise ProtocolError("invalid presenceMode", operation="setContinuousPresenceEx",
                            expected="1, 4, 9 … 64 sub-pictures", got=repr(presence_mode)[:40])
    grid = math.isqrt(presence_mode) if presence_mode > 0 else 0
    if grid < 1 or grid > 8 or grid * grid != presence_mode:
        raise ProtocolError("invalid presenceMode", operation="setContinuousPresenceEx",
                            expected="1, 4, 9 … 64 sub-pictures", got=repr(presence_mode))
    try:
        panes = tuple(Pane(s.index, s.kind, s.site) for s in sub_pictures)
        if grid == 1 and len(panes) == 1:
            kind = {PaneKind.PARTICIPANT: LayoutKind.FULL_SCREEN,
                    PaneKind.LOUDEST: LayoutKind.LOUDEST,
                    PaneKind.BLANK: LayoutKind.BLANK}.get(panes[0].kind, LayoutKind.GRID)
        else:
            kind = LayoutKind.GRID
        return Layout(kind, presence_mode, panes)
    except ValueError as exc:  # ConfigError from the model's validation
        raise ProtocolError("invalid sub-pictures", operation="setContinuousPresenceEx",
                            expected="distinct pane indexes inside the grid, a site exactly "
                            "for participant panes", got=str(exc)) from exc
