"""Read CSV, XLSX and JSON-lines files as a header plus rows of text cells.

Everything downstream sees text: the XLSX reader renders native Excel values
(numbers, dates) the way the converters accept them, so one set of converters
serves every format. Rows stream; only XLSX sheets are held in memory (the
calamine reader has no streaming mode, and XLSX exports are small).
"""

from __future__ import annotations

import codecs
import csv
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import islice
from pathlib import Path

# A data row: its 1-based number (the header is row 0), its cells, and an
# error when the row could not even be split into cells.
Row = tuple[int, list[str] | None, str | None]
# A batch of rows: the rows' cells, their numbers, and (number, error) for the
# rows that could not be split into cells. Loading works on batches so that
# per-row Python work stays minimal.
Batch = tuple[list[list[str]], list[int], list[tuple[int, str]]]

_SNIFF_BYTES = 1 << 20
csv.field_size_limit(1 << 28)


class ReadError(ValueError):
    """The file cannot be read at all (not a table, wrong format, no header)."""


@dataclass
class SourceTable:
    header: list[str]
    batches: Callable[[int], Iterator[Batch]]
    format: str
    encoding: str | None = None
    delimiter: str | None = None

    @property
    def rows(self) -> Iterator[Row]:
        """Row by row, in file order (for the slow paths)."""
        for cells, numbers, broken in self.batches(10_000):
            merged: list[Row] = [(n, c, None) for n, c in zip(numbers, cells, strict=True)]
            merged += [(n, None, e) for n, e in broken]
            yield from sorted(merged, key=lambda row: row[0])


def _batched(rows: Iterator[Row]) -> Callable[[int], Iterator[Batch]]:
    def batches(size: int) -> Iterator[Batch]:
        cells: list[list[str]] = []
        numbers: list[int] = []
        broken: list[tuple[int, str]] = []
        for number, row, error in rows:
            if row is None:
                broken.append((number, error or "unreadable row"))
            else:
                cells.append(row)
                numbers.append(number)
            if len(cells) + len(broken) >= size:
                yield cells, numbers, broken
                cells, numbers, broken = [], [], []
        if cells or broken:
            yield cells, numbers, broken

    return batches


def detect_format(path: Path, declared: str = "auto") -> str:
    if declared != "auto":
        return declared
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls"):
        return "xlsx"
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    return "csv"


def detect_encoding(head: bytes, declared: str = "auto") -> str:
    """UTF-8 with BOM, UTF-8, else Windows-1251 (the three encodings regions send)."""
    if declared != "auto":
        return declared
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "cp1251"
    return "utf-8"


def detect_delimiter(header_line: str, declared: str = "auto") -> str:
    if declared != "auto":
        return "\t" if declared in ("\\t", "tab") else declared
    counts = {d: header_line.count(d) for d in (";", ",", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def open_table(
    path: Path, fmt: str = "auto", encoding: str = "auto", delimiter: str = "auto",
    sheet: str | None = None, header_row: int = 1,
) -> SourceTable:
    fmt = detect_format(path, fmt)
    if fmt == "csv":
        return _open_csv(path, encoding, delimiter, header_row)
    if fmt == "xlsx":
        return _open_xlsx(path, sheet, header_row)
    if fmt == "jsonl":
        return _open_jsonl(path, encoding)
    raise ReadError(f"{path.name}: unknown format {fmt!r}")


def _open_csv(path: Path, encoding: str, delimiter: str, header_row: int) -> SourceTable:
    with path.open("rb") as raw:
        head = raw.read(_SNIFF_BYTES)
    encoding = detect_encoding(head, encoding)
    handle = path.open("r", encoding=encoding, newline="", errors="strict")
    for _ in range(header_row - 1):
        handle.readline()
    first = handle.readline()
    if not first.strip():
        handle.close()
        raise ReadError(f"{path.name}: the file is empty or has no header line")
    delimiter = detect_delimiter(first, delimiter)
    header = next(csv.reader([first], delimiter=delimiter))

    def batches(size: int) -> Iterator[Batch]:
        reader = csv.reader(handle, delimiter=delimiter, strict=True)
        number = 0
        finished = False
        try:
            while not finished:
                chunk: list[list[str]] = []
                broken: list[tuple[int, str]] = []
                append = chunk.append
                try:
                    for cells in islice(reader, size):
                        append(cells)
                    finished = len(chunk) < size
                    error = None
                except csv.Error as exc:
                    error = f"the row cannot be split into cells ({exc})"
                except UnicodeDecodeError as exc:
                    raise ReadError(
                        f"{path.name}: after data row {number + len(chunk)}: bytes that are not {encoding} "
                        f"({exc.reason}); save the file in one encoding (UTF-8 or Windows-1251)"
                    ) from exc
                if [] in chunk:  # blank lines are not rows
                    chunk = [cells for cells in chunk if cells]
                numbers = list(range(number + 1, number + 1 + len(chunk)))
                number += len(chunk)
                if error is not None:
                    number += 1
                    broken.append((number, error))
                if chunk or broken:
                    yield chunk, numbers, broken
        finally:
            handle.close()

    return SourceTable(header, batches, "csv", encoding, delimiter)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, timedelta):
        return repr(value.total_seconds() / 86400)
    return str(value)


def _open_xlsx(path: Path, sheet: str | None, header_row: int) -> SourceTable:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types
        raise ReadError(f"{path.name}: not a readable XLSX workbook ({exc})") from exc
    names = workbook.sheet_names
    if sheet and sheet in names:
        chosen = sheet
    elif names:
        chosen = names[0]
    else:
        raise ReadError(f"{path.name}: the workbook has no sheets")
    data = workbook.get_sheet_by_name(chosen).to_python(skip_empty_area=False)
    if len(data) < header_row:
        raise ReadError(f"{path.name}: sheet {chosen!r} has no header row {header_row}")
    header = [_cell_text(c).strip() for c in data[header_row - 1]]
    while header and not header[-1]:
        header.pop()

    def rows() -> Iterator[Row]:
        number = 0
        for cells in data[header_row:]:
            texts = [_cell_text(c) for c in cells[: len(header)]]
            if not any(t.strip() for t in texts):
                continue
            number += 1
            if len(texts) < len(header):
                texts.extend([""] * (len(header) - len(texts)))
            yield number, texts, None

    return SourceTable(header, _batched(rows()), "xlsx")


def _open_jsonl(path: Path, encoding: str) -> SourceTable:
    with path.open("rb") as raw:
        head = raw.read(_SNIFF_BYTES)
    encoding = detect_encoding(head, encoding)
    handle = path.open("r", encoding=encoding)
    lines = (line for line in handle if line.strip())
    try:
        first = json.loads(next(lines))
    except StopIteration:
        handle.close()
        raise ReadError(f"{path.name}: the file has no records") from None
    except json.JSONDecodeError as exc:
        handle.close()
        raise ReadError(f"{path.name}: the first line is not a JSON object ({exc})") from exc
    if not isinstance(first, dict):
        handle.close()
        raise ReadError(f"{path.name}: each line must be a JSON object")
    header = list(first)

    def render(value: object) -> str:
        if isinstance(value, (dict, list)):
            return json.dumps(value, ensure_ascii=False)
        return _cell_text(value)

    def rows() -> Iterator[Row]:
        try:
            yield 1, [render(first.get(k)) for k in header], None
            for number, line in enumerate(lines, start=2):
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    yield number, None, f"not a JSON object ({exc.msg})"
                    continue
                if not isinstance(record, dict):
                    yield number, None, "not a JSON object"
                    continue
                yield number, [render(record.get(k)) for k in header], None
        finally:
            handle.close()

    return SourceTable(header, _batched(rows()), "jsonl", encoding)

