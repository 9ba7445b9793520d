"""The region's reference data, read from seeds/reference/*.csv at run time.

The generator never carries regional facts in code: names of agencies,
municipalities, categories and how the sources label them all come from the
same CSV files the warehouse loads, so a region that edits its seeds gets a
demo that matches them. Rows are kept in file order, which makes every later
choice reproducible.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from orchestration.settings import REFERENCE_DIR

SOURCES = ("pos", "im", "regional")


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    subject_code: str
    timezone: str
    office_open: int  # minutes after midnight
    office_close: int
    lunch_start: int
    lunch_end: int
    population: int


@dataclass(frozen=True)
class Block:
    code: str
    name: str


@dataclass(frozen=True)
class Agency:
    agency_id: str
    name: str
    short_name: str
    kind: str
    oktmo: str
    valid_from: date
    valid_to: date | None
    successor_id: str

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True)
class Municipality:
    oktmo: str
    name: str
    kind: str
    population: int
    admin_center: str


@dataclass(frozen=True)
class Label:
    """How one source names a topic, and which canonical topic that is.

    ``subcategory`` is the source's own subcategory text; when the mapping row
    says ``*`` (any), ``subcategory`` is a concrete text the generator made up
    for it and ``wildcard`` is True.
    """

    source: str
    category: str
    subcategory: str
    block_code: str
    category_code: str
    subcategory_code: str  # as the mapping row says; empty when it maps to a whole category
    canonical_text: str  # source and canonical names together, for seasonality keywords
    catch_all: bool
    wildcard: bool


@dataclass
class Reference:
    region: Region
    blocks: list[Block]
    agencies: dict[str, Agency]
    block_agencies: dict[str, list[tuple[str, str]]]  # block → [(agency_id, role)] in file order
    municipalities: list[Municipality]
    labels: dict[str, list[Label]]  # source → labels
    mapped_categories: dict[str, set[str]]  # source → every category text the map knows
    aliases: dict[str, list[str]] = field(default_factory=dict)  # agency_id → other spellings

    def block(self, code: str) -> Block:
        return next(b for b in self.blocks if b.code == code)


def _read(directory: Path, name: str) -> list[dict[str, str]]:
    path = directory / name
    if not path.exists():
        raise ValueError(f"{path}: reference file not found; the generator reads the region's seeds from here")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]


def _minutes(value: str, path: str) -> int:
    try:
        hours, minutes = value.split(":")
        return int(hours) * 60 + int(minutes)
    except ValueError as exc:
        raise ValueError(f"{path}: office hours {value!r}: expected HH:MM") from exc


def _date(value: str) -> date | None:
    return date.fromisoformat(value) if value else None


def load_reference(region_code: str, directory: Path = REFERENCE_DIR) -> Reference:
    """Everything the generator needs about one region; raises ValueError naming the file at fault."""
    regions = [r for r in _read(directory, "regions.csv") if r["region_code"] == region_code]
    if not regions:
        known = ", ".join(r["region_code"] for r in _read(directory, "regions.csv"))
        raise ValueError(f"region {region_code!r} is not in {directory / 'regions.csv'}; known regions: {known}")
    r = regions[0]
    region = Region(
        code=region_code,
        name=r["region_name"],
        subject_code=r["subject_code"],
        timezone=r["timezone"],
        office_open=_minutes(r["office_open"] or "09:00", "regions.csv"),
        office_close=_minutes(r["office_close"] or "18:00", "regions.csv"),
        lunch_start=_minutes(r["lunch_start"] or "13:00", "regions.csv"),
        lunch_end=_minutes(r["lunch_end"] or "14:00", "regions.csv"),
        population=int(r["population"] or 0),
    )

    block_names = {b["block_code"]: b["block_name"] for b in _read(directory, "thematic_blocks.csv")}
    region_blocks = [b["block_code"] for b in _read(directory, "region_blocks.csv") if b["region_code"] == region_code]
    if not region_blocks:
        raise ValueError(f"{directory / 'region_blocks.csv'}: no thematic blocks for region {region_code}")
    blocks = [Block(code, block_names.get(code, code)) for code in region_blocks]

    agencies = {
        a["agency_id"]: Agency(
            agency_id=a["agency_id"],
            name=a["agency_name"],
            short_name=a["short_name"] or a["agency_name"],
            kind=a["agency_kind"],
            oktmo=a["oktmo"],
            valid_from=_date(a["valid_from"]) or date(2000, 1, 1),
            valid_to=_date(a["valid_to"]),
            successor_id=a["successor_agency_id"],
        )
        for a in _read(directory, "agencies.csv")
        if a["region_code"] == region_code
    }
    if not agencies:
        raise ValueError(f"{directory / 'agencies.csv'}: no agencies for region {region_code}")

    block_agencies: dict[str, list[tuple[str, str]]] = {}
    for row in _read(directory, "block_agencies.csv"):
        if row["region_code"] == region_code and row["agency_id"] in agencies:
            block_agencies.setdefault(row["block_code"], []).append((row["agency_id"], row["role"]))

    municipalities = [
        Municipality(
            m["oktmo"], m["municipality_name"], m["municipality_kind"], int(m["population"] or 0), m["admin_center"]
        )
        for m in _read(directory, "municipalities.csv")
        if m["region_code"] == region_code
    ]
    if not municipalities:
        raise ValueError(f"{directory / 'municipalities.csv'}: no municipalities for region {region_code}")

    aliases: dict[str, list[str]] = {}
    for row in _read(directory, "agency_aliases.csv"):
        agency = agencies.get(row["agency_id"])
        if row["region_code"] == region_code and agency and row["source_name"] != agency.name:
            aliases.setdefault(row["agency_id"], []).append(row["source_name"])

    labels, mapped = _labels(directory, region_code, {b.code for b in blocks})
    return Reference(region, blocks, agencies, block_agencies, municipalities, labels, mapped, aliases)


def _labels(directory: Path, region_code: str, blocks: set[str]) -> tuple[dict[str, list[Label]], dict[str, set[str]]]:
    """Every (category, subcategory) text pair each source uses for this region's blocks.

    Rows with a concrete subcategory become one label each. A ``*`` row stands
    for texts the map does not list; the generator makes them up from the
    canonical subcategory names under the row's target (or a plain «Прочее»
    for catch-alls), skipping any text another row of the same category
    already claims, so the label still resolves through the ``*`` row. The
    region-wide ``*``/``*`` fallback is never used for clean data: what only
    it can map is how the defects make an unknown category.
    """
    categories = _read(directory, "categories.csv")
    names = {c["subcategory_code"]: c for c in categories}
    by_category: dict[str, list[dict[str, str]]] = {}
    for c in categories:
        by_category.setdefault(c["category_code"], []).append(c)

    rows = [m for m in _read(directory, "source_category_map.csv") if m["region_code"] in ("*", region_code)]
    # A region's own row overrides the '*' row for the same source texts.
    own = {
        (m["source_system"], m["source_category"], m["source_subcategory"])
        for m in rows
        if m["region_code"] == region_code
    }
    rows = [
        m
        for m in rows
        if m["region_code"] == region_code
        or (m["source_system"], m["source_category"], m["source_subcategory"]) not in own
    ]

    labels: dict[str, list[Label]] = {s: [] for s in SOURCES}
    mapped: dict[str, set[str]] = {s: set() for s in SOURCES}
    claimed = {(m["source_system"], m["source_category"], m["source_subcategory"]) for m in rows}
    for m in rows:
        source = m["source_system"]
        if source not in labels:
            continue
        mapped[source].add(m["source_category"])
        if m["source_category"] == "*" or m["block_code"] not in blocks:
            continue
        sub_code = m["subcategory_code"]
        targets = [names[sub_code]] if sub_code in names else by_category.get(m["category_code"], [])
        if not targets:
            continue
        catch_all = all(t["is_catch_all"] == "true" for t in targets)
        category_name = targets[0]["category_name"]
        specific = targets[0]["subcategory_name"] if sub_code in names else ""
        if m["source_subcategory"] != "*":
            canonical = " ".join(filter(None, (m["source_category"], m["source_subcategory"], category_name, specific)))
            labels[source].append(
                Label(
                    source,
                    m["source_category"],
                    m["source_subcategory"],
                    m["block_code"],
                    m["category_code"],
                    sub_code,
                    canonical,
                    catch_all,
                    False,
                )
            )
            continue
        if catch_all:
            texts = [("Прочее", specific)]
        else:
            texts = [(t["subcategory_name"], t["subcategory_name"]) for t in targets if t["is_catch_all"] != "true"]
        for text, topic in texts:
            if (source, m["source_category"], text) in claimed:
                continue
            claimed.add((source, m["source_category"], text))
            canonical = " ".join(filter(None, (m["source_category"], category_name, topic)))
            labels[source].append(
                Label(
                    source,
                    m["source_category"],
                    text,
                    m["block_code"],
                    m["category_code"],
                    sub_code,
                    canonical,
                    catch_all,
                    True,
                )
            )
    for source, found in labels.items():
        if not found:
            raise ValueError(
                f"{directory / 'source_category_map.csv'}: no {source} rows for region {region_code}'s "
                "blocks; the generator labels that source's appeals from these rows"
            )
    return labels, mapped
