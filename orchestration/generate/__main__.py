"""`python -m orchestration.generate`: the generator without the rest of the CLI, for quick runs and profiling."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from orchestration.generate import generate_region


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.generate", description=__doc__)
    parser.add_argument("--region", default="BRY")
    parser.add_argument("--appeals", type=int, default=100_000)
    parser.add_argument("--start", type=date.fromisoformat, default=date(2025, 11, 1))
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--defects", type=float, default=0.0)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args(argv)

    last: dict[str, int] = {}

    def progress(stage: str, done: int, total: int) -> None:
        percent = 100 * done // max(total, 1)
        if last.get(stage, -1) // 25 != percent // 25:
            print(f"{stage}: {percent}%", file=sys.stderr)
        last[stage] = percent

    try:
        summary = generate_region(
            args.region,
            args.appeals,
            args.start,
            args.months,
            args.seed,
            args.out,
            args.defects,
            progress,
            workers=args.workers,
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    rows = sum(f.rows for f in summary.files)
    print(
        f"{len(summary.files)} files, {rows:,} rows, appeals {summary.appeals}, "
        f"defects {summary.defects or 'none'}, {summary.elapsed_seconds:.1f} s → {summary.out_dir}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
