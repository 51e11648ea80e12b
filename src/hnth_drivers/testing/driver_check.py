"""What is wrong with a driver class, without running it (``hnth drivers``, the registry).

:func:`driver_problems` lists, one line each, naming the method and the capability:
a public contract method whose signature or async-ness drifted from the contract's, a
declared capability whose methods the driver does not implement, a method implemented
for a capability the driver does not declare, a capability the contract does not know.
No pytest needed; the conformance kit checks the same things test by test.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from ..driver import Driver
from ..model import Capability

__all__ = ["capability_methods", "driver_problems", "signature_problems"]


def _public_methods(contract: type[Driver]) -> dict[str, Callable[..., Any]]:
    methods: dict[str, Callable[..., Any]] = {}
    for klass in reversed(contract.__mro__):
        if isinstance(klass, type) and issubclass(klass, Driver):
            for name, value in vars(klass).items():
                if not name.startswith("_") and inspect.isfunction(value):
                    methods[name] = value
    return methods


def signature_problems(driver_class: type[Driver], contract: type[Driver]) -> list[str]:
    """Public contract methods whose signature or async-ness the driver changed."""
    problems = []
    for name, expected in _public_methods(contract).items():
        actual = getattr(driver_class, name, None)
        if actual is None or actual is expected:
            continue
        if inspect.iscoroutinefunction(expected) != inspect.iscoroutinefunction(actual):
            problems.append(f"{name}: async-ness differs from the contract")
            continue
        try:
            want, got = inspect.signature(expected), inspect.signature(actual)
        except (TypeError, ValueError):
            problems.append(f"{name}: not a function")
            continue
        if [(p.name, p.kind, p.default) for p in want.parameters.values()] != \
                [(p.name, p.kind, p.default) for p in got.parameters.values()]:
            problems.append(f"{name}: signature {got} differs from the contract's {want}")
    return problems


def capability_methods(contract: type[Driver]) -> dict[Capability, tuple[str, ...]] | None:
    """Which contract methods serve each capability, as the contract (or the kit) says;
    None when neither says."""
    declared = getattr(contract, "contract_capabilities", None)
    if callable(declared):
        found = declared()
        return {Capability(c): tuple(m) for c, m in dict(found).items()}
    try:  # before the contracts declared it, the kit's classes did
        from . import conformance
    except ImportError:
        return None
    for kit in (conformance.McuConformance, conformance.CodecConformance,
                conformance.CameraConformance):
        if kit.contract is contract:
            return dict(kit.capability_methods)
    return None


def driver_problems(driver_class: type[Driver], contract: type[Driver]) -> list[str]:
    """Everything :mod:`this module <hnth_drivers.testing.driver_check>` finds wrong."""
    problems = signature_problems(driver_class, contract)
    served = capability_methods(contract)
    if served is None:
        return problems
    declared = set(driver_class.capabilities)
    for capability in sorted(declared - set(served)):
        problems.append(f"capability {capability.value}: not one of the "
                        f"{contract.__name__} contract's")
    for capability, methods in served.items():
        for method in methods:
            implemented = getattr(driver_class, method, None) is not getattr(contract, method,
                                                                              None)
            if capability in declared and not implemented:
                problems.append(f"{method}: capability {capability.value} is declared but "
                                f"{method} is not implemented")
            elif capability not in declared and implemented:
                problems.append(f"{method}: implemented but capability {capability.value} "
                                "is not declared")
    return problems
