"""dbt's raw sources mirror the loader's targets column by column, so neither can drift from the other."""

from __future__ import annotations

import pytest
import yaml

from orchestration.db.schema import REGISTRY_DDL
from orchestration.ingest.targets import META_COLUMNS, SQL_TYPES, TARGETS
from orchestration.settings import DBT_PROJECT_DIR

SOURCES = DBT_PROJECT_DIR / "models" / "staging" / "_raw__sources.yml"


@pytest.fixture(scope="module")
def tables() -> dict[str, dict]:
    spec = yaml.safe_load(SOURCES.read_text(encoding="utf-8"))
    (raw,) = [source for source in spec["sources"] if source["name"] == "raw"]
    return {table["name"]: table for table in raw["tables"]}


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_each_raw_table_is_a_source_with_the_targets_columns_and_types(tables, name):
    target = TARGETS[name]
    assert name in tables, f"{name} is loaded but not declared in {SOURCES.name}"
    declared = [(c["name"], c.get("data_type")) for c in tables[name]["columns"]]
    expected = [(column, sql.removesuffix(" not null")) for column, sql in META_COLUMNS]
    expected += [(f.name, SQL_TYPES[f.type]) for f in target.fields]
    assert declared == expected


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_personal_data_is_marked_in_the_sources(tables, name):
    marked = {c["name"] for c in tables[name]["columns"] if c.get("description", "").startswith("[PII]")}
    assert marked == {f.name for f in TARGETS[name].fields if f.pii}


def test_only_loader_tables_are_sources(tables):
    registry = {"load_files", "quarantine"}
    assert set(tables) == set(TARGETS) | registry
    for table in registry:
        assert f"raw.{table}" in REGISTRY_DDL
