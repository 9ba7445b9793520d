"""One way to get a connection string and a connection, embedded or external."""

from __future__ import annotations

from urllib.parse import urlsplit

import psycopg

from orchestration.db import embedded
from orchestration.settings import DEFAULT_DATABASE, Settings, load_settings


def embedded_url(settings: Settings, database: str = DEFAULT_DATABASE) -> str:
    return f"postgresql://{embedded.SUPERUSER}@127.0.0.1:{settings.embedded_port}/{database}"


def database_url(settings: Settings | None = None, *, start: bool = True) -> str:
    """The warehouse's URL; starts the embedded server (and creates the database) if needed."""
    settings = settings or load_settings()
    if not settings.embedded:
        return settings.database_url  # type: ignore[return-value]
    if start:
        embedded.start(settings.pgdata, settings.embedded_port)
        _ensure_database(embedded_url(settings, "postgres"), DEFAULT_DATABASE)
    return embedded_url(settings)


def _ensure_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'create database "{name}"')


def connect(url: str | None = None, **kwargs) -> psycopg.Connection:
    return psycopg.connect(url or database_url(), **kwargs)


def url_parts(url: str) -> dict[str, str]:
    """Host, port, user, password and database of a URL, for dbt's profile."""
    parts = urlsplit(url)
    return {
        "host": parts.hostname or "127.0.0.1",
        "port": str(parts.port or 5432),
        "user": parts.username or "postgres",
        "password": parts.password or "",
        "dbname": (parts.path or "/postgres").lstrip("/") or "postgres",
    }


def redact(url: str) -> str:
    """The URL with its password replaced, for printing."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    return url.replace(f":{parts.password}@", ":***@", 1)


def dbt_env(url: str) -> dict[str, str]:
    """The TSUR_DB_* variables that dbt_project/profiles.yml reads, for a PostgreSQL URL."""
    parts = url_parts(url)
    return {
        "TSUR_DB_HOST": parts["host"],
        "TSUR_DB_PORT": parts["port"],
        "TSUR_DB_USER": parts["user"],
        "TSUR_DB_PASSWORD": parts["password"],
        "TSUR_DB_NAME": parts["dbname"],
    }
