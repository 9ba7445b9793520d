"""Superset's side of tsur: its virtualenv, its home under .tsur/, the read-only warehouse role, the import.

Superset lives in its own virtualenv (``.venv-superset``, ``make superset``)
because it pins libraries tsur's own environment needs newer (SQLAlchemy < 2).
tsur never imports it: it runs ``superset`` and ``superset_dashboards/importer.py``
with that interpreter and talks to the server over HTTP.

Secrets are generated on first use and kept in ``$TSUR_HOME/superset/``
(never committed): the Flask secret key (by superset_config.py), and the
passwords of the demo users and of the read-only PostgreSQL role in
``credentials.json``. ``TSUR_SUPERSET_ADMIN_PASSWORD``,
``TSUR_SUPERSET_DEMO_PASSWORD`` (every demo user) and
``TSUR_SUPERSET_READER_PASSWORD`` override them.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from orchestration.db.connection import url_parts
from orchestration.settings import PROJECT_ROOT, load_settings
from orchestration.superset import bundle

SUPERSET_DIR = PROJECT_ROOT / "superset_dashboards"
CONFIG_FILE = SUPERSET_DIR / "superset_config.py"
IMPORTER = SUPERSET_DIR / "importer.py"
READER_ROLE = "tsur_reader"
# Schemas the read-only role may read: the marts and the quality results (ids only, never
# personal data: expectations/README.md); nothing of raw, staging or intermediate.
READER_SCHEMAS = ("marts", "quality")

# The demo users: login, kind, Russian name. The block owner and the municipality
# get the block and the municipality with the most appeals (see demo_subjects).
DEMO_USERS = [
    ("admin", "admin", "Администратор"),
    ("executive", "executive", "Руководитель"),
    ("analyst", "analyst", "Аналитик"),
    ("block_owner", "block", "Ответственный за блок"),
    ("municipality", "municipality", "Глава муниципалитета"),
]


class SupersetError(RuntimeError):
    """Superset is missing, or its set-up or import failed; the message says what to do."""


def superset_venv() -> Path:
    return Path(os.environ.get("TSUR_SUPERSET_VENV") or PROJECT_ROOT / ".venv-superset")


def superset_home() -> Path:
    home = Path(os.environ.get("TSUR_SUPERSET_HOME") or load_settings().home / "superset").expanduser().resolve()
    home.mkdir(parents=True, exist_ok=True)
    return home


def superset_bin(name: str) -> Path:
    path = superset_venv() / "bin" / name
    if not path.exists():
        raise SupersetError(f"{path} not found: install Superset with `make superset` (its own virtualenv)")
    return path


def superset_env() -> dict[str, str]:
    """The environment Superset runs in: our config file, our home, no example data."""
    return {
        **os.environ,
        "SUPERSET_CONFIG_PATH": str(CONFIG_FILE),
        "TSUR_SUPERSET_HOME": str(superset_home()),
        "SUPERSET_LOAD_EXAMPLES": "no",
        "PYTHONWARNINGS": "ignore",
    }


def _run(args: list[str], what: str, *, input_text: str | None = None, timeout: float = 900) -> str:
    result = subprocess.run(
        args, env=superset_env(), capture_output=True, text=True, input=input_text, timeout=timeout, check=False
    )
    if result.returncode != 0:
        tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-15:])
        raise SupersetError(f"{what} failed (exit {result.returncode}):\n{tail}")
    return result.stdout


# ----------------------------------------------------------------------------- credentials


@dataclass(frozen=True)
class Credentials:
    users: dict[str, str]  # login -> password
    reader_password: str


def credentials() -> Credentials:
    """The demo users' and the reader role's passwords: from the environment, or generated once and kept."""
    path = superset_home() / "credentials.json"
    stored = json.loads(path.read_text()) if path.exists() else {}
    users = stored.get("users", {})
    for login, _kind, _name in DEMO_USERS:
        users.setdefault(login, secrets.token_urlsafe(9))
    reader = stored.get("reader_password") or secrets.token_urlsafe(18)
    if stored != {"users": users, "reader_password": reader}:
        path.write_text(json.dumps({"users": users, "reader_password": reader}, indent=2))
        path.chmod(0o600)
    demo = os.environ.get("TSUR_SUPERSET_DEMO_PASSWORD", "").strip()
    if demo:
        users = dict.fromkeys(users, demo)
    admin = os.environ.get("TSUR_SUPERSET_ADMIN_PASSWORD", "").strip()
    if admin:
        users["admin"] = admin
    return Credentials(users, os.environ.get("TSUR_SUPERSET_READER_PASSWORD", "").strip() or reader)


# ----------------------------------------------------------------------------- warehouse role


def ensure_reader_role(url: str, password: str, role: str = READER_ROLE) -> None:
    """A login role that reads the marts and the quality results and nothing else, now and after every dbt rebuild.

    dbt replaces a table by creating a new one, so the grant on existing tables
    is completed by default privileges for tables the warehouse's owner creates
    in ``marts`` later. The role gets nothing on raw, reference, staging,
    intermediate or snapshots; PostgreSQL grants nothing there to PUBLIC.
    """
    database = url_parts(url)["dbname"]
    with psycopg.connect(url, autocommit=True) as conn:
        exists = conn.execute("select 1 from pg_roles where rolname = %s", (role,)).fetchone()
        verb = "alter" if exists else "create"
        conn.execute(
            sql.SQL("{} role {} login nosuperuser nocreatedb nocreaterole noinherit password {}").format(
                sql.SQL(verb), sql.Identifier(role), sql.Literal(password)
            )
        )
        conn.execute(sql.SQL("alter role {} set default_transaction_read_only = on").format(sql.Identifier(role)))
        conn.execute(sql.SQL("alter role {} set statement_timeout = '60s'").format(sql.Identifier(role)))
        conn.execute(
            sql.SQL("grant connect on database {} to {}").format(sql.Identifier(database), sql.Identifier(role))
        )
        for schema in READER_SCHEMAS:
            conn.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(schema)))
            conn.execute(sql.SQL("grant usage on schema {} to {}").format(sql.Identifier(schema), sql.Identifier(role)))
            conn.execute(
                sql.SQL("grant select on all tables in schema {} to {}").format(
                    sql.Identifier(schema), sql.Identifier(role)
                )
            )
            conn.execute(
                sql.SQL("alter default privileges in schema {} grant select on tables to {}").format(
                    sql.Identifier(schema), sql.Identifier(role)
                )
            )


# ----------------------------------------------------------------------------- metadata and import


def prepare_metadata() -> None:
    """Create or upgrade Superset's metadata database and its built-in roles (once per Superset version)."""
    version = subprocess.run(
        [str(superset_bin("python")), "-c", "import importlib.metadata as m; print(m.version('apache-superset'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    stamp = superset_home() / f".initialised-{version}"
    if stamp.exists():
        return
    _run([str(superset_bin("superset")), "db", "upgrade"], "superset db upgrade")
    _run([str(superset_bin("superset")), "init"], "superset init")
    stamp.touch()


def demo_subjects(url: str) -> tuple[list[dict], list[dict], dict, dict]:
    """Every block and municipality (a role each), and the ones with most appeals for the demo users."""
    with psycopg.connect(url) as conn:
        blocks = conn.execute(
            """
            select blocks.block_code, min(blocks.block_name), coalesce(sum(daily.received_count), 0) as received
            from marts.dim_block as blocks
            left join marts.agg_appeals_daily as daily using (region_code, block_code)
            group by blocks.block_code
            order by received desc, blocks.block_code
            """
        ).fetchall()
        municipalities = conn.execute(
            """
            select municipalities.municipality_oktmo, municipalities.municipality_name,
                   coalesce(sum(daily.received_count), 0) as received
            from marts.dim_municipality as municipalities
            left join marts.agg_appeals_daily as daily using (municipality_oktmo)
            group by municipalities.municipality_oktmo, municipalities.municipality_name
            order by received desc, municipalities.municipality_oktmo
            """
        ).fetchall()
    if not blocks or not municipalities:
        raise SupersetError("the warehouse has no blocks or municipalities yet: run `tsur demo` or `tsur build` first")
    block_list = [{"code": code, "name": name} for code, name, _ in blocks]
    municipality_list = [{"oktmo": oktmo, "name": name} for oktmo, name, _ in municipalities]
    return block_list, municipality_list, block_list[0], municipality_list[0]


@dataclass(frozen=True)
class DemoUser:
    login: str
    password: str
    kind: str
    name: str
    subject: str | None  # the block or municipality name


def import_dashboards(
    url: str, bundle_dir: Path = bundle.BUNDLE_DIR, *, reader_url: str | None = None
) -> list[DemoUser]:
    """Import the bundle (overwriting), set up the roles and RLS, and return the demo users.

    Superset reads the warehouse as the read-only role ``tsur_reader``, created here through ``url``;
    with ``reader_url`` it reads as that URL's user instead and nothing is written to the warehouse
    (a warehouse someone else owns, as the speed bench uses).
    """
    prepare_metadata()
    creds = credentials()
    if reader_url is None:
        from orchestration.quality.store import bootstrap_quality

        with psycopg.connect(url) as conn:
            bootstrap_quality(conn)  # the quality dashboard's tables exist before the first check runs
        ensure_reader_role(url, creds.reader_password)
        reader = {**url_parts(url), "user": READER_ROLE, "password": creds.reader_password}
    else:
        reader = url_parts(reader_url)
    blocks, municipalities, top_block, top_municipality = demo_subjects(url)
    users = []
    for login, kind, name in DEMO_USERS:
        subject = {"block": top_block["name"], "municipality": top_municipality["name"]}.get(kind)
        users.append(DemoUser(login, creds.users[login], kind, name, subject))
    config = {
        "bundle_dir": str(bundle_dir),
        "warehouse": {
            "host": reader["host"],
            "port": reader["port"],
            "database": reader["dbname"],
            "user": reader["user"],
            "password": reader["password"],
        },
        "database_name": bundle.DATABASE_NAME,
        "datasets": {dataset.key: bundle.dataset_uuid(dataset.key) for dataset in bundle.DATASETS},
        "blocks": blocks,
        "municipalities": municipalities,
        "users": [
            {
                "username": user.login,
                "password": user.password,
                "first_name": user.name,
                "last_name": user.subject or "ЦУР",
                "kind": user.kind,
                "subject": user.subject,
            }
            for user in users
        ],
    }
    _run([str(superset_bin("python")), str(IMPORTER)], "the dashboards import", input_text=json.dumps(config))
    return users
