"""The dashboards bundle: committed as generated, Russian, no secret, marts only, and the exposures say so."""

from __future__ import annotations

import re
import runpy
import stat

import yaml

from orchestration.settings import DBT_PROJECT_DIR, PROJECT_ROOT
from orchestration.superset import bundle

CYRILLIC = re.compile("[а-яА-ЯёЁ]")
APPEAL_FILTERS = {"Период", "Блок", "Орган власти", "Муниципалитет", "Канал"}


def _files() -> dict[str, dict]:
    return {path: yaml.safe_load(text) for path, text in bundle.render().items()}


def test_the_committed_bundle_is_what_the_declarations_generate():
    generated = bundle.render()
    committed = {
        path.relative_to(bundle.BUNDLE_DIR).as_posix(): path.read_text(encoding="utf-8")
        for path in bundle.BUNDLE_DIR.rglob("*.yaml")
    }
    stale = sorted(path for path in generated.keys() | committed.keys() if generated.get(path) != committed.get(path))
    assert stale == [], f"run `make dashboards` and commit superset_dashboards/bundle: {stale}"


def test_the_bundle_has_the_seven_official_dashboards_in_its_export_layout():
    files = _files()
    assert files["metadata.yaml"]["type"] == "Dashboard"
    titles = {data["dashboard_title"] for path, data in files.items() if path.startswith("dashboards/")}
    assert titles == {
        "Сводка для Губернатора",
        "Сроки рассмотрения",
        "Удовлетворенность",
        "Проблемные категории",
        "Рейтинг органов власти и муниципалитетов",
        "Дорожная карта и показатели",
        "Качество данных",
    }
    assert {path.split("/")[0] for path in files} == {"metadata.yaml", "databases", "datasets", "charts", "dashboards"}


def test_no_password_or_secret_is_in_the_bundle():
    text = "\n".join(bundle.render().values())
    database = _files()[bundle.DATABASE_FILE]
    assert database["sqlalchemy_uri"].split("@")[0].endswith(":XXXXXXXXXX")
    assert "password" not in text.lower()
    assert "secret" not in text.lower()


def test_every_title_label_axis_and_filter_is_russian():
    files = _files()
    charts = bundle.charts()
    assert len({chart.title for chart in charts}) == len(charts), "chart titles are unique (tests find charts by them)"
    for chart in charts:
        assert CYRILLIC.search(chart.title), chart.key
        for key in ("x_axis_title", "y_axis_title", "subheader", "compare_suffix"):
            if chart.params.get(key):
                assert CYRILLIC.search(chart.params[key]), (chart.key, key)
    for path, data in files.items():
        if path.startswith("datasets/"):
            for column in data["columns"]:
                assert CYRILLIC.search(column["verbose_name"]), (path, column["column_name"])
            for metric in data["metrics"]:
                assert CYRILLIC.search(metric["verbose_name"]), (path, metric["metric_name"])
        if path.startswith("dashboards/"):
            for native_filter in data["metadata"]["native_filter_configuration"]:
                assert CYRILLIC.search(native_filter["name"]), (path, native_filter["name"])


def test_the_appeal_dashboards_filter_by_period_block_agency_municipality_and_channel():
    for dashboard in bundle.DASHBOARDS:
        assert "Период" in dashboard.filters, dashboard.key
        if any(isinstance(i, bundle.Chart) and i.dataset == "appeals_daily" for row in dashboard.rows for i in row):
            assert set(dashboard.filters) == APPEAL_FILTERS, dashboard.key


def _tables_read(dataset: bundle.Dataset) -> set[str]:
    """The marts a dataset reads (dbt models; the quality schema is not dbt's and has no exposure ref)."""
    if dataset.sql:
        return set(re.findall(r"\bmarts\.(\w+)", dataset.sql))
    return {dataset.table} if dataset.schema == "marts" else set()


def test_dashboards_read_the_aggregates_and_dimensions_never_the_facts_or_raw():
    allowed_facts = {"fct_overdue_pos_appeals", "fct_load_files", "fct_roadmap_events"}  # small, made for them
    assert {d.schema for d in bundle.DATASETS} == {"marts", "quality"}
    assert {d.table for d in bundle.DATASETS if d.schema == "quality"} == {"dq_latest"}  # ids only (issue 4)
    for dataset in bundle.DATASETS:
        for table in _tables_read(dataset):
            assert table.startswith(("agg_", "dim_")) or table in allowed_facts, (dataset.key, table)
        if dataset.sql:
            assert not re.search(r"\b(raw|staging|intermediate)\.", dataset.sql), dataset.key


def test_the_dbt_exposures_name_each_dashboards_url_and_exactly_the_marts_it_reads():
    exposures = yaml.safe_load((DBT_PROJECT_DIR / "models" / "marts" / "_marts__exposures.yml").read_text())
    by_url = {e.get("url"): e for e in exposures["exposures"] if e["type"] == "dashboard"}
    for dashboard in bundle.DASHBOARDS:
        exposure = by_url[f"http://127.0.0.1:8088/superset/dashboard/{dashboard.key}/"]
        assert exposure["label"] == dashboard.title
        datasets = {i.dataset for row in dashboard.rows for i in row if isinstance(i, bundle.Chart)}
        read = set().union(*(_tables_read(bundle.DATASETS_BY_KEY[key]) for key in datasets))
        declared = {re.fullmatch(r"ref\('(\w+)'\)", ref).group(1) for ref in exposure["depends_on"]}
        assert declared == read, dashboard.key


def test_superset_config_is_russian_offline_and_keeps_its_secret_key_out_of_the_repository(tmp_path, monkeypatch):
    monkeypatch.setenv("TSUR_SUPERSET_HOME", str(tmp_path))
    monkeypatch.delenv("SUPERSET_SECRET_KEY", raising=False)
    config = runpy.run_path(str(PROJECT_ROOT / "superset_dashboards" / "superset_config.py"))
    assert config["BABEL_DEFAULT_LOCALE"] == "ru"
    key_file = tmp_path / "secret_key"
    assert config["SECRET_KEY"] == key_file.read_text() and len(config["SECRET_KEY"]) >= 40
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert (
        runpy.run_path(str(PROJECT_ROOT / "superset_dashboards" / "superset_config.py"))["SECRET_KEY"]
        == config["SECRET_KEY"]
    )  # kept, not regenerated
    assert config["SQLALCHEMY_DATABASE_URI"].startswith(f"sqlite:///{tmp_path}")
    policy = config["TALISMAN_CONFIG"]["content_security_policy"]
    for directive in ("default-src", "img-src", "connect-src", "font-src"):
        assert all(not source.startswith(("http", "https")) for source in policy[directive]), directive
    assert config["FEATURE_FLAGS"]["ALLOW_ADHOC_SUBQUERY"] is False
