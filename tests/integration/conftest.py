"""A generated region loaded and built once per test session, for tests that only read the warehouse.

Брянская область, 6 000 appeals over 14 months from 2025-11-01 (two New Year
holidays' worth of deadlines, every season), seed 11, no defects. Tests that
change the warehouse (incremental runs, reloads) must make their own database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from orchestration.generate import GenerationSummary, generate_region
from tests.conftest import fresh_database
from tests.warehouse import load_folder, run_dbt

REGION = dict(region_code="BRY", appeals=6000, start=date(2025, 11, 1), months=14, seed=11)


@dataclass
class BuiltRegion:
    url: str  # the database, built with `dbt build`
    files: GenerationSummary  # what the generator wrote (out_dir, files, manifest)
    target_path: Path  # dbt's artefacts of the build (manifest.json, run_results.json)


@pytest.fixture(scope="session")
def built_region(pg_admin_url: str, tmp_path_factory: pytest.TempPathFactory):
    """The demo region generated, loaded and built; read only."""
    out = tmp_path_factory.mktemp("built-region")
    files = generate_region(out_dir=out / "files", **REGION)
    with fresh_database(pg_admin_url) as url:
        load_folder(url, files.out_dir)
        target = out / "dbt-target"
        run_dbt(url, "build", target_path=target)
        yield BuiltRegion(url, files, target)
