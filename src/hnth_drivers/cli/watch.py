"""``hnth watch``: the live watchdog over a network file's cascade, with SNMP alarms.

Every ``--interval`` seconds each MCU of the meeting is read (one participant list each):
a dropped cascade link or site is redialled at once with backoff, and each event (dropped,
redialed, recovered, gave up) is printed (``--json``: one JSON object per line) and
written to the audit log. Participants named with ``--hold MCU:PARTICIPANT`` were
disconnected on purpose and are left alone. With SNMP targets in the file, each round also
reads every target's health; a target that stops (or starts again) answering is an alarm.
Redialling is MCU control over the whole meeting: authorised for ``--operator`` over the
master MCU's area and audited. Runs until SIGINT/SIGTERM or ``--duration`` seconds.
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
    from ..cascade.watchdog import WatchdogEvent
    from ..network.fleet import Fleet

__all__ = ["watch_command"]


def _emit(as_json: bool, record: dict[str, object]) -> None:
    if as_json:
        typer.echo(json.dumps(record, ensure_ascii=False))
        return
    colour = {"dropped": "red", "gave_up": "bold red", "redial_failed": "red",
              "recovered": "green", "snmp_down": "red", "snmp_up": "green"}.get(
                  str(record["event"]), "yellow")
    detail = f" ({record['detail']})" if record.get("detail") else ""
    console.print(f"{time.strftime('%H:%M:%S')} [{colour}]{record['event']}[/] "
                  f"{record['what']} {record['mcu']}/{record['participant']} "
                  f"{record.get('state', '')}{detail}", highlight=False)


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
) -> None:
    """Watch the cascade: redial drops at once, report every event, respect holds."""
    from ..cascade.watchdog import Watchdog
    from ..errors import AccessDenied
    from ..security.access import Action, authorize
    from .cascade import open_cascade_mcus

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
            cascade = fleet.cascade(operator=op)
            await open_cascade_mcus(fleet, cascade)
            dog = Watchdog(cascade, notify=notify, audit=fleet.audit, actor=op.name,
                           poll_s=interval)
            for mcu, participant in holds:
                dog.hold(mcu, participant)
            if not as_json:
                console.print(f"watching {len(cascade.links)} links and "
                              f"{len(cascade.sites):,} sites every {interval:g} s "
                              f"({len(holds)} held)", highlight=False)
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
