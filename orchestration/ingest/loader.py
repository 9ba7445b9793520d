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
from itertools import repeat
from datetime import datetime, timezone
from pathlib import Path

import psycopg
from psycopg.copy import QueuedLibpqWriter

from orchestration.ingest.converters import ColumnConverter, build_converter, normalise_key
from orchestration.ingest.mapping import FeedMapping, MappingError, feed_for, header_index
from orchestration.ingest.readers import ReadError, SourceTable, open_table
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


def _needs_escaping(text: str) -> bool:
    return "\\" in text or "\t" in text or "\n" in text or "\r" in text


def _copy_column(values: list[str | None], may_need_escaping: bool) -> list[str]:
    """One converted column in COPY's text format; escaping is checked once per column, not per cell."""
    if may_need_escaping and _needs_escaping("".join(filter(None, values))):
        return [NULL if v is None else _escape(v) for v in values]
    return [NULL if v is None else v for v in values]


def _copy_text(values: Iterable[object]) -> str:
    """One line of COPY's text format."""
    return "\t".join(NULL if v is None else _escape(str(v)) for v in values) + "\n"


@dataclass
class _Plan:
    """Which cell feeds which field, decided once from the file's header."""

    columns: list[str]  # raw table columns filled from cells, in COPY order
    positions: list[int]
    converters: list
    sources: list[str]  # the header name each field was read from
    constants: list[str | None]
    constant_columns: list[str]
    missing_required: list[tuple[str, str]]  # (field, expected column)
    missing_optional: list[str]


def _plan(mapping: FeedMapping, header: list[str]) -> _Plan:
    index = header_index(header)
    plan = _Plan([], [], [], [], [], [], [], [])
    for field in mapping.fields:
        position = next((index[k] for k in (normalise_key(c) for c in field.columns) if k in index), None)
        if position is None:
            (plan.missing_required if field.required else plan.missing_optional).append(
                (field.name, field.columns[0]) if field.required else field.columns[0]
            )
            continue
        plan.columns.append(field.name)
        plan.positions.append(position)
        plan.converters.append(field.converter)
        plan.sources.append(header[position])
    for name, value in mapping.constants.items():
        plan.constant_columns.append(name)
        plan.constants.append(build_converter(mapping.target.field(name).type)(value))
    return plan


def load_file(
    conn: psycopg.Connection, path: Path, mapping: FeedMapping, *, progress: Progress | None = None
) -> LoadResult:
    """Load one file for one feed; a no-op if this exact file was loaded before."""
    started = time.monotonic()
    started_at = datetime.now(timezone.utc)
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
            return LoadResult(path, mapping.feed, target.name, "skipped", seen[0], 0, 0, 0,
                              f"already processed as load {seen[0]} ({seen[1]})", time.monotonic() - started)
        try:
            table = open_table(path, mapping.format, mapping.encoding, mapping.delimiter, mapping.sheet,
                               mapping.header_row)
        except (ReadError, UnicodeDecodeError, OSError) as exc:
            raise IngestError(f"{path}: {exc}") from exc
        load_id = conn.execute("select nextval(pg_get_serial_sequence('raw.load_files', 'load_id'))").fetchone()[0]
        exported_at = mapping.exported_at(path)
        plan = _plan(mapping, table.header)
        with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
            if plan.missing_required:
                read, loaded, quarantined, message = _reject_all(table, plan, spool, load_id, mapping, path)
                status = "rejected"
            else:
                read, loaded, quarantined = _copy_rows(conn, table, plan, spool, load_id, mapping, path,
                                                       exported_at, progress)
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
                (load_id, mapping.feed, target.name, path.name, str(path), digest, size, exported_at, status,
                 read, loaded, quarantined, message, started_at),
            )
            spool.seek(0)
            with conn.cursor().copy(
                "copy raw.quarantine (load_id, feed, file_name, row_number, field, value, reason, record) from stdin"
            ) as copy:
                for chunk in iter(lambda: spool.read(1 << 20), ""):
                    copy.write(chunk)
    return LoadResult(path, mapping.feed, target.name, status, load_id, read, loaded, quarantined, message,
                      time.monotonic() - started)


def _quarantine_line(load_id: int, mapping: FeedMapping, path: Path, number: int, field: str | None,
                     value: str | None, reason: str, record: dict | None) -> str:
    return _copy_text((load_id, mapping.feed, path.name, number, field, value, reason,
                       None if record is None else json.dumps(record, ensure_ascii=False)))


def _copy_rows(conn: psycopg.Connection, table: SourceTable, plan: _Plan, spool, load_id: int,
               mapping: FeedMapping, path: Path, exported_at: datetime,
               progress: Progress | None) -> tuple[int, int, int]:
    """Stream the rows into COPY in batches, converting column by column; failures go to the spool."""
    header = table.header
    width = len(header)
    columns = ", ".join([name for name, _ in META_COLUMNS] + plan.columns + plan.constant_columns)
    meta = (str(load_id), _escape(mapping.feed), exported_at.isoformat(sep=" "))
    constants = [NULL if c is None else _escape(c) for c in plan.constants]
    text_fields = [mapping.target.field(name).type == "text" for name in plan.columns]
    column_converters = [ColumnConverter(c) for c in plan.converters]
    counts = {"read": 0, "loaded": 0, "quarantined": 0}
    cells_batch: list[list[str]] = []
    numbers: list[int] = []

    def quarantine(number: int, field: str | None, value: str | None, reason: str, cells: list[str] | None) -> None:
        record = None if cells is None else dict(zip(header, cells, strict=False))
        spool.write(_quarantine_line(load_id, mapping, path, number, field, value, reason, record))
        counts["quarantined"] += 1

    def flush(copy) -> None:
        if not cells_batch:
            return
        source_columns = list(zip(*cells_batch, strict=True))
        converted = []
        failures: dict[int, list[tuple[str, str, str]]] = {}
        for source, position, convert in zip(plan.sources, plan.positions, column_converters, strict=True):
            values, errors = convert(source_columns[position])
            converted.append(values)
            for index, reason in errors.items():
                failures.setdefault(index, []).append((source, source_columns[position][index], reason))
        size = len(cells_batch)
        text_columns = [repeat(m, size) for m in meta]
        text_columns.append(list(map(str, numbers)))
        text_columns.extend(_copy_column(values, is_text) for values, is_text in zip(converted, text_fields, strict=True))
        text_columns.extend(repeat(c, size) for c in constants)
        lines = map("\t".join, zip(*text_columns))
        if failures:
            lines = (line for index, line in enumerate(lines) if index not in failures)
            for index, problems in failures.items():
                field, value, reason = problems[0]
                if len(problems) > 1:
                    reason = "; ".join(f"«{f}»: {r}" for f, _, r in problems)
                quarantine(numbers[index], field, value, reason, cells_batch[index])
        copy.write("\n".join(lines) + "\n")
        counts["loaded"] += size - len(failures)
        cells_batch.clear()
        numbers.clear()

    # The queued writer sends on a worker thread, so converting the next batch
    # (CPU, this thread) overlaps with the server writing the previous one.
    cursor = conn.cursor()
    with cursor.copy(f"copy {mapping.target.table} ({columns}) from stdin",
                     writer=QueuedLibpqWriter(cursor)) as copy:
        for rows, row_numbers, broken in table.batches(BATCH_ROWS):
            counts["read"] += len(rows) + len(broken)
            for number, error in broken:
                quarantine(number, None, None, error, None)
            if any(len(cells) != width for cells in rows):
                keep = []
                for cells, number in zip(rows, row_numbers, strict=True):
                    if len(cells) == width:
                        keep.append((cells, number))
                    elif len(cells) == 1 and not cells[0].strip():
                        counts["read"] -= 1  # a line of spaces is not a row
                    else:
                        quarantine(number, None, None, f"the row has {len(cells)} cells but the header has "
                                   f"{width} (a truncated or shifted row; check delimiters and quotes)", cells)
                rows = [cells for cells, _ in keep]
                row_numbers = [number for _, number in keep]
            cells_batch[:] = rows
            numbers[:] = row_numbers
            flush(copy)
            if progress is not None:
                progress(counts["read"])
    if progress is not None:
        progress(counts["read"])
    return counts["read"], counts["loaded"], counts["quarantined"]


def _reject_all(table: SourceTable, plan: _Plan, spool, load_id: int, mapping: FeedMapping,
                path: Path) -> tuple[int, int, int, str]:
    """A file without a required column: every row goes to quarantine, none is loaded."""
    missing = ", ".join(f"«{column}» (field {field})" for field, column in plan.missing_required)
    message = (f"{path.name}: required column {missing} is missing from the header; "
               f"the header has: {', '.join(repr(h) for h in table.header)}")
    field = plan.missing_required[0][1]
    reason = f"the file has no required column «{field}»; the whole file is rejected"
    read = 0
    for number, cells, _ in table.rows:
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
