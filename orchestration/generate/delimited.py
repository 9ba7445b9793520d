"""CSV files the way the sources write them: ';', CRLF, quotes only where needed.

ПОС writes UTF-8 with a BOM (Excel's «CSV UTF-8»), the regional portal
Windows-1251, the staff template plain UTF-8. ``truncate_last`` reproduces a
real fault: an export cut off in the middle of its last row, without a final
line break.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path


def csv_text(rows: Sequence[Sequence[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL).writerows(rows)
    return buffer.getvalue()


def write_csv(
    path: Path,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    encoding: str = "utf-8",
    bom: bool = False,
    truncate_last: bool = False,
) -> str | None:
    """Write the file; with ``truncate_last`` returns the text left of the cut row (None otherwise).

    ``encoding`` is strict on purpose: a character the target encoding cannot
    hold is a generator bug, not something to paper over.
    """
    with path.open("w", encoding=encoding, newline="", errors="strict") as handle:
        if bom:
            handle.write("\ufeff")
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow(header)
        if not truncate_last or not rows:
            writer.writerows(rows)
            return None
        writer.writerows(rows[:-1])
        last = csv_text([rows[-1]]).rstrip("\r\n")
        cut = last[: max(1, len(last) // 2)]
        handle.write(cut)
        return cut
