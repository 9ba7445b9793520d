"""Build a region's export package for a period: files, manifest, revision; same data → same bytes.

A package lives in the outbox as ``<region>/<kind>/<period>/r<N>/``. Building
it again from the same data finds the same content as the newest revision
and writes nothing (idempotent); from changed data (late files, corrected
files) it writes revision N+1 whose manifest states what changed against N.
Nothing is written when the data failed a critical quality check.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg

from orchestration.exports import quality_gate
from orchestration.exports.periods import Period
from orchestration.exports.store import ensure_schema
from orchestration.exports.tables import DIMENSIONS, SCHEMA_VERSION, Table, tables_for
from orchestration.exports.writers import csv_bytes, parse_number, read_csv, xlsx_bytes

MANIFEST = "manifest.json"
WORKBOOK = "package.xlsx"
MAX_DIFF_ROWS = 200  # changed rows listed one by one in a revision's manifest; the counts are always complete


class PackageError(RuntimeError):
    """The package cannot be built (unknown region, no data for the period); the message says why."""


@dataclass
class Package:
    region: str
    period: Period
    revision: int
    path: Path
    manifest: dict
    created: bool  # False: the newest revision already had this content, nothing was written
    package_id: int | None = None
    files: dict[str, bytes] = field(default_factory=dict, repr=False)

    @property
    def idempotency_key(self) -> str:
        return self.manifest["idempotency_key"]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def json_bytes(document: dict) -> bytes:
    return (json.dumps(document, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode("utf-8")


def region_profile(conn: psycopg.Connection, region: str) -> tuple[str, str]:
    row = conn.execute(
        "select region_name, timezone from reference.regions where region_code = %s", (region,)
    ).fetchone()
    if row is None:
        known = [r[0] for r in conn.execute("select region_code from reference.regions order by 1")]
        raise PackageError(f"region {region!r} is not in the regions seed; expected one of {', '.join(known)}")
    return row


def data_as_of(conn: psycopg.Connection, region: str) -> datetime | None:
    """The region's data as-of: the newest export its appeals come from (marts.fct_appeals.as_of_at)."""
    return conn.execute("select max(as_of_at) from marts.fct_appeals where region_code = %s", (region,)).fetchone()[0]


def period_rows(conn: psycopg.Connection, table: Table, region: str, period: Period) -> list[tuple]:
    params = {
        "region": region,
        "grain": period.grain,
        "period_start": period.start,
        "period_end": period.end,
        "dimensions": list(DIMENSIONS),
    }
    return conn.execute(table.sql, params).fetchall()


def build_files(conn: psycopg.Connection, region: str, period: Period, as_of: datetime) -> tuple[dict, dict]:
    """The data files of the package (name → bytes) and their row counts."""
    tables = [(table, period_rows(conn, table, region, period)) for table in tables_for(period.kind)]
    files = {f"{table.name}.csv": csv_bytes(table, rows) for table, rows in tables}
    files[WORKBOOK] = xlsx_bytes(tables, title=f"Выгрузка ЦУР {region} {period.label}", as_of=as_of)
    counts = {f"{table.name}.csv": len(rows) for table, rows in tables}
    counts[WORKBOOK] = sum(len(rows) for _, rows in tables)
    return files, counts


def package_dir(outbox: Path, region: str, period: Period) -> Path:
    return outbox / region / period.kind / period.label


def latest_revision(folder: Path) -> tuple[int, Path] | None:
    revisions = [
        (int(p.name[1:]), p)
        for p in folder.glob("r*")
        if p.is_dir() and p.name[1:].isdigit() and (p / MANIFEST).exists()
    ]
    return max(revisions) if revisions else None


def content_sha256(files: dict[str, bytes]) -> str:
    listing = "".join(f"{name}\0{sha256(data)}\n" for name, data in sorted(files.items()))
    return sha256(listing.encode("utf-8"))


def diff_files(tables: tuple[Table, ...], previous: Path, files: dict[str, bytes]) -> list[dict]:
    """What changed from the previous revision, file by file and row by row (by each table's key)."""
    changes = []
    for table in tables:
        name = f"{table.name}.csv"
        old_path = previous / name
        old = read_csv(old_path.read_bytes())[1:] if old_path.exists() else []
        new = read_csv(files[name])[1:]
        if old_path.exists() and old_path.read_bytes() == files[name]:
            continue
        keys = [i for i, c in enumerate(table.columns) if c.key in table.key]
        before = {tuple(r[i] for i in keys): r for r in old}
        after = {tuple(r[i] for i in keys): r for r in new}
        changed = []
        columns_changed: dict[str, int] = {}
        for key in sorted(before.keys() & after.keys()):
            old_row, new_row = before[key], after[key]
            if old_row == new_row:
                continue
            cells = {}
            for index, column in enumerate(table.columns):
                if old_row[index] != new_row[index]:
                    columns_changed[column.key] = columns_changed.get(column.key, 0) + 1
                    cell = {"before": old_row[index], "after": new_row[index]}
                    if column.kind in ("int", "decimal", "percent") and old_row[index] and new_row[index]:
                        delta = parse_number(new_row[index]) - parse_number(old_row[index])
                        cell["delta"] = str(delta).replace(".", ",")
                    cells[column.key] = cell
            changed.append({"key": dict(zip(table.key, key, strict=True)), "columns": cells})
        changes.append(
            {
                "file": name,
                "rows_before": len(old),
                "rows_after": len(new),
                "rows_added": [dict(zip(table.key, k, strict=True)) for k in sorted(after.keys() - before.keys())],
                "rows_removed": [dict(zip(table.key, k, strict=True)) for k in sorted(before.keys() - after.keys())],
                "rows_changed": len(changed),
                "columns_changed": dict(sorted(columns_changed.items())),
                "changed_rows": changed[:MAX_DIFF_ROWS],
                "changed_rows_truncated": len(changed) > MAX_DIFF_ROWS,
            }
        )
    return changes


def build_package(
    conn: psycopg.Connection,
    region: str,
    period: Period,
    outbox: Path,
    *,
    run_results: Path | None = None,
    max_quarantine_share: float = 0.05,
    record: bool = True,
) -> Package:
    """The package of ``region`` and ``period`` in the outbox: the newest revision if unchanged, else a new one.

    Raises :class:`quality_gate.ExportRefused` when the data failed a critical
    quality check and :class:`PackageError` when there is nothing to export.
    ``record=False`` writes nothing to the database (exports.packages), for a
    read-only warehouse such as a benchmark's.
    """
    region = region.upper()
    if record:
        ensure_schema(conn)
    region_name, timezone = region_profile(conn, region)
    period_row = conn.execute(
        """
        select is_period_complete from marts.agg_appeals_by_period
        where region_code = %s and period_grain = %s and period_start = %s and dimension = 'region'
        """,
        (region, period.grain, period.start),
    ).fetchone()
    as_of = data_as_of(conn, region)
    if period_row is None or as_of is None:
        span = conn.execute(
            "select min(period_start), max(period_end) from marts.agg_appeals_by_period "
            "where region_code = %s and period_grain = 'day' and dimension = 'region'",
            (region,),
        ).fetchone()
        covered = f"the data cover {span[0]} to {span[1]}" if span and span[0] else "the warehouse has no appeals"
        raise PackageError(f"no data for {region} in {period.label} ({period.kind}): {covered}")
    status = quality_gate.quality_status(
        conn, region, period, run_results=run_results, max_quarantine_share=max_quarantine_share
    )
    if not status.passed:
        raise quality_gate.ExportRefused(
            f"export of {region} {period.label} refused: the data failed critical quality checks: "
            + "; ".join(status.critical[:10])
        )
    local_as_of = as_of.astimezone(ZoneInfo(timezone))
    files, counts = build_files(conn, region, period, local_as_of)
    content = content_sha256(files)
    folder = package_dir(outbox, region, period)
    newest = latest_revision(folder)
    if newest is not None:
        manifest = json.loads((newest[1] / MANIFEST).read_text(encoding="utf-8"))
        if manifest["content_sha256"] == content:
            package = Package(region, period, newest[0], newest[1], manifest, created=False, files=files)
            package.package_id = register(conn, package) if record else None
            return package
    revision = newest[0] + 1 if newest else 1
    manifest = {
        "schema": "tsur-federal-export",
        "schema_version": SCHEMA_VERSION,
        "region": {"code": region, "name": region_name, "timezone": timezone},
        "period": {
            "kind": period.kind,
            "label": period.label,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "complete": bool(period_row[0]),
        },
        "revision": revision,
        "generated_at": local_as_of.isoformat(),
        "data_as_of": local_as_of.isoformat(),
        "content_sha256": content,
        "idempotency_key": sha256(f"{region}|{period.kind}|{period.label}|{content}".encode()),
        "files": [
            {"name": name, "rows": counts[name], "bytes": len(data), "sha256": sha256(data)}
            for name, data in sorted(files.items())
        ],
        "quality": status.as_manifest(),
        "previous_revision": None,
        "changes": None,
    }
    if newest is not None:
        previous = json.loads((newest[1] / MANIFEST).read_text(encoding="utf-8"))
        manifest["previous_revision"] = {
            "revision": newest[0],
            "content_sha256": previous["content_sha256"],
            "data_as_of": previous["data_as_of"],
        }
        manifest["changes"] = diff_files(tables_for(period.kind), newest[1], files)
    files_with_manifest = {**files, MANIFEST: json_bytes(manifest)}
    path = folder / f"r{revision}"
    _write_atomically(path, files_with_manifest)
    package = Package(region, period, revision, path, manifest, created=True, files=files_with_manifest)
    package.package_id = register(conn, package) if record else None
    return package


def _write_atomically(path: Path, files: dict[str, bytes]) -> None:
    """Write into a temporary sibling folder, then rename: a crash never leaves a half-written revision."""
    staging = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for name, data in files.items():
        (staging / name).write_bytes(data)
    staging.rename(path)


def register(conn: psycopg.Connection, package: Package) -> int:
    """The package's row in exports.packages (made once; the outbox write is logged as delivered to the outbox)."""
    m = package.manifest
    with conn.transaction():
        row = conn.execute(
            """
            insert into exports.packages (region_code, kind, period, revision, idempotency_key, content_sha256,
                path, data_as_of, quality_status, row_counts)
            values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
            on conflict (idempotency_key) do nothing
            returning package_id
            """,
            (
                package.region,
                package.period.kind,
                package.period.label,
                package.revision,
                m["idempotency_key"],
                m["content_sha256"],
                str(package.path),
                m["data_as_of"],
                m["quality"]["status"],
                json.dumps({f["name"]: f["rows"] for f in m["files"]}),
            ),
        ).fetchone()
        if row is None:
            return conn.execute(
                "select package_id from exports.packages where idempotency_key = %s", (m["idempotency_key"],)
            ).fetchone()[0]
        conn.execute(
            """
            insert into exports.delivery_log (package_id, idempotency_key, channel, destination, attempt, status)
            values (%s, %s, 'outbox', %s, 1, 'sent')
            """,
            (row[0], m["idempotency_key"], str(package.path)),
        )
        return row[0]
