"""``hnth camera recall|store|move|zoom|power|position``: a PTZ camera through any
installed camera driver. (``hnth sim camera`` comes from the simulators' plug-in.)

A camera is reached with ``--visca-serial DEVICE [--baud 9600] [--address 1]``, with
``--visca-udp HOST:PORT --trusted-segment``, with ``--driver NAME --device ADDRESS`` (a
vendor's plug-in), or taken from a network file with ``--site SITE [--camera N]``
(``--network FILE``, default ``$HNTH_NETWORK``). The driver is looked up in the
entry-point registry (``--driver``; default ``visca-ip`` or ``visca-serial`` after the
connection) and built with its :meth:`~hnth_drivers.driver.Driver.from_target`, as a
network file's cameras are. VISCA over IP has no encryption, so it is refused unless the
operator states that the camera is on a trusted local segment; that exception, and every
control action, is written to the audit log.
"""

from __future__ import annotations

import asyncio
import getpass
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import typer

from ..errors import ConfigError, PolicyViolation
from ..vcs.base import RoomPresets
from ..vcs.visca.profiles import PROFILES
from .app import app
from .common import (
    audit_log,
    console,
    err_console,
    timeout_seconds,
    typed_errors,
)
from .fleet_options import NETWORK_OPT

if TYPE_CHECKING:
    from ..driver import Driver
    from ..security.audit import AuditLog
    from ..vcs.base import Camera

__all__ = ["camera_app", "parse_host_port"]

camera_app = typer.Typer(no_args_is_help=True, help="Drive a PTZ camera over VISCA "
                         "(RS-232, or IP on a trusted segment) or any installed camera "
                         "driver.")
app.add_typer(camera_app, name="camera")

T = TypeVar("T")

UDP_OPT = typer.Option(None, "--visca-udp", metavar="HOST:PORT",
                       help="VISCA over IP (UDP); needs --trusted-segment.")
TRUSTED_OPT = typer.Option(False, "--trusted-segment",
                           help="State that the camera is on a trusted local segment "
                                "(VISCA over IP is unencrypted); recorded in the audit log.")
SERIAL_OPT = typer.Option(None, "--visca-serial", metavar="DEVICE",
                          help="VISCA over RS-232, e.g. /dev/ttyUSB0.")
BAUD_OPT = typer.Option(9600, "--baud", help="9600 or 38400.")
ADDRESS_OPT = typer.Option(1, "--address", min=1, max=7, help="Camera address on the chain.")
MODEL_OPT = typer.Option(
    "generic", "--model",
    help="Camera model profile: position widths, ranges, presets (built in: "
         + ", ".join(PROFILES) + ").")
PRESETS_OPT = typer.Option(None, "--presets", metavar="FILE",
                           help='Room preset names, JSON: {"chair": 1, "left": 2}.')
TIMEOUT_OPT = typer.Option(20.0, "--timeout", callback=timeout_seconds,
                           help="Seconds to wait for a command's completion (0.1 to 3600).")
JSON_OPT = typer.Option(False, "--json", help="Machine-readable output.")
DRIVER_OPT = typer.Option(None, "--driver", help="Camera driver: visca-ip, visca-serial "
                          "(the default after the connection) or any installed driver "
                          "(hnth drivers lists them).")
DEVICE_OPT = typer.Option(None, "--device", metavar="ADDRESS",
                          help="With --driver: the camera's address as that driver takes it.")
SITE_OPT = typer.Option(None, "--site", help="Instead of a connection: a camera of this "
                        "site's room in the network file (--network, default $HNTH_NETWORK).")
CAMERA_OPT = typer.Option(1, "--camera", min=1, help="With --site: which camera of the room.")


def parse_host_port(text: str, *, default_port: int | None = None) -> tuple[str, int]:
    """``host:port`` (``[v6]:port`` too) → (host, port); ConfigError when malformed."""
    host, sep, port = text.rpartition(":")
    if not sep:
        host, port = text, str(default_port) if default_port else ""
    host = host.strip("[]")
    if not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ConfigError("invalid address", operation="parse address",
                          expected="HOST:PORT", got=repr(text))
    return host, int(port)


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _room_presets(path: Path | None) -> RoomPresets:
    if path is None:
        return RoomPresets()
    from ..documents import load_document

    names = load_document(path, what="room presets", fmt="json", max_bytes=1024 * 1024)
    if not isinstance(names, dict):
        raise ConfigError("room presets must be a JSON object", device=str(path),
                          operation="load presets", got=type(names).__name__)
    try:
        return RoomPresets(names)
    except ConfigError as exc:
        raise ConfigError(exc.message, device=str(path), operation="load presets",
                          expected=exc.expected, got=exc.got) from None


@dataclass(frozen=True)
class Reach:
    """How the command line says to reach the camera (the options every command shares)."""

    udp: str | None = None
    trusted: bool = False
    serial: str | None = None
    baud: int = 9600
    address: int = 1
    model: str = "generic"
    presets: Path | None = None
    driver: str | None = None
    device: str | None = None
    site: str | None = None
    camera: int = 1
    network: Path | None = None
    timeout: float = 20.0


def _build(reach: Reach, action: str, audit: AuditLog | None) -> Camera:
    """The camera's driver, built through the registry (nothing is contacted)."""
    from ..vcs.base import Camera

    built = _driver(reach, action, audit)
    assert isinstance(built, Camera)  # the registry checked the class against the contract
    return built


def _driver(reach: Reach, action: str, audit: AuditLog | None) -> Driver:
    from ..security.policy import SecurityPolicy, Waiver, WaiverKind
    from .fleet_options import cli_driver, site_driver

    if reach.site is not None:
        given = [name for name, value in (
            ("--visca-udp", reach.udp), ("--visca-serial", reach.serial),
            ("--device", reach.device), ("--driver", reach.driver),
            ("--trusted-segment", reach.trusted or None), ("--presets", reach.presets),
            ("--model", None if reach.model == "generic" else reach.model),
            ("--baud", None if reach.baud == 9600 else reach.baud),
            ("--address", None if reach.address == 1 else reach.address)) if value]
        if given:
            raise ConfigError("--site takes the camera from the network file",
                              operation=f"camera {action}", expected="no other connection "
                              "or camera options", got=given[0])
        return site_driver("camera", reach.network, f"camera:{reach.site}/{reach.camera}",
                           {"timeout_s": reach.timeout})
    chosen = [o for o, v in (("--visca-udp", reach.udp), ("--visca-serial", reach.serial),
                             ("--device", reach.device)) if v is not None]
    if len(chosen) != 1:
        raise ConfigError("choose one camera connection", operation=f"camera {action}",
                          expected="--visca-udp HOST:PORT, --visca-serial DEVICE, "
                          "--driver NAME --device ADDRESS, or --site SITE",
                          got=" and ".join(chosen) or "none")
    if reach.trusted and reach.serial is not None:
        raise ConfigError("--trusted-segment applies to a camera on the network only",
                          operation=f"camera {action}")
    if reach.udp is not None:
        host, port = parse_host_port(reach.udp)
        address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        label = f"{host}:{port}"
        name = reach.driver or "visca-ip"
    elif reach.serial is not None:
        address = label = reach.serial
        name = reach.driver or "visca-serial"
    else:
        if reach.driver is None:
            raise ConfigError("--device needs --driver", operation=f"camera {action}",
                              expected="--driver NAME (hnth drivers lists them)")
        address = label = str(reach.device)
        name = reach.driver
    policy = None
    if reach.trusted:
        policy = SecurityPolicy(
            waivers=(Waiver(label, WaiverKind.VISCA_IP, "operator passed --trusted-segment"),),
            audit=audit, actor=_actor())
    presets = _room_presets(reach.presets)
    return cli_driver("camera", name, address, device=label, policy=policy,
                      options={"model": reach.model, "baudrate": reach.baud,
                               "visca_address": reach.address, "timeout_s": reach.timeout},
                      presets=presets.names)


def _run(reach: Reach, action: str, detail: dict[str, object],
         call: Callable[[Camera], Awaitable[T]],
         precheck: Callable[[Camera], object] | None = None) -> T:
    """Open the camera, run ``call(camera)``, audit control actions, close.

    ``precheck(camera)`` validates arguments before anything is opened or sent.
    """
    with typed_errors():
        control = action not in ("position", "power-status")
        audit = audit_log() if (reach.trusted or control) else None
        camera = _build(reach, action, audit)
        if precheck is not None:
            precheck(camera)

        async def session() -> T:
            async with camera:
                return await call(camera)

        try:
            result = asyncio.run(session())
        except PolicyViolation:
            if reach.udp is not None and not reach.trusted:
                err_console.print("hint: VISCA over IP is unencrypted; if the camera is on a "
                                  "trusted local segment, pass --trusted-segment", highlight=False)
            raise
        except Exception as exc:
            if audit is not None and control:
                audit.append(actor=_actor(), action=f"camera.{action}", target=camera.device,
                             result="error", detail={**detail, "error": str(exc)[:300]})
            raise
        if audit is not None and control:
            audit.append(actor=_actor(), action=f"camera.{action}", target=camera.device,
                         result="ok", detail=detail)
        return result
    raise AssertionError("unreachable: typed_errors exits on error")


def _preset_arg(text: str) -> int | str:
    return int(text) if text.isdigit() else text


def _check_preset(operation: str, text: str) -> Callable[[Camera], object]:
    def check(camera: Camera) -> object:
        from ..vcs.visca.camera import ViscaCamera

        number = camera.room_presets.resolve(_preset_arg(text))
        if isinstance(camera, ViscaCamera):  # the model's preset range, before sending
            return camera.profile.check_preset(operation, number)
        return number
    return check


@camera_app.command("recall")
def recall(preset: str = typer.Argument(..., help="Preset number, or a room name (--presets)."),
           visca_udp: str | None = UDP_OPT, trusted_segment: bool = TRUSTED_OPT,
           visca_serial: str | None = SERIAL_OPT, baud: int = BAUD_OPT,
           address: int = ADDRESS_OPT, model: str = MODEL_OPT, presets: Path | None = PRESETS_OPT,
           timeout: float = TIMEOUT_OPT, driver: str | None = DRIVER_OPT,
           device: str | None = DEVICE_OPT, site: str | None = SITE_OPT,
           camera: int = CAMERA_OPT, network: Path | None = NETWORK_OPT) -> None:
    """Recall a preset; returns when the camera has arrived."""
    reach = Reach(visca_udp, trusted_segment, visca_serial, baud, address, model, presets,
                  driver, device, site, camera, network, timeout)
    _run(reach, "recall", {"preset": preset}, lambda cam: cam.recall(_preset_arg(preset)),
         _check_preset("recall_preset", preset))
    typer.echo(f"recalled preset {preset}")


@camera_app.command("store")
def store(preset: str = typer.Argument(..., help="Preset number, or a room name (--presets)."),
          visca_udp: str | None = UDP_OPT, trusted_segment: bool = TRUSTED_OPT,
          visca_serial: str | None = SERIAL_OPT, baud: int = BAUD_OPT,
          address: int = ADDRESS_OPT, model: str = MODEL_OPT, presets: Path | None = PRESETS_OPT,
          timeout: float = TIMEOUT_OPT, driver: str | None = DRIVER_OPT,
          device: str | None = DEVICE_OPT, site: str | None = SITE_OPT,
          camera: int = CAMERA_OPT, network: Path | None = NETWORK_OPT) -> None:
    """Store the current position as a preset."""
    reach = Reach(visca_udp, trusted_segment, visca_serial, baud, address, model, presets,
                  driver, device, site, camera, network, timeout)
    _run(reach, "store", {"preset": preset}, lambda cam: cam.store(_preset_arg(preset)),
         _check_preset("store_preset", preset))
    typer.echo(f"stored preset {preset}")


@camera_app.command("move")
def move(direction: str = typer.Argument(..., help="up, down, left, right, up_left, "
                                         "up_right, down_left, down_right or stop."),
         pan_speed: int | None = typer.Option(None, "--pan-speed"),
         tilt_speed: int | None = typer.Option(None, "--tilt-speed"),
         visca_udp: str | None = UDP_OPT, trusted_segment: bool = TRUSTED_OPT,
         visca_serial: str | None = SERIAL_OPT, baud: int = BAUD_OPT,
         address: int = ADDRESS_OPT, model: str = MODEL_OPT,
         timeout: float = TIMEOUT_OPT, driver: str | None = DRIVER_OPT,
         device: str | None = DEVICE_OPT, site: str | None = SITE_OPT,
         camera: int = CAMERA_OPT, network: Path | None = NETWORK_OPT) -> None:
    """Start driving pan/tilt in a direction (``stop`` stops)."""
    from ..model import MoveDirection

    with typed_errors():
        try:
            where = MoveDirection(direction.replace("-", "_"))
        except ValueError:
            raise ConfigError("unknown direction", operation="camera move",
                              expected=", ".join(d.value for d in MoveDirection),
                              got=repr(direction)) from None
    reach = Reach(visca_udp, trusted_segment, visca_serial, baud, address, model, None,
                  driver, device, site, camera, network, timeout)
    _run(reach, "move", {"direction": where.value},
         lambda cam: cam.move(where, pan_speed=pan_speed, tilt_speed=tilt_speed))
    typer.echo(f"moving {where.value}" if where is not MoveDirection.STOP else "stopped")


@camera_app.command("zoom")
def zoom(how: str = typer.Argument(..., metavar="tele|wide|stop|POSITION"),
         speed: int | None = typer.Option(None, "--speed", help="Variable speed 0..7."),
         visca_udp: str | None = UDP_OPT, trusted_segment: bool = TRUSTED_OPT,
         visca_serial: str | None = SERIAL_OPT, baud: int = BAUD_OPT,
         address: int = ADDRESS_OPT, model: str = MODEL_OPT,
         timeout: float = TIMEOUT_OPT, driver: str | None = DRIVER_OPT,
         device: str | None = DEVICE_OPT, site: str | None = SITE_OPT,
         camera: int = CAMERA_OPT, network: Path | None = NETWORK_OPT) -> None:
    """Zoom in (tele), out (wide), stop, or go to an absolute zoom position."""
    from ..model import ZoomDirection

    call: Callable[[Camera], Awaitable[None]]
    if how.isdigit():
        position = int(how)
        call = lambda cam: cam.zoom_to(position)  # noqa: E731
    else:
        with typed_errors():
            try:
                direction = ZoomDirection(how)
            except ValueError:
                raise ConfigError("unknown zoom", operation="camera zoom",
                                  expected="tele, wide, stop or a position",
                                  got=repr(how)) from None
        call = lambda cam: cam.zoom(direction, speed=speed)  # noqa: E731
    reach = Reach(visca_udp, trusted_segment, visca_serial, baud, address, model, None,
                  driver, device, site, camera, network, timeout)
    _run(reach, "zoom", {"zoom": how}, call)
    typer.echo(f"zoom {how}")


@camera_app.command("power")
def power(state: str = typer.Argument(..., metavar="on|off|status"),
          visca_udp: str | None = UDP_OPT, trusted_segment: bool = TRUSTED_OPT,
          visca_serial: str | None = SERIAL_OPT, baud: int = BAUD_OPT,
          address: int = ADDRESS_OPT, model: str = MODEL_OPT,
          as_json: bool = JSON_OPT, driver: str | None = DRIVER_OPT,
          device: str | None = DEVICE_OPT, site: str | None = SITE_OPT,
          camera: int = CAMERA_OPT, network: Path | None = NETWORK_OPT) -> None:
    """Switch the camera on or to standby, or show whether it is on."""
    if state not in ("on", "off", "status"):
        with typed_errors():
            raise ConfigError("unknown power state", operation="camera power",
                              expected="on, off or status", got=repr(state))
    if state == "status":
        reach = Reach(visca_udp, trusted_segment, visca_serial, baud, address, model, None,
                      driver, device, site, camera, network, 5.0)
        on = _run(reach, "power-status", {}, lambda cam: cam.is_powered())
        typer.echo(json.dumps({"power": "on" if on else "off"}) if as_json else
                   f"power {'on' if on else 'off'}")
        return
    reach = Reach(visca_udp, trusted_segment, visca_serial, baud, address, model, None,
                  driver, device, site, camera, network, 20.0)
    _run(reach, "power", {"on": state == "on"}, lambda cam: cam.power(state == "on"))
    typer.echo(f"power {state}")


@camera_app.command("position")
def position(visca_udp: str | None = UDP_OPT, trusted_segment: bool = TRUSTED_OPT,
             visca_serial: str | None = SERIAL_OPT, baud: int = BAUD_OPT,
             address: int = ADDRESS_OPT, model: str = MODEL_OPT,
             as_json: bool = JSON_OPT, driver: str | None = DRIVER_OPT,
             device: str | None = DEVICE_OPT, site: str | None = SITE_OPT,
             camera: int = CAMERA_OPT, network: Path | None = NETWORK_OPT) -> None:
    """Show the current pan, tilt and zoom (pan/tilt read in the model's widths)."""
    reach = Reach(visca_udp, trusted_segment, visca_serial, baud, address, model, None,
                  driver, device, site, camera, network, 5.0)
    where = _run(reach, "position", {}, lambda cam: cam.position())
    if as_json:
        typer.echo(json.dumps({"pan": where.pan, "tilt": where.tilt, "zoom": where.zoom}))
    else:
        console.print(f"pan {where.pan}  tilt {where.tilt}  zoom {where.zoom}")
