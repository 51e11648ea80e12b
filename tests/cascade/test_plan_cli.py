"""``hnth plan``: the JSON document, the table, infeasible and bad inputs."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from hnth_drivers.cli import app

runner = CliRunner()

SMALL = """\
name = "two provinces"

[[sites]]
id = "gov"
name = "Government"
level = "government"

[[sites]]
id = "p1"
name = "Province 1"
level = "province"
parent = "gov"

[[sites]]
id = "p1-c1"
name = "Commune 1"
level = "commune"
parent = "p1"

[[mcus]]
id = "central"
operator = "central office"
driver = "codian"
address = "https://central.example"
capacity = CENTRAL
area = "gov"
role = "master"
reserve = 0

[[mcus]]
id = "vnpt-p1"
operator = "VNPT"
driver = "smc"
address = "https://vnpt-p1.example"
capacity = 4
area = "p1"
reserve = 0
"""


def test_json_shape_for_a_profile() -> None:
    result = runner.invoke(app, ["plan", "--profile", "vn-2025", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert set(doc) == {"master", "max_depth", "method", "objective", "bound", "gap",
                        "optimal", "mcus", "sites", "links", "standby"}
    assert doc["master"] == "mcu-central" and doc["max_depth"] <= 2
    assert set(doc["mcus"][0]) == {"id", "parent", "capacity", "reserve", "ports_used",
                                   "depth"}
    assert doc["mcus"][0] == {"id": "mcu-central", "parent": None, "capacity": 96,
                              "reserve": 10, "ports_used": doc["mcus"][0]["ports_used"],
                              "depth": 0}
    # the bound proves the plan optimal: gap 0 on every component
    assert doc["optimal"] is True
    assert doc["gap"] == {"depth": 0, "links": 0, "peak": 0}
    assert doc["bound"]["links"] == doc["objective"]["links"] == len(doc["links"])
    assert doc["bound"]["peak"] == doc["objective"]["peak"]
    standby = doc["standby"]
    assert standby["mcu"] == "mcu-central-2"
    assert {k["slave"] for k in standby["relinks"]} == {
        k["slave"] for k in doc["links"] if k["master"] == "mcu-central"}
    assert all(k["master"] == "mcu-central-2" for k in standby["relinks"])
    on_master = {s["id"] for s in doc["sites"] if s["mcu"] == "mcu-central"}
    assert set(standby["takes_sites"]) == on_master
    assert len(doc["sites"]) == 4 + 34 + 3321
    assert set(doc["sites"][0]) == {"id", "level", "mcu"}
    assert all(set(k) == {"slave", "master"} for k in doc["links"])
    assert len(doc["links"]) == len(doc["mcus"]) - 1


def test_table_for_a_file(tmp_path: Path) -> None:
    path = tmp_path / "small.toml"
    path.write_text(SMALL.replace("CENTRAL", "2"), encoding="utf-8")
    result = runner.invoke(app, ["plan", "--topology", str(path)])
    assert result.exit_code == 0, result.output
    assert "vnpt-p1" in result.output and "central" in result.output
    assert "1 cascade links" in result.output


def test_infeasible_plan_explains_and_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "small.toml"
    path.write_text(SMALL.replace("CENTRAL", "0"), encoding="utf-8")
    result = runner.invoke(app, ["plan", "--topology", str(path), "--json"])
    assert result.exit_code == 1
    doc = json.loads(result.output)
    assert doc["error"] == "infeasible" and doc["bottleneck"]
    table = runner.invoke(app, ["plan", "--topology", str(path)])
    assert table.exit_code == 1 and "no plan" in table.output


def test_bad_file_names_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(SMALL.replace("CENTRAL", "-3"), encoding="utf-8")
    result = runner.invoke(app, ["plan", "--topology", str(path)])
    assert result.exit_code == 2
    text = "".join(result.output.split())  # rich may wrap long lines anywhere
    line = SMALL.splitlines().index("capacity = CENTRAL") + 1
    assert f"{path}:{line}:mcus[0].capacity:negativecapacity" in text


def test_exactly_one_source() -> None:
    assert runner.invoke(app, ["plan"]).exit_code == 2
    both = runner.invoke(app, ["plan", "--profile", "vn-2025", "--topology", "x.toml"])
    assert both.exit_code == 2


def test_depth_limit_option() -> None:
    result = runner.invoke(app, ["plan", "--profile", "vn-2021", "--max-depth", "1", "--json"])
    assert result.exit_code == 1
    assert json.loads(result.output)["reason"] == "depth"
