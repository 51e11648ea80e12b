"""``--api smc`` for ``hnth sim mcu`` and ``--driver smc`` for ``hnth mcu ...``.

Registers one entry in each of :mod:`hnth_drivers.cli.mcu`'s tables; the commands
themselves are shared with the Codian API.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .common import password_from_env
from .mcu import DRIVER_FACTORIES, SIM_FRONT_ENDS, Closer, McuTarget, SimMcuOptions

if TYPE_CHECKING:
    from hnth_sim.mcu.model import McuModel, Network

    from ..mcu.base import Mcu

__all__: list[str] = []


async def _smc_front_end(network: Network, mcu: McuModel,
                         opts: SimMcuOptions) -> tuple[str, Closer]:
    from hnth_sim.mcu.smc_server import SmcServer

    server = SmcServer(network, user=opts.user, password=opts.password, tls_dir=opts.tls_dir,
                       default_mcu=mcu.id)
    host, port = await server.start(opts.host, opts.port)
    return f"{host}:{port}", server.close


def _smc_driver(target: McuTarget) -> Mcu:
    import httpx

    from ..mcu.smc import SmcMcu, SmcOptions
    from ..transport.https import TlsTrust

    host = httpx.URL(target.url).host
    password = password_from_env(target.user, store_name=lambda u: f"mcu.{host}/{u}")
    trust = TlsTrust(ca_file=target.ca, pin_sha256=target.pin) \
        if (target.ca or target.pin) else None
    return SmcMcu(target.url, user=target.user, password=password, trust=trust,
                  options=SmcOptions(timeout_s=target.timeout_s))


SIM_FRONT_ENDS["smc"] = _smc_front_end
DRIVER_FACTORIES["smc"] = _smc_driver
