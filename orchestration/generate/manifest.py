"""What a generation run wrote: one record per file, and manifest.json listing them.

The manifest is how tests, benchmarks and the ingestion check a demo folder
without re-reading it: relative path, feed, data rows and SHA-256 of every
file. It is deterministic (sorted keys and paths, no timestamps), so two runs
with the same parameters give the same manifest byte for byte.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class FileRecord:
    path: Path  # absolute
    feed: str  # pos | im | regional_portal | roadmap | indicators | staff
    rows: int  # data rows, the header not counted


@dataclass
class SourceResult:
    """What one source's generation produced; the region runner merges them (possibly across processes)."""

    appeals: int = 0
    files: list[FileRecord] = field(default_factory=list)
    block_quarter: dict[tuple[str, int], int] = field(default_factory=dict)  # (block, quarter index) → appeals
    defects: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # relative path → ground truth


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_json(path: Path, document: Any) -> None:
    """JSON that is the same bytes for the same content: sorted keys, fixed separators, final newline."""
    path.write_text(json.dumps(document, ensure_ascii=False, sort_keys=True, indent=2) + "\n", encoding="utf-8")


def write_manifest(out_dir: Path, parameters: dict[str, Any], files: list[FileRecord], appeals: dict[str, int]) -> Path:
    listed = sorted(files, key=lambda f: f.path.relative_to(out_dir).as_posix())
    document = {
        "generator": "tsur generate",
        "format_version": 1,
        "parameters": parameters,
        "appeals": appeals,
        "files": [
            {
                "path": f.path.relative_to(out_dir).as_posix(),
                "feed": f.feed,
                "rows": f.rows,
                "sha256": sha256_file(f.path),
            }
            for f in listed
        ],
    }
    path = out_dir / "manifest.json"
    write_json(path, document)
    return path
