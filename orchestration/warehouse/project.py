"""The dbt project as dagster-dbt sees it, and the manifest it is loaded from.

Dagster builds the dbt assets from ``target/manifest.json``. ``tsur`` runs
``dbt parse`` before Dagster loads; ``dagster dev`` re-parses on every reload
(as :meth:`DbtProject.prepare_if_dev` does) and a fresh checkout without a
manifest gets one here. Parsing connects to no database and no network (the
project has no packages), but dbt renders the profile, so the TSUR_DB_*
variables must be set: :func:`parse_env` takes them from tsur's settings.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from dagster_dbt import DbtProject

from orchestration.db.connection import database_url, url_parts
from orchestration.settings import DBT_PROJECT_DIR

tsur_dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR)


def dbt_env(url: str) -> dict[str, str]:
    """The TSUR_DB_* variables that dbt_project/profiles.yml reads, for a PostgreSQL URL."""
    parts = url_parts(url)
    return {
        "TSUR_DB_HOST": parts["host"],
        "TSUR_DB_PORT": parts["port"],
        "TSUR_DB_USER": parts["user"],
        "TSUR_DB_PASSWORD": parts["password"],
        "TSUR_DB_NAME": parts["dbname"],
    }


def parse_env() -> dict[str, str]:
    """The environment for ``dbt parse``: TSUR_DB_* as set, else from tsur's settings (no server started)."""
    if os.environ.get("TSUR_DB_HOST"):
        return dict(os.environ)
    return {**os.environ, **dbt_env(database_url(start=False))}


def dbt_executable() -> str:
    """The dbt next to this Python (the venv's), so an unactivated venv works too."""
    local = Path(sys.executable).parent / "dbt"
    return str(local) if local.exists() else (shutil.which("dbt") or "dbt")


def prepare_manifest(project: DbtProject = tsur_dbt_project) -> Path:
    """``dbt parse`` when Dagster runs in dev mode or no manifest exists yet.

    dagster-dbt's own preparer does the same but calls whatever ``dbt`` is
    first on PATH (not the venv's when it is not activated) and cannot be
    given the profile's environment.
    """
    if project.preparer.using_dagster_dev() or not project.manifest_path.exists():
        result = subprocess.run(
            [dbt_executable(), "parse", "--quiet", "--target-path", str(project.target_path)],
            cwd=project.project_dir,
            env=parse_env(),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0 or not project.manifest_path.exists():
            raise RuntimeError(
                f"`dbt parse` failed in {project.project_dir}, so Dagster cannot load the dbt assets. "
                f"Run it there to see why:\n{result.stdout}{result.stderr}"
            )
    return project.manifest_path


prepare_manifest()
