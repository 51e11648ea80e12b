"""``hnth record mcu``: run the conformance kit against a device, save its exchanges.

The recording (JSON lines, secrets redacted: see ``docs/driver-authors.md``) lets the kit
run offline with :func:`hnth_drivers.testing.recorded.replay_fixture`. The kit creates and
destroys its own scratch conferences (``kit-…``): record against a simulator or a device
set aside for testing, never a production MCU in a meeting. Needs pytest and
pytest-asyncio (``pip install 'hnth-drivers[test]'``).
"""

from __future__ import annotations

from pathlib import Path

import typer

from .app import app
from .common import console, fail, password_from_env, typed_errors
from .mcu import CA_OPT, DRIVER_OPT, PIN_OPT, TIMEOUT_OPT, URL_OPT, USER_OPT

__all__ = ["record_app"]

record_app = typer.Typer(no_args_is_help=True,
                         help="Record a driver's exchanges with a device (secrets redacted).")
app.add_typer(record_app, name="record")


def _driver_version(cls: type) -> str:
    import sys
    from importlib import metadata

    package = cls.__module__.split(".")[0]
    try:
        dists = metadata.packages_distributions().get(package, [])
        if dists:
            return f"{dists[0]} {metadata.version(dists[0])}"
    except metadata.PackageNotFoundError:
        pass
    return f"{package} {getattr(sys.modules.get(package), '__version__', '')}".strip()


@record_app.command("mcu")
def record_mcu(out: Path = typer.Option(..., "--out", help="The recording to write "
                                        "(JSON lines)."),
               driver: str = DRIVER_OPT, url: str = URL_OPT, ca: Path | None = CA_OPT,
               pin: str | None = PIN_OPT, user: str = USER_OPT,
               timeout: float = TIMEOUT_OPT,
               select: str | None = typer.Option(None, "-k", help="Only the kit tests whose "
                                                 "names match (pytest -k).")) -> None:
    """Run the MCU kit through DRIVER against URL and write what was exchanged to OUT."""
    try:
        from ..testing import kit_record
        from ..testing.recorded import KitRecorder, record_kit
    except ImportError as exc:
        fail(f"hnth record needs the test extra (pip install 'hnth-drivers[test]'): {exc}")
    import httpx

    from ..driver import DeviceTarget
    from ..registry import get_driver
    from ..testing.recording import Recorder

    with typed_errors():
        cls = get_driver("mcu", driver)
        host = httpx.URL(url).host
        password = password_from_env(user, store_name=lambda u: f"mcu.{host}/{u}")
        target = DeviceTarget("mcu", host or "mcu", driver, url, user=user,
                              password_ref="cli",  # noqa: S106 - a reference, not a value
                              ca_file=ca, pin_sha256=pin,
                              options={"timeout_s": timeout})
        target.tls_trust()  # a missing CA file or a bad pin: one line, before the kit runs
        recorder = Recorder(kind="mcu", driver=driver, driver_version=_driver_version(cls),
                            address=url, user=user, secrets=[password.reveal()])
        plugin = KitRecorder("mcu", driver, target, password, recorder)
        code = record_kit(plugin, Path(kit_record.__file__),
                          ["-k", select] if select else None)
        if recorder.count == 0:
            fail(f"nothing recorded from {url} (pytest exit code {code})", 3)
        out.parent.mkdir(parents=True, exist_ok=True)
        count = recorder.save(out)
    console.print(f"recorded {count} exchanges with {driver} at {host} to {out}",
                  highlight=False)
    if code != 0:
        console.print(f"[bold red]the kit failed[/] (pytest exit code {code}): the recording "
                      "holds what was exchanged", highlight=False)
        raise typer.Exit(1)
