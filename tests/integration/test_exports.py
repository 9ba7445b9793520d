"""Export packages on a real warehouse: determinism, reconciliation, revisions, the quality gate, no personal data.

The session's built region (Брянская область, 6 000 appeals, 14 months) is
copied into a database of this module (``create database … template``), so
the exports' own tables never touch the shared one.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import shutil
import uuid
from datetime import date
from pathlib import Path

import psycopg
import pytest
from openpyxl import load_workbook

from orchestration.exports import quality_gate
from orchestration.exports.package import MANIFEST, build_package, sha256
from orchestration.exports.periods import parse_period
from orchestration.exports.report import gather, render
from orchestration.exports.tables import APPEALS, TABLES
from orchestration.exports.writers import BOM, read_csv
from orchestration.generate import people
from orchestration.ingest.targets import TARGETS
from tests.exports_raw import pos_on_time, raw_appeals, received_between

pytestmark = [pytest.mark.integration, pytest.mark.slow]

PERIODS = ("2026-W10", "2026-W43", "2026-03", "2026-10", "2026-Q1", "2026-Q3")


@contextlib.contextmanager
def copy_of(pg_admin_url: str, url: str):
    """A copy of the database at ``url``, dropped afterwards.

    A template may have no other session: sessions still open on the session-wide read-only region (another
    module's server shutting down, a pool not yet collected) are ended first, and named in a warning.
    """
    import warnings

    name = f"test_copy_{uuid.uuid4().hex[:10]}"
    source = url.rsplit("/", 1)[1]
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        others = conn.execute(
            "select pg_terminate_backend(pid, 10000), usename, application_name from pg_stat_activity"
            " where datname = %s and pid <> pg_backend_pid()",
            (source,),
        ).fetchall()
        if others:
            warnings.warn(f"ended {len(others)} session(s) on {source}: {[(u, a) for _, u, a in others]}", stacklevel=2)
        conn.execute(f'create database "{name}" template "{source}"')
    try:
        yield pg_admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')


@pytest.fixture(scope="module")
def export_db(built_region, pg_admin_url):
    with copy_of(pg_admin_url, built_region.url) as url:
        yield url


@pytest.fixture(scope="module")
def run_results(built_region) -> Path:
    return built_region.target_path / "run_results.json"


@pytest.fixture(scope="module")
def packages(export_db, run_results, tmp_path_factory):
    """Each period exported once into an outbox of the module."""
    outbox = tmp_path_factory.mktemp("outbox")
    with psycopg.connect(export_db) as conn:
        built = {p: build_package(conn, "BRY", parse_period(p), outbox, run_results=run_results) for p in PERIODS}
    return outbox, built


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _csv(package, table) -> list[dict[str, str]]:
    rows = read_csv((package.path / f"{table.name}.csv").read_bytes())
    keys = {c.header: c.key for c in table.columns}
    return [dict(zip((keys[h] for h in rows[0]), row, strict=True)) for row in rows[1:]]


def test_the_same_period_twice_gives_the_same_bytes(export_db, run_results, packages, tmp_path):
    outbox, built = packages
    with psycopg.connect(export_db) as conn:
        for label, first in built.items():
            again = build_package(conn, "BRY", parse_period(label), outbox, run_results=run_results)
            assert (again.created, again.revision, again.path) == (False, 1, first.path)
            elsewhere = build_package(conn, "BRY", parse_period(label), tmp_path / "other", run_results=run_results)
            assert elsewhere.created
            assert _files(elsewhere.path) == _files(first.path), label
    assert sorted(p.name for p in (outbox / "BRY" / "monthly" / "2026-10").iterdir()) == ["r1"]


def test_manifest_lists_every_file_with_its_hash_and_rows(packages):
    _, built = packages
    for label, package in built.items():
        manifest = json.loads((package.path / MANIFEST).read_text(encoding="utf-8"))
        assert manifest["schema_version"] == "1.0"
        assert manifest["region"]["code"] == "BRY" and manifest["period"]["label"] == label
        assert manifest["quality"]["status"] in ("passed", "warning")
        assert manifest["revision"] == 1 and manifest["previous_revision"] is None
        listed = {f["name"]: f for f in manifest["files"]}
        on_disk = {p.name for p in package.path.iterdir()} - {MANIFEST}
        assert set(listed) == on_disk
        for name, entry in listed.items():
            data = (package.path / name).read_bytes()
            assert entry["sha256"] == sha256(data) and entry["bytes"] == len(data)
            if name.endswith(".csv"):
                assert entry["rows"] == len(read_csv(data)) - 1
        # the data's as-of, never the clock
        assert manifest["generated_at"] == manifest["data_as_of"]
        assert manifest["generated_at"].startswith("2027-01-0")


def test_csv_is_what_russian_excel_opens(packages):
    _, built = packages
    data = (built["2026-10"].path / "appeals.csv").read_bytes()
    assert data.startswith(BOM.encode("utf-8"))
    assert data.count(b"\r\n") == data.count(b"\n") and data.endswith(b"\r\n")
    header = read_csv(data)[0]
    assert header == APPEALS.header() and header[3] == "Поступило"
    assert re.search(r";\d+,\d{2};", data.decode("utf-8")), "percentages with a decimal comma and two decimals"


def test_xlsx_has_the_same_tables_as_the_csv_files(packages):
    _, built = packages
    package = built["2026-Q3"]
    workbook = load_workbook(package.path / "package.xlsx", read_only=True)
    for table in TABLES:
        rows = read_csv((package.path / f"{table.name}.csv").read_bytes())
        sheet = [list(r) for r in workbook[table.sheet].iter_rows(values_only=True)]
        assert sheet[0] == rows[0]
        assert len(sheet) == len(rows)
        for csv_row, xlsx_row in zip(rows[1:], sheet[1:], strict=True):
            for text, value, column in zip(csv_row, xlsx_row, table.columns, strict=True):
                if column.kind in ("int", "decimal", "percent") and text:
                    assert float(text.replace(",", ".")) == pytest.approx(value), (table.name, column.key)
                elif column.kind == "text":
                    assert (value or "") == text
    assert workbook.properties.created.year == 2027  # the data's as-of


def test_appeals_reconcile_with_the_marts(export_db, packages):
    _, built = packages
    with psycopg.connect(export_db) as conn:
        for label in ("2026-W43", "2026-03", "2026-Q3"):
            package = built[label]
            rows = _csv(package, APPEALS)
            mart = conn.execute(
                """
                select dimension, coalesce(dimension_value, ''), received_count, answered_count,
                    answered_on_time_count, round((100 * on_time_share)::numeric, 2),
                    round((100 * satisfaction_share)::numeric, 2), overdue_open_at_period_end
                from marts.agg_appeals_by_period
                where region_code = 'BRY' and period_grain = %s and period_start = %s
                """,
                (package.period.grain, package.period.start),
            ).fetchall()
            exported = {
                (r["dimension"], r["dimension_code"]): (
                    int(r["received"]),
                    int(r["answered"]),
                    int(r["answered_on_time"]),
                    r["on_time_share"],
                    r["satisfaction_share"],
                    int(r["overdue_open_at_period_end"]),
                )
                for r in rows
            }
            expected = {
                (d, v): (rec, ans, on, _text(on_share), _text(sat), overdue)
                for d, v, rec, ans, on, on_share, sat, overdue in mart
            }
            assert exported == expected, label
            region = exported[("region", "BRY")]
            for dimension in ("block", "channel", "agency", "municipality"):
                assert sum(v[0] for (d, _), v in exported.items() if d == dimension) == region[0], dimension


def _text(value) -> str:
    return "" if value is None else str(value).replace(".", ",")


def test_ratings_and_problems_reconcile_with_the_marts(export_db, packages):
    _, built = packages
    from orchestration.exports.tables import AGENCY_RATING, MUNICIPALITY_RATING, PROBLEM_CATEGORIES

    package = built["2026-03"]
    with psycopg.connect(export_db) as conn:
        ranks = dict(
            conn.execute(
                "select agency_id, rating_rank from marts.agg_agency_rating "
                "where region_code = 'BRY' and period_grain = 'month' and period_start = '2026-03-01'"
            ).fetchall()
        )
        municipalities = conn.execute(
            "select count(*) from marts.agg_municipality_rating "
            "where region_code = 'BRY' and period_grain = 'month' and period_start = '2026-03-01'"
        ).fetchone()[0]
        top = conn.execute(
            "select count(*) filter (where is_top), sum(appeal_count) from marts.agg_problem_categories "
            "where region_code = 'BRY' and period_grain = 'month' and period_start = '2026-03-01'"
        ).fetchone()
    agencies = _csv(package, AGENCY_RATING)
    assert {r["agency_id"]: (int(r["rating_rank"]) if r["rating_rank"] else None) for r in agencies} == ranks
    assert [int(r["rating_rank"]) for r in agencies if r["rating_rank"]] == sorted(v for v in ranks.values() if v)
    assert len(_csv(package, MUNICIPALITY_RATING)) == municipalities
    problems = _csv(package, PROBLEM_CATEGORIES)
    assert (sum(r["is_top"] == "Да" for r in problems), sum(int(r["appeal_count"]) for r in problems)) == top
    assert not (built["2026-W43"].path / "agency_rating.csv").exists()  # ratings are monthly and quarterly


def test_volumes_and_on_time_shares_reconcile_with_the_raw_files(built_region, packages):
    """Recomputed from the generated ПОС, IM and portal files themselves, not from the warehouse."""
    _, built = packages
    appeals = raw_appeals(built_region.files.out_dir)
    for label in ("2026-W10", "2026-W43", "2026-03", "2026-10", "2026-Q1", "2026-Q3"):
        package = built[label]
        start, end = package.period.start, package.period.end
        rows = {(r["dimension"], r["dimension_code"]): r for r in _csv(package, APPEALS)}
        assert int(rows[("region", "BRY")]["received"]) == received_between(appeals, start, end), label
        pos = rows[("channel", "pos")]
        assert int(pos["received"]) == received_between(appeals, start, end, "pos"), label
        on_time, answered = pos_on_time(appeals, start, end)
        assert (int(pos["answered_on_time"]), int(pos["answered_with_deadline"])) == (on_time, answered), label
        assert pos["on_time_share"] == f"{100 * on_time / answered:.2f}".replace(".", ","), label


def _personal_values(url: str) -> set[str]:
    """Every personal value the raw layer holds (fields marked pii in the targets), long enough to be telling."""
    values: set[str] = set()
    with psycopg.connect(url) as conn:
        for target in TARGETS.values():
            for field in (f for f in target.fields if f.pii):
                rows = conn.execute(f"select distinct {field.name} from {target.table} where {field.name} is not null")
                values |= {str(v).strip() for (v,) in rows if len(str(v).strip()) >= 6}
    return values


PATTERNS = {
    "e-mail": re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+"),
    "phone": re.compile(r"(?<![\d.,])(\+7|8)[\s(-]*\d{3}[\s)-]*\d{3}[\s-]*\d{2}[\s-]*\d{2}(?!\d)"),
    "link": re.compile(r"https?://|www\.|vk\.com|ok\.ru|t\.me/", re.IGNORECASE),
    "full name": re.compile(r"\b[А-ЯЁ][а-яё]+ [А-ЯЁ][а-яё]+ [А-ЯЁ][а-яё]+(вич|вна|чна|ична)\b"),
    "initials": re.compile(r"\b[А-ЯЁ][а-яё]+ [А-ЯЁ]\.\s?[А-ЯЁ]\."),
}


def _texts_of_package(folder: Path) -> list[tuple[str, str]]:
    """(where, text) for every value of every file: CSV cells, XLSX cells, the manifest's strings."""
    texts = []
    for path in sorted(folder.iterdir()):
        if path.suffix == ".csv":
            texts += [
                (f"{path.name} row {i}", cell) for i, row in enumerate(read_csv(path.read_bytes())) for cell in row
            ]
        elif path.suffix == ".xlsx":
            for sheet in load_workbook(path, read_only=True).worksheets:
                for i, row in enumerate(sheet.iter_rows(values_only=True)):
                    texts += [(f"{path.name}/{sheet.title} row {i}", str(v)) for v in row if v is not None]
        elif path.suffix == ".json":
            texts += [(path.name, s) for s in re.findall(r'"((?:[^"\\]|\\.)*)"', path.read_text(encoding="utf-8"))]
    return texts


# A SHA-256 digest or a uuid (dbt's invocation id) is hex, not text: one can hold "8" and ten digits
# between letters, which the phone pattern matches (b94a…eb08ad82777959454afa…, a file's digest).
HEX_ID = re.compile(r"[0-9a-f]{64}|[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}")


def _manifest_values(node) -> list[str]:
    """Every key, string and number of a manifest, as text, less the hex digests and ids."""
    if isinstance(node, dict):
        return [text for key, value in node.items() for text in [*_manifest_values(key), *_manifest_values(value)]]
    if isinstance(node, list):
        return [text for value in node for text in _manifest_values(value)]
    if node is None or isinstance(node, bool):
        return []
    text = str(node)
    return [] if HEX_ID.fullmatch(text) else [text]


def test_no_personal_data_in_any_export(export_db, packages, built_region):
    _, built = packages
    personal = _personal_values(export_db)
    assert len(personal) > 1000, "the raw layer of the demo region holds personal data to look for"
    for kind in ("e-mail", "phone", "link", "full name"):  # the scanner would see them
        assert any(PATTERNS[kind].search(value) for value in personal), kind
    surnames = set(people._SURNAMES) | {s + "а" for s in people._SURNAMES}
    first_names = set(people._MALE) | set(people._FEMALE)
    for package in built.values():
        for where, text in _texts_of_package(package.path):
            if where == MANIFEST:
                continue  # hashes and file names; its strings are checked below by pattern
            assert text.strip() not in personal, (where, text)
            for kind, pattern in PATTERNS.items():
                assert not pattern.search(text), (kind, where, text)
            words = re.findall(r"[А-ЯЁ][а-яё]+", text)
            pairs = set(itertools.pairwise(words))
            assert not any(a in surnames and b in first_names for a, b in pairs), (where, text)
        manifest = json.loads((package.path / MANIFEST).read_text(encoding="utf-8"))
        for value in _manifest_values(manifest):
            for kind, pattern in PATTERNS.items():
                assert not pattern.search(value), (kind, package.period.label, value)
    # the governor's report: every text it prints
    with psycopg.connect(export_db) as conn:
        data = gather(conn, "BRY", parse_period("2026-W43"))
    printed = [
        v
        for rows in (data.problems, data.channels, data.overdue, data.rating)
        for row in rows
        for v in row
        if isinstance(v, str)
    ]
    for text in printed:
        assert text.strip() not in personal
        for kind, pattern in PATTERNS.items():
            assert not pattern.search(text), (kind, text)


def test_the_governor_report_is_a_deterministic_two_page_pdf(export_db):
    with psycopg.connect(export_db) as conn:
        data = gather(conn, "BRY", parse_period("2026-W43"))
    first, second = render(data), render(data)
    assert first == second
    assert first.startswith(b"%PDF") and first.count(b"/Type /Page\n") + first.count(b"/Type /Page ") >= 2
    assert b"CreationDate" not in first
    assert data.current["received_count"] > 0 and data.problems and data.rating


def test_export_is_refused_after_a_failed_critical_check(built_region, pg_admin_url, run_results, tmp_path):
    failed = json.loads(run_results.read_text(encoding="utf-8"))
    test = next(r for r in failed["results"] if r["unique_id"].startswith("test."))
    test["status"], test["message"] = "fail", "Got 3 results, configured to fail if != 0"
    broken = tmp_path / "run_results.json"
    broken.write_text(json.dumps(failed), encoding="utf-8")
    outbox = tmp_path / "outbox"
    with copy_of(pg_admin_url, built_region.url) as url, psycopg.connect(url) as conn:
        with pytest.raises(quality_gate.ExportRefused, match=re.escape(test["unique_id"])):
            build_package(conn, "BRY", parse_period("2026-10"), outbox, run_results=broken)
        assert not outbox.exists()
        # a feed losing more than 5 % of its rows to quarantine in the period's files: refused
        from orchestration.ingest.loader import load_file
        from orchestration.ingest.mapping import load_mappings

        source = sorted(built_region.files.out_dir.glob("pos/pos_export_2026-10-*.csv"))[0]
        lines = source.read_text(encoding="utf-8-sig").splitlines()
        header = lines[0].split(";")
        column = header.index("Дата поступления")
        spoiled = [header]
        for number, line in enumerate(lines[1:] * 8):
            cells = line.split(";")
            cells[0], cells[column] = str(990000000 + number), "31.02.2026"
            spoiled.append(cells)
        bad = tmp_path / "pos_export_2026-10-30.csv"
        bad.write_text("\n".join(";".join(cells) for cells in spoiled) + "\n", encoding="utf-8-sig")
        result = load_file(conn, bad, load_mappings()["pos"])
        assert result.rows_quarantined == len(spoiled) - 1
        with pytest.raises(quality_gate.ExportRefused, match=r"feed pos: \d+ of \d+ rows .* quarantined"):
            build_package(conn, "BRY", parse_period("2026-10"), outbox, run_results=run_results)
        assert not outbox.exists()
        assert conn.execute("select count(*) from exports.packages").fetchone()[0] == 0


def test_export_is_refused_after_a_failed_great_expectations_suite(built_region, pg_admin_url, run_results, tmp_path):
    """The gate reads the newest Great Expectations results of the tables the export reads (issue 4)."""
    from orchestration.quality.runner import run_suites
    from orchestration.quality.suites import load_suites

    daily = [s for s in load_suites() if s.table == "marts.agg_appeals_daily"]
    outbox = tmp_path / "outbox"
    with copy_of(pg_admin_url, built_region.url) as url, psycopg.connect(url) as conn:
        run_suites(url, daily, trigger="test")
        status = quality_gate.quality_status(conn, "BRY", parse_period("2026-10"), run_results=run_results)
        assert status.passed and any(c.startswith("Great Expectations: ") for c in status.checked)
        # a daily count that no longer adds up to the fact: the reconciliation fails critically
        conn.execute(
            "update marts.agg_appeals_daily set received_count = received_count + 1"
            " where calendar_date = (select min(calendar_date) from marts.agg_appeals_daily)"
        )
        conn.commit()
        run_suites(url, daily, trigger="test")
        with pytest.raises(quality_gate.ExportRefused, match=r"quality suite \S*agg_appeals_daily"):
            build_package(conn, "BRY", parse_period("2026-10"), outbox, run_results=run_results)
        assert not outbox.exists()


def test_a_rejected_newest_file_is_a_warning_in_the_manifest(built_region, pg_admin_url, run_results, tmp_path):
    from orchestration.ingest.loader import load_file
    from orchestration.ingest.mapping import load_mappings

    with copy_of(pg_admin_url, built_region.url) as url, psycopg.connect(url) as conn:
        bad = tmp_path / "pos_export_2027-01-11.csv"
        bad.write_text("Номер;Категория\n1;Медицина\n", encoding="utf-8")
        assert load_file(conn, bad, load_mappings()["pos"]).status == "rejected"
        package = build_package(conn, "BRY", parse_period("2026-10"), tmp_path / "outbox", run_results=run_results)
    quality = package.manifest["quality"]
    assert quality["status"] == "warning" and not quality["critical"]
    assert any("pos_export_2027-01-11.csv was rejected" in w for w in quality["warnings"])


def test_unknown_region_and_period_without_data_say_so(export_db, tmp_path):
    from orchestration.exports.package import PackageError

    with psycopg.connect(export_db) as conn:
        with pytest.raises(PackageError, match="region 'XXX' is not in the regions seed"):
            build_package(conn, "XXX", parse_period("2026-10"), tmp_path)
        with pytest.raises(PackageError, match=r"no data for BRY in 2030-01 .*2025-11-01"):
            build_package(conn, "BRY", parse_period("2030-01"), tmp_path)


def test_late_data_makes_a_new_revision_with_the_difference(pg_admin_url, tmp_path):
    """Build from the files exported up to 10 March, export February; load the rest (late answers), export again."""
    from orchestration.generate import generate_region
    from tests.conftest import fresh_database
    from tests.warehouse import load_folder, run_dbt

    files = generate_region(
        region_code="BRY", appeals=900, start=date(2026, 1, 1), months=3, seed=5, out_dir=tmp_path / "files"
    )
    late = tmp_path / "late"
    for path in sorted(files.out_dir.rglob("*_20*.*")):
        if path.stem[-10:] > "2026-03-10" and path.parent.name in ("pos", "im", "regional"):
            (late / path.parent.name).mkdir(parents=True, exist_ok=True)
            shutil.move(path, late / path.parent.name / path.name)
    assert any(late.rglob("*.*")), "the generator wrote files after 10 March to hold back"
    outbox = tmp_path / "outbox"
    february = parse_period("2026-02")
    with fresh_database(pg_admin_url) as url:
        load_folder(url, files.out_dir)
        run_dbt(url, "build", target_path=tmp_path / "t1")
        with psycopg.connect(url) as conn:
            first = build_package(conn, "BRY", february, outbox, run_results=tmp_path / "t1" / "run_results.json")
            before = {r["dimension_code"]: r for r in _csv(first, APPEALS) if r["dimension"] == "region"}["BRY"]
        load_folder(url, late)
        run_dbt(url, "build", target_path=tmp_path / "t2")
        with psycopg.connect(url) as conn:
            second = build_package(conn, "BRY", february, outbox, run_results=tmp_path / "t2" / "run_results.json")
            third = build_package(conn, "BRY", february, outbox, run_results=tmp_path / "t2" / "run_results.json")
            registered = conn.execute(
                "select revision from exports.packages where period = '2026-02' order by 1"
            ).fetchall()
    assert (first.revision, second.revision, second.created) == (1, 2, True)
    assert (third.revision, third.created) == (2, False)
    assert registered == [(1,), (2,)]
    assert first.idempotency_key != second.idempotency_key
    assert _files(first.path)["appeals.csv"] == (outbox / "BRY/monthly/2026-02/r1/appeals.csv").read_bytes()
    manifest = second.manifest
    assert manifest["previous_revision"]["revision"] == 1
    assert manifest["previous_revision"]["content_sha256"] == first.manifest["content_sha256"]
    after = {r["dimension_code"]: r for r in _csv(second, APPEALS) if r["dimension"] == "region"}["BRY"]
    changes = {c["file"]: c for c in manifest["changes"]}
    region_change = next(c for c in changes["appeals.csv"]["changed_rows"] if c["key"]["dimension"] == "region")
    for key, cell in region_change["columns"].items():
        assert (cell["before"], cell["after"]) == (before[key], after[key])
    differing = {k for k in before if before[k] != after[k]}
    assert differing and set(region_change["columns"]) == differing
    assert changes["appeals.csv"]["rows_changed"] >= 1
