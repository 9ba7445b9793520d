"""Feed mapping files: how one source's files become rows of one raw table.

A mapping is a YAML file in ``seeds/feeds/`` (format in docs/feeds.md). It is
validated when loaded, so a typo is reported with the file and the key, before
any data is read.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from orchestration.ingest.converters import DURATION_UNITS, Converter, build_converter, normalise_key
from orchestration.ingest.targets import TARGETS, Target
from orchestration.settings import FEEDS_DIR

FORMATS = ("auto", "csv", "xlsx", "jsonl")
ENCODINGS = ("auto", "utf-8", "utf-8-sig", "cp1251")
FEED_KEYS = {
    "feed", "title", "description", "target", "files", "format", "encoding", "delimiter",
    "sheet", "header_row", "null_values", "strip_apostrophe", "exported_at", "constants", "fields",
}  # fmt: skip
FIELD_KEYS = {
    "column",
    "required",
    "formats",
    "values",
    "unmapped",
    "min",
    "max",
    "pattern",
    "unit",
    "strip_apostrophe",
}


class MappingError(ValueError):
    """A mapping file that cannot be used; the message names the file and key."""


@dataclass(frozen=True)
class FieldMapping:
    name: str
    columns: tuple[str, ...]  # accepted header names, first is canonical
    required: bool
    converter: Converter
    plain_text: bool = False  # text that only needs trimming and null markers: converted by Arrow kernels
    type: str = "text"
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class FeedMapping:
    feed: str
    title: str
    target: Target
    path: Path
    files: tuple[str, ...]
    format: str = "auto"
    encoding: str = "auto"
    delimiter: str = "auto"
    sheet: str | None = None
    header_row: int = 1
    exported_at_pattern: str | None = None
    exported_at_format: str = "%Y-%m-%d"
    constants: dict[str, str] = field(default_factory=dict)
    fields: tuple[FieldMapping, ...] = ()
    null_values: frozenset[str] = frozenset({"", "-"})

    def matches(self, path: Path) -> bool:
        name = path.name.casefold()
        return any(fnmatch.fnmatch(name, pattern.casefold()) for pattern in self.files)

    def exported_at(self, path: Path) -> datetime:
        """When the source exported the file: from its name if the mapping says how, else its mtime.

        Staging keeps the newest version of each record by this time.
        """
        if self.exported_at_pattern:
            found = re.search(self.exported_at_pattern, path.name)
            if found:
                try:
                    return datetime.strptime(found.group(1), self.exported_at_format)
                except ValueError:
                    pass
        return datetime.fromtimestamp(path.stat().st_mtime).replace(microsecond=0)


def _fail(path: Path, where: str, message: str) -> MappingError:
    return MappingError(f"{path}: {where}: {message}")


def parse_mapping(path: Path) -> FeedMapping:
    """Read and validate one mapping file."""
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise MappingError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(doc, dict):
        raise _fail(path, "top level", "expected a mapping of keys (feed, target, files, fields...)")
    unknown = set(doc) - FEED_KEYS
    if unknown:
        raise _fail(path, ", ".join(sorted(unknown)), f"unknown key; allowed: {', '.join(sorted(FEED_KEYS))}")
    for key in ("feed", "target", "files", "fields"):
        if key not in doc:
            raise _fail(path, key, "this key is required")
    feed = str(doc["feed"])
    if not re.fullmatch(r"[a-z][a-z0-9_]*", feed):
        raise _fail(path, "feed", "use lowercase letters, digits and _ (it becomes the source system name)")
    target = TARGETS.get(str(doc["target"]))
    if target is None:
        raise _fail(path, "target", f"unknown raw table {doc['target']!r}; one of {', '.join(TARGETS)}")
    fmt = str(doc.get("format", "auto"))
    if fmt not in FORMATS:
        raise _fail(path, "format", f"expected one of {', '.join(FORMATS)}")
    encoding = str(doc.get("encoding", "auto")).lower().replace("windows-1251", "cp1251")
    if encoding not in ENCODINGS:
        raise _fail(path, "encoding", f"expected one of {', '.join(ENCODINGS)}")
    files = doc["files"]
    if isinstance(files, str):
        files = [files]
    if not files or not all(isinstance(p, str) for p in files):
        raise _fail(path, "files", "expected a list of file-name patterns such as pos_*.csv")

    null_values = tuple(str(v) for v in doc.get("null_values", ["", "-"]))
    feed_apostrophe = bool(doc.get("strip_apostrophe", False))
    constants = {str(k): str(v) for k, v in (doc.get("constants") or {}).items()}
    for name in constants:
        if name not in target.field_names:
            raise _fail(path, f"constants.{name}", f"not a field of {target.table}")

    raw_fields = doc["fields"]
    if not isinstance(raw_fields, dict) or not raw_fields:
        raise _fail(path, "fields", "expected a mapping of field name to its column")
    fields = []
    for name, spec in raw_fields.items():
        fields.append(_parse_field(path, target, str(name), spec, null_values, feed_apostrophe))
    for name in constants:
        if name in raw_fields:
            raise _fail(path, f"constants.{name}", "this field is also mapped to a column; keep one")
    exported = doc.get("exported_at") or {}
    return FeedMapping(
        feed=feed,
        title=str(doc.get("title", feed)),
        target=target,
        path=path,
        files=tuple(files),
        format=fmt,
        encoding=encoding,
        delimiter=str(doc.get("delimiter", "auto")),
        sheet=doc.get("sheet"),
        header_row=int(doc.get("header_row", 1)),
        exported_at_pattern=exported.get("filename_pattern"),
        exported_at_format=str(exported.get("format", "%Y-%m-%d")),
        constants=constants,
        fields=tuple(fields),
        null_values=frozenset(null_values) | {""},
    )


def _parse_field(
    path: Path, target: Target, name: str, spec: Any, null_values: tuple[str, ...], feed_apostrophe: bool
) -> FieldMapping:
    where = f"fields.{name}"
    if name not in target.field_names:
        raise _fail(path, where, f"not a field of {target.table}; fields are: {', '.join(target.field_names)}")
    if isinstance(spec, str):
        spec = {"column": spec}
    if not isinstance(spec, dict) or "column" not in spec:
        raise _fail(path, where, "expected the source column name, or a mapping with at least `column:`")
    unknown = set(spec) - FIELD_KEYS
    if unknown:
        raise _fail(
            path, where, f"unknown option {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(FIELD_KEYS))}"
        )
    columns = spec["column"]
    columns = (columns,) if isinstance(columns, str) else tuple(str(c) for c in columns)
    type_ = target.field(name).type
    unit = str(spec.get("unit", "days"))
    if type_ == "duration" and unit not in DURATION_UNITS:
        raise _fail(path, f"{where}.unit", f"expected one of {', '.join(DURATION_UNITS)}")
    unmapped = str(spec.get("unmapped", "reject"))
    if unmapped not in ("reject", "keep"):
        raise _fail(path, f"{where}.unmapped", "expected reject or keep")
    values = spec.get("values")
    if values is not None and not isinstance(values, dict):
        raise _fail(path, f"{where}.values", "expected a mapping of source value to stored value")
    try:
        converter = build_converter(
            type_,
            required=bool(spec.get("required", False)),
            null_values=null_values,
            strip_apostrophe=bool(spec.get("strip_apostrophe", feed_apostrophe)),
            formats=tuple(spec.get("formats", ())),
            values=values,
            unmapped=unmapped,
            minimum=spec.get("min"),
            maximum=spec.get("max"),
            pattern=spec.get("pattern"),
            unit=unit,
        )
    except (ValueError, re.error) as exc:
        raise _fail(path, where, str(exc)) from exc
    plain = (
        type_ == "text"
        and values is None
        and not spec.get("pattern")
        and not spec.get("required")
        and not spec.get("strip_apostrophe", feed_apostrophe)
    )
    return FieldMapping(
        name, columns, bool(spec.get("required", False)), converter, plain, type_, spec.get("min"), spec.get("max")
    )


def load_mappings(directory: Path = FEEDS_DIR) -> dict[str, FeedMapping]:
    """Every mapping in the feeds folder, by feed name."""
    mappings: dict[str, FeedMapping] = {}
    for path in sorted(directory.glob("*.y*ml")):
        mapping = parse_mapping(path)
        if mapping.feed in mappings:
            raise MappingError(f"{path}: feed {mapping.feed!r} is already defined in {mappings[mapping.feed].path}")
        mappings[mapping.feed] = mapping
    return mappings


def feed_for(path: Path, mappings: dict[str, FeedMapping]) -> FeedMapping | None:
    """The feed whose file patterns match this file's name, if exactly one does."""
    found = [m for m in mappings.values() if m.matches(path)]
    if len(found) > 1:
        names = ", ".join(m.feed for m in found)
        raise MappingError(f"{path.name}: matches several feeds ({names}); pass --feed to choose")
    return found[0] if found else None


def header_index(header: list[str]) -> dict[str, int]:
    """Normalised header name → column position (first occurrence wins)."""
    index: dict[str, int] = {}
    for position, name in enumerate(header):
        index.setdefault(normalise_key(str(name)), position)
    return index
