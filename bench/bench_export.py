"""Exporting a month: the package of every region of a warehouse, against the SQL extraction alone.

Runs against an existing, built warehouse given by its URL, **read-only**: the
packages are written to a temporary outbox and ``record=False`` keeps them out
of ``exports.packages``, so a shared benchmark warehouse is never written to.

* ``package`` — what ``tsur export --period <month>`` does for each region:
  the quality gate, the data's as-of, the six tables' queries on the marts,
  CSV and XLSX writing, hashes, manifest, the revision folder;
* ``report`` — the governor's weekly report (PDF) of the month's last full
  week, for each region;
* ``sql_extraction`` (the baseline) — the same six queries, rows fetched,
  nothing formatted or written: what the package costs over reading the marts.

Each is run ``--repeat`` times, alternating, and the median is kept (all runs
are listed): the machine is shared. The packages of two runs are compared
byte for byte (``byte_identical``). Results go to ``--out`` and are printed.

    python bench/bench_export.py --url postgresql://… [--period 2026-06] [--regions BRY,IRK] \
        [--run-results target/run_results.json] [--label five-region-year] [--out bench/results/export.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from orchestration.db.connection import redact  # noqa: E402
from orchestration.exports.package import build_package, period_rows  # noqa: E402
from orchestration.exports.periods import containing, parse_period  # noqa: E402
from orchestration.exports.report import write_report  # noqa: E402
from orchestration.exports.tables import tables_for  # noqa: E402

TARGET_SECONDS = 10.0  # "export of a five-region-year month in seconds"


def _machine() -> dict:
    import os

    return {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()}


def _sql_extraction(conn, regions, period) -> int:
    rows = 0
    for region in regions:
        for table in tables_for(period.kind):
            rows += len(period_rows(conn, table, region, period))
    return rows


def _packages(conn, regions, period, outbox: Path, run_results) -> dict[str, dict[str, bytes]]:
    built = {}
    for region in regions:
        package = build_package(conn, region, period, outbox, run_results=run_results, record=False)
        built[region] = {p.name: p.read_bytes() for p in sorted(package.path.iterdir())}
    return built


def _reports(conn, regions, period, outbox: Path) -> None:
    last_week = containing("weekly", period.end - timedelta(days=6))
    if last_week.end > period.end:
        last_week = last_week.previous()
    for region in regions:
        write_report(conn, region, last_week, outbox)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="A built warehouse (read-only use).")
    parser.add_argument("--period", default=None, help="A month, e.g. 2026-06; default: the newest complete one.")
    parser.add_argument("--regions", default=None, help="Comma-separated; default: every region with data.")
    parser.add_argument("--run-results", type=Path, default=None, help="dbt run_results.json of that build.")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--label", default="warehouse", help="What the warehouse is, for the results file.")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "export.json")
    args = parser.parse_args()

    with psycopg.connect(args.url) as conn:
        conn.read_only = True
        volumes = dict(
            conn.execute(
                "select region_code, count(*) from marts.fct_appeals "
                "where region_code is not null group by 1 order by 1"
            ).fetchall()
        )
        regions = args.regions.upper().split(",") if args.regions else list(volumes)
        if args.period:
            period = parse_period(args.period, "monthly")
        else:
            newest = conn.execute(
                "select max(period_start) from marts.agg_appeals_by_period "
                "where period_grain = 'month' and dimension = 'region' and is_period_complete"
            ).fetchone()[0]
            period = containing("monthly", newest)
        runs: dict[str, list[float]] = {"sql_extraction": [], "package": [], "report": []}
        outputs = []
        extracted = 0
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory(prefix="tsur-bench-export-") as folder:
                started = time.perf_counter()
                extracted = _sql_extraction(conn, regions, period)
                runs["sql_extraction"].append(time.perf_counter() - started)
                started = time.perf_counter()
                outputs.append(_packages(conn, regions, period, Path(folder) / "outbox", args.run_results))
                runs["package"].append(time.perf_counter() - started)
                started = time.perf_counter()
                _reports(conn, regions, period, Path(folder) / "outbox")
                runs["report"].append(time.perf_counter() - started)
            conn.rollback()  # read-only: end each round's transaction
    medians = {name: statistics.median(values) for name, values in runs.items()}
    files = {region: {name: len(data) for name, data in built.items()} for region, built in outputs[0].items()}
    result = {
        "benchmark": "bench_export",
        "label": args.label,
        "warehouse": redact(args.url),
        "regions": regions,
        "appeals_in_warehouse": volumes,
        "period": period.label,
        "rows_extracted": extracted,
        "repeat": args.repeat,
        "seconds_median": {k: round(v, 3) for k, v in medians.items()},
        "seconds_all": {k: [round(x, 3) for x in v] for k, v in runs.items()},
        "package_over_extraction": round(medians["package"] / medians["sql_extraction"], 2),
        "byte_identical": all(o == outputs[0] for o in outputs[1:]),
        "package_bytes": files,
        "target_seconds": TARGET_SECONDS,
        "meets_target": medians["package"] <= TARGET_SECONDS,
        "machine": _machine(),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(
        f"{args.label}: {len(regions)} region(s), {sum(volumes.get(r, 0) for r in regions):,} appeals, {period.label}"
    )
    for name, value in medians.items():
        print(f"  {name:15} {value:7.2f} s (median of {args.repeat})")
    print(f"  package / extraction: {result['package_over_extraction']}×; byte-identical: {result['byte_identical']}")
    print(f"  written to {args.out}")


if __name__ == "__main__":
    main()
