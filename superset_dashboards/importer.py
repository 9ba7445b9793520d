"""Import the dashboards bundle into Superset and set up its roles, users and row-level security.

Runs inside Superset's own virtualenv (``.venv-superset/bin/python``), called
by ``tsur dashboards import`` / ``tsur serve`` (orchestration/superset/setup.py),
which passes a JSON document on stdin:

    {"bundle_dir": ..., "warehouse": {"host", "port", "database", "user", "password"},
     "users": [{"username", "password", "first_name", "last_name", "kind", "subject"}],
     "blocks": [{"code", "name"}], "municipalities": [{"oktmo", "name"}],
     "database_name": ..., "datasets": {key: uuid}}

The import goes through Superset's own command (the one behind
``POST /api/v1/dashboard/import/``) with ``overwrite``: an invalid bundle raises,
and this script then prints every message and exits 2 (``superset
import-directory`` would log the error and exit 0). Roles, users, RLS filters and
dashboard roles are then made to match exactly what the JSON says, so running
it again converges.

Roles (each user also gets Superset's ``Gamma`` for the read-only UI):

- ``ЦУР: руководитель`` — every dataset and dashboard, no SQL Lab;
- ``ЦУР: аналитик`` — the same plus ``sql_lab`` on the database, whose
  PostgreSQL role reads ``marts`` only;
- ``ЦУР: блок «…»`` — one per block: the appeal, overdue and problem datasets
  with ``block_code = …`` as row-level security;
- ``ЦУР: муниципалитет «…»`` — one per municipality: the appeal and overdue
  datasets with ``municipality_oktmo = …``; no other dataset is granted, so
  whatever is not filtered is denied;
- ``Admin`` — Superset's own.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any
from uuid import UUID

DATABASE_FILE = "databases/tsur_marts.yaml"
EXECUTIVE = "ЦУР: руководитель"
ANALYST = "ЦУР: аналитик"
BLOCK_DATASETS = ["appeals_daily", "overdue_pos", "problem_categories", "catch_all_breakdown"]
BLOCK_DASHBOARDS = ["deadlines", "satisfaction", "problem-categories"]
MUNICIPALITY_DATASETS = ["appeals_daily", "overdue_pos"]
MUNICIPALITY_DASHBOARDS = ["deadlines", "satisfaction"]


def block_role(name: str) -> str:
    return f"ЦУР: блок «{name}»"


def municipality_role(name: str) -> str:
    return f"ЦУР: муниципалитет «{name}»"


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def read_bundle(folder: Path, warehouse: dict[str, Any]) -> dict[str, str]:
    """The bundle's files by path, with the warehouse's address put into the database's URI."""
    import yaml

    contents = {path.relative_to(folder).as_posix(): path.read_text("utf-8") for path in folder.rglob("*.yaml")}
    if DATABASE_FILE not in contents:
        raise SystemExit(f"error: {folder / DATABASE_FILE} is missing: the bundle must define the warehouse database")
    database = yaml.safe_load(contents[DATABASE_FILE])
    database["sqlalchemy_uri"] = (
        f"postgresql+psycopg2://{warehouse['user']}:XXXXXXXXXX@{warehouse['host']}:{warehouse['port']}"
        f"/{warehouse['database']}"
    )
    contents[DATABASE_FILE] = yaml.safe_dump(database, allow_unicode=True, sort_keys=False)
    return contents


def import_bundle(contents: dict[str, str], password: str) -> None:
    """Databases, datasets, charts, then dashboards, each through its own command with overwrite.

    The dashboards command alone would create missing charts and datasets but
    never update existing ones, so an edited chart would not change on
    re-import; the models' own commands do. They check the bundle's type only
    when metadata.yaml names one, so they get the bundle without it.
    """
    from superset.commands.chart.importers.v1 import ImportChartsCommand
    from superset.commands.dashboard.importers.v1 import ImportDashboardsCommand
    from superset.commands.database.importers.v1 import ImportDatabasesCommand
    from superset.commands.dataset.importers.v1 import ImportDatasetsCommand
    from superset.commands.exceptions import CommandInvalidError

    untyped = {**contents, "metadata.yaml": "version: 1.0.0\n"}
    steps = [
        ("the database", ImportDatabasesCommand, untyped),
        ("the datasets", ImportDatasetsCommand, untyped),
        ("the charts", ImportChartsCommand, untyped),
        ("the dashboards", ImportDashboardsCommand, contents),
    ]
    for what, command, files in steps:
        try:
            command(files, passwords={DATABASE_FILE: password}, overwrite=True).run()
        except CommandInvalidError as exc:
            messages = exc.normalized_messages() if hasattr(exc, "normalized_messages") else str(exc)
            text = json.dumps(messages, ensure_ascii=False)
            print(f"error: the dashboards bundle is invalid ({what}): {text}", file=sys.stderr)
            raise SystemExit(2) from exc
        except Exception as exc:  # the commands wrap whatever failed in their own error
            cause = exc.__cause__ or exc
            print(f"error: importing {what} of the dashboards bundle failed: {exc}: {cause!r}", file=sys.stderr)
            raise SystemExit(2) from exc


def _role(sm, name: str):
    return sm.find_role(name) or sm.add_role(name)


def _grant_only(sm, role, permission_views) -> None:
    role.permissions = list(permission_views)
    from superset import db

    db.session.merge(role)


def _rls(db, sm, name: str, clause: str, tables, role) -> None:
    from superset.connectors.sqla.models import RowLevelSecurityFilter

    rls = db.session.query(RowLevelSecurityFilter).filter_by(name=name).one_or_none()
    if rls is None:
        rls = RowLevelSecurityFilter(name=name)
        db.session.add(rls)
    rls.filter_type = "Regular"
    rls.clause = clause
    rls.group_key = None
    rls.description = "tsur: row-level security of a demo role (superset_dashboards/importer.py)"
    rls.tables = list(tables)
    rls.roles = [role]


def set_up_security(config: dict[str, Any]) -> None:
    """Roles, RLS filters, dashboard roles and users exactly as ``config`` says."""
    from superset import db
    from superset import security_manager as sm
    from superset.connectors.sqla.models import SqlaTable
    from superset.models.core import Database
    from superset.models.dashboard import Dashboard

    database = db.session.query(Database).filter_by(database_name=config["database_name"]).one()
    tables = {
        key: db.session.query(SqlaTable).filter_by(database_id=database.id, uuid=UUID(dataset_uuid)).one()
        for key, dataset_uuid in config["datasets"].items()
    }
    dashboards = {dashboard.slug: dashboard for dashboard in db.session.query(Dashboard).all() if dashboard.slug}

    def access(keys):
        return [sm.add_permission_view_menu("datasource_access", tables[key].perm) for key in keys]

    executive = _role(sm, EXECUTIVE)
    _grant_only(sm, executive, access(tables))
    analyst = _role(sm, ANALYST)
    _grant_only(sm, analyst, [*access(tables), sm.add_permission_view_menu("database_access", database.perm)])
    dashboard_roles: dict[str, list] = {slug: [executive, analyst] for slug in dashboards}

    wanted_rls = set()
    for block in config["blocks"]:
        role = _role(sm, block_role(block["name"]))
        _grant_only(sm, role, access(BLOCK_DATASETS))
        name = f"tsur: блок {block['code']}"
        _rls(db, sm, name, f"block_code = {_sql_text(block['code'])}", [tables[k] for k in BLOCK_DATASETS], role)
        wanted_rls.add(name)
        for slug in BLOCK_DASHBOARDS:
            dashboard_roles[slug].append(role)
    for municipality in config["municipalities"]:
        role = _role(sm, municipality_role(municipality["name"]))
        _grant_only(sm, role, access(MUNICIPALITY_DATASETS))
        name = f"tsur: муниципалитет {municipality['oktmo']}"
        clause = f"municipality_oktmo = {_sql_text(municipality['oktmo'])}"
        _rls(db, sm, name, clause, [tables[k] for k in MUNICIPALITY_DATASETS], role)
        wanted_rls.add(name)
        for slug in MUNICIPALITY_DASHBOARDS:
            dashboard_roles[slug].append(role)

    from superset.connectors.sqla.models import RowLevelSecurityFilter

    for stale in db.session.query(RowLevelSecurityFilter).filter(RowLevelSecurityFilter.name.like("tsur: %")).all():
        if stale.name not in wanted_rls:
            db.session.delete(stale)
    for slug, roles in dashboard_roles.items():
        dashboards[slug].roles = roles
        dashboards[slug].published = True

    for user in config["users"]:
        roles = [sm.find_role(name) for name in _user_roles(user)]
        if any(role is None for role in roles):
            raise SystemExit(f"error: a role of user {user['username']} does not exist: {_user_roles(user)}")
        existing = sm.find_user(username=user["username"])
        if existing is None:
            created = sm.add_user(
                user["username"],
                user["first_name"],
                user["last_name"],
                f"{user['username']}@tsur.local",
                roles,
                password=user["password"],
            )
            if not created:
                raise SystemExit(f"error: Superset could not create the user {user['username']}")
        else:
            from werkzeug.security import generate_password_hash

            existing.roles = roles
            existing.password = generate_password_hash(user["password"])
            existing.first_name, existing.last_name = user["first_name"], user["last_name"]
            existing.active = True
            db.session.merge(existing)
    db.session.commit()


def _user_roles(user: dict[str, Any]) -> list[str]:
    kind = user["kind"]
    if kind == "admin":
        return ["Admin"]
    if kind == "executive":
        return ["Gamma", EXECUTIVE]
    if kind == "analyst":
        return ["Gamma", "sql_lab", ANALYST]
    if kind == "block":
        return ["Gamma", block_role(user["subject"])]
    if kind == "municipality":
        return ["Gamma", municipality_role(user["subject"])]
    raise SystemExit(f"error: unknown kind of user {kind!r} for {user['username']}")


def main() -> None:
    config = json.load(sys.stdin)
    from flask import g
    from superset.app import create_app

    app = create_app()
    with app.app_context(), app.test_request_context():
        from superset import security_manager as sm

        admin = next(user for user in config["users"] if user["kind"] == "admin")
        set_up_admin(sm, admin)
        g.user = sm.find_user(username=admin["username"])
        contents = read_bundle(Path(config["bundle_dir"]), config["warehouse"])
        import_bundle(contents, config["warehouse"]["password"])
        set_up_security(config)
    print(f"imported {sum(1 for name in contents if name.startswith('dashboards/'))} dashboards")


def set_up_admin(sm, admin: dict[str, Any]) -> None:
    from superset import db
    from werkzeug.security import generate_password_hash

    existing = sm.find_user(username=admin["username"])
    if existing is None:
        sm.add_user(
            admin["username"],
            admin["first_name"],
            admin["last_name"],
            "admin@tsur.local",
            [sm.find_role("Admin")],
            password=admin["password"],
        )
    else:
        existing.password = generate_password_hash(admin["password"])
        existing.roles = [sm.find_role("Admin")]
        existing.active = True
    db.session.commit()


if __name__ == "__main__":
    main()
