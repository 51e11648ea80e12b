"""The ``hnth`` command line (typer + rich).

Each command group lives in its own module here and registers itself on import; this
module only builds the top-level app. Other packages add commands through the
``hnth_drivers.cli`` entry-point group (modules that register on import): the simulators'
``hnth sim ...``, ``hnth demo`` and ``hnth readiness --profile`` come from ``hnth_sim`` this
way, so the library never imports the simulators. Heavy libraries are imported inside
commands, so ``hnth --help`` stays fast. Exit codes: 0 ok, 1 a check failed, 2 bad usage or input,
3 a device or policy error.
"""

from __future__ import annotations

import importlib

import typer

from .. import __version__
from .app import app, sim_app

__all__ = ["app", "main", "sim_app"]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"hnth-drivers {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    """Drivers, simulators and tools for the national video-conference network (HNTH)."""


def main() -> None:
    """Console-script entry point."""
    app()


# Command groups: importing a module registers its commands on ``app`` / ``sim_app``.
# One line per module, sorted, so that parallel branches merge cleanly.
_COMMAND_MODULES = (
    "camera",
    "camera_preset",
    "cascade",
    "codec",
    "console",
    "core",
    "mcu",
    "meeting",
    "monitor",
    "network",
    "plan",
    "readiness",
    "record",
    "watch",
)
for _module in _COMMAND_MODULES:
    importlib.import_module(f"{__name__}.{_module}")


def _load_plugins() -> None:
    # Commands from other packages (``hnth sim ...`` and ``hnth demo`` from hnth_sim, a
    # vendor's tools): modules named in the "hnth_drivers.cli" entry-point group register
    # themselves on ``app`` / ``sim_app`` when imported. hnth_drivers never imports them.
    import sys
    from importlib import metadata

    for entry in metadata.entry_points(group="hnth_drivers.cli"):
        try:
            entry.load()
        except Exception as exc:  # a broken plug-in must not take the CLI down
            sys.stderr.write(f"warning: hnth command plug-in {entry.name!r} did not load: "
                             f"{type(exc).__name__}: {exc}\n"[:300])


_load_plugins()
