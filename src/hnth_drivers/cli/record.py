"""``hnth record mcu|codec|camera``: run the conformance kit against a device, save its
exchanges.

The recording (JSON lines, secrets redacted: see ``docs/driver-authors.md``) lets the kit
run offline with :func:`hnth_drivers.testing.recorded.replay_fixture`. The kit creates and
destroys its own scratch conferences (``kit-…``), dials and hangs up, stores over a
preset, moves the camera and puts it in standby: record against a simulator or a device
set aside for testing, never one in a meeting. ``--scripted`` (codec, camera) runs a
short fixed session instead (:mod:`hnth_drivers.testing.sessions`). Needs pytest and
pytest-asyncio (``pip install 'hnth-drivers[test]'``).
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from .app import app
from .common import audit_log, console, fail, host_port, password_from_env, typed_errors
from .mcu import CA_OPT, DRIVER_OPT, PIN_OPT, TIMEOUT_OPT, URL_OPT, USER_OPT

if TYPE_CHECKING:
    from ..driver import DeviceTarget
    from ..security.policy import SecurityPolicy
    from ..security.secrets import Secret
    from ..testing.recording import Recorder

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


OUT_OPT = typer.Option(..., "--out", help="The recording to write (JSON lines).")
SELECT_OPT = typer.Option(None, "-k", help="Only the kit tests whose names match "
                          "(pytest -k).")
SCRIPTED_OPT = typer.Option(False, "--scripted", help="A short fixed session (status, "
                            "dial, hang up, preset store and recall, position) instead of "
                            "the kit.")


def _kit_modules() -> tuple[Any, Any, Any]:
    try:
        from ..testing import kit_record
        from ..testing.recorded import KitRecorder, record_kit
    except ImportError as exc:
        fail(f"hnth record needs the test extra (pip install 'hnth-drivers[test]'): {exc}")
    return kit_record, KitRecorder, record_kit


def _record(kind: str, target: DeviceTarget, password: Secret, recorder: Recorder,
            out: Path, select: str | None, policy: SecurityPolicy | None = None,
            scripted: bool = False) -> None:
    """Run the kit (or the scripted session) through the driver, save, report."""
    from ..security.policy import STRICT

    where = target.address
    if scripted:
        code = _run_scripted(kind, target, password, recorder, policy or STRICT)
    else:
        kit_record, kit_recorder, record_kit = _kit_modules()
        plugin = kit_recorder(kind, target.driver, target, password, recorder,
                              policy or STRICT)
        code = record_kit(plugin, Path(kit_record.__file__),
                          ["-k", select] if select else None,
                          kit_class=kit_record.KIT_CLASSES[kind])
    if recorder.count == 0:
        fail(f"nothing recorded from {where} (pytest exit code {code})", 3)
    out.parent.mkdir(parents=True, exist_ok=True)
    count = recorder.save(out)
    console.print(f"recorded {count} exchanges with {target.driver} at {where} to {out}",
                  highlight=False)
    if code != 0:
        what = "the session failed" if scripted else "the kit failed"
        console.print(f"[bold red]{what}[/] (exit code {code}): the recording holds what "
                      "was exchanged", highlight=False)
        raise typer.Exit(1)


class _Given:
    """The password given (a SecretSource for :meth:`Driver.from_target`)."""

    def __init__(self, secret: Secret) -> None:
        self._secret = secret

    def resolve(self, ref: str) -> Secret:
        return self._secret


def _run_scripted(kind: str, target: DeviceTarget, password: Secret, recorder: Recorder,
                  policy: SecurityPolicy) -> int:
    from ..errors import HnthError
    from ..registry import get_driver
    from ..testing.sessions import camera_session, codec_session
    from ..vcs.base import Camera, Codec
    from .common import err_console

    async def run() -> None:
        with recorder.installed():
            driver = get_driver(kind, target.driver).from_target(
                target, secrets=_Given(password), policy=policy, audit=policy.audit)
            async with driver:
                if isinstance(driver, Codec):
                    await codec_session(driver)
                elif isinstance(driver, Camera):
                    await camera_session(driver)

    try:
        asyncio.run(run())
    except HnthError as exc:
        err_console.print(f"error: {exc}", highlight=False)
        return 1
    return 0


@record_app.command("mcu")
def record_mcu(out: Path = OUT_OPT, driver: str = DRIVER_OPT, url: str = URL_OPT,
               ca: Path | None = CA_OPT, pin: str | None = PIN_OPT, user: str = USER_OPT,
               timeout: float = TIMEOUT_OPT, select: str | None = SELECT_OPT) -> None:
    """Run the MCU kit through DRIVER against URL and write what was exchanged to OUT."""
    _kit_modules()
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
        _record("mcu", target, password, recorder, out, select)


@record_app.command("codec")
def record_codec(
    out: Path = OUT_OPT,
    driver: str = typer.Option("xapi", "--driver", help="Codec driver: xapi, polycom, or "
                               "any installed one (hnth drivers)."),
    ssh: str = typer.Option(..., "--ssh", help="The codec's SSH address HOST:PORT."),
    known_hosts: Path = typer.Option(..., "--known-hosts", help="OpenSSH known_hosts file "
                                     "([host]:port entries for ports other than 22)."),
    user: str = typer.Option("admin", "--user", help="Login user; password from "
                             "$HNTH_PASSWORD or the secret store (codec.HOST/USER)."),
    identity: Path | None = typer.Option(None, "--identity", help="Private key file "
                                         "(instead of a password)."),
    select: str | None = SELECT_OPT, scripted: bool = SCRIPTED_OPT,
) -> None:
    """Run the codec kit through DRIVER against the codec at SSH; write the shell to OUT.

    The SSH login itself is never in the recording."""
    if not scripted:
        _kit_modules()
    from ..driver import DeviceTarget
    from ..registry import get_driver
    from ..security.secrets import Secret
    from ..testing.recording import Recorder

    with typed_errors():
        cls = get_driver("vcs", driver)
        host, port = host_port(ssh, "--ssh")
        if not known_hosts.is_file():
            fail(f"--known-hosts: no such file {str(known_hosts)!r}")
        if identity is None:
            password = password_from_env(user, store_name=lambda u: f"codec.{host}/{u}")
        else:
            password = Secret(os.environ.get("HNTH_PASSWORD", ""))
        target = DeviceTarget("vcs", f"{host}:{port}", driver, f"{host}:{port}", user=user,
                              password_ref="cli" if identity is None or password.reveal()
                              else None, key_file=identity, known_hosts=known_hosts)
        secrets = [password.reveal()] if password.reveal() else []
        recorder = Recorder(kind="vcs", driver=driver, driver_version=_driver_version(cls),
                            address=f"{host}:{port}", user=user, secrets=secrets)
        _record("vcs", target, password, recorder, out, select, scripted=scripted)


@record_app.command("camera")
def record_camera(
    out: Path = OUT_OPT,
    visca_udp: str | None = typer.Option(None, "--visca-udp", metavar="HOST:PORT",
                                         help="VISCA over IP (UDP); needs "
                                              "--trusted-segment."),
    trusted_segment: bool = typer.Option(False, "--trusted-segment", help="State that the "
                                         "camera is on a trusted local segment (VISCA over "
                                         "IP is unencrypted); recorded in the audit log."),
    visca_serial: str | None = typer.Option(None, "--visca-serial", metavar="DEVICE",
                                            help="VISCA over RS-232, e.g. /dev/ttyUSB0."),
    baud: int = typer.Option(9600, "--baud", help="9600 or 38400 (serial)."),
    model: str = typer.Option("generic", "--model", help="Camera model profile."),
    select: str | None = SELECT_OPT, scripted: bool = SCRIPTED_OPT,
) -> None:
    """Run the camera kit against a VISCA camera; write what went over the wire to OUT.

    The kit moves the camera, stores over preset 2 and puts it in standby and back."""
    if not scripted:
        _kit_modules()
    from ..driver import DeviceTarget
    from ..registry import get_driver
    from ..security.policy import STRICT, SecurityPolicy, Waiver, WaiverKind
    from ..security.secrets import Secret
    from ..testing.recording import Recorder
    from ..vcs.visca.profiles import profile

    with typed_errors():
        if (visca_udp is None) == (visca_serial is None):
            fail("choose one camera connection: --visca-udp HOST:PORT or "
                 "--visca-serial DEVICE")
        profile(model)                  # an unknown model: one line, before anything runs
        policy = STRICT
        options: dict[str, Any] = {"model": model}
        if visca_udp is not None:
            host, port = host_port(visca_udp, "--visca-udp")
            if not trusted_segment:
                fail("VISCA over IP is unencrypted: pass --trusted-segment if the camera is "
                     "on a trusted local segment")
            driver, label = "visca-ip", f"{host}:{port}"
            policy = SecurityPolicy(waivers=(Waiver(label, WaiverKind.VISCA_IP,
                                                    "operator passed --trusted-segment"),),
                                    audit=audit_log(), actor="cli:hnth-record")
        else:
            assert visca_serial is not None
            if trusted_segment:
                fail("--trusted-segment applies to --visca-udp only")
            if baud not in (9600, 38400):
                fail(f"--baud must be 9600 or 38400, got {baud}")
            driver, label = "visca-serial", visca_serial
            options["baudrate"] = baud
        cls = get_driver("camera", driver)
        target = DeviceTarget("camera", label, driver, label, options=options)
        recorder = Recorder(kind="camera", driver=driver,
                            driver_version=_driver_version(cls), address=label,
                            options=options)
        _record("camera", target, Secret("unused"), recorder, out, select, policy=policy,
                scripted=scripted)
