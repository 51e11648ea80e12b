"""Roles and area scopes: who may do what, where.

A scope is a subtree of the site hierarchy, named by its root site. The rules:

=================  ============================================================
role               may
=================  ============================================================
viewer             VIEW inside its scope
room operator      VIEW and ROOM_CONTROL (codec, cameras) of its own site only
MCU technician     VIEW, ROOM_CONTROL and MCU_CONTROL inside its area subtree
central operator   everything, everywhere (scope ignored)
=================  ============================================================

``authorize`` raises :class:`AccessDenied`; it never returns False, so a forgotten check
cannot be mistaken for a granted one.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..errors import AccessDenied, ConfigError
from ..model import Site

__all__ = ["Action", "Operator", "Role", "SiteTree", "authorize"]


class Role(enum.StrEnum):
    """An operator's role."""

    VIEWER = "viewer"
    ROOM_OPERATOR = "room_operator"
    MCU_TECHNICIAN = "mcu_technician"
    CENTRAL_OPERATOR = "central_operator"


class Action(enum.StrEnum):
    """Kinds of action, from least to most powerful."""

    VIEW = "view"
    ROOM_CONTROL = "room_control"    # a room's codec and cameras
    MCU_CONTROL = "mcu_control"      # conferences, participants, layouts, cascade links
    ADMIN = "admin"                  # policy, secrets, topology


_ALLOWED: dict[Role, frozenset[Action]] = {
    Role.VIEWER: frozenset({Action.VIEW}),
    Role.ROOM_OPERATOR: frozenset({Action.VIEW, Action.ROOM_CONTROL}),
    Role.MCU_TECHNICIAN: frozenset({Action.VIEW, Action.ROOM_CONTROL, Action.MCU_CONTROL}),
    Role.CENTRAL_OPERATOR: frozenset(Action),
}


@dataclass(frozen=True, slots=True)
class Operator:
    """A person or program acting through the library."""

    name: str
    role: Role
    scope: str | None = None  # root site of the area; None only for a central operator

    def __post_init__(self) -> None:
        if self.role is not Role.CENTRAL_OPERATOR and self.scope is None:
            raise ConfigError(
                "only a central operator may have no scope", operation="Operator",
                expected="a scope site id", got=f"role={self.role.value}",
            )


class SiteTree:
    """Parent links of the site hierarchy, for scope checks (cycles refused)."""

    def __init__(self, parents: Mapping[str, str | None]) -> None:
        self._parents = dict(parents)
        for site in self._parents:
            self._check_acyclic(site)

    @classmethod
    def of(cls, sites: Iterable[Site]) -> SiteTree:
        """Build from Site values."""
        return cls({s.id: s.parent for s in sites})

    def _check_acyclic(self, site: str) -> None:
        seen = {site}
        node = self._parents.get(site)
        while node is not None:
            if node in seen:
                raise ConfigError("the site hierarchy has a cycle", operation="SiteTree",
                                  got=f"{site} → … → {node}")
            seen.add(node)
            node = self._parents.get(node)

    def __contains__(self, site: object) -> bool:
        return site in self._parents

    def within(self, site: str, root: str) -> bool:
        """Whether ``site`` is ``root`` or below it."""
        node: str | None = site
        while node is not None:
            if node == root:
                return True
            node = self._parents.get(node)
        return False


def authorize(operator: Operator, action: Action, target: str, tree: SiteTree) -> None:
    """Allow ``operator`` to do ``action`` on the site ``target``, or raise AccessDenied."""

    def deny(why: str) -> AccessDenied:
        return AccessDenied(
            why, device=target, operation=action.value,
            expected=f"{operator.role.value} scope {operator.scope or 'all'}",
            got=f"operator {operator.name}",
        )

    if action not in _ALLOWED[operator.role]:
        raise deny(f"role {operator.role.value} may not {action.value}")
    if operator.role is Role.CENTRAL_OPERATOR:
        return
    if target not in tree:
        raise deny("target site is not in the hierarchy")
    assert operator.scope is not None
    if operator.role is Role.ROOM_OPERATOR:
        if target != operator.scope:
            raise deny("a room operator acts on its own site only")
        return
    if not tree.within(target, operator.scope):
        raise deny("target is outside the operator's area")
