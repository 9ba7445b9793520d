"""Ingest throughput of a 1 M-row ПОС CSV, against two baselines in the same run.

* ``tsur``: :func:`orchestration.ingest.loader.load_file` — header matching,
  per-value conversion and validation, quarantine, registry, one transaction.
* ``plain_copy`` (the physical limit here): the same file's bytes streamed to
  ``COPY ... (FORMAT csv)`` into an UNLOGGED table of text columns.
* ``pandas_to_sql`` (what an analyst would write): ``pandas.read_csv`` in
  chunks, then ``DataFrame.to_sql`` through SQLAlchemy + psycopg.

Each runs in its own process so peak memory (ru_maxrss) is its own; the tsur
loader also runs on a quarter-size file to show that memory does not grow with
the file. Results go to bench/results/ingest.json and are printed.

    python bench/bench_ingest.py [--rows 1000000] [--repeat 3] [--skip-pandas]

plain COPY and tsur run ``--repeat`` times, alternating, and the median run of
each is compared (one run of each varies by ±15 % on a shared machine).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from orchestration.db import embedded  # noqa: E402
from orchestration.ingest.mapping import load_mappings  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "ingest.json"

CATEGORIES = [("Медицина", "Электронная запись на прием к врачу"), ("Автомобильные дороги", "Состояние дорог"),
              ("Многоквартирные дома", "Содержание многоквартирного дома"), ("Благоустройство", "Парки"),
              ("Мусор", "Вывоз ТКО"), ("Общественный транспорт", "Расписание"), ("Образование", "Горячее питание"),
              ("Теплоснабжение", "Отопление"), ("Водоснабжение", "Нет воды")]  # fmt: skip
ORGS = ["Департамент здравоохранения Брянской области", "Департамент строительства Брянской области",
        "Администрация города Брянска", "Департамент ТЭК и ЖКХ Брянской области",
        "Департамент образования и науки Брянской области"]  # fmt: skip
NAMES = ["Иванова Анна Петровна", "Петров Пётр Ильич", "Сидоров Олег Викторович", "Кузнецова Мария Сергеевна"]
STAGES = [("Завершено", "Отправлен ответ заявителю"), ("Исполнение", "Назначен исполнитель"),
          ("Модерация", "На модерации"), ("Исполнение", "Передано в вышестоящую организацию")]  # fmt: skip


def write_pos_csv(path: Path, rows: int, seed: int = 1) -> None:
    """A varied ПОС export with the 25 real headers (UTF-8 with BOM, ';')."""
    rng = random.Random(seed)
    header = [f.columns[0] for f in load_mappings()["pos"].fields]
    start = date(2025, 11, 1)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        handle.write(";".join(f'"{h}"' if "," in h else h for h in header) + "\r\n")
        for i in range(rows):
            received = start + timedelta(days=rng.randrange(365))
            fast = rng.random() < 0.3
            planned = received + timedelta(days=10 if fast else 30)
            stage, status = rng.choice(STAGES)
            done = stage == "Завершено"
            category, subcategory = rng.choice(CATEGORIES)
            org = rng.choice(ORGS)
            values = [
                str(300_000_000 + i), str(6_000_000_000 + rng.randrange(10**9)), "MED_DOC_EPGU", "Брянская область",
                category, subcategory, "-", org, org if rng.random() < 0.9 else rng.choice(ORGS),
                received.strftime("%d.%m.%Y"), planned.strftime("%d.%m.%Y"),
                (received + timedelta(days=rng.randrange(1, 35))).strftime("%d.%m.%Y") if done else "-",
                stage, status, "Да" if rng.random() < 0.1 else "Нет", "Да" if fast else "Нет", "Обычное сообщение",
                "Нет", rng.choice(["Решено", "Разъяснено", "Не решено"]) if done else "-", "-",
                str(rng.randint(1, 5)) if done and rng.random() < 0.45 else "-", "Нет",
                rng.choice(NAMES), rng.choice(NAMES), rng.choice(NAMES),
            ]  # fmt: skip
            handle.write(";".join(values) + "\r\n")


def _child(kind: str, url: str, path: str) -> dict:
    """Runs in a subprocess: load the file one way, report rows, seconds and peak RSS."""
    import psycopg

    started = time.perf_counter()
    if kind == "tsur":
        from orchestration.db.schema import bootstrap
        from orchestration.ingest.loader import load_file

        with psycopg.connect(url) as conn:
            bootstrap(conn)
            result = load_file(conn, Path(path), load_mappings()["pos"])
        rows = result.rows_loaded
    elif kind == "plain_copy":
        header = [f"c{i}" for i in range(25)]
        with psycopg.connect(url) as conn:
            conn.execute("drop table if exists bench_plain_copy")
            conn.execute(f"create unlogged table bench_plain_copy ({', '.join(h + ' text' for h in header)})")
            with (
                conn.cursor().copy(
                    "copy bench_plain_copy from stdin (format csv, header true, delimiter ';', encoding 'UTF8')"
                ) as copy,
                open(path, "rb") as handle,
            ):
                handle.read(3)  # BOM
                for chunk in iter(lambda: handle.read(1 << 20), b""):
                    copy.write(chunk)
            rows = conn.execute("select count(*) from bench_plain_copy").fetchone()[0]
    elif kind == "pandas_to_sql":
        import pandas as pd
        import sqlalchemy

        engine = sqlalchemy.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
        rows = 0
        with engine.begin() as sa_conn:
            for chunk in pd.read_csv(path, sep=";", dtype=str, chunksize=50_000, encoding="utf-8-sig"):
                chunk.to_sql("bench_pandas", sa_conn, if_exists="append", index=False)
                rows += len(chunk)
    else:
        raise ValueError(kind)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_second": round(rows / seconds),
        "peak_rss_mb": round(peak_mb, 1),
    }


def _run(kind: str, url: str, path: Path) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, url, str(path)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    print(
        f"  {kind:<14} {result['rows']:>9,} rows  {result['seconds']:>7.2f} s  "
        f"{result['rows_per_second']:>9,} rows/s  peak {result['peak_rss_mb']:>7.1f} MB",
        flush=True,
    )
    return result


def _median(results: list[dict]) -> dict:
    return sorted(results, key=lambda r: r["seconds"])[len(results) // 2]


def _fresh_database(admin_url: str, name: str) -> str:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"drop database if exists {name} with (force)")
        conn.execute(f"create database {name}")
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--skip-pandas", action="store_true")
    parser.add_argument("--repeat", type=int, default=3, help="runs of plain COPY and tsur, alternating (median kept)")
    parser.add_argument("--child", nargs=3, metavar=("KIND", "URL", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(*args.child)))
        return

    with tempfile.TemporaryDirectory(prefix="tsur-bench-") as tmp:
        tmp_path = Path(tmp)
        pgdata, port = tmp_path / "pgdata", 55499
        embedded.start(pgdata, port)
        admin = f"postgresql://{embedded.SUPERUSER}@127.0.0.1:{port}/postgres"
        try:
            big, small = tmp_path / "pos_export_2026-01-05.csv", tmp_path / "pos_export_2026-01-12.csv"
            print(f"writing {args.rows:,}-row and {args.rows // 4:,}-row ПОС CSVs ...", flush=True)
            write_pos_csv(big, args.rows, seed=1)
            write_pos_csv(small, args.rows // 4, seed=2)
            runs = {}
            file_mb = round(big.stat().st_size / 2**20, 1)
            print(f"{args.rows:,} rows, {file_mb:.0f} MB:")
            # Alternate the two so that a noisy moment hits both; keep each one's median run.
            trials: dict[str, list[dict]] = {"plain_copy": [], "tsur": []}
            for _ in range(args.repeat):
                for kind in trials:
                    trials[kind].append(_run(kind, _fresh_database(admin, f"bench_{kind}"), big))
            for kind, results in trials.items():
                runs[kind] = {**_median(results), "all_seconds": [r["seconds"] for r in results]}
            if not args.skip_pandas:
                runs["pandas_to_sql"] = _run("pandas_to_sql", _fresh_database(admin, "bench_pandas"), big)
            print(f"{args.rows // 4:,} rows (memory growth check):")
            runs["tsur_quarter_file"] = _run("tsur", _fresh_database(admin, "bench_tsur_small"), small)
        finally:
            embedded.stop(pgdata)

    ratio = runs["tsur"]["rows_per_second"] / runs["plain_copy"]["rows_per_second"]
    report = {
        "benchmark": "ingest of a ПОС CSV export",
        "baseline": "plain_copy",
        "file_rows": args.rows,
        "file_mb": file_mb,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "runs": runs,
        "tsur_vs_plain_copy": round(ratio, 3),
        "target_ratio": 0.5,
        "meets_target": ratio >= 0.5,
        "memory_growth_mb_for_4x_rows": round(
            runs["tsur"]["peak_rss_mb"] - runs["tsur_quarter_file"]["peak_rss_mb"], 1
        ),
    }
    if "pandas_to_sql" in runs:
        pandas_speed = runs["pandas_to_sql"]["rows_per_second"]
        report["tsur_vs_pandas_to_sql"] = round(runs["tsur"]["rows_per_second"] / pandas_speed, 2)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"tsur / plain COPY = {ratio:.2f} (target ≥ 0.50); results in {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
