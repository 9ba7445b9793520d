"""Files in formats Excel opens as they are, and that are the same bytes for the same rows.

CSV: UTF-8 with a byte-order mark, ``;`` between fields, CRLF line ends,
decimal comma, fixed decimals per column, empty for null, ``Да``/``Нет`` for
booleans, dates as DD.MM.YYYY — what Russian-locale Excel expects. XLSX: the
same tables as sheets, numbers as numbers with a display format; the zip's
timestamps and the document properties come from the data's as-of, never
from the clock.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

import xlsxwriter

from orchestration.exports.tables import Column, Table

BOM = "\ufeff"


def rounded(value, column: Column) -> Decimal | int | None:
    """The value as the file states it: percentages × 100, rounded half up to the column's decimals."""
    if value is None:
        return None
    if column.kind == "int":
        return int(value)
    number = Decimal(str(value))
    if column.kind == "percent":
        number *= 100
    return number.quantize(Decimal(1).scaleb(-column.decimals), rounding=ROUND_HALF_UP)


def cell_text(value, column: Column) -> str:
    """A value as CSV text."""
    if value is None:
        return ""
    if column.kind == "bool":
        return "Да" if value else "Нет"
    if column.kind == "date":
        return value.strftime("%d.%m.%Y")
    if column.kind in ("int", "decimal", "percent"):
        number = rounded(value, column)
        return str(number).replace(".", ",")
    return str(value)


def csv_bytes(table: Table, rows: Sequence[Sequence]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(table.header())
    for row in rows:
        writer.writerow([cell_text(value, column) for value, column in zip(row, table.columns, strict=True)])
    return (BOM + buffer.getvalue()).encode("utf-8")


def read_csv(data: bytes) -> list[list[str]]:
    """A CSV this module wrote, back as rows of text (header first)."""
    text = data.decode("utf-8").removeprefix(BOM)
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def parse_number(text: str) -> Decimal | None:
    return Decimal(text.replace(",", ".")) if text else None


_FORMATS = {"int": "0", "date": "dd.mm.yyyy"}


def xlsx_bytes(tables: Iterable[tuple[Table, Sequence[Sequence]]], *, title: str, as_of: datetime) -> bytes:
    """One workbook, a sheet per table, Russian headers; deterministic (see :func:`normalise_zip`)."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "remove_timezone": True})
    stamp = as_of.replace(tzinfo=None, microsecond=0)
    workbook.set_properties({"title": title, "author": "tsur", "company": "ЦУР", "created": stamp})
    header_format = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DDEBF7"})
    formats = {}
    for table, rows in tables:
        sheet = workbook.add_worksheet(table.sheet)
        sheet.freeze_panes(1, 0)
        for index, column in enumerate(table.columns):
            sheet.write_string(0, index, column.header, header_format)
            sheet.set_column(index, index, 14 if column.kind != "text" else 28)
        for row_number, row in enumerate(rows, start=1):
            for index, (value, column) in enumerate(zip(row, table.columns, strict=True)):
                _write_cell(workbook, sheet, formats, row_number, index, value, column)
        sheet.autofilter(0, 0, max(len(rows), 1), len(table.columns) - 1)
    workbook.close()
    return normalise_zip(buffer.getvalue(), stamp)


def _write_cell(workbook, sheet, formats, row: int, col: int, value, column: Column) -> None:
    if value is None:
        sheet.write_blank(row, col, None)
        return
    if column.kind == "bool":
        sheet.write_string(row, col, "Да" if value else "Нет")
    elif column.kind == "text":
        sheet.write_string(row, col, str(value))
    elif column.kind == "date":
        sheet.write_datetime(row, col, datetime.combine(value, datetime.min.time()), _format(workbook, formats, "date"))
    else:
        pattern = _FORMATS.get(column.kind) or ("0." + "0" * column.decimals if column.decimals else "0")
        sheet.write_number(row, col, float(rounded(value, column)), _format(workbook, formats, pattern))


def _format(workbook, formats: dict, pattern: str):
    pattern = _FORMATS.get(pattern, pattern)
    if pattern not in formats:
        formats[pattern] = workbook.add_format({"num_format": pattern})
    return formats[pattern]


def normalise_zip(data: bytes, stamp: datetime | date) -> bytes:
    """The zip with every member's timestamp set to ``stamp`` and fixed attributes, in the original order.

    Office files are zips, and zip members carry a modification time; the
    libraries put the clock there. Rewriting the members with the data's
    as-of makes the same content the same bytes.
    """
    when = (max(stamp.year, 1980), stamp.month, stamp.day, *(getattr(stamp, a, 0) for a in ("hour", "minute")), 0)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=when)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            member.create_system = 0
            target.writestr(member, source.read(info.filename))
    return out.getvalue()


def zip_files(files: dict[str, bytes], stamp: datetime | date) -> bytes:
    """Named files as one deterministic zip (members sorted by name)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in sorted(files):
            target.writestr(name, files[name])
    return normalise_zip(out.getvalue(), stamp)
