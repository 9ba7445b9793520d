"""One export run: build the packages, write the governor's report, deliver — as the CLI and Dagster do it."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from orchestration.exports.config import ExportSettings
from orchestration.exports.delivery import DeliveryResult, deliver_pending, pending
from orchestration.exports.package import Package, build_package
from orchestration.exports.periods import KINDS, Period, containing
from orchestration.exports.report import write_report
from orchestration.exports.store import ensure_schema


@dataclass
class ExportOutcome:
    packages: list[Package] = field(default_factory=list)
    reports: list[Path] = field(default_factory=list)
    deliveries: list[DeliveryResult] = field(default_factory=list)
    pending: int = 0  # packages the endpoint has still not acknowledged after this run

    @property
    def delivery_failed(self) -> bool:
        return any(d.status == "failed" for d in self.deliveries)

    def metadata(self) -> dict:
        """What the run did, as Dagster metadata."""
        return {
            "packages": [f"{p.region}/{p.period.kind}/{p.period.label}/r{p.revision}" for p in self.packages],
            "new_revisions": sum(p.created for p in self.packages),
            "outbox": [str(p.path) for p in self.packages],
            "reports": [str(r) for r in self.reports],
            "deliveries": [
                f"{d.package}: {d.status} after {d.attempts} attempt(s) {d.error or ''}".strip()
                for d in self.deliveries
            ],
            "pending_deliveries": self.pending,
        }


def export_period(
    conn: psycopg.Connection,
    region: str,
    period: Period,
    settings: ExportSettings,
    *,
    deliver: bool = True,
    run_results: Path | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> ExportOutcome:
    """The package of one period (and, for a week, the governor's report), then delivery of what is pending."""
    outcome = ExportOutcome()
    outcome.packages.append(
        build_package(
            conn,
            region,
            period,
            settings.outbox,
            run_results=run_results,
            max_quarantine_share=settings.max_quarantine_share,
        )
    )
    if period.kind == "weekly":
        outcome.reports.append(write_report(conn, region, period, settings.outbox))
    if deliver:
        deliver_outstanding(conn, settings, outcome, sleep=sleep)
    return outcome


def regions_with_data(conn: psycopg.Connection) -> list[str]:
    """Regions the marts have appeals for (the default when TSUR_EXPORT_REGIONS is not set)."""
    rows = conn.execute(
        "select distinct region_code from marts.agg_appeals_by_period "
        "where region_code is not null and period_grain = 'quarter' order by 1"
    )
    return [code for (code,) in rows]


def latest_complete(conn: psycopg.Connection, region: str) -> list[Period]:
    """The newest complete week, month and quarter of the region's data."""
    rows = conn.execute(
        """
        select period_grain, max(period_start)
        from marts.agg_appeals_by_period
        where region_code = %s and dimension = 'region' and is_period_complete
            and period_grain in ('week', 'month', 'quarter')
        group by 1
        """,
        (region,),
    ).fetchall()
    by_grain = dict(rows)
    return [containing(kind, by_grain[grain]) for kind, grain in KINDS.items() if by_grain.get(grain)]


def export_latest(
    conn: psycopg.Connection,
    regions: list[str] | tuple[str, ...],
    settings: ExportSettings,
    *,
    deliver: bool = True,
    run_results: Path | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> ExportOutcome:
    """The newest complete week, month and quarter of each region that has data (the main job's export step)."""
    outcome = ExportOutcome()
    for region in regions or regions_with_data(conn):
        for period in latest_complete(conn, region):
            one = export_period(conn, region, period, settings, deliver=False, run_results=run_results)
            outcome.packages += one.packages
            outcome.reports += one.reports
    if deliver:
        deliver_outstanding(conn, settings, outcome, sleep=sleep)
    return outcome


def deliver_outstanding(
    conn: psycopg.Connection,
    settings: ExportSettings,
    outcome: ExportOutcome,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Deliver every package not yet acknowledged (this run's and earlier failures) and count what is left."""
    ensure_schema(conn)
    outcome.deliveries += deliver_pending(conn, settings, sleep=sleep)
    outcome.pending = len(pending(conn)) if settings.delivers else 0
