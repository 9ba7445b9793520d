"""Every example query of docs/data-contract.md runs on a built warehouse and returns rows."""

from __future__ import annotations

import re

import psycopg
import pytest

from orchestration.settings import PROJECT_ROOT

pytestmark = [pytest.mark.integration, pytest.mark.slow]

DOC = PROJECT_ROOT / "docs" / "data-contract.md"


def _queries() -> list[str]:
    blocks = re.findall(r"```sql\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    queries = [q.strip() for block in blocks for q in block.split(";") if q.strip()]
    return [q for q in queries if not all(line.lstrip().startswith("--") for line in q.splitlines())]


def test_the_document_has_examples():
    assert len(_queries()) >= 3


@pytest.mark.parametrize("query", _queries(), ids=lambda q: q.splitlines()[0][:60])
def test_example_query_runs_and_returns_rows(built_region, query):
    with psycopg.connect(built_region.url) as conn:
        rows = conn.execute(query).fetchall()
    assert rows, f"no rows from:\n{query}"
