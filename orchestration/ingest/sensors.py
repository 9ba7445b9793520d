"""The landing-folder sensor: files dropped into TSUR_LANDING_DIR start a run."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

from dagster import AssetKey, DefaultSensorStatus, RunRequest, SensorEvaluationContext, SkipReason, sensor

from orchestration.ingest.loader import discover, plan_files
from orchestration.ingest.mapping import load_mappings
from orchestration.jobs import delivery_selection
from orchestration.settings import load_settings

# A file modified more recently than this may still be being copied in.
SETTLE_SECONDS = 10


def new_files(seen: dict[str, str], now: float | None = None) -> dict[str, str]:
    """Files in the landing folder that are new or changed since the cursor, and settled."""
    landing = load_settings().landing_dir
    if not landing.exists():
        return {}
    now = time.time() if now is None else now
    found = {}
    for path in discover([landing]):
        stat = path.stat()
        signature = f"{stat.st_size}:{stat.st_mtime_ns}"
        if seen.get(str(path)) != signature and now - stat.st_mtime >= SETTLE_SECONDS:
            found[str(path)] = signature
    return found


def delivery_assets(paths: list[Path], asset_graph) -> list[AssetKey] | None:
    """What the daily job rebuilds for these files: delivery_selection of the raw tables they load into (a ПОС
    export leaves the staging views of the roadmap, the staff and the indicators as they are); None, the whole
    job, when no feed recognises them, so that the loader reports them."""
    planned, _ = plan_files(paths, load_mappings())
    tables = {mapping.target.name for _, mapping in planned}
    return sorted(delivery_selection(tables).resolve(asset_graph)) if tables else None


def build_landing_sensor(job):
    @sensor(
        job=job,
        minimum_interval_seconds=30,
        default_status=DefaultSensorStatus.RUNNING,
        description="Loads files dropped into the landing folder, then rebuilds the warehouse.",
    )
    def landing_folder_sensor(context: SensorEvaluationContext):
        seen = json.loads(context.cursor or "{}")
        found = new_files(seen)
        if not found:
            return SkipReason("no new files in the landing folder")
        context.update_cursor(json.dumps({**seen, **found}, sort_keys=True))
        run_key = hashlib.sha256(json.dumps(found, sort_keys=True).encode()).hexdigest()[:16]
        # only what the delivered files feed
        selection = None
        if context.repository_def is not None:
            selection = delivery_assets([Path(p) for p in found], context.repository_def.asset_graph)
        return RunRequest(
            run_key=run_key,
            run_config={"ops": {"raw_feeds": {"config": {"paths": sorted(found)}}}},
            tags={"tsur/trigger": "landing_folder"},
            asset_selection=selection,
        )

    return landing_folder_sensor
