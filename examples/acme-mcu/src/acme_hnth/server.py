"""A simulated Acme MCU: the made-up JSON API served over HTTPS by the project's simulator.

The MCU itself is :class:`hnth_sim.mcu.model.McuModel` (conferences, participants, ports,
mute, health), the same model the Codian and SMC simulators serve; the HTTPS socket,
certificates (``ca.pem`` in ``tls_dir``) and request parsing are
:class:`hnth_sim.mcu.frontend.HttpsFrontEnd`'s. This module only maps the JSON API onto
the model. Run it alone::

    HNTH_SIM_PASSWORD=... python -m acme_hnth.server --tls-dir DIR [--listen HOST:PORT]

prints ``READY mcu https://HOST:PORT/api/v1`` when it accepts connections.
"""

from __future__ import annotations

import argparse
import asyncio
import hmac
import json
import os
import secrets
import signal
import sys
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from hnth_drivers.model import Endpoint
from hnth_sim.mcu.conditions import Refusal, SimError
from hnth_sim.mcu.frontend import HttpsFrontEnd
from hnth_sim.mcu.http import HttpRequest, HttpResponse
from hnth_sim.mcu.model import McuModel, Network

__all__ = ["PREFIX", "AcmeServer"]

PREFIX = "/api/v1"
_STATUS = {Refusal.NO_SUCH_CONFERENCE: 404, Refusal.NO_SUCH_PARTICIPANT: 404,
           Refusal.DUPLICATE_CONFERENCE: 409, Refusal.DUPLICATE_PARTICIPANT: 409,
           Refusal.TOO_MANY_CONFERENCES: 503, Refusal.TOO_MANY_PARTICIPANTS: 503}


_NO_CONTENT = HttpResponse(204, b"", "application/json")


def _json(status: int, data: Any) -> HttpResponse:
    return HttpResponse(status, json.dumps(data).encode(), "application/json")


def _error(status: int, code: str, message: str) -> HttpResponse:
    return _json(status, {"error": {"code": code, "message": message}})


class AcmeServer(HttpsFrontEnd):
    """One simulated Acme MCU (``mcu``) on an HTTPS socket."""

    def __init__(self, mcu: McuModel, *, user: str, password: str,
                 tls_dir: str | os.PathLike[str]) -> None:
        if not password:
            raise ValueError("the simulator needs a password")
        self.mcu = mcu
        self._user, self._password = user.encode(), password.encode()
        self._tokens: set[str] = set()
        super().__init__(tls_dir, max_body=64 * 1024, handler=self.handle)

    def url(self) -> str:
        """The API base the driver takes."""
        return self.base_url() + PREFIX

    async def handle(self, request: HttpRequest) -> HttpResponse | None:
        """Answer one request under :data:`PREFIX`; None for any other path."""
        path = request.path.split("?", 1)[0]
        if not path.startswith(PREFIX + "/"):
            return None
        parts = [unquote(p) for p in path[len(PREFIX) + 1:].split("/")]
        try:
            body = json.loads(request.body) if request.body else {}
        except ValueError:
            return _error(400, "bad_json", "the body is not JSON")
        if parts == ["session"] and request.method == "POST":
            return self._login(body)
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        if token not in self._tokens:
            return _error(401, "unauthorised", "log in first")
        if parts == ["session"] and request.method == "DELETE":
            self._tokens.discard(token)
            return _NO_CONTENT
        try:
            return self._route(request.method, parts, body)
        except SimError as exc:
            return _error(_STATUS.get(exc.reason, 400), exc.reason.value, str(exc)[:200])
        except (KeyError, TypeError, ValueError) as exc:
            return _error(400, "bad_request", f"{type(exc).__name__}: {exc}"[:200])

    def _login(self, body: dict[str, Any]) -> HttpResponse:
        ok_user = hmac.compare_digest(str(body.get("user", "")).encode(), self._user)
        ok_password = hmac.compare_digest(str(body.get("password", "")).encode(),
                                          self._password)
        if not (ok_user and ok_password):
            return _error(401, "unauthorised", "wrong user or password")
        token = secrets.token_urlsafe(24)
        self._tokens.add(token)
        return _json(200, {"token": token})

    def _route(self, method: str, parts: list[str], body: dict[str, Any]) -> HttpResponse:
        mcu = self.mcu
        match method, parts:
            case "GET", ["health"]:
                health = mcu.health()
                return _json(200, {"uptime_s": health.uptime_s or 0.0,
                                   "cpu_load_percent": health.cpu_load_percent or 0.0,
                                   "active_calls": health.active_calls or 0})
            case "GET", ["conferences"]:
                return _json(200, {"conferences": [self._conference(c.to_model())
                                                   for c in mcu.conferences()]})
            case "POST", ["conferences"]:
                conf = mcu.create_conference(str(body["name"]), pin=body.get("pin"))
                return _json(201, self._conference(conf.to_model()))
            case "DELETE", ["conferences", name]:
                mcu.destroy_conference(name)
                return _NO_CONTENT
            case "GET", ["conferences", name, "participants"]:
                return _json(200, {"participants": [self._participant(p.to_model())
                                                    for p in mcu.participants(name)]})
            case "POST", ["conferences", name, "participants"]:
                leg = mcu.add_participant(name, Endpoint(str(body["name"]),
                                                         str(body["address"])))
                return _json(201, self._participant(leg.to_model()))
            case "DELETE", ["conferences", name, "participants", who]:
                mcu.remove_participant(name, who)
                return _NO_CONTENT
            case "PUT", ["conferences", name, "participants", who, "mute"]:
                mcu.mute(name, who, bool(body["on"]))
                return _NO_CONTENT
        return _error(404, "no_such_resource", f"{method} {'/'.join(parts)}")

    @staticmethod
    def _conference(conf: Any) -> dict[str, Any]:
        return {"name": conf.name, "active": conf.active,
                "participants": conf.participant_count}

    @staticmethod
    def _participant(p: Any) -> dict[str, Any]:
        return {"name": p.name, "address": p.address, "state": p.state.value,
                "muted": p.muted}


async def _serve(listen: str, tls_dir: Path, user: str, password: str) -> None:
    host, _, port = listen.rpartition(":")
    net = Network(seed=1)
    server = AcmeServer(net.add_mcu("acme-1", ports=40), user=user, password=password,
                        tls_dir=tls_dir)
    await server.start(host or "127.0.0.1", int(port or 0))
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    sys.stdout.write(f"READY mcu {server.url()}\n")
    sys.stdout.flush()
    try:
        await stop.wait()
    finally:
        await server.close()


def main(argv: list[str] | None = None) -> None:
    """``python -m acme_hnth.server --tls-dir DIR [--listen HOST:PORT] [--user NAME]``."""
    parser = argparse.ArgumentParser(prog="acme_hnth.server", description=__doc__)
    parser.add_argument("--tls-dir", type=Path, required=True)
    parser.add_argument("--listen", default="127.0.0.1:0")
    parser.add_argument("--user", default="admin")
    args = parser.parse_args(argv)
    password = os.environ.get("HNTH_SIM_PASSWORD", "")
    if not password:
        parser.exit(2, "error: set HNTH_SIM_PASSWORD (never a password on argv)\n")
    asyncio.run(_serve(args.listen, args.tls_dir, args.user, password))


if __name__ == "__main__":
    main()
