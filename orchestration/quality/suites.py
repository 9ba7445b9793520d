"""Great Expectations suites as plain JSON files in ``expectations/``: read, check, turn into GE objects.

One file per checked table (``expectations/<layer>/<table>.json``)::

    {
      "table": "raw.pos_messages",          # schema.table the suite checks
      "asset": ["raw", "pos_messages"],     # the Dagster asset its check hangs off
      "scope": "loads",                     # "loads": only the loads under check; "table": all rows
      "keys": ["_load_id", "_row_number"],  # columns that name a failing row (ids only, never personal data)
      "description": "...",
      "expectations": [
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "pos_number"},
         "meta": {"severity": "critical", "description": "every message has its number"}}
      ]
    }

``type`` is any Great Expectations 1.x expectation (snake case, e.g.
``expect_column_values_to_be_between`` or ``unexpected_rows_expectation``).
Two things are resolved here before GE sees them: ``{"$seed": "<file>.csv",
"column": ..., "where": {...}}`` in a kwarg becomes the list of that column's
values in ``seeds/reference/<file>.csv`` (the reference lists a region edits;
``*`` wildcards are left out), and ``{loads}`` in a query becomes the load ids
under check. Mistakes stop with an error naming the file and the expectation.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orchestration.settings import PROJECT_ROOT, REFERENCE_DIR

EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
SEVERITIES = ("critical", "warning")
SCOPES = ("loads", "table")


class SuiteError(ValueError):
    """A suite file that cannot be used; the message names the file and the expectation."""


@dataclass(frozen=True)
class ExpectationSpec:
    index: int
    type: str
    kwargs: dict[str, Any]
    severity: str
    description: str

    @property
    def label(self) -> str:
        """How reports name it: the type and the column or a short description."""
        column = self.kwargs.get("column") or self.kwargs.get("column_list")
        return f"{self.type}({column})" if column else self.type


@dataclass(frozen=True)
class Suite:
    path: Path
    name: str
    table: str
    asset: tuple[str, ...]
    scope: str
    keys: tuple[str, ...]
    description: str
    expectations: tuple[ExpectationSpec, ...] = field(default_factory=tuple)

    @property
    def layer(self) -> str:
        return self.table.split(".", 1)[0]

    @property
    def raw_target(self) -> str | None:
        """The raw table name (``pos_messages``) whose loads this suite judges, for suites scoped by load."""
        return self.table.split(".", 1)[1] if self.scope == "loads" else None


def load_suites(folder: Path = EXPECTATIONS_DIR) -> list[Suite]:
    """Every suite under ``folder`` (recursively), checked; sorted by layer order then table."""
    order = {"raw": 0, "staging": 1, "intermediate": 2, "marts": 3}
    suites = [parse_suite(path) for path in sorted(folder.rglob("*.json"))]
    names = [s.name for s in suites]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise SuiteError(f"{folder}: more than one suite for {', '.join(duplicates)}")
    return sorted(suites, key=lambda s: (order.get(s.layer, 9), s.table))


def parse_suite(path: Path) -> Suite:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise SuiteError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from exc
    if not isinstance(data, dict):
        raise SuiteError(f"{path}: expected a JSON object with table, asset and expectations")
    for key in ("table", "asset", "expectations"):
        if key not in data:
            raise SuiteError(f"{path}: missing «{key}»")
    table = data["table"]
    if not isinstance(table, str) or table.count(".") != 1:
        raise SuiteError(f"{path}: «table» is {table!r}; expected schema.table, e.g. raw.pos_messages")
    scope = data.get("scope", "table")
    if scope not in SCOPES:
        raise SuiteError(f"{path}: «scope» is {scope!r}; expected one of {', '.join(SCOPES)}")
    if scope == "loads" and not table.startswith("raw."):
        raise SuiteError(f"{path}: «scope»: loads only applies to raw tables (they carry _load_id)")
    specs = tuple(_parse_expectation(path, i, item) for i, item in enumerate(data["expectations"], start=1))
    if not specs:
        raise SuiteError(f"{path}: «expectations» is empty")
    return Suite(
        path=path,
        name=table,
        table=table,
        asset=tuple(data["asset"]),
        scope=scope,
        keys=tuple(data.get("keys", ())),
        description=data.get("description", ""),
        expectations=specs,
    )


def _parse_expectation(path: Path, index: int, item: Any) -> ExpectationSpec:
    where = f"{path}: expectation #{index}"
    if not isinstance(item, dict) or "type" not in item:
        raise SuiteError(f"{where}: expected an object with «type», «kwargs» and «meta»")
    kind = item["type"]
    where = f"{where} ({kind})"
    meta = item.get("meta") or {}
    severity = meta.get("severity")
    if severity not in SEVERITIES:
        raise SuiteError(f"{where}: meta.severity is {severity!r}; expected critical or warning")
    if not meta.get("description"):
        raise SuiteError(f"{where}: meta.description is missing; say in a few words what is expected")
    kwargs = {name: _resolve(where, value) for name, value in (item.get("kwargs") or {}).items()}
    spec = ExpectationSpec(index, kind, kwargs, severity, meta["description"])
    build_expectation(spec, where=where)  # an unknown type or a wrong argument stops here
    return spec


def _resolve(where: str, value: Any) -> Any:
    if isinstance(value, dict) and "$seed" in value:
        return seed_values(where, value["$seed"], value.get("column"), value.get("where") or {})
    return value


def seed_values(where: str, seed: str, column: str | None, filters: dict[str, str]) -> list[str]:
    path = REFERENCE_DIR / seed
    if not path.exists():
        raise SuiteError(f"{where}: $seed {seed!r}: no such file in {REFERENCE_DIR}")
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    if not rows or column not in rows[0]:
        raise SuiteError(f"{where}: $seed {seed!r} has no column {column!r}")
    values = {
        row[column]
        for row in rows
        if all(row.get(k) == v for k, v in filters.items()) and row[column] and row[column] != "*"
    }
    return sorted(values)


def build_expectation(spec: ExpectationSpec, *, where: str = "", loads: str = "(null)"):
    """The Great Expectations object for one spec; ``loads`` replaces ``{loads}`` in its queries."""
    from great_expectations.exceptions import ExpectationNotFoundError
    from great_expectations.expectations.registry import get_expectation_impl
    from pydantic import ValidationError
    from pydantic.v1 import ValidationError as ValidationErrorV1  # what GE's expectation models raise

    try:
        cls = get_expectation_impl(spec.type)
    except ExpectationNotFoundError as exc:
        raise SuiteError(f"{where}: Great Expectations has no expectation type {spec.type!r}") from exc
    kwargs = {k: v.replace("{loads}", loads) if isinstance(v, str) else v for k, v in spec.kwargs.items()}
    try:
        # GE prints (not logs) a notice for queries without {batch}; ours on raw.load_files mean it.
        with contextlib.redirect_stdout(io.StringIO()):
            return cls(**kwargs, meta={"severity": spec.severity, "description": spec.description}, id=None)
    except (ValidationError, ValidationErrorV1, TypeError) as exc:
        lines = str(exc).splitlines()
        raise SuiteError(f"{where}: wrong arguments: {' '.join(line.strip() for line in lines[:5])}") from exc
