"""The agg_* marts over a region-year (500 000 appeals): what each costs to build from fct_appeals.

A fresh embedded server (a free port); Брянская область generated for 12 months from 2025-11-01
(seed 42), loaded, seeded and built up to ``marts.fct_appeals`` (``dbt build --select
+fct_appeals`` without tests; the fact's own time is recorded as context). The aggregates are then
compiled by dbt and each is measured as ``create table marts.<name> as <its compiled SQL>``, in
dependency order, with the ``work_mem`` its pre_hook sets, in one session, so the figure is the
model's own cost (no dbt start-up):

* ``agg_appeals_daily``, ``agg_appeals_by_period``, ``agg_appeal_times_by_period``,
  ``agg_problem_categories``, ``agg_catch_all_breakdown``;
* ``group_by_day`` (the baseline, a floor): appeals counted per local day and block, one GROUP BY
  over fct_appeals, the cheapest aggregate there is.

Wall seconds and the server process's CPU seconds (parallel workers excluded) are recorded. Each
measurement runs ``--repeat`` times, alternating, and the median is kept (all runs are listed): the
machine is shared. Results go to bench/results/aggregates.json and are printed.

    python bench/bench_aggregates.py [--appeals 500000] [--repeat 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from orchestration.db import embedded  # noqa: E402
from orchestration.db.connection import dbt_env  # noqa: E402
from orchestration.db.schema import bootstrap  # noqa: E402
from orchestration.generate import generate_region  # noqa: E402
from orchestration.ingest.loader import load_file, plan_files  # noqa: E402
from orchestration.ingest.mapping import load_mappings  # noqa: E402
from orchestration.settings import DBT_PROJECT_DIR  # noqa: E402
from orchestration.warehouse.project import dbt_executable  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "aggregates.json"
MODELS = {
    "agg_appeals_daily": "appeal_stats",
    "agg_appeals_by_period": "appeal_stats",
    "agg_appeal_times_by_period": "appeal_stats",
    "agg_problem_categories": "problems",
    "agg_catch_all_breakdown": "problems",
}
BASELINE = "select received_date, block_code, count(*) as n from marts.fct_appeals group by received_date, block_code"
TARGET_SECONDS = 10.0  # "the aggregates must build in seconds for a region-year"


def _free_port() -> int:
    """A port nobody listens on (other benchmarks on this machine use fixed ones)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _dbt(url: str, target: Path, *args: str) -> None:
    result = subprocess.run(
        [dbt_executable(), *args, "--target-path", str(target), "--log-path", str(target)],
        cwd=DBT_PROJECT_DIR,
        env={**os.environ, **dbt_env(url), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"dbt {args[0]} failed:\n{result.stdout[-4000:]}{result.stderr[-2000:]}")


def _prepare(url: str, work: Path, appeals: int) -> dict:
    """Generate, load and build up to fct_appeals, unless a kept database already has it."""
    with psycopg.connect(url) as conn:
        built = conn.execute("select to_regclass('marts.fct_appeals') is not null").fetchone()[0]
        if built and conn.execute("select count(*) from marts.fct_appeals").fetchone()[0] > 0:
            return {"reused": True}
    files = work / "files"
    if not (files / "manifest.json").exists():
        generate_region("BRY", appeals, date(2025, 11, 1), 12, 42, files)
    planned, _ = plan_files([files], load_mappings())
    with psycopg.connect(url) as conn:
        bootstrap(conn)
        for path, mapping in planned:
            load_file(conn, path, mapping)
    target = work / "target-prepare"
    _dbt(url, target, "seed")
    _dbt(url, target, "build", "--select", "+fct_appeals", "--exclude", "resource_type:test")  # snapshots too
    results = json.loads((target / "run_results.json").read_text())["results"]
    fct = next(r for r in results if r["unique_id"].endswith(".fct_appeals"))
    return {"reused": False, "fct_appeals_seconds": round(fct["execution_time"], 1)}


def _compiled(url: str, work: Path) -> dict[str, tuple[str, str | None]]:
    """Each aggregate's compiled SELECT and the `set local` statement of its pre_hook (if any)."""
    target = work / "target-compile"
    _dbt(url, target, "compile", "--select", *MODELS)
    manifest = json.loads((target / "manifest.json").read_text())
    out = {}
    for name, folder in MODELS.items():
        node = next(n for n in manifest["nodes"].values() if n["resource_type"] == "model" and n["name"] == name)
        hooks = [h["sql"] for h in node["config"].get("pre-hook", [])]
        sql = (target / "compiled" / "tsur" / "models" / "marts" / folder / f"{name}.sql").read_text()
        out[name] = (sql, hooks[0].replace("set local", "set") if hooks else None)
    return out


def _cpu_seconds(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _measure(
    conn: psycopg.Connection, pid: int, table: str, sql: str, setting: str | None
) -> tuple[float, float | None, int]:
    """Build ``table`` from ``sql`` as dbt would (later aggregates read earlier ones), timed."""
    conn.execute("reset work_mem")
    if setting:
        conn.execute(setting)
    conn.execute(f"drop table if exists {table}")
    cpu_before, started = _cpu_seconds(pid), time.perf_counter()
    conn.execute(f"create table {table} as {sql}")
    wall, cpu_after = time.perf_counter() - started, _cpu_seconds(pid)
    rows = conn.execute(f"select count(*) from {table}").fetchone()[0]
    cpu = round(cpu_after - cpu_before, 2) if cpu_before is not None and cpu_after is not None else None
    return wall, cpu, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--appeals", type=int, default=500_000, help="appeals in the region-year")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="keep the generated files and the database here (reused next time)")
    args = parser.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="tsur-bench-aggregates-"))
    work.mkdir(parents=True, exist_ok=True)
    pgdata, port = work / "pgdata", _free_port()
    embedded.start(pgdata, port)
    admin = f"postgresql://{embedded.SUPERUSER}@127.0.0.1:{port}/postgres"
    url = admin.rsplit("/", 1)[0] + "/bench_aggregates"
    try:
        with psycopg.connect(admin, autocommit=True) as conn:
            if not conn.execute("select 1 from pg_database where datname = 'bench_aggregates'").fetchone():
                conn.execute("create database bench_aggregates")
        prepared = _prepare(url, work, args.appeals)
        models = _compiled(url, work)
        runs: dict[str, list] = {"group_by_day": [], **{name: [] for name in models}}
        load = [os.getloadavg()[0]]
        with psycopg.connect(url, autocommit=True) as conn:
            appeals = conn.execute("select count(*) from marts.fct_appeals").fetchone()[0]
            pid = conn.execute("select pg_backend_pid()").fetchone()[0]
            for _ in range(args.repeat):
                runs["group_by_day"].append(_measure(conn, pid, "bench_group_by_day", BASELINE, None))
                for name, (sql, setting) in models.items():  # in dependency order
                    runs[name].append(_measure(conn, pid, f"marts.{name}", sql, setting))
                load.append(os.getloadavg()[0])
    finally:
        embedded.stop(pgdata)
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)

    measured = {
        name: {
            "seconds": round(statistics.median(r[0] for r in results), 2),
            "cpu_seconds": statistics.median(r[1] for r in results) if all(r[1] is not None for r in results) else None,
            "rows": results[0][2],
            "all_seconds": [round(r[0], 2) for r in results],
        }
        for name, results in runs.items()
    }
    total = round(sum(m["seconds"] for name, m in measured.items() if name in MODELS), 1)
    report = {
        "benchmark": "the agg_* marts built from marts.fct_appeals of a region-year",
        "baseline": "group_by_day",
        "parameters": {"region": "BRY", "appeals": args.appeals, "months": 12, "start": "2025-11-01", "seed": 42},
        "appeals_in_fct": appeals,
        "prepared": prepared,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average_1min": load,
        },
        "repeat": args.repeat,
        "runs": measured,
        "aggregates_total_seconds": total,
        "target_seconds": TARGET_SECONDS,
        "meets_target": total <= TARGET_SECONDS,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"{appeals:,} appeals in fct_appeals; load average {', '.join(f'{x:.1f}' for x in load)}")
    for name, m in measured.items():
        print(f"  {name:<28} {m['seconds']:>6.2f} s  (cpu {m['cpu_seconds']} s)  {m['rows']:>8,} rows")
    print(f"aggregates total {total} s (target ≤ {TARGET_SECONDS} s); results in {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
