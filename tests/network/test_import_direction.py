"""The library never imports the simulators (only hnth_drivers.testing may): the import
direction shows in the code, and a real network gets every code path a simulation does."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import hnth_drivers

LIBRARY = Path(hnth_drivers.__file__).parent


def test_no_module_outside_testing_imports_hnth_sim() -> None:
    offenders = []
    for path in sorted(LIBRARY.rglob("*.py")):
        if "testing" in path.relative_to(LIBRARY).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            offenders += [f"{path.relative_to(LIBRARY)}:{node.lineno}: {n}" for n in names
                          if n == "hnth_sim" or n.startswith("hnth_sim.")]
    assert not offenders, offenders


def test_the_cli_without_plugins_loads_no_simulator() -> None:
    code = ("import sys, importlib.metadata as m\n"
            "m.entry_points = lambda **kw: []\n"  # no command plug-ins at all
            "import hnth_drivers.cli, hnth_drivers.network\n"
            "print(sorted(n for n in sys.modules if n.startswith('hnth_sim')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_sim_and_demo_commands_come_from_the_entry_point_group() -> None:
    from importlib import metadata

    modules = {e.value for e in metadata.entry_points(group="hnth_drivers.cli")}
    assert {"hnth_sim.cli_sim", "hnth_sim.cli_demo", "hnth_sim.cli_network"} <= modules
