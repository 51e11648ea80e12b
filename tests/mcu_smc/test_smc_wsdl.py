"""The shipped WSDL and the sans-I/O protocol module (no network)."""

from __future__ import annotations

import defusedxml.ElementTree as ElementTree
import pytest
import zeep
from hypothesis import given
from hypothesis import strategies as st

from hnth_drivers.errors import ProtocolError
from hnth_drivers.mcu.smc_client import SAFE_SETTINGS
from hnth_drivers.mcu.smc_protocol import (
    NAMESPACE,
    WSDL_PATH,
    AuthFaultReason,
    ConferenceFaultReason,
    SubPicture,
    encrypt_password,
    layout_of,
    presence_of,
)
from hnth_drivers.model import Layout, LayoutKind, Pane, PaneKind

# PROTOCOLS.md §6: the operations the issue names
OPERATIONS = {"LoginRequest", "Authenticate", "KeepAlive", "Logout", "scheduleConfEx",
              "delScheduledConfEx", "prolongScheduledConfEx", "addSiteToConfEx",
              "delSiteFromConfEx", "connectSitesEx", "disconnectSitesEx",
              "queryConfSitesStatusEx", "queryConferencesStatusEx", "setBroadcastSiteEx",
              "setContinuousPresenceEx", "setSitesMuteEx", "setVideoSourceEx"}


def test_wsdl_loads_strictly_with_every_operation_and_typed_faults() -> None:
    client = zeep.Client(str(WSDL_PATH), settings=SAFE_SETTINGS)
    binding = client.wsdl.bindings[f"{{{NAMESPACE}}}SmcConferenceBinding"]
    assert set(binding._operations) == OPERATIONS
    for name, operation in binding._operations.items():
        faults = set(operation.faults)
        assert "AuthenticationFault" in faults, name
        if name not in {"LoginRequest", "Authenticate", "KeepAlive", "Logout"}:
            assert "ConferenceFault" in faults, name
    xs = "{http://www.w3.org/2001/XMLSchema}"
    schema = ElementTree.parse(WSDL_PATH).getroot()
    for type_name, enum in (("ConferenceFaultReason", ConferenceFaultReason),
                            ("AuthFaultReason", AuthFaultReason)):
        declared = schema.find(f".//{xs}simpleType[@name='{type_name}']")
        assert declared is not None
        assert {e.get("value") for e in declared.iter(f"{xs}enumeration")} == \
            {r.value for r in enum}


def test_encrypt_password_matches_openssl() -> None:
    # printf 'abc123challenge' | openssl dgst -sha256 -hmac 'pa55word'
    assert encrypt_password("pa55word", b"abc123challenge").hex() == \
        "0006d93efa4ea85728501945bc3dd13a3207013e1a08bfeb8cf362694935d7b8"


def test_fault_codes_are_distinct() -> None:
    codes = [r.code for r in ConferenceFaultReason]
    assert len(set(codes)) == len(codes)
    assert ConferenceFaultReason.NO_SUCH_CONFERENCE.code == 1003


@pytest.mark.parametrize("layout", [
    Layout.full_screen("a"), Layout.loudest(), Layout.blank(), Layout.grid_of(["a", "b"]),
    Layout(LayoutKind.GRID, 16, ()), Layout(LayoutKind.GRID, 1, (Pane(0),)),
])
def test_canonical_layouts_round_trip(layout: Layout) -> None:
    assert layout_of(*presence_of(layout)) == layout


@st.composite
def layouts(draw: st.DrawFn) -> Layout:
    grid = draw(st.integers(1, 8))
    indexes = draw(st.lists(st.integers(0, grid * grid - 1), unique=True, max_size=6))
    panes = []
    for i in indexes:
        kind = draw(st.sampled_from(list(PaneKind)))
        panes.append(Pane(i, kind, f"p{i}" if kind is PaneKind.PARTICIPANT else None))
    return Layout(draw(st.sampled_from(list(LayoutKind))), grid * grid, tuple(panes))


@given(layouts())
def test_any_layout_keeps_grid_and_panes_over_the_wire(layout: Layout) -> None:
    back = layout_of(*presence_of(layout))
    assert (back.pane_count, back.panes) == (layout.pane_count, layout.panes)


@pytest.mark.parametrize(("mode", "pics"), [
    (0, []), (3, []), (81, []), (4, [SubPicture(4, PaneKind.BLANK)]),
    (1, [SubPicture(0, PaneKind.PARTICIPANT)]), (4, [SubPicture(0, PaneKind.BLANK),
                                                     SubPicture(0, PaneKind.BLANK)]),
])
def test_invalid_presence_is_a_protocol_error(mode: int, pics: list[SubPicture]) -> None:
    with pytest.raises(ProtocolError):
        layout_of(mode, pics)
