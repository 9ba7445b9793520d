"""What the loader put in quarantine, and loading it again once the source is fixed.

The loader never drops a row silently: a row it cannot load goes to
``raw.quarantine`` with its file, row number, field, value and reason
(a file without a required column goes there whole). ``summary`` groups
them per file, field and reason (``quality.quarantine_summary``);
``reload`` takes a corrected copy of a file and loads exactly the rows that
were quarantined from the original, as a new load, and marks the ones that
now loaded as resolved. Rows still wrong stay in quarantine, under the new
load, with their new reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import psycopg

from orchestration.ingest.loader import LoadResult, load_file
from orchestration.ingest.mapping import load_mappings
from orchestration.quality.store import bootstrap_quality


class QuarantineError(ValueError):
    """A reload that cannot be done; the message says why and what to do."""


@dataclass(frozen=True)
class SummaryRow:
    feed: str
    file_name: str
    load_id: int
    file_status: str
    field: str
    reason: str
    rows: int
    resolved: int
    first_row: int


def summary(conn: psycopg.Connection, file_name: str | None = None, *, open_only: bool = False) -> list[SummaryRow]:
    bootstrap_quality(conn)
    rows = conn.execute(
        """
        select feed, file_name, load_id, file_status, field, reason, row_count, resolved_count, first_row
        from quality.quarantine_summary
        where (%(file)s::text is null or file_name = %(file)s::text)
          and (not %(open)s or row_count > resolved_count)
        order by load_id, field, reason
        """,
        {"file": file_name, "open": open_only},
    ).fetchall()
    return [SummaryRow(*row) for row in rows]


@dataclass(frozen=True)
class ReloadResult:
    original_load_id: int
    result: LoadResult
    requested: int  # quarantined rows of the original asked for
    resolved: int  # of those, loaded now


def reload(conn: psycopg.Connection, corrected: Path, original: str | None = None) -> ReloadResult:
    """Load from ``corrected`` only the rows quarantined from its original (same file name unless ``original``)."""
    bootstrap_quality(conn)
    name = original or corrected.name
    found = conn.execute(
        """
        select f.load_id, f.feed from raw.load_files as f
        where f.file_name = %s
          and exists (select from raw.quarantine as q where q.load_id = f.load_id and q.resolved_by_load_id is null)
        order by f.load_id desc limit 1
        """,
        (name,),
    ).fetchone()
    if found is None:
        raise QuarantineError(
            f"{name}: no load of a file with this name has unresolved quarantined rows; "
            "see `tsur quarantine list` (use --original if the corrected file has another name)"
        )
    original_load_id, feed = found
    mappings = load_mappings()
    if feed not in mappings:
        raise QuarantineError(f"{name}: feed {feed!r} of load {original_load_id} has no mapping in seeds/feeds/")
    wanted = frozenset(
        number
        for (number,) in conn.execute(
            "select row_number from raw.quarantine where load_id = %s and resolved_by_load_id is null",
            (original_load_id,),
        )
    )
    result = load_file(conn, corrected, mappings[feed], only_rows=wanted)
    if result.status == "skipped":
        raise QuarantineError(f"{corrected}: this exact file was loaded before ({result.message}); nothing to reload")
    with conn.transaction():
        resolved = conn.execute(
            """
            update raw.quarantine as q set resolved_by_load_id = %(new)s
            where q.load_id = %(old)s and q.resolved_by_load_id is null
              and not exists (
                  select from raw.quarantine as again where again.load_id = %(new)s and again.row_number = q.row_number
              )
              and %(status)s = 'loaded'
            """,
            {"new": result.load_id, "old": original_load_id, "status": result.status},
        ).rowcount
    return ReloadResult(original_load_id, result, len(wanted), resolved)
