"""The operator console in headless Chromium: how soon the tree is usable, and a switch
clicked in the page against the same switch from the library, in one run.

Starts ``hnth sim network --profile P`` (default vn-2021, ≈11,400 sites) and ``hnth
console`` over it, each in its own process, brings the cascade up (``hnth cascade up``),
logs in as the central operator in Debian's ``/usr/bin/chromium`` (Playwright) and:

* tree: from navigation start to the page's ``load`` event (every province's row and
  counts are on the page, rendered by the server), and then to the first province
  expanded with its sites (lazy-loaded) — goal ≤ 2 s;
* switch: alternately, a site's "Show on the chair's screen" clicked in the page (from
  the click to the confirmation shown, measured in the page) and the same kind of switch
  from the library (a :class:`~hnth_drivers.cascade.switch.Switcher` over a
  :class:`~hnth_drivers.network.Fleet` of the same file, in this process, its MCUs
  opened first as the console's are), one site after another; prints the medians and
  their ratio (goal ≤ 1.3×).

    python benchmarks/console.py [--profile vn-2021] [--switches 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.console.browser import CHROMIUM, chromium_args  # noqa: E402

T = TypeVar("T")
HNTH = [sys.executable, "-c", "from hnth_drivers.cli import main; main()"]


@contextmanager
def process(args: list[str], kind: str, env: dict[str, str], within_s: float) -> Iterator[str]:
    proc = subprocess.Popen([*HNTH, *args], stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], within_s)
        line = proc.stdout.readline().split() if ready else []
        if line[:2] != ["READY", kind]:
            raise SystemExit(f"hnth {args[0]} did not start: {line!r}")
        yield line[2]
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class LibrarySwitch:
    """The library's switch in a thread of its own (Playwright's sync API owns this one):
    one Fleet of the same file, every MCU opened once, as the console's are."""

    def __init__(self, network: Path) -> None:
        from hnth_drivers.cascade.switch import Switcher
        from hnth_drivers.network import Fleet
        from hnth_drivers.security.access import Operator, Role

        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.fleet = Fleet.from_file(network)
        self.cascade = self.fleet.cascade()
        self.switcher = Switcher(self.cascade, operator=Operator("bench", Role.CENTRAL_OPERATOR),
                                 tree=self.fleet.tree, audit=self.fleet.audit)
        self._run(self.fleet.open_all([self.fleet.network.mcu(m).target()
                                       for m in self.cascade.nodes]))

    def _run(self, coro: Coroutine[object, object, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def switch_ms(self, site: str) -> float:
        async def one() -> float:
            t0 = time.perf_counter()
            trace = await self.switcher.switch_to(site)
            assert trace.within_limit, trace.reason
            return (time.perf_counter() - t0) * 1000

        return self._run(one())

    def close(self) -> None:
        self._run(self.fleet.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", default="vn-2021")
    parser.add_argument("--switches", type=int, default=10)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    from hnth_drivers.network import load_network

    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("HNTH_")}
        env["HNTH_AUDIT_LOG"] = str(Path(tmp) / "audit.jsonl")
        os.environ["HNTH_AUDIT_LOG"] = env["HNTH_AUDIT_LOG"]
        t0 = time.perf_counter()
        with process(["sim", "network", "--profile", args.profile, "--out", f"{tmp}/net",
                      "--rooms", "1"], "network", env, 300) as network_file:
            print(f"simulation up in {time.perf_counter() - t0:.1f} s")
            network = Path(network_file)
            up = subprocess.run([*HNTH, "cascade", "up", "--network", network_file,
                                 "--operator", "central"], env=env, capture_output=True,
                                text=True, timeout=600)
            print(up.stdout.strip() or up.stderr[-500:])
            passwords = json.loads((network.parent / "operator-passwords.json").read_text())
            with process(["console", "--network", network_file, "--listen", "127.0.0.1:0",
                          "--tls-dir", f"{tmp}/tls"], "console", env, 300) as url, \
                    sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=chromium_args(
                    Path(tmp) / "tls" / "server.pem"))
                page = browser.new_page(viewport={"width": 1280, "height": 860})
                page.goto(url + "login")
                page.fill("#name", "central")
                page.fill("#password", passwords["central"])
                page.click("#login")
                page.wait_for_url(url)
                loads = []
                for _ in range(3):
                    page.goto(url, wait_until="load")
                    loads.append(page.evaluate(
                        "performance.getEntriesByType('navigation')[0].loadEventEnd"))
                loaded = statistics.median(loads)
                rows = page.locator("details.province").count()
                sites_in = page.evaluate("""() => [...document.querySelectorAll(
                    'details.province')].map(d => [d.dataset.pid, parseInt(
                    d.querySelector('.counts').textContent.split('/')[1])])
                    .sort((a, b) => b[1] - a[1])[0]""")
                page.click(f'details.province[data-pid="{sites_in[0]}"] summary')
                page.locator(f'details.province[data-pid="{sites_in[0]}"] .site').first.wait_for()
                expanded = page.evaluate("performance.now()")
                shown = page.locator(f'details.province[data-pid="{sites_in[0]}"] .site').count()
                total = sum(int(re.sub(r"\D", "", t.split("/")[1]) or 0) for t in
                            page.locator("details.province .counts").all_inner_texts())
                runs = ", ".join(f"{x:.0f}" for x in loads)
                print(f"tree: {rows} provinces, {total:,} sites; page loaded in "
                      f"{loaded:.0f} ms (median of {runs}); largest province "
                      f"({sites_in[0]}, {shown} sites) expanded at {expanded:.0f} ms after "
                      "navigation start (goal ≤ 2000)")
                communes = [s.id for s in load_network(network).sites
                            if s.site.level.value == "commune"]
                library = LibrarySwitch(network)
                page_ms: list[float] = []
                lib_ms: list[float] = []
                for i in range(args.switches):
                    site_page, site_lib = communes[i * 97], communes[i * 97 + 41]
                    page.fill("#q", site_page)
                    page.locator(f'#results li[data-site="{site_page}"] button.show').click()
                    page.wait_for_selector("#chair.confirmed[data-ms]", timeout=30_000)
                    assert f"({site_page})" in page.inner_text("#chair-site")
                    page_ms.append(float(page.evaluate(
                        "document.getElementById('chair').dataset.ms")))
                    page.evaluate("delete document.getElementById('chair').dataset.ms")
                    lib_ms.append(library.switch_ms(site_lib))
                library.close()
                browser.close()
    p50_page, p50_lib = statistics.median(page_ms), statistics.median(lib_ms)
    print(f"switch, {args.switches} each: page p50 {p50_page:.0f} ms (runs "
          f"{', '.join(f'{x:.0f}' for x in page_ms)}), library p50 {p50_lib:.0f} ms (runs "
          f"{', '.join(f'{x:.0f}' for x in lib_ms)}): ratio {p50_page / p50_lib:.2f}× "
          "(goal ≤ 1.3×)")


if __name__ == "__main__":
    main()
