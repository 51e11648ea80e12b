"""The console's background reads (participant lists, SNMP) wait while a switch is in
flight: every call the MCU drivers and the SNMP check receive is recorded in order, and
no background call starts between the switch's first call and its last. The same
recorder, with the gate held open, sees background calls inside a switch (so the check
can fail)."""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
from pathlib import Path
from typing import Any

from hnth_drivers.console import ConsoleService
from hnth_drivers.network import Fleet
from hnth_drivers.security.access import Operator, Role

WHO: contextvars.ContextVar[str] = contextvars.ContextVar("who", default="background")


class _AlwaysOpen(asyncio.Event):
    """A gate that never closes (to show what the recorder sees without the gate)."""

    def clear(self) -> None:
        pass


def _record(calls: list[tuple[str, str, str]], name: str, fn: Any) -> Any:
    @functools.wraps(fn)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        calls.append((WHO.get(), "start", name))
        try:
            return await fn(*args, **kwargs)
        finally:
            calls.append((WHO.get(), "end", name))
    return wrapper


def _instrument(service: ConsoleService) -> list[tuple[str, str, str]]:
    calls: list[tuple[str, str, str]] = []
    for mcu_id, node in service.cascade.nodes.items():
        driver = node.driver
        for name in dir(driver):
            if name.startswith("_"):
                continue
            method = getattr(driver, name, None)
            if inspect.iscoroutinefunction(method):
                setattr(driver, name, _record(calls, f"{mcu_id}.{name}", method))
    service.fleet.check_snmp = _record(  # type: ignore[method-assign]
        calls, "snmp", service.fleet.check_snmp)
    return calls


def _background_inside_switch(calls: list[tuple[str, str, str]]) -> list[str]:
    starts = [i for i, c in enumerate(calls) if c[0] == "switch"]
    first, last = starts[0], starts[-1]
    return [name for who, edge, name in calls[first:last]
            if who == "background" and edge == "start"]


async def _switches(service: ConsoleService, calls: list[tuple[str, str, str]],
                    sites: list[str]) -> list[str]:
    central = Operator("central", Role.CENTRAL_OPERATOR)
    inside: list[str] = []
    for site in sites:
        del calls[:]
        await asyncio.sleep(0.3)  # background rounds under way
        token = WHO.set("switch")
        try:
            trace = await service.switch_to(central, site)
        finally:
            WHO.reset(token)
        assert trace.within_limit, trace.reason
        assert any(c[0] == "background" for c in calls), "no background reads ran"
        inside += _background_inside_switch(calls)
    return inside


async def test_background_reads_wait_while_a_switch_is_in_flight(sim_network: Path) -> None:
    fleet = Fleet.from_file(sim_network)
    service = ConsoleService(fleet, poll_s=0.01, watch=False, snmp_s=0.01)
    calls = _instrument(service)
    await service.start()
    try:
        sites = ["p18-c007", "p01-c004", "p05-c002"]
        assert await _switches(service, calls, sites) == []
        service._quiet = _AlwaysOpen()  # the gate held open: the same check now sees them
        service._quiet.set()
        assert await _switches(service, calls, sites) != []
    finally:
        await service.stop()
