"""The typer applications that command modules attach to."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
sim_app = typer.Typer(no_args_is_help=True, help="Run one device simulator until interrupted.")
app.add_typer(sim_app, name="sim")
