"""What participants see and hear: layouts resolved to participants, through cascades.

``shown(conf, target)`` resolves ``target``'s layout (its own, else the conference
default) to the connected participants in its panes, on one MCU. ``collect_screen`` and
``collect_audio`` follow CASCADE participants to the far MCU's conference, recursively;
``seen`` holds the far legs already visited so that loops end. The semantics are
documented in :mod:`hnth_sim.mcu.model`.
"""

from __future__ import annotations

from hnth_drivers.model import PaneKind, ParticipantKind

from .conference import SimConference, SimParticipant

__all__ = ["collect_audio", "collect_screen", "shown"]


def shown(conf: SimConference, target: SimParticipant | None) -> list[SimParticipant]:
    """The connected participants in the panes of ``target``'s layout, in pane order."""
    layout = conf.layouts.get(target.name, conf.default_layout) if target is not None \
        else conf.default_layout
    size = layout.pane_count
    slots: list[SimParticipant | None] = [None] * size
    kinds = [PaneKind.DEFAULT] * size
    placed: set[str] = set()
    for pane in layout.panes:
        kinds[pane.index] = pane.kind
        if pane.kind is PaneKind.PARTICIPANT and pane.participant is not None:
            placed.add(pane.participant)
            leg = conf.participants.get(pane.participant)
            if leg is not None and leg is not target and leg.connected:
                slots[pane.index] = leg
    if any(k in (PaneKind.DEFAULT, PaneKind.ROLLING, PaneKind.LOUDEST) for k in kinds):
        pool = [leg for leg in conf.participants.values()
                if leg is not target and leg.name not in placed and leg.connected]
        speaker = conf.participants.get(conf.speaker) if conf.speaker else None
        if speaker not in pool or (speaker is not None and speaker.muted):
            speaker = next((leg for leg in pool if not leg.muted), None)
        if PaneKind.LOUDEST in kinds and speaker is not None:
            for i, kind in enumerate(kinds):
                if kind is PaneKind.LOUDEST:
                    slots[i] = speaker
            pool.remove(speaker)
        rest = iter(pool)
        for i, kind in enumerate(kinds):
            if kind in (PaneKind.DEFAULT, PaneKind.ROLLING):
                slots[i] = next(rest, None)
    return [leg for leg in slots if leg is not None]


def collect_screen(conf: SimConference, target: SimParticipant | None, seen: set[int],
                    out: dict[str, None]) -> None:
    """Add the site ids on ``target``'s screen to ``out`` (ordered, no repeats)."""
    for leg in shown(conf, target):
        if leg.kind is ParticipantKind.SITE:
            if leg.site is not None:
                out[leg.site] = None
            continue
        far = leg.far_leg
        if far is not None and id(far) not in seen and far.connected:
            seen.add(id(far))
            collect_screen(far.conference, far, seen, out)


def _up(leg: SimParticipant, now: float) -> bool:
    """``leg.connected`` at clock time ``now`` (the rule of SimParticipant.state), for
    walks that read one clock per conference instead of one per participant."""
    call = leg.call
    return call is not None and not call.ended and not call.fails and now >= call.connect_at


def collect_audio(conf: SimConference, listener: SimParticipant, seen: set[int],
                   out: set[str]) -> None:
    """Add the site ids ``listener`` hears to ``out``."""
    now = conf.mcu.clock.now()
    for leg in conf.participants.values():
        if leg is listener or leg.muted or not _up(leg, now):
            continue
        if leg.kind is ParticipantKind.SITE:
            if leg.site is not None:
                out.add(leg.site)
            continue
        far = leg.far_leg
        if far is not None and id(far) not in seen and far.connected:
            seen.add(id(far))
            collect_audio(far.conference, far, seen, out)
