"""The SMC's reply structures read as the model's values (sans-I/O, for ``smc``).

:mod:`hnth_drivers.mcu.smc` decides which operations to call; this module turns what they
return — ``SiteStatusEx``, ``ConferenceStatusEx``, ``getContinuousPresenceParamEx`` and
``getContinuousPresenceInfoEx`` replies, as :func:`hnth_drivers.mcu.smc_client.read_reply`
reads them — into :class:`~hnth_drivers.model.Participant`, ``Conference`` and ``Layout``
values, with the value tables of :mod:`hnth_drivers.mcu.smc_protocol`. Sources of each
element: docs/mcu-smc.md. Nothing here sends a request or keeps state.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Sequence
from typing import Any

from ..errors import ConfigError, ProtocolError
from ..model import (
    Conference,
    ConnectionState,
    Layout,
    LayoutKind,
    Pane,
    PaneKind,
    Participant,
    ParticipantKind,
    SignalProtocol,
)
from .smc_protocol import PRESENCE_MODES, SITE_STATES, SITE_TYPES, Flag, pane_count

__all__ = ["CONFERENCE_CP", "NO_CONFERENCE", "NO_SITE", "STALE_CONFERENCE", "conference_of",
           "items", "layout_of", "looks_like_cascade", "participant_of", "supported_modes"]

CONFERENCE_CP = ""
"""``setContinuousPresenceEx`` / ``getContinuousPresenceParamEx`` target meaning the
conference's own continuous presence (eSDK_tp_00046)."""
NO_CONFERENCE = 570789889
""""conference does not exist or is not running" (eSDK_tp_error_02)."""
NO_SITE = 1347440653
""""specified site not in the conference" (eSDK_tp_error_01)."""
STALE_CONFERENCE = frozenset({NO_CONFERENCE, 1344274468, 1347420162})
"""Result codes after which a cached ``confId`` is looked up again (eSDK_tp_error_01/02)."""
_RUNNING = 3            # ConferenceStatusEx.status: running (eSDK_tp_00009)
_CASCADE_RE = re.compile(r"^[^@\s]+@[A-Za-z0-9][A-Za-z0-9_-]*$")


def looks_like_cascade(uri: str) -> bool:
    """Whether ``uri`` has the ``<conference>@<mcu id>`` form of our network files' cascade
    addresses. The SMC reports no participant kind; this is our convention, not Huawei's."""
    return bool(_CASCADE_RE.match(uri))


def items(value: Any) -> list[Any]:
    """A repeated element as a list (absent: empty; one value: a list of one)."""
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def conference_of(status: Any) -> Conference | None:
    """A ``ConferenceStatusEx`` as a Conference named by its ``name`` (its ``id`` if it
    has none); None without an ``id``."""
    if not status.id:
        return None
    return Conference(name=status.name or status.id, id=status.id,
                      active=status.status == _RUNNING)


def participant_of(conference: str, status: Any, *, cascade: bool, device: str) -> Participant:
    """A ``SiteStatusEx`` as a Participant (ProtocolError naming ``device`` if its URI is
    missing or ``isMute`` is not 0/1). Undocumented ``status`` values become UNKNOWN with
    the raw value kept; a site that failed to connect (a ``callFailedReson``) is FAILED."""
    uri = status.uri or ""
    name = status.name or uri
    if not uri or not name.strip():
        raise ProtocolError("a site status without a URI", device=device,
                            operation="queryConfSitesStatusEx", expected="uri",
                            got=repr(status.uri)[:40])
    raw = status.status
    state, meaning = SITE_STATES.get(raw, (ConnectionState.UNKNOWN, "undocumented"))
    failed = status.callFailedReson or status.callFailedReason
    reason = None
    if failed is not None:
        reason = f"{failed.errCode} {failed.discription or ''}".strip()[:120]
        if state is ConnectionState.DISCONNECTED:
            state = ConnectionState.FAILED
    try:
        muted = Flag.MUTE.read(status.isMute)
    except ValueError as exc:
        raise ProtocolError("invalid isMute", device=device,
                            operation="queryConfSitesStatusEx", expected="0 or 1",
                            got=str(exc)[:60]) from None
    fields: dict[str, Any] = {
        "conference": conference, "name": name, "address": uri,
        "protocol": SITE_TYPES.get(status.type) or SignalProtocol.H323,
        "kind": ParticipantKind.CASCADE if cascade else ParticipantKind.SITE,
        "state": state, "muted": muted, "raw_state": f"{raw} {meaning}"[:80],
        "disconnect_reason": reason}
    if not cascade:
        with contextlib.suppress(ConfigError):   # a name that is not a valid site id
            return Participant(**fields, site=name)
    return Participant(**fields)


def layout_of(mode: Any, names: Sequence[str], *, device: str) -> Layout:
    """The conference's continuous presence (``presenceMode``, the names of its
    ``subPics`` in pane order) as a Layout; ProtocolError for an unknown mode or more
    sub-pictures than the mode has panes."""
    try:
        count = pane_count(mode)
    except ValueError as exc:
        raise ProtocolError("invalid presenceMode", device=device,
                            operation="getContinuousPresenceParamEx",
                            expected="0..49", got=str(exc)[:60]) from None
    if count == 0:
        return Layout(LayoutKind.OTHER, 1, (), PRESENCE_MODES[0])
    if len(names) > count:
        raise ProtocolError("more sub-pictures than panes", device=device,
                            operation="getContinuousPresenceParamEx",
                            expected=f"at most {count}", got=str(len(names)))
    panes = tuple(Pane(i, PaneKind.PARTICIPANT, n) for i, n in enumerate(names))
    kind = LayoutKind.FULL_SCREEN if count == 1 and panes else LayoutKind.GRID
    return Layout(kind, count, panes, PRESENCE_MODES[mode])


def supported_modes(modes: Any) -> list[str]:
    """``supportCPModes`` as CP_ names (values outside 0–49 are left out)."""
    return [PRESENCE_MODES[m] for m in items(modes)
            if isinstance(m, int) and not isinstance(m, bool) and 0 <= m < len(PRESENCE_MODES)]
