"""Turn one source cell (text) into PostgreSQL's text input for one raw field.

Each converter is built once per field from the feed mapping and then called
for every row, so the hot path is a closure with no configuration lookups.
A value that cannot be converted raises :class:`FieldError` with a reason
written for the person who will fix the source file. Values that repeat a
lot (dates, flags, statuses) are memoised.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

Converter = Callable[[str], "str | None"]

# Formats every date/timestamp field accepts besides the mapping's own: ISO,
# which is also how the XLSX reader renders native Excel dates.
ISO_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d")
DEFAULT_BOOLEANS = {
    "да": True, "нет": False, "true": True, "false": False, "t": True, "f": False,
    "1": True, "0": False, "yes": True, "no": False, "y": True, "n": False,
}  # fmt: skip
DURATION_UNITS = {"days": 86400.0, "hours": 3600.0, "minutes": 60.0, "seconds": 1.0}
MIN_YEAR, MAX_YEAR = 1990, 2100
_CACHE_LIMIT = 50_000


class FieldError(ValueError):
    """A value that does not fit its field; ``reason`` says what was expected."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def normalise_key(value: str) -> str:
    """How value maps and headers compare: case-, space- and ё-insensitive."""
    return " ".join(value.replace("\ufeff", "").replace("ё", "е").replace("Ё", "Е").split()).casefold()


def _memoised(convert: Converter) -> Converter:
    cache: dict[str, str | None] = {}
    errors: dict[str, str] = {}

    def cached(value: str) -> str | None:
        hit = cache.get(value, cache)
        if hit is not cache:
            return hit  # type: ignore[return-value]
        if value in errors:
            raise FieldError(errors[value])
        try:
            result = convert(value)
        except FieldError as exc:
            if len(errors) < _CACHE_LIMIT:
                errors[value] = exc.reason
            raise
        if len(cache) < _CACHE_LIMIT:
            cache[value] = result
        return result

    return cached


def build_converter(
    type_: str,
    *,
    required: bool = False,
    null_values: Sequence[str] = ("",),
    strip_apostrophe: bool = False,
    formats: Sequence[str] = (),
    values: Mapping[str, object] | None = None,
    unmapped: str = "reject",
    minimum: float | None = None,
    maximum: float | None = None,
    pattern: str | None = None,
    unit: str = "days",
) -> Converter:
    """A converter for one field; see docs/feeds.md for what each option means."""
    nulls = frozenset(null_values) | {""}  # an empty cell is never a value
    core = _core_converter(
        type_,
        formats=formats,
        values=values,
        unmapped=unmapped,
        minimum=minimum,
        maximum=maximum,
        pattern=pattern,
        unit=unit,
    )

    if core is None and not strip_apostrophe and not required:
        # Plain text, the commonest field: one call per cell on the hot path.
        def plain(value: str) -> str | None:
            value = value.strip()
            return None if value in nulls else value

        return plain

    def convert(value: str) -> str | None:
        if strip_apostrophe and value[:1] == "'":
            value = value[1:]
        value = value.strip()
        if value in nulls:
            if required:
                raise FieldError("a value is required here, the cell is empty")
            return None
        return value if core is None else core(value)

    if type_ in ("date", "timestamp", "boolean") or values:
        return _memoised(convert)  # few distinct values, expensive to parse
    return convert


def _core_converter(
    type_: str,
    *,
    formats: Sequence[str],
    values: Mapping[str, object] | None,
    unmapped: str,
    minimum: float | None,
    maximum: float | None,
    pattern: str | None,
    unit: str,
) -> Converter | None:
    """The type-specific part of a converter, or None for text that needs no work."""
    if type_ == "text":
        return _text(values, unmapped, pattern)
    if type_ == "boolean":
        return _boolean(values)
    if type_ in ("integer", "numeric"):
        return _number(type_ == "integer", minimum, maximum)
    if type_ in ("date", "timestamp"):
        return _datetime(type_ == "date", formats)
    if type_ == "duration":
        if unit not in DURATION_UNITS:
            raise ValueError(f"unknown duration unit {unit!r}; use one of {', '.join(DURATION_UNITS)}")
        return _duration(DURATION_UNITS[unit])
    raise ValueError(f"unknown field type {type_!r}")


def _text(values: Mapping[str, object] | None, unmapped: str, pattern: str | None) -> Converter | None:
    if not values and not pattern:
        return None
    regex = re.compile(pattern) if pattern else None
    mapped = {normalise_key(k): (None if v is None else str(v)) for k, v in (values or {}).items()}
    known = ", ".join(sorted(values)) if values else ""

    def convert(value: str) -> str | None:
        if regex is not None and not regex.fullmatch(value):
            raise FieldError(f"expected text matching {pattern}")
        if values:
            key = normalise_key(value)
            if key in mapped:
                return mapped[key]
            if unmapped == "reject":
                raise FieldError(f"value not in the mapping's list ({known})")
        return value

    return convert


def _boolean(values: Mapping[str, object] | None) -> Converter:
    table = dict(DEFAULT_BOOLEANS)
    table.update({normalise_key(k): bool(v) for k, v in (values or {}).items()})
    accepted = ", ".join(sorted({k for k in (values or {})} or {"Да", "Нет"}))

    def convert(value: str) -> str | None:
        result = table.get(normalise_key(value))
        if result is None:
            raise FieldError(f"expected a yes/no value ({accepted})")
        return "t" if result else "f"

    return convert


def _number(integer: bool, minimum: float | None, maximum: float | None) -> Converter:
    kind = "a whole number" if integer else "a number"
    bounds = ""
    if minimum is not None and maximum is not None:
        bounds = f" from {minimum:g} to {maximum:g}"
    elif minimum is not None:
        bounds = f" of at least {minimum:g}"
    elif maximum is not None:
        bounds = f" of at most {maximum:g}"

    def convert(value: str) -> str | None:
        if integer and value.isascii() and value.isdigit():  # ids: the commonest case
            if (minimum is None or int(value) >= minimum) and (maximum is None or int(value) <= maximum):
                return value
            raise FieldError(f"expected {kind}{bounds}")
        text = value.replace("\u00a0", "").replace(" ", "")
        if "," in text and "." not in text:
            text = text.replace(",", ".")
        try:
            number = float(text)
        except ValueError:
            raise FieldError(f"expected {kind}{bounds}") from None
        if math.isnan(number) or math.isinf(number):
            raise FieldError(f"expected {kind}{bounds}")
        if integer:
            if not number.is_integer():
                raise FieldError(f"expected {kind}{bounds}")
            text = str(int(number))
        if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
            raise FieldError(f"expected {kind}{bounds}")
        return text

    return convert


def _datetime(date_only: bool, formats: Sequence[str]) -> Converter:
    candidates = tuple(dict.fromkeys([*formats, *ISO_FORMATS]))
    shown = " or ".join(_human_format(f) for f in (formats or ISO_FORMATS[:1]))
    out = "%Y-%m-%d" if date_only else "%Y-%m-%d %H:%M:%S"

    def convert(value: str) -> str | None:
        for fmt in candidates:
            try:
                parsed = datetime.strptime(value, fmt)
            except ValueError:
                continue
            if not MIN_YEAR <= parsed.year <= MAX_YEAR:
                raise FieldError(f"date outside {MIN_YEAR}–{MAX_YEAR}")
            if date_only and (parsed.hour or parsed.minute or parsed.second):
                raise FieldError(f"expected a date without time ({shown})")
            return parsed.strftime(out)
        raise FieldError(f"expected a valid date {shown}")

    return convert


def _human_format(fmt: str) -> str:
    for code, human in (("%d", "DD"), ("%m", "MM"), ("%Y", "YYYY"), ("%H", "HH"), ("%M", "MM"), ("%S", "SS")):
        fmt = fmt.replace(code, human)
    return fmt


def _duration(seconds_per_unit: float) -> Converter:
    def convert(value: str) -> str | None:
        try:
            amount = float(value.replace(",", "."))
        except ValueError:
            raise FieldError("expected a duration as a decimal number (E-notation allowed)") from None
        if math.isnan(amount) or math.isinf(amount) or amount < 0:
            raise FieldError("expected a non-negative duration")
        return f"{amount * seconds_per_unit:.3f} seconds"

    return convert
