"""Generate a whole demo region: the entry point behind `tsur generate`.

The three appeal sources are independent (each has its own random stream,
derived from the seed and the source's name), so they can run in separate
processes and still give the same bytes as a single-process run. The small
template files (roadmap, indicators, staff) come last, because the staff
plan follows the appeals' volume per block.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from orchestration.generate.behaviour import SOURCE_SHARES
from orchestration.generate.calendar import Calendar
from orchestration.generate.defects import Spoiler, ordered
from orchestration.generate.im import FAULTS as IM_FAULTS
from orchestration.generate.im import generate_im
from orchestration.generate.indicators import write_indicators
from orchestration.generate.manifest import FileRecord, SourceResult, write_json, write_manifest
from orchestration.generate.portal import FAULTS as PORTAL_FAULTS
from orchestration.generate.portal import generate_portal
from orchestration.generate.pos import FAULTS as POS_FAULTS
from orchestration.generate.pos import generate_pos
from orchestration.generate.reference import load_reference
from orchestration.generate.roadmap import write_roadmaps
from orchestration.generate.routing import Router
from orchestration.generate.staff import write_staff
from orchestration.settings import REFERENCE_DIR

Progress = Callable[[str, int, int], None]
STAGES = {"pos": "ПОС", "im": "Инцидент Менеджмент", "regional": "региональный портал"}
_SOURCES = {
    "pos": (generate_pos, POS_FAULTS),
    "im": (generate_im, IM_FAULTS),
    "regional": (generate_portal, PORTAL_FAULTS),
}
PARALLEL_FROM = 50_000  # below this, starting worker processes costs more than it saves
# Files a run writes: removed before a new run so an old period's exports never mix with the new ones.
_OWN_FILES = (
    "pos/pos_export_*",
    "im/im_export_*",
    "regional/portal_*.csv",
    "roadmap/roadmap_*.xlsx",
    "indicators/indicators_*.xlsx",
    "staff/staff_*.csv",
    "manifest.json",
    "defects.json",
)


@dataclass
class GenerationSummary:
    """What `generate_region` wrote."""

    out_dir: Path
    files: list[FileRecord]  # (path, feed, rows) of every data file, sorted by path
    appeals: dict[str, int]  # per source: pos, im, regional
    elapsed_seconds: float
    defects: dict[str, int] = field(default_factory=dict)  # kind → how many were injected


def split_appeals(appeals: int) -> dict[str, int]:
    """About 45 % ПОС, 40 % IM, 15 % regional portal; the parts add up to ``appeals``."""
    pos = round(appeals * SOURCE_SHARES["pos"])
    im = round(appeals * SOURCE_SHARES["im"])
    return {"pos": pos, "im": im, "regional": appeals - pos - im}


def _calendar(region_code: str, start: date, months: int, reference_dir: Path):
    ref = load_reference(region_code, reference_dir)
    r = ref.region
    return ref, Calendar(start, months, (r.office_open, r.office_close, r.lunch_start, r.lunch_end))


def _run_source(
    source: str,
    region_code: str,
    start: date,
    months: int,
    seed: int,
    total: int,
    out_dir: Path,
    defects: float,
    reference_dir: Path,
    report: Callable[[str, int, int], None],
) -> SourceResult:
    ref, cal = _calendar(region_code, start, months, reference_dir)
    generate, faults = _SOURCES[source]
    spoiler = Spoiler(defects, seed, source, faults)
    if total <= 0:
        return SourceResult()
    result = generate(
        ref, cal, Router(ref, seed), total, seed, out_dir, spoiler, lambda done, of: report(STAGES[source], done, of)
    )
    result.defects = {path: entries for path, entries in spoiler.records.items() if entries}
    return result


_worker_queue: Any = None


def _init_worker(progress_queue: Any) -> None:
    global _worker_queue
    _worker_queue = progress_queue


def _worker_report(stage: str, done: int, total: int) -> None:
    if _worker_queue is not None and (done == total or done % 7 == 0):
        _worker_queue.put((stage, done, total))


def _worker(args: tuple) -> SourceResult:
    return _run_source(*args, report=_worker_report)


def _clean(out_dir: Path) -> None:
    for pattern in _OWN_FILES:
        for path in sorted(out_dir.glob(pattern)):
            if path.is_file():
                path.unlink()


def generate_region(
    region_code: str,
    appeals: int,
    start: date,
    months: int,
    seed: int,
    out_dir: Path,
    defects: float = 0.0,
    progress: Progress | None = None,
    *,
    workers: int | None = None,
    reference_dir: Path = REFERENCE_DIR,
) -> GenerationSummary:
    """Write a demo region's source files into ``out_dir``: the same arguments always give the same bytes.

    ``workers`` (default: 2 processes from 50 000 appeals on, else 1) changes only the speed.
    Raises ValueError (with what to fix) for bad arguments or reference data.
    """
    started = time.perf_counter()
    if appeals < 1:
        raise ValueError(f"appeals: {appeals}; make at least one")
    if months < 1:
        raise ValueError(f"months: {months}; the period must be at least one month long")
    if not 0.0 <= defects <= 0.5:
        raise ValueError(f"defects: {defects}; a share of rows between 0 and 0.5, e.g. 0.01")
    report = progress or (lambda stage, done, total: None)
    ref, cal = _calendar(region_code, start, months, reference_dir)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    _clean(out_dir)

    totals = split_appeals(appeals)
    order = ("im", "pos", "regional")  # the heaviest first, so two workers finish together
    tasks = {s: (s, region_code, start, months, seed, totals[s], out_dir, defects, reference_dir) for s in order}
    if workers is None:
        workers = 1 if appeals < PARALLEL_FROM else min(2, os.cpu_count() or 1)
    results: dict[str, SourceResult] = {}
    if workers <= 1:
        for source in order:
            results[source] = _run_source(*tasks[source], report=report)
    else:
        context = multiprocessing.get_context("spawn")
        progress_queue = context.Queue()
        with ProcessPoolExecutor(
            workers, mp_context=context, initializer=_init_worker, initargs=(progress_queue,)
        ) as pool:
            futures: dict[str, Future[SourceResult]] = {s: pool.submit(_worker, tasks[s]) for s in order}
            while not all(f.done() for f in futures.values()):
                with contextlib.suppress(queue.Empty):
                    report(*progress_queue.get(timeout=0.2))
            results = {s: f.result() for s, f in futures.items()}
        while True:
            try:
                report(*progress_queue.get_nowait())
            except queue.Empty:
                break

    block_quarter: Counter[tuple[str, int]] = Counter()
    files: list[FileRecord] = []
    for source in order:
        block_quarter.update(results[source].block_quarter)
        files.extend(results[source].files)
    report("документы", 0, 3)
    files.extend(write_roadmaps(ref, cal, seed, out_dir))
    report("документы", 1, 3)
    files.extend(write_indicators(ref, cal, seed, out_dir))
    report("документы", 2, 3)
    files.extend(write_staff(ref, cal, dict(block_quarter), out_dir))
    report("документы", 3, 3)

    ground_truth: dict[str, list[dict[str, Any]]] = {}
    for source in order:
        ground_truth.update(results[source].defects)
    ground_truth = ordered(ground_truth)
    injected = Counter(entry["kind"] for entries in ground_truth.values() for entry in entries)
    parameters = {
        "region": region_code,
        "appeals": appeals,
        "start": start.isoformat(),
        "months": months,
        "seed": seed,
        "defects": defects,
    }
    if defects > 0:
        write_json(
            out_dir / "defects.json",
            {"parameters": parameters, "files": ground_truth, "injected": dict(sorted(injected.items()))},
        )
    files.sort(key=lambda f: f.path.relative_to(out_dir).as_posix())
    write_manifest(out_dir, parameters, files, totals)
    return GenerationSummary(out_dir, files, totals, time.perf_counter() - started, dict(sorted(injected.items())))
