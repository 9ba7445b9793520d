"""The suites in expectations/: every file loads, and a broken one stops with the file and the expectation named."""

from __future__ import annotations

import json

import pytest

from orchestration.quality.suites import SEVERITIES, SuiteError, load_suites, parse_suite


def test_every_committed_suite_loads_with_a_severity_and_a_description():
    suites = load_suites()
    tables = {s.table for s in suites}
    assert {"raw.pos_messages", "raw.im_incidents", "raw.regional_appeals"} <= tables
    assert {"intermediate.int_appeals__unioned", "marts.agg_appeals_daily", "marts.dim_calendar"} <= tables
    for suite in suites:
        assert suite.expectations, suite.path
        for spec in suite.expectations:
            assert spec.severity in SEVERITIES and spec.description, (suite.path, spec.index)
        if suite.layer == "raw":
            assert suite.scope == "loads", suite.path  # raw suites judge the new loads, not all history


def test_reference_lists_come_from_the_seeds():
    pos = next(s for s in load_suites() if s.table == "raw.pos_messages")
    categories = next(e for e in pos.expectations if e.kwargs.get("column") == "category").kwargs["value_set"]
    assert "Медицина" in categories and "*" not in categories


def _write(tmp_path, expectations):
    path = tmp_path / "raw" / "pos_messages.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {"table": "raw.pos_messages", "asset": ["raw", "pos_messages"], "expectations": expectations}
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    return path


def test_an_unknown_expectation_type_names_the_file_and_the_expectation(tmp_path):
    good = {
        "type": "expect_column_values_to_not_be_null",
        "kwargs": {"column": "pos_number"},
        "meta": {"severity": "critical", "description": "ids"},
    }
    bad = {"type": "expect_the_moon", "kwargs": {}, "meta": {"severity": "warning", "description": "moon"}}
    path = _write(tmp_path, [good, bad])
    with pytest.raises(
        SuiteError, match=r"pos_messages\.json: expectation #2 \(expect_the_moon\).*no expectation type"
    ):
        parse_suite(path)


def test_a_missing_severity_is_an_error(tmp_path):
    item = {
        "type": "expect_column_values_to_not_be_null",
        "kwargs": {"column": "pos_number"},
        "meta": {"description": "ids"},
    }
    with pytest.raises(SuiteError, match=r"expectation #1 \(expect_column_values_to_not_be_null\): meta\.severity"):
        parse_suite(_write(tmp_path, [item]))


def test_wrong_arguments_are_an_error(tmp_path):
    item = {
        "type": "expect_column_values_to_be_between",
        "kwargs": {"colum": "rating"},
        "meta": {"severity": "critical", "description": "ratings"},
    }
    with pytest.raises(SuiteError, match=r"expectation #1 .*wrong arguments"):
        parse_suite(_write(tmp_path, [item]))


def test_every_suite_is_a_blocking_check_on_its_asset():
    from dagster import AssetKey

    from orchestration.definitions import defs
    from orchestration.quality.checks import check_name

    graph = defs.resolve_asset_graph()
    checks = {(key.asset_key, key.name): key for key in graph.asset_check_keys}
    for suite in load_suites():
        asset = AssetKey(list(suite.asset))
        assert asset in graph.get_all_asset_keys(), suite.path
        key = checks[(asset, check_name(suite))]
        assert graph.get_check_spec(key).blocking, suite.path
