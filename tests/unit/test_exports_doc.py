"""docs/exports.md describes the format the code writes: every file, column key and Russian header."""

from __future__ import annotations

from orchestration.exports.tables import SCHEMA_VERSION, TABLES
from orchestration.settings import PROJECT_ROOT

DOC = (PROJECT_ROOT / "docs" / "exports.md").read_text(encoding="utf-8")


def test_the_page_names_the_schema_version():
    assert f"schema version {SCHEMA_VERSION}" in DOC and f"Columns (schema {SCHEMA_VERSION})" in DOC


def test_every_column_is_documented_with_its_header_and_type():
    for table in TABLES:
        section = DOC.split(f"### `{table.name}.csv`", 1)
        assert len(section) == 2, f"docs/exports.md has no section for {table.name}.csv"
        body = section[1].split("\n### ", 1)[0]
        assert f"«{table.sheet}»" in section[1].split("\n", 1)[0]
        for column in table.columns:
            assert f"| `{column.key}` | {column.header} |" in body, (table.name, column.key)
