"""``hnth camera recall|store|move|zoom|power|position`` and ``hnth sim camera``.

A camera is reached with ``--visca-serial DEVICE [--baud 9600] [--address 1]`` or with
``--visca-udp HOST:PORT --trusted-segment``: VISCA over IP has no encryption, so it is
refused unless the operator states that the camera is on a trusted local segment; that
exception, and every control action, is written to the audit log.
"""

from __future__ import annotations

import asyncio
import getpass
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

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

if TYPE_CHECKING:
    from ..vcs.visca.camera import ViscaCamera

__all__ = ["camera_app", "parse_host_port"]

camera_app = typer.Typer(no_args_is_help=True, help="Drive a PTZ camera over VISCA "
                         "(RS-232, or IP on a trusted segment).")
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


def _run(udp: str | None, trusted: bool, serial_dev: str | None, baud: int, address: int,
         model: str, presets: Path | None, timeout: float, action: str,
         detail: dict[str, object], call: Callable[[ViscaCamera], Awaitable[T]],
         precheck: Callable[[ViscaCamera], object] | None = None) -> T:
    """Open the camera, run ``call(camera)``, audit control actions, close.

    ``precheck(camera)`` validates arguments before anything is opened or sent.
    """
    from ..security.policy import STRICT, SecurityPolicy, Waiver, WaiverKind
    from ..vcs.visca.camera import ViscaOptions
    from ..vcs.visca.ip import ViscaIpCamera
    from ..vcs.visca.profiles import profile
    from ..vcs.visca.serial import ViscaSerialCamera

    with typed_errors():
        if (udp is None) == (serial_dev is None):
            raise ConfigError("choose one camera connection", operation=f"camera {action}",
                              expected="--visca-udp HOST:PORT or --visca-serial DEVICE",
                              got="both" if udp else "neither")
        if trusted and udp is None:
            raise ConfigError("--trusted-segment applies to --visca-udp only",
                              operation=f"camera {action}")
        common: dict[str, Any] = {
            "profile": profile(model), "room_presets": _room_presets(presets),
            "options": ViscaOptions(completion_timeout=timeout),
        }
        control = action not in ("position", "power-status")
        audit = audit_log() if (trusted or control) else None
        camera: ViscaCamera
        if udp is not None:
            host, port = parse_host_port(udp)
            policy = STRICT
            if trusted:
                policy = SecurityPolicy(
                    waivers=(Waiver(f"{host}:{port}", WaiverKind.VISCA_IP,
                                    "operator passed --trusted-segment"),),
                    audit=audit, actor=_actor())
            camera = ViscaIpCamera(host, port, policy=policy, **common)
        else:
            assert serial_dev is not None
            camera = ViscaSerialCamera(serial_dev, baudrate=baud, address=address, **common)

        if precheck is not None:
            precheck(camera)

        async def session() -> T:
            async with camera:
                return await call(camera)

        try:
            result = asyncio.run(session())
        except PolicyViolation:
            if udp is not None and not trusted:
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


def _check_preset(operation: str, text: str) -> Callable[[ViscaCamera], object]:
    def check(camera: ViscaCamera) -> object:
        number = camera.room_presets.resolve(_preset_arg(text))
        return camera.profile.check_preset(operation, number)
    return check


@camera_app.command("recall")
def recall(preset: str = typer.Argument(..., help="Preset number, or a room name (--presets)."),
           visca_udp: str | None = UDP_OPT, trusted_segment: bool = TRUSTED_OPT,
           visca_serial: str | None = SERIAL_OPT, baud: int = BAUD_OPT,
           address: int = ADDRESS_OPT, model: str = MODEL_OPT, presets: Path | None = PRESETS_OPT,
           timeout: float = TIMEOUT_OPT) -> None:
    """Recall a preset; returns when the camera has arrived."""
    _run(visca_udp, trusted_segment, visca_serial, baud, address, model, presets, timeout,
         "recall", {"preset": preset}, lambda cam: cam.recall(_preset_arg(preset)),
         _check_preset("recall_preset", preset))
    typer.echo(f"recalled preset {preset}")


@camera_app.command("store")
def store(preset: str = typer.Argument(..., help="Preset number, or a room name (--presets)."),
          visca_udp: str | None = UDP_OPT, trusted_segment: bool = TRUSTED_OPT,
          visca_serial: str | None = SERIAL_OPT, baud: int = BAUD_OPT,
          address: int = ADDRESS_OPT, model: str = MODEL_OPT, presets: Path | None = PRESETS_OPT,
          timeout: float = TIMEOUT_OPT) -> None:
    """Store the current position as a preset."""
    _run(visca_udp, trusted_segment, visca_serial, baud, address, model, presets, timeout,
         "store", {"preset": preset}, lambda cam: cam.store(_preset_arg(preset)),
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
         timeout: float = TIMEOUT_OPT) -> None:
    """Start driving pan/tilt in a direction (``stop`` stops)."""
    from ..model import MoveDirection

    with typed_errors():
        try:
            where = MoveDirection(direction.replace("-", "_"))
        except ValueError:
            raise ConfigError("unknown direction", operation="camera move",
                              expected=", ".join(d.value for d in MoveDirection),
                              got=repr(direction)) from None
    _run(visca_udp, trusted_segment, visca_serial, baud, address, model, None, timeout,
         "move", {"direction": where.value},
         lambda cam: cam.move(where, pan_speed=pan_speed, tilt_speed=tilt_speed))
    typer.echo(f"moving {where.value}" if where is not MoveDirection.STOP else "stopped")


@camera_app.command("zoom")
def zoom(how: str = typer.Argument(..., metavar="tele|wide|stop|POSITION"),
         speed: int | None = typer.Option(None, "--speed", help="Variable speed 0..7."),
         visca_udp: str | None = UDP_OPT, trusted_segment: bool = TRUSTED_OPT,
         visca_serial: str | None = SERIAL_OPT, baud: int = BAUD_OPT,
         address: int = ADDRESS_OPT, model: str = MODEL_OPT,
         timeout: float = TIMEOUT_OPT) -> None:
    """Zoom in (tele), out (wide), stop, or go to an absolute zoom position."""
    from ..model import ZoomDirection

    call: Callable[[ViscaCamera], Awaitable[None]]
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
    _run(visca_udp, trusted_segment, visca_serial, baud, address, model, None, timeout,
         "zoom", {"zoom": how}, call)
    typer.echo(f"zoom {how}")


@camera_app.command("power")
def power(state: str = typer.Argument(..., metavar="on|off|status"),
          visca_udp: str | None = UDP_OPT, trusted_segment: bool = TRUSTED_OPT,
          visca_serial: str | None = SERIAL_OPT, baud: int = BAUD_OPT,
          address: int = ADDRESS_OPT, model: str = MODEL_OPT,
          as_json: bool = JSON_OPT) -> None:
    """Switch the camera on or to standby, or show whether it is on."""
    if state not in ("on", "off", "status"):
        with typed_errors():
            raise ConfigError("unknown power state", operation="camera power",
                              expected="on, off or status", got=repr(state))
    if state == "status":
        on = _run(visca_udp, trusted_segment, visca_serial, baud, address, model, None,
                  5.0, "power-status", {}, lambda cam: cam.is_powered())
        typer.echo(json.dumps({"power": "on" if on else "off"}) if as_json else
                   f"power {'on' if on else 'off'}")
        return
    _run(visca_udp, trusted_segment, visca_serial, baud, address, model, None, 20.0,
         "power", {"on": state == "on"}, lambda cam: cam.power(state == "on"))
    typer.echo(f"power {state}")


@camera_app.command("position")
def position(visca_udp: str | None = UDP_OPT, trusted_segment: bool = TRUSTED_OPT,
             visca_serial: str | None = SERIAL_OPT, baud: int = BAUD_OPT,
             address: int = ADDRESS_OPT, model: str = MODEL_OPT,
             as_json: bool = JSON_OPT) -> None:
    """Show the current pan, tilt and zoom (pan/tilt read in the model's widths)."""
    where = _run(visca_udp, trusted_segment, visca_serial, baud, address, model, None,
                 5.0, "position", {}, lambda cam: cam.position())
    if as_json:
        typer.echo(json.dumps({"pan": where.pan, "tilt": where.tilt, "zoom": where.zoom}))
    else:
        console.print(f"pan {where.pan}  tilt {where.tilt}  zoom {where.zoom}")


