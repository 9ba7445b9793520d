"""Independent recomputation from the generated source files (not the warehouse): what an export must reconcile to.

Reads the demo region's raw exports as a recipient would get them from the
region — ПОС CSV/XLSX, IM XLSX, the regional portal CSV (Windows-1251) — keeps
each appeal's newest version (the latest export file wins), and counts by the
region's local calendar dates written in the files.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from python_calamine import CalamineWorkbook


@dataclass
class RawAppeal:
    source: str  # pos | im | regional
    key: str
    received: date
    planned: date | None = None  # ПОС: Дата планируемого завершения работ
    done: date | None = None  # ПОС: Дата фактического завершения работ
    status: str = ""


def _rows(path: Path) -> list[dict]:
    if path.suffix == ".xlsx":
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
        header = [str(h) for h in sheet[0]]
        return [dict(zip(header, (str(v) for v in row), strict=False)) for row in sheet[1:]]
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1251")
    delimiter = ";" if text.split("\n", 1)[0].count(";") else ","
    return list(csv.DictReader(text.splitlines(), delimiter=delimiter))


def _day(text: str) -> date | None:
    text = (text or "").strip()
    if not text or text == "-":
        return None
    if text[4] == "-":
        return date.fromisoformat(text[:10])
    return datetime.strptime(text[:10], "%d.%m.%Y").date()


def _number(value: str) -> str:
    return value[:-2] if value.endswith(".0") else value


def raw_appeals(folder: Path) -> dict[tuple[str, str], RawAppeal]:
    """Every appeal of the folder in its newest version (files read in export order: names end with the date)."""
    appeals: dict[tuple[str, str], RawAppeal] = {}
    for source, pattern in (("pos", "pos/*"), ("im", "im/*.xlsx"), ("regional", "regional/*")):
        for path in sorted(folder.glob(pattern), key=lambda p: p.stem[-10:]):
            for row in _rows(path):
                if source == "pos":
                    appeal = RawAppeal(
                        "pos",
                        _number(row["Номер"]),
                        _day(row["Дата поступления"]),
                        _day(row["Дата планируемого завершения работ"]),
                        _day(row["Дата фактического завершения работ"]),
                        row["Статус"],
                    )
                elif source == "im":
                    appeal = RawAppeal("im", _number(row["ID"]), _day(row["Дата создания"]))
                else:
                    values = list(row.values())
                    appeal = RawAppeal("regional", values[0], _day(values[1]))
                appeals[(source, appeal.key)] = appeal
    return appeals


def received_between(appeals, start: date, end: date, source: str | None = None) -> int:
    return sum(1 for a in appeals.values() if start <= a.received <= end and source in (None, a.source))


def pos_on_time(appeals, start: date, end: date) -> tuple[int, int]:
    """ПОС answers sent in [start, end] with a planned date: (on time, all) — the platform's own dates."""
    answered = [
        a
        for a in appeals.values()
        if a.source == "pos"
        and a.done is not None
        and start <= a.done <= end
        and a.planned is not None
        and "Отклонено" not in a.status
    ]
    return sum(a.done <= a.planned for a in answered), len(answered)
