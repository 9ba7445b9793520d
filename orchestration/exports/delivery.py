"""Deliver packages to the federal center's endpoint: HTTPS POST with a bearer token, retries, a log of every try.

The outbox is always written (by the package builder). When
``TSUR_EXPORT_URL`` is set, the newest revision of every package that the
endpoint has not acknowledged is POSTed as one zip: the run that built it
tries ``TSUR_EXPORT_ATTEMPTS`` times with exponential back-off, and every
later run tries again until it is acknowledged. The ``Idempotency-Key``
header (the package's key: region, kind, period and content) lets the
receiver drop a package it already has, so a retry after a lost answer never
delivers twice.

A 2xx answer is ``acknowledged``; 409 Conflict (the receiver has that key) is
too. A network error, a timeout, 408, 425, 429 and 5xx are retried; another
4xx (a wrong token, a refused package) is ``failed`` at once and retried on
the next run, when someone has had a chance to fix it. SFTP is not
implemented (no SFTP server could be tested here); see docs/exports.md.
"""

from __future__ import annotations

import base64
import hashlib
import json
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

from orchestration.exports.config import ExportSettings
from orchestration.exports.writers import zip_files

RETRYABLE = {408, 425, 429}


@dataclass
class DeliveryResult:
    package_id: int
    package: str  # region/kind/period/rN
    status: str  # acknowledged | failed
    attempts: int  # attempts in this run
    http_status: int | None
    error: str | None
    receipt: str | None


def destination(url: str) -> str:
    """The URL without credentials or query, for the log."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def package_zip(path: Path, name: str) -> bytes:
    """The package folder as one zip (members under ``name/``), the same bytes for the same files."""
    manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    files = {f"{name}/{p.name}": p.read_bytes() for p in sorted(path.iterdir()) if p.is_file()}
    return zip_files(files, date.fromisoformat(manifest["data_as_of"][:10]))


def _ssl_context(settings: ExportSettings) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if settings.ca_file:
        context.load_verify_locations(cafile=settings.ca_file)
    return context


def _post(settings: ExportSettings, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    request = urllib.request.Request(settings.url, data=body, method="POST", headers=headers)
    context = _ssl_context(settings) if settings.url.lower().startswith("https:") else None
    try:
        with urllib.request.urlopen(request, timeout=settings.timeout_seconds, context=context) as response:
            return response.status, response.read(4096).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(4096).decode("utf-8", "replace") if exc.fp else str(exc.reason)


def _receipt(text: str) -> str | None:
    try:
        document = json.loads(text)
    except ValueError:
        return text.strip()[:200] or None
    if isinstance(document, dict):
        value = document.get("receipt") or document.get("id")
        return str(value) if value is not None else None
    return None


def pending(conn: psycopg.Connection) -> list[tuple]:
    """The newest revision of each package, not yet acknowledged by the endpoint, oldest first."""
    return conn.execute(
        """
        with newest as (
            select distinct on (region_code, kind, period) *
            from exports.packages
            order by region_code, kind, period, revision desc
        )
        select n.package_id, n.region_code, n.kind, n.period, n.revision, n.idempotency_key, n.content_sha256, n.path
        from newest as n
        where not exists (
            select 1 from exports.delivery_log as d
            where d.package_id = n.package_id and d.channel = 'https' and d.status = 'acknowledged'
        )
        order by n.built_at, n.package_id
        """
    ).fetchall()


def _log(conn, package_id, key, url, attempt, status, http_status=None, error=None, receipt=None) -> None:
    with conn.transaction():
        conn.execute(
            """
            insert into exports.delivery_log (package_id, idempotency_key, channel, destination, attempt, status,
                http_status, error, receipt)
            values (%s, %s, 'https', %s, %s, %s, %s, %s, %s)
            """,
            (package_id, key, destination(url), attempt, status, http_status, error, receipt),
        )


def deliver(
    conn: psycopg.Connection,
    row: tuple,
    settings: ExportSettings,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> DeliveryResult:
    """POST one package, with retries and back-off; every attempt goes to exports.delivery_log."""
    package_id, region, kind, period, revision, key, content, path = row
    name = f"{region}_{kind}_{period}_r{revision}"
    body = package_zip(Path(path), name)
    digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
    headers = {
        "Content-Type": "application/zip",
        "Idempotency-Key": key,
        "Content-Digest": f"sha-256=:{digest}:",
        "X-Tsur-Package": f"{region}/{kind}/{period}/r{revision}",
        "X-Tsur-Content-Sha256": content,
        "User-Agent": "tsur-export/1",
    }
    if settings.token:
        headers["Authorization"] = f"Bearer {settings.token}"
    done = conn.execute(
        "select count(*) from exports.delivery_log where package_id = %s and channel = 'https'", (package_id,)
    ).fetchone()[0]
    label = f"{region}/{kind}/{period}/r{revision}"
    status_code = error = None
    for attempt in range(1, settings.attempts + 1):
        number = done + attempt
        try:
            status_code, text = _post(settings, body, headers)
        except (OSError, urllib.error.URLError) as exc:  # refused, reset, TLS, timeout
            status_code, text = None, ""
            error = f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"
        else:
            error = None if 200 <= status_code < 300 or status_code == 409 else f"HTTP {status_code}: {text[:300]}"
        if error is None:
            receipt = _receipt(text)
            _log(conn, package_id, key, settings.url, number, "acknowledged", status_code, None, receipt)
            return DeliveryResult(package_id, label, "acknowledged", attempt, status_code, None, receipt)
        _log(conn, package_id, key, settings.url, number, "failed", status_code, error)
        permanent = status_code is not None and 400 <= status_code < 500 and status_code not in RETRYABLE
        if permanent or attempt == settings.attempts:
            break
        sleep(settings.backoff_seconds * 2 ** (attempt - 1))
    return DeliveryResult(package_id, label, "failed", attempt, status_code, error, None)


def deliver_pending(
    conn: psycopg.Connection, settings: ExportSettings, *, sleep: Callable[[float], None] = time.sleep
) -> list[DeliveryResult]:
    """Every package the endpoint has not acknowledged yet (this run's and earlier runs' failures)."""
    if not settings.delivers:
        return []
    return [deliver(conn, row, settings, sleep=sleep) for row in pending(conn)]
