"""Load source files into the raw layer: atomically, once, and losing no row.

For each file, in one transaction: take a lock on the file's hash, skip it if
the registry already has it, stream its rows through the feed's converters
into ``COPY raw.<table>``, spool the rows that fail into ``raw.quarantine``,
and record the file in ``raw.load_files``. A crash or kill at any point rolls
the whole file back. The registry's check constraint enforces
loaded + quarantined = read.
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from queue import Queue

import psycopg
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from psycopg.copy import QueuedLibpqWriter

from orchestration.db.schema import partition_name
from orchestration.ingest.columns import ColumnConverter
from orchestration.ingest.converters import build_converter, normalise_key
from orchestration.ingest.mapping import FeedMapping, FieldMapping, MappingError, feed_for, header_index
from orchestration.ingest.readers import NeedsRowByRow, ReadError, SourceTable, open_table
from orchestration.ingest.targets import META_COLUMNS

Progress = Callable[[int], None]
BATCH_ROWS = 10_000
# Files the demo generator writes beside the feeds; never data.
IGNORED_NAMES = frozenset({"manifest.json", "defects.json", "README.md"})


@dataclass(frozen=True)
class LoadResult:
    path: Path
    feed: str
    target: str
    status: str  # loaded | rejected | skipped
    load_id: int | None
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    message: str | None = None
    seconds: float = 0.0


class IngestError(RuntimeError):
    """A file that cannot be loaded at all (unreadable, no feed matches)."""


class _BoundedQueuedWriter(QueuedLibpqWriter):
    """psycopg's queued COPY writer with a short queue, so memory does not grow with the file.

    The stock queue holds 1024 chunks of up to 128 KiB: when conversion runs
    ahead of the server, up to 128 MiB of converted rows wait in it. 32 chunks
    (4 MiB, under one batch) keep the sender busy and the client flat.
    """

    QUEUE_CHUNKS = 32

    def __init__(self, cursor: psycopg.Cursor) -> None:
        super().__init__(cursor)
        self._queue = Queue(maxsize=self.QUEUE_CHUNKS)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


NULL = "\\N"
_SPECIAL = re.compile(r"[\\\t\n\r]")


def _escape(value: str) -> str:
    """A value in COPY's text format."""
    if _SPECIAL.search(value) is None:
        return value
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _copy_text(values: Iterable[object]) -> str:
    """One line of COPY's text format."""
    return "\t".join(NULL if v is None else _escape(str(v)) for v in values) + "\n"


@dataclass
class _Plan:
    """Which cell feeds which field, decided once from the file's header."""

    fields: list[FieldMapping]  # the fields filled from cells, in COPY order
    positions: list[int]
    sources: list[str]  # the header name each field was read from
    constants: list[str | None]
    constant_columns: list[str]
    missing_required: list[tuple[str, str]]  # (field, expected column)
    missing_optional: list[str]


def _plan(mapping: FeedMapping, header: list[str]) -> _Plan:
    index = header_index(header)
    plan = _Plan([], [], [], [], [], [], [])
    for field in mapping.fields:
        position = next((index[k] for k in (normalise_key(c) for c in field.columns) if k in index), None)
        if position is None:
            (plan.missing_required if field.required else plan.missing_optional).append(
                (field.name, field.columns[0]) if field.required else field.columns[0]
            )
            continue
        plan.fields.append(field)
        plan.positions.append(position)
        plan.sources.append(header[position])
    for name, value in mapping.constants.items():
        plan.constant_columns.append(name)
        plan.constants.append(build_converter(mapping.target.field(name).type)(value))
    return plan


def load_file(
    conn: psycopg.Connection,
    path: Path,
    mapping: FeedMapping,
    *,
    progress: Progress | None = None,
    only_rows: frozenset[int] | None = None,
) -> LoadResult:
    """Load one file for one feed; a no-op if this exact file was loaded before.

    CSV is first parsed by Arrow; if that meets a malformed row, the transaction
    is rolled back and the file is read again row by row, so that every row keeps
    its exact number and reason. ``only_rows`` loads just those row numbers (a
    corrected file whose other rows were loaded before: `tsur quarantine reload`).
    """
    try:
        return _load_file(conn, path, mapping, progress, fast=True, only_rows=only_rows)
    except NeedsRowByRow:
        return _load_file(conn, path, mapping, progress, fast=False, only_rows=only_rows)


def _load_file(
    conn: psycopg.Connection,
    path: Path,
    mapping: FeedMapping,
    progress: Progress | None,
    *,
    fast: bool,
    only_rows: frozenset[int] | None = None,
) -> LoadResult:
    started = time.monotonic()
    started_at = datetime.now(UTC)
    path = path.resolve()
    digest = sha256_file(path)
    size = path.stat().st_size
    target = mapping.target
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"{mapping.feed}:{digest}",))
        seen = conn.execute(
            "select load_id, status from raw.load_files where feed = %s and sha256 = %s", (mapping.feed, digest)
        ).fetchone()
        if seen:
            return LoadResult(
                path,
                mapping.feed,
                target.name,
                "skipped",
                seen[0],
                0,
                0,
                0,
                f"already processed as load {seen[0]} ({seen[1]})",
                time.monotonic() - started,
            )
        try:
            table = open_table(
                path, mapping.format, mapping.encoding, mapping.delimiter, mapping.sheet, mapping.header_row, fast=fast
            )
        except (ReadError, UnicodeDecodeError, OSError) as exc:
            raise IngestError(f"{path}: {exc}") from exc
        load_id = conn.execute("select nextval(pg_get_serial_sequence('raw.load_files', 'load_id'))").fetchone()[0]
        exported_at = mapping.exported_at(path)
        plan = _plan(mapping, table.header)
        with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
            if plan.missing_required:
                read, loaded, quarantined, message = _reject_all(table, plan, spool, load_id, mapping, path, only_rows)
                status = "rejected"
            else:
                partition = partition_name(target, load_id)
                conn.execute(
                    f"create table {partition} (like {target.table} including defaults, "
                    f"constraint {target.name}__{load_id}_load check (_load_id = {int(load_id)}))"
                )
                read, loaded, quarantined = _copy_rows(
                    conn, table, plan, spool, load_id, mapping, path, exported_at, progress, partition, only_rows
                )
                if loaded:  # the check constraint spares attach a scan of the rows
                    conn.execute(
                        f"alter table {target.table} attach partition {partition} for values in ({int(load_id)})"
                    )
                else:
                    conn.execute(f"drop table {partition}")
                status, message = "loaded", None
                if plan.missing_optional:
                    message = "optional columns not in the file (loaded as empty): " + ", ".join(
                        f"«{c}»" for c in plan.missing_optional
                    )
            conn.execute(
                """
                insert into raw.load_files (load_id, feed, target, file_name, file_path, sha256, size_bytes,
                    exported_at, status, rows_read, rows_loaded, rows_quarantined, error, started_at)
                values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
                """,
                (
                    load_id,
                    mapping.feed,
                    target.name,
                    path.name,
                    str(path),
                    digest,
                    size,
                    exported_at,
                    status,
                    read,
                    loaded,
                    quarantined,
                    message,
                    started_at,
                ),
            )
            spool.seek(0)
            with conn.cursor().copy(
                "copy raw.quarantine (load_id, feed, file_name, row_number, field, value, reason, record) from stdin"
            ) as copy:
                for chunk in iter(lambda: spool.read(1 << 20), ""):
                    copy.write(chunk)
    return LoadResult(
        path, mapping.feed, target.name, status, load_id, read, loaded, quarantined, message, time.monotonic() - started
    )


def _quarantine_line(
    load_id: int,
    mapping: FeedMapping,
    path: Path,
    number: int,
    field: str | None,
    value: str | None,
    reason: str,
    record: dict | None,
) -> str:
    return _copy_text(
        (
            load_id,
            mapping.feed,
            path.name,
            number,
            field,
            value,
            reason,
            None if record is None else json.dumps(record, ensure_ascii=False),
        )
    )


def _copy_rows(
    conn: psycopg.Connection,
    table: SourceTable,
    plan: _Plan,
    spool,
    load_id: int,
    mapping: FeedMapping,
    path: Path,
    exported_at: datetime,
    progress: Progress | None,
    into: str,
    only_rows: frozenset[int] | None = None,
) -> tuple[int, int, int]:
    """Stream the rows into COPY in batches, converting column by column; failures go to the spool."""
    header = table.header
    names = [name for name, _ in META_COLUMNS] + [f.name for f in plan.fields] + plan.constant_columns
    meta = (str(load_id), mapping.feed, exported_at.isoformat(sep=" "))
    converters = [ColumnConverter(field, mapping.null_values) for field in plan.fields]
    counts = {"read": 0, "loaded": 0, "quarantined": 0}
    write_options = pa_csv.WriteOptions(include_header=False)

    def quarantine(number: int, field: str | None, value: str | None, reason: str, cells: list[str] | None) -> None:
        record = None if cells is None else dict(zip(header, cells, strict=False))
        spool.write(_quarantine_line(load_id, mapping, path, number, field, value, reason, record))
        counts["quarantined"] += 1

    # The queued writer sends on a worker thread, so converting the next batch
    # (this thread) overlaps with the server writing the previous one. CSV
    # format: an unquoted empty field is NULL, and converters never return "".
    cursor = conn.cursor()
    with cursor.copy(
        f"copy {into} ({', '.join(names)}) from stdin (format csv)", writer=_BoundedQueuedWriter(cursor)
    ) as copy:
        wanted = None if only_rows is None else pa.array(sorted(only_rows), pa.int64())
        for batch in table.column_batches(BATCH_ROWS):
            if wanted is not None:
                keep = pc.is_in(batch.numbers, value_set=wanted)
                batch.columns = [column.filter(keep) for column in batch.columns]
                batch.numbers = batch.numbers.filter(keep)
                batch.broken = [b for b in batch.broken if b[0] in only_rows]
            size = len(batch.numbers)
            counts["read"] += size + len(batch.broken)
            for number, reason, cells in batch.broken:
                quarantine(number, None, None, reason, cells)
            if not size:
                continue
            converted = [
                convert(batch.columns[position]) for position, convert in zip(plan.positions, converters, strict=True)
            ]
            columns = [pa.repeat(m, size) for m in meta] + [batch.numbers]
            columns += [c.values for c in converted] + [pa.repeat(c, size).cast(pa.string()) for c in plan.constants]
            output = pa.Table.from_arrays(columns, names=names)
            failed = [
                (source, position, c.errors)
                for source, position, c in zip(plan.sources, plan.positions, converted, strict=True)
                if c.errors is not None
            ]
            if failed:
                mask = failed[0][2].is_valid()
                for _, _, errors in failed[1:]:
                    mask = pc.or_(mask, errors.is_valid())
                for index in pc.indices_nonzero(mask).to_pylist():
                    problems = [
                        (source, batch.columns[position][index].as_py(), errors[index].as_py())
                        for source, position, errors in failed
                        if errors[index].is_valid
                    ]
                    field, value, reason = problems[0]
                    if len(problems) > 1:
                        reason = "; ".join(f"«{f}»: {r}" for f, _, r in problems)
                    cells = [column[index].as_py() for column in batch.columns]
                    quarantine(batch.numbers[index].as_py(), field, value, reason, cells)
                output = output.filter(pc.invert(mask))
            sink = pa.BufferOutputStream()
            pa_csv.write_csv(output, sink, write_options)
            copy.write(sink.getvalue())
            counts["loaded"] += output.num_rows
            if progress is not None:
                progress(counts["read"])
    if progress is not None:
        progress(counts["read"])
    return counts["read"], counts["loaded"], counts["quarantined"]


def _reject_all(
    table: SourceTable,
    plan: _Plan,
    spool,
    load_id: int,
    mapping: FeedMapping,
    path: Path,
    only_rows: frozenset[int] | None = None,
) -> tuple[int, int, int, str]:
    """A file without a required column: every row goes to quarantine, none is loaded."""
    missing = ", ".join(f"«{column}» (field {field})" for field, column in plan.missing_required)
    message = (
        f"{path.name}: required column {missing} is missing from the header; "
        f"the header has: {', '.join(repr(h) for h in table.header)}"
    )
    field = plan.missing_required[0][1]
    reason = f"the file has no required column «{field}»; the whole file is rejected"
    read = 0
    for number, cells, _ in table.rows:
        if only_rows is not None and number not in only_rows:
            continue
        read += 1
        record = None if cells is None else dict(zip(table.header, cells, strict=False))
        spool.write(_quarantine_line(load_id, mapping, path, number, field, None, reason, record))
    return read, 0, read, message


def discover(paths: Iterable[Path]) -> Iterator[Path]:
    """Files under the given paths (folders are walked), hidden and temporary files left out."""
    for path in paths:
        path = Path(path)
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                if not any(part.startswith((".", "~$")) for part in child.relative_to(path).parts):
                    yield child
        elif path.exists():
            yield path
        else:
            raise IngestError(f"{path}: no such file or folder")


def plan_files(
    paths: Iterable[Path], mappings: dict[str, FeedMapping], feed: str | None = None
) -> tuple[list[tuple[Path, FeedMapping]], list[Path]]:
    """Pair each file with its feed, in load order (export time, then name); also the files no feed claims."""
    if feed is not None and feed not in mappings:
        raise MappingError(f"unknown feed {feed!r}; known feeds: {', '.join(sorted(mappings))}")
    matched, unmatched = [], []
    for path in discover(paths):
        if path.name in IGNORED_NAMES:
            continue
        mapping = mappings[feed] if feed else feed_for(path, mappings)
        if mapping is None:
            unmatched.append(path)
        else:
            matched.append((path, mapping))
    matched.sort(key=lambda pm: (pm[1].exported_at(pm[0]), pm[1].feed, pm[0].name))
    return matched, unmatched
