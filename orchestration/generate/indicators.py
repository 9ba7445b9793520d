"""Targets the ЦУР is measured against, one file per calendar year of the period.

The mandatory targets are the public ones (domain.md §5): average ПОС answer
time ≤ 8 days, ≥ 60 % of ratings at 4-5, first response in social networks,
auto-routing to the final executor 5 % → 50 %, agencies in social networks
5 % → 60 %. Indicators the warehouse computes from the appeals have no
actual value here; the ones nobody can compute from appeals (how many
agencies run public pages) carry the ЦУР's own figure.
"""

from __future__ import annotations

import random
from pathlib import Path

from orchestration.generate.calendar import Calendar
from orchestration.generate.manifest import FileRecord
from orchestration.generate.reference import Reference
from orchestration.generate.xlsx import write_xlsx

HEADER = (
    "Регион",
    "Год",
    "Код",
    "Показатель",
    "Вид показателя",
    "Блок",
    "Единица измерения",
    "Направление",
    "Целевое значение",
    "Фактическое значение",
    "Срок достижения",
)
NUMERIC_COLUMNS = (1, 8, 9)
LOWER, HIGHER = "меньше лучше", "больше лучше"
MANDATORY, ADDITIONAL = "обязательный", "дополнительный"

# (code, name, kind, unit, direction, target by year (the last one holds later), actual reported by the ЦУР?)
INDICATORS: tuple[tuple[str, str, str, str, str, dict[int, float], bool], ...] = (
    (
        "POS_AVG_ANSWER_DAYS",
        "Среднее время ответа на сообщения в ПОС",
        MANDATORY,
        "дней",
        LOWER,
        {2024: 10, 2025: 8},
        False,
    ),
    (
        "POS_POSITIVE_RATING_SHARE",
        "Доля оценок 4-5 от числа оцененных ответов в ПОС",
        MANDATORY,
        "%",
        HIGHER,
        {2024: 50, 2025: 60},
        False,
    ),
    (
        "SOC_FIRST_RESPONSE_HOURS",
        "Среднее время первого ответа на инциденты в социальных сетях",
        MANDATORY,
        "часов",
        LOWER,
        {2024: 5, 2025: 4},
        False,
    ),
    (
        "AUTO_ROUTING_SHARE",
        "Доля сообщений, автоматически направленных конечному исполнителю",
        MANDATORY,
        "%",
        HIGHER,
        {2023: 5, 2024: 50, 2025: 50, 2026: 55},
        True,
    ),
    (
        "AGENCIES_SOCIAL_SHARE",
        "Доля органов власти и организаций, работающих с гражданами в социальных сетях",
        MANDATORY,
        "%",
        HIGHER,
        {2023: 5, 2024: 60, 2025: 60, 2026: 65},
        True,
    ),
    (
        "POS_OVERDUE_SHARE",
        "Доля сообщений ПОС, отработанных с нарушением срока",
        ADDITIONAL,
        "%",
        LOWER,
        {2024: 7, 2025: 5},
        False,
    ),
    (
        "POS_RATING_COVERAGE",
        "Доля ответов ПОС, получивших оценку заявителя",
        ADDITIONAL,
        "%",
        HIGHER,
        {2024: 35, 2025: 40},
        False,
    ),
    (
        "IM_SATISFIED_SHARE",
        "Доля авторов, довольных ответом, среди отреагировавших (ИМ)",
        ADDITIONAL,
        "%",
        HIGHER,
        {2024: 45, 2025: 50},
        False,
    ),
    ("FORMAL_REPLY_SHARE", "Доля формальных ответов (отписок)", ADDITIONAL, "%", LOWER, {2024: 5, 2025: 3}, False),
    ("REPEAT_SHARE", "Доля повторных обращений", ADDITIONAL, "%", LOWER, {2024: 12, 2025: 10}, False),
    ("REDIRECT_SHARE", "Доля перенаправленных сообщений", ADDITIONAL, "%", LOWER, {2024: 10, 2025: 8}, False),
)
# Per-block answer time for the loudest blocks, where the region has them.
BLOCK_INDICATOR_BLOCKS = ("zhkh", "roads", "landscaping", "health")


def _target(by_year: dict[int, float], year: int) -> float:
    years = sorted(y for y in by_year if y <= year)
    return by_year[years[-1]] if years else by_year[min(by_year)]


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def write_indicators(ref: Reference, cal: Calendar, seed: int, out_dir: Path) -> list[FileRecord]:
    rng = random.Random(f"{seed}:indicators")
    folder = out_dir / "indicators"
    folder.mkdir(parents=True, exist_ok=True)
    blocks = {b.code: b.name for b in ref.blocks}
    files = []
    for year in range(cal.start.year, cal.dates[cal.days - 1].year + 1):
        deadline = f"31.12.{year}"
        rows = []
        for code, name, kind, unit, direction, by_year, reported in INDICATORS:
            target = _target(by_year, year)
            actual = _number(round(target * rng.uniform(0.8, 1.08), 1)) if reported else ""
            rows.append(
                [ref.region.name, str(year), code, name, kind, "", unit, direction, _number(target), actual, deadline]
            )
        for block in BLOCK_INDICATOR_BLOCKS:
            if block in blocks:
                rows.append(
                    [
                        ref.region.name,
                        str(year),
                        f"POS_AVG_ANSWER_DAYS_{block.upper()}",
                        f"Среднее время ответа на сообщения в ПОС: {blocks[block]}",
                        ADDITIONAL,
                        blocks[block],
                        "дней",
                        LOWER,
                        "8",
                        "",
                        deadline,
                    ]
                )
        path = folder / f"indicators_{year}.xlsx"
        files.append(FileRecord(path, "indicators", write_xlsx(path, "Показатели", HEADER, rows, NUMERIC_COLUMNS)))
    return files
