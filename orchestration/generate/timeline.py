"""A record's life as timed cell changes, and the weekly snapshots the exports carry.

Sources that export weekly (ПОС, IM) include every record created or changed
during the week, as it stands at the export. A generator decides a record's
whole life up front as (moment, cells) changes; :meth:`Timeline.replay` then
walks them in time order and drops a copy of the row into each week that had
a change. Changes at or after the period's end never happen: those records
are the backlog still open in the last export.
"""

from __future__ import annotations

from collections.abc import Callable

Cells = tuple[tuple[int, str], ...]


class Timeline:
    def __init__(self, end: int, week_of: Callable[[int], int]):
        self.end = end
        self.week_of = week_of
        self.pending: dict[int, list[list[str]]] = {}  # week → rows waiting for that week's export
        self.changes: list[tuple[int, int, Cells]] = []

    def change(self, t: int, *cells: tuple[int, str]) -> None:
        """At moment ``t`` these (cell, value) pairs change; simultaneous changes keep their order."""
        self.changes.append((t, len(self.changes), cells))

    def replay(
        self, row: list[str], t0: int, alt_cell: int = -1, alt_value: str = "", alt_weeks: list[bool] | None = None
    ) -> None:
        """Snapshot ``row`` (as it stands at ``t0``) into each week with a change; clears the changes.

        ``alt_cell``/``alt_value`` override one cell in the weeks ``alt_weeks``
        marks (ПОС shows the received time only in its XLSX exports).
        """
        changes, end, week_of = self.changes, self.end, self.week_of
        changes.sort()
        week = week_of(t0)
        for t, _seq, cells in changes:
            if t >= end:
                break
            k = week_of(t)
            if k != week:
                self._snapshot(week, row, alt_cell, alt_value, alt_weeks)
                week = k
            for cell, value in cells:
                row[cell] = value
        self._snapshot(week, row, alt_cell, alt_value, alt_weeks)
        changes.clear()

    def _snapshot(self, week: int, row: list[str], alt_cell: int, alt_value: str, alt_weeks: list[bool] | None) -> None:
        snap = row.copy()
        if alt_weeks is not None and alt_weeks[week]:
            snap[alt_cell] = alt_value
        bucket = self.pending.get(week)
        if bucket is None:
            self.pending[week] = [snap]
        else:
            bucket.append(snap)

    def take(self, week: int) -> list[list[str]]:
        """The rows of a finished week (no later record can change it any more)."""
        return self.pending.pop(week, [])
