"""Where tsur keeps things and which database it talks to, from the environment.

Every setting has an environment variable (see ``.env.example``) and a default
that works on a fresh checkout. This is the one place that decides between
the embedded database and an external one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
SEEDS_DIR = PROJECT_ROOT / "seeds"
REFERENCE_DIR = SEEDS_DIR / "reference"
FEEDS_DIR = SEEDS_DIR / "feeds"

DEFAULT_EMBEDDED_PORT = 55432
DEFAULT_DATABASE = "tsur"
DEFAULT_USER = "tsur"


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


@dataclass(frozen=True)
class Settings:
    """Resolved settings; build with :func:`load_settings`."""

    home: Path
    database_url: str | None
    pgdata: Path
    embedded_port: int
    landing_dir: Path
    demo_dir: Path
    pii_hash_key: str

    @property
    def embedded(self) -> bool:
        """True when tsur runs its own PostgreSQL (no TSUR_DATABASE_URL)."""
        return self.database_url is None


def load_settings() -> Settings:
    home = Path(_env("TSUR_HOME", str(PROJECT_ROOT / ".tsur"))).expanduser().resolve()
    return Settings(
        home=home,
        database_url=os.environ.get("TSUR_DATABASE_URL", "").strip() or None,
        pgdata=Path(_env("TSUR_PGDATA", str(home / "pgdata"))).expanduser().resolve(),
        embedded_port=int(_env("TSUR_PG_PORT", str(DEFAULT_EMBEDDED_PORT))),
        landing_dir=Path(_env("TSUR_LANDING_DIR", str(home / "landing"))).expanduser().resolve(),
        demo_dir=Path(_env("TSUR_DEMO_DIR", str(home / "demo"))).expanduser().resolve(),
        pii_hash_key=_env("TSUR_PII_HASH_KEY", "tsur-demo-key-change-me"),
    )
