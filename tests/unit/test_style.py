"""The code base stays ruff- and sqlfluff-clean (the same commands as `make lint`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from orchestration.settings import DBT_PROJECT_DIR, PROJECT_ROOT

BIN = Path(sys.executable).parent
PYTHON_PATHS = ["orchestration", "tests", "bench", "superset_dashboards"]


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)


@pytest.mark.parametrize(
    "args", [["check", *PYTHON_PATHS], ["format", "--check", *PYTHON_PATHS]], ids=["ruff check", "ruff format"]
)
def test_python_is_ruff_clean(args):
    result = _run([str(BIN / "ruff"), *args], PROJECT_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dbt_sql_is_sqlfluff_clean():
    result = _run([str(BIN / "sqlfluff"), "lint", "models", "macros", "--disable-progress-bar"], DBT_PROJECT_DIR)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
