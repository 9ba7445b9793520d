"""The exports' own tables, next to the marts and out of dbt's way: packages built and every delivery attempt.

``exports.packages`` lists each revision built (with the wall-clock time it
was built, which the package itself does not carry); ``exports.delivery_log``
has one row per attempt to put a package somewhere; the view
``exports.delivery_status`` (no personal data, none is here) is what the
data-quality dashboard reads: each package's state per channel.
"""

from __future__ import annotations

import psycopg

DDL = """
create schema if not exists exports;

create table if not exists exports.packages (
    package_id bigserial primary key,
    region_code text not null,
    kind text not null check (kind in ('weekly', 'monthly', 'quarterly')),
    period text not null,
    revision integer not null check (revision >= 1),
    idempotency_key text not null unique,
    content_sha256 text not null,
    path text not null,
    data_as_of timestamptz not null,
    quality_status text not null,
    row_counts jsonb not null,
    built_at timestamptz not null default now(),
    unique (region_code, kind, period, revision)
);
comment on table exports.packages is 'Export packages built (one row per revision); the files are in the outbox.';

create table if not exists exports.delivery_log (
    delivery_id bigserial primary key,
    package_id bigint not null references exports.packages (package_id),
    idempotency_key text not null,
    channel text not null check (channel in ('outbox', 'https')),
    destination text not null,
    attempt integer not null,
    status text not null check (status in ('sent', 'acknowledged', 'failed')),
    http_status integer,
    error text,
    receipt text,
    at timestamptz not null default now()
);
create index if not exists delivery_log_package on exports.delivery_log (package_id, channel, at);
comment on table exports.delivery_log is
    'Every attempt to deliver an export package: sent, acknowledged or failed, and why.';

create or replace view exports.delivery_status as
with last_attempt as (
    select distinct on (package_id, channel)
        package_id, channel, destination, status, http_status, error, at
    from exports.delivery_log
    order by package_id, channel, at desc, delivery_id desc
),

attempts as (
    select package_id, channel, count(*) as attempts, min(at) as first_attempt_at
    from exports.delivery_log
    group by package_id, channel
)

select
    p.region_code,
    p.kind,
    p.period,
    p.revision,
    p.idempotency_key,
    p.quality_status,
    p.built_at,
    l.channel,
    l.destination,
    l.status as last_status,
    l.status <> 'acknowledged' and l.channel = 'https' as is_pending,
    a.attempts,
    a.first_attempt_at,
    l.at as last_attempt_at,
    l.http_status as last_http_status,
    l.error as last_error
from exports.packages as p
inner join last_attempt as l on p.package_id = l.package_id
inner join attempts as a on l.package_id = a.package_id and l.channel = a.channel;
comment on view exports.delivery_status is
    'Each export package''s delivery state per channel, for the data-quality dashboard.';
"""


def ensure_schema(conn: psycopg.Connection) -> None:
    """Create the exports schema, tables and view if missing (idempotent; safe under concurrent runs)."""
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext('tsur.exports.ddl'))")
        conn.execute(DDL)
