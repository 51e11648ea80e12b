"""The driver against documented exchanges (tests/mcu/codian_transcripts.py), replayed by a
bare HTTPS server that knows nothing of the simulator: a driver change that agrees only
with our simulator, not with the guides, fails here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from hnth_drivers.errors import AuthError, DeviceError
from hnth_drivers.mcu import xmlrpc
from hnth_drivers.mcu.codian import CodianMcu
from hnth_drivers.model import ConnectionState, LayoutKind, ParticipantKind
from hnth_drivers.security.secrets import Secret
from hnth_drivers.transport.https import TlsTrust
from hnth_sim.mcu.http import HttpRequest, HttpResponse, HttpsServer
from hnth_sim.mcu.tls import ensure_tls, server_context

from . import codian_transcripts as t

AUTH = {"authenticationUser": "admin", "authenticationPassword": "transcript-pw"}


class Replay:
    """Answers each request with the documented exchange it matches, once."""

    def __init__(self) -> None:
        self.left: list[t.Exchange] = []
        self.unexpected: list[tuple[str, Any]] = []
        self.content_types: set[str] = set()

    async def handle(self, request: HttpRequest) -> HttpResponse:
        method, params = xmlrpc.decode_call(request.body)
        self.content_types.add(request.headers.get("content-type", ""))
        struct = dict(params[0]) if len(params) == 1 and isinstance(params[0], dict) else {}
        auth = {k: struct.pop(k, None) for k in AUTH}
        for i, ex in enumerate(self.left):
            if ex.method == method and ex.request == struct and auth == AUTH:
                del self.left[i]
                if ex.fault is not None:
                    return HttpResponse(200, xmlrpc.encode_fault(*ex.fault))
                return HttpResponse(200, xmlrpc.encode_response(ex.reply))
        self.unexpected.append((method, struct))
        return HttpResponse(200, xmlrpc.encode_fault(201, "not in the transcript"))


@pytest.fixture
async def replay(tls_dir: Path) -> AsyncIterator[tuple[Replay, str, Path]]:
    files = ensure_tls(tls_dir)
    server = HttpsServer(server_context(files))
    rep = Replay()
    server.mount(rep.handle)
    host, port = await server.start()
    try:
        yield rep, f"https://{host}:{port}/RPC2", files.ca_cert
    finally:
        await server.close()


def driver(url: str, ca: Path, password: str = AUTH["authenticationPassword"]) -> CodianMcu:
    return CodianMcu(url, password=Secret(password), trust=TlsTrust(ca_file=ca))


def done(rep: Replay) -> None:
    assert rep.unexpected == [], "requests the guides do not document"
    assert rep.left == [], "documented exchanges the driver did not make"
    assert rep.content_types == {"text/xml"}


async def test_participants_across_pages_and_states(replay: tuple[Replay, str, Path]) -> None:
    rep, url, ca = replay
    rep.left = list(t.PARTICIPANTS_210)
    async with driver(url, ca) as mcu:
        assert mcu.api_version == (2, 10)
        got = {p.name: p for p in await mcu.participants("national")}
    done(rep)
    assert list(got) == ["chair", "hp", "dn", "hg", "mcu-hp"]   # "rehearsal" filtered out
    assert got["chair"].state is ConnectionState.CONNECTED and got["chair"].address == "10.0.0.1"
    assert (got["hp"].state, got["hp"].raw_state) == (ConnectionState.ALERTING, "alerting")
    assert got["dn"].state is ConnectionState.DORMANT
    assert (got["hg"].state, got["hg"].disconnect_reason) == (ConnectionState.DISCONNECTED,
                                                              "busy")
    assert got["mcu-hp"].kind is ParticipantKind.CASCADE and got["mcu-hp"].site is None


async def test_full_screen_for_one_participant(replay: tuple[Replay, str, Path]) -> None:
    rep, url, ca = replay
    rep.left = list(t.FULL_SCREEN_210)
    async with driver(url, ca) as mcu:
        await mcu.show_full_screen("national", "hp", target="chair")
        seen = await mcu.layout("national", target="chair")
    done(rep)
    assert (seen.kind, seen.pane_count, seen.participants(), seen.vendor_name) == (
        LayoutKind.FULL_SCREEN, 1, ("hp",), "layout1")


async def test_version_2_8_panes_fault_health_capacity(
        replay: tuple[Replay, str, Path]) -> None:
    rep, url, ca = replay
    rep.left = list(t.CONFERENCE_28)
    async with driver(url, ca) as mcu:
        assert mcu.api_version == (2, 8)
        layout = await mcu.layout("national")
        assert layout.kind is LayoutKind.OTHER and layout.panes == ()
        with pytest.raises(DeviceError) as err:
            await mcu.create_conference("national")
        assert err.value.code == 2 and "duplicate conference name" in str(err.value)
        (chair,) = await mcu.participants("national")
        assert (chair.state, chair.raw_state) == (ConnectionState.ALERTING, "alerting")
        health = await mcu.health()
        cap = await mcu.capacity()
    done(rep)
    assert health.cpu_load_percent == 12 and health.active_calls == 2
    assert health.uptime_s == 86400 and health.detail["temperatureStatusWorst"] == "outOfSpec"
    assert (cap.ports_total, cap.ports_used) == (20, 2)


async def test_fault_15_is_an_auth_error(replay: tuple[Replay, str, Path]) -> None:
    rep, url, ca = replay
    rep.left = list(t.WRONG_PASSWORD)
    with pytest.raises(AuthError, match="fault 15"):
        await driver(url, ca).open()
    done(rep)
