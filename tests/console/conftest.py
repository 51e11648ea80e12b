"""A running ``hnth sim network --profile vn-2025`` with its cascade up, and ``hnth
console`` serving it over HTTPS on loopback: shared by the console's tests."""

from __future__ import annotations

import json
import os
import re
import ssl
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from hnth_drivers.security.audit import verify
from tests.conftest import HNTH, simulator_process


@dataclass(frozen=True)
class Console:
    """The console under test: its URL, CA, audit log and the operators' passwords."""

    url: str
    ca: Path
    audit: Path
    network: Path
    passwords: dict[str, str]

    def ssl(self) -> ssl.SSLContext:
        """A client TLS context trusting the console's generated CA only."""
        return ssl.create_default_context(cafile=str(self.ca))

    def client(self) -> httpx.Client:
        """A client that trusts the console's generated CA only."""
        return httpx.Client(base_url=self.url, verify=self.ssl(), timeout=60.0)

    def login(self, client: httpx.Client, name: str, password: str | None = None
              ) -> httpx.Response:
        """Log in as a browser does: fetch the form (its token and cookie), post it."""
        form = client.get("/login")
        token = re.search(r'name="login_token" value="([^"]+)"', form.text)
        assert token, form.text
        return client.post("/login", data={
            "name": name, "password": self.passwords.get(name, "") if password is None
            else password, "login_token": token.group(1)})

    def session(self, name: str) -> tuple[httpx.Client, str]:
        """A logged-in client and its CSRF token."""
        client = self.client()
        done = self.login(client, name)
        assert done.status_code == 303, done.text
        page = client.get("/")
        csrf = re.search(r'name="csrf" content="([^"]+)"', page.text)
        assert csrf, page.text
        return client, csrf.group(1)

    def records(self) -> list[dict[str, object]]:
        """The audit log, its chain verified."""
        assert verify(self.audit).ok
        return [json.loads(line) for line in self.audit.read_text().splitlines()]


def state_headers(csrf: str) -> dict[str, str]:
    """What the page's script sends with a state change."""
    return {"X-CSRF-Token": csrf, "X-Request-Id": uuid.uuid4().hex}


def user_env(home: Path) -> dict[str, str]:
    """The environment with an audit log of the test's own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HNTH_")}
    env["HNTH_AUDIT_LOG"] = str(home / "audit.jsonl")
    return env


@pytest.fixture(scope="package")
def sim_network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """``hnth sim network --profile vn-2025`` running, its cascade up; yields the file."""
    out = tmp_path_factory.mktemp("console-net")
    env = user_env(out)
    with simulator_process(["sim", "network", "--profile", "vn-2025", "--out", str(out),
                            "--rooms", "2"], kind="network", env=env,
                           ready_within_s=90.0) as address:
        up = subprocess.run([*HNTH, "cascade", "up", "--network", address, "--operator",
                             "central"], capture_output=True, text=True, env=env, timeout=120)
        assert up.returncode == 0, up.stderr[-2000:]
        yield Path(address)


@pytest.fixture(scope="package")
def console(sim_network: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    """``hnth console`` over the simulated network, HTTPS with a CA it made."""
    home = tmp_path_factory.mktemp("console")
    tls = home / "tls"
    with simulator_process(["console", "--network", str(sim_network), "--listen",
                            "127.0.0.1:0", "--tls-dir", str(tls), "--poll", "1"],
                           kind="console", env=user_env(home), ready_within_s=90.0) as url:
        assert url.startswith("https://127.0.0.1:")
        passwords = json.loads((sim_network.parent / "operator-passwords.json").read_text())
        yield Console(url, tls / "ca.pem", home / "audit.jsonl", sim_network, passwords)
