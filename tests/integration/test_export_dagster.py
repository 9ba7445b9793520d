"""Exports in Dagster: the partitioned jobs (a backfill of a past period), the delivered check, the schedules."""

from __future__ import annotations

import socket
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from dagster import DagsterInstance, RunRequest, SkipReason, build_schedule_context

from orchestration.exports.schedules import run_config
from tests.integration.test_exports import copy_of

pytestmark = [pytest.mark.integration, pytest.mark.slow]
MOSCOW = ZoneInfo("Europe/Moscow")


@pytest.fixture(scope="module")
def dagster_env(built_region, pg_admin_url, tmp_path_factory):
    home = tmp_path_factory.mktemp("dagster-exports")
    with copy_of(pg_admin_url, built_region.url) as url, pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("TSUR_DATABASE_URL", url)
        monkeypatch.setenv("TSUR_HOME", str(home / "tsur"))
        monkeypatch.setenv("TSUR_EXPORT_OUTBOX", str(home / "outbox"))
        monkeypatch.setenv("TSUR_DBT_RUN_RESULTS", str(built_region.target_path / "run_results.json"))
        monkeypatch.delenv("TSUR_EXPORT_URL", raising=False)
        monkeypatch.delenv("TSUR_EXPORT_REGIONS", raising=False)
        yield home


@pytest.fixture(scope="module")
def defs():
    from orchestration.definitions import defs

    return defs


def _run(defs, job: str, key: str, kind: str):
    with DagsterInstance.ephemeral() as instance:
        return defs.resolve_job_def(job).execute_in_process(
            partition_key=key, run_config=run_config(kind, "BRY"), instance=instance, raise_on_error=False
        )


def test_a_past_week_backfilled_through_dagster(defs, dagster_env):
    result = _run(defs, "export_weekly", "2026-10-19", "weekly")
    assert result.success
    outbox = dagster_env / "outbox" / "BRY"
    assert (outbox / "weekly" / "2026-W43" / "r1" / "manifest.json").exists()
    assert (outbox / "governor_report" / "2026-W43" / "governor_report_BRY_2026-W43.pdf").exists()
    (check,) = result.get_asset_check_evaluations()
    assert check.check_name == "delivered" and check.passed
    metadata = {
        "/".join(e.asset_key.path): e.materialization.metadata for e in result.get_asset_materialization_events()
    }
    assert metadata["exports/federal_export_weekly"]["packages"].value == ["BRY/weekly/2026-W43/r1"]


def test_monthly_and_quarterly_jobs_and_a_failed_delivery_is_a_failed_check(defs, dagster_env, monkeypatch):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("TSUR_EXPORT_URL", f"https://127.0.0.1:{port}/upload")
    monkeypatch.setenv("TSUR_EXPORT_ATTEMPTS", "1")
    result = _run(defs, "export_monthly", "2026-09-01", "monthly")
    assert result.success  # the package is in the outbox; the delivery's failure is the check's
    (check,) = result.get_asset_check_evaluations()
    assert not check.passed and check.metadata["pending_packages"].value >= 1
    assert (dagster_env / "outbox" / "BRY" / "monthly" / "2026-09" / "r1").is_dir()
    monkeypatch.delenv("TSUR_EXPORT_URL")
    assert _run(defs, "export_quarterly", "2026-07-01", "quarterly").success
    assert (dagster_env / "outbox" / "BRY" / "quarterly" / "2026-Q3" / "r1").is_dir()


def _tick(defs, name: str, moment: datetime):
    schedule = defs.resolve_schedule_def(name)
    with DagsterInstance.ephemeral() as instance:
        context = build_schedule_context(
            instance=instance, scheduled_execution_time=moment, repository_def=defs.get_repository_def()
        )
        data = schedule.evaluate_tick(context)
    if data.run_requests:
        return data.run_requests
    return SkipReason(data.skip_message)


def test_schedules_fire_in_the_region_time_zone_on_the_right_days(defs, dagster_env):
    weekly = defs.resolve_schedule_def("export_weekly_bry")
    assert (weekly.cron_schedule, weekly.execution_timezone) == ("0 8 * * 1", "Europe/Moscow")
    (request,) = _tick(defs, "export_weekly_bry", datetime(2026, 10, 26, 8, tzinfo=MOSCOW))
    assert isinstance(request, RunRequest) and request.partition_key == "2026-10-19"
    # November 2026: Monday the 2nd is the first working day (the 4th is a holiday, not the 1st)
    (request,) = _tick(defs, "export_monthly_bry", datetime(2026, 11, 2, 8, tzinfo=MOSCOW))
    assert request.partition_key == "2026-10-01" and request.run_key == "BRY-2026-10-01"
    skipped = _tick(defs, "export_monthly_bry", datetime(2026, 11, 3, 8, tzinfo=MOSCOW))
    assert isinstance(skipped, SkipReason) and "2026-11-02" in skipped.skip_message
    # January 2027: the New Year holidays — the first working day is the 11th
    assert isinstance(_tick(defs, "export_monthly_bry", datetime(2027, 1, 1, 8, tzinfo=MOSCOW)), SkipReason)
    (request,) = _tick(defs, "export_quarterly_bry", datetime(2027, 1, 11, 8, tzinfo=MOSCOW))
    assert request.partition_key == "2026-10-01"
    assert isinstance(_tick(defs, "export_quarterly_bry", datetime(2026, 11, 2, 8, tzinfo=MOSCOW)), SkipReason)


def test_tsur_export_on_the_command_line(dagster_env):
    from typer.testing import CliRunner

    from orchestration.cli import app
    from orchestration.exports.periods import PeriodError

    runner = CliRunner()
    first = runner.invoke(app, ["export", "--period", "2026-08", "--kind", "monthly"], env={"COLUMNS": "200"})
    assert first.exit_code == 0, first.output
    assert "BRY/monthly/2026-08/r1" in first.output and "new" in first.output
    again = runner.invoke(app, ["export", "--period", "2026-08"], env={"COLUMNS": "200"})
    assert again.exit_code == 0 and "unchanged" in again.output
    week = runner.invoke(app, ["export", "-p", "2026-W35"], env={"COLUMNS": "200"})
    assert week.exit_code == 0 and "governor_report_BRY_2026-W35.pdf" in week.output
    refused = runner.invoke(app, ["export", "--period", "2026-08", "--deliver"])
    assert refused.exit_code == 1 and "set TSUR_EXPORT_URL" in refused.output
    wrong = runner.invoke(app, ["export", "--period", "2026-08", "--kind", "weekly"])
    assert isinstance(wrong.exception, PeriodError)  # main() prints it as one `error:` line
