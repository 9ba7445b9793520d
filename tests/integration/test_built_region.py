"""The session's built region: every appeal of the generated files reaches the canonical appeal model."""

from __future__ import annotations

import psycopg
import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_every_generated_appeal_is_conformed(built_region):
    with psycopg.connect(built_region.url) as conn:
        by_source = dict(
            conn.execute("select source_kind, count(*) from intermediate.int_appeals__unioned group by 1").fetchall()
        )
    assert by_source == built_region.files.appeals
