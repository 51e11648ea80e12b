"""A monitoring loop: poll every target on an interval and feed the alarm engine."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from ..errors import ConfigError
from .alarms import AlarmEngine
from .health import SnmpHealth
from .snmp import SnmpPoller, SnmpTarget

__all__ = ["SnmpMonitor"]


class SnmpMonitor:
    """Polls ``targets`` with ``poller`` and passes each reading to ``alarms``.

    ``latest`` holds each device's last reading. :meth:`sweep` polls once; :meth:`run`
    sweeps every ``interval`` seconds until cancelled.
    """

    def __init__(self, poller: SnmpPoller, targets: Sequence[SnmpTarget],
                 alarms: AlarmEngine | None = None, *, interval: float = 10.0) -> None:
        if interval <= 0:
            raise ConfigError("interval must be positive", operation="SnmpMonitor",
                              got=str(interval))
        self.poller = poller
        self.targets = tuple(targets)
        self.alarms = alarms or AlarmEngine()
        self.interval = interval
        self.latest: dict[str, SnmpHealth] = {}
        self.sweeps = 0

    async def sweep(self) -> list[SnmpHealth]:
        """Poll every target once; deliver the alarms; return the readings in order."""
        readings = await self.poller.poll_all(self.targets)
        for health in readings:
            self.latest[health.device] = health
            await self.alarms.observe(health)
        self.sweeps += 1
        return readings

    async def run(self) -> None:
        """Sweep on the interval (measured start to start) until cancelled."""
        loop = asyncio.get_running_loop()
        while True:
            started = loop.time()
            await self.sweep()
            await asyncio.sleep(max(0.0, self.interval - (loop.time() - started)))
