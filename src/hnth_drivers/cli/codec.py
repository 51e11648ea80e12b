"""``hnth codec ...``: a room codec through any installed driver, on the command line.

``--driver NAME`` (default ``xapi``; ``polycom`` or a vendor's plug-in) is looked up in the
entry-point registry and the driver built with its
:meth:`~hnth_drivers.driver.Driver.from_target`, exactly as a network file's codecs are.
The codec is given by ``--ssh HOST:PORT --known-hosts FILE``, or taken from a network file
with ``--site SITE`` (``--network FILE``, default ``$HNTH_NETWORK``). (``hnth sim codec``
comes from the simulators' command plug-in.)

Secrets never come from argv: the password from ``$HNTH_PASSWORD`` or the secret store
(``codec.HOST/USER``), or a key file with ``--identity``; with ``--site``, the network
file's credential reference. Every control command (dial, hangup, mute, preset) is written
to the audit log with its result.
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
from .fleet_options import NETWORK_OPT, cli_driver, site_driver

if TYPE_CHECKING:
    from ..driver import Driver
    from ..security.secrets import Secret
    from ..vcs.base import Codec

__all__ = ["codec_app"]

ENV_SIM_PASSWORD = "HNTH_SIM_PASSWORD"  # noqa: S105 - the variable's name, not a value
DIALECTS = ("xapi", "polycom")
T = TypeVar("T")

codec_app = typer.Typer(no_args_is_help=True, help="Drive a room codec over SSH "
                        "(Cisco xAPI, Poly, or any installed codec driver).")
app.add_typer(codec_app, name="codec")


def _host_port(text: str, option: str) -> tuple[str, int]:
    return host_port(text, option, listen=option == "--listen")


def _dialect(name: str) -> str:
    if name not in DIALECTS:
        fail(f"--dialect must be one of {list(DIALECTS)}, got {name!r}")
    return name


# ---- hnth codec ... ---------------------------------------------------------------------
DRIVER_OPT = typer.Option(None, "--driver", help="Codec driver: xapi (default), polycom, "
                          "or any installed driver (hnth drivers lists them).")
SSH_OPT = typer.Option(None, "--ssh", help="The codec's SSH address HOST:PORT.")
SITE_OPT = typer.Option(None, "--site", help="Instead of --ssh: the codec of this site's "
                        "room in the network file (--network, default $HNTH_NETWORK).")
DIALECT_OPT = typer.Option(None, "--dialect", hidden=True,
                           help="xapi or polycom (the older name of --driver).")
KNOWN_HOSTS_OPT = typer.Option(None, "--known-hosts", help="OpenSSH known_hosts file "
                               "([host]:port entries for ports other than 22).")
USER_OPT = typer.Option(None, "--user", help="Login user (default admin); password from "
                        "$HNTH_PASSWORD or the secret store (codec.HOST/USER).")
IDENTITY_OPT = typer.Option(None, "--identity", help="Private key file (instead of a "
                            "password).")
TIMEOUT_OPT = typer.Option(10.0, "--timeout", callback=timeout_seconds,
                           help="Seconds per command (0.1 to 3600).")
JSON_OPT = typer.Option(False, "--json", help="Machine-readable output.")
FAMILY_OPT = typer.Option(None, "--family", help="Poly family: group (RealPresence "
                          "Group Series, the default) or hdx.")
FAMILIES = ("group", "hdx")


class Reach:
    """How the command line says to reach the codec (the options every command shares)."""

    def __init__(self, driver: str | None, ssh: str | None, dialect: str | None,
                 known_hosts: Path | None, user: str | None, identity: Path | None,
                 timeout: float, family: str | None, site: str | None,
                 network: Path | None) -> None:
        self.driver, self.ssh, self.dialect = driver, ssh, dialect
        self.known_hosts, self.user, self.identity = known_hosts, user, identity
        self.timeout, self.family, self.site, self.network = timeout, family, site, network


def _driver(reach: Reach) -> Codec:
    """The codec driver, built through the registry (nothing is contacted)."""
    from ..vcs.base import Codec

    if reach.dialect is not None:
        _dialect(reach.dialect)
        if reach.driver is not None and reach.driver != reach.dialect:
            fail(f"--dialect {reach.dialect} and --driver {reach.driver} disagree "
                 "(--dialect is the older name of --driver)")
    if reach.family is not None and reach.family not in FAMILIES:
        fail(f"--family must be one of {list(FAMILIES)}, got {reach.family!r}")
    if reach.site is not None:
        given = [name for name, value in (("--ssh", reach.ssh), ("--driver", reach.driver),
                                          ("--dialect", reach.dialect),
                                          ("--known-hosts", reach.known_hosts),
                                          ("--user", reach.user),
                                          ("--identity", reach.identity)) if value is not None]
        if given:
            fail(f"--site takes the codec from the network file: leave out {given[0]}")
        options: dict[str, object] = {"timeout_s": reach.timeout}
        if reach.family is not None:
            options["family"] = reach.family
        built = site_driver("vcs", reach.network, f"codec:{reach.site}", options)
    else:
        built = _direct(reach)
    assert isinstance(built, Codec)  # the registry checked the class against the contract
    return built


def _direct(reach: Reach) -> Driver:
    if reach.ssh is None or reach.known_hosts is None:
        fail("which codec? give --ssh HOST:PORT and --known-hosts FILE, or --site SITE "
             "(from the network file)")
    name = reach.driver or reach.dialect or "xapi"
    host, port = _host_port(reach.ssh, "--ssh")
    user = reach.user or "admin"

    def password() -> Secret | None:
        from ..security.secrets import Secret

        if reach.identity is None:
            return password_from_env(user, store_name=lambda u: f"codec.{host}/{u}")
        return Secret(os.environ["HNTH_PASSWORD"]) if os.environ.get("HNTH_PASSWORD") \
            else None

    settings: dict[str, object] = {"timeout_s": reach.timeout}
    if reach.family is not None:
        settings["family"] = reach.family
    return cli_driver("vcs", name, f"{host}:{port}", password, user=user,
                      key_file=reach.identity, known_hosts=reach.known_hosts,
                      options=settings)


def _run(driver: Codec, action: str | None, detail: dict[str, object],
         work: Callable[[Codec], Awaitable[T]]) -> T:
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
    driver: str | None = DRIVER_OPT, ssh: str | None = SSH_OPT,
    known_hosts: Path | None = KNOWN_HOSTS_OPT, user: str | None = USER_OPT,
    identity: Path | None = IDENTITY_OPT, timeout: float = TIMEOUT_OPT,
    family: str | None = FAMILY_OPT, site: str | None = SITE_OPT,
    network: Path | None = NETWORK_OPT, dialect: str | None = DIALECT_OPT,
    as_json: bool = JSON_OPT,
) -> None:
    """Place a call; prints the call id and state."""
    from ..model import SignalProtocol

    if protocol not in ("h323", "sip"):
        fail(f"--protocol must be h323 or sip, got {protocol!r}")
    codec = _driver(Reach(driver, ssh, dialect, known_hosts, user, identity, timeout, family,
                          site, network))
    call = _run(codec, "codec.dial", {"number": number, "protocol": protocol},
                lambda c: c.dial(number, SignalProtocol(protocol)))
    if as_json:
        typer.echo(json.dumps(_call_json(call)))
    else:
        typer.echo(f"call {call.call_id} to {call.number}: {call.state.value}")


@codec_app.command("hangup")
def codec_hangup(
    call: str | None = typer.Argument(None, help="Call id; every call when left out."),
    driver: str | None = DRIVER_OPT, ssh: str | None = SSH_OPT,
    known_hosts: Path | None = KNOWN_HOSTS_OPT, user: str | None = USER_OPT,
    identity: Path | None = IDENTITY_OPT, timeout: float = TIMEOUT_OPT,
    family: str | None = FAMILY_OPT, site: str | None = SITE_OPT,
    network: Path | None = NETWORK_OPT, dialect: str | None = DIALECT_OPT,
) -> None:
    """Hang up one call, or all calls."""
    codec = _driver(Reach(driver, ssh, dialect, known_hosts, user, identity, timeout, family,
                          site, network))
    _run(codec, "codec.hangup", {"call": call or "all"}, lambda c: c.hang_up(call))
    typer.echo(f"hung up {'call ' + call if call else 'all calls'}")


@codec_app.command("mute")
def codec_mute(
    state: str = typer.Argument(..., help="on or off."),
    driver: str | None = DRIVER_OPT, ssh: str | None = SSH_OPT,
    known_hosts: Path | None = KNOWN_HOSTS_OPT, user: str | None = USER_OPT,
    identity: Path | None = IDENTITY_OPT, timeout: float = TIMEOUT_OPT,
    family: str | None = FAMILY_OPT, site: str | None = SITE_OPT,
    network: Path | None = NETWORK_OPT, dialect: str | None = DIALECT_OPT,
) -> None:
    """Mute (on) or unmute (off) the room's microphones."""
    if state not in ("on", "off"):
        fail(f"mute wants on or off, got {state!r}")
    codec = _driver(Reach(driver, ssh, dialect, known_hosts, user, identity, timeout, family,
                          site, network))
    _run(codec, "codec.mute", {"on": state == "on"},
         lambda c: c.mute_microphones(state == "on"))
    typer.echo(f"microphones {'muted' if state == 'on' else 'unmuted'}")


@codec_app.command("preset")
def codec_preset(
    action: str = typer.Argument(..., help="recall or store."),
    preset: int = typer.Argument(..., help="Preset number."),
    camera: int = typer.Option(1, "--camera", min=1, help="Camera number (store)."),
    driver: str | None = DRIVER_OPT, ssh: str | None = SSH_OPT,
    known_hosts: Path | None = KNOWN_HOSTS_OPT, user: str | None = USER_OPT,
    identity: Path | None = IDENTITY_OPT, timeout: float = TIMEOUT_OPT,
    family: str | None = FAMILY_OPT, site: str | None = SITE_OPT,
    network: Path | None = NETWORK_OPT, dialect: str | None = DIALECT_OPT,
) -> None:
    """Recall or store a camera preset through the codec."""
    if action not in ("recall", "store"):
        fail(f"preset wants recall or store, got {action!r}")
    codec = _driver(Reach(driver, ssh, dialect, known_hosts, user, identity, timeout, family,
                          site, network))

    async def work(c: Codec) -> None:
        cam = c.camera(camera)
        await (cam.recall_preset(preset) if action == "recall" else cam.store_preset(preset))

    _run(codec, f"codec.preset.{action}", {"preset": preset, "camera": camera}, work)
    typer.echo(f"preset {preset} {'recalled' if action == 'recall' else 'stored'}")


@codec_app.command("status")
def codec_status(
    driver: str | None = DRIVER_OPT, ssh: str | None = SSH_OPT,
    known_hosts: Path | None = KNOWN_HOSTS_OPT, user: str | None = USER_OPT,
    identity: Path | None = IDENTITY_OPT, timeout: float = TIMEOUT_OPT,
    family: str | None = FAMILY_OPT, site: str | None = SITE_OPT,
    network: Path | None = NETWORK_OPT, dialect: str | None = DIALECT_OPT,
    as_json: bool = JSON_OPT,
) -> None:
    """Calls, microphone mute and health of the codec."""
    codec = _driver(Reach(driver, ssh, dialect, known_hosts, user, identity, timeout, family,
                          site, network))

    async def work(c: Codec) -> dict[str, Any]:
        health = await c.health()
        dialect = getattr(c, "dialect", None)  # the SSH codecs' command set (TC, CE, ...)
        return {"device": c.device, "driver": c.name,
                "dialect": dialect.name if dialect is not None else c.name,
                "reachable": health.reachable, "uptime_s": health.uptime_s,
                "microphones_muted": await c.microphones_muted(),
                "calls": [_call_json(x) for x in await c.calls()]}

    status = _run(codec, None, {}, work)
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
