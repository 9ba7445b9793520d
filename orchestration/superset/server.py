"""Start and stop the servers `tsur serve` runs: Superset (gunicorn) and the Dagster UI.

Each runs detached in its own process group with a pid file and a log under
``$TSUR_HOME``, so `tsur serve --stop` (or Ctrl-C on `tsur serve`) can stop
exactly what it started and nothing else.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from orchestration.db.embedded import process_alive
from orchestration.settings import PROJECT_ROOT, load_settings
from orchestration.superset.setup import SupersetError, superset_bin, superset_env, superset_home


@dataclass(frozen=True)
class Service:
    name: str
    port: int
    health_path: str

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid_file(self) -> Path:
        return load_settings().home / "run" / f"{self.name}.pid"

    @property
    def log_file(self) -> Path:
        return load_settings().home / "logs" / f"{self.name}.log"


def superset_service() -> Service:
    return Service("superset", int(os.environ.get("TSUR_SUPERSET_PORT", "8088")), "/health")


def dagster_service() -> Service:
    return Service("dagster", int(os.environ.get("TSUR_DAGSTER_PORT", "3000")), "/server_info")


def running_pid(service: Service) -> int | None:
    try:
        pid = int(service.pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    return pid if process_alive(pid) else None


def healthy(service: Service) -> bool:
    try:
        with urllib.request.urlopen(service.url + service.health_path, timeout=3) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _spawn(service: Service, args: list[str], env: dict[str, str], timeout: float) -> None:
    if running_pid(service) and healthy(service):
        return
    if healthy(service):
        raise SupersetError(
            f"port {service.port} already answers and it is not ours: set TSUR_{service.name.upper()}_PORT"
        )
    service.pid_file.parent.mkdir(parents=True, exist_ok=True)
    service.log_file.parent.mkdir(parents=True, exist_ok=True)
    with service.log_file.open("ab") as log:
        process = subprocess.Popen(
            args,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            cwd=PROJECT_ROOT,
        )
    service.pid_file.write_text(str(process.pid))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SupersetError(f"{service.name} exited at start (code {process.returncode}); see {service.log_file}")
        if healthy(service):
            return
        time.sleep(1)
    stop(service)
    raise SupersetError(
        f"{service.name} did not answer on {service.url} within {timeout:.0f} s; see {service.log_file}"
    )


def start_superset(service: Service | None = None, *, workers: int = 2, timeout: float = 180) -> Service:
    """Superset under gunicorn on 127.0.0.1 (threads, so a dashboard's charts load side by side)."""
    service = service or superset_service()
    superset_home()
    args = [
        str(superset_bin("gunicorn")),
        "--bind",
        f"127.0.0.1:{service.port}",
        "--workers",
        str(workers),
        "--worker-class",
        "gthread",
        "--threads",
        "8",
        "--timeout",
        "120",
        "--limit-request-line",
        "0",
        "--limit-request-field_size",
        "0",
        "superset.app:create_app()",
    ]
    _spawn(service, args, superset_env(), timeout)
    return service


def start_dagster(service: Service | None = None, *, timeout: float = 180) -> Service:
    """The Dagster UI and daemon (`dagster dev`) on the tsur code location."""
    from orchestration.pipeline import ensure_dagster_home

    service = service or dagster_service()
    home = ensure_dagster_home()
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    dagster = Path(sys.executable).with_name("dagster")
    args = [str(dagster), "dev", "-m", "orchestration.definitions", "-h", "127.0.0.1", "-p", str(service.port)]
    _spawn(service, args, env, timeout)
    return service


def stop(service: Service, timeout: float = 30) -> bool:
    """Stop the service's process group (SIGTERM, then SIGKILL); False when it was not running."""
    pid = running_pid(service)
    service.pid_file.unlink(missing_ok=True)
    if pid is None:
        return False
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process_alive(pid):
        time.sleep(0.5)
    if process_alive(pid):
        os.killpg(pid, signal.SIGKILL)
    return True
