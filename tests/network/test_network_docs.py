"""docs/network.example.toml is a valid network file once its placeholders are filled."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hnth_drivers.network import NetworkFileError, load_network

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_example_network_file_only_lacks_its_trust_files(tmp_path: Path) -> None:
    text = (DOCS / "network.example.toml").read_text(encoding="utf-8")
    text = re.sub(r"sha256:<64 hex digits[^>]*>", "sha256:" + "ab" * 32, text)
    text = re.sub(r"<([^>]+)>", lambda m: re.sub(r"[^a-z0-9]+", "-", m.group(1).lower())
                  .strip("-") or "x", text)
    (tmp_path / "network.toml").write_text(text, encoding="utf-8")
    with pytest.raises(NetworkFileError) as info:
        load_network(tmp_path / "network.toml")
    lines = info.value.lines()
    assert lines and all("no such file: /etc/hnth/" in ln for ln in lines), lines
    keys = {ln.split(": ")[1] for ln in lines}
    assert keys == {"mcus[0].ca_file", "sites[0].room.codec.known_hosts"}


def test_docs_name_every_table_the_parser_accepts() -> None:
    from hnth_drivers.network.load import TOP

    doc = (DOCS / "network.md").read_text(encoding="utf-8")
    for key in TOP:
        assert key in doc, key


def test_operator_command_lines_name_real_commands_and_options() -> None:
    """Every ``hnth ...`` line of the page's first example is a command whose --help shows
    the options the line uses."""
    import shlex

    from typer.testing import CliRunner

    from hnth_drivers.cli import app

    doc = (DOCS / "network.md").read_text(encoding="utf-8")
    block = re.search(r"```text\n(.*?)```", doc, re.S)
    assert block is not None
    lines = [ln.split("#")[0].strip() for ln in block.group(1).splitlines()]
    commands = [shlex.split(ln)[1:] for ln in lines if ln.startswith("hnth ")]
    assert len(commands) >= 10
    runner = CliRunner()
    for argv in commands:
        words = [w for w in argv if w != "|"]
        shown = None
        for k in range(min(2, len(words)), 0, -1):  # 'cascade up' or 'switch'
            done = runner.invoke(app, [*words[:k], "--help"], terminal_width=200)
            if done.exit_code == 0:
                shown = done.output
                break
        assert shown is not None, argv
        for option in (w for w in words if w.startswith("--")):
            assert option in shown, (argv, option)
