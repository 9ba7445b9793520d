"""Helpers for tests that need a built warehouse: load a folder of source files, run dbt."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import psycopg

from orchestration.db.connection import dbt_env
from orchestration.db.schema import bootstrap
from orchestration.ingest.loader import load_file, plan_files
from orchestration.ingest.mapping import load_mappings
from orchestration.settings import DBT_PROJECT_DIR
from orchestration.warehouse.project import dbt_executable


def load_folder(url: str, folder: Path) -> list:
    """Every file of ``folder`` into raw, in export order, as `tsur ingest` does."""
    planned, _ = plan_files([folder], load_mappings())
    with psycopg.connect(url) as conn:
        bootstrap(conn)
        return [load_file(conn, path, mapping) for path, mapping in planned]


def run_dbt(
    url: str, *args: str, target_path: Path, check: bool = True, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """dbt in the project folder against ``url`` (with ``env`` added); its artefacts and log go to ``target_path``."""
    env = {**os.environ, **dbt_env(url), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", **(env or {})}
    result = subprocess.run(
        [dbt_executable(), *args, "--target-path", str(target_path), "--log-path", str(target_path)],
        cwd=DBT_PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"dbt {' '.join(args)} failed:\n{result.stdout[-8000:]}\n{result.stderr[-2000:]}")
    return result
