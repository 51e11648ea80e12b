"""Reserve, standby and absurd numbers in topology files: every refusal names the file,
the line and the field, and ``hnth plan`` says it in one line with exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hnth_drivers.cascade.planner import plan
from hnth_drivers.cascade.topology import TopologyError
from hnth_drivers.cascade.topology_files import dumps, loads
from hnth_drivers.cli import app

runner = CliRunner()

BASE = """\
name = "reserve"
RESERVE_TOP

[[sites]]
id = "gov"
name = "Government"
level = "government"

[[sites]]
id = "p1"
name = "Province 1"
level = "province"
parent = "gov"

[[mcus]]
id = "central"
operator = "central office"
driver = "codian"
address = "https://central.example"
capacity = 10
area = "gov"
role = "master"

[[mcus]]
id = "standby"
operator = "central office"
driver = "smc"
address = "https://standby.example"
capacity = STANDBY_CAP
area = "STANDBY_AREA"
role = "standby"

[[mcus]]
id = "vnpt-p1"
operator = "VNPT"
driver = "smc"
address = "https://vnpt-p1.example"
capacity = P1_CAP
area = "p1"
reserve = P1_RESERVE
"""


def _text(**values: str) -> str:
    text = BASE
    defaults = {"RESERVE_TOP": "", "STANDBY_CAP": "10", "STANDBY_AREA": "gov",
                "P1_CAP": "8", "P1_RESERVE": '"25%"'}
    for key, default in defaults.items():
        text = text.replace(key, values.get(key, default))
    return text


def _line(text: str, needle: str) -> int:
    return next(n for n, raw in enumerate(text.splitlines(), start=1) if needle in raw)


def test_reserves_from_a_file() -> None:
    topo = loads(_text(), "toml")
    assert topo.mcu("vnpt-p1").spare_ports == 2  # 25 % of 8
    assert topo.mcu("central").spare_ports == 2  # the default
    assert topo.standby is not None and topo.standby.id == "standby"
    result = plan(topo)
    assert result.standby == "standby" and not result.uses("standby")


def test_a_top_level_reserve_is_every_mcus_default() -> None:
    topo = loads(_text(RESERVE_TOP="reserve = 0"), "toml")
    assert topo.mcu("central").spare_ports == 0
    assert topo.mcu("vnpt-p1").spare_ports == 2  # its own value wins


@pytest.mark.parametrize("fmt", ["toml", "json", "csv"])
def test_reserve_round_trips(fmt: str) -> None:
    topo = loads(_text(), "toml")
    again = loads(dumps(topo, fmt), fmt)
    assert again.mcus == topo.mcus


@pytest.mark.parametrize(("values", "needle", "field", "message"), [
    ({"P1_RESERVE": "9"}, "reserve = 9", "mcus[2].reserve", "reserve larger than capacity"),
    ({"P1_RESERVE": '"200%"'}, "reserve = ", "mcus[2].reserve", "invalid reserve"),
    ({"P1_CAP": "1000000001"}, "capacity = 1000000001", "mcus[2].capacity",
     "absurd capacity"),
    ({"STANDBY_AREA": "p1"}, 'area = "p1"', "mcus[1].area", "another area"),
    ({"STANDBY_CAP": "2"}, "capacity = 2", "mcus[1].capacity",
     "cannot hold the master's load"),
])
def test_bad_values_name_file_line_and_field(tmp_path: Path, values: dict[str, str],
                                             needle: str, field: str, message: str) -> None:
    text = _text(**values)
    with pytest.raises(TopologyError, match=message) as info:
        loads(text, "toml", source="net.toml")
    assert info.value.field == field
    assert info.value.line == _line(text, needle)
    path = tmp_path / "net.toml"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["plan", "--topology", str(path)])
    assert result.exit_code == 2
    flat = "".join(result.output.split())
    assert f"{path}:{info.value.line}:{field}:".replace(" ", "") in flat
    assert "Traceback" not in result.output


def test_a_capacity_too_large_for_any_integer_is_refused_by_the_reader(tmp_path: Path) -> None:
    """10^40 ports never reaches the planner: the hardened reader refuses numbers beyond
    64 bits (naming file and field) before any arithmetic on them."""
    path = tmp_path / "net.toml"
    path.write_text(_text(P1_CAP="1" + "0" * 40), encoding="utf-8")
    result = runner.invoke(app, ["plan", "--topology", str(path)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    flat = "".join(result.output.split())
    assert str(path).replace(" ", "") in flat and "mcus[2].capacity" in flat


def test_reserve_in_json_and_csv() -> None:
    doc = {"name": "j", "reserve": "50%",
           "sites": [{"id": "gov", "name": "G", "level": "government"}],
           "mcus": [{"id": "m", "operator": "x", "driver": "codian", "address": "https://m",
                     "capacity": 10, "area": "gov", "role": "master"}]}
    assert loads(json.dumps(doc), "json").mcu("m").spare_ports == 5
    csv = ("kind,id,name,level,parent,operator,driver,address,capacity,area,role,reserve\n"
           "site,gov,G,government,,,,,,,,\n"
           "mcu,m,,,,x,codian,https://m,10,gov,master,3\n")
    assert loads(csv, "csv").mcu("m").spare_ports == 3
