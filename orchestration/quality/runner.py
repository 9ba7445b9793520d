"""Run suites with Great Expectations 1.x against the warehouse and record what they found.

An ephemeral GE context is made per call (nothing to keep in sync on disk):
a PostgreSQL data source on the warehouse URL, one query asset per suite
(the table, or for raw tables only the loads under check), one validation per
suite. Results are turned into :class:`~orchestration.quality.store.Outcome`
rows, with failing rows named by the suite's key columns only, and written to
``quality.dq_results``. With ``docs_dir`` a checkpoint also builds GE's Data
Docs site there.
"""

from __future__ import annotations

import contextlib
import io
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import psycopg

from orchestration.quality.store import Outcome, bootstrap_quality, loads_to_check, mark_checked, record
from orchestration.quality.suites import Suite, build_expectation

SAMPLE_SIZE = 20
SITE_NAME = "tsur"


@dataclass
class SuiteRun:
    suite: Suite
    outcomes: list[Outcome]
    load_ids: list[int] | None  # the loads judged (raw suites scoped by load)

    @property
    def critical_failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.critical_failure]

    @property
    def warnings(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.success and o.severity == "warning"]


def _quiet():
    """GE prints (not logs) a notice for unexpected-rows queries without {batch}; ours on raw.load_files mean it."""
    return contextlib.redirect_stdout(io.StringIO())


def sqlalchemy_url(url: str) -> str:
    """GE talks SQLAlchemy: the same server through the psycopg 3 driver."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    raise ValueError(f"not a PostgreSQL URL: {url.split('@')[-1]}")


def run_suites(
    url: str,
    suites: Sequence[Suite],
    *,
    loads: str = "all",
    trigger: str = "tsur check",
    run_id: str | None = None,
    docs_dir: Path | None = None,
    progress: Callable[[Suite], None] | None = None,
) -> list[SuiteRun]:
    """Validate ``suites`` now; raw suites judge ``loads``: "all" of them or only the "new" ones.

    Accepted loads are never judged again. With ``loads="new"`` (the
    pipeline) the judged loads are recorded: the next run looks only at
    loads that arrive after, and again at these if their suite failed
    critically (:func:`~orchestration.quality.store.loads_to_check`).
    """
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    run_id = run_id or uuid.uuid4().hex
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)  # logs and the CLI say enough
    source = context.data_sources.add_postgres("warehouse", connection_string=sqlalchemy_url(url))
    validations, runs = [], []
    try:
        # autocommit: no transaction stays open (holding locks dbt may need) while GE validates
        with psycopg.connect(url, autocommit=True) as conn:
            bootstrap_quality(conn)
            for suite in suites:
                load_ids = None
                if suite.raw_target:
                    load_ids = loads_to_check(conn, suite.raw_target, new_only=loads == "new")
                in_loads = "(" + ",".join(str(i) for i in load_ids) + ")" if load_ids else "(null)"
                query = f"select * from {suite.table}"
                if load_ids is not None:
                    query += f" where _load_id in {in_loads}"
                asset = source.add_query_asset(suite.name, query=query)
                batch = asset.add_batch_definition_whole_table("batch")
                gx_suite = context.suites.add(gx.ExpectationSuite(name=suite.name))
                with _quiet():
                    for spec in suite.expectations:
                        gx_suite.add_expectation(build_expectation(spec, where=str(suite.path), loads=in_loads))
                    validation = context.validation_definitions.add(
                        gx.ValidationDefinition(name=suite.name, data=batch, suite=gx_suite)
                    )
                validations.append((suite, validation, load_ids))
            result_format = {
                "result_format": "COMPLETE",
                "partial_unexpected_count": SAMPLE_SIZE,
            }
            for suite, validation, load_ids in validations:
                if progress:
                    progress(suite)
                keyed = (
                    dict(result_format, unexpected_index_column_names=list(suite.keys)) if suite.keys else result_format
                )
                with _quiet():
                    result = validation.run(result_format=keyed)
                outcomes = [_outcome(suite, spec, r, load_ids) for spec, r in _pair(suite, result.results)]
                runs.append(SuiteRun(suite, outcomes, load_ids))
            record(conn, run_id, trigger, [o for r in runs for o in r.outcomes])
            if loads == "new":
                for run in runs:
                    if run.load_ids:
                        failed = bool(run.critical_failures)
                        mark_checked(conn, run.suite.raw_target, run.load_ids, run_id, critical_failed=failed)
        if docs_dir is not None:
            build_docs(context, [v for _, v, _ in validations], docs_dir)
    finally:
        # GE's SQLAlchemy engine keeps a pool of connections to the warehouse: close them, so that a long-lived
        # process (Dagster, the dashboards) does not hold sessions open (they block DROP or CREATE … TEMPLATE)
        source.get_engine().dispose()
    return runs


def _pair(suite: Suite, results) -> list:
    """GE returns results in its own order; match them to the specs by their meta."""
    by_key = {}
    for r in results:
        meta = r.expectation_config.meta or {}
        by_key.setdefault((r.expectation_config.type, meta.get("description")), []).append(r)
    return [(spec, by_key[(spec.type, spec.description)].pop(0)) for spec in suite.expectations]


def _outcome(suite: Suite, spec, result, load_ids: list[int] | None) -> Outcome:
    error = _error(result.exception_info or {})
    body = result.result or {}
    unexpected = body.get("unexpected_count")
    observed = body.get("observed_value")
    samples: list[dict] | None = None
    if "details" in body and isinstance(body["details"], dict) and "unexpected_rows" in body["details"]:
        rows = body["details"]["unexpected_rows"] or []
        unexpected = observed if isinstance(observed, int) else len(rows)
        samples = [_keys_only(row, suite.keys, all_columns=True) for row in rows[:SAMPLE_SIZE]]
        observed = f"{unexpected} unexpected rows"
    elif body.get("unexpected_index_list"):
        samples = [_keys_only(row, suite.keys) for row in body["unexpected_index_list"][:SAMPLE_SIZE]]
    if error:
        error = error.strip().splitlines()[0][:500]
    return Outcome(
        suite=suite.name,
        table_name=suite.table,
        layer=suite.layer,
        expectation_index=spec.index,
        expectation=spec.label,
        description=spec.description,
        severity=spec.severity,
        success=bool(result.success) and not error,
        observed_value=None if observed is None else str(observed)[:500],
        element_count=body.get("element_count"),
        unexpected_count=unexpected,
        sample_keys=samples,
        load_ids=load_ids,
        error=error,
    )


def _error(info: dict) -> str | None:
    """GE reports an exception either flat or per metric; the first message is enough."""
    if "raised_exception" in info:
        return info.get("exception_message") if info["raised_exception"] else None
    messages = [_error(v) for v in info.values() if isinstance(v, dict)]
    return next((m for m in messages if m), None)


def _keys_only(row: dict, keys: Sequence[str], *, all_columns: bool = False) -> dict:
    """A failing row as its ids. Unexpected-rows queries select ids only, so all their columns are kept."""
    if all_columns:
        return dict(row)
    return {k: row[k] for k in keys if k in row}


def build_docs(context, validations, docs_dir: Path) -> Path:
    """Great Expectations' Data Docs for these validations, as a static site in ``docs_dir``."""
    import great_expectations as gx

    docs_dir.mkdir(parents=True, exist_ok=True)
    context.add_data_docs_site(
        site_name=SITE_NAME,
        site_config={
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        },
    )
    checkpoint = context.checkpoints.add(
        gx.Checkpoint(
            name="tsur_check",
            validation_definitions=validations,
            actions=[gx.checkpoint.UpdateDataDocsAction(name="data_docs", site_names=[SITE_NAME])],
            result_format={"result_format": "SUMMARY"},
        )
    )
    with _quiet():
        checkpoint.run()
    return docs_dir / "index.html"
