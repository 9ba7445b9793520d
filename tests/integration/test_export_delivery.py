"""Delivery to a real HTTPS receiver on 127.0.0.1 that refuses the first attempts.

The receiver is a ``http.server`` in a thread behind TLS with a self-signed
certificate made for the test (``cryptography``); tsur trusts it through
TSUR_EXPORT_CA_FILE, exactly as a region would trust a private CA.
"""

from __future__ import annotations

import datetime as dt
import io
import ipaddress
import json
import ssl
import threading
import zipfile
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psycopg
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from orchestration.exports.config import load_export_settings
from orchestration.exports.delivery import deliver_pending, pending
from orchestration.exports.periods import parse_period
from orchestration.exports.run import export_period
from tests.integration.test_exports import copy_of

pytestmark = [pytest.mark.integration, pytest.mark.slow]
TOKEN = "test-token-not-a-secret"


def _certificate(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


class Receiver:
    """The federal center's endpoint as far as tsur can tell: answers 503 to the first ``refuse`` requests."""

    def __init__(self, folder: Path, refuse: int, refuse_status: int = 503):
        self.refuse, self.refuse_status = refuse, refuse_status
        self.requests: list[dict] = []
        self.accepted: dict[str, bytes] = {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"headers": dict(self.headers), "body": body})
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    return self._answer(401, {"error": "bad token"})
                if len(receiver.requests) <= receiver.refuse:
                    return self._answer(receiver.refuse_status, {"error": "try later"})
                key = self.headers["Idempotency-Key"]
                duplicate = key in receiver.accepted
                receiver.accepted[key] = body
                return self._answer(200 if duplicate else 201, {"receipt": f"R-{key[:8]}"})

            def _answer(self, status: int, document: dict):
                data = json.dumps(document).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        cert, key = _certificate(folder)
        self.ca_file = str(cert)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.server.server_address[1]}/upload"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def delivery_db(built_region, pg_admin_url, monkeypatch, tmp_path):
    with copy_of(pg_admin_url, built_region.url) as url:
        monkeypatch.setenv("TSUR_DATABASE_URL", url)
        monkeypatch.setenv("TSUR_HOME", str(tmp_path / "home"))
        monkeypatch.setenv("TSUR_DBT_RUN_RESULTS", str(built_region.target_path / "run_results.json"))
        yield url


def _settings(receiver: Receiver, attempts: int = 4, token: str = TOKEN):
    return replace(
        load_export_settings(),
        url=receiver.url,
        token=token,
        ca_file=receiver.ca_file,
        attempts=attempts,
        backoff_seconds=0.01,
        timeout_seconds=10,
    )


def _log(url: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "select channel, attempt, status, http_status, receipt from exports.delivery_log order by delivery_id"
        ).fetchall()


def test_retries_with_back_off_until_acknowledged(delivery_db, tmp_path):
    waits: list[float] = []
    with Receiver(tmp_path, refuse=2) as receiver, psycopg.connect(delivery_db) as conn:
        settings = _settings(receiver)
        outcome = export_period(conn, "BRY", parse_period("2026-10"), settings, sleep=waits.append)
        package = outcome.packages[0]
        assert [(d.status, d.attempts, d.http_status) for d in outcome.deliveries] == [("acknowledged", 3, 201)]
        assert waits == [0.01, 0.02]  # exponential back-off between the refused attempts
        assert outcome.pending == 0
        # every attempt carried the same package under the same idempotency key and the token
        keys = {r["headers"]["Idempotency-Key"] for r in receiver.requests}
        assert keys == {package.idempotency_key} and len(receiver.requests) == 3
        body = receiver.accepted[package.idempotency_key]
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            names = {Path(n).name: archive.read(n) for n in archive.namelist()}
        assert names == {p.name: p.read_bytes() for p in package.path.iterdir()}
        # a second run has nothing to send
        assert deliver_pending(conn, settings, sleep=waits.append) == []
    log = _log(delivery_db)
    assert log == [
        ("outbox", 1, "sent", None, None),
        ("https", 1, "failed", 503, None),
        ("https", 2, "failed", 503, None),
        ("https", 3, "acknowledged", 201, f"R-{package.idempotency_key[:8]}"),
    ]


def test_a_failed_delivery_is_retried_on_the_next_run(delivery_db, tmp_path):
    with Receiver(tmp_path, refuse=3) as receiver, psycopg.connect(delivery_db) as conn:
        first = export_period(
            conn, "BRY", parse_period("2026-W43"), _settings(receiver, attempts=2), sleep=lambda s: None
        )
        assert [d.status for d in first.deliveries] == ["failed"] and first.pending == 1
        status = conn.execute(
            "select kind, period, last_status, is_pending, attempts, last_http_status from exports.delivery_status "
            "where channel = 'https'"
        ).fetchall()
        assert status == [("weekly", "2026-W43", "failed", True, 2, 503)]
        # the next run (another period) also takes the week that failed
        second = export_period(
            conn, "BRY", parse_period("2026-10"), _settings(receiver, attempts=2), sleep=lambda s: None
        )
        by_package = {d.package: d for d in second.deliveries}
        assert by_package["BRY/weekly/2026-W43/r1"].status == "acknowledged"
        assert by_package["BRY/monthly/2026-10/r1"].status == "acknowledged"
        assert second.pending == 0 and pending(conn) == []
        week = conn.execute(
            "select last_status, is_pending, attempts from exports.delivery_status "
            "where channel = 'https' and period = '2026-W43'"
        ).fetchone()
        assert week == ("acknowledged", False, 4)  # two refused in each run, the fourth taken
    assert len(receiver.accepted) == 2


def test_a_wrong_token_fails_at_once_and_says_why(delivery_db, tmp_path):
    waits: list[float] = []
    with Receiver(tmp_path, refuse=0) as receiver, psycopg.connect(delivery_db) as conn:
        outcome = export_period(
            conn, "BRY", parse_period("2026-Q3"), _settings(receiver, token="wrong"), sleep=waits.append
        )
    (result,) = outcome.deliveries
    assert (result.status, result.attempts, result.http_status, waits) == ("failed", 1, 401, [])
    assert "bad token" in result.error
    log = _log(delivery_db)
    assert log[-1][:4] == ("https", 1, "failed", 401)
    assert all(TOKEN not in str(row) and "wrong" not in str(row) for row in log)


def test_an_unreachable_endpoint_is_logged_as_failed(delivery_db, tmp_path):
    with Receiver(tmp_path, refuse=0) as receiver:
        settings = _settings(receiver, attempts=2)
    # the receiver is shut down: connection refused
    with psycopg.connect(delivery_db) as conn:
        outcome = export_period(conn, "BRY", parse_period("2026-10"), settings, sleep=lambda s: None)
    (result,) = outcome.deliveries
    assert result.status == "failed" and result.http_status is None and "Error" in result.error
    assert [row[2] for row in _log(delivery_db) if row[0] == "https"] == ["failed", "failed"]
