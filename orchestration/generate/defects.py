"""Faults real exports have, injected on purpose, with the ground truth written down.

With ``--defects RATE`` each data row is spoiled with probability RATE, in one
of the ways its feed can go wrong: an impossible or relative date, a category
the map does not know, the same id twice with different content, a rating out
of range. Two whole-file faults come once per run in ПОС CSV exports: a
missing required column and a last row cut in half. Everything is recorded in
defects.json (row numbers are 1-based data rows, the header is row 0), so the
ingestion's quarantine can be checked against it.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FeedFaults:
    """Where one feed's rows can be spoiled (column names of the canonical header)."""

    id_column: str
    date_columns: tuple[str, ...]
    bad_dates: tuple[str, ...]
    category_column: str | None = None
    unknown_categories: tuple[str, ...] = ()
    rating_column: str | None = None
    status_column: str | None = None  # what a duplicate row changes
    status_values: tuple[str, ...] = ()


@dataclass
class Spoiler:
    """Spoils rows of one feed from its own random stream; ``records`` collects the truth per file."""

    rate: float
    seed: int
    feed: str
    faults: FeedFaults
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rng = random.Random(f"{self.seed}:defects:{self.feed}")

    def spoil(
        self,
        relpath: str,
        header: Sequence[str],
        rows: list[list[str]],
        skip_columns: Sequence[str] = (),
        first_row: int = 1,
    ) -> list[list[str]]:
        """Rows with faults injected (a new list; the input rows are not changed).

        ``first_row`` is the file row number of ``rows[0]``, for files written in parts.
        """
        if self.rate <= 0:
            return rows
        rng, faults = self.rng, self.faults
        index = {name: i for i, name in enumerate(header)}
        kinds = ["bad_date", "duplicate_id"]
        if faults.category_column and faults.unknown_categories:
            kinds.append("unknown_category")
        if faults.rating_column:
            kinds.append("rating_out_of_range")
        dates = [c for c in faults.date_columns if c not in skip_columns]
        out: list[list[str]] = []
        found = self.records.setdefault(relpath, [])
        shift = first_row - 1
        for row in rows:
            if rng.random() >= self.rate:
                out.append(row)
                continue
            kind = kinds[int(rng.random() * len(kinds))]
            row = list(row)
            if kind == "bad_date" and dates:
                column = dates[int(rng.random() * len(dates))]
                value = faults.bad_dates[int(rng.random() * len(faults.bad_dates))]
                row[index[column]] = value
                out.append(row)
                found.append({"kind": kind, "row": shift + len(out), "field": column, "value": value})
            elif kind == "unknown_category":
                value = faults.unknown_categories[int(rng.random() * len(faults.unknown_categories))]
                row[index[faults.category_column]] = value
                out.append(row)
                found.append({"kind": kind, "row": shift + len(out), "field": faults.category_column, "value": value})
            elif kind == "rating_out_of_range":
                value = ("0", "6", "10")[int(rng.random() * 3)]
                row[index[faults.rating_column]] = value
                out.append(row)
                found.append({"kind": kind, "row": shift + len(out), "field": faults.rating_column, "value": value})
            else:
                out.append(row)
                original = shift + len(out)
                twin = list(row)
                if faults.status_column:
                    i = index[faults.status_column]
                    choices = [v for v in faults.status_values if v != twin[i]]
                    twin[i] = choices[int(rng.random() * len(choices))]
                out.append(twin)
                found.append(
                    {
                        "kind": "duplicate_id",
                        "row": shift + len(out),
                        "field": faults.id_column,
                        "value": row[index[faults.id_column]],
                        "duplicate_of": original,
                    }
                )
        return out

    def record(self, relpath: str, entry: dict[str, Any]) -> None:
        self.records.setdefault(relpath, []).append(entry)

    def forget_row(self, relpath: str, row: int) -> None:
        """Drop row-level records of a row a whole-file fault destroyed (the truncated last row)."""
        self.records[relpath] = [r for r in self.records.get(relpath, []) if r["row"] != row]


def ordered(records: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """Ground truth in a stable order: files by path, entries by row."""
    return {
        path: sorted(entries, key=lambda e: (e["row"], e["kind"], e["field"]))
        for path, entries in sorted(records.items())
        if entries
    }
