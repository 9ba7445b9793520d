"""`dbt build` on a handful of hand-written raw rows: staging, the unioned appeal, the first mart.

The rows are written straight into the raw tables (the loader has its own
tests), with the quirks the real feeds have: several exports of one message,
region names spelled three ways, unmapped categories and stray IM closing
reasons. Later this module is wired to the demo generator as well.
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from orchestration.db.schema import partition_name
from orchestration.ingest.targets import TARGETS
from tests.warehouse import run_dbt

pytestmark = [pytest.mark.integration, pytest.mark.slow]

LOADS = [
    # load_id, feed, target, file name, exported_at
    (1, "pos", "pos_messages", "pos_export_2026-01-12.csv", "2026-01-12"),
    (2, "pos", "pos_messages", "pos_export_2026-01-19.csv", "2026-01-19"),
    (3, "im", "im_incidents", "im_2026-01-15.xlsx", "2026-01-15"),
    (4, "im", "im_incidents", "im_2026-01-19.xlsx", "2026-01-19"),
    (5, "regional_portal", "regional_appeals", "portal_2026-01-19.csv", "2026-01-19"),
    (6, "roadmap", "roadmap_events", "roadmap_2026_v1.xlsx", "2026-01-01"),
    (7, "indicators", "indicator_targets", "indicators_2026.xlsx", "2026-01-01"),
    (8, "staff", "block_staff", "staff_2026-01-10.csv", "2026-01-10"),
]

POS_COLUMNS = (
    "_load_id, _feed, _exported_at, _row_number, pos_number, epgu_number, source_code, top_level_lko, category, "
    "subcategory, org_received, org_current, received_at, planned_completion_at, actual_completion_at, stage, "
    "status, is_overdue, is_fast_track, fz_kind, chose_59fz, decision_type, rating, is_repeat_review, "
    "coordinator_name, executor_name, head_name"
)
_DZ = "Департамент здравоохранения Ханты-Мансийского автономного округа – Югры"
_TEK = "Департамент топливно-энергетического комплекса и жилищно-коммунального хозяйства Брянской области"
POS_ROWS = [
    # the sample row of domain.md, first in work, then answered a week later
    (
        1,
        "pos",
        "2026-01-12",
        1,
        327441806,
        "6668478383",
        "MED_DOC_EPGU",
        "ХМАО – Югра",
        "Медицина",
        "Медицинская карта",
        _DZ,
        _DZ,
        "2026-01-06",
        "2026-01-16",
        None,
        "Исполнение",
        "Назначен исполнитель",
        False,
        True,
        "Обычное сообщение",
        False,
        None,
        None,
        False,
        "Иванова Анна Петровна",
        "Петров Пётр Ильич",
        "Сидоров Олег Викторович",
    ),
    (
        2,
        "pos",
        "2026-01-19",
        1,
        327441806,
        "6668478383",
        "MED_DOC_EPGU",
        "ХМАО – Югра",
        "Медицина",
        "Медицинская карта",
        _DZ,
        _DZ,
        "2026-01-06",
        "2026-01-16",
        "2026-01-07",
        "Завершено",
        "Отправлен ответ заявителю",
        False,
        True,
        "Обычное сообщение",
        False,
        "Решено",
        5,
        False,
        "Иванова Анна Петровна",
        "Петров Пётр Ильич",
        "Сидоров Олег Викторович",
    ),
    # redirected to the city administration, overdue
    (
        2,
        "pos",
        "2026-01-19",
        2,
        327441807,
        "6668478384",
        "WIDGET",
        "Брянская обл.",
        "Многоквартирные дома",
        "Содержание многоквартирного дома",
        _TEK,
        "Брянская горадминистрация",
        "2025-12-01 10:15",
        "2025-12-31",
        None,
        "Исполнение",
        "Направлено в подведомственную организацию",
        True,
        False,
        "Обычное сообщение",
        False,
        None,
        None,
        False,
        None,
        "Кузнецов Иван Ильич",
        None,
    ),
    # a category nobody mapped: the ('*', '*') row sends it to other
    (
        2,
        "pos",
        "2026-01-19",
        3,
        327441808,
        "6668478385",
        "WIDGET",
        "Брянская область",
        "Космос",
        "Луна",
        None,
        None,
        "2026-01-18",
        "2026-02-17",
        None,
        "Модерация",
        "На модерации",
        False,
        False,
        "Обычное сообщение",
        False,
        None,
        None,
        False,
        None,
        None,
        None,
    ),
    # declined by the moderator
    (
        2,
        "pos",
        "2026-01-19",
        4,
        327441809,
        "6668478386",
        "WIDGET",
        "Брянская область",
        "Автомобильные дороги",
        "Состояние дорог",
        None,
        None,
        "2026-01-18",
        "2026-02-17",
        "2026-01-18",
        "Завершено",
        "Отклонено модератором",
        False,
        False,
        "Обычное сообщение",
        False,
        None,
        None,
        False,
        None,
        None,
        None,
    ),
    # a status the map does not know: the stage's default applies
    (
        2,
        "pos",
        "2026-01-19",
        5,
        327441810,
        "6668478387",
        "WIDGET",
        "Брянская область",
        "Автомобильные дороги",
        "Состояние дорог",
        None,
        "Администрация города Брянска",
        "2026-01-18",
        "2026-01-28",
        None,
        "Исполнение",
        "Какой-то новый статус",
        False,
        True,
        "Обычное сообщение",
        False,
        None,
        None,
        True,
        None,
        None,
        None,
    ),
]

IM_COLUMNS = (
    "_load_id, _feed, _exported_at, _row_number, cabinet, im_id, incident_number, executor_org, first_response_at, "
    "first_response_text, first_response_duration, current_step, created_at, closed_at, topic_group, topic, "
    "region_name, municipality_name, locality, street, house, blog_url, post_url, incident_text, closing_reason, "
    "author_url, tags, satisfaction_step_at"
)
IM_ROWS = [
    (
        3,
        "im",
        "2026-01-15",
        1,
        "ХМАО",
        "1001",
        "И-1001",
        "Департамент дорожного хозяйства и транспорта Югры",
        "2026-01-14 12:00",
        "Здравствуйте! Передали подрядчику.",
        "0.0069444444 days",
        "Оценка удовлетворенности",
        "2026-01-14 11:50",
        None,
        "Дороги",
        "Ямы на дорогах",
        "Ханты-Мансийский автономный округ - Югра",
        "г. Сургут",
        "Сургут",
        "ул. Ленина",
        "5",
        "https://vk.com/surgut_live",
        "https://vk.com/wall-1_2",
        "Яма у дома",
        None,
        "https://vk.com/id123",
        None,
        "2026-01-14 18:00",
    ),
    (
        3,
        "im",
        "2026-01-15",
        2,
        "Брянская",
        "1002",
        "И-1002",
        "Департамент ТЭК и ЖКХ Брянской области",
        None,
        None,
        None,
        "Назначен исполнитель",
        "2026-01-15 09:00",
        None,
        "ЖКХ",
        "Отопление",
        "Брянская область",
        "город Брянск",
        "Брянск",
        "пр-т Ленина",
        "10",
        "https://ok.ru/group/555",
        None,
        "Холодно",
        None,
        "https://ok.ru/profile/777",
        "Высокая важность",
        None,
    ),
    (
        4,
        "im",
        "2026-01-19",
        1,
        "Брянская",
        "1002",
        "И-1002",
        "Департамент ТЭК и ЖКХ Брянской области",
        "2026-01-15 10:00",
        "Ответ",
        "0.0416666667 days",
        "Готово",
        "2026-01-15 09:00",
        "2026-01-16 17:00",
        "ЖКХ",
        "Отопление",
        "Брянская область",
        "город Брянск",
        "Брянск",
        "пр-т Ленина",
        "10",
        "https://ok.ru/group/555",
        None,
        "Холодно",
        "Автор доволен",
        "https://ok.ru/profile/777",
        "Высокая важность",
        None,
    ),
    (
        4,
        "im",
        "2026-01-19",
        2,
        "Брянская",
        "1003",
        "И-1003",
        None,
        None,
        None,
        None,
        "Готово",
        "2026-01-17 20:30",
        "2026-01-18 10:00",
        "Космос",
        "Луна",
        "Брянская область",
        None,
        None,
        None,
        None,
        "https://t.me/bryansk_chat",
        None,
        "Текст",
        "5",
        "https://t.me/someone",
        None,
        None,
    ),
    (
        4,
        "im",
        "2026-01-19",
        3,
        "Неизвестно",
        "1004",
        "И-1004",
        None,
        None,
        None,
        None,
        "Новый",
        "2026-01-18 23:30",
        None,
        "Дороги",
        "Гололед",
        "Марс",
        None,
        None,
        None,
        None,
        "https://www.instagram.com/x",
        None,
        "Текст",
        None,
        "https://instagram.com/y",
        None,
        None,
    ),
]

REGIONAL_COLUMNS = (
    "_load_id, _feed, _exported_at, _row_number, region_name, source_id, received_at, channel, topic_group, topic, "
    "agency_name, municipality, oktmo, status, source_status, due_at, first_response_at, answered_at, rating, "
    "is_repeat, answer_type, applicant_name, applicant_phone, applicant_email, address, appeal_text, answer_text"
)
_KSZHKH = "Комитет по строительству и жилищно-коммунальному хозяйству Псковской области"
REGIONAL_ROWS = [
    (
        5,
        "regional_portal",
        "2026-01-19",
        1,
        "Псковская обл.",
        "П-0001",
        "2026-01-10 14:05",
        "portal",
        "Плата за ЖКУ",
        "Приборы учета",
        _KSZHKH,
        "город Псков",
        "58701000",
        "answered",
        "Ответ дан",
        "2026-02-09",
        None,
        "2026-01-15 16:00",
        4,
        False,
        "Разъяснено",
        "Смирнова Ольга",
        "+7 (911) 123-45-67",
        None,
        "г. Псков, ул. Советская, д. 1",
        "Текст",
        "Ответ",
    ),
    (
        5,
        "regional_portal",
        "2026-01-19",
        2,
        None,
        "П-0002",
        "2026-01-11 09:00",
        "hotline",
        "Дороги",
        "Ямы",
        None,
        None,
        "58701000123",
        "redirected",
        "Перенаправлено",
        "2026-02-10",
        None,
        None,
        None,
        True,
        "перенаправлено",
        "Смирнова О.",
        "8 911 123 45 67",
        "olga@example.ru",
        None,
        "Текст",
        None,
    ),
    (
        5,
        "regional_portal",
        "2026-01-19",
        3,
        "Псковская область",
        "П-0003",
        "2026-01-12 11:00",
        "email",
        "Теплоснабжение",
        "Низкая температура в квартире",
        "Комитет по строительству и ЖКХ",
        "Псковский район",
        None,
        "in_work",
        "На рассмотрении",
        "2026-02-11",
        "2026-01-13 10:00",
        None,
        None,
        False,
        None,
        None,
        None,
        "someone@example.ru",
        None,
        "Текст",
        None,
    ),
    (
        5,
        "regional_portal",
        "2026-01-19",
        4,
        "Псковская область",
        "П-0003",
        "2026-01-12 11:00",
        "email",
        "Теплоснабжение",
        "Низкая температура в квартире",
        "Комитет по строительству и ЖКХ",
        "Псковский район",
        None,
        "closed",
        "Закрыто",
        "2026-02-11",
        "2026-01-13 10:00",
        "2026-01-18 12:00",
        2,
        False,
        "Решено",
        None,
        None,
        "someone@example.ru",
        None,
        "Текст",
        "Ответ",
    ),
]

OTHER_INSERTS = [
    """insert into raw.roadmap_events (_load_id, _feed, _exported_at, _row_number, region_name, roadmap_version,
       event_number, event_name, block, responsible_agency, responsible_person, due_date, status, done_date, comment)
       values (6, 'roadmap', '2026-01-01', 1, 'Брянская область', '2026-1', '1.1', 'Обучение исполнителей', 'ЖКХ',
               'Департамент ТЭК и ЖКХ Брянской области', 'Иванов И. И.', '2026-03-31', 'in_progress', null, null),
              (6, 'roadmap', '2026-01-01', 2, 'Брянская область', '2026-1', '1.2', 'Регламент ответов', null,
               'ЦУР', null, '2026-02-28', 'done', '2026-01-20', 'утвержден')""",
    """insert into raw.indicator_targets (_load_id, _feed, _exported_at, _row_number, region_name, year,
       indicator_code, indicator_name, indicator_kind, block, unit, direction, target_value, actual_value, deadline)
       values (7, 'indicators', '2026-01-01', 1, 'Брянская область', 2026, 'POS_AVG_DAYS',
               'Среднее время ответа в ПОС', 'mandatory', null, 'дней', 'lower_is_better', 8, null, '2026-12-31')""",
    """insert into raw.block_staff (_load_id, _feed, _exported_at, _row_number, region_name, as_of, block,
       organisation, staff_count)
       values (8, 'staff', '2026-01-10', 1, 'Брянская область', '2026-01-10', 'ЖКХ', 'ЦУР', 3),
              (8, 'staff', '2026-01-10', 2, 'Брянская область', '2026-01-10', 'ЖКХ', null, 1)""",
]


def insert_hand_rows(conn: psycopg.Connection) -> None:
    """The rows above, with their loads registered, into a bootstrapped warehouse."""
    for load_id, feed, target, name, exported in LOADS:
        conn.execute(
            """insert into raw.load_files (load_id, feed, target, file_name, file_path, sha256, size_bytes,
               exported_at, status, rows_read, rows_loaded, rows_quarantined, started_at)
               values (%s, %s, %s, %s, %s, %s, 0, %s, 'loaded', 0, 0, 0, now())""",
            (load_id, feed, target, name, f"/landing/{name}", f"{load_id:064d}", exported),
        )
        conn.execute(
            f"create table {partition_name(TARGETS[target], load_id)} partition of raw.{target} "
            f"for values in ({load_id})"
        )
    for table, columns, rows in (
        ("pos_messages", POS_COLUMNS, POS_ROWS),
        ("im_incidents", IM_COLUMNS, IM_ROWS),
        ("regional_appeals", REGIONAL_COLUMNS, REGIONAL_ROWS),
    ):
        placeholders = ", ".join(["%s"] * len(columns.split(",")))
        with conn.cursor() as cur:
            cur.executemany(f"insert into raw.{table} ({columns}) values ({placeholders})", rows)
    for sql in OTHER_INSERTS:
        conn.execute(sql)
    conn.commit()


@pytest.fixture(scope="module")
def built(module_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[psycopg.Connection]:
    """The hand rows built once for the module; tests only read."""
    with psycopg.connect(module_database_url) as conn:
        insert_hand_rows(conn)
        run_dbt(module_database_url, "build", target_path=tmp_path_factory.mktemp("dbt-target"))
        yield conn


def _rows(conn: psycopg.Connection, sql: str) -> list[tuple]:
    return conn.execute(sql).fetchall()


def test_staging_keeps_the_latest_version_and_counts_them(built):
    assert _rows(
        built, "select stage, version_count, _load_id from staging.stg_pos__messages where pos_number = 327441806"
    ) == [("Завершено", 2, 2)]
    assert _rows(built, "select current_step, version_count from staging.stg_im__incidents where im_id = '1002'") == [
        ("Готово", 2)
    ]
    assert _rows(built, "select count(*) from staging.stg_regional__appeals") == [(3,)]


def test_every_appeal_is_conformed(built):
    rows = {
        r[0]: r[1:]
        for r in _rows(
            built,
            """
        select source_system || ':' || source_id, region_code, channel, block_code, status, is_category_mapped,
               agency_id, municipality_oktmo, satisfaction_reaction, is_redirected, is_answered
        from intermediate.int_appeals__unioned""",
        )
    }
    assert len(rows) == 5 + 4 + 3
    assert rows["pos:327441806"] == ("KHM", "pos", "health", "closed", True, "KHM-DZ", None, None, False, True)
    assert rows["pos:327441807"][:6] == ("BRY", "pos", "zhkh", "redirected", True, "BRY-ADM-15701000")
    assert rows["pos:327441807"][6:] == ("15701000", None, True, False)
    assert rows["pos:327441808"][2:5] == ("other", "new", False)
    assert rows["pos:327441809"][3] == "rejected"
    assert rows["pos:327441810"][3] == "in_work"
    assert rows["im:1001"][:5] == ("KHM", "vk", "roads", "answered", True)
    assert rows["im:1001"][6] == "71876000"
    assert rows["im:1002"][1:4] == ("ok", "zhkh", "closed") and rows["im:1002"][7] == "satisfied"
    assert rows["im:1003"][1:5] == ("telegram", "other", "closed", False) and rows["im:1003"][7] == "unknown"
    assert rows["im:1004"][:3] == (None, "other_social", "roads")
    assert rows["regional_portal:П-0002"][:2] == ("PSK", "hotline")
    assert rows["regional_portal:П-0002"][6] == "58701000" and rows["regional_portal:П-0002"][8] is True
    assert rows["regional_portal:П-0003"][3:7] == ("closed", True, "PSK-KSZHKH", "58638000")


def test_local_times_are_read_in_the_regions_time_zone(built):
    # ХМАО is UTC+5: 06.01.2026 00:00 local is 05.01.2026 19:00 UTC
    assert (
        _rows(
            built,
            """select received_at at time zone 'UTC', received_date_local::text
                          from intermediate.int_appeals__unioned where source_id = '327441806'""",
        )[0][1]
        == "2026-01-06"
    )
    utc = _rows(
        built,
        "select to_char(received_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI') "
        "from intermediate.int_appeals__unioned where source_id = '327441806'",
    )
    assert utc == [("2026-01-05 19:00",)]


def test_no_personal_data_leaves_raw(built):
    personal = [
        "Иванова",
        "Петров",
        "Кузнецов",
        "Смирнова",
        "123-45-67",
        "123 45 67",
        "olga@",
        "someone@",
        "vk.com/id123",
        "Ленина",
        "Советская",
        "Холодно",
        "Яма у дома",
        "Иванов И.",
    ]
    relations = _rows(
        built,
        """select table_schema, table_name from information_schema.tables
                               where table_schema in ('staging', 'intermediate', 'marts')""",
    )
    assert relations
    for schema, table in relations:
        text = " ".join(str(r) for r in _rows(built, f'select t::text from "{schema}"."{table}" as t'))
        for value in personal:
            assert value not in text, f"{schema}.{table} holds «{value}»"


def test_applicants_are_linked_by_keyed_hash(built):
    keys = _rows(
        built,
        """select source_id, applicant_key from staging.stg_regional__appeals
                          where source_id in ('П-0001', 'П-0002') order by source_id""",
    )
    assert keys[0][1] == keys[1][1] and len(keys[0][1]) == 64  # +7 (911)... and 8 911... are one phone


def test_daily_aggregate_adds_up(built):
    total = _rows(
        built,
        """select sum(received_count), sum(received_answered_now_count), sum(received_open_now_count),
                  sum(rated_count), sum(rating_1_count + 2 * rating_2_count + 3 * rating_3_count
                                        + 4 * rating_4_count + 5 * rating_5_count)
           from marts.agg_appeals_daily""",
    )
    # 12 appeals; answered: pos 806, im 1001, 1002, 1003, portal 0001, 0003; rejected: pos 809
    assert total == [(12, 6, 5, 3, 11)]
