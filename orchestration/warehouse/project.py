"""The dbt project as dagster-dbt sees it, and the manifest it is loaded from.

Dagster builds the dbt assets from ``target/manifest.json``. ``tsur`` runs
``dbt parse`` before Dagster loads; ``dagster dev`` re-parses on every reload
(as :meth:`DbtProject.prepare_if_dev` does); a fresh checkout without a
manifest, or one whose models changed after it was written, gets a new one
here, so Dagster never runs yesterday's graph. Parsing connects to no database and no network (the
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

from orchestration.db.connection import database_url, dbt_env
from orchestration.settings import DBT_PROJECT_DIR

tsur_dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR)


def parse_env() -> dict[str, str]:
    """The environment for ``dbt parse``: TSUR_DB_* as set, else from tsur's settings (no server started)."""
    if os.environ.get("TSUR_DB_HOST"):
        return dict(os.environ)
    return {**os.environ, **dbt_env(database_url(start=False))}


def dbt_executable() -> str:
    """The dbt next to this Python (the venv's), so an unactivated venv works too."""
    local = Path(sys.executable).parent / "dbt"
    return str(local) if local.exists() else (shutil.which("dbt") or "dbt")


def _stale(project: DbtProject) -> bool:
    """No manifest, or a model, macro, seed, YAML or the project file changed after it was written."""
    manifest = project.manifest_path
    if not manifest.exists():
        return True
    written = manifest.stat().st_mtime
    root = Path(project.project_dir)
    sources = [root / "dbt_project.yml", root / "profiles.yml"]
    for folder in ("models", "macros", "seeds", "tests", "snapshots", "analyses", "../seeds/reference"):
        if (root / folder).is_dir():
            sources.extend(p for p in (root / folder).rglob("*") if p.suffix in {".sql", ".yml", ".yaml", ".csv"})
    return any(p.stat().st_mtime > written for p in sources if p.exists())


def prepare_manifest(project: DbtProject = tsur_dbt_project) -> Path:
    """``dbt parse`` when Dagster runs in dev mode, or the manifest is missing or older than the project.

    dagster-dbt's own preparer does the same but calls whatever ``dbt`` is
    first on PATH (not the venv's when it is not activated) and cannot be
    given the profile's environment.
    """
    if project.preparer.using_dagster_dev() or _stale(project):
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
