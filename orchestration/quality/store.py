"""Where validation results live: the ``quality`` schema, outside dbt's reach.

dbt owns staging, intermediate and marts and may drop them (``--full-refresh``);
the history of quality checks must survive that, so it has its own schema,
created here like the raw registry. Dashboards read ``quality.dq_latest``
(the newest result of every expectation) and ``quality.quarantine_summary``;
exports ask :func:`quality_status` whether anything critical is failing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

import psycopg

QUALITY_DDL = """
create schema if not exists quality;

create table if not exists quality.dq_results (
    run_id text not null,
    checked_at timestamp with time zone not null default now(),
    trigger text not null,
    suite text not null,
    table_name text not null,
    layer text not null,
    expectation_index integer not null,
    expectation text not null,
    description text not null,
    severity text not null check (severity in ('critical', 'warning')),
    success boolean not null,
    observed_value text,
    element_count bigint,
    unexpected_count bigint,
    sample_keys jsonb,
    load_ids bigint[],
    error text,
    primary key (run_id, suite, expectation_index)
);
create index if not exists dq_results_suite_checked on quality.dq_results (suite, expectation_index, checked_at desc);
comment on table quality.dq_results is
    'Every Great Expectations result of every run (tsur check, Dagster asset checks). sample_keys: ids only.';

-- The loads of each raw table that a pipeline run has judged. A load judged in a run whose suite failed
-- critically stays under check (and keeps blocking the build) until its table passes or someone accepts it.
create table if not exists quality.dq_checked_loads (
    load_id bigint primary key,
    table_name text not null,
    run_id text not null,
    checked_at timestamp with time zone not null default now(),
    critical_failed boolean not null default false,
    accepted_at timestamp with time zone,
    accepted_reason text
);
alter table quality.dq_checked_loads add column if not exists critical_failed boolean not null default false;
alter table quality.dq_checked_loads add column if not exists accepted_at timestamp with time zone;
alter table quality.dq_checked_loads add column if not exists accepted_reason text;

create or replace view quality.dq_latest as
select distinct on (suite, expectation_index)
    suite, table_name, layer, expectation_index, expectation, description, severity, success,
    observed_value, element_count, unexpected_count, sample_keys, load_ids, error, run_id, checked_at, trigger
from quality.dq_results
order by suite, expectation_index, checked_at desc;
comment on view quality.dq_latest is 'The newest result of each expectation: what the quality dashboard shows.';

create or replace view quality.quarantine_summary as
select
    q.feed,
    q.file_name,
    q.load_id,
    f.status as file_status,
    coalesce(q.field, '(whole row)') as field,
    -- the reason without the cell value, so that one kind of fault is one line
    regexp_replace(q.reason, '^«[^»]*»: ', '') as reason,
    count(*) as row_count,
    count(*) filter (where q.resolved_by_load_id is not null) as resolved_count,
    min(q.row_number) as first_row,
    max(q.quarantined_at) as quarantined_at
from raw.quarantine as q
inner join raw.load_files as f on f.load_id = q.load_id
group by 1, 2, 3, 4, 5, 6;
comment on view quality.quarantine_summary is
    'Rows the loader put in quarantine, per file, field and reason; resolved_count: reloaded after a fix.';
"""


def bootstrap_quality(conn: psycopg.Connection) -> None:
    """Create the quality schema, its tables and views (idempotent; needs raw's registry first)."""
    from orchestration.db.schema import bootstrap

    bootstrap(conn)
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext('tsur.quality.bootstrap'))")
        conn.execute(QUALITY_DDL)


@dataclass
class Outcome:
    """One expectation's result in one run."""

    suite: str
    table_name: str
    layer: str
    expectation_index: int
    expectation: str
    description: str
    severity: str
    success: bool
    observed_value: str | None = None
    element_count: int | None = None
    unexpected_count: int | None = None
    sample_keys: list[dict] | None = None
    load_ids: list[int] | None = None
    error: str | None = None

    @property
    def critical_failure(self) -> bool:
        return not self.success and self.severity == "critical"


def record(conn: psycopg.Connection, run_id: str, trigger: str, outcomes: Iterable[Outcome]) -> None:
    rows = [
        (
            run_id,
            trigger,
            o.suite,
            o.table_name,
            o.layer,
            o.expectation_index,
            o.expectation,
            o.description,
            o.severity,
            o.success,
            o.observed_value,
            o.element_count,
            o.unexpected_count,
            None if o.sample_keys is None else json.dumps(o.sample_keys, ensure_ascii=False, default=str),
            o.load_ids,
            o.error,
        )
        for o in outcomes
    ]
    with conn.transaction(), conn.cursor() as cur:
        cur.executemany(
            """
            insert into quality.dq_results (run_id, trigger, suite, table_name, layer, expectation_index,
                expectation, description, severity, success, observed_value, element_count, unexpected_count,
                sample_keys, load_ids, error)
            values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
            on conflict (run_id, suite, expectation_index) do update set
                success = excluded.success, observed_value = excluded.observed_value,
                unexpected_count = excluded.unexpected_count, sample_keys = excluded.sample_keys,
                error = excluded.error, checked_at = now()
            """,
            rows,
        )


def loads_to_check(conn: psycopg.Connection, raw_table: str, *, new_only: bool) -> list[int]:
    """Loads of a raw table (loaded or rejected) to judge, never the accepted ones.

    ``new_only``: those no run has judged yet, plus those judged in a run
    whose suite failed critically (they keep failing until fixed or accepted).
    Otherwise every load.
    """
    return [
        load_id
        for (load_id,) in conn.execute(
            """
            select f.load_id from raw.load_files as f
            left join quality.dq_checked_loads as c on c.load_id = f.load_id
            where f.target = %s
              and c.accepted_at is null
              and (not %s or c.load_id is null or c.critical_failed)
            order by f.load_id
            """,
            (raw_table, new_only),
        )
    ]


def mark_checked(
    conn: psycopg.Connection, raw_table: str, load_ids: list[int], run_id: str, *, critical_failed: bool
) -> None:
    with conn.transaction(), conn.cursor() as cur:
        cur.executemany(
            """
            insert into quality.dq_checked_loads (load_id, table_name, run_id, critical_failed)
            values (%s, %s, %s, %s)
            on conflict (load_id) do update set
                run_id = excluded.run_id, checked_at = now(), critical_failed = excluded.critical_failed
            """,
            [(load_id, raw_table, run_id, critical_failed) for load_id in load_ids],
        )


class AcceptError(ValueError):
    """A load that cannot be accepted; the message says why."""


def accept_load(conn: psycopg.Connection, load_id: int, reason: str) -> str:
    """Accept a load's critical failures after review: it stops blocking the build. Returns its file name."""
    bootstrap_quality(conn)
    found = conn.execute(
        """
        select f.file_name, c.critical_failed, c.accepted_at
        from raw.load_files as f left join quality.dq_checked_loads as c on c.load_id = f.load_id
        where f.load_id = %s
        """,
        (load_id,),
    ).fetchone()
    if found is None:
        raise AcceptError(f"load {load_id}: no such load in raw.load_files")
    file_name, failed, accepted_at = found
    if accepted_at is not None:
        raise AcceptError(f"load {load_id} ({file_name}) was accepted before, at {accepted_at:%Y-%m-%d %H:%M}")
    if not failed:
        raise AcceptError(f"load {load_id} ({file_name}) has no critical failure to accept")
    with conn.transaction():
        conn.execute(
            "update quality.dq_checked_loads set accepted_at = now(), accepted_reason = %s where load_id = %s",
            (reason, load_id),
        )
    return file_name


@dataclass(frozen=True)
class QualityStatus:
    clean: bool
    critical_failures: list[tuple[str, str, int | None]]  # (suite, expectation, unexpected count)
    warnings: list[tuple[str, str, int | None]]
    checked: int  # expectations with a latest result


def quality_status(conn: psycopg.Connection, tables: Iterable[str] | None = None) -> QualityStatus:
    """Is the latest result of every expectation (of ``tables``, default all) free of critical failures?

    This is what an export asks before it sends anything: a mart whose
    latest check failed critically is not published. With no result at all
    the status is not clean either (nothing has been checked).
    """
    wanted = sorted(tables) if tables is not None else None
    rows = conn.execute(
        """
        select suite, expectation, severity, success, unexpected_count from quality.dq_latest
        where %(tables)s::text[] is null or table_name = any(%(tables)s::text[])
        order by suite, expectation_index
        """,
        {"tables": wanted},
    ).fetchall()
    critical = [(s, e, n) for s, e, sev, ok, n in rows if not ok and sev == "critical"]
    warnings = [(s, e, n) for s, e, sev, ok, n in rows if not ok and sev == "warning"]
    return QualityStatus(
        clean=bool(rows) and not critical, critical_failures=critical, warnings=warnings, checked=len(rows)
    )
