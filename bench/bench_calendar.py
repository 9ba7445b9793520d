"""Working-time functions over 500 000 appeals: what one call column costs fct_appeals.

A fresh embedded server and database; ``dbt build --select +dim_calendar`` (the seeds and the model);
a table of 500 000 synthetic appeals (five regions, received at random moments over 2025–2026, answered
up to 20 days later; ``setseed`` makes it the same every run). Each measurement is
``create temp table as select <one column> from appeals`` without parallel workers, so it is the cost of
one column of a model:

* ``macro`` — the SQL the dbt macros render (macros/calendar/), as models use it;
* ``function`` — the same SQL as the PostgreSQL functions marts.<name>() analysts call;
* ``add_calendar_days`` (the baseline, a floor) — ``received_at + 7 days``, no lookup: writing the column.

Each measurement runs ``--repeat`` times, alternating, and the median is kept (all times are listed): the
machine is shared with other engineers' tests. Results go to bench/results/calendar.json and are printed.

    python bench/bench_calendar.py [--rows 500000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from orchestration.db import embedded  # noqa: E402
from orchestration.db.connection import dbt_env  # noqa: E402
from orchestration.settings import DBT_PROJECT_DIR  # noqa: E402
from orchestration.warehouse.project import dbt_executable  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "calendar.json"
TARGET_SECONDS = 3.0  # "well under a few seconds per call column"
CALLS = {
    "working_seconds_between": ("a.region_code", "a.received_at", "a.answered_at"),
    "add_working_days": ("a.region_code", "a.received_at", "7"),
    "add_working_hours": ("a.region_code", "a.received_at", "9"),
}


def _free_port() -> int:
    """A port nobody listens on (other benchmarks on this machine use fixed ones)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _dbt(url: str, target: Path, *args: str) -> str:
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
    return result.stdout


def _seconds(conn: psycopg.Connection, select: str) -> float:
    started = time.perf_counter()
    conn.execute(f"create temp table bench_column as {select}")
    elapsed = time.perf_counter() - started
    conn.execute("drop table bench_column")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    load_before = os.getloadavg()[0]

    with tempfile.TemporaryDirectory(prefix="tsur-bench-calendar-") as tmp:
        pgdata, port = Path(tmp) / "pgdata", _free_port()
        embedded.start(pgdata, port)
        try:
            admin = f"postgresql://{embedded.SUPERUSER}@127.0.0.1:{port}/postgres"
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute("create database bench_calendar")
            url = admin.rsplit("/", 1)[0] + "/bench_calendar"
            target = Path(tmp) / "dbt"
            print("dbt build --select +dim_calendar ...", flush=True)
            _dbt(url, target, "build", "--select", "+dim_calendar", "--indirect-selection", "cautious")
            selects = {"add_calendar_days": "select a.received_at + interval '7 days' as v from bench.appeals as a"}
            for name, call_args in CALLS.items():
                inline = (
                    f"select {{{{ {name}({', '.join(repr(x) for x in call_args)}) }}}} as v from bench.appeals as a"
                )
                selects[f"{name}/macro"] = _dbt(url, target, "compile", "--quiet", "--inline", inline)
                selects[f"{name}/function"] = (
                    f"select marts.{name}({', '.join(call_args)}) as v from bench.appeals as a"
                )
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute("create schema bench")
                conn.execute("select setseed(0.42)")
                conn.execute(
                    """create table bench.appeals as
                       select (array['BRY', 'YEV', 'KHM', 'PSK', 'IRK'])[1 + i %% 5] as region_code,
                              received_at, received_at + random() * interval '20 days' as answered_at
                       from (select i, timestamptz '2025-01-01 00:00+03' + random() * interval '700 days' as received_at
                             from generate_series(1, %s) as i) as s""",
                    (args.rows,),
                )
                conn.execute("analyze bench.appeals")
                conn.execute("set max_parallel_workers_per_gather = 0")
                times: dict[str, list[float]] = {name: [] for name in selects}
                for _ in range(args.repeat):
                    for name, select in selects.items():
                        times[name].append(round(_seconds(conn, select), 2))
                        print(f"  {name:36} {times[name][-1]:6.2f} s", flush=True)
        finally:
            embedded.stop(pgdata)

    runs = {name: {"seconds": statistics.median(all_), "all_seconds": all_} for name, all_ in times.items()}
    worst_macro = max(run["seconds"] for name, run in runs.items() if name.endswith("/macro"))
    report = {
        "benchmark": "working-time macros and functions, one call column",
        "baseline": "add_calendar_days",
        "rows": args.rows,
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_before": load_before,
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "runs": runs,
        "target_seconds_per_column": TARGET_SECONDS,
        "meets_target": worst_macro <= TARGET_SECONDS,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    for name, run in runs.items():
        print(f"{name:36} {run['seconds']:6.2f} s (median of {args.repeat})")
    print(
        f"slowest macro column {worst_macro:.2f} s (target ≤ {TARGET_SECONDS:.0f} s); "
        f"results in {RESULTS.relative_to(ROOT)}"
    )


if __name__ == "__main__":
    main()
