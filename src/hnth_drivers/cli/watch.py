"""``hnth watch``: the live watchdog over a network file's cascade, with SNMP alarms.

Every ``--interval`` seconds each MCU of the meeting is read (one participant list each):
a dropped cascade link or site is redialled at once with backoff, and each event (dropped,
redialed, recovered, gave up) is printed (``--json``: one JSON object per line) and
written to the audit log. Participants named with ``--hold MCU:PARTICIPANT`` were
disconnected on purpose and are left alone. With SNMP targets in the file, each round also
reads every target's health; a target that stops (or starts again) answering is an alarm.
Redialling is MCU control over the whole meeting: authorised for ``--operator`` over the
master MCU's area and audited. Runs until SIGINT/SIGTERM or ``--duration`` seconds.

The watchdog watches the cascade as it runs (after a failover: the standby as master).
When the master misses ``--lost-after`` rounds in a row it raises the alarm
(``master_lost``). With ``--auto-failover`` the operator allows the watchdog to fail over
then by itself (MCU control over the chair's site, checked and audited as
``cascade.auto_failover`` when the command starts): each step is a ``failover_step``
event, then ``failed_over`` (the new cascade is watched) or ``failover_failed``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from .app import app
from .common import console, fail, stop_on_signals, typed_errors
from .fleet_options import JSON_OPT, NETWORK_OPT, OPERATOR_OPT, fleet_from, operator_from

if TYPE_CHECKING:
    from ..cascade.failover import FailoverTrace, StepHook
    from ..cascade.live import LiveCascade
    from ..cascade.watchdog import AutoFailover, WatchdogEvent
    from ..network.fleet import Fleet
    from ..security.access import Operator

__all__ = ["watch_command"]


def _emit(as_json: bool, record: dict[str, object]) -> None:
    if as_json:
        typer.echo(json.dumps(record, ensure_ascii=False))
        return
    colour = {"dropped": "red", "gave_up": "bold red", "redial_failed": "red",
              "recovered": "green", "snmp_down": "red", "snmp_up": "green",
              "master_lost": "bold red", "master_silent": "red", "failover_failed": "bold red",
              "failed_over": "green", "master_back": "green"}.get(
                  str(record["event"]), "yellow")
    detail = f" ({record['detail']})" if record.get("detail") else ""
    console.print(f"{time.strftime('%H:%M:%S')} [{colour}]{record['event']}[/] "
                  f"{record['what']} {record['mcu']}/{record['participant']} "
                  f"{record.get('state', '')}{detail}", highlight=False,
                  soft_wrap=True)  # one line per event, whatever the width


async def _snmp_round(fleet: Fleet, down: set[str], as_json: bool) -> None:
    from ..cascade.live import gather_bounded

    targets = fleet.snmp_targets()
    ids = sorted(targets)
    errors = await gather_bounded([partial(fleet.check_snmp, targets[i]) for i in ids],
                                  fleet.concurrency)
    for target_id, error in zip(ids, errors, strict=True):
        if error is not None and target_id not in down:
            down.add(target_id)
            _emit(as_json, {"event": "snmp_down", "what": "snmp", "mcu": target_id,
                            "participant": "-", "detail": str(error)})
        elif error is None and target_id in down:
            down.discard(target_id)
            _emit(as_json, {"event": "snmp_up", "what": "snmp", "mcu": target_id,
                            "participant": "-"})


async def _open_mcus(fleet: Fleet, cascade: LiveCascade, as_json: bool) -> None:
    # Every MCU of the cascade must open, except the master: a master that does not answer
    # is what the watchdog is there to see (the alarm, then the failover if allowed).
    results = await fleet.open_all([fleet.network.mcu(m).target() for m in cascade.nodes])
    for result in results:
        if result.error is None:
            continue
        if result.target.id != cascade.master:
            raise result.error
        _emit(as_json, {"event": "master_silent", "what": "master", "mcu": cascade.master,
                        "participant": cascade.chair, "detail": str(result.error)})


async def _allow_failover(fleet: Fleet, op: Operator) -> AutoFailover:
    """The operator's permission for automatic failover: MCU control over the chair's site,
    audited (refusals too); the failover it allows, with that operator's rights."""
    from ..cascade.failover import failover
    from ..errors import AccessDenied, ConfigError
    from ..security.access import Action, authorize
    from .cascade_failover import last_shown, master_endpoints, standby_entry, standby_node

    chair = fleet.network.chair
    entry = standby_entry(fleet)
    if entry is None:
        fail(f"--auto-failover: {fleet.network.source} names no standby MCU "
             f"(role = \"standby\")")
    endpoints = master_endpoints(fleet)
    try:
        authorize(op, Action.MCU_CONTROL, chair, fleet.tree)
    except AccessDenied as exc:
        if fleet.audit is not None:
            await asyncio.to_thread(fleet.audit.append, actor=op.name,
                                    action="cascade.auto_failover", target=chair,
                                    result="denied", detail={"reason": exc.message})
        raise
    if fleet.audit is not None:
        await asyncio.to_thread(fleet.audit.append, actor=op.name,
                                action="cascade.auto_failover", target=chair, result="ok",
                                detail={"standby": entry.id, "allowed_by": op.name})
    standby = standby_node(fleet, entry)
    master = fleet.network.master.id

    async def run(cascade: LiveCascade, on_step: StepHook) -> tuple[LiveCascade,
                                                                     FailoverTrace]:
        if cascade.master != master:
            raise ConfigError("the meeting is on the standby already: nothing to fail "
                              "over to", operation="failover", device=cascade.master)
        await fleet.open_all([entry.target()], timeout_s=5.0)
        others = [m for m in cascade.nodes if m != master]
        await fleet.open_all([fleet.network.mcu(m).target() for m in others])
        return await failover(cascade, standby, endpoints, operator=op, tree=fleet.tree,
                              audit=fleet.audit, showing=await asyncio.to_thread(
                                  last_shown, fleet), on_step=on_step)

    return run


@app.command("watch")
def watch_command(
    network: Path | None = NETWORK_OPT, operator: str | None = OPERATOR_OPT,
    as_json: bool = JSON_OPT,
    interval: float = typer.Option(2.0, "--interval", min=0.05, help="Seconds between polls."),
    duration: float | None = typer.Option(None, "--duration", min=0.0,
                                          help="Stop after this many seconds."),
    hold: list[str] = typer.Option([], "--hold", metavar="MCU:PARTICIPANT",
                                   help="Disconnected on purpose: never redialled."),
    snmp: bool = typer.Option(True, "--snmp/--no-snmp", help="Poll SNMP health too."),
    auto_failover: bool = typer.Option(False, "--auto-failover", help="Allow the watchdog "
                                       "to fail over to the standby when the master is "
                                       "lost (recorded in the audit log as yours)."),
    lost_after: int = typer.Option(3, "--lost-after", min=1, max=1000,
                                   help="Rounds without an answer before the master is "
                                   "lost."),
) -> None:
    """Watch the cascade: redial drops at once, report every event, respect holds; raise
    the alarm when the master is lost (and fail over, if allowed)."""
    from ..cascade.watchdog import Watchdog
    from ..errors import AccessDenied
    from ..security.access import Action, authorize
    from .cascade_failover import live_cascade

    fleet = fleet_from(network)
    op = operator_from(fleet, operator)
    holds = []
    for item in hold:
        mcu, sep, participant = item.partition(":")
        if not sep or not mcu or not participant:
            fail(f"--hold wants MCU:PARTICIPANT, got {item!r}")
        holds.append((mcu, participant))

    def notify(event: WatchdogEvent) -> None:
        _emit(as_json, {"event": event.kind.value, "what": event.what, "mcu": event.mcu,
                        "participant": event.participant, "state": event.state.value,
                        "attempt": event.attempt, "detail": event.detail})

    async def run() -> None:
        stop = stop_on_signals()
        async with fleet:
            area = fleet.network.master.area
            try:
                authorize(op, Action.MCU_CONTROL, area, fleet.tree)
            except AccessDenied as exc:
                if fleet.audit is not None:
                    await asyncio.to_thread(fleet.audit.append, actor=op.name,
                                            action="cascade.watch", target=area,
                                            result="denied", detail={"reason": exc.message})
                raise
            auto = await _allow_failover(fleet, op) if auto_failover else None
            cascade = await live_cascade(fleet, operator=op)
            await _open_mcus(fleet, cascade, as_json)
            dog = Watchdog(cascade, notify=notify, audit=fleet.audit, actor=op.name,
                           poll_s=interval, lost_after=lost_after, failover=auto)
            for mcu, participant in holds:
                dog.hold(mcu, participant)
            if not as_json:
                console.print(f"watching {len(cascade.links)} links and "
                              f"{len(cascade.sites):,} sites every {interval:g} s "
                              f"({len(holds)} held; master {cascade.master}, automatic "
                              f"failover {'allowed' if auto else 'off'})", highlight=False,
                              soft_wrap=True)
            down: set[str] = set()
            deadline = time.monotonic() + duration if duration is not None else None
            while not stop.is_set():
                if snmp and fleet.network.snmp:
                    await asyncio.gather(dog.poll_once(), _snmp_round(fleet, down, as_json))
                else:
                    await dog.poll_once()
                if deadline is not None and time.monotonic() >= deadline:
                    break
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), interval)

    with typed_errors():
        asyncio.run(run())
