"""``hnth readiness`` (a readiness sweep of a network) and ``hnth report``.

``hnth readiness --network FILE`` (or ``$HNTH_NETWORK``) sweeps every site of the network
file through the MCUs its cascade uses, each MCU's SNMP health and every room's codec and
camera, with a live progress bar; with an operator the chair's test calls are made.
``hnth readiness --profile vn-2021`` does the same on a simulated national meeting (the
simulators' plug-in provides it). It prints the summary form ("mẫu tổng hợp thông
tin"), or with ``--json`` the same as one JSON document on stdout (everything else on
stderr), and writes it with ``--csv PATH`` / ``--out PATH`` (JSON). Exit 0 when every
site is ready (or only degraded) and every test call passed, 1 otherwise.

``hnth report MEETING-STATE [--html out.html [--lang vi]] [--out out.json] [--json]``
evaluates a served meeting (``--json`` prints the JSON report on stdout, ``--out`` writes
it): MEETING-STATE is the meeting record (``<meeting>.record.json``) or the runbook's state
file, whose ``serve_meeting`` step names the record.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Coroutine
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from .app import app
from .common import console, err_console, fail, finite, json_stdout, typed_errors

if TYPE_CHECKING:
    from ..meeting.readiness import ReadinessReport
    from ..network.fleet import Fleet
    from ..security.access import Operator

__all__ = ["readiness_command", "report_command", "simulated_sweep", "sweep_fleet"]


SimulatedSweep = Callable[..., Coroutine[Any, Any, "ReadinessReport"]]
#: How ``--profile`` sweeps a simulated meeting: set by the simulators' command plug-in
#: (``hnth_sim``), since hnth_drivers never imports the simulators.
simulated_sweep: SimulatedSweep | None = None


async def sweep_fleet(fleet: Fleet, *, operator: Operator | None, sample_calls: int,
                      seed: int, read_stats: bool = True) -> ReadinessReport:
    """Sweep the network of ``fleet``: every site through its MCU, each MCU's SNMP health,
    each site's own SNMP agent (call figures the MCU does not measure), every room's codec
    and camera; test calls (switches) only with an ``operator``."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ..cascade.switch import Switcher
    from ..meeting.readiness import ReadinessCheck, directory_from_network
    from .cascade import open_cascade_mcus

    net = fleet.network
    cascade = fleet.cascade(operator=operator)
    await open_cascade_mcus(fleet, cascade)
    directory = directory_from_network(net)
    codecs = {s.id: partial(_probe_codec, fleet, s.id) for s in net.sites
              if s.room and s.room.codec}
    cameras = {s.id: partial(_probe_camera, fleet, s.id) for s in net.sites
               if s.room and s.room.cameras}
    switcher = Switcher(cascade, operator=operator, tree=fleet.tree, audit=fleet.audit) \
        if operator is not None else None
    check = ReadinessCheck(
        cascade, directory, carriers={m.id: m.carrier for m in net.mcus},
        snmp=await fleet.poller() if net.snmp else None,
        snmp_targets={t: v for t, v in fleet.snmp_targets().items() if t in cascade.nodes},
        site_snmp_targets=fleet.site_snmp_targets(), codecs=codecs, cameras=cameras,
        switcher=switcher,
        sample_calls=sample_calls if switcher else 0, seed=seed,
        recent_quality=None if read_stats else {})
    with Progress(TextColumn("  readiness"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task("sites", total=len(cascade.sites) + len(check.pick_test_sites()))
        return await check.run(lambda n: bar.advance(task, n))


async def _probe_codec(fleet: Fleet, site: str) -> object:
    return await (await fleet.codec(site)).health()


async def _probe_camera(fleet: Fleet, site: str) -> object:
    return await (await fleet.camera(site)).position()


@app.command("readiness")
def readiness_command(
    profile: str = typer.Option("vn-2021", "--profile", help="vn-2021 or vn-2025 (a "
                                "simulated meeting, when no --network is given)."),
    network: Path | None = typer.Option(None, "--network", help="Sweep this network file "
                                        "(default $HNTH_NETWORK, else a simulated --profile)."),
    operator: str | None = typer.Option(None, "--operator", help="Who acts (default "
                                        "$HNTH_OPERATOR): with an operator, the chair's "
                                        "test calls are made."),
    lang: str = typer.Option("vi", "--lang", help="Labels: vi or en."),
    csv_path: Path | None = typer.Option(None, "--csv", help="Write the summary as CSV."),
    out_path: Path | None = typer.Option(None, "--out", help="Write the summary as JSON "
                                         "to this file."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON on "
                                 "stdout (progress and notes on stderr)."),
    sample_calls: int = typer.Option(3, "--sample-calls", min=0,
                                     help="Test calls from the chair to district/commune "
                                     "sites."),
    latency_ms: float = typer.Option(0.0, "--latency-ms", min=0.0, callback=finite,
                                     help="Injected API latency of every simulated MCU."),
    rows: int = typer.Option(20, "--rows", min=0, help="Rows shown (problems first)."),
    stats: bool = typer.Option(True, "--stats/--no-stats",
                               help="Read call quality from every MCU (one call per site "
                               "on Codian MCUs)."),
    seed: int = typer.Option(2021, "--seed", help="Seed of the test-call sample."),
) -> None:
    """Readiness sweep of every site of a network file (or a simulated national meeting);
    the summary form."""
    import os

    from ..cascade.profiles import PROFILES
    from ..meeting.summary import rich_table, to_json, write_csv
    from .fleet_options import ENV_NETWORK, ENV_OPERATOR, fleet_from, operator_from

    if lang not in ("vi", "en"):
        fail(f"unknown language {lang!r}: expected vi or en")
    if network is not None or os.environ.get(ENV_NETWORK):
        fleet = fleet_from(network)
        op = operator_from(fleet, operator) \
            if operator or os.environ.get(ENV_OPERATOR) else None

        async def run() -> ReadinessReport:
            async with fleet:
                return await sweep_fleet(fleet, operator=op, sample_calls=sample_calls,
                                         seed=seed, read_stats=stats)

        with typed_errors(), json_stdout(as_json):
            report = asyncio.run(run())
    else:
        if profile not in PROFILES:
            fail(f"unknown profile {profile!r}: expected one of {', '.join(PROFILES)}")
        if simulated_sweep is None:
            fail("no network file (--network or $HNTH_NETWORK) and no simulator installed "
                 "for --profile")
        with typed_errors(), json_stdout(as_json):
            report = asyncio.run(simulated_sweep(PROFILES[profile](), latency_ms=latency_ms,
                                                 sample_calls=sample_calls, seed=seed,
                                                 read_stats=stats))
    notes = err_console if as_json else console
    if as_json:
        typer.echo(json.dumps(to_json(report, lang=lang), ensure_ascii=False))
    else:
        console.print(rich_table(report, lang=lang, limit=rows))
    notes.print(f"swept in {report.duration_s:.2f} s; test calls: "
                + (", ".join(f"{c.site} {c.seconds:.3f} s {'ok' if c.ok else 'FAILED'}"
                             for c in report.test_calls) or "none"), highlight=False)
    if csv_path is not None:
        write_csv(report, csv_path, lang=lang)
        notes.print(f"CSV: {csv_path}", highlight=False)
    if out_path is not None:
        out_path.write_text(json.dumps(to_json(report, lang=lang), ensure_ascii=False),
                            encoding="utf-8")
        notes.print(f"JSON: {out_path}", highlight=False)
    raise typer.Exit(0 if report.ready else 1)


def _record_path(path: Path) -> Path:
    """The record itself, or the one a runbook state's serve_meeting step names."""
    from ..documents import load_document
    from ..errors import ConfigError

    try:
        doc = load_document(path, what="meeting record", fmt="json")
    except ConfigError as exc:
        fail(str(exc))
    if isinstance(doc, dict) and isinstance(doc.get("steps"), dict):
        serve = doc["steps"].get("serve_meeting", {})
        named = serve.get("detail", {}).get("record") if isinstance(serve, dict) else None
        if not named:
            fail(f"{path}: a runbook state whose serve_meeting step names no meeting record")
        return Path(named) if Path(named).is_absolute() else path.parent / named
    return path


@app.command("report")
def report_command(
    state: Path = typer.Argument(..., help="Meeting record, or the runbook's state file."),
    html_path: Path | None = typer.Option(None, "--html", help="Write the HTML report."),
    lang: str = typer.Option("en", "--lang", help="The HTML report's language: en or vi."),
    out_path: Path | None = typer.Option(None, "--out", help="Write the JSON report."),
    as_json: bool = typer.Option(False, "--json", help="Print the JSON report on stdout "
                                 "(the one-line summary and file names go to stderr)."),
) -> None:
    """Quality evaluation of a served meeting: per site, province, MCU and carrier."""
    from ..meeting.record import load_record
    from ..meeting.report import evaluate, to_json
    from ..meeting.report_html import render_html

    if lang not in ("en", "vi"):
        fail(f"--lang: expected en or vi, got {lang!r}")
    with typed_errors():
        report = evaluate(load_record(_record_path(state)))
    data = to_json(report)
    if html_path is not None:
        html_path.write_text(render_html(report, lang=lang), encoding="utf-8")
    if out_path is not None:
        out_path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False))
    say = err_console if as_json else console
    s = data["summary"]
    say.print(f"{report.title}: {s['sites']:,} sites ({s['good']:,} good, {s['poor']:,} "
              f"poor, {s['unknown']:,} unknown), {s['drops']} drops "
              f"({s['unrecovered']} not recovered), {s['switches']} switches "
              f"({s['switches_over_limit']} over 30 s), {s['alarms']} alarms",
              highlight=False)
    for label, path in (("HTML", html_path), ("JSON", out_path)):
        if path is not None:
            say.print(f"{label}: {path}", highlight=False)
