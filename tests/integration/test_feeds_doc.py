"""docs/feeds.md's worked example works as written: a new feed from one mapping file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from orchestration.ingest.loader import load_file
from orchestration.ingest.mapping import parse_mapping

pytestmark = pytest.mark.integration

DOC = Path(__file__).parents[2] / "docs" / "feeds.md"


def _blocks(text: str) -> list[str]:
    return [re.sub(r"^ {3}", "", b, flags=re.M) for b in re.findall(r"```\w*\n(.*?)```", text, flags=re.S)]


def test_the_worked_example_onboards_the_hotline_file(conn, tmp_path):
    text = DOC.read_text(encoding="utf-8")
    example = text[text.index("## Worked example") :]
    blocks = _blocks(example)
    sample = next(b for b in blocks if b.startswith("№ обращения"))
    mapping_text = next(b for b in blocks if b.startswith("feed: city_hotline"))
    mapping_path = tmp_path / "city_hotline.yml"
    mapping_path.write_text(mapping_text, encoding="utf-8")
    data = tmp_path / "hotline_2026-11-20.csv"
    data.write_text(sample.replace("\n", "\r\n"), encoding="cp1251")  # "saved from Excel"

    result = load_file(conn, data, parse_mapping(mapping_path))

    assert (result.status, result.rows_read, result.rows_loaded, result.rows_quarantined) == ("loaded", 2, 2, 0)
    rows = conn.execute(
        "select source_id, channel, status, source_status, rating, region_name, _exported_at::date::text "
        "from raw.regional_appeals order by source_id"
    ).fetchall()
    assert rows == [
        ("ГЛ-1042", "hotline", "closed", "Закрыт", 5, "Брянская область", "2026-11-20"),
        ("ГЛ-1043", "hotline", "in_work", "В работе", None, "Брянская область", "2026-11-20"),
    ]
