"""Export settings from the environment (see .env.example): where the outbox is, where to deliver, how hard to try."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from orchestration.settings import load_settings


@dataclass(frozen=True)
class ExportSettings:
    outbox: Path
    regions: tuple[str, ...]  # TSUR_EXPORT_REGIONS; empty: every region with data (schedules: BRY)
    url: str | None  # HTTPS endpoint of the federal center; None = outbox only
    token: str | None  # bearer token for the endpoint
    ca_file: str | None  # extra CA bundle (a private or self-signed certificate), else the system's
    attempts: int  # attempts per delivery in one run
    backoff_seconds: float  # first back-off; doubles after each failed attempt
    timeout_seconds: float
    max_quarantine_share: float  # a feed's quarantined share above this is a critical quality failure

    @property
    def delivers(self) -> bool:
        return bool(self.url)


def _float(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    try:
        return float(value) if value else default
    except ValueError as exc:
        raise ValueError(f"{name}={value!r}: expected a number") from exc


def load_export_settings() -> ExportSettings:
    home = load_settings().home
    regions = os.environ.get("TSUR_EXPORT_REGIONS", "")
    return ExportSettings(
        outbox=Path(os.environ.get("TSUR_EXPORT_OUTBOX", "").strip() or home / "outbox").expanduser().resolve(),
        regions=tuple(code.strip().upper() for code in regions.split(",") if code.strip()),
        url=os.environ.get("TSUR_EXPORT_URL", "").strip() or None,
        token=os.environ.get("TSUR_EXPORT_TOKEN", "").strip() or None,
        ca_file=os.environ.get("TSUR_EXPORT_CA_FILE", "").strip() or None,
        attempts=max(1, int(_float("TSUR_EXPORT_ATTEMPTS", 5))),
        backoff_seconds=_float("TSUR_EXPORT_BACKOFF_SECONDS", 2.0),
        timeout_seconds=_float("TSUR_EXPORT_TIMEOUT_SECONDS", 60.0),
        max_quarantine_share=_float("TSUR_EXPORT_MAX_QUARANTINE_SHARE", 0.05),
    )
