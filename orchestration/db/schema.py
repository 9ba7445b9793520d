"""The warehouse's schemas and the raw layer's tables, created idempotently.

Only the loader writes to ``raw``. Each raw table is partitioned by load:
every file's rows go into a table of their own, created in the loading
transaction and attached when the file is complete. A whole load can then be
dropped at once, a partial one can never be seen, and on a server with
``wal_level=minimal`` (the embedded one) COPY into a table created in the same
transaction writes no WAL. dbt owns ``reference`` (seeds),
``staging``, ``intermediate`` and ``marts``. Raw tables are derived from the
targets in :mod:`orchestration.ingest.targets`, so the loader, the DDL and the
dbt sources cannot drift apart (a test compares the dbt sources with them).
"""

from __future__ import annotations

import psycopg

from orchestration.ingest.targets import META_COLUMNS, SQL_TYPES, TARGETS, Target

SCHEMAS = ("raw", "reference", "staging", "intermediate", "marts")

REGISTRY_DDL = """
create table if not exists raw.load_files (
    load_id bigserial primary key,
    feed text not null,
    target text not null,
    file_name text not null,
    file_path text not null,
    sha256 text not null,
    size_bytes bigint not null,
    exported_at timestamp without time zone not null,
    status text not null check (status in ('loaded', 'rejected')),
    rows_read integer not null,
    rows_loaded integer not null,
    rows_quarantined integer not null,
    error text,
    started_at timestamp with time zone not null,
    finished_at timestamp with time zone not null default now(),
    check (rows_loaded + rows_quarantined = rows_read)
);
create unique index if not exists load_files_feed_sha256 on raw.load_files (feed, sha256);

create table if not exists raw.quarantine (
    load_id bigint not null references raw.load_files (load_id),
    feed text not null,
    file_name text not null,
    row_number integer not null,
    field text,
    value text,
    reason text not null,
    record jsonb,
    quarantined_at timestamp with time zone not null default now(),
    primary key (load_id, row_number)
);
-- set by `tsur quarantine reload` when a corrected copy of the file loaded the row
alter table raw.quarantine add column if not exists resolved_by_load_id bigint;
"""


def table_ddl(target: Target) -> str:
    columns = [f"{name} {sql}" for name, sql in META_COLUMNS]
    columns += [f"{f.name} {SQL_TYPES[f.type]}" for f in target.fields]
    body = ",\n    ".join(columns)
    comments = "\n".join(
        f"comment on column {target.table}.{f.name} is {_literal(('[PII] ' if f.pii else '') + f.description)};"
        for f in target.fields
    )
    # Fields added to a target after a warehouse was created arrive as new
    # nullable columns: older loads simply have them empty.
    additions = "\n".join(
        f"alter table {target.table} add column if not exists {f.name} {SQL_TYPES[f.type]};" for f in target.fields
    )
    return (
        f"create table if not exists {target.table} (\n    {body}\n) partition by list (_load_id);\n{additions}\n"
        f"comment on table {target.table} is {_literal(target.description)};\n{comments}\n"
    )


def partition_name(target: Target, load_id: int) -> str:
    """The partition that holds one load's rows: ``raw.<table>__<load_id>``."""
    return f"{target.table}__{load_id}"


def _check_partitioned(conn: psycopg.Connection) -> None:
    old = [
        name
        for (name,) in conn.execute(
            """
            select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = 'raw' and c.relname = any(%s) and c.relkind <> 'p'
            """,
            ([t.name for t in TARGETS.values()],),
        )
    ]
    if old:
        raise RuntimeError(
            f"raw tables {', '.join(sorted(old))} were created by an older tsur without per-load partitions; "
            "drop the raw schema (or the whole database) and load the files again"
        )


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def bootstrap(conn: psycopg.Connection) -> None:
    """Create schemas, the load registry, the quarantine and every raw table."""
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext('tsur.bootstrap'))")
        for schema in SCHEMAS:
            conn.execute(f"create schema if not exists {schema}")
        conn.execute("revoke all on schema raw from public")
        conn.execute(REGISTRY_DDL)
        _check_partitioned(conn)
        for target in TARGETS.values():
            conn.execute(table_ddl(target))
