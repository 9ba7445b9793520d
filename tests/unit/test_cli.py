"""The `tsur` command: every command's help is complete, and mistakes end in one plain line."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from orchestration.cli import app

runner = CliRunner()

COMMANDS = [
    [],
    ["demo"],
    ["generate"],
    ["ingest"],
    ["build"],
    ["db"],
    ["db", "start"],
    ["db", "stop"],
    ["db", "status"],
    ["db", "url"],
    ["db", "psql"],
    ["check"],
    ["accept-load"],
    ["quarantine"],
    ["quarantine", "list"],
    ["quarantine", "reload"],
    ["dashboards"],
    ["serve"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "tsur")
def test_every_command_explains_itself(command):
    result = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    lines = [line.strip(" │") for line in result.output.splitlines()]
    description = [line for line in lines if line and not line.startswith(("Usage:", "╭", "╰"))]
    assert len(" ".join(description)) > 60, result.output  # more than a bare list of options


def test_generate_rejects_a_bad_date():
    result = runner.invoke(app, ["generate", "--start", "01.11.2025", "--out", "/tmp/unused"])
    assert result.exit_code != 0
    assert "YYYY-MM-DD" in result.output


def test_an_unknown_region_is_a_one_line_error_not_a_traceback(tmp_path):
    script = [sys.executable, "-m", "orchestration.cli", "generate", "--region", "XXX", "--appeals", "10",
              "--out", str(tmp_path)]  # fmt: skip
    result = subprocess.run(script, capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "XXX" in result.stderr
