"""``hnth sim codec`` (a simulated room codec) and ``hnth codec ...`` (the SSH codec drivers).

Secrets never come from argv: the simulator's password from ``$HNTH_SIM_PASSWORD``, the
driver's from ``$HNTH_PASSWORD`` or the secret store (``codec.HOST/USER``), or a key file
with ``--identity``. Every control command (dial, hangup, mute, preset) is written to the
audit log with its result.
"""

from __future__ import annotations

import asyncio
import getpass
import json
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer

from .app import app
from .common import (
    audit_log,
    console,
    fail,
    host_port,
    password_from_env,
    timeout_seconds,
    typed_errors,
)

if TYPE_CHECKING:
    from ..vcs.ssh_codec import SshCodec

__all__ = ["codec_app"]

ENV_SIM_PASSWORD = "HNTH_SIM_PASSWORD"  # noqa: S105 - the variable's name, not a value
DIALECTS = ("xapi", "polycom")
T = TypeVar("T")

codec_app = typer.Typer(no_args_is_help=True, help="Drive a room codec over SSH "
                        "(Cisco xAPI or Poly).")
app.add_typer(codec_app, name="codec")


def _host_port(text: str, option: str) -> tuple[str, int]:
    return host_port(text, option, listen=option == "--listen")


def _dialect(name: str) -> str:
    if name not in DIALECTS:
        fail(f"--dialect must be one of {list(DIALECTS)}, got {name!r}")
    return name


# ---- hnth codec ... ---------------------------------------------------------------------
SSH_OPT = typer.Option(..., "--ssh", help="The codec's SSH address HOST:PORT.")
DIALECT_OPT = typer.Option("xapi", "--dialect", help="xapi or polycom.")
KNOWN_HOSTS_OPT = typer.Option(..., "--known-hosts", help="OpenSSH known_hosts file "
                               "([host]:port entries for ports other than 22).")
USER_OPT = typer.Option("admin", "--user", help="Login user; password from $HNTH_PASSWORD "
                        "or the secret store (codec.HOST/USER).")
IDENTITY_OPT = typer.Option(None, "--identity", help="Private key file (instead of a "
                            "password).")
TIMEOUT_OPT = typer.Option(10.0, "--timeout", callback=timeout_seconds,
                           help="Seconds per command (0.1 to 3600).")
JSON_OPT = typer.Option(False, "--json", help="Machine-readable output.")
FAMILY_OPT = typer.Option("group", "--family", help="Poly family: group (RealPresence "
                          "Group Series) or hdx.")
FAMILIES = ("group", "hdx")


def _driver(ssh: str, dialect: str, known_hosts: Path, user: str, identity: Path | None,
            timeout: float, family: str = "group") -> SshCodec:
    from ..security.secrets import Secret
    from ..transport.ssh import SshTarget
    from ..vcs.ssh_codec import PolycomCodec, SshCodecOptions, XapiCodec

    host, port = _host_port(ssh, "--ssh")
    password: Secret | None = None
    if identity is None:
        password = password_from_env(user, store_name=lambda u: f"codec.{host}/{u}")
    elif os.environ.get("HNTH_PASSWORD"):
        password = Secret(os.environ["HNTH_PASSWORD"])
    target = SshTarget(host, user, known_hosts, port, password=password, key_file=identity,
                       connect_timeout=timeout)
    driver_class = {"xapi": XapiCodec, "polycom": PolycomCodec}[_dialect(dialect)]
    if family not in FAMILIES:
        fail(f"--family must be one of {list(FAMILIES)}, got {family!r}")
    return driver_class(target, options=SshCodecOptions(command_timeout_s=timeout,
                                                        family=family))


def _run(driver: SshCodec, action: str | None, detail: dict[str, object],
         work: Callable[[SshCodec], Awaitable[T]]) -> T:
    """Open the codec, do ``work``, audit control actions with their result."""

    async def go() -> T:
        async with driver:
            return await work(driver)

    if action is None:
        with typed_errors():
            return asyncio.run(go())
    with typed_errors():                # an unusable audit log refuses the action, cleanly
        log = audit_log()
    actor = getpass.getuser()
    try:
        result = asyncio.run(go())
    except Exception as exc:
        log.append(actor=actor, action=action, target=driver.device,
                   result=f"error: {type(exc).__name__}", detail=detail)
        with typed_errors():
            raise
        raise                           # typed_errors exits for library errors
    log.append(actor=actor, action=action, target=driver.device, result="ok", detail=detail)
    return result


@codec_app.command("dial")
def codec_dial(
    number: str = typer.Argument(..., help="Number, alias or URI to call."),
    protocol: str = typer.Option("h323", "--protocol", help="h323 or sip."),
    ssh: str = SSH_OPT, dialect: str = DIALECT_OPT, known_hosts: Path = KNOWN_HOSTS_OPT,
    user: str = USER_OPT, identity: Path | None = IDENTITY_OPT, timeout: float = TIMEOUT_OPT,
    family: str = FAMILY_OPT,
    as_json: bool = JSON_OPT,
) -> None:
    """Place a call; prints the call id and state."""
    from ..model import SignalProtocol

    if protocol not in ("h323", "sip"):
        fail(f"--protocol must be h323 or sip, got {protocol!r}")
    driver = _driver(ssh, dialect, known_hosts, user, identity, timeout, family)
    call = _run(driver, "codec.dial", {"number": number, "protocol": protocol},
                lambda c: c.dial(number, SignalProtocol(protocol)))
    if as_json:
        typer.echo(json.dumps(_call_json(call)))
    else:
        typer.echo(f"call {call.call_id} to {call.number}: {call.state.value}")


@codec_app.command("hangup")
def codec_hangup(
    call: str | None = typer.Argument(None, help="Call id; every call when left out."),
    ssh: str = SSH_OPT, dialect: str = DIALECT_OPT, known_hosts: Path = KNOWN_HOSTS_OPT,
    user: str = USER_OPT, identity: Path | None = IDENTITY_OPT, timeout: float = TIMEOUT_OPT,
    family: str = FAMILY_OPT,
) -> None:
    """Hang up one call, or all calls."""
    driver = _driver(ssh, dialect, known_hosts, user, identity, timeout, family)
    _run(driver, "codec.hangup", {"call": call or "all"}, lambda c: c.hang_up(call))
    typer.echo(f"hung up {'call ' + call if call else 'all calls'}")


@codec_app.command("mute")
def codec_mute(
    state: str = typer.Argument(..., help="on or off."),
    ssh: str = SSH_OPT, dialect: str = DIALECT_OPT, known_hosts: Path = KNOWN_HOSTS_OPT,
    user: str = USER_OPT, identity: Path | None = IDENTITY_OPT, timeout: float = TIMEOUT_OPT,
    family: str = FAMILY_OPT,
) -> None:
    """Mute (on) or unmute (off) the room's microphones."""
    if state not in ("on", "off"):
        fail(f"mute wants on or off, got {state!r}")
    driver = _driver(ssh, dialect, known_hosts, user, identity, timeout, family)
    _run(driver, "codec.mute", {"on": state == "on"},
         lambda c: c.mute_microphones(state == "on"))
    typer.echo(f"microphones {'muted' if state == 'on' else 'unmuted'}")


@codec_app.command("preset")
def codec_preset(
    action: str = typer.Argument(..., help="recall or store."),
    preset: int = typer.Argument(..., help="Preset number."),
    camera: int = typer.Option(1, "--camera", min=1, help="Camera number (store)."),
    ssh: str = SSH_OPT, dialect: str = DIALECT_OPT, known_hosts: Path = KNOWN_HOSTS_OPT,
    user: str = USER_OPT, identity: Path | None = IDENTITY_OPT, timeout: float = TIMEOUT_OPT,
    family: str = FAMILY_OPT,
) -> None:
    """Recall or store a camera preset through the codec."""
    if action not in ("recall", "store"):
        fail(f"preset wants recall or store, got {action!r}")
    driver = _driver(ssh, dialect, known_hosts, user, identity, timeout, family)

    async def work(codec: SshCodec) -> None:
        cam = codec.camera(camera)
        await (cam.recall_preset(preset) if action == "recall" else cam.store_preset(preset))

    _run(driver, f"codec.preset.{action}", {"preset": preset, "camera": camera}, work)
    typer.echo(f"preset {preset} {'recalled' if action == 'recall' else 'stored'}")


@codec_app.command("status")
def codec_status(
    ssh: str = SSH_OPT, dialect: str = DIALECT_OPT, known_hosts: Path = KNOWN_HOSTS_OPT,
    user: str = USER_OPT, identity: Path | None = IDENTITY_OPT, timeout: float = TIMEOUT_OPT,
    family: str = FAMILY_OPT,
    as_json: bool = JSON_OPT,
) -> None:
    """Calls, microphone mute and health of the codec."""
    driver = _driver(ssh, dialect, known_hosts, user, identity, timeout, family)

    async def work(codec: SshCodec) -> dict[str, Any]:
        health = await codec.health()
        return {"device": codec.device, "dialect": codec.dialect.name,
                "reachable": health.reachable, "uptime_s": health.uptime_s,
                "microphones_muted": await codec.microphones_muted(),
                "calls": [_call_json(c) for c in await codec.calls()]}

    status = _run(driver, None, {}, work)
    if as_json:
        typer.echo(json.dumps(status))
        return
    console.print(f"{status['device']} ({status['dialect']}): microphones "
                  f"{'muted' if status['microphones_muted'] else 'live'}, "
                  f"{len(status['calls'])} call(s)", highlight=False)
    for call in status["calls"]:
        console.print(f"  call {call['call_id']} {call['number']}: {call['state']}",
                      highlight=False)


def _call_json(call: Any) -> dict[str, Any]:
    return {"call_id": call.call_id, "number": call.number, "state": call.state.value,
            "protocol": call.protocol.value if call.protocol else None}
