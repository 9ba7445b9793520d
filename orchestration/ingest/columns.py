"""Convert whole columns of a batch (Arrow string arrays) to the raw table's text.

The per-value rules live in :mod:`orchestration.ingest.converters`; this module
applies them column-wise so that the per-row cost is paid in C++, not Python:

* plain text fields (no value map, no pattern, not required) are trimmed and
  nulled with Arrow compute kernels;
* every other field is dictionary-encoded: each *distinct* value goes through
  the Python converter once (dates, flags, statuses and agency names repeat a
  lot), and the results are mapped back with ``take``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from orchestration.ingest.converters import FieldError
from orchestration.ingest.mapping import FieldMapping

_NULL_TEXT = pa.scalar(None, pa.string())


@dataclass
class Converted:
    values: pa.Array  # string, null where empty
    errors: pa.Array | None  # string reasons, null where the cell is fine; None if no cell failed


class ColumnConverter:
    def __init__(self, field: FieldMapping, null_values: frozenset[str]):
        self.field = field
        self.convert = field.converter
        self.nulls = pa.array(sorted(null_values), pa.string())

    def __call__(self, column: pa.Array) -> Converted:
        if self.field.plain_text:
            trimmed = pc.utf8_trim_whitespace(column)
            return Converted(pc.if_else(pc.is_in(trimmed, value_set=self.nulls), _NULL_TEXT, trimmed), None)
        if self.field.type == "integer":
            fast = self._digits(column)
            if fast is not None:
                return Converted(fast, None)
        return self._by_distinct(column)

    def _digits(self, column: pa.Array) -> pa.Array | None:
        """Whole numbers written as plain digits (ids, ratings) checked by Arrow kernels;
        None when some cell needs the per-value converter (and its reason)."""
        trimmed = pc.utf8_trim_whitespace(column)
        empty = pc.is_in(trimmed, value_set=self.nulls)
        if self.field.required and pc.any(empty).as_py():
            return None
        digits = pc.match_substring_regex(trimmed, r"^[0-9]{1,18}$")
        if not pc.all(pc.or_(digits, empty)).as_py():
            return None
        values = pc.if_else(empty, _NULL_TEXT, trimmed)
        low, high = self.field.minimum, self.field.maximum
        if low is not None or high is not None:
            numbers = pc.cast(values, pa.int64())
            if (low is not None and pc.any(pc.less(numbers, low)).as_py()) or (
                high is not None and pc.any(pc.greater(numbers, high)).as_py()
            ):
                return None
        return values

    def _by_distinct(self, column: pa.Array) -> Converted:
        encoded = pc.dictionary_encode(column)
        results: list[str | None] = []
        reasons: list[str | None] = []
        failed = False
        convert = self.convert
        for value in encoded.dictionary.to_pylist():
            try:
                results.append(convert(value))
                reasons.append(None)
            except FieldError as exc:
                results.append(None)
                reasons.append(exc.reason)
                failed = True
        values = pa.array(results, pa.string()).take(encoded.indices)
        errors = pa.array(reasons, pa.string()).take(encoded.indices) if failed else None
        return Converted(values, errors)
