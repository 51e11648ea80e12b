"""`hnth --version`, `hnth drivers`, `hnth audit verify`, `hnth secrets ...`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hnth_drivers import __version__
from hnth_drivers.cli import app
from hnth_drivers.security.audit import AuditLog

runner = CliRunner()


def test_console_script_runs() -> None:
    out = subprocess.run([sys.executable, "-m", "hnth_drivers.cli", "--version"],
                         capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == f"hnth-drivers {__version__}"


def test_drivers_json_lists_installed_drivers() -> None:
    result = runner.invoke(app, ["drivers", "--json"])
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert all({"kind", "name", "capabilities"} <= set(r) for r in rows)


def test_audit_verify_exit_codes(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "a.jsonl", durable=False)
    for i in range(3):
        log.append(actor="op", action="a", target=str(i), result="ok")
    ok = runner.invoke(app, ["audit", "verify", str(log.path)])
    assert ok.exit_code == 0 and "ok: 3 lines" in ok.stdout
    text = log.path.read_text().replace('"target":"1"', '"target":"9"')
    log.path.write_text(text)
    bad = runner.invoke(app, ["audit", "verify", str(log.path)])
    assert bad.exit_code == 1 and "TAMPERED at line 2" in bad.stdout
    missing = runner.invoke(app, ["audit", "verify", str(tmp_path / "none")])
    assert missing.exit_code == 2


def test_secrets_set_get_list_from_stdin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HNTH_SECRETS_PASSPHRASE", "correct horse")
    store = str(tmp_path / "s.json")
    r = runner.invoke(app, ["secrets", "set", "mcu/admin", "--store", store], input="pw-123\n")
    assert r.exit_code == 0 and "pw-123" not in r.stdout
    assert runner.invoke(app, ["secrets", "list", "--store", store]).stdout.split() == ["mcu/admin"]
    got = runner.invoke(app, ["secrets", "get", "mcu/admin", "--store", store]).stdout
    assert got == "pw-123\n"
    monkeypatch.setenv("HNTH_SECRETS_PASSPHRASE", "wrong")
    r = runner.invoke(app, ["secrets", "get", "mcu/admin", "--store", store])
    assert r.exit_code == 2 and "wrong key" in r.stderr and "Traceback" not in r.output
    monkeypatch.delenv("HNTH_SECRETS_PASSPHRASE")
    r = runner.invoke(app, ["secrets", "list", "--store", store])
    assert r.exit_code == 2 and "HNTH_SECRETS_PASSPHRASE" in r.stderr
