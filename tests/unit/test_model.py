"""Domain values validate themselves and name the field in their errors."""

from __future__ import annotations

import builtins
import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hnth_drivers.errors import ConfigError, DeviceError, DeviceTimeout, HnthError
from hnth_drivers.model import (
    CallStats,
    CameraPosition,
    Capacity,
    Endpoint,
    Layout,
    LayoutKind,
    Level,
    Pane,
    PaneKind,
    Site,
)
from hnth_drivers.vcs.base import RoomPresets


@pytest.mark.parametrize(
    ("factory", "field"),
    [
        (lambda: Site("", "x", Level.PROVINCE), "Site.id"),
        (lambda: Site("hn", " ", Level.PROVINCE), "Site.name"),
        (lambda: Site("hn", "Hà Nội", "province"), "Site.level"),
        (lambda: Site("hn", "Hà Nội", Level.PROVINCE, "hn"), "Site.parent"),
        (lambda: Endpoint("hn", "12 34"), "Endpoint.address"),
        (lambda: CallStats("p", loss_percent=101), "CallStats.loss_percent"),
        (lambda: CallStats("p", jitter_ms=-1), "CallStats.jitter_ms"),
        (lambda: CallStats("p", delay_ms=float("nan")), "CallStats.delay_ms"),
        (lambda: CameraPosition(0x80000, 0), "CameraPosition.pan"),
        (lambda: Capacity(10, 11), "Capacity.ports_used"),
        (lambda: Pane(0, PaneKind.PARTICIPANT), "Pane.participant"),
        (lambda: Layout(LayoutKind.GRID, 4, tuple(Pane(i) for i in range(5))), "Layout.panes"),
        (lambda: RoomPresets({"Chair!": 1}), "preset name"),
    ],
)
def test_invalid_values_name_the_field(factory: object, field: str) -> None:
    with pytest.raises(ConfigError) as info:
        factory()  # type: ignore[operator]
    assert field in str(info.value)


def test_layout_factories() -> None:
    assert Layout.full_screen("hn").participants() == ("hn",)
    grid = Layout.grid_of(["a", "b", "c", "d", "e"])
    assert grid.pane_count == 9 and grid.participants() == ("a", "b", "c", "d", "e")
    assert Layout.blank().participants() == ()


@given(st.lists(st.from_regex(r"[a-z][a-z0-9]{0,8}", fullmatch=True), unique=True,
                max_size=64))
def test_grid_of_fits_any_number(names: list[str]) -> None:
    layout = Layout.grid_of(names)
    assert layout.participants() == tuple(names)
    assert layout.pane_count >= len(names)


def test_room_presets_resolve() -> None:
    presets = RoomPresets({"chair": 1, "left": 2})
    assert presets.resolve("chair") == 1 and presets.resolve(5) == 5 and presets.resolve("7") == 7
    with pytest.raises(ConfigError, match="unknown preset"):
        presets.resolve("right")


def test_errors_say_device_operation_expected_got_and_pickle() -> None:
    err = DeviceError("too many participants", code=7, device="mcu-hn", operation="participant.add",
                      expected="a free port", got="fault 7")
    text = str(err)
    for part in ("mcu-hn", "participant.add", "expected a free port", "got fault 7", "code 7"):
        assert part in text
    again = pickle.loads(pickle.dumps(err))
    assert str(again) == text and again.code == 7 and again.device == "mcu-hn"
    assert isinstance(DeviceTimeout("x"), HnthError)
    assert isinstance(DeviceTimeout("x"), builtins.TimeoutError)


@pytest.mark.parametrize("make", [
    lambda: Site("hn\n", "Ha Noi", Level.PROVINCE),
    lambda: Endpoint("hn\n", "10.0.0.1"),
    lambda: RoomPresets({"wide\n": 1}),
])
def test_identifiers_refuse_a_trailing_newline(make: object) -> None:
    """Validation patterns end in ``\\Z``: ``$`` would accept ``"hn\\n"``."""
    with pytest.raises(ConfigError):
        make()  # type: ignore[operator]
