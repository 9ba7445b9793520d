"""Superset's configuration for tsur, read from environment variables only.

Superset loads this file through ``SUPERSET_CONFIG_PATH`` (set by
``orchestration/superset/server.py``). Nothing here is a secret: the secret
key is generated on first start and kept in ``$TSUR_SUPERSET_HOME/secret_key``
(``.tsur/superset/`` by default, never committed), or taken from
``SUPERSET_SECRET_KEY``.

The metadata database is SQLite in the same folder (``superset.db``) unless
``SUPERSET_DATABASE_URI`` names another one: it holds only dashboards, users
and roles, which the import step recreates from ``superset_dashboards/``, so
it has no backup needs of its own and must not depend on the warehouse being
up (nor on it being the embedded one).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

_HOME = Path(os.environ.get("TSUR_SUPERSET_HOME") or Path(__file__).resolve().parent.parent / ".tsur" / "superset")
_HOME.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    from_env = os.environ.get("SUPERSET_SECRET_KEY", "").strip()
    if from_env:
        return from_env
    path = _HOME / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
SQLALCHEMY_DATABASE_URI = os.environ.get("SUPERSET_DATABASE_URI") or f"sqlite:///{_HOME / 'superset.db'}?timeout=30"
DATA_DIR = str(_HOME)

APP_NAME = "ЦУР — отчеты"
BABEL_DEFAULT_LOCALE = "ru"
LANGUAGES = {"ru": {"flag": "ru", "name": "Русский"}, "en": {"flag": "us", "name": "English"}}

# Nothing phones out: the content security policy admits this server only
# (Superset's default admits a telemetry pixel and two external image hosts).
TALISMAN_ENABLED = True
CONTENT_SECURITY_POLICY_WARNING = False
TALISMAN_CONFIG = {
    "content_security_policy": {
        "base-uri": ["'self'"],
        "default-src": ["'self'"],
        "img-src": ["'self'", "blob:", "data:"],
        "worker-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "object-src": "'none'",
        "style-src": ["'self'", "'unsafe-inline'"],
        "font-src": ["'self'", "data:"],
        "script-src": ["'self'", "'strict-dynamic'"],
    },
    "content_security_policy_nonce_in": ["script-src"],
    "force_https": False,
    "session_cookie_secure": False,
}
MAPBOX_API_KEY = ""
SLACK_API_TOKEN = None
SMTP_HOST = "localhost"

FEATURE_FLAGS = {
    "ALERT_REPORTS": False,
    "THUMBNAILS": False,
    "DASHBOARD_RBAC": True,  # a dashboard lists the roles that may open it
    "ENABLE_TEMPLATE_PROCESSING": False,
    "EMBEDDED_SUPERSET": False,
    "DASHBOARD_VIRTUALIZATION": False,  # every chart loads at once (small dashboards; full screenshots)
    "ALLOW_ADHOC_SUBQUERY": False,  # a subquery in a chart's SQL could read past row-level security
}

# Charts wait for the warehouse, never for a stale cache, in the demo; a
# production installation may set a Redis cache here.
CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
DATA_CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
RATELIMIT_STORAGE_URI = "memory://"

ROW_LIMIT = 50_000
SQL_MAX_ROW = 100_000
SUPERSET_WEBSERVER_TIMEOUT = 120
PREVENT_UNSAFE_DB_CONNECTIONS = False  # the warehouse may be the embedded server on 127.0.0.1
WTF_CSRF_TIME_LIMIT = None

# Russian number and date formats in every chart: 1 234,5 and «март 2026».
D3_FORMAT = {"decimal": ",", "thousands": "\u00a0", "grouping": [3], "currency": ["", "\u00a0₽"]}
D3_TIME_FORMAT = {
    "dateTime": "%A, %e %B %Y г. %X",
    "date": "%d.%m.%Y",
    "time": "%H:%M:%S",
    "periods": ["AM", "PM"],
    "days": ["воскресенье", "понедельник", "вторник", "среда", "четверг", "пятница", "суббота"],
    "shortDays": ["вс", "пн", "вт", "ср", "чт", "пт", "сб"],
    "months": [
        "январь", "февраль", "март", "апрель", "май", "июнь",
        "июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь",
    ],
    "shortMonths": ["янв", "фев", "мар", "апр", "май", "июн", "июл", "авг", "сен", "окт", "ноя", "дек"],
}  # fmt: skip
