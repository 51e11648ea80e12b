"""The conformance kit itself: an in-memory driver passes it; broken drivers are caught."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
import pytest_asyncio

from hnth_drivers.errors import DeviceError, NotSupported
from hnth_drivers.mcu.base import Mcu
from hnth_drivers.model import (
    CallStats,
    Capability,
    Capacity,
    Conference,
    ConnectionState,
    DeviceHealth,
    Endpoint,
    Layout,
    Participant,
    ParticipantKind,
)
from hnth_drivers.testing import McuConformance, check_signatures
from hnth_drivers.testing.conformance import McuConformance as _Kit


class MemoryMcu(Mcu):
    """A complete in-memory MCU: what the kit expects of a well-behaved driver."""

    name = "memory"
    capabilities = frozenset(_Kit.capability_methods)

    def __init__(self) -> None:
        self.confs: dict[str, dict[str, Participant]] = {}
        self.layouts: dict[tuple[str, str | None], Layout] = {}
        self.opened = False

    @property
    def device(self) -> str:
        return "memory-mcu"

    async def open(self) -> None:
        self.opened = True

    async def close(self) -> None:
        self.opened = False

    def _conf(self, name: str) -> dict[str, Participant]:
        if name not in self.confs:
            raise DeviceError("no such conference", code=4, device=self.device,
                              operation="lookup", got=name)
        return self.confs[name]

    async def conferences(self) -> list[Conference]:
        return [Conference(n, participant_count=len(p)) for n, p in self.confs.items()]

    def _part(self, conference: str, name: str) -> Participant:
        conf = self._conf(conference)
        if name not in conf:
            raise DeviceError("no such participant", code=5, device=self.device,
                              operation="lookup", got=name)
        return conf[name]

    def _set_state(self, conference: str, name: str, state: ConnectionState) -> None:
        self._conf(conference)[name] = replace(self._part(conference, name), state=state)

    async def create_conference(self, name: str, *, pin: str | None = None) -> Conference:
        if name in self.confs:
            raise DeviceError("duplicate conference name", code=2, device=self.device,
                              operation="create_conference", got=name)
        self.confs[name] = {}
        return Conference(name)

    async def destroy_conference(self, name: str) -> None:
        self._conf(name)
        del self.confs[name]

    async def participants(self, conference: str) -> list[Participant]:
        return list(self._conf(conference).values())

    async def add_participant(self, conference: str, endpoint: Endpoint, *,
                              name: str | None = None,
                              kind: ParticipantKind = ParticipantKind.SITE) -> Participant:
        p = Participant(conference, name or endpoint.site, endpoint.address, kind=kind,
                        site=endpoint.site)
        self._conf(conference)[p.name] = p
        return p

    async def remove_participant(self, conference: str, participant: str) -> None:
        self._part(conference, participant)
        del self._conf(conference)[participant]

    async def connect_participant(self, conference: str, participant: str) -> None:
        self._set_state(conference, participant, ConnectionState.CONNECTED)

    async def disconnect_participant(self, conference: str, participant: str) -> None:
        self._set_state(conference, participant, ConnectionState.DISCONNECTED)

    async def set_layout(self, conference: str, layout: Layout, *,
                         target: str | None = None) -> None:
        self.layouts[(conference, target)] = layout

    async def layout(self, conference: str, *, target: str | None = None) -> Layout:
        self._conf(conference)
        default = self.layouts.get((conference, None), Layout.loudest())
        return self.layouts.get((conference, target), default)

    async def show_full_screen(self, conference: str, participant: str, *,
                               target: str | None = None) -> None:
        await self.set_layout(conference, Layout.full_screen(participant), target=target)

    async def mute(self, conference: str, participant: str, on: bool) -> None:
        self._conf(conference)[participant] = replace(self._part(conference, participant),
                                                      muted=on)

    async def stats(self, conference: str) -> list[CallStats]:
        return [CallStats(p) for p in self._conf(conference)]

    async def health(self) -> DeviceHealth:
        return DeviceHealth(self.device, reachable=True, uptime_s=1.0)

    async def capacity(self) -> Capacity:
        return Capacity(100, sum(len(c) for c in self.confs.values()))


class TestMemoryMcu(McuConformance):
    @pytest_asyncio.fixture
    async def driver(self) -> AsyncIterator[MemoryMcu]:
        async with MemoryMcu() as mcu:
            assert mcu.opened
            yield mcu


class HealthOnlyMcu(MemoryMcu):
    name = "health-only"
    capabilities = frozenset({Capability.HEALTH})


class TestHealthOnlyIsSkippedNotFailed(McuConformance):
    """A driver declaring less is skipped for the rest — but it must not implement more."""

    @pytest_asyncio.fixture
    async def driver(self) -> AsyncIterator[HealthOnlyMcu]:
        yield HealthOnlyMcu()

    async def test_undeclared_capabilities_raise_not_supported(self, driver: Mcu) -> None:
        with pytest.raises(pytest.fail.Exception, match="not declared"):
            await super().test_undeclared_capabilities_raise_not_supported(driver)


def test_signature_parity_catches_drift() -> None:
    class Drifted(MemoryMcu):
        async def mute(self, conference: str, participant: str) -> None:  # type: ignore[override]
            pass

        def stats(self, conference: str) -> list[CallStats]:  # type: ignore[override]
            return []

    problems = check_signatures(Drifted, Mcu)
    assert any(p.startswith("mute: signature") for p in problems)
    assert any(p.startswith("stats: async") for p in problems)
    assert check_signatures(MemoryMcu, Mcu) == []


async def test_base_contract_raises_not_supported_naming_the_driver() -> None:
    class Bare(Mcu):
        name = "bare"

        @property
        def device(self) -> str:
            return "bare-1"

        async def open(self) -> None:
            pass

        async def close(self) -> None:
            pass

    with pytest.raises(NotSupported) as info:
        await Bare().participants("c")
    assert "bare-1" in str(info.value) and "participants" in str(info.value)


def test_model_adapter_imports_without_pytest() -> None:
    import subprocess
    import sys

    code = ("import sys; import hnth_drivers.testing.model_mcu; "
            "assert 'pytest' not in sys.modules, 'pytest imported'")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
