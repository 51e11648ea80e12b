"""Vendor tables (data, user-extensible) and the readings → health interpretation.

The OIDs checked here are written out by hand from the standard MIBs (RFC 1213 system
and interfaces, RFC 2790 hrProcessorLoad) and the vendor MIBs (sources in
``vectors/snmp_mibs.json`` and docs/monitoring.md), not read back from our simulator.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hnth_drivers.errors import ConfigError
from hnth_drivers.monitor import (
    InterfaceStatus,
    builtin_profiles,
    interpret,
    load_profiles,
    load_targets,
)
from hnth_drivers.monitor.health import SnmpHealth
from hnth_drivers.monitor.vendors import parse_oid
from hnth_sim.snmp import mib

P8 = {  # RFC 1213, RFC 2790, POLYCOM-VIDEO-MIB, CISCO-TELEPRESENCE-CALL-MIB; Polycom RMX:
    #      secondary source (docs/monitoring.md)
    "sysDescr": "1.3.6.1.2.1.1.1.0", "sysUpTime": "1.3.6.1.2.1.1.3.0",
    "ifOperStatus": "1.3.6.1.2.1.2.2.1.8", "hrProcessorLoad": "1.3.6.1.2.1.25.3.3.1.2",
    "polycomLoss": "1.3.6.1.4.1.2684.1.1.21.0", "polycomJitter": "1.3.6.1.4.1.2684.1.1.22.0",
    "polycomLatency": "1.3.6.1.4.1.2684.1.1.23.0",
    "polycomConferences": "1.3.6.1.4.1.13885.101.1.5.1.0",
    "ctsRxTotal": "1.3.6.1.4.1.9.9.644.1.4.10.1.12",
    "ctsRxLost": "1.3.6.1.4.1.9.9.644.1.4.10.1.13",
    "ctsAvgPeriodJitter": "1.3.6.1.4.1.9.9.644.1.4.10.1.22",
    "ctsState": "1.3.6.1.4.1.9.9.644.1.4.8.1.11",
}


def o(name: str) -> tuple[int, ...]:
    return parse_oid(P8[name])


def test_builtin_tables_hold_the_protocol_facts() -> None:
    p = builtin_profiles()
    assert {"mib2", "hnth-sim", "polycom-codec", "polycom-mcu", "cisco-tp"} <= set(p)
    for name in ("mib2", "hnth-sim", "polycom-codec", "polycom-mcu", "cisco-tp"):
        prof = p[name]  # every profile extends MIB-II
        assert prof.descr and prof.descr.oid == o("sysDescr")
        assert prof.uptime and prof.uptime.oid == o("sysUpTime")
        assert prof.if_oper_status and prof.if_oper_status.oid == o("ifOperStatus")
        assert prof.cpu_load and prof.cpu_load.oid == o("hrProcessorLoad")
    codec = p["polycom-codec"].call_scalars
    assert (codec["loss_percent"].oid, codec["jitter_ms"].oid, codec["delay_ms"].oid) == (
        o("polycomLoss"), o("polycomJitter"), o("polycomLatency"))
    mcu = p["polycom-mcu"].active_conferences
    assert mcu is not None and mcu.oid == o("polycomConferences")
    cts = p["cisco-tp"].stream_table
    assert (cts["rx_packets"].oid, cts["rx_lost_packets"].oid, cts["jitter_ms"].oid) == (
        o("ctsRxTotal"), o("ctsRxLost"), o("ctsAvgPeriodJitter"))
    assert p["cisco-tp"].call_table["state"].oid == o("ctsState")


def test_simulator_subtree_matches_the_hnth_sim_table() -> None:
    prof = builtin_profiles()["hnth-sim"]
    assert prof.active_calls and prof.active_calls.oid == mib.CALL_COUNT
    table = {k: (m.oid, m.scale) for k, m in prof.call_table.items()}
    assert table == {
        "remote": ((*mib.CALL_ENTRY, 2), 1.0),
        "audio_loss_percent": ((*mib.CALL_ENTRY, 3), 0.01),
        "video_loss_percent": ((*mib.CALL_ENTRY, 4), 0.01),
        "jitter_ms": ((*mib.CALL_ENTRY, 5), 1.0),
        "delay_ms": ((*mib.CALL_ENTRY, 6), 1.0),
    }


def test_users_extend_and_override_without_code(tmp_path: Path) -> None:
    extra = tmp_path / "mine.toml"
    extra.write_text('''
format = "hnth-snmp-vendors"
version = 1
[profiles.acme-codec]
extends = "mib2"
description = "Acme codec"
active_calls = "1.3.6.1.4.1.99999.1.1.0"
[profiles.acme-codec.call_table]
loss_percent = { oid = "1.3.6.1.4.1.99999.1.2.1.3", scale = 0.1 }
jitter_ms = "1.3.6.1.4.1.99999.1.2.1.4"
[profiles.mib2]
cpu_load = "1.3.6.1.4.1.2021.11.9.0"
''')
    p = load_profiles([extra])
    acme = p["acme-codec"]
    assert acme.uptime == builtin_profiles()["mib2"].uptime
    assert acme.call_table["loss_percent"].scale == 0.1
    assert p["mib2"].cpu_load and p["mib2"].cpu_load.oid[-3:] == (11, 9, 0)
    assert "polycom-codec" in p  # built-ins stay


@pytest.mark.parametrize("profiles", [
    {"x": {"extends": "nope"}},
    {"x": {"extends": ["mib2"]}},         # unhashable: a TypeError before the check
    {"x": {"uptime": "1.3.six"}},
    {"x": {"uptime": {"oid": "1.3.6.1", "scale": -1}}},
    {"x": {"call_table": {"mos": "1.3.6.1.4.1.1"}}},
    {"x": {"stream_table": {"remote": "1.3.6.1.4.1.1"}}},   # not a stream field
    {"x": {"call_scalars": {"jitter_ms": {"oid": "1.3.6.1.4.1.1", "syntax": "float"}}}},
    {"x": {"call_scalars": {"jitter_ms": {"oid": "1.3.6.1.4.1.1", "units": "ms"}}}},
    {"x": {"call_scalars": {"jitter_ms": {"oid": "1.3.6.1.4.1.1", "source": 5}}}},
    {"x": {"uptime": {"oid": "1.3.6.1.2.1.1.3.0", "scale": float("inf")}}},
    {"x": {"colour": "blue"}},
    {"x": "1.3.6.1"},
])
def test_bad_tables_are_config_errors(tmp_path: Path, profiles: dict[str, object]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": "hnth-snmp-vendors", "version": 1,
                               "profiles": profiles}))
    with pytest.raises(ConfigError):
        load_profiles([bad])
    (tmp_path / "other.json").write_text('{"profiles": {}}')
    with pytest.raises(ConfigError):
        load_profiles([tmp_path / "other.json"])


def _cols(*pairs: tuple[str, dict[tuple[int, ...], int | str | None]]
          ) -> dict[tuple[int, ...], dict[tuple[int, ...], int | str | None]]:
    return {o(name): rows for name, rows in pairs}


def test_interpret_mib2_and_polycom_codec() -> None:
    prof = builtin_profiles()["polycom-codec"]
    scalars = {o("sysDescr"): "Polycom HDX", o("sysUpTime"): 123456,
               o("polycomLoss"): "4", o("polycomJitter"): "35", o("polycomLatency"): "180"}
    cols = _cols(("ifOperStatus", {(1,): 1, (2,): 7}), ("hrProcessorLoad", {(1,): 10, (2,): 31}))
    h = interpret("room-1", prof, scalars, cols, polled_at=1.0)
    assert (h.descr, h.uptime_s, h.cpu_load_percent) == ("Polycom HDX", 1234.56, 20.5)
    assert h.interfaces == (InterfaceStatus(1, 1), InterfaceStatus(2, 7))
    assert [i.index for i in h.interfaces_down] == [2]
    (call,) = h.calls
    assert (call.call, call.loss_percent, call.jitter_ms, call.delay_ms) == ("*", 4, 35, 180)
    assert call.to_call_stats().loss_percent == 4


def test_interpret_per_call_counters_of_a_user_table() -> None:
    """A user table with per-call cumulative counters (no stream index) gets loss per
    poll interval too, into loss_percent."""
    prof = load_profiles()["mib2"]
    from dataclasses import replace

    from hnth_drivers.monitor.vendors import Metric
    prof = replace(prof, call_table={"rx_packets": Metric(o("ctsRxTotal")),
                                     "rx_lost_packets": Metric(o("ctsRxLost"))})
    first = interpret("x", prof, {o("sysUpTime"): 100},
                      _cols(("ctsRxTotal", {(7,): 20_000, (9,): 0}),
                            ("ctsRxLost", {(7,): 500, (9,): 0})), polled_at=1.0)
    assert [(c.call, c.loss_percent) for c in first.calls] == [("7", None), ("9", None)]
    second = interpret("x", prof, {o("sysUpTime"): 200},
                       _cols(("ctsRxTotal", {(7,): 29_500, (9,): 0}),
                             ("ctsRxLost", {(7,): 1_000, (9,): 0})), polled_at=2.0,
                       previous=first)
    assert [(c.call, c.loss_percent) for c in second.calls] == [("7", 5.0), ("9", None)]
    assert second.active_calls == 2


def test_missing_objects_are_none_not_zero() -> None:
    prof = builtin_profiles()["polycom-mcu"]
    h = interpret("rmx", prof, {o("sysUpTime"): None, o("polycomConferences"): None}, {},
                  polled_at=1.0)
    assert h.reachable and h.uptime_s is None and h.active_conferences is None
    assert h.cpu_load_percent is None and h.interfaces == () and h.calls == ()


def test_reboot_detection_and_ticks_wrap() -> None:
    prof = builtin_profiles()["mib2"]

    def at(ticks: int, prev: SnmpHealth | None = None) -> SnmpHealth:
        return interpret("d", prof, {o("sysUpTime"): ticks}, {}, polled_at=0, previous=prev)

    first = at(500_000)
    assert not first.rebooted
    assert at(600_000, first).rebooted is False
    assert at(1_000, first).rebooted is True
    near_wrap = at(2**32 - 1_000)
    assert at(5_000, near_wrap).rebooted is False  # a 497-day wrap, not a restart


def test_targets_file(tmp_path: Path) -> None:
    f = tmp_path / "targets.toml"
    f.write_text('''
vendor_tables = ["extra.json"]
[defaults]
user = "monitor"
timeout = 0.5
vendor = "hnth-sim"
[[target]]
name = "mcu-hanoi"
host = "10.0.0.5"
vendor = "polycom-mcu"
[[target]]
name = "room-7"
host = "10.0.0.7"
port = 1161
context = "dev0007"
priv_key_env = "ROOM7_PRIV"
''')
    env = {"HNTH_PASSWORD": "auth-pass-1", "HNTH_PRIV_PASSWORD": "priv-pass-1",
           "ROOM7_PRIV": "room-7-priv"}
    spec = load_targets(f, env=env)
    a, b = spec.targets
    assert (a.name, a.port, a.vendor, a.timeout, a.context) == (
        "mcu-hanoi", 161, "polycom-mcu", 0.5, "")
    assert (b.port, b.vendor, b.context) == (1161, "hnth-sim", "dev0007")
    assert b.credentials.priv_key and b.credentials.priv_key.reveal() == "room-7-priv"  # type: ignore[union-attr]
    assert spec.vendor_tables == (tmp_path / "extra.json",)
    assert spec.thresholds.delay_ms == 250.0 and spec.damping.half_life_s == 60.0
    assert "auth-pass" not in repr(a)
    with pytest.raises(ConfigError, match="HNTH_PRIV_PASSWORD"):
        load_targets(f, env={"HNTH_PASSWORD": "auth-pass-1"})
    f.write_text('[thresholds]\ndelay_ms = 150.0\njitter_ms = 30\n[damping]\nenabled = false\n'
                 '[[target]]\nname = "x"\nhost = "h"\n')
    tuned = load_targets(f, env=env)
    assert (tuned.thresholds.delay_ms, tuned.thresholds.jitter_ms) == (150.0, 30)
    assert tuned.thresholds.video_loss_percent == 3.0 and not tuned.damping.enabled
    f.write_text('[thresholds]\nmos = 3\n[[target]]\nname = "x"\nhost = "h"\n')
    with pytest.raises(ConfigError, match="thresholds"):
        load_targets(f, env=env)
    f.write_text('[thresholds]\ndelay_ms = -1\n[[target]]\nname = "x"\nhost = "h"\n')
    with pytest.raises(ConfigError):
        load_targets(f, env=env)
    f.write_text('[[target]]\nname = "x"\nhost = "h"\ncommunity = "public"\n')
    with pytest.raises(ConfigError, match="unknown field"):
        load_targets(f, env=env)


_values = st.one_of(st.none(), st.integers(min_value=-(2**31), max_value=2**32),
                    st.text(max_size=20))
_rows = st.dictionaries(st.tuples(st.integers(0, 2**31)), _values, max_size=6)


@given(st.sampled_from(sorted(builtin_profiles())), st.data())
def test_interpret_never_crashes_on_odd_readings(name: str, data: st.DataObject) -> None:
    """Whatever an agent answers (wrong types, gaps, negative numbers), interpretation
    gives a valid health, never an exception."""
    prof = builtin_profiles()[name]
    scalars = {oid: data.draw(_values) for oid in prof.scalar_oids()}
    cols = {oid: data.draw(_rows) for oid in prof.column_oids()}
    h = interpret("d", prof, scalars, cols, polled_at=0.0)
    h.to_device_health()
    for call in h.calls:
        call.to_call_stats()


@given(st.lists(st.booleans(), max_size=4), st.lists(st.integers(0, 100), min_size=1,
                                                     max_size=4),
       st.lists(st.floats(0, 100), max_size=5))
def test_getnext_from_the_root_enumerates_the_view(links: list[bool], cpu: list[int],
                                                   losses: list[float]) -> None:
    from hnth_sim.snmp import MibView, SimDevice, SimInterface, render

    dev = SimDevice("d", interfaces=[SimInterface(i + 1, f"if{i}", up) for i, up in
                                     enumerate(links)], cpu_loads=cpu)
    for loss in losses:
        dev.add_call("x", video_loss_percent=loss)
    view, walked, oid = MibView(dev), [], (0,)
    while (found := view.next(oid)) is not None:
        oid = found[0]
        walked.append(oid)
    assert walked == [o for o, _ in render(dev)]


@pytest.mark.parametrize("body", [
    '[[target]]\nname = "x"\nhost = "h"\ntimeout = [1]\n',
    '[[target]]\nname = "x"\nhost = "h"\nretries = {a = 1}\n',
    '[[target]]\nname = "x"\nhost = "h"\nport = [161]\n',
    'target = [1, 2]\n',
])
def test_wrongly_typed_target_values_are_config_errors(tmp_path: Path, body: str) -> None:
    """int([1]) and float({}) raise TypeError: the loader reports a ConfigError instead."""
    f = tmp_path / "targets.toml"
    f.write_text(body)
    env = {"HNTH_PASSWORD": "auth-pass-1", "HNTH_PRIV_PASSWORD": "priv-pass-1"}
    with pytest.raises(ConfigError):
        load_targets(f, env=env)


@pytest.mark.parametrize(("name", "data", "says"), [
    ("nan.json", b'{"format": "hnth-snmp-vendors", "version": 1, "profiles": '
                 b'{"x": {"uptime": {"oid": "1.3.6.1", "scale": NaN}}}}', "NaN"),
    ("binary.json", b'{"format"\x00: 1}', "binary"),
    ("latin1.toml", 'description = "caf\u00e9"'.encode("latin-1"), "UTF-8"),
    ("deep.json", b"[" * 200 + b"]" * 200, "nested too deeply"),
    ("broken.toml", b"[profiles\n", "TOML"),
])
def test_a_hostile_vendor_file_is_one_config_error_naming_it(
        tmp_path: Path, name: str, data: bytes, says: str) -> None:
    """The vendor tables are read by the shared hardened reader, like every user file."""
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ConfigError) as err:
        load_profiles([path])
    assert str(path) in str(err.value) and says in str(err.value)
    with pytest.raises(ConfigError, match="no such file"):
        load_profiles([tmp_path / "missing.json"])
