"""The SOAP operations on the model without a socket: the site status shortcut is exact."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from hypothesis import given, settings
from hypothesis import strategies as st

from hnth_drivers.mcu.smc_protocol import NAMESPACE
from hnth_drivers.model import Endpoint, Layout, LayoutKind, Pane, PaneKind
from hnth_sim.mcu.model import ManualClock, Network
from hnth_sim.mcu.smc_ops import OPERATIONS, SmcState
from hnth_sim.mcu.smc_soap import element, envelope

NAMES = [f"s{i}" for i in range(6)]


@st.composite
def scenes(draw: st.DrawFn) -> dict[str, object]:
    grid = draw(st.integers(1, 3))
    slots = draw(st.lists(st.integers(0, grid * grid - 1), unique=True, max_size=4))
    panes = []
    for i in slots:
        kind = draw(st.sampled_from(list(PaneKind)))
        who = draw(st.sampled_from(NAMES)) if kind is PaneKind.PARTICIPANT else None
        panes.append(Pane(i, kind, who))
    return {
        "default": Layout(LayoutKind.GRID, grid * grid, tuple(panes)),
        "down": draw(st.sets(st.sampled_from(NAMES), max_size=3)),
        "muted": draw(st.sets(st.sampled_from(NAMES), max_size=3)),
        "speaker": draw(st.none() | st.sampled_from(NAMES)),
        "own": draw(st.dictionaries(st.sampled_from(NAMES),
                                    st.sampled_from(NAMES).map(Layout.full_screen),
                                    max_size=2)),
    }


@settings(max_examples=150, deadline=None)
@given(scenes())
def test_video_source_equals_the_exact_view(scene: dict[str, object]) -> None:
    net = Network(clock=ManualClock(), seed=3)
    mcu = net.add_mcu("m", ports=20)
    conf = mcu.create_conference("c")
    for i, name in enumerate(NAMES):
        mcu.add_participant("c", Endpoint(name, f"10.0.0.{i + 1}"))
    for name in scene["down"]:  # type: ignore[attr-defined]
        mcu.disconnect_participant("c", name)
    for name in scene["muted"]:  # type: ignore[attr-defined]
        mcu.mute("c", name, True)
    mcu.set_speaker("c", scene["speaker"])  # type: ignore[arg-type]
    mcu.set_layout("c", scene["default"])  # type: ignore[arg-type]
    for target, layout in scene["own"].items():  # type: ignore[attr-defined]
        mcu.set_layout("c", layout, target=target)
    _, reply = envelope("queryConfSitesStatusEx")
    body = ET.Element(f"{{{NAMESPACE}}}queryConfSitesStatusEx")
    element(body, "confId", conf.id)
    OPERATIONS["queryConfSitesStatusEx"](SmcState(mcu), body, reply)
    for status in reply:
        name = status.findtext(f"{{{NAMESPACE}}}name") or ""
        source = status.findtext(f"{{{NAMESPACE}}}videoSource")
        exact = mcu.shown_to("c", name) if mcu.participant("c", name).connected else []
        assert source == (exact[0].address if exact else None), name
