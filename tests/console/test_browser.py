"""The console in headless Chromium against ``hnth sim network --profile vn-2025``:
log in, find a commune typed without diacritics, show it on the chair's screen and see
it confirmed within the deadline; a provincial operator is offered nothing outside its
province and its attempt anyway is refused and audited; no console errors; screenshots
checked for content (``HNTH_UPDATE_SCREENSHOTS=1`` copies them to ``docs/img/``)."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from .browser import chromium_args, require_chromium
from .conftest import Console

playwright_api = pytest.importorskip("playwright.sync_api")

DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"


@pytest.fixture(scope="module")
def browser(console: Console) -> Iterator[object]:
    path = require_chromium()
    with playwright_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=path, headless=True,
                               args=chromium_args(console.ca.with_name("server.pem")))
        yield b
        b.close()


def _log_in(browser: object, console: Console, name: str) -> tuple[object, list[str]]:
    context = browser.new_context(viewport={"width": 1280, "height": 860})  # type: ignore[attr-defined]
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(console.url + "login")
    page.fill("#name", name)
    page.fill("#password", console.passwords[name])
    page.click("#login")
    page.wait_for_url(console.url)
    return page, errors


def _check_screenshot(png: Path, page: object, name: str) -> None:
    from PIL import Image

    with Image.open(png) as img:
        rgb = img.convert("RGB")
        assert rgb.size == (1280, 860)
        colours = rgb.getcolors(maxcolors=1 << 20)
        assert colours is not None and len(colours) > 20, "the screenshot is (nearly) blank"
        extrema = rgb.convert("L").getextrema()
        assert extrema[1] - extrema[0] > 100, "no contrast: nothing drawn"
    if os.environ.get("HNTH_UPDATE_SCREENSHOTS") == "1":
        DOCS_IMG.mkdir(parents=True, exist_ok=True)
        shutil.copy(png, DOCS_IMG / name)


def test_show_a_commune_found_without_diacritics_on_the_chairs_screen(
        browser: object, console: Console, tmp_path: Path) -> None:
    page, errors = _log_in(browser, console, "central")
    assert page.title() == "HNTH operator console"  # type: ignore[attr-defined]
    page.fill("#q", "xa 7 hai phong")  # type: ignore[attr-defined]
    button = page.locator('#results li[data-site="p18-c007"] button.show')  # type: ignore[attr-defined]
    button.wait_for(timeout=10_000)
    assert "Xã 7, Hải Phòng" in page.inner_text("#results")  # type: ignore[attr-defined]
    button.click()
    page.wait_for_selector("#chair.confirmed", timeout=30_000)  # type: ignore[attr-defined]
    status = page.inner_text("#chair-status")  # type: ignore[attr-defined]
    assert status.startswith("Confirmed on the chair's screen")
    assert "Xã 7, Hải Phòng (p18-c007)" in page.inner_text("#chair-site")  # type: ignore[attr-defined]
    left = re.match(r"([\d.]+) s left of 30 s", page.inner_text("#countdown"))  # type: ignore[attr-defined]
    assert left and 0 < float(left.group(1)) <= 30
    hops = page.locator("#trace tr")  # type: ignore[attr-defined]
    assert hops.count() > 4 and "show_full_screen" in page.inner_text("#trace")  # type: ignore[attr-defined]
    page.click('details.province[data-pid="p18"] summary')  # type: ignore[attr-defined]
    page.locator('details.province[data-pid="p18"] .site[data-site="p18-c007"]').wait_for()  # type: ignore[attr-defined]
    png = tmp_path / "console-show.png"
    page.screenshot(path=str(png))  # type: ignore[attr-defined]
    assert "HNTH operator console" in page.inner_text("header h1")  # type: ignore[attr-defined]
    _check_screenshot(png, page, "console-show.png")
    records = console.records()
    assert any(r["action"] == "cascade.switch_to" and r["target"] == "p18-c007"
               and r["result"] == "ok" and r["actor"] == "central" for r in records)
    assert errors == []


def test_a_provincial_operator_is_offered_only_its_province_and_refused_elsewhere(
        browser: object, console: Console, tmp_path: Path) -> None:
    page, errors = _log_in(browser, console, "op-p01")
    assert "op-p01 (MCU technician · area p01)" in page.inner_text("#who")  # type: ignore[attr-defined]
    assert page.locator("details.province").count() == 1  # type: ignore[attr-defined]
    page.fill("#q", "hai phong")  # type: ignore[attr-defined]
    page.wait_for_selector("#results li")  # type: ignore[attr-defined]
    assert page.inner_text("#results") == "no site found"  # type: ignore[attr-defined]
    page.fill("#q", "xa 4 ha noi")  # type: ignore[attr-defined]
    page.locator('#results li[data-site="p01-c004"] button.show').wait_for()  # type: ignore[attr-defined]
    page.goto(console.url + "?lang=vi")  # type: ignore[attr-defined]
    page.fill("#q", "xa 4 ha noi")  # type: ignore[attr-defined]
    page.locator('#results li[data-site="p01-c004"] button.show',  # type: ignore[attr-defined]
                 has_text="Hiển thị lên màn hình chủ trì").wait_for()
    assert page.inner_text("#search-panel h2") == "Tìm điểm cầu"  # type: ignore[attr-defined]
    png = tmp_path / "console-province.png"
    page.screenshot(path=str(png))  # type: ignore[attr-defined]
    _check_screenshot(png, page, "console-province.png")
    page.click("#run-readiness")  # type: ignore[attr-defined]
    page.locator("#readiness-summary", has_text="điểm cầu (").wait_for(timeout=60_000)  # type: ignore[attr-defined]
    assert re.search(r"\d+ sẵn sàng, \d+ suy giảm, \d+ chưa sẵn sàng trên \d+ điểm cầu",
                     page.inner_text("#readiness-summary"))  # type: ignore[attr-defined]
    assert errors == []
    # The page offers nothing in Hải Phòng; a hand-made request is refused anyway.
    answer = page.evaluate("""async () => {
        const csrf = document.querySelector('meta[name="csrf"]').content;
        const r = await fetch('/api/switch', {method: 'POST', headers: {
            'Content-Type': 'application/json', 'X-CSRF-Token': csrf,
            'X-Request-Id': 'attempt-' + Date.now()}, body: JSON.stringify({site: 'p18-c012'})});
        return [r.status, (await r.json()).error];
    }""")  # type: ignore[attr-defined]
    assert answer[0] == 403 and "bị từ chối" in answer[1]  # the page is in Vietnamese
    assert all("403" in e for e in errors), errors  # only the refused request's own log line
    assert any(r["action"] == "cascade.switch_to" and r["target"] == "p18-c012"
               and r["result"] == "denied" and r["actor"] == "op-p01"
               for r in console.records())


def _drop_a_link(network: Path) -> str:
    """Hang up one slave MCU's cascade link through its driver, as another tool would."""
    import asyncio
    import threading

    from hnth_drivers.network import Fleet

    victim: list[str] = []

    async def drop() -> None:
        fleet = Fleet.from_file(network)
        async with fleet:
            cascade = fleet.cascade()
            slave = sorted(cascade.links)[len(cascade.links) // 2]
            mcu = await fleet.mcu(slave)
            await mcu.disconnect_participant(fleet.network.conference,
                                             cascade.links[slave].uplink)
            victim.append(slave)

    worker = threading.Thread(target=lambda: asyncio.run(drop()))  # Playwright owns this one
    worker.start()
    worker.join(60)
    return victim[0]


def test_an_injected_drop_appears_in_the_alarm_feed_and_clears_on_redial(
        browser: object, console: Console, tmp_path: Path) -> None:
    page, errors = _log_in(browser, console, "central")
    page.wait_for_timeout(500)  # type: ignore[attr-defined]  # the feed is connected
    victim = _drop_a_link(console.network)
    feed = page.locator("#feed li")  # type: ignore[attr-defined]
    feed.filter(has_text=f"dropped {victim}/").first.wait_for(timeout=30_000)
    feed.filter(has_text=f"recovered {victim}/").first.wait_for(timeout=30_000)
    assert feed.filter(has_text=f"redialed {victim}/").count() >= 1
    page.locator("#rooms button.preset[data-preset=podium]").first.click()  # type: ignore[attr-defined]
    page.locator("#preset-status", has_text="preset podium recalled").wait_for(timeout=15_000)  # type: ignore[attr-defined]
    png = tmp_path / "console-alarms.png"
    page.screenshot(path=str(png))  # type: ignore[attr-defined]
    _check_screenshot(png, page, "console-alarms.png")
    assert errors == []
