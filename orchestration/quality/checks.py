"""Every suite in ``expectations/`` as a Dagster asset check on the asset it checks.

A check runs its suite with Great Expectations right after its asset is
materialised in the same run. Raw suites judge only the loads no run has
judged yet. The check fails with severity ERROR when a critical expectation
fails, and it is *blocking*: Dagster then does not run what depends on the
asset (no mart is rebuilt from a failed load, no export leaves from a failed
mart). When only warnings fail, the check fails with severity WARN, which
Dagster records and shows but which blocks nothing.

A check on a dbt model runs after the whole ``dbt build`` step (dbt builds
all models in one step), so it cannot stop models downstream of it in that
same step; it stops assets in later steps (exports), and the latest status is
what :func:`orchestration.quality.store.quality_status` reports.

(No ``from __future__ import annotations``: Dagster reads the context and
resource types from the function's annotations at definition time.)
"""

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetKey,
    MetadataValue,
    asset_check,
)

from orchestration.db.resources import WarehouseResource
from orchestration.quality.suites import Suite, load_suites

CHECK_PREFIX = "gx_"


def check_name(suite: Suite) -> str:
    return CHECK_PREFIX + suite.table.replace(".", "__")


def _build(suite: Suite) -> AssetChecksDefinition:
    critical = sum(e.severity == "critical" for e in suite.expectations)
    description = (
        f"Great Expectations suite {suite.path.relative_to(suite.path.parents[1])}: "
        f"{len(suite.expectations)} expectations ({critical} critical). {suite.description}"
    )

    @asset_check(
        asset=AssetKey(list(suite.asset)),
        name=check_name(suite),
        description=description,
        blocking=True,
    )
    def _check(context: AssetCheckExecutionContext, warehouse: WarehouseResource) -> AssetCheckResult:
        from orchestration.quality.runner import run_suites

        (run,) = run_suites(warehouse.url(), [suite], loads="new", trigger="dagster", run_id=context.run.run_id)
        failed = [o for o in run.outcomes if not o.success]
        critical_failed = [o for o in failed if o.severity == "critical"]
        for o in failed:
            log = context.log.error if o.severity == "critical" else context.log.warning
            log(
                f"{suite.table} #{o.expectation_index} {o.description}: {o.unexpected_count} unexpected {o.error or ''}"
            )
        return AssetCheckResult(
            passed=not failed,
            severity=AssetCheckSeverity.ERROR if critical_failed else AssetCheckSeverity.WARN,
            metadata={
                "expectations": len(run.outcomes),
                "critical_failed": len(critical_failed),
                "warnings_failed": len(failed) - len(critical_failed),
                "loads_checked": MetadataValue.text(", ".join(map(str, run.load_ids or [])) or "-"),
                "failures": MetadataValue.md(
                    "\n".join(
                        f"- **{o.severity}** #{o.expectation_index} {o.description}: "
                        f"{o.unexpected_count if o.unexpected_count is not None else o.observed_value} unexpected"
                        for o in failed
                    )
                    or "none"
                ),
            },
        )

    return _check


def build_quality_checks() -> list[AssetChecksDefinition]:
    """One blocking asset check per suite file."""
    return [_build(suite) for suite in load_suites()]
