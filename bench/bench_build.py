"""Warehouse build time: a full `dbt build` against an incremental daily run, for one and for five region-years.

For each scenario the regions' demo files are generated (``tsur generate``,
12 months from 2025-11-01, seed 42), and every file except the newest weekly
export of ПОС and of IM is loaded (the regional portal arrives as one yearly
snapshot, so it is part of the first load). Then, each timed build starting
from a vacuumed and analysed database (untimed; as a daily run finds it a day
after the previous build, once autovacuum has been through):

* ``full_build`` (the baseline): ``dbt build --full-refresh`` — seeds,
  snapshots, every model and every test, from scratch;
* ``incremental_run``: the held-back newest exports are loaded (the next
  delivery: "a new day of files") and dbt builds what the Dagster daily job
  (``tsur_daily``, started by the landing sensor) builds for those files:
  ``dbt build --select source:raw.im_incidents+ source:raw.load_files+
  source:raw.pos_messages+ source:raw.quarantine+`` (``delivery_dbt_select``
  of the raw tables the files go to, with the loader's registry) with the
  job's arguments and environment (``DAILY_BUILD_ARGS``, ``DAILY_BUILD_ENV``:
  no unit tests; the data tests of the big incremental tables read the rows
  the run wrote), starting from the parsed project as dagster-dbt does (it
  copies the project's ``partial_parse.msgpack`` into each invocation's target
  folder; here, the full build's) — every model those raw tables feed and
  their data tests, incremental models taking only what the new loads touch;
  seeds, the models built from them alone and the staging of the feeds that
  delivered nothing stay as they are (tests/unit/test_definitions.py and
  tests/unit/test_sensor.py check that the sensor's run selects exactly this).

Then, as diagnostics of the ratio (not targets), what a daily run costs before any delivered row
(``fixed_cost``): dbt started with nothing to build, the daily run again with no new file, and the same
without its data tests (``_fixed_cost``).

Both builds run in the same database on the same machine, one after the other. Target (issue 3): the incremental run
at least 10× faster than the full build, and a full region-year build in
minutes on a 2-core machine. Results go to bench/results/build.json.

    python bench/bench_build.py [--appeals 500000] [--scenarios one,five] [--keep DIR]

``--appeals`` is per region. Five region-years are BRY, YEV, KHM, PSK and IRK.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from orchestration.db import embedded  # noqa: E402
from orchestration.db.connection import dbt_env  # noqa: E402
from orchestration.db.schema import bootstrap  # noqa: E402
from orchestration.generate import generate_region  # noqa: E402
from orchestration.ingest.loader import load_file, plan_files  # noqa: E402
from orchestration.ingest.mapping import load_mappings  # noqa: E402
from orchestration.jobs import DAILY_BUILD_ARGS, DAILY_BUILD_ENV, delivery_dbt_select  # noqa: E402
from orchestration.settings import DBT_PROJECT_DIR  # noqa: E402
from orchestration.warehouse.project import dbt_executable  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "build.json"
SCENARIOS = {"one": ["BRY"], "five": ["BRY", "YEV", "KHM", "PSK", "IRK"]}
APPEAL_FEEDS = ("pos", "im", "regional_portal")
PORT = 55497


def _fresh_database(admin_url: str, name: str) -> str:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"drop database if exists {name} with (force)")
        conn.execute(f"create database {name}")
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(url) as conn:
        bootstrap(conn)
    return url


def _split_newest(folders: list[Path]) -> tuple[list, list]:
    """All planned files, and apart from them the newest export of each appeal feed per region."""
    planned, _ = plan_files(folders, load_mappings())
    newest: dict[tuple[Path, str], tuple] = {}
    for path, mapping in planned:
        if mapping.feed in APPEAL_FEEDS:
            key = (next(f for f in folders if f in path.parents), mapping.feed)
            if key not in newest or mapping.exported_at(path) >= mapping.exported_at(newest[key][0]):
                newest[key] = (path, mapping)
    # a feed delivered as one snapshot (the regional portal's yearly file) is not a daily delivery: keep it in the
    # first load and hold back only the newest of feeds that arrive as a series of exports (ПОС and IM, weekly)
    counts: dict[tuple[Path, str], int] = {}
    for path, mapping in planned:
        if mapping.feed in APPEAL_FEEDS:
            key = (next(f for f in folders if f in path.parents), mapping.feed)
            counts[key] = counts.get(key, 0) + 1
    held = {path for key, (path, _) in newest.items() if counts[key] > 1}
    rest = [item for item in planned if item[0] not in held]
    return rest, [item for item in planned if item[0] in held]


def _load(url: str, items: list) -> dict:
    import psycopg

    started = time.perf_counter()
    rows = 0
    with psycopg.connect(url) as conn:
        for path, mapping in items:
            rows += load_file(conn, path, mapping).rows_loaded
    return {"files": len(items), "rows_loaded": rows, "seconds": round(time.perf_counter() - started, 1)}


def _dbt_build(url: str, target: Path, *extra: str, env: dict[str, str] | None = None) -> dict:
    env = {**os.environ, **dbt_env(url), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", **(env or {})}
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    result = subprocess.run(
        [dbt_executable(), "build", "--target-path", str(target), "--log-path", str(target), *extra],
        cwd=DBT_PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    load_after = os.getloadavg()[0]
    if result.returncode != 0:
        raise SystemExit(f"dbt build failed:\n{result.stdout[-6000:]}")
    statuses = json.loads((target / "run_results.json").read_text())["results"]
    slowest = sorted(statuses, key=lambda r: r["execution_time"], reverse=True)[:12]
    by_type: dict[str, dict] = {}
    for r in statuses:
        kind = by_type.setdefault(r["unique_id"].split(".", 1)[0], {"nodes": 0, "seconds": 0.0})
        kind["nodes"] += 1
        kind["seconds"] += r["execution_time"]
    return {
        "seconds": round(seconds, 1),
        "nodes": len(statuses),
        # the machine's 1-minute load average when the build started and ended: above the 2 cores, other work
        # competed with the build and both figures (and less so their ratio) are slower than on a quiet machine
        "load_average": [round(load_before, 2), round(load_after, 2)],
        # node times overlap (dbt runs two threads), so they add up to more than the wall time
        "node_seconds_by_type": {k: {**v, "seconds": round(v["seconds"], 1)} for k, v in sorted(by_type.items())},
        "slowest": {r["unique_id"].split(".", 2)[-1]: round(r["execution_time"], 1) for r in slowest},
    }


def _settle(url: str) -> float:
    """VACUUM (ANALYZE) the database, untimed in the builds: the state the next build finds in production.

    A daily run comes a day after the previous build, when autovacuum has been through the tables that
    build wrote; here the next build would start at once and share the two cores with autovacuum's first
    pass (and pay the first reading of freshly written pages). Done before both timed builds alike.
    """
    import psycopg

    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("vacuum (analyze)")
    return round(time.perf_counter() - started, 1)


def _count(url: str, sql: str) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute(sql).fetchone()[0]


def run_scenario(name: str, regions: list[str], appeals: int, admin_url: str, work: Path) -> dict:
    print(f"{name}: {len(regions)} region(s) × {appeals:,} appeals", flush=True)
    started = time.perf_counter()
    folders = []
    for code in regions:
        out = work / "files" / code
        if not (out / "manifest.json").exists():
            generate_region(code, appeals, date(2025, 11, 1), 12, 42, out)
        folders.append(out)
    generated = round(time.perf_counter() - started, 1)
    first, held = _split_newest(folders)
    url = _fresh_database(admin_url, f"bench_build_{name}")
    loaded = _load(url, first)
    print(f"  generated in {generated} s; loaded {loaded['rows_loaded']:,} rows in {loaded['seconds']} s", flush=True)
    settled = {"before_full_build": _settle(url)}
    full = _dbt_build(url, work / f"target-{name}-full", "--full-refresh")
    print(f"  full_build       {full['seconds']:>7.1f} s  ({full['nodes']} nodes)", flush=True)
    settled["before_incremental_run"] = _settle(url)
    newest = _load(url, held)
    # what the landing sensor's run builds for these files (orchestration.jobs.delivery_selection)
    select = delivery_dbt_select({mapping.target.name for _, mapping in held})
    incremental = _dbt_build(
        url, _daily_target(work, name, "incremental"), *select, *DAILY_BUILD_ARGS, env=DAILY_BUILD_ENV
    )
    print(
        f"  incremental_run  {incremental['seconds']:>7.1f} s  after loading {newest['files']} newest exports "
        f"({newest['rows_loaded']:,} rows)",
        flush=True,
    )
    floor = _fixed_cost(url, work, name, select)
    print(
        f"  fixed cost: dbt start {floor['dbt_start']['seconds']} s, daily run with no new file "
        f"{floor['no_new_file']['seconds']} s ({floor['no_new_file_without_data_tests']['seconds']} s without its "
        "data tests)",
        flush=True,
    )
    return {
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "regions": regions,
        "appeals_per_region": appeals,
        "appeals_in_fct": _count(url, "select count(*) from marts.fct_appeals"),
        "raw_rows_first_load": loaded["rows_loaded"],
        # untimed VACUUM (ANALYZE) before each timed build, seconds (_settle)
        "vacuum_analyze_seconds": settled,
        "full_build": full,
        "newest_exports": newest,
        "incremental_run": {**incremental, "select": select[1:]},
        "full_vs_incremental": round(full["seconds"] / incremental["seconds"], 1),
        "fixed_cost": floor,
        "full_vs_no_new_file": round(full["seconds"] / floor["no_new_file"]["seconds"], 1),
    }


def _fixed_cost(url: str, work: Path, name: str, select: list[str]) -> dict:
    """What a daily run costs before any delivered row: diagnostics of the ratio, not targets.

    Right after the timed incremental run, from the same parsed project and with the job's arguments:
    * ``dbt_start``: ``dbt build`` selecting nothing — starting Python and dbt, reading the parsed project,
      writing its artefacts;
    * ``no_new_file``: the daily run again with no file loaded since — every node of the selection, its
      statements finding nothing new (every open appeal is still rebuilt: its state moves with the as-of);
    * ``no_new_file_without_data_tests``: the same without the data tests, what the run's models alone cost.
    """
    runs = {
        "dbt_start": ["--select", "tag:bench-selects-nothing"],
        "no_new_file": [*select, *DAILY_BUILD_ARGS],
        "no_new_file_without_data_tests": [*select, *DAILY_BUILD_ARGS, "--exclude-resource-type", "test"],
    }
    out = {}
    for label, args in runs.items():
        run = _dbt_build(url, _daily_target(work, name, label), *args, env=DAILY_BUILD_ENV)
        out[label] = {"seconds": run["seconds"], "nodes": run["nodes"], "load_average": run["load_average"]}
    return out


def _daily_target(work: Path, name: str, label: str) -> Path:
    """An empty target folder holding the full build's parsed project, as dagster-dbt starts each invocation."""
    target = work / f"target-{name}-{label}"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    shutil.copy(work / f"target-{name}-full" / "partial_parse.msgpack", target)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--appeals", type=int, default=500_000, help="appeals per region-year")
    parser.add_argument("--scenarios", default="one,five", help="comma-separated: one, five")
    parser.add_argument("--keep", type=Path, help="keep generated files and the database here (reused next time)")
    args = parser.parse_args()
    names = [n.strip() for n in args.scenarios.split(",") if n.strip()]

    work = args.keep or Path(tempfile.mkdtemp(prefix="tsur-bench-build-"))
    work.mkdir(parents=True, exist_ok=True)
    pgdata = work / "pgdata"
    embedded.start(pgdata, PORT)
    admin = f"postgresql://{embedded.SUPERUSER}@127.0.0.1:{PORT}/postgres"
    try:
        runs = {name: run_scenario(name, SCENARIOS[name], args.appeals, admin, work) for name in names}
    finally:
        embedded.stop(pgdata)
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)

    # a run of some scenarios keeps the others' last results (each run says when it was measured)
    if RESULTS.exists():
        runs = {**json.loads(RESULTS.read_text(encoding="utf-8")).get("runs", {}), **runs}
    report = {
        "benchmark": "dbt build: full against an incremental daily run",
        "baseline": "full_build",
        "parameters": {"appeals_per_region": args.appeals, "months": 12, "start": "2025-11-01", "seed": 42},
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "runs": runs,
        "target_ratio": 10,
        "meets_target": all(r["full_vs_incremental"] >= 10 for r in runs.values()),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    for name, run in runs.items():
        floor = run.get("fixed_cost")  # absent from results measured before it was
        no_new_file = ""
        if floor:
            no_new_file = f"; no new file {floor['no_new_file']['seconds']} s = {run['full_vs_no_new_file']}×"
        print(
            f"{name}: full {run['full_build']['seconds']} s / incremental {run['incremental_run']['seconds']} s "
            f"= {run['full_vs_incremental']}× (target ≥ 10×){no_new_file}"
        )
    print(f"results in {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
