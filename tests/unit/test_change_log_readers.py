"""The change logs' reader lists name every model that reads them.

A log's rows are pruned once every listed reader has read them
(macros/incremental_aggregates.sql, macros/incremental_consumers.sql), so a
reader missing from its list would lose rows it has not read yet.
"""

from __future__ import annotations

import re
from pathlib import Path

DBT = Path(__file__).resolve().parents[2] / "dbt_project"


def _listed(macro_file: str, macro: str) -> set[str]:
    text = (DBT / "macros" / macro_file).read_text(encoding="utf-8")
    body = re.search(r"{% macro " + macro + r"\(.*?\) %}(.*?){% endmacro %}", text, re.S).group(1)
    return set(re.findall(r"'(\w+)'", re.search(r"\[(.*?)\]", body, re.S).group(1)))


def _models_calling(*calls: str) -> set[str]:
    return {
        path.stem
        for path in (DBT / "models").rglob("*.sql")
        if any(call in path.read_text(encoding="utf-8") for call in calls)
    }


def test_appeal_change_log_readers_are_the_models_reading_it() -> None:
    # the aggregates kept by cell read the log through their shared config
    macros = (DBT / "macros" / "incremental_aggregates.sql").read_text(encoding="utf-8")
    config = re.search(r"{% macro appeal_cells_config\(.*?\) %}(.*?){% endmacro %}", macros, re.S).group(1)
    assert "prepare_appeal_changes(" in config
    readers = _models_calling("prepare_appeal_changes(", "appeal_cells_config(")
    assert readers, "no model reads fct_appeals' change log"
    assert _listed("incremental_aggregates.sql", "appeal_change_log_readers") == readers


def test_agg_appeals_daily_log_readers_are_the_models_reading_it() -> None:
    readers = _models_calling("changed_days_mode('agg_appeals_daily')")
    assert readers, "no model reads agg_appeals_daily's change log"
    assert _listed("incremental_consumers.sql", "change_log_readers") == readers
