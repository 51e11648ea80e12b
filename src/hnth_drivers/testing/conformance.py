"""Base test classes of the conformance kit. Needs pytest and pytest-asyncio."""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

import pytest

from ..driver import Driver
from ..errors import DeviceError, HnthError, NotSupported
from ..mcu.base import Mcu
from ..model import (
    Call,
    CallStats,
    CameraPosition,
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
from ..vcs.base import Camera, Codec
from . import plugin

__all__ = ["CameraConformance", "CodecConformance", "McuConformance", "check_signatures"]


def _contract_methods(contract: type[Driver]) -> dict[str, Callable[..., Any]]:
    methods: dict[str, Callable[..., Any]] = {}
    for klass in reversed(contract.__mro__):
        if not (isinstance(klass, type) and issubclass(klass, Driver)):
            continue
        for name, value in vars(klass).items():
            if not name.startswith("_") and inspect.isfunction(value):
                methods[name] = value
    return methods


def check_signatures(driver_class: type[Driver], contract: type[Driver]) -> list[str]:
    """Differences between a driver's public methods and the contract's (empty if none)."""
    problems = []
    for name, expected in _contract_methods(contract).items():
        actual = getattr(driver_class, name, None)
        if actual is None:
            problems.append(f"{name}: missing")
            continue
        if inspect.iscoroutinefunction(expected) != inspect.iscoroutinefunction(actual):
            problems.append(f"{name}: async-ness differs from the contract")
        want, got = inspect.signature(expected), inspect.signature(actual)
        want_params = [(p.name, p.kind, p.default) for p in want.parameters.values()]
        got_params = [(p.name, p.kind, p.default) for p in got.parameters.values()]
        if want_params != got_params:
            problems.append(f"{name}: signature {got} differs from the contract's {want}")
    return problems


_K = TypeVar("_K", bound=type)


def _on_asyncio(cls: _K) -> _K:
    """Mark the kit's async tests for pytest-asyncio, so that a vendor's test suite runs
    them whatever its ``asyncio_mode`` (strict, the default, included)."""
    for name, value in list(vars(cls).items()):
        if name.startswith("test_") and inspect.iscoroutinefunction(value):
            setattr(cls, name, pytest.mark.asyncio(value))
    return cls


def _overrides(driver: Driver, contract: type[Driver], method: str) -> bool:
    return getattr(type(driver), method) is not getattr(contract, method)


@_on_asyncio
class _Conformance:
    contract: ClassVar[type[Driver]]
    #: capability → contract methods that serve it (a declared capability must override
    #: them), read from the contract's own declarations (``driver.serves``)
    capability_methods: ClassVar[dict[Capability, tuple[str, ...]]]

    def need(self, driver: Driver, capability: Capability) -> None:
        """Skip (and record in the matrix) when the driver does not declare ``capability``."""
        plugin.record(type(driver), capability, capability in driver.capabilities)
        if capability not in driver.capabilities:
            pytest.skip(f"{type(driver).__name__} does not support {capability.value}")

    def test_signature_parity(self, driver: Driver) -> None:
        assert isinstance(driver, self.contract)
        assert check_signatures(type(driver), self.contract) == []

    def test_declares_a_valid_name_and_capabilities(self, driver: Driver) -> None:
        assert driver.name, "a driver sets its registry name"
        assert driver.capabilities <= set(self.capability_methods)
        assert driver.device and isinstance(driver.device, str)

    def test_declared_capabilities_are_implemented(self, driver: Driver) -> None:
        for capability, methods in self.capability_methods.items():
            plugin.record(type(driver), capability, capability in driver.capabilities)
            for method in methods:
                implemented = _overrides(driver, self.contract, method)
                if capability in driver.capabilities:
                    assert implemented, f"{capability.value} declared but {method} not overridden"

    async def test_undeclared_capabilities_raise_not_supported(self, driver: Driver) -> None:
        for capability, methods in self.capability_methods.items():
            if capability in driver.capabilities:
                continue
            for method in methods:
                if not _overrides(driver, self.contract, method):
                    continue
                pytest.fail(f"{method} is implemented but {capability.value} is not declared")


@_on_asyncio
class McuConformance(_Conformance):
    """Every Mcu driver passes these. Provide ``driver``; override ``endpoints`` if needed."""

    contract = Mcu
    capability_methods: ClassVar[dict[Capability, tuple[str, ...]]] = (
        Mcu.contract_capabilities())

    @pytest.fixture
    def endpoints(self) -> list[Endpoint]:
        """Endpoints the device under test can dial (the simulators accept any)."""
        return [Endpoint(f"kit-site-{i}", f"10.99.0.{i + 1}") for i in range(3)]

    async def _scratch(self, driver: Mcu) -> str:
        self.need(driver, Capability.CREATE_CONFERENCE)
        name = f"kit-{uuid.uuid4().hex[:8]}"
        conf = await driver.create_conference(name)
        assert isinstance(conf, Conference) and conf.name == name
        return name

    async def test_conferences(self, driver: Mcu) -> None:
        self.need(driver, Capability.CONFERENCES)
        confs = await driver.conferences()
        assert all(isinstance(c, Conference) for c in confs)

    async def test_create_and_destroy_conference(self, driver: Mcu) -> None:
        name = await self._scratch(driver)
        if driver.supports(Capability.CONFERENCES):
            assert name in {c.name for c in await driver.conferences()}
        await driver.destroy_conference(name)
        if driver.supports(Capability.CONFERENCES):
            assert name not in {c.name for c in await driver.conferences()}

    async def test_unknown_conference_is_a_device_error(self, driver: Mcu) -> None:
        self.need(driver, Capability.PARTICIPANTS)
        with pytest.raises(DeviceError):
            await driver.participants(f"no-such-{uuid.uuid4().hex[:8]}")

    async def test_add_list_remove_participants(self, driver: Mcu,
                                                endpoints: list[Endpoint]) -> None:
        name = await self._scratch(driver)
        self.need(driver, Capability.ADD_PARTICIPANT)
        try:
            for ep in endpoints:
                added = await driver.add_participant(name, ep)
                assert isinstance(added, Participant) and added.conference == name
            if driver.supports(Capability.PARTICIPANTS):
                listed = await driver.participants(name)
                assert {p.name for p in listed} >= {ep.site for ep in endpoints}
            if driver.supports(Capability.REMOVE_PARTICIPANT):
                await driver.remove_participant(name, endpoints[0].site)
                if driver.supports(Capability.PARTICIPANTS):
                    left = {p.name for p in await driver.participants(name)}
                    assert endpoints[0].site not in left
        finally:
            await driver.destroy_conference(name)

    async def test_full_screen_and_layout_read_back(self, driver: Mcu,
                                                   endpoints: list[Endpoint]) -> None:
        name = await self._scratch(driver)
        self.need(driver, Capability.FULL_SCREEN)
        try:
            for ep in endpoints[:2]:
                await driver.add_participant(name, ep)
            await driver.show_full_screen(name, endpoints[1].site)
            if driver.supports(Capability.SET_LAYOUT):
                seen = await driver.layout(name)
                assert isinstance(seen, Layout)
                assert seen.participants() == (endpoints[1].site,)
                grid = Layout.grid_of([ep.site for ep in endpoints[:2]], 2)
                await driver.set_layout(name, grid)
                assert (await driver.layout(name)).participants() == grid.participants()
        finally:
            await driver.destroy_conference(name)

    async def test_mute(self, driver: Mcu, endpoints: list[Endpoint]) -> None:
        name = await self._scratch(driver)
        self.need(driver, Capability.MUTE)
        try:
            await driver.add_participant(name, endpoints[0])
            await driver.mute(name, endpoints[0].site, True)
            if driver.supports(Capability.PARTICIPANTS):
                (p,) = [p for p in await driver.participants(name) if p.name == endpoints[0].site]
                assert p.muted
            await driver.mute(name, endpoints[0].site, False)
        finally:
            await driver.destroy_conference(name)

    async def test_stats(self, driver: Mcu, endpoints: list[Endpoint]) -> None:
        name = await self._scratch(driver)
        self.need(driver, Capability.STATS)
        try:
            await driver.add_participant(name, endpoints[0])
            stats = await driver.stats(name)
            assert all(isinstance(s, CallStats) for s in stats)
        finally:
            await driver.destroy_conference(name)

    async def test_duplicate_conference_is_a_device_error(self, driver: Mcu) -> None:
        name = await self._scratch(driver)
        try:
            with pytest.raises(DeviceError):
                await driver.create_conference(name)
        finally:
            await driver.destroy_conference(name)

    async def test_unknown_participant_is_a_device_error(self, driver: Mcu) -> None:
        name = await self._scratch(driver)
        try:
            self.need(driver, Capability.MUTE)
            with pytest.raises(DeviceError):
                await driver.mute(name, f"nobody-{uuid.uuid4().hex[:6]}", True)
        finally:
            await driver.destroy_conference(name)

    async def test_participants_report_kind_and_state(self, driver: Mcu,
                                                      endpoints: list[Endpoint]) -> None:
        name = await self._scratch(driver)
        self.need(driver, Capability.ADD_PARTICIPANT)
        try:
            await driver.add_participant(name, endpoints[0])
            self.need(driver, Capability.PARTICIPANTS)
            (p,) = await driver.participants(name)
            assert p.conference == name and p.name == endpoints[0].site
            assert p.kind is ParticipantKind.SITE
            assert p.state in set(ConnectionState)
            assert p.address == endpoints[0].address
        finally:
            await driver.destroy_conference(name)

    async def test_disconnect_and_connect_again(self, driver: Mcu,
                                                endpoints: list[Endpoint]) -> None:
        name = await self._scratch(driver)
        self.need(driver, Capability.ADD_PARTICIPANT)
        self.need(driver, Capability.CONNECT_PARTICIPANT)
        try:
            await driver.add_participant(name, endpoints[0])
            await driver.disconnect_participant(name, endpoints[0].site)
            if driver.supports(Capability.PARTICIPANTS):
                (p,) = await driver.participants(name)
                assert p.state in (ConnectionState.DISCONNECTED, ConnectionState.FAILED)
            await driver.connect_participant(name, endpoints[0].site)
            if driver.supports(Capability.PARTICIPANTS):
                (p,) = await driver.participants(name)
                assert p.state in (ConnectionState.DIALLING, ConnectionState.CONNECTING,
                                   ConnectionState.CONNECTED)
        finally:
            await driver.destroy_conference(name)

    async def test_targeted_layout_leaves_the_default_alone(
            self, driver: Mcu, endpoints: list[Endpoint]) -> None:
        name = await self._scratch(driver)
        self.need(driver, Capability.TARGETED_LAYOUT)
        self.need(driver, Capability.FULL_SCREEN)
        self.need(driver, Capability.SET_LAYOUT)
        try:
            chair, other, third = (ep.site for ep in endpoints[:3])
            for ep in endpoints[:3]:
                await driver.add_participant(name, ep)
            await driver.show_full_screen(name, third)
            await driver.show_full_screen(name, other, target=chair)
            assert (await driver.layout(name, target=chair)).participants() == (other,)
            assert (await driver.layout(name)).participants() == (third,)
            assert (await driver.layout(name, target=other)).participants() == (third,)
        finally:
            await driver.destroy_conference(name)

    async def test_ports_follow_participants(self, driver: Mcu,
                                             endpoints: list[Endpoint]) -> None:
        name = await self._scratch(driver)
        self.need(driver, Capability.CAPACITY)
        self.need(driver, Capability.ADD_PARTICIPANT)
        try:
            before = (await driver.capacity()).ports_used
            await driver.add_participant(name, endpoints[0])
            assert (await driver.capacity()).ports_used >= before + 1
        finally:
            await driver.destroy_conference(name)
        assert (await driver.capacity()).ports_used <= before

    async def test_health(self, driver: Mcu) -> None:
        self.need(driver, Capability.HEALTH)
        health = await driver.health()
        assert isinstance(health, DeviceHealth) and health.reachable

    async def test_capacity(self, driver: Mcu) -> None:
        self.need(driver, Capability.CAPACITY)
        cap = await driver.capacity()
        assert isinstance(cap, Capacity) and cap.ports_used <= cap.ports_total


@_on_asyncio
class CodecConformance(_Conformance):
    """Every Codec driver passes these.

    Provide an open ``driver`` fixture; override ``dial_number`` (a number the device can
    call) and ``layout_family`` (one it knows) where the defaults do not fit. The tests
    leave no call up.
    """

    contract = Codec
    capability_methods: ClassVar[dict[Capability, tuple[str, ...]]] = (
        Codec.contract_capabilities())

    @pytest.fixture
    def dial_number(self) -> str:
        """A number the device under test can call."""
        return "5551234"

    async def test_mute_microphones_round_trip(self, driver: Codec) -> None:
        self.need(driver, Capability.MUTE_MICROPHONES)
        await driver.mute_microphones(True)
        assert await driver.microphones_muted() is True
        await driver.mute_microphones(False)
        assert await driver.microphones_muted() is False

    async def test_dial_then_hang_up(self, driver: Codec, dial_number: str) -> None:
        self.need(driver, Capability.DIAL)
        call = await driver.dial(dial_number)
        assert call.number.endswith(dial_number) or dial_number in call.number
        if driver.supports(Capability.CALLS):
            assert call.call_id in {c.call_id for c in await driver.calls()}
        self.need(driver, Capability.HANG_UP)
        await driver.hang_up()
        if driver.supports(Capability.CALLS):
            assert [c for c in await driver.calls() if c.call_id == call.call_id
                    and c.state.value in ("connected", "connecting", "dialling")] == []

    @pytest.fixture
    def layout_family(self) -> str:
        """A layout family the device under test knows."""
        return "equal"

    async def test_calls_have_typed_states(self, driver: Codec, dial_number: str) -> None:
        self.need(driver, Capability.CALLS)
        self.need(driver, Capability.DIAL)
        call = await driver.dial(dial_number)
        try:
            listed = await driver.calls()
            assert all(isinstance(c, Call) and isinstance(c.state, ConnectionState)
                       for c in listed)
            assert call.call_id in {c.call_id for c in listed}
        finally:
            if driver.supports(Capability.HANG_UP):
                await driver.hang_up()

    async def test_hang_up_unknown_call_is_a_device_error(self, driver: Codec) -> None:
        self.need(driver, Capability.HANG_UP)
        with pytest.raises(DeviceError):
            await driver.hang_up("987654")

    async def test_set_layout(self, driver: Codec, layout_family: str) -> None:
        self.need(driver, Capability.CODEC_LAYOUT)
        await driver.set_layout(layout_family)
        with pytest.raises(HnthError):
            await driver.set_layout("no-such-layout-family")

    async def test_camera_through_codec(self, driver: Codec) -> None:
        self.need(driver, Capability.CAMERA_CONTROL)
        assert isinstance(driver.camera(1), Camera)
        with pytest.raises(HnthError):
            driver.camera(0)

    async def test_health(self, driver: Codec) -> None:
        self.need(driver, Capability.HEALTH)
        health = await driver.health()
        assert isinstance(health, DeviceHealth) and health.reachable


@_on_asyncio
class CameraConformance(_Conformance):
    """Every Camera driver passes these.

    Override the fixtures when the device under test has other ranges: ``target``
    (a position within the model's pan/tilt/zoom ranges) and ``spare_preset`` (a preset
    number the test may overwrite).
    """

    # Names only this class uses are imported inside its tests: the module imports stay
    # shared with the other kits.
    contract = Camera
    capability_methods: ClassVar[dict[Capability, tuple[str, ...]]] = (
        Camera.contract_capabilities())

    @pytest.fixture
    def target(self) -> CameraPosition:
        """A position the camera can reach, away from home."""
        return CameraPosition(pan=100, tilt=50, zoom=0)

    @pytest.fixture
    def spare_preset(self) -> int:
        """A preset the kit may overwrite."""
        return 2

    async def test_power_round_trip(self, driver: Camera) -> None:
        self.need(driver, Capability.POWER)
        await driver.power(True)
        assert await driver.is_powered() is True

    async def test_standby_and_back(self, driver: Camera) -> None:
        self.need(driver, Capability.POWER)
        await driver.power(False)
        try:
            assert await driver.is_powered() is False
        finally:
            await driver.power(True)
        assert await driver.is_powered() is True

    async def test_store_and_recall_preset_returns_to_position(
            self, driver: Camera, target: CameraPosition, spare_preset: int) -> None:
        self.need(driver, Capability.PRESETS)
        self.need(driver, Capability.ABSOLUTE_POSITION)
        self.need(driver, Capability.POSITION)
        await driver.move_to(target)
        await driver.store_preset(spare_preset)
        await driver.home()
        await driver.recall_preset(spare_preset)
        got = await driver.position()
        assert (got.pan, got.tilt) == (target.pan, target.tilt)

    async def test_recall_by_room_name(self, driver: Camera, target: CameraPosition,
                                       spare_preset: int) -> None:
        from ..vcs.base import RoomPresets

        self.need(driver, Capability.PRESETS)
        saved = driver.room_presets
        driver.room_presets = RoomPresets({"chair": spare_preset})
        try:
            if driver.supports(Capability.ABSOLUTE_POSITION):
                await driver.move_to(target)
            await driver.store("chair")
            if driver.supports(Capability.ABSOLUTE_POSITION):
                await driver.home()
            await driver.recall("chair")
            if driver.supports(Capability.POSITION) and driver.supports(
                    Capability.ABSOLUTE_POSITION):
                got = await driver.position()
                assert (got.pan, got.tilt) == (target.pan, target.tilt)
        finally:
            driver.room_presets = saved

    async def test_unknown_room_preset_name_is_refused(self, driver: Camera) -> None:
        from ..errors import ConfigError

        self.need(driver, Capability.PRESETS)
        with pytest.raises(ConfigError):
            await driver.recall(f"no-such-{uuid.uuid4().hex[:6]}")

    async def test_move_to_returns_when_the_move_is_done(
            self, driver: Camera, target: CameraPosition) -> None:
        self.need(driver, Capability.ABSOLUTE_POSITION)
        self.need(driver, Capability.POSITION)
        await driver.home()
        await driver.move_to(target)
        got = await driver.position()
        assert (got.pan, got.tilt, got.zoom) == (target.pan, target.tilt, target.zoom)
        await driver.home()
        got = await driver.position()
        assert (got.pan, got.tilt) == (0, 0)

    async def test_drive_then_stop_holds_still(self, driver: Camera) -> None:
        import asyncio

        from ..model import MoveDirection

        self.need(driver, Capability.MOVE)
        await driver.move(MoveDirection.RIGHT)
        await asyncio.sleep(0.05)
        await driver.stop()
        if driver.supports(Capability.POSITION):
            first = await driver.position()
            await asyncio.sleep(0.05)
            assert await driver.position() == first
        await driver.move(MoveDirection.STOP)

    async def test_zoom_continuous_and_direct(self, driver: Camera,
                                              target: CameraPosition) -> None:
        from ..model import ZoomDirection

        self.need(driver, Capability.ZOOM)
        await driver.zoom(ZoomDirection.TELE)
        await driver.zoom(ZoomDirection.STOP)
        await driver.zoom(ZoomDirection.WIDE)
        await driver.zoom(ZoomDirection.STOP)
        await driver.zoom_to(target.zoom + 100)
        if driver.supports(Capability.POSITION):
            assert (await driver.position()).zoom == target.zoom + 100

    async def test_out_of_range_preset_is_refused(self, driver: Camera) -> None:
        self.need(driver, Capability.PRESETS)
        with pytest.raises(HnthError):
            await driver.recall_preset(10_000)

    async def test_out_of_range_arguments_are_refused(self, driver: Camera) -> None:
        from ..model import MoveDirection

        if driver.supports(Capability.MOVE):
            with pytest.raises(HnthError):
                await driver.move(MoveDirection.LEFT, pan_speed=10_000)
        if driver.supports(Capability.ZOOM):
            with pytest.raises(HnthError):
                await driver.zoom_to(10_000_000)
        if driver.supports(Capability.PRESETS):
            with pytest.raises(HnthError):
                await driver.store_preset(-1)

    async def test_undeclared_calls_raise_not_supported(self, driver: Camera) -> None:
        for capability, methods in self.capability_methods.items():
            if capability in driver.capabilities or not methods:
                continue
            with pytest.raises(NotSupported):
                await getattr(driver, methods[0])(*([] if methods[0] in ("stop", "home",
                                                    "position", "is_powered") else [1]))
