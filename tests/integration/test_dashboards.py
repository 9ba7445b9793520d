"""The official dashboards in a real Superset and a real browser, on the built test region.

Superset (its own virtualenv, gunicorn) is set up and the bundle imported by
the same code `tsur serve` runs; headless Chromium (Debian's /usr/bin/chromium)
logs in as every demo user, opens every dashboard that user may open, waits
for every chart, and saves a screenshot to test-artefacts/dashboards/. The
numbers are then checked against the warehouse: each chart's data through
Superset's API against the same SQL run on the marts, and the headline figures
against fct_appeals itself.
"""

from __future__ import annotations

import json
import math
import os
import re
import socket
from dataclasses import dataclass

import psycopg
import pytest

from orchestration.settings import PROJECT_ROOT
from orchestration.superset import bundle

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ARTEFACTS = PROJECT_ROOT / "test-artefacts" / "dashboards"
ALL = [dashboard.key for dashboard in bundle.DASHBOARDS]
# Who may open what (superset_dashboards/importer.py).
DASHBOARDS_OF = {
    "admin": ALL,
    "executive": ALL,
    "analyst": ALL,
    "block_owner": ["deadlines", "satisfaction", "problem-categories"],
    "municipality": ["deadlines", "satisfaction"],
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Site:
    warehouse_url: str
    base_url: str
    users: dict  # login -> DemoUser


@pytest.fixture(scope="module")
def site(built_region, tmp_path_factory):
    from orchestration.superset import server
    from orchestration.superset.setup import import_dashboards

    home = tmp_path_factory.mktemp("tsur-home")
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("TSUR_HOME", str(home))
        monkeypatch.setenv("TSUR_SUPERSET_HOME", str(home / "superset"))
        monkeypatch.setenv("TSUR_SUPERSET_PORT", str(_free_port()))
        monkeypatch.setenv("TSUR_DATABASE_URL", built_region.url)
        from orchestration.quality.runner import run_suites
        from orchestration.quality.suites import load_suites

        run_suites(built_region.url, load_suites(), loads="all", trigger="tsur check")  # «Качество данных» reads it
        users = import_dashboards(built_region.url)
        service = server.start_superset(workers=2)
        try:
            yield Site(built_region.url, service.url, {user.login: user for user in users})
        finally:
            server.stop(service)


@pytest.fixture(scope="module")
def rendered(site):
    """Every dashboard each demo user may open, rendered once in Chromium: (login, slug) -> RenderedDashboard."""
    from orchestration.superset.client import Browser

    browser = Browser(site.base_url)
    pages = {}
    try:
        for login, slugs in DASHBOARDS_OF.items():
            page = browser.login(login, site.users[login].password)
            for slug in slugs:
                pages[login, slug] = browser.open_dashboard(page, slug, ARTEFACTS / login / f"{slug}.png")
            page.context.close()
    finally:
        browser.close()
    return pages


def _api(site, login):
    from orchestration.superset.client import ApiClient

    return ApiClient(site.base_url, login, site.users[login].password)


def _chart_ids(site) -> dict[str, int]:
    """Chart title -> id in this Superset (titles are unique in the bundle)."""
    api = _api(site, "admin")
    query = json.dumps({"page_size": 200, "columns": ["id", "slice_name"]})
    return {chart["slice_name"]: chart["id"] for chart in api.get("/api/v1/chart/", q=query)["result"]}


def _chart_id(site, key: str) -> int:
    title = next(chart.title for chart in bundle.charts() if chart.key == key)
    return _chart_ids(site)[title]


def _data(result: dict) -> list[dict]:
    return result["result"][0]["data"]


@pytest.mark.parametrize("login", list(DASHBOARDS_OF))
def test_every_dashboard_renders_every_chart_for_every_role(site, rendered, login):
    for slug in DASHBOARDS_OF[login]:
        page = rendered[login, slug]
        declared = next(d for d in bundle.DASHBOARDS if d.key == slug)
        expected = sum(1 for row in declared.rows for item in row if isinstance(item, bundle.Chart))
        holders = sum(len(row) for row in declared.rows)  # charts and text blocks
        assert page.title == declared.title or declared.title in page.title, (login, slug, page.title)
        assert page.charts_on_page == holders, (login, slug, page.charts_on_page)
        assert page.errors_on_page == [], (login, slug, page.errors_on_page)
        assert page.statuses and set(page.statuses) == {200}, (login, slug, page.statuses)
        assert len(page.results) == expected, (login, slug, sorted(page.results))
        assert page.screenshot.stat().st_size > 20_000


def test_the_dashboards_a_role_may_not_open_are_not_listed(site):
    for login, slugs in DASHBOARDS_OF.items():
        listed = {dashboard["slug"] for dashboard in _api(site, login).dashboards()}
        assert listed == set(slugs), login


def test_every_chart_of_the_governors_summary_shows_data(rendered):
    page = rendered["executive", "governor-summary"]
    empty = [chart_id for chart_id, result in page.results.items() if not _data(result)]
    assert empty == []


def test_chart_data_through_the_api_equals_the_same_sql_on_the_marts(site, rendered):
    """For every chart the executive saw: Superset's numbers = its SQL run straight on the marts (read-only role)."""
    api = _api(site, "executive")
    compared = 0
    for slug in ALL:
        for query_context in rendered["executive", slug].requests:
            if not query_context.get("form_data", {}).get("slice_id"):
                continue  # a filter's list of values
            response = api.chart_data(query_context)
            assert response.status_code == 200, response.text[:500]
            through_api = _data(response.json())
            sql = api.chart_data(query_context, result_type="query").json()["result"][0]["query"]
            with psycopg.connect(site.warehouse_url) as conn:
                cursor = conn.execute(sql)
                names = [column.name for column in cursor.description]
                direct = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
            assert len(through_api) == len(direct), (slug, sql)
            for name in names:
                if all(isinstance(row.get(name), (int, float)) or row.get(name) is None for row in through_api):
                    left = sorted(_number(row.get(name)) for row in through_api)
                    right = sorted(_number(row[name]) for row in direct)
                    assert all(
                        math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9) for a, b in zip(left, right, strict=True)
                    ), (
                        slug,
                        name,
                    )
            compared += 1
    assert compared == len(bundle.charts())


def _number(value) -> float:
    if value is None:
        return -math.inf
    if hasattr(value, "timestamp"):  # a date the API sends as epoch milliseconds
        return value.timestamp() * 1000
    if hasattr(value, "toordinal"):
        return (value.toordinal() - 719163) * 86_400_000.0
    return float(value)


def _scalar(url: str, sql: str, *params):
    with psycopg.connect(url) as conn:
        return conn.execute(sql, params).fetchone()[0]


def test_headline_figures_equal_the_facts(site, rendered):
    """The governor's overdue and open backlogs and the received total equal fct_appeals itself."""
    ids = _chart_ids(site)
    results = rendered["executive", "governor-summary"].results
    overdue = _data(results[ids["Просрочено сейчас"]])[0]["overdue_now"]
    open_now = _data(results[ids["В работе сейчас"]])[0]["open_now"]
    assert overdue == _scalar(site.warehouse_url, "select count(*) from marts.fct_appeals where is_overdue_open")
    assert open_now == _scalar(
        site.warehouse_url, "select count(*) from marts.fct_appeals where not is_answered and not is_rejected"
    )
    weekly = _data(results[ids["Поступило и отвечено по неделям"]])
    assert sum(row["received"] for row in weekly) == _scalar(
        site.warehouse_url, "select count(*) from marts.fct_appeals"
    )


def test_the_quality_dashboard_shows_the_latest_check_results(site, rendered):
    ids = _chart_ids(site)
    results = rendered["executive", "data-quality"].results
    passed = _data(results[ids["Проверок пройдено"]])[0]["passed_share"]
    checks, succeeded = _rows_one(
        site.warehouse_url, "select count(*), count(*) filter (where success) from quality.dq_latest"
    )
    assert checks > 0
    assert math.isclose(passed, succeeded / checks)
    failed = _data(results[ids["Не пройденные проверки (последний результат)"]])
    assert len(failed) == checks - succeeded


def _rows_one(url: str, sql: str):
    with psycopg.connect(url) as conn:
        return conn.execute(sql).fetchone()


def test_the_municipality_user_sees_only_its_municipality(site, rendered):
    user = site.users["municipality"]
    oktmo = _scalar(
        site.warehouse_url,
        "select municipality_oktmo from marts.dim_municipality where municipality_name = %s",
        user.subject,
    )
    ids = _chart_ids(site)
    results = rendered["municipality", "deadlines"].results
    by_municipality = _data(results[ids["Сроки по муниципалитетам"]])
    assert [row["municipality_name"] for row in by_municipality] == [user.subject]
    assert by_municipality[0]["received"] == _scalar(
        site.warehouse_url, "select count(*) from marts.fct_appeals where municipality_oktmo = %s", oktmo
    )
    overdue = _data(results[ids["Просроченный остаток"]])[0]["overdue_now"]
    assert overdue == _scalar(
        site.warehouse_url,
        "select count(*) from marts.fct_appeals where is_overdue_open and municipality_oktmo = %s",
        oktmo,
    )
    listed = _data(results[ids["Просроченные сообщения ПОС (ссылки открывают сообщение в ПОС)"]])
    assert {row["municipality_name"] for row in listed} <= {user.subject}
    assert len(listed) == _scalar(
        site.warehouse_url,
        "select count(*) from marts.fct_appeals where source_kind = 'pos' and is_overdue_open"
        " and municipality_oktmo = %s",
        oktmo,
    )
    # The executive's same chart lists every municipality: the filter is the role's, not the chart's.
    everyone = _data(rendered["executive", "deadlines"].results[ids["Сроки по муниципалитетам"]])
    assert len(everyone) > 1


def test_the_municipality_role_is_denied_what_has_no_row_filter(site):
    """Deny by default: a municipality user cannot read a dataset its role has no row-level filter on."""
    api = _api(site, "municipality")
    executive = _api(site, "executive")
    rendered_query = {
        "datasource": {"id": _dataset_id(executive, "Рейтинг органов власти"), "type": "table"},
        "queries": [{"columns": [], "metrics": [{"expressionType": "SQL", "sqlExpression": "COUNT(*)", "label": "n"}]}],
        "result_format": "json",
        "result_type": "full",
    }
    assert executive.post("/api/v1/chart/data", rendered_query).status_code == 200
    assert api.post("/api/v1/chart/data", rendered_query).status_code in (403, 404)


def _dataset_id(api, name: str) -> int:
    query = json.dumps({"filters": [{"col": "table_name", "opr": "eq", "value": name}], "columns": ["id"]})
    return api.get("/api/v1/dataset/", q=query)["result"][0]["id"]


def test_the_block_owner_sees_only_its_block(site, rendered):
    user = site.users["block_owner"]
    ids = _chart_ids(site)
    by_block = _data(rendered["block_owner", "deadlines"].results[ids["Среднее время до ответа по блокам, ч"]])
    assert [row["block_name"] for row in by_block] == [user.subject]
    problems = _data(rendered["block_owner", "problem-categories"].results[ids[
        "Топ категорий каждого блока за прошлый месяц"
    ]])  # fmt: skip
    assert problems and {row["block_name"] for row in problems} == {user.subject}


def _sql_lab(api, database_id: int, sql: str):
    return api.post(
        "/api/v1/sqllab/execute/",
        {"database_id": database_id, "sql": sql, "runAsync": False, "schema": "marts", "queryLimit": 10},
    )


def _database_id(api) -> int:
    return api.get("/api/v1/database/")["result"][0]["id"]


def test_the_analyst_queries_the_marts_in_sql_lab_but_not_raw(site):
    api = _api(site, "analyst")
    database_id = _database_id(api)
    marts = _sql_lab(api, database_id, "select count(*) as n from marts.agg_appeals_daily")
    assert marts.status_code == 200, marts.text[:500]
    assert marts.json()["data"][0]["n"] > 0
    for sql in ("select count(*) from raw.load_files", "select * from staging.stg_pos__messages limit 1"):
        denied = _sql_lab(api, database_id, sql)
        assert denied.status_code >= 400, denied.text[:500]
        assert "permission denied" in denied.text, denied.text[:500]
    written = _sql_lab(api, database_id, "create table marts.analyst_scratch (x int)")
    assert written.status_code >= 400


def test_the_executive_has_no_sql_lab(site):
    api = _api(site, "executive")
    response = _sql_lab(api, 1, "select 1")
    assert response.status_code in (401, 403), response.text[:300]


def test_the_overdue_list_links_to_the_pos_back_office(site, rendered):
    ids = _chart_ids(site)
    listed = _data(rendered["executive", "deadlines"].results[ids[
        "Просроченные сообщения ПОС (ссылки открывают сообщение в ПОС)"
    ]])  # fmt: skip
    with psycopg.connect(site.warehouse_url) as conn:
        numbers = {row[0] for row in conn.execute(
            "select source_id from marts.fct_appeals where source_kind = 'pos' and is_overdue_open"
        )}  # fmt: skip
    linked = {re.search(r">(\d+)</a>", row["pos_link_html"]).group(1) for row in listed}
    assert linked == numbers
    for row in listed:
        number = re.search(r">(\d+)</a>", row["pos_link_html"]).group(1)
        assert f'href="https://pos.gosuslugi.ru/backoffice/appeals/{number}"' in row["pos_link_html"]


def test_an_invalid_bundle_fails_loudly_and_changes_nothing(site, tmp_path):
    from orchestration.superset.setup import SupersetError, import_dashboards

    broken = tmp_path / "bundle"
    for relative, text in bundle.render().items():
        (broken / relative).parent.mkdir(parents=True, exist_ok=True)
        (broken / relative).write_text(text, encoding="utf-8")
    chart = broken / "charts" / "gov_overdue.yaml"
    chart.write_text(chart.read_text(encoding="utf-8").replace("slice_name:", "slice_nam:"), encoding="utf-8")
    before = len(_chart_ids(site))
    with pytest.raises(SupersetError, match=r"invalid.*gov_overdue\.yaml"):
        import_dashboards(site.warehouse_url, bundle_dir=broken)
    assert len(_chart_ids(site)) == before


def test_screenshots_are_saved_for_every_role(rendered):
    for (login, slug), page in rendered.items():
        assert page.screenshot == ARTEFACTS / login / f"{slug}.png"
        assert page.screenshot.exists()


def test_tsur_serve_starts_superset_and_dagster_prints_where_and_who_and_stops_them(site, tmp_path):
    import subprocess
    import sys
    import urllib.request
    from pathlib import Path

    # Its own home for pid files and logs (the site's Superset keeps its own); the same Superset home.
    env = {
        **os.environ,
        "TSUR_HOME": str(tmp_path),
        "TSUR_SUPERSET_PORT": str(_free_port()),
        "TSUR_DAGSTER_PORT": str(_free_port()),
    }
    tsur = str(Path(sys.executable).with_name("tsur"))
    started = subprocess.run(
        [tsur, "serve", "--detach", "--no-import"], env=env, capture_output=True, text=True, timeout=600, check=False
    )
    try:
        assert started.returncode == 0, started.stdout[-3000:] + started.stderr[-3000:]
        superset_url = f"http://127.0.0.1:{env['TSUR_SUPERSET_PORT']}"
        dagster_url = f"http://127.0.0.1:{env['TSUR_DAGSTER_PORT']}"
        assert f"{superset_url}/superset/dashboard/governor-summary/" in started.stdout
        assert dagster_url in started.stdout
        for login in DASHBOARDS_OF:
            assert login in started.stdout and site.users[login].password in started.stdout
        for url in (f"{superset_url}/health", f"{dagster_url}/server_info"):
            with urllib.request.urlopen(url, timeout=10) as response:
                assert response.status == 200
    finally:
        stopped = subprocess.run([tsur, "serve", "--stop"], env=env, capture_output=True, text=True, timeout=120)
    assert "superset: stopped" in stopped.stdout and "dagster: stopped" in stopped.stdout, stopped.stdout
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{superset_url}/health", timeout=5)
