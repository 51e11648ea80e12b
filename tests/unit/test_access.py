"""Roles and area scopes: an operator acts on exactly its scope subtree, nothing else."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hnth_drivers.errors import AccessDenied, ConfigError
from hnth_drivers.security.access import Action, Operator, Role, SiteTree, authorize


@st.composite
def hierarchies(draw: st.DrawFn) -> dict[str, str | None]:
    """A random tree: site i's parent is some earlier site (site 0 is the root)."""
    n = draw(st.integers(1, 40))
    parents: dict[str, str | None] = {"s0": None}
    for i in range(1, n):
        parents[f"s{i}"] = f"s{draw(st.integers(0, i - 1))}"
    return parents


def subtree(parents: dict[str, str | None], root: str) -> set[str]:
    """Computed independently of SiteTree: descendants by repeated expansion."""
    members = {root}
    changed = True
    while changed:
        changed = False
        for site, parent in parents.items():
            if parent in members and site not in members:
                members.add(site)
                changed = True
    return members


def allowed(op: Operator, action: Action, target: str, tree: SiteTree) -> bool:
    try:
        authorize(op, action, target, tree)
    except AccessDenied:
        return False
    return True


@given(hierarchies(), st.data())
def test_technician_acts_on_exactly_its_subtree(parents: dict[str, str | None],
                                                data: st.DataObject) -> None:
    tree = SiteTree(parents)
    scope = data.draw(st.sampled_from(sorted(parents)))
    tech = Operator("t", Role.MCU_TECHNICIAN, scope)
    expected = subtree(parents, scope)
    for site in parents:
        for action in (Action.VIEW, Action.ROOM_CONTROL, Action.MCU_CONTROL):
            assert allowed(tech, action, site, tree) == (site in expected)
        assert not allowed(tech, Action.ADMIN, site, tree)


@given(hierarchies(), st.data())
def test_room_operator_own_site_only_and_viewer_views_only(parents: dict[str, str | None],
                                                           data: st.DataObject) -> None:
    tree = SiteTree(parents)
    scope = data.draw(st.sampled_from(sorted(parents)))
    room = Operator("r", Role.ROOM_OPERATOR, scope)
    viewer = Operator("v", Role.VIEWER, scope)
    below = subtree(parents, scope)
    for site in parents:
        assert allowed(room, Action.ROOM_CONTROL, site, tree) == (site == scope)
        assert not allowed(room, Action.MCU_CONTROL, site, tree)
        assert allowed(viewer, Action.VIEW, site, tree) == (site in below)
        assert not allowed(viewer, Action.ROOM_CONTROL, site, tree)


@given(hierarchies())
def test_central_operator_may_do_everything(parents: dict[str, str | None]) -> None:
    tree = SiteTree(parents)
    central = Operator("c", Role.CENTRAL_OPERATOR)
    assert all(allowed(central, a, s, tree) for s in parents for a in Action)


def test_unknown_target_denied_with_a_clear_message() -> None:
    tree = SiteTree({"gov": None, "hn": "gov"})
    with pytest.raises(AccessDenied) as info:
        authorize(Operator("t", Role.MCU_TECHNICIAN, "hn"), Action.MCU_CONTROL, "hcm", tree)
    assert "hcm" in str(info.value) and "t" in str(info.value)


def test_cycle_and_missing_scope_refused() -> None:
    with pytest.raises(ConfigError, match="cycle"):
        SiteTree({"a": "b", "b": "a"})
    with pytest.raises(ConfigError):
        Operator("x", Role.VIEWER)
