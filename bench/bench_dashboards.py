"""Every chart of the official dashboards: how long Superset takes to answer it, against the same SQL on PostgreSQL.

A Superset of its own (a temporary home, a free port, gunicorn as `tsur serve` runs it) is set up on
the warehouse at ``--database-url`` and the bundle imported. Headless Chromium opens each dashboard as
the admin and records the query each chart posts (the exact payload the browser sends). Each chart is
then measured ``--repeat`` times, alternating:

* ``superset_api``: ``POST /api/v1/chart/data`` with that payload and ``force`` (no cache): Superset's
  whole path — permissions, row-level security, SQL generation, the query, post-processing, JSON;
* ``postgres_sql`` (the baseline): the SQL Superset generated for it (``result_type=query``) run
  straight on PostgreSQL with psycopg — the query alone.

Medians are kept (all runs listed). Target (issue 5): every chart answers in under one second on a
five-region-year warehouse. The figures go to ``--out`` (bench/results/dashboards.json) with the
warehouse's size, so a result on a smaller warehouse says so.

    python bench/bench_dashboards.py [--database-url URL] [--read-only] [--repeat 5] [--out FILE]

``--read-only``: Superset reads as the URL's own user and nothing is written to that warehouse (no
role is created); use it on a warehouse someone else owns. Without ``--database-url`` the bench uses
tsur's own warehouse (``tsur db url``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from orchestration.db.connection import redact  # noqa: E402
from orchestration.superset import bundle  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "dashboards.json"
TARGET_SECONDS = 1.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _warehouse_size(url: str) -> dict:
    with psycopg.connect(url) as conn:
        row = conn.execute(
            """
            select
                (select count(*) from marts.fct_appeals),
                (select count(distinct region_code) from marts.fct_appeals),
                (select count(*) from marts.agg_appeals_daily),
                (select min(received_date)::text from marts.fct_appeals),
                (select max(received_date)::text from marts.fct_appeals)
            """
        ).fetchone()
    keys = ["appeals", "regions", "agg_appeals_daily_rows", "first_day", "last_day"]
    return dict(zip(keys, row, strict=True))


def _capture(base_url: str, password: str, shots: Path) -> dict[str, list[dict]]:
    """Each dashboard's chart queries, as the browser posts them (admin: every chart)."""
    from orchestration.superset.client import Browser

    browser = Browser(base_url)
    captured = {}
    try:
        page = browser.login("admin", password)
        for dashboard in bundle.DASHBOARDS:
            rendered = browser.open_dashboard(page, dashboard.key, shots / f"{dashboard.key}.png")
            captured[dashboard.key] = [
                request for request in rendered.requests if request.get("form_data", {}).get("slice_id")
            ]
            print(f"  {dashboard.title}: {len(captured[dashboard.key])} charts, page {rendered.seconds:.1f} s")
    finally:
        browser.close()
    return captured


def _measure(api, conn, query_context: dict, repeat: int) -> dict:
    sql = api.chart_data(query_context, result_type="query").json()["result"][0]["query"]
    api_runs, sql_runs, rows = [], [], None
    for _ in range(repeat):
        started = time.perf_counter()
        response = api.chart_data(query_context)
        api_runs.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise RuntimeError(f"chart data failed ({response.status_code}): {response.text[:300]}")
        rows = response.json()["result"][0]["rowcount"]
        started = time.perf_counter()
        conn.execute(sql).fetchall()
        sql_runs.append(time.perf_counter() - started)
    return {
        "rows": rows,
        "superset_api_seconds": round(statistics.median(api_runs), 4),
        "postgres_sql_seconds": round(statistics.median(sql_runs), 4),
        "runs": {"superset_api": [round(x, 4) for x in api_runs], "postgres_sql": [round(x, 4) for x in sql_runs]},
        "sql": sql,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="the warehouse (default: tsur's own, `tsur db url`)")
    parser.add_argument("--read-only", action="store_true", help="read as the URL's user; write nothing there")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--label", default="", help="what warehouse this is, for the results file")
    args = parser.parse_args()

    from orchestration.db.connection import database_url
    from orchestration.superset import server
    from orchestration.superset.client import ApiClient
    from orchestration.superset.setup import credentials, import_dashboards

    url = args.database_url or database_url()
    size = _warehouse_size(url)
    print(f"warehouse {redact(url)}: {size}")
    work = Path(tempfile.mkdtemp(prefix="tsur-bench-dashboards-"))
    os.environ.update(
        TSUR_HOME=str(work),
        TSUR_SUPERSET_HOME=str(work / "superset"),
        TSUR_SUPERSET_PORT=str(_free_port()),
    )
    import_dashboards(url, reader_url=url if args.read_only else None)
    service = server.start_superset(workers=2)
    try:
        password = credentials().users["admin"]
        captured = _capture(service.url, password, work / "screenshots")
        api = ApiClient(service.url, "admin", password)
        charts = []
        with psycopg.connect(url, autocommit=True) as conn:
            for slug, contexts in captured.items():
                for context in contexts:
                    title = _title_of(api, context["form_data"]["slice_id"])
                    result = {"dashboard": slug, "chart": title, **_measure(api, conn, context, args.repeat)}
                    charts.append(result)
                    print(
                        f"  {result['superset_api_seconds']:7.3f} s api  {result['postgres_sql_seconds']:7.3f} s sql"
                        f"  {result['rows']:>6} rows  {slug} / {title}"
                    )
    finally:
        server.stop(service)

    slowest = max(charts, key=lambda chart: chart["superset_api_seconds"])
    report = {
        "benchmark": "every chart of the official dashboards through Superset's chart-data API (force, no cache)",
        "baseline": "postgres_sql: the SQL Superset generated for the chart, run straight on PostgreSQL (psycopg)",
        "warehouse": {"label": args.label, "url": redact(url), **size},
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "load_average": os.getloadavg()},
        "repeat": args.repeat,
        "target_seconds": TARGET_SECONDS,
        "charts_measured": len(charts),
        "charts_over_target": [f"{c['dashboard']} / {c['chart']}" for c in charts if c["superset_api_seconds"] >= 1],
        "slowest": {
            key: slowest[key] for key in ("dashboard", "chart", "superset_api_seconds", "postgres_sql_seconds")
        },
        "median_superset_api_seconds": round(statistics.median(c["superset_api_seconds"] for c in charts), 4),
        "median_postgres_sql_seconds": round(statistics.median(c["postgres_sql_seconds"] for c in charts), 4),
        "meets_target": all(chart["superset_api_seconds"] < TARGET_SECONDS for chart in charts),
        "charts": charts,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(
        f"{len(charts)} charts; slowest {slowest['superset_api_seconds']:.3f} s ({slowest['chart']}); "
        f"meets the 1 s target: {report['meets_target']}; written to {args.out}"
    )


_TITLES: dict[int, str] = {}


def _title_of(api, chart_id: int) -> str:
    if chart_id not in _TITLES:
        _TITLES[chart_id] = api.get(f"/api/v1/chart/{chart_id}")["result"]["slice_name"]
    return _TITLES[chart_id]


if __name__ == "__main__":
    main()
