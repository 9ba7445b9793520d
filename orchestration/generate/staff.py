"""Staff seconded to the thematic blocks, one CSV per quarter.

The acts tie the number of people in a block to its number of appeals, so
each quarter's 10-20 people are split over the blocks in proportion to that
quarter's appeals (largest remainder, so the parts add up to the total).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from orchestration.generate.calendar import Calendar
from orchestration.generate.delimited import write_csv
from orchestration.generate.manifest import FileRecord
from orchestration.generate.reference import Reference

HEADER = ("Регион", "Дата", "Блок", "Организация", "Численность")
MIN_STAFF, MAX_STAFF = 10, 20
APPEALS_PER_PERSON_WEEK = 150  # one person handles about this many appeals a week


def quarter_starts(cal: Calendar) -> list[tuple[int, date]]:
    """(quarter index relative to the period's first quarter, the file's date) for each quarter of the period."""
    starts = [(0, cal.start)]
    first = cal.start.year * 4 + (cal.start.month - 1) // 3
    for d in cal.dates[: cal.days]:
        if d.day == 1 and d.month in (1, 4, 7, 10) and d != cal.start:
            starts.append((d.year * 4 + (d.month - 1) // 3 - first, d))
    return starts


def _split(total: int, weights: dict[str, int]) -> dict[str, int]:
    volume = sum(weights.values())
    exact = {k: total * w / volume for k, w in weights.items()}
    counts = {k: int(x) for k, x in exact.items()}
    for k in sorted(exact, key=lambda k: (counts[k] - exact[k], k))[: total - sum(counts.values())]:
        counts[k] += 1
    return counts


def write_staff(
    ref: Reference, cal: Calendar, block_quarter: dict[tuple[str, int], int], out_dir: Path
) -> list[FileRecord]:
    folder = out_dir / "staff"
    folder.mkdir(parents=True, exist_ok=True)
    blocks = list(ref.blocks)
    files = []
    starts = quarter_starts(cal)
    for i, (quarter, day) in enumerate(starts):
        volume = {b.code: block_quarter.get((b.code, quarter), 0) for b in blocks}
        if not sum(volume.values()):
            volume = {b.code: 1 for b in blocks}
        quarter_end = starts[i + 1][1] if i + 1 < len(starts) else cal.end_date
        weeks = max(1.0, (quarter_end - day).days / 7)
        total = max(MIN_STAFF, min(MAX_STAFF, round(sum(volume.values()) / weeks / APPEALS_PER_PERSON_WEEK)))
        people = _split(total, volume)
        rows = []
        for block in blocks:
            if people[block.code] == 0:
                continue
            leads = [ref.agencies[a] for a, role in ref.block_agencies.get(block.code, []) if role == "lead"]
            valid = [a for a in leads if a.valid_on(day)] or leads
            rows.append(
                [
                    ref.region.name,
                    day.strftime("%d.%m.%Y"),
                    block.name,
                    valid[0].name if valid else "",
                    str(people[block.code]),
                ]
            )
        path = folder / f"staff_{day.isoformat()}.csv"
        write_csv(path, HEADER, rows)
        files.append(FileRecord(path, "staff", len(rows)))
    return files
