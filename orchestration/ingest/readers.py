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

import pyarrow as pa
import pyarrow.csv as pa_csv

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


class NeedsRowByRow(Exception):
    """The fast CSV reader met a row it cannot place exactly (wrong cell count, bad bytes):
    the file must be read again row by row so that each row keeps its number and reason."""


@dataclass
class ColumnBatch:
    """Rows as columns (one Arrow string array per source column, header order), their
    numbers, and the rows that cannot be used: (number, reason, cells or None)."""

    columns: list[pa.Array]
    numbers: pa.Array
    broken: list[tuple[int, str, list[str] | None]]


@dataclass
class SourceTable:
    header: list[str]
    batches: Callable[[int], Iterator[Batch]]
    format: str
    encoding: str | None = None
    delimiter: str | None = None

    arrow_batches: Callable[[int], Iterator[ColumnBatch]] | None = None

    def column_batches(self, size: int) -> Iterator[ColumnBatch]:
        """The rows in batches of columns; the fast path where there is one."""
        if self.arrow_batches is not None:
            yield from self.arrow_batches(size)
            return
        width = len(self.header)
        for cells, numbers, broken in self.batches(size):
            bad: list[tuple[int, str, list[str] | None]] = [(n, e, None) for n, e in broken]
            if any(len(row) != width for row in cells):
                good, good_numbers = [], []
                for row, number in zip(cells, numbers, strict=True):
                    if len(row) == width:
                        good.append(row)
                        good_numbers.append(number)
                    elif not (len(row) == 1 and not row[0].strip()):  # a line of spaces is not a row
                        bad.append(
                            (
                                number,
                                f"the row has {len(row)} cells but the header has {width} "
                                "(a truncated or shifted row; check delimiters and quotes)",
                                row,
                            )
                        )
                cells, numbers = good, good_numbers
            columns = (
                [pa.array(column, pa.string()) for column in zip(*cells, strict=True)]
                if cells
                else [pa.array([], pa.string()) for _ in range(width)]
            )
            yield ColumnBatch(columns, pa.array(numbers, pa.int64()), bad)

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
    path: Path,
    fmt: str = "auto",
    encoding: str = "auto",
    delimiter: str = "auto",
    sheet: str | None = None,
    header_row: int = 1,
    *,
    fast: bool = True,
) -> SourceTable:
    """Open a source file. ``fast`` lets CSV be parsed by Arrow (C++); its batches
    raise :class:`NeedsRowByRow` on a malformed row, and the caller reads again with fast=False."""
    fmt = detect_format(path, fmt)
    if fmt == "csv":
        table = _open_csv(path, encoding, delimiter, header_row)
        if fast:
            table.arrow_batches = _arrow_csv(path, table, header_row)
        return table
    if fmt == "xlsx":
        return _open_xlsx(path, sheet, header_row)
    if fmt == "jsonl":
        return _open_jsonl(path, encoding)
    raise ReadError(f"{path.name}: unknown format {fmt!r}")


def _open_csv(path: Path, encoding: str, delimiter: str, header_row: int) -> SourceTable:
    with path.open("rb") as raw:
        head = raw.read(_SNIFF_BYTES)
    encoding = detect_encoding(head, encoding)
    with path.open("r", encoding=encoding, newline="", errors="replace") as handle:
        for _ in range(header_row - 1):
            handle.readline()
        first = handle.readline()
    if not first.strip():
        raise ReadError(f"{path.name}: the file is empty or has no header line")
    delimiter = detect_delimiter(first, delimiter)
    header = next(csv.reader([first.rstrip("\r\n")], delimiter=delimiter))

    def batches(size: int) -> Iterator[Batch]:
        handle = path.open("r", encoding=encoding, newline="", errors="strict")
        for _ in range(header_row):
            handle.readline()
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


def _arrow_csv(path: Path, table: SourceTable, header_row: int) -> Callable[[int], Iterator[ColumnBatch]]:
    names = [f"c{i}" for i in range(len(table.header))]

    def batches(size: int) -> Iterator[ColumnBatch]:
        number = 0
        reader = None
        try:
            reader = pa_csv.open_csv(
                path,
                read_options=pa_csv.ReadOptions(
                    encoding="utf8" if table.encoding in ("utf-8", "utf-8-sig") else table.encoding,
                    skip_rows=header_row,
                    column_names=names,
                    block_size=1 << 20,
                    use_threads=False,
                ),
                parse_options=pa_csv.ParseOptions(delimiter=table.delimiter, newlines_in_values=True),
                convert_options=pa_csv.ConvertOptions(
                    column_types=dict.fromkeys(names, pa.string()),
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
            for batch in reader:
                rows = batch.num_rows
                yield ColumnBatch(batch.columns, pa.array(range(number + 1, number + 1 + rows), pa.int64()), [])
                number += rows
        except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
            raise NeedsRowByRow(str(exc)) from exc
        finally:
            if reader is not None:
                reader.close()

    return batches


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
