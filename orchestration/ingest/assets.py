"""The raw tables as Dagster assets: one multi-asset loads every feed's new files.

Asset keys are ``["raw", <table>]``, the same as the dbt sources, so dbt's
staging models hang off them with no glue code.

(No ``from __future__ import annotations`` here: Dagster reads the config
class from the function's annotations at definition time.)
"""

from collections import defaultdict
from pathlib import Path

from dagster import AssetExecutionContext, AssetKey, AssetSpec, Config, Failure, MaterializeResult, multi_asset
from pydantic import Field

from orchestration.db.resources import WarehouseResource
from orchestration.db.schema import bootstrap
from orchestration.ingest.loader import IngestError, LoadResult, load_file, plan_files
from orchestration.ingest.mapping import load_mappings
from orchestration.ingest.targets import TARGETS
from orchestration.settings import load_settings

RAW_GROUP = "raw"


class IngestConfig(Config):
    paths: list[str] = Field(
        default_factory=list,
        description="Files or folders to load; empty means the landing folder (TSUR_LANDING_DIR).",
    )


@multi_asset(
    name="raw_feeds",
    specs=[
        AssetSpec(
            AssetKey(["raw", target.name]),
            description=target.description,
            group_name=RAW_GROUP,
            kinds={"postgres"},
            skippable=True,
        )
        for target in TARGETS.values()
    ],
    can_subset=True,
)
def raw_feeds(context: AssetExecutionContext, config: IngestConfig, warehouse: WarehouseResource):
    """Load every not-yet-loaded file of the selected raw tables, each file atomically."""
    paths = [Path(p) for p in config.paths] or [load_settings().landing_dir]
    paths = [p for p in paths if p.exists()]
    planned, unmatched = plan_files(paths, load_mappings())
    for path in unmatched:
        context.log.warning(f"{path}: no feed matches this file name; it was not loaded")
    selected = {key.path[-1] for key in context.selected_asset_keys}
    results: dict[str, list[LoadResult]] = defaultdict(list)
    failures: list[str] = []
    with warehouse.connect() as conn:
        bootstrap(conn)
        for path, mapping in planned:
            if mapping.target.name not in selected:
                continue
            try:
                result = load_file(conn, path, mapping)
            except IngestError as exc:
                failures.append(str(exc))
                context.log.error(str(exc))
                continue
            results[mapping.target.name].append(result)
            log = context.log.warning if result.status == "rejected" else context.log.info
            log(
                f"{path.name}: {result.status}, read {result.rows_read}, loaded {result.rows_loaded}, "
                f"quarantined {result.rows_quarantined}" + (f" — {result.message}" if result.message else "")
            )
    if failures:
        raise Failure(description=f"{len(failures)} file(s) could not be read", metadata={"errors": failures})
    for name in sorted(selected):
        done = results.get(name, [])
        yield MaterializeResult(
            asset_key=AssetKey(["raw", name]),
            metadata={
                "files_loaded": sum(r.status == "loaded" for r in done),
                "files_rejected": sum(r.status == "rejected" for r in done),
                "files_skipped": sum(r.status == "skipped" for r in done),
                "rows_read": sum(r.rows_read for r in done),
                "rows_loaded": sum(r.rows_loaded for r in done),
                "rows_quarantined": sum(r.rows_quarantined for r in done),
            },
        )
