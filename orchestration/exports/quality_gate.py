"""The data-quality gate exports pass through: no package is built from data that failed a critical check.

This is the one interface between exports and data quality:
:func:`quality_status` answers "may this region's period be exported, and on
what quality status?". Until the Great Expectations gates (issue 4) are
merged it reads what the warehouse has today:

* the newest dbt ``run_results.json`` of a build under ``dbt_project/target``
  (or the file ``TSUR_DBT_RUN_RESULTS`` names) — the dbt tests: a test that
  fails with severity ``error``, or a model that errors, is critical; a
  ``warn`` is recorded but does not stop the export;
* ``raw.load_files``: a feed whose newest file was rejected is a warning (its
  data stop before that file until a corrected one is loaded; the manifest
  says so) — not critical, since what was loaded is still right;
* ``raw.quarantine``: a feed whose files of the period's export dates lost
  more than ``TSUR_EXPORT_MAX_QUARANTINE_SHARE`` (5 %) of their rows to
  quarantine is critical; any smaller loss is a warning.

* the Great Expectations suites (``orchestration/quality``): the newest
  result of every expectation on the tables exports read from — staging,
  intermediate and marts (``quality.dq_latest``). A critical failure refuses
  the export; a warning is recorded. Raw suites are not consulted here: a
  critical failure of a load already stops the build before the marts, and a
  load accepted after review (``tsur accept-load``) must not block exports
  forever. No result at all (a warehouse built without the checks) is a
  warning.

The manifest records the result either way (docs/exports.md, "Quality gate").
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path

import psycopg

from orchestration.exports.periods import Period
from orchestration.settings import DBT_PROJECT_DIR


@dataclass
class QualityStatus:
    status: str  # passed | warning | failed
    checked: list[str] = field(default_factory=list)  # what was looked at
    critical: list[str] = field(default_factory=list)  # why the export is refused
    warnings: list[str] = field(default_factory=list)
    dbt_run: dict | None = None  # invocation id, generated at, counts of the build the tests come from

    @property
    def passed(self) -> bool:
        return not self.critical

    def as_manifest(self) -> dict:
        return asdict(self)


class ExportRefused(RuntimeError):
    """The data failed a critical quality check; the message lists them."""


def latest_run_results(target_dir: Path | None = None) -> Path | None:
    """The newest run_results.json of a ``dbt build`` under dbt's target folder (Dagster keeps one per run).

    Newest by modification time first, so only the last few files are read however many runs accumulate.
    """
    root = target_dir or DBT_PROJECT_DIR / "target"
    candidates = sorted(root.rglob("run_results.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    for path in candidates:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if "build" in (document.get("args", {}).get("which") or ""):
            return path
    return None


def _dbt_findings(run_results: Path | None, status: QualityStatus) -> None:
    if run_results is None:
        status.warnings.append("no dbt build results found: the dbt tests of the data could not be confirmed")
        return
    document = json.loads(run_results.read_text(encoding="utf-8"))
    counts: dict[str, int] = {}
    for result in document.get("results", []):
        state = result.get("status")
        counts[state] = counts.get(state, 0) + 1
        node = result.get("unique_id", "?")
        if state in ("fail", "error", "runtime error"):
            status.critical.append(f"dbt {node}: {state} ({(result.get('message') or '').strip()[:200]})")
        elif state == "warn":
            status.warnings.append(f"dbt {node}: warn ({(result.get('message') or '').strip()[:200]})")
    status.checked.append(f"dbt build results ({run_results.name})")
    status.dbt_run = {
        "invocation_id": document.get("metadata", {}).get("invocation_id"),
        "generated_at": document.get("metadata", {}).get("generated_at"),
        "results": dict(sorted(counts.items())),
    }


def _load_findings(conn: psycopg.Connection, period: Period, max_share: float, status: QualityStatus) -> None:
    newest = conn.execute(
        """
        select distinct on (feed) feed, file_name, status, error
        from raw.load_files
        order by feed, exported_at desc, load_id desc
        """
    ).fetchall()
    for feed, file_name, state, error in newest:
        if state == "rejected":
            status.warnings.append(f"feed {feed}: its newest file {file_name} was rejected ({error})")
    # files exported while the period ran and in the week after it (late answers and ratings)
    shares = conn.execute(
        """
        select feed, sum(rows_read), sum(rows_quarantined)
        from raw.load_files
        where status = 'loaded' and exported_at >= %s and exported_at < %s
        group by feed order by feed
        """,
        (period.start, period.end + timedelta(days=8)),
    ).fetchall()
    for feed, read, quarantined in shares:
        if not read or not quarantined:
            continue
        share = quarantined / read
        message = f"feed {feed}: {quarantined} of {read} rows ({share:.2%}) quarantined in the period's files"
        (status.critical if share > max_share else status.warnings).append(message)
    status.checked.append("raw.load_files (rejected files), raw.quarantine (quarantined share per feed)")


def _expectation_findings(conn: psycopg.Connection, status: QualityStatus) -> None:
    from orchestration.quality.store import quality_status as latest_expectations
    from orchestration.quality.suites import load_suites

    tables = [suite.table for suite in load_suites() if not suite.table.startswith("raw.")]
    # reading the gate creates nothing: a warehouse no check has run on has no quality schema yet
    never_checked = conn.execute("select to_regclass('quality.dq_latest') is null").fetchone()[0]
    latest = None if never_checked else latest_expectations(conn, tables)
    if latest is None or not latest.checked:
        status.warnings.append("no Great Expectations results yet for the warehouse's tables (tsur check)")
        if latest is None:
            return
    for suite, expectation, count in latest.critical_failures:
        status.critical.append(f"quality suite {suite}: {expectation} failed ({count} unexpected)")
    for suite, expectation, count in latest.warnings:
        status.warnings.append(f"quality suite {suite}: {expectation} failed ({count} unexpected) — warning")
    status.checked.append(f"Great Expectations: {latest.checked} expectations on {len(tables)} tables")


def quality_status(
    conn: psycopg.Connection,
    region: str,
    period: Period,
    *,
    run_results: Path | None = None,
    max_quarantine_share: float = 0.05,
) -> QualityStatus:
    """The quality status a package of ``region`` and ``period`` would be built from."""
    status = QualityStatus(status="passed")
    if run_results is None and os.environ.get("TSUR_DBT_RUN_RESULTS", "").strip():
        run_results = Path(os.environ["TSUR_DBT_RUN_RESULTS"].strip())
    _dbt_findings(run_results if run_results is not None else latest_run_results(), status)
    _load_findings(conn, period, max_quarantine_share, status)
    _expectation_findings(conn, status)
    status.status = "failed" if status.critical else "warning" if status.warnings else "passed"
    return status
