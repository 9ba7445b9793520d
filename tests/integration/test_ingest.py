"""The loader against a real PostgreSQL: idempotency, accounting, atomicity, formats."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from orchestration.ingest.loader import load_file, plan_files
from orchestration.ingest.mapping import parse_mapping
from tests.files import headers, pos_csv, pos_row, write_csv

pytestmark = pytest.mark.integration


def _count(conn, sql: str) -> int:
    return conn.execute(sql).fetchone()[0]


def test_loading_the_same_file_twice_changes_nothing(conn, mappings, tmp_path):
    path = pos_csv(tmp_path / "pos_export_2026-01-12.csv", mappings["pos"], 50)
    first = load_file(conn, path, mappings["pos"])
    assert (first.status, first.rows_read, first.rows_loaded) == ("loaded", 50, 50)
    second = load_file(conn, path, mappings["pos"])
    assert second.status == "skipped" and second.load_id == first.load_id
    assert _count(conn, "select count(*) from raw.pos_messages") == 50
    assert _count(conn, "select count(*) from raw.load_files") == 1


def test_every_row_is_loaded_or_quarantined_with_its_reason(conn, mappings, tmp_path):
    mapping = mappings["pos"]
    rows = [
        pos_row(1),
        pos_row(2, received="31.02.2026"),
        pos_row(3, rating="7"),
        pos_row(4, rating="0"),
        pos_row(5, received="вчера", rating="10"),
        pos_row(6),
    ]
    path = write_csv(tmp_path / "pos_export_2026-02-02.csv", headers(mapping), rows)
    with path.open("a", encoding="utf-8") as handle:  # a truncated last row
        handle.write("7;6668478390;MED_DOC_EPGU;Брянская")
    result = load_file(conn, path, mapping)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (7, 2, 5)
    quarantine = conn.execute(
        "select row_number, field, value, reason from raw.quarantine order by row_number"
    ).fetchall()
    assert [(q[0], q[1], q[2]) for q in quarantine] == [
        (2, "Дата поступления", "31.02.2026"),
        (3, "Оценка ответа заявителем", "7"),
        (4, "Оценка ответа заявителем", "0"),
        (5, "Дата поступления", "вчера"),
        (7, None, None),
    ]
    assert "expected a valid date DD.MM.YYYY" in quarantine[0][3]
    assert "from 1 to 5" in quarantine[1][3]
    assert "«Оценка ответа заявителем»" in quarantine[3][3]  # both problems of row 5 are named
    assert "header has 25" in quarantine[4][3]
    assert _count(conn, "select count(*) from raw.pos_messages") == 2
    totals = conn.execute("select rows_read, rows_loaded, rows_quarantined from raw.load_files").fetchone()
    assert totals == (7, 2, 5)


def test_a_reordered_pos_export_loads_the_same_rows(conn, mappings, tmp_path):
    mapping = mappings["pos"]
    straight = pos_csv(tmp_path / "a" / "pos_export_2026-03-02.csv", mapping, 20)
    shuffled = pos_csv(tmp_path / "b" / "pos_export_2026-03-09.csv", mapping, 20, shuffle=True, seed=7)
    assert (
        straight.read_text(encoding="utf-8-sig").splitlines()[0]
        != shuffled.read_text(encoding="utf-8-sig").splitlines()[0]
    )
    a, b = load_file(conn, straight, mapping), load_file(conn, shuffled, mapping)
    columns = ", ".join(mapping.target.field_names)
    rows_a = conn.execute(f"select {columns} from raw.pos_messages where _load_id = %s order by 1", (a.load_id,))
    rows_b = conn.execute(f"select {columns} from raw.pos_messages where _load_id = %s order by 1", (b.load_id,))
    assert rows_a.fetchall() == rows_b.fetchall()


def test_a_file_missing_a_required_column_is_rejected_whole(conn, mappings, tmp_path):
    mapping = mappings["pos"]
    columns = [c for c in headers(mapping) if c != "Дата поступления"]
    path = write_csv(tmp_path / "pos_export_2026-04-06.csv", columns, [pos_row(i) for i in range(1, 11)])
    result = load_file(conn, path, mapping)
    assert result.status == "rejected"
    assert "«Дата поступления»" in result.message and "received_at" in result.message
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (10, 0, 10)
    assert _count(conn, "select count(*) from raw.pos_messages") == 0
    assert _count(conn, "select count(distinct field) from raw.quarantine where field = 'Дата поступления'") == 1


def test_windows_1251_regional_export(conn, mappings, tmp_path):
    mapping = mappings["regional_portal"]
    row = {
        "Рег. номер": "ОГ-2026-000001",
        "Дата регистрации": "12.01.2026 09:15",
        "Канал поступления": "Портал",
        "Тематика": "ЖКХ",
        "Подтематика": "Отопление",
        "Исполнитель": "Администрация города Брянска",
        "Муниципальное образование": "город Брянск",
        "ОКТМО": "15701000",
        "Состояние": "Ответ дан",
        "Срок исполнения": "11.02.2026 09:15",
        "Дата ответа": "20.01.2026 16:00",
        "Оценка": "4",
        "Повторное": "нет",
        "Заявитель": "Ёлкина Мария",
        "Текст обращения": "Холодно в квартире",
    }
    path = write_csv(tmp_path / "portal_2026-01-31.csv", headers(mapping), [row], encoding="cp1251")
    result = load_file(conn, path, mapping)
    assert result.rows_loaded == 1, result
    got = conn.execute("select channel, status, source_status, applicant_name, rating from raw.regional_appeals")
    assert got.fetchone() == ("portal", "answered", "Ответ дан", "Ёлкина Мария", 4)


def test_a_new_jsonl_feed_onboarded_by_a_mapping_file(conn, tmp_path):
    mapping_path = tmp_path / "hotline.yml"
    mapping_path.write_text(
        """
feed: city_hotline
target: regional_appeals
files: ["hotline_*.jsonl"]
constants: {region_name: Брянская область, channel: hotline}
fields:
  source_id: {column: [ticket, id], required: true}
  received_at: {column: created, required: true, formats: ["%Y-%m-%dT%H:%M:%S%z"]}
  topic_group: theme
  status: {column: state, values: {open: in_work, done: answered}}
""",
        encoding="utf-8",
    )
    mapping = parse_mapping(mapping_path)
    data = tmp_path / "hotline_2026-05-01.jsonl"
    data.write_text(
        '{"ticket": "H1", "created": "2026-05-01T10:00:00", "theme": "Дороги", "state": "open"}\n'
        '{"ticket": "H2", "created": "2026-05-01T11:00:00", "theme": "ЖКХ", "state": "lost"}\n',
        encoding="utf-8",
    )
    result = load_file(conn, data, mapping)
    assert (result.rows_loaded, result.rows_quarantined) == (1, 1)
    assert conn.execute("select _feed, region_name, channel, status from raw.regional_appeals").fetchone() == (
        "city_hotline",
        "Брянская область",
        "hotline",
        "in_work",
    )


def test_files_are_planned_in_export_order_and_unknown_files_reported(mappings, tmp_path):
    pos_csv(tmp_path / "pos_export_2026-01-19.csv", mappings["pos"], 1)
    pos_csv(tmp_path / "pos_export_2026-01-12.csv", mappings["pos"], 1)
    (tmp_path / "notes.txt").write_text("hello")
    planned, unmatched = plan_files([tmp_path], mappings)
    assert [p.name for p, _ in planned] == ["pos_export_2026-01-12.csv", "pos_export_2026-01-19.csv"]
    assert [p.name for p in unmatched] == ["notes.txt"]


KILLED_LOAD = """
import sys
from pathlib import Path
from orchestration.db.connection import connect
from orchestration.ingest.mapping import load_mappings
from orchestration.ingest.loader import load_file

def progress(rows):
    print("ROWS", rows, flush=True)
    if rows >= 100_000:
        import time; time.sleep(60)  # wait here to be killed mid-COPY

with connect(sys.argv[1]) as conn:
    load_file(conn, Path(sys.argv[2]), load_mappings()["pos"], progress=progress)
"""


def test_a_load_killed_midway_leaves_nothing(conn, database_url, mappings, tmp_path):
    path = pos_csv(tmp_path / "pos_export_2026-06-01.csv", mappings["pos"], 150_000)
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_LOAD, database_url, str(path)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parents[2],
    )
    try:
        for line in child.stdout:
            if line.startswith("ROWS") and int(line.split()[1]) >= 100_000:
                break
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    for _ in range(100):  # the server notices the dead client and rolls back
        busy = _count(
            conn,
            "select count(*) from pg_stat_activity where query ilike 'copy raw.pos_messages%%' "
            "and pid <> pg_backend_pid()",
        )
        if not busy:
            break
        time.sleep(0.1)
    conn.commit()
    assert _count(conn, "select count(*) from raw.pos_messages") == 0
    assert _count(conn, "select count(*) from raw.load_files") == 0
    assert _count(conn, "select count(*) from raw.quarantine") == 0
    again = load_file(conn, path, mappings["pos"])
    assert (again.status, again.rows_loaded) == ("loaded", 150_000)
