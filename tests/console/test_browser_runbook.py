"""In headless Chromium, over a console with a live runbook (a run waiting for manual
confirmations, tests/console/runner.py): a step confirmed by a click, the page updated
as the runner goes on; and the whole page in Vietnamese — cascade, search, a switch and
its trace, readiness, the runbook, a refusal — showing none of the console's English
words (device and runner texts, shown as received, are marked ``.raw`` and left out).
Screenshots checked for content (``HNTH_UPDATE_SCREENSHOTS=1`` copies them to docs/img)."""

from __future__ import annotations

import re
from pathlib import Path

from hnth_drivers.console.i18n import english_texts

from .conftest import Console
from .test_browser import _check_screenshot, _log_in, browser  # noqa: F401  (fixture)
from .test_runbook_confirm import RunbookConsole, runbook_console  # noqa: F401  (fixture)


def _english_on(page: object) -> list[str]:
    """The console's English words found in the page's visible text (``.raw`` left out)."""
    text = page.evaluate("""() => {
        const copy = document.body.cloneNode(true);
        for (const raw of copy.querySelectorAll('.raw')) raw.remove();
        return copy.innerText;
    }""")  # type: ignore[attr-defined]
    found = (re.search(r"(?<!\w)" + re.escape(t) + r"(?!\w)", text) for t in english_texts())
    return [text[max(0, m.start() - 40):m.end() + 40] for m in found if m]


def test_a_waiting_runbook_step_is_confirmed_by_a_click(
        browser: object, runbook_console: RunbookConsole, tmp_path: Path) -> None:  # noqa: F811
    rc = runbook_console
    asking = rc.runner.wait_asking()
    page, errors = _log_in(browser, rc.console, "central")
    row = f'#runbook tr[data-step="{asking}"]'
    page.locator(f"{row} button.confirm-step").click()  # type: ignore[attr-defined]
    page.locator(f'{row}[data-status="done"]').wait_for(timeout=30_000)  # type: ignore[attr-defined]
    after = rc.runner.wait_asking(not_=asking)
    page.locator(f'#runbook tr[data-step="{after}"] button.confirm-step').wait_for(  # type: ignore[attr-defined]
        timeout=30_000)
    assert "done" in page.inner_text(row)  # type: ignore[attr-defined]
    assert page.locator("#report-link").is_visible()  # type: ignore[attr-defined]
    png = tmp_path / "console-runbook.png"
    page.locator("#runbook-panel").scroll_into_view_if_needed()  # type: ignore[attr-defined]
    page.screenshot(path=str(png))  # type: ignore[attr-defined]
    _check_screenshot(png, page, "console-runbook.png")
    assert errors == []
    assert any(r["action"] == "console.runbook_confirm" and r["target"] == asking
               and r["result"] == "ok" and r["actor"] == "central"
               for r in rc.console.records())
    # a provincial operator is offered no confirmation at all
    other, _ = _log_in(browser, rc.console, "op-p01")
    other.locator(f'#runbook tr[data-step="{after}"]').wait_for()  # type: ignore[attr-defined]
    assert other.locator("button.confirm-step").count() == 0  # type: ignore[attr-defined]
    assert not other.locator("#report-link").is_visible()  # type: ignore[attr-defined]


def test_a_vietnamese_page_shows_no_english_console_words(
        browser: object, runbook_console: RunbookConsole, tmp_path: Path) -> None:  # noqa: F811
    rc = runbook_console
    console: Console = rc.console
    page, errors = _log_in(browser, console, "central")
    page.goto(console.url + "?lang=vi")  # type: ignore[attr-defined]
    assert page.title() == "Bảng điều khiển hội nghị truyền hình HNTH"  # type: ignore[attr-defined]
    assert "người vận hành trung tâm" in page.inner_text("#who")  # type: ignore[attr-defined]
    page.fill("#q", "xa 7 hai phong")  # type: ignore[attr-defined]
    page.locator('#results li[data-site="p18-c007"] button.show').click()  # type: ignore[attr-defined]
    page.wait_for_selector("#chair.confirmed", timeout=30_000)  # type: ignore[attr-defined]
    assert page.inner_text("#chair-status").startswith("Đã xác nhận")  # type: ignore[attr-defined]
    assert "giai đoạn" in page.inner_text("#trace")  # type: ignore[attr-defined]
    page.click('details.province[data-pid="p18"] summary')  # type: ignore[attr-defined]
    page.locator('details.province[data-pid="p18"] .site').first.wait_for()  # type: ignore[attr-defined]
    asking = rc.runner.wait_asking()
    row = f'#runbook tr[data-step="{asking}"]'
    page.locator(f"{row} button.confirm-step", has_text="Xác nhận đã xong").click()  # type: ignore[attr-defined]
    page.locator(f'{row}[data-status="done"]').wait_for(timeout=30_000)  # type: ignore[attr-defined]
    assert "đã xong" in page.inner_text(row)  # type: ignore[attr-defined]
    page.click("#run-readiness")  # type: ignore[attr-defined]
    page.locator("#readiness-summary", has_text="điểm cầu (").wait_for(timeout=90_000)  # type: ignore[attr-defined]
    # a refusal from the server, shown where the page shows runbook errors
    page.evaluate("""async (step) => {
        const csrf = document.querySelector('meta[name="csrf"]').content;
        const r = await fetch('/api/runbook/confirm', {method: 'POST', headers: {
            'Content-Type': 'application/json', 'X-CSRF-Token': csrf,
            'X-Request-Id': 'again-' + Date.now()}, body: JSON.stringify({step: step})});
        document.getElementById('runbook-error').textContent = (await r.json()).error;
    }""", asking)  # type: ignore[attr-defined]
    assert "không chờ xác nhận" in page.inner_text("#runbook-error")  # type: ignore[attr-defined]
    page.wait_for_timeout(1000)  # type: ignore[attr-defined]  # the feed and tree settle
    assert _english_on(page) == []
    png = tmp_path / "console-vi.png"
    page.screenshot(path=str(png))  # type: ignore[attr-defined]
    _check_screenshot(png, page, "console-vi.png")
    login = browser.new_context().new_page()  # type: ignore[attr-defined]
    login.goto(console.url + "login?lang=vi")
    login.fill("#name", "central")
    login.fill("#password", "not the password")
    login.click("#login")
    assert "sai tên hoặc mật khẩu" in login.inner_text(".message")
    assert _english_on(login) == []
    assert all("409" in e for e in errors), errors  # only the refused request's own log line
