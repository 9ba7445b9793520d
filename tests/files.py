"""Small source files in the real formats, written by the tests themselves."""

from __future__ import annotations

import csv
import random
from pathlib import Path

from orchestration.ingest.mapping import FeedMapping


def headers(mapping: FeedMapping) -> list[str]:
    return [f.columns[0] for f in mapping.fields]


def pos_row(number: int, *, received: str = "06.01.2026", rating: str = "5", stage: str = "Завершено") -> dict:
    return {
        "Номер": str(number), "Номер ЕПГУ": str(6668478383 + number), "Источник": "MED_DOC_EPGU",
        "Верхнеуровневый ЛКО": "Брянская область", "Категория": "Медицина", "Подкатегория": "Медицинская карта",
        "Факт": "-", "Организация, в которую поступило сообщение": "Департамент здравоохранения Брянской области",
        "Организация, в которой находится сообщение": "Департамент здравоохранения Брянской области",
        "Дата поступления": received, "Дата планируемого завершения работ": "16.01.2026",
        "Дата фактического завершения работ": "07.01.2026", "Стадия": stage,
        "Статус": "Отправлен ответ заявителю", "Просрочено": "Нет", "Фаст-трек": "Да",
        "ФЗ": "Обычное сообщение", "Заявитель выбрал подачу по 59-ФЗ": "Нет", "Тип решения": "Решено",
        "Направлено по email в ФОИВ, не подключенный к ПОС": "-", "Оценка ответа заявителем": rating,
        "Повторное рассмотрение": "Нет", "ФИО координатора": "Иванова Анна Петровна",
        "ФИО исполнителя": "Петров Пётр Ильич", "ФИО руководителя": "Сидоров Олег Викторович",
    }  # fmt: skip


def write_csv(
    path: Path, columns: list[str], rows: list[dict], *, encoding: str = "utf-8-sig", delimiter: str = ";"
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter, lineterminator="\r\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([row.get(c, "") for c in columns])
    return path


def pos_csv(path: Path, mapping: FeedMapping, count: int, *, seed: int = 1, shuffle: bool = False, **kwargs) -> Path:
    columns = headers(mapping)
    if shuffle:
        random.Random(seed).shuffle(columns)
    rows = [pos_row(300000000 + i) for i in range(count)]
    return write_csv(path, columns, rows, **kwargs)
