"""A small streaming XLSX writer for the demo exports.

Why not openpyxl or xlsxwriter: a million-appeal region means a million XLSX
rows of 25-47 cells, and both libraries spend microseconds per cell in Python.
This writer builds a whole chunk of rows with a few ``str.join``/``str.replace``
calls (which run in C) and streams it through zlib, so its cost per cell is a
few tens of nanoseconds. What it writes is the smallest workbook Excel,
LibreOffice, calamine and openpyxl all open: one sheet of inline strings and
plain numbers, no styles, no shared-string table.

The bytes are reproducible: every zip member has the fixed 1980-01-01 time,
the same attributes on every platform, and a fixed compression level.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import TracebackType
from xml.sax.saxutils import escape

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
COMPRESS_LEVEL = 1  # level 1 is ~4x faster than the default 6 and only ~30 % bigger on this XML

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
_SHEET_TAIL = "</sheetData></worksheet>"

# Cells carry no r="A1" reference: readers place them by position, which lets a
# row be one %-format of a template built once per combination of numeric
# cells; empty cells become <c/> in one pass over the encoded chunk.
_TEXT = '<c t="inlineStr"><is><t>%s</t></is></c>'
_TEXT_SPACED = '<c t="inlineStr"><is><t xml:space="preserve">%s</t></is></c>'
_NUM = "<c><v>%s</v></c>"
_EMPTY = (b'<c t="inlineStr"><is><t></t></is></c>', b'<c t="inlineStr"><is><t xml:space="preserve"></t></is></c>')
_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")

# A chunk's cells are checked in one go: joined by NUL and encoded, one
# translation classifies every byte (NUL → 0x00, whitespace → 0x05, bytes that
# need escaping or start a character XML 1.0 forbids → 0x06; 0xEF starts
# U+FFFE/U+FFFF and is otherwise rare in Russian text, a false alarm only takes
# the slow path) and a few substring tests on the result say whether the chunk
# is clean and whether a cell has a space at its edge, which <t> keeps only
# with xml:space="preserve".
_CLASSES = bytearray(range(256))
for _b in (*range(0x01, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *b"&<>", 0xEF):
    _CLASSES[_b] = 0x06
for _b in b" \t\n\r":
    _CLASSES[_b] = 0x05
_CLASSES = bytes(_CLASSES)
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _clean_cell(value: str) -> str:
    return escape(_ILLEGAL.sub("", value))


def _fixed_info(name: str, compress: bool = True) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
    info.create_system = 3  # the same bytes on every platform
    info.external_attr = 0o644 << 16
    if compress:
        info.compress_type = zipfile.ZIP_DEFLATED
        # open(info, "w") takes the level from this attribute (3.13+ keeps it as an alias of compress_level).
        info._compresslevel = COMPRESS_LEVEL
    return info


class XlsxWriter:
    """Write one sheet, streaming rows of text; use as a context manager.

    ``numeric_columns`` are the 0-based columns the real export stores as
    numbers; their cells are written as numbers when they look like one and as
    text otherwise (a ``-`` or a spoiled value stays what it is).
    """

    def __init__(self, path: Path, sheet_name: str, header: Sequence[str], numeric_columns: Iterable[int] = ()):
        self.path = path
        self.rows = 0
        self._width = len(header)
        self._numeric = tuple(sorted(set(numeric_columns)))
        self._templates: dict[tuple[int, bool], str] = {}
        self._zip = zipfile.ZipFile(path, "w", allowZip64=True)
        for name, text in (
            ("[Content_Types].xml", _CONTENT_TYPES),
            ("_rels/.rels", _ROOT_RELS),
            ("xl/workbook.xml", _WORKBOOK.format(name=escape(sheet_name, {'"': "&quot;"}))),
            ("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS),
        ):
            self._zip.writestr(_fixed_info(name), text.encode("utf-8"))
        self._sheet = self._zip.open(_fixed_info("xl/worksheets/sheet1.xml"), "w", force_zip64=True)
        self._sheet.write(_SHEET_HEAD.encode("utf-8"))
        self._write_chunk([header], numeric=False)

    def write_rows(self, rows: Sequence[Sequence[str]], chunk: int = 2000) -> None:
        """Append rows (sequences of text cells, all of the header's width)."""
        for start in range(0, len(rows), chunk):
            part = rows[start : start + chunk]
            self._write_chunk(part, numeric=bool(self._numeric))
            self.rows += len(part)

    def _template(self, numbers: int, spaced: bool) -> str:
        """The row's XML with a %s per cell; bit i of ``numbers`` makes numeric column i a number."""
        found = self._templates.get((numbers, spaced))
        if found is None:
            numeric = {c for i, c in enumerate(self._numeric) if numbers >> i & 1}
            text = _TEXT_SPACED if spaced else _TEXT
            found = "<row>" + "".join(_NUM if c in numeric else text for c in range(self._width)) + "</row>"
            self._templates[(numbers, spaced)] = found
        return found

    def _write_chunk(self, rows: Sequence[Sequence[str]], numeric: bool) -> None:
        if not rows:
            return
        if any(len(row) != self._width for row in rows):
            raise ValueError(f"{self.path.name}: every row needs {self._width} cells, as many as the header")
        try:
            data = "\x00".join(["\x00".join(row) for row in rows]).encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: the cleaning below removes it
            data = b"\x06"
        classes = data.translate(_CLASSES)
        clean = b"\x06" not in classes and classes.count(b"\x00") == len(rows) * self._width - 1
        spaced = (
            not clean
            or b"\x00\x05" in classes
            or b"\x05\x00" in classes
            or classes[:1] == b"\x05"
            or classes[-1:] == b"\x05"
        )
        if not clean:
            rows = [[_clean_cell(v) for v in row] for row in rows]
        template, number = self._template, _NUMBER.fullmatch
        out = []
        for row in rows:
            numbers = 0
            if numeric:
                for i, c in enumerate(self._numeric):
                    value = row[c]
                    if value and number(value):
                        numbers |= 1 << i
            out.append(template(numbers, spaced) % tuple(row))
        self._sheet.write("".join(out).encode("utf-8").replace(_EMPTY[spaced], b"<c/>"))

    def close(self) -> None:
        if self._sheet is not None:
            self._sheet.write(_SHEET_TAIL.encode("utf-8"))
            self._sheet.close()
            self._sheet = None
            self._zip.close()

    def __enter__(self) -> XlsxWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def write_xlsx(
    path: Path,
    sheet_name: str,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    numeric_columns: Iterable[int] = (),
) -> int:
    """Write a whole sheet at once; returns the number of data rows."""
    with XlsxWriter(path, sheet_name, header, numeric_columns) as writer:
        writer.write_rows(rows)
    return writer.rows
