"""The official dashboards, declared once here and written as a Superset bundle to superset_dashboards/bundle/.

Superset's own export format (metadata.yaml, databases/, datasets/, charts/,
dashboards/) is what gets committed and imported; it is verbose (ids, layout
trees, filter scopes), so it is generated from the short declarations below
rather than typed. `make dashboards` rewrites it; a unit test fails when the
committed bundle and this file disagree. Every text a reader sees — titles,
metric and column names, axes, filters — is Russian and is declared here.

The database's address is a placeholder: the import step
(orchestration/superset/importer.py) puts the warehouse's host, port, database
and the read-only role in, and passes the password separately, so no secret
is ever in the bundle.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from orchestration.settings import PROJECT_ROOT

BUNDLE_DIR = PROJECT_ROOT / "superset_dashboards" / "bundle"
_NAMESPACE = uuid.UUID("6f1c3d3e-3a51-4d0c-9d43-2b7f5b1f0a55")

DATABASE_NAME = "ЦУР — витрины"
DATABASE_FILE = "databases/tsur_marts.yaml"
# Replaced at import time (importer.py): host, port, database and role of the warehouse.
DATABASE_URI_PLACEHOLDER = "postgresql+psycopg2://tsur_reader:XXXXXXXXXX@warehouse:5432/tsur"


def _uuid(*parts: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


def dataset_uuid(key: str) -> str:
    return _uuid("dataset", key)


# ----------------------------------------------------------------------------- datasets


@dataclass
class Dataset:
    key: str  # file name and the name charts refer to
    table: str  # physical table in marts, or the virtual dataset's name
    description: str
    columns: dict[str, tuple[str, str]]  # name -> (type, Russian label)
    metrics: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # name -> (SQL, label, d3 format)
    sql: str | None = None  # a virtual dataset's query
    dttm: str | None = None  # the main temporal column (the period filter)
    computed: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (SQL, label)
    schema: str = "marts"


def _ratio(numerator: str, denominator: str) -> str:
    return f"SUM({numerator})::float8 / NULLIF(SUM({denominator}), 0)"


_DAILY_COUNTS = {
    "received_count": "Поступило",
    "received_rejected_count": "Отклонено модератором",
    "received_repeat_count": "Повторные",
    "received_redirected_count": "Перенаправленные",
    "received_answered_now_count": "Из поступивших отвечено",
    "received_open_now_count": "Из поступивших в работе",
    "received_overdue_open_now_count": "Из поступивших просрочено",
    "first_response_count": "Первых ответов",
    "first_response_hours_sum": "Часы до первого ответа (сумма)",
    "first_response_with_deadline_count": "Первых ответов со сроком",
    "first_response_on_time_count": "Первых ответов в срок",
    "ageing_0_3d_now_count": "Просрочка 0–3 дня",
    "ageing_4_7d_now_count": "Просрочка 4–7 дней",
    "ageing_8_14d_now_count": "Просрочка 8–14 дней",
    "ageing_15_30d_now_count": "Просрочка 15–30 дней",
    "ageing_31d_plus_now_count": "Просрочка более 30 дней",
    "answered_count": "Дан ответ",
    "answered_with_deadline_count": "Ответов со сроком",
    "answered_on_time_count": "Ответов в срок",
    "answer_hours_sum": "Часы до ответа (сумма)",
    "answer_working_count": "Ответов с рабочим временем",
    "answer_working_hours_sum": "Рабочие часы до ответа (сумма)",
    "rated_count": "Оценено",
    "rating_1_count": "Оценка 1",
    "rating_2_count": "Оценка 2",
    "rating_3_count": "Оценка 3",
    "rating_4_count": "Оценка 4",
    "rating_5_count": "Оценка 5",
    "reaction_satisfied_count": "Автор доволен",
    "reaction_neutral_count": "Автор нейтрален",
    "reaction_dissatisfied_count": "Автор недоволен",
    "assessed_count": "С оценкой или реакцией",
    "satisfied_count": "Удовлетворены",
    "negative_count": "Негативные",
    "formal_reply_judged_count": "Ответов проверено на отписку",
    "formal_reply_count": "Отписки",
}

APPEALS_DAILY = Dataset(
    key="appeals_daily",
    table="agg_dashboard_appeals_daily",
    description=(
        "marts.agg_dashboard_appeals_daily: день × блок × орган власти × муниципалитет × канал, "
        "с названиями. Доли считаются из сумм."
    ),
    dttm="calendar_date",
    columns={
        "calendar_date": ("DATE", "День"),
        "region_code": ("TEXT", "Регион"),
        "block_code": ("TEXT", "Код блока"),
        "block_name": ("TEXT", "Блок"),
        "agency_id": ("TEXT", "Код органа власти"),
        "agency_name": ("TEXT", "Орган власти"),
        "agency_short_name": ("TEXT", "Орган власти (кратко)"),
        "municipality_oktmo": ("TEXT", "ОКТМО"),
        "municipality_name": ("TEXT", "Муниципалитет"),
        "channel": ("TEXT", "Код канала"),
        "channel_name": ("TEXT", "Канал"),
        "is_in_complete_week": ("BOOLEAN", "Неделя завершена"),
        **{name: ("BIGINT", label) for name, label in _DAILY_COUNTS.items()},
    },
    metrics={
        "received": ("SUM(received_count)", "Поступило", ",d"),
        "answered": ("SUM(answered_count)", "Дан ответ", ",d"),
        "answered_on_time": ("SUM(answered_on_time_count)", "Ответов в срок", ",d"),
        "on_time_share": (
            _ratio("answered_on_time_count", "answered_with_deadline_count"),
            "Доля ответов в срок",
            ".1%",
        ),
        "overdue_now": ("SUM(received_overdue_open_now_count)", "Просрочено сейчас", ",d"),
        "open_now": ("SUM(received_open_now_count)", "В работе сейчас", ",d"),
        "ageing_0_3d": ("SUM(ageing_0_3d_now_count)", "Просрочка 0–3 дня", ",d"),
        "ageing_4_7d": ("SUM(ageing_4_7d_now_count)", "Просрочка 4–7 дней", ",d"),
        "ageing_8_14d": ("SUM(ageing_8_14d_now_count)", "Просрочка 8–14 дней", ",d"),
        "ageing_15_30d": ("SUM(ageing_15_30d_now_count)", "Просрочка 15–30 дней", ",d"),
        "ageing_31d_plus": ("SUM(ageing_31d_plus_now_count)", "Просрочка более 30 дней", ",d"),
        "first_response_on_time_share": (
            _ratio("first_response_on_time_count", "first_response_with_deadline_count"),
            "Доля первых ответов в срок",
            ".1%",
        ),
        "mean_hours_to_first_response": (
            _ratio("first_response_hours_sum", "first_response_count"),
            "Среднее время до первого ответа, ч",
            ",.1f",
        ),
        "mean_hours_to_answer": (_ratio("answer_hours_sum", "answered_count"), "Среднее время до ответа, ч", ",.1f"),
        "mean_working_hours_to_answer": (
            _ratio("answer_working_hours_sum", "answer_working_count"),
            "Среднее время до ответа, рабочих ч",
            ",.1f",
        ),
        "satisfaction_share": (_ratio("satisfied_count", "assessed_count"), "Удовлетворенность", ".1%"),
        "negative_share": (_ratio("negative_count", "assessed_count"), "Доля негативных", ".1%"),
        "rating_4_5_share": (
            "(SUM(rating_4_count) + SUM(rating_5_count))::float8 / NULLIF(SUM(rated_count), 0)",
            "Доля оценок 4–5",
            ".1%",
        ),
        "mean_rating": (
            "(SUM(rating_1_count) + 2 * SUM(rating_2_count) + 3 * SUM(rating_3_count) + 4 * SUM(rating_4_count)"
            " + 5 * SUM(rating_5_count))::float8 / NULLIF(SUM(rated_count), 0)",
            "Средняя оценка",
            ".2f",
        ),
        "rating_1": ("SUM(rating_1_count)", "Оценка 1", ",d"),
        "rating_2": ("SUM(rating_2_count)", "Оценка 2", ",d"),
        "rating_3": ("SUM(rating_3_count)", "Оценка 3", ",d"),
        "rating_4": ("SUM(rating_4_count)", "Оценка 4", ",d"),
        "rating_5": ("SUM(rating_5_count)", "Оценка 5", ",d"),
        "reaction_satisfied": ("SUM(reaction_satisfied_count)", "Автор доволен", ",d"),
        "reaction_neutral": ("SUM(reaction_neutral_count)", "Автор нейтрален", ",d"),
        "reaction_dissatisfied": ("SUM(reaction_dissatisfied_count)", "Автор недоволен", ",d"),
        "repeat_share": (_ratio("received_repeat_count", "received_count"), "Доля повторных", ".1%"),
        "formal_reply_share": (_ratio("formal_reply_count", "formal_reply_judged_count"), "Доля отписок", ".1%"),
    },
)

APPEAL_TIMES = Dataset(
    key="appeal_times",
    table="agg_appeal_times_by_period",
    description="marts.agg_appeal_times_by_period: медиана и 90-й процентиль времени по периодам и одному разрезу.",
    dttm="period_start",
    columns={
        "period_grain": ("TEXT", "Шаг периода"),
        "period_start": ("DATE", "Период"),
        "region_code": ("TEXT", "Регион"),
        "dimension": ("TEXT", "Разрез"),
        "dimension_value": ("TEXT", "Значение разреза"),
        "median_hours_to_first_response": ("DOUBLE PRECISION", "Медиана до первого ответа, ч"),
        "p90_hours_to_first_response": ("DOUBLE PRECISION", "90-й процентиль до первого ответа, ч"),
        "median_hours_to_answer": ("DOUBLE PRECISION", "Медиана до ответа, ч"),
        "p90_hours_to_answer": ("DOUBLE PRECISION", "90-й процентиль до ответа, ч"),
    },
    metrics={
        "median_hours_to_answer": ("MAX(median_hours_to_answer)", "Медиана времени до ответа, ч", ",.1f"),
        "p90_hours_to_answer": ("MAX(p90_hours_to_answer)", "90-й процентиль времени до ответа, ч", ",.1f"),
        "median_hours_to_first_response": (
            "MAX(median_hours_to_first_response)",
            "Медиана времени до первого ответа, ч",
            ",.1f",
        ),
    },
)


def _with_last_month(table: str, complete: str, columns: str = "*") -> str:
    """A mart with ``is_last_complete_month``: the dashboards show the last complete month without a subquery
    (Superset refuses subqueries in a chart's own SQL, which would let a user read past row-level security)."""
    return (
        f"select\n    source.{columns},\n"
        f"    source.period_grain = 'month' and source.period_start = max(\n"
        f"        case when source.period_grain = 'month' and source.{complete} then source.period_start end\n"
        f"    ) over (partition by source.region_code) as is_last_complete_month\n"
        f"from marts.{table} as source\n"
    )


PROBLEMS = Dataset(
    key="problem_categories",
    table="Проблемные категории",
    description="marts.agg_problem_categories: проблемные категории блоков, приоритет и рост.",
    sql=_with_last_month("agg_problem_categories", "is_period_complete"),
    dttm="period_start",
    columns={
        "period_grain": ("TEXT", "Шаг периода"),
        "period_start": ("DATE", "Период"),
        "is_period_complete": ("BOOLEAN", "Период завершен"),
        "region_code": ("TEXT", "Регион"),
        "block_code": ("TEXT", "Код блока"),
        "block_name": ("TEXT", "Блок"),
        "category_name": ("TEXT", "Категория"),
        "is_catch_all": ("BOOLEAN", "Прочие по направлению"),
        "appeal_count": ("BIGINT", "Обращений"),
        "previous_appeal_count": ("BIGINT", "В прошлом периоде"),
        "volume_share": ("DOUBLE PRECISION", "Доля в блоке"),
        "growth_rate": ("DOUBLE PRECISION", "Рост к прошлому периоду"),
        "negative_share": ("DOUBLE PRECISION", "Доля негативных"),
        "overdue_share": ("DOUBLE PRECISION", "Доля просроченных"),
        "priority_score": ("DOUBLE PRECISION", "Приоритет"),
        "priority_rank": ("INTEGER", "Место в блоке"),
        "is_top": ("BOOLEAN", "В топе блока"),
        "is_catch_all_in_top": ("BOOLEAN", "«Прочие» в топе"),
        "is_last_complete_month": ("BOOLEAN", "Последний завершенный месяц"),
    },
    computed={
        "catch_all_flag": ("CASE WHEN is_catch_all THEN '⚠ прочие' ELSE '' END", "Отметка"),
    },
    metrics={"appeals": ("SUM(appeal_count)", "Обращений", ",d")},
)

CATCH_ALL = Dataset(
    key="catch_all_breakdown",
    table="Что внутри «Прочих»",
    description="marts.agg_catch_all_breakdown с названиями блоков: исходные категории «Прочих по направлению».",
    sql=(
        "select\n"
        "    breakdown.period_grain,\n"
        "    breakdown.period_start,\n"
        "    breakdown.region_code,\n"
        "    breakdown.block_code,\n"
        "    coalesce(blocks.block_name, breakdown.block_code) as block_name,\n"
        "    breakdown.source_kind,\n"
        "    breakdown.source_category,\n"
        "    breakdown.source_subcategory,\n"
        "    breakdown.appeal_count,\n"
        "    breakdown.share_of_catch_all,\n"
        "    breakdown.rank_in_catch_all,\n"
        "    breakdown.is_catch_all_in_top,\n"
        "    breakdown.period_grain = 'month' and breakdown.period_start = months.last_complete_month\n"
        "        as is_last_complete_month\n"
        "from marts.agg_catch_all_breakdown as breakdown\n"
        "left join marts.dim_block as blocks\n"
        "    on breakdown.region_code = blocks.region_code and breakdown.block_code = blocks.block_code\n"
        "left join (\n"
        "    select region_code, max(period_start) as last_complete_month\n"
        "    from marts.agg_problem_categories\n"
        "    where period_grain = 'month' and is_period_complete\n"
        "    group by region_code\n"
        ") as months on breakdown.region_code = months.region_code\n"
    ),
    dttm="period_start",
    columns={
        "period_grain": ("TEXT", "Шаг периода"),
        "period_start": ("DATE", "Период"),
        "region_code": ("TEXT", "Регион"),
        "block_code": ("TEXT", "Код блока"),
        "block_name": ("TEXT", "Блок"),
        "source_kind": ("TEXT", "Источник"),
        "source_category": ("TEXT", "Категория источника"),
        "source_subcategory": ("TEXT", "Подкатегория источника"),
        "appeal_count": ("BIGINT", "Обращений"),
        "share_of_catch_all": ("DOUBLE PRECISION", "Доля в «Прочих»"),
        "rank_in_catch_all": ("INTEGER", "Место"),
        "is_catch_all_in_top": ("BOOLEAN", "«Прочие» в топе блока"),
        "is_last_complete_month": ("BOOLEAN", "Последний завершенный месяц"),
    },
)

_RATING_COLUMNS = {
    "region_code": ("TEXT", "Регион"),
    "period_grain": ("TEXT", "Шаг периода"),
    "period_start": ("DATE", "Период"),
    "is_complete": ("BOOLEAN", "Период завершен"),
    "appeals_received": ("BIGINT", "Поступило"),
    "appeals_answered": ("BIGINT", "Дан ответ"),
    "is_rated": ("BOOLEAN", "В рейтинге"),
    "quantity_score": ("DOUBLE PRECISION", "Количество"),
    "quality_score": ("DOUBLE PRECISION", "Качество"),
    "speed_score": ("DOUBLE PRECISION", "Скорость"),
    "completeness_score": ("DOUBLE PRECISION", "Полнота"),
    "total_score": ("DOUBLE PRECISION", "Итоговый балл"),
    "rating_rank": ("INTEGER", "Место"),
    "rated_entities": ("INTEGER", "Участников"),
    "previous_rank": ("INTEGER", "Место в прошлом периоде"),
    "rank_change": ("INTEGER", "Изменение места"),
    "movement": ("TEXT", "Движение (код)"),
    "is_last_complete_month": ("BOOLEAN", "Последний завершенный месяц"),
}
_MOVEMENT = (
    "CASE movement WHEN 'up' THEN '▲ выше' WHEN 'down' THEN '▼ ниже' WHEN 'same' THEN '= без изменений'"
    " WHEN 'new' THEN 'впервые' ELSE 'вне рейтинга' END"
)
AGENCY_RATING = Dataset(
    key="agency_rating",
    table="Рейтинг органов власти",
    sql=_with_last_month("agg_agency_rating", "is_complete"),
    description="marts.agg_agency_rating: рейтинг органов власти (методика: docs/rating-methodology.md).",
    dttm="period_start",
    columns={
        **_RATING_COLUMNS,
        "agency_id": ("TEXT", "Код органа власти"),
        "agency_name": ("TEXT", "Орган власти"),
        "agency_short_name": ("TEXT", "Орган власти (кратко)"),
    },
    computed={"movement_label": (_MOVEMENT, "Движение")},
)
MUNICIPALITY_RATING = Dataset(
    key="municipality_rating",
    table="Рейтинг муниципалитетов",
    sql=_with_last_month("agg_municipality_rating", "is_complete"),
    description="marts.agg_municipality_rating: рейтинг муниципалитетов (методика: docs/rating-methodology.md).",
    dttm="period_start",
    columns={
        **_RATING_COLUMNS,
        "municipality_oktmo": ("TEXT", "ОКТМО"),
        "municipality_name": ("TEXT", "Муниципалитет"),
    },
    computed={"movement_label": (_MOVEMENT, "Движение")},
)

ROADMAP_EVENTS = Dataset(
    key="roadmap_events",
    table="fct_roadmap_events",
    description="marts.fct_roadmap_events: мероприятия дорожной карты в последней версии.",
    dttm="due_date",
    columns={
        "region_code": ("TEXT", "Регион"),
        "event_number": ("TEXT", "Номер"),
        "event_name": ("TEXT", "Мероприятие"),
        "block_code": ("TEXT", "Код блока"),
        "responsible_agency": ("TEXT", "Ответственный"),
        "original_due_date": ("DATE", "Первоначальный срок"),
        "due_date": ("DATE", "Срок"),
        "due_date_moves": ("INTEGER", "Переносов срока"),
        "status": ("TEXT", "Статус"),
        "done_date": ("DATE", "Дата выполнения"),
        "is_overdue": ("BOOLEAN", "Просрочено"),
        "is_done_on_time": ("BOOLEAN", "Выполнено в срок"),
    },
    metrics={
        "events": ("COUNT(*)", "Мероприятий", ",d"),
        "events_overdue": ("SUM(CASE WHEN is_overdue THEN 1 ELSE 0 END)", "Просрочено", ",d"),
    },
)

ROADMAP_PERFORMANCE = Dataset(
    key="roadmap_performance",
    table="agg_roadmap_performance",
    description="marts.agg_roadmap_performance: исполнение дорожной карты по ответственным.",
    columns={
        "region_code": ("TEXT", "Регион"),
        "roadmap_version": ("TEXT", "Версия дорожной карты"),
        "is_latest_version": ("BOOLEAN", "Последняя версия"),
        "responsible_agency": ("TEXT", "Ответственный"),
        "events": ("BIGINT", "Мероприятий"),
        "events_due": ("BIGINT", "Срок наступил"),
        "events_done_on_time": ("BIGINT", "Выполнено в срок"),
        "events_done_late": ("BIGINT", "Выполнено с опозданием"),
        "events_overdue": ("BIGINT", "Просрочено"),
        "events_due_date_moved": ("BIGINT", "Срок перенесен"),
    },
    metrics={
        "events": ("SUM(events)", "Мероприятий", ",d"),
        "events_due": ("SUM(events_due)", "Срок наступил", ",d"),
        "events_overdue": ("SUM(events_overdue)", "Просрочено", ",d"),
        "done_on_time_share": (_ratio("events_done_on_time", "events_due"), "Выполнено в срок", ".1%"),
    },
)

INDICATORS = Dataset(
    key="indicator_progress",
    table="agg_indicator_progress",
    description="marts.agg_indicator_progress: показатели против целевых значений.",
    columns={
        "region_code": ("TEXT", "Регион"),
        "indicator_year": ("INTEGER", "Год"),
        "indicator_code": ("TEXT", "Код показателя"),
        "indicator_name": ("TEXT", "Показатель"),
        "unit": ("TEXT", "Единица"),
        "target_value": ("NUMERIC", "Цель"),
        "actual_value": ("NUMERIC", "Факт"),
        "deadline": ("DATE", "Срок"),
        "status": ("TEXT", "Статус (код)"),
    },
    computed={
        "status_label": (
            "CASE status WHEN 'achieved' THEN '✔ достигнут' WHEN 'failed' THEN '✘ не достигнут'"
            " WHEN 'on_track' THEN 'в плане' WHEN 'at_risk' THEN '⚠ под угрозой' ELSE 'нет данных' END",
            "Статус",
        ),
    },
)

OVERDUE_POS = Dataset(
    key="overdue_pos",
    table="fct_overdue_pos_appeals",
    description="marts.fct_overdue_pos_appeals: открытые просроченные сообщения ПОС со ссылкой на ПОС.",
    dttm="received_date",
    columns={
        "pos_number": ("TEXT", "Номер ПОС"),
        "pos_link": ("TEXT", "Ссылка"),
        "region_code": ("TEXT", "Регион"),
        "received_date": ("DATE", "Поступило"),
        "due_at": ("TIMESTAMP WITH TIME ZONE", "Срок"),
        "days_overdue": ("INTEGER", "Дней просрочки"),
        "block_code": ("TEXT", "Код блока"),
        "block_name": ("TEXT", "Блок"),
        "category_name": ("TEXT", "Категория"),
        "agency_id": ("TEXT", "Код органа власти"),
        "agency_name": ("TEXT", "Орган власти"),
        "agency_short_name": ("TEXT", "Орган власти (кратко)"),
        "municipality_oktmo": ("TEXT", "ОКТМО"),
        "municipality_name": ("TEXT", "Муниципалитет"),
    },
    computed={
        "pos_link_html": (
            "'<a href=\"' || pos_link || '\" target=\"_blank\" rel=\"noopener\">' || pos_number || '</a>'",
            "Сообщение в ПОС",
        ),
        "due_date": ("(due_at AT TIME ZONE 'Europe/Moscow')::date", "Срок ответа"),
    },
    metrics={"messages": ("COUNT(*)", "Сообщений", ",d")},
)

LOAD_FILES = Dataset(
    key="load_files",
    table="fct_load_files",
    description="marts.fct_load_files: загруженные и отклоненные файлы.",
    dttm="loaded_date",
    columns={
        "load_id": ("BIGINT", "Загрузка"),
        "feed": ("TEXT", "Источник"),
        "target": ("TEXT", "Таблица"),
        "file_name": ("TEXT", "Файл"),
        "status": ("TEXT", "Статус (код)"),
        "loaded_date": ("DATE", "Дата загрузки"),
        "rows_read": ("INTEGER", "Прочитано строк"),
        "rows_loaded": ("INTEGER", "Загружено строк"),
        "rows_quarantined": ("INTEGER", "В карантине"),
        "quarantined_share": ("DOUBLE PRECISION", "Доля в карантине"),
        "error": ("TEXT", "Причина отклонения"),
    },
    computed={"status_label": ("CASE status WHEN 'loaded' THEN 'загружен' ELSE 'отклонен' END", "Статус")},
    metrics={
        "files": ("COUNT(*)", "Файлов", ",d"),
        "files_rejected": ("SUM(CASE WHEN status = 'rejected' THEN 1 ELSE 0 END)", "Отклонено файлов", ",d"),
        "rows_read": ("SUM(rows_read)", "Прочитано строк", ",d"),
        "rows_loaded": ("SUM(rows_loaded)", "Загружено строк", ",d"),
        "rows_quarantined": ("SUM(rows_quarantined)", "Строк в карантине", ",d"),
    },
)

QUARANTINE = Dataset(
    key="quarantine_reasons",
    table="agg_quarantine_reasons",
    description="marts.agg_quarantine_reasons: строки в карантине по файлу, полю и причине (без значений).",
    dttm="loaded_date",
    columns={
        "load_id": ("BIGINT", "Загрузка"),
        "feed": ("TEXT", "Источник"),
        "file_name": ("TEXT", "Файл"),
        "loaded_date": ("DATE", "Дата загрузки"),
        "field": ("TEXT", "Поле"),
        "reason": ("TEXT", "Причина"),
        "row_count": ("BIGINT", "Строк"),
        "first_row_number": ("INTEGER", "Первая строка"),
    },
    metrics={"rows": ("SUM(row_count)", "Строк в карантине", ",d")},
)

DQ_LATEST = Dataset(
    key="dq_latest",
    table="dq_latest",
    schema="quality",
    description="quality.dq_latest: последний результат каждой проверки качества данных (Great Expectations).",
    dttm="checked_at",
    columns={
        "suite": ("TEXT", "Набор проверок"),
        "table_name": ("TEXT", "Таблица"),
        "layer": ("TEXT", "Слой"),
        "expectation": ("TEXT", "Проверка (код)"),
        "description": ("TEXT", "Что проверяется"),
        "severity": ("TEXT", "Важность (код)"),
        "success": ("BOOLEAN", "Пройдена"),
        "unexpected_count": ("BIGINT", "Строк с ошибкой"),
        "element_count": ("BIGINT", "Строк проверено"),
        "error": ("TEXT", "Ошибка выполнения"),
        "checked_at": ("TIMESTAMP WITH TIME ZONE", "Проверено"),
    },
    computed={
        "severity_label": ("CASE severity WHEN 'critical' THEN 'критичная' ELSE 'предупреждение' END", "Важность"),
        "result_label": ("CASE WHEN success THEN 'пройдена' ELSE '✘ не пройдена' END", "Результат"),
    },
    metrics={
        "checks": ("COUNT(*)", "Проверок", ",d"),
        "critical_failed": (
            "SUM(CASE WHEN NOT success AND severity = 'critical' THEN 1 ELSE 0 END)",
            "Критичных ошибок",
            ",d",
        ),
        "warnings_failed": (
            "SUM(CASE WHEN NOT success AND severity = 'warning' THEN 1 ELSE 0 END)",
            "Предупреждений",
            ",d",
        ),
        "passed_share": ("AVG(CASE WHEN success THEN 1.0 ELSE 0.0 END)", "Доля пройденных", ".1%"),
    },
)

DATASETS = [
    APPEALS_DAILY,
    APPEAL_TIMES,
    PROBLEMS,
    CATCH_ALL,
    AGENCY_RATING,
    MUNICIPALITY_RATING,
    ROADMAP_EVENTS,
    ROADMAP_PERFORMANCE,
    INDICATORS,
    OVERDUE_POS,
    LOAD_FILES,
    QUARANTINE,
    DQ_LATEST,
]
DATASETS_BY_KEY = {dataset.key: dataset for dataset in DATASETS}

# ----------------------------------------------------------------------------- charts

# The tables of problems and ratings show the last complete month (a column of their datasets).
LAST_MONTH = "is_last_complete_month"


@dataclass
class Chart:
    key: str
    title: str
    dataset: str
    viz: str
    params: dict[str, Any]
    width: int = 4  # of 12
    height: int = 50
    where: list[str] = field(default_factory=list)  # SQL conditions
    description: str | None = None


def _filters(chart: Chart) -> list[dict[str, Any]]:
    dataset = DATASETS_BY_KEY[chart.dataset]
    filters: list[dict[str, Any]] = []
    if dataset.dttm:
        # The dashboards' «Период» filter sets this range.
        filters.append(
            {
                "clause": "WHERE",
                "comparator": "No filter",
                "expressionType": "SIMPLE",
                "operator": "TEMPORAL_RANGE",
                "subject": dataset.dttm,
            }
        )
    for number, condition in enumerate(chart.where):
        filters.append(
            {
                "clause": "WHERE",
                "expressionType": "SQL",
                "sqlExpression": condition,
                "filterOptionName": f"filter_{chart.key}_{number}",
            }
        )
    return filters


def kpi(key: str, title: str, metric: str, *, dataset: str = "appeals_daily", fmt: str, where=(), width=2) -> Chart:
    """A big number with its weekly trend and the change against the previous week."""
    return Chart(
        key,
        title,
        dataset,
        "big_number",
        {
            "metric": metric,
            "x_axis": DATASETS_BY_KEY[dataset].dttm,
            "time_grain_sqla": "P1W",
            "compare_lag": 1,
            "compare_suffix": "к прошлой неделе",
            "show_timestamp": True,
            "show_trend_line": True,
            "start_y_axis_at_zero": True,
            "header_font_size": 0.3,
            "subheader_font_size": 0.13,
            "y_axis_format": fmt,
            "time_format": "%d.%m.%Y",
            "rolling_type": "None",
        },
        width=width,
        height=40,
        where=["is_in_complete_week", *where],  # the last bucket is a whole week, compared with a whole week
    )


def total(key: str, title: str, metric: str, *, dataset: str, fmt: str, subheader: str = "", where=(), width=2):
    """A single big number over the whole filtered period."""
    return Chart(
        key,
        title,
        dataset,
        "big_number_total",
        {"metric": metric, "subheader": subheader, "header_font_size": 0.3, "y_axis_format": fmt},
        width=width,
        height=40,
        where=list(where),
    )


def timeseries(
    key, title, metrics, *, grain="P1M", dataset="appeals_daily", y_title="", fmt=",d", bar=False, where=(), width=6
):
    """Metrics over time: a line (or stacked bars) with Russian axis titles."""
    return Chart(
        key,
        title,
        dataset,
        "echarts_timeseries_bar" if bar else "echarts_timeseries_line",
        {
            "x_axis": DATASETS_BY_KEY[dataset].dttm,
            "time_grain_sqla": grain,
            "metrics": list(metrics),
            "groupby": [],
            "row_limit": 10000,
            "x_axis_title": "Период",
            "x_axis_title_margin": 30,
            "y_axis_title": y_title,
            "y_axis_title_margin": 50,
            "y_axis_title_position": "Left",
            "y_axis_format": fmt,
            "x_axis_time_format": "%m.%Y" if grain == "P1M" else "%d.%m.%Y",
            "tooltipTimeFormat": "%d.%m.%Y",
            "rich_tooltip": True,
            "show_legend": True,
            "legendOrientation": "top",
            "legendType": "scroll",
            "stack": "Stack" if bar and len(metrics) > 1 else None,
            "markerEnabled": True,
            "zoomable": False,
            "truncate_metric": True,
            "only_total": True,
        },
        width=width,
        where=list(where),
    )


def bars(key, title, metrics, by, *, dataset="appeals_daily", y_title="", fmt=",d", stack=False, limit=15, width=6):
    """Metrics by a category, largest first, horizontal bars with a Russian axis title."""
    return Chart(
        key,
        title,
        dataset,
        "echarts_timeseries_bar",
        {
            "x_axis": by,
            "metrics": list(metrics),
            "groupby": [],
            "row_limit": limit,
            "orientation": "horizontal",
            "x_axis_sort": DATASETS_BY_KEY[dataset].metrics[metrics[0]][1] if not stack else None,
            "x_axis_sort_asc": False,
            "x_axis_title": "",
            "y_axis_title": y_title,
            "y_axis_title_margin": 30,
            "y_axis_title_position": "Left",
            "y_axis_format": fmt,
            "rich_tooltip": True,
            "show_legend": len(metrics) > 1,
            "legendOrientation": "top",
            "stack": "Stack" if stack else None,
            "show_value": not stack,
            "truncate_metric": True,
            "only_total": True,
            "timeseries_limit_metric": metrics[0],
            "order_desc": True,
        },
        width=width,
        height=60,
    )


def table(key, title, dataset, *, groupby=(), metrics=(), columns=(), order=None, where=(), limit=100, width=6, **more):
    """An aggregated table (groupby + metrics) or a list of rows (columns)."""
    params: dict[str, Any] = {
        "query_mode": "raw" if columns else "aggregate",
        "groupby": list(groupby),
        "metrics": list(metrics),
        "all_columns": list(columns),
        "row_limit": limit,
        "server_page_length": 10,
        "include_search": False,
        "show_cell_bars": False,
        "allow_render_html": True,
        "table_timestamp_format": "%d.%m.%Y",
        "percent_metrics": [],
        **more,
    }
    if columns and order:
        params["order_by_cols"] = [f'["{column}", {"true" if ascending else "false"}]' for column, ascending in order]
    elif order:
        params["timeseries_limit_metric"] = order[0][0]
        params["order_desc"] = not order[0][1]
    return Chart(key, title, dataset, "table", params, width=width, height=60, where=list(where))


def markdown(text: str, width: int = 12, height: int = 20) -> dict[str, Any]:
    return {"markdown": text, "width": width, "height": height}


@dataclass
class Dashboard:
    key: str  # slug
    title: str
    description: str
    rows: list[list[Chart | dict[str, Any]]]
    filters: dict[str, str]  # filter name -> dataset key the value list comes from ("" for the period)


_APPEAL_FILTERS = {
    "Период": "",
    "Блок": "appeals_daily",
    "Орган власти": "appeals_daily",
    "Муниципалитет": "appeals_daily",
    "Канал": "appeals_daily",
}
_FILTER_COLUMNS = {
    "Блок": "block_name",
    "Орган власти": "agency_name",
    "Муниципалитет": "municipality_name",
    "Канал": "channel_name",
}

_RATING_TABLE = dict(
    columns=(
        "rating_rank",
        "{name}",
        "total_score",
        "quantity_score",
        "quality_score",
        "speed_score",
        "completeness_score",
        "previous_rank",
        "movement_label",
    ),
    order=[("rating_rank", True)],
)


def _rating_table(key, title, dataset, name, *, worst=False, top=None, short=False, width=6):
    """The rating of the last complete month; ``top``: only the best (or worst) ``top`` places."""
    columns = [column.format(name=name) for column in _RATING_TABLE["columns"]]
    if short:
        columns = [columns[0], columns[1], columns[2], columns[-1]]
    where = [LAST_MONTH, "is_rated"]
    if top:
        where.append(f"rating_rank > rated_entities - {top}" if worst else f"rating_rank <= {top}")
    chart = table(
        key,
        title,
        dataset,
        columns=columns,
        order=[("rating_rank", not worst)],
        where=where,
        limit=100,
        width=width,
        column_config={
            "total_score": {"d3NumberFormat": ".1f"},
            "quantity_score": {"d3NumberFormat": ".1f"},
            "quality_score": {"d3NumberFormat": ".1f"},
            "speed_score": {"d3NumberFormat": ".1f"},
            "completeness_score": {"d3NumberFormat": ".1f"},
        },
    )
    if top:
        chart.height = 36
    return chart


def _methodology_weights() -> str:
    """Section 8 of docs/rating-methodology.md (axes, metrics, weights), shown on the ratings dashboard.

    The methodology is generated from the rating seeds (`make methodology`), so after a change of
    weights `make dashboards` carries it here too (the bundle test says when it is stale).
    """
    text = (PROJECT_ROOT / "docs" / "rating-methodology.md").read_text(encoding="utf-8")
    start = text.index("## 8.")
    end = text.index("\n## ", start + 5)
    return text[start:end].strip().replace("## 8.", "#### Методика:", 1)


_REGION_MONTHS = ["period_grain = 'month'", "dimension = 'region'"]

DASHBOARDS = [
    Dashboard(
        "governor-summary",
        "Сводка для Губернатора",
        "Неделя и месяц с одного взгляда: поступило, отвечено, в срок, удовлетворенность, просрочка, "
        "главные проблемы, лучшие и худшие органы власти и муниципалитеты.",
        rows=[
            [
                kpi("gov_received", "Поступило за неделю", "received", fmt=",d"),
                kpi("gov_answered", "Дан ответ за неделю", "answered", fmt=",d"),
                kpi("gov_on_time", "В срок за неделю", "on_time_share", fmt=".1%"),
                kpi("gov_satisfaction", "Довольны ответом", "satisfaction_share", fmt=".1%"),
                total(
                    "gov_overdue",
                    "Просрочено сейчас",
                    "overdue_now",
                    dataset="appeals_daily",
                    fmt=",d",
                    subheader="обращений без ответа после срока",
                ),
                total(
                    "gov_open",
                    "В работе сейчас",
                    "open_now",
                    dataset="appeals_daily",
                    fmt=",d",
                    subheader="обращений ждут ответа",
                ),
            ],
            [
                timeseries(
                    "gov_weekly",
                    "Поступило и отвечено по неделям",
                    ["received", "answered"],
                    grain="P1W",
                    y_title="Обращений",
                    where=["is_in_complete_week"],
                ),
                timeseries(
                    "gov_monthly_shares",
                    "Доля ответов в срок и удовлетворенность по месяцам",
                    ["on_time_share", "satisfaction_share"],
                    y_title="Доля",
                    fmt=".0%",
                ),
            ],
            [
                table(
                    "gov_top_problems",
                    "Главная проблема каждого блока в прошлом месяце",
                    "problem_categories",
                    columns=("block_name", "category_name", "appeal_count", "growth_rate", "catch_all_flag"),
                    order=[("appeal_count", False)],
                    where=[LAST_MONTH, "priority_rank = 1", "appeal_count > 0"],
                    limit=20,
                    width=6,
                    column_config={"growth_rate": {"d3NumberFormat": "+.0%"}},
                ),
                timeseries(
                    "gov_answer_time",
                    "Время до ответа по месяцам: медиана и 90-й процентиль",
                    ["median_hours_to_answer", "p90_hours_to_answer"],
                    dataset="appeal_times",
                    y_title="Часов",
                    fmt=",.0f",
                    where=_REGION_MONTHS,
                ),
            ],
            [
                _rating_table("gov_best_agencies", "Лучшие органы власти за прошлый месяц", "agency_rating",
                              "agency_short_name", short=True, top=5),
                _rating_table("gov_worst_agencies", "Худшие органы власти за прошлый месяц", "agency_rating",
                              "agency_short_name", short=True, worst=True, top=5),
            ],
            [
                _rating_table("gov_best_municipalities", "Лучшие муниципалитеты за прошлый месяц",
                              "municipality_rating", "municipality_name", short=True, top=5),
                _rating_table("gov_worst_municipalities", "Худшие муниципалитеты за прошлый месяц",
                              "municipality_rating", "municipality_name", short=True, worst=True, top=5),
            ],
        ],
        filters=_APPEAL_FILTERS,
    ),
]  # fmt: skip

DASHBOARDS += [
    Dashboard(
        "deadlines",
        "Сроки рассмотрения",
        "Доля ответов в срок, просроченный остаток и его давность, время до первого ответа и до ответа "
        "по органам власти, муниципалитетам, блокам и каналам; список просроченных сообщений ПОС.",
        rows=[
            [
                total("dl_on_time", "Доля ответов в срок", "on_time_share", dataset="appeals_daily", fmt=".1%",
                      width=3),
                total("dl_overdue", "Просроченный остаток", "overdue_now", dataset="appeals_daily", fmt=",d", width=3),
                total(
                    "dl_first_response", "Первый ответ в срок", "first_response_on_time_share",
                    dataset="appeals_daily", fmt=".1%", width=3,
                ),
                total(
                    "dl_mean_answer", "Среднее время до ответа, ч", "mean_hours_to_answer",
                    dataset="appeals_daily", fmt=",.1f", width=3,
                ),
            ],
            [
                timeseries(
                    "dl_on_time_monthly", "Доля ответов и первых ответов в срок по месяцам",
                    ["on_time_share", "first_response_on_time_share"], y_title="Доля", fmt=".0%",
                ),
                bars(
                    "dl_ageing_by_block", "Просроченный остаток по блокам и давности",
                    ["ageing_0_3d", "ageing_4_7d", "ageing_8_14d", "ageing_15_30d", "ageing_31d_plus"],
                    "block_name", y_title="Обращений", stack=True,
                ),
            ],
            [
                table(
                    "dl_by_agency", "Сроки по органам власти", "appeals_daily",
                    groupby=("agency_short_name",),
                    metrics=("received", "answered", "on_time_share", "overdue_now", "mean_hours_to_first_response",
                             "mean_hours_to_answer"),
                    order=[("overdue_now", False)], limit=100,
                ),
                table(
                    "dl_by_municipality", "Сроки по муниципалитетам", "appeals_daily",
                    groupby=("municipality_name",),
                    metrics=("received", "answered", "on_time_share", "overdue_now", "mean_hours_to_answer"),
                    order=[("overdue_now", False)], limit=100,
                ),
            ],
            [
                bars(
                    "dl_on_time_by_channel", "Доля ответов в срок по каналам", ["on_time_share"], "channel_name",
                    y_title="Доля в срок", fmt=".0%", width=4,
                ),
                bars(
                    "dl_time_by_block", "Среднее время до ответа по блокам, ч", ["mean_hours_to_answer"],
                    "block_name", y_title="Часов", fmt=",.0f", width=4,
                ),
                bars(
                    "dl_first_response_by_channel", "Среднее время до первого ответа по каналам, ч",
                    ["mean_hours_to_first_response"], "channel_name", y_title="Часов", fmt=",.1f", width=4,
                ),
            ],
            [
                table(
                    "dl_overdue_pos", "Просроченные сообщения ПОС (ссылки открывают сообщение в ПОС)",
                    "overdue_pos",
                    columns=("pos_link_html", "received_date", "due_date", "days_overdue", "agency_short_name",
                             "municipality_name", "block_name", "category_name"),
                    order=[("days_overdue", False)], limit=1000, width=12,
                ),
            ],
        ],
        filters=_APPEAL_FILTERS,
    ),
    Dashboard(
        "satisfaction",
        "Удовлетворенность",
        "Оценки заявителей и реакции авторов в соцсетях: распределение, доли, по блокам, органам власти и каналам.",
        rows=[
            [
                total("sat_share", "Удовлетворенность", "satisfaction_share", dataset="appeals_daily", fmt=".1%",
                      subheader="оценки 4–5 и «Автор доволен»", width=3),
                total("sat_4_5", "Доля оценок 4–5", "rating_4_5_share", dataset="appeals_daily", fmt=".1%", width=3),
                total("sat_mean", "Средняя оценка", "mean_rating", dataset="appeals_daily", fmt=".2f", width=3),
                total("sat_negative", "Доля негативных", "negative_share", dataset="appeals_daily", fmt=".1%",
                      width=3),
            ],
            [
                timeseries(
                    "sat_ratings_monthly", "Оценки заявителей по месяцам",
                    ["rating_1", "rating_2", "rating_3", "rating_4", "rating_5"], y_title="Оценок", bar=True,
                ),
                timeseries(
                    "sat_reactions_monthly", "Реакции авторов в соцсетях по месяцам",
                    ["reaction_satisfied", "reaction_neutral", "reaction_dissatisfied"], y_title="Реакций", bar=True,
                ),
            ],
            [
                timeseries(
                    "sat_share_monthly", "Удовлетворенность и доля негативных по месяцам",
                    ["satisfaction_share", "negative_share"], y_title="Доля", fmt=".0%",
                ),
                bars("sat_by_block", "Удовлетворенность по блокам", ["satisfaction_share"], "block_name",
                     y_title="Доля", fmt=".0%"),
            ],
            [
                table(
                    "sat_by_agency", "Удовлетворенность по органам власти", "appeals_daily",
                    groupby=("agency_short_name",),
                    metrics=("answered", "satisfaction_share", "rating_4_5_share", "mean_rating", "negative_share"),
                    order=[("answered", False)], limit=100,
                ),
                bars("sat_by_channel", "Удовлетворенность по каналам", ["satisfaction_share"], "channel_name",
                     y_title="Доля", fmt=".0%"),
            ],
        ],
        filters=_APPEAL_FILTERS,
    ),
    Dashboard(
        "problem-categories",
        "Проблемные категории",
        "Главные категории каждого блока с ростом к прошлому периоду; «Прочие по направлению» отмечены "
        "и раскрыты по исходным категориям.",
        rows=[
            [
                table(
                    "pr_top", "Топ категорий каждого блока за прошлый месяц", "problem_categories",
                    columns=("block_name", "priority_rank", "category_name", "catch_all_flag", "appeal_count",
                             "previous_appeal_count", "growth_rate", "volume_share", "negative_share",
                             "overdue_share", "priority_score"),
                    order=[("block_name", True), ("priority_rank", True)],
                    where=[LAST_MONTH, "is_top"], limit=200, width=12,
                    column_config={
                        "growth_rate": {"d3NumberFormat": "+.0%"},
                        "volume_share": {"d3NumberFormat": ".0%"},
                        "negative_share": {"d3NumberFormat": ".0%"},
                        "overdue_share": {"d3NumberFormat": ".0%"},
                        "priority_score": {"d3NumberFormat": ".3f"},
                    },
                ),
            ],
            [
                Chart(
                    "pr_top_volume", "Обращений по главным категориям за прошлый месяц", "problem_categories",
                    "echarts_timeseries_bar",
                    {
                        "x_axis": "category_name", "metrics": ["appeals"], "groupby": [], "row_limit": 20,
                        "orientation": "horizontal", "x_axis_sort": "Обращений", "x_axis_sort_asc": False,
                        "y_axis_title": "Обращений", "y_axis_title_position": "Left", "y_axis_format": ",d",
                        "rich_tooltip": True, "show_legend": False, "show_value": True,
                        "timeseries_limit_metric": "appeals", "order_desc": True,
                    },
                    width=6, height=70,
                    where=[LAST_MONTH, "is_top"],
                ),
                table(
                    "pr_catch_all", "Что внутри «Прочих по направлению» за прошлый месяц", "catch_all_breakdown",
                    columns=("block_name", "source_category", "source_subcategory", "appeal_count",
                             "share_of_catch_all"),
                    order=[("appeal_count", False)], where=[LAST_MONTH],
                    limit=100, column_config={"share_of_catch_all": {"d3NumberFormat": ".0%"}},
                ),
            ],
        ],
        filters={"Период": "", "Блок": "problem_categories"},
    ),
    Dashboard(
        "ratings",
        "Рейтинг органов власти и муниципалитетов",
        "Места, баллы по четырем осям (количество, качество, скорость, полнота) и движение за прошлый месяц.",
        rows=[
            [
                markdown(
                    "**Методика рейтинга.** Итоговый балл (0–100) складывается из четырех осей: "
                    "*количество*, *качество*, *скорость* и *полнота*; веса и показатели задает регион "
                    "(`seeds/reference/rating_weights.csv`). Полный текст методики — "
                    "`docs/rating-methodology.md` в репозитории tsur (формируется командой `make methodology`). "
                    "Ниже — последний завершенный месяц; «Движение» сравнивает место с прошлым месяцем; "
                    "в конце страницы — оси, показатели и веса методики.",
                    height=14,
                ),
            ],
            [
                _rating_table("rt_agencies", "Рейтинг органов власти", "agency_rating", "agency_short_name"),
                _rating_table("rt_municipalities", "Рейтинг муниципалитетов", "municipality_rating",
                              "municipality_name"),
            ],
            [
                Chart(
                    "rt_agency_axes", "Баллы органов власти по осям", "agency_rating", "echarts_timeseries_bar",
                    {
                        "x_axis": "agency_short_name",
                        "metrics": [
                            {"expressionType": "SQL", "sqlExpression": f"MAX({axis}_score)", "label": label,
                             "hasCustomLabel": True}
                            for axis, label in [("quantity", "Количество"), ("quality", "Качество"),
                                                ("speed", "Скорость"), ("completeness", "Полнота")]
                        ],
                        "groupby": [], "row_limit": 30, "orientation": "horizontal", "stack": None,
                        "y_axis_title": "Балл", "y_axis_format": ".0f", "rich_tooltip": True, "show_legend": True,
                        "legendOrientation": "top",
                    },
                    width=6, height=80, where=[LAST_MONTH, "is_rated"],
                ),
                Chart(
                    "rt_municipality_axes", "Баллы муниципалитетов по осям", "municipality_rating",
                    "echarts_timeseries_bar",
                    {
                        "x_axis": "municipality_name",
                        "metrics": [
                            {"expressionType": "SQL", "sqlExpression": f"MAX({axis}_score)", "label": label,
                             "hasCustomLabel": True}
                            for axis, label in [("quantity", "Количество"), ("quality", "Качество"),
                                                ("speed", "Скорость"), ("completeness", "Полнота")]
                        ],
                        "groupby": [], "row_limit": 40, "orientation": "horizontal", "stack": None,
                        "y_axis_title": "Балл", "y_axis_format": ".0f", "rich_tooltip": True, "show_legend": True,
                        "legendOrientation": "top",
                    },
                    width=6, height=80, where=[LAST_MONTH, "is_rated"],
                ),
            ],
            [markdown(_methodology_weights(), height=150)],
        ],
        filters={"Период": "", "Орган власти": "agency_rating", "Муниципалитет": "municipality_rating"},
    ),
    Dashboard(
        "roadmap-and-indicators",
        "Дорожная карта и показатели",
        "Мероприятия дорожной карты и их сроки по ответственным; целевые показатели против целей.",
        rows=[
            [
                total("rm_events", "Мероприятий", "events", dataset="roadmap_performance", fmt=",d",
                      where=["is_latest_version"], width=3),
                total("rm_due", "Срок наступил", "events_due", dataset="roadmap_performance", fmt=",d",
                      where=["is_latest_version"], width=3),
                total("rm_on_time", "Выполнено в срок", "done_on_time_share", dataset="roadmap_performance",
                      fmt=".1%", subheader="из мероприятий со сроком", where=["is_latest_version"], width=3),
                total("rm_overdue", "Просрочено", "events_overdue", dataset="roadmap_performance", fmt=",d",
                      where=["is_latest_version"], width=3),
            ],
            [
                table(
                    "rm_by_responsible", "Исполнение по ответственным (последняя версия)", "roadmap_performance",
                    columns=("responsible_agency", "events", "events_due", "events_done_on_time",
                             "events_done_late", "events_overdue", "events_due_date_moved"),
                    order=[("events_overdue", False)], where=["is_latest_version"], limit=100,
                ),
                table(
                    "rm_indicators", "Показатели и цели", "indicator_progress",
                    columns=("indicator_year", "indicator_name", "unit", "target_value", "actual_value", "deadline",
                             "status_label"),
                    order=[("indicator_year", False)], limit=200,
                ),
            ],
            [
                table(
                    "rm_events_list", "Мероприятия: просроченные и с перенесенным сроком", "roadmap_events",
                    columns=("event_number", "event_name", "responsible_agency", "original_due_date", "due_date",
                             "due_date_moves", "status", "done_date"),
                    order=[("due_date", True)], where=["is_overdue OR due_date_moves > 0"], limit=500, width=12,
                ),
            ],
        ],
        filters={"Период": ""},
    ),
    Dashboard(
        "data-quality",
        "Качество данных",
        "Результаты проверок качества (Great Expectations), загруженные и отклоненные файлы и строки в карантине "
        "по файлу, полю и причине (без самих значений).",
        rows=[
            [
                total("dq_checks_passed", "Проверок пройдено", "passed_share", dataset="dq_latest", fmt=".1%",
                      subheader="последний результат каждой проверки", width=4),
                total("dq_critical", "Критичных ошибок", "critical_failed", dataset="dq_latest", fmt=",d",
                      subheader="останавливают сборку витрин", width=4),
                total("dq_warnings", "Предупреждений", "warnings_failed", dataset="dq_latest", fmt=",d", width=4),
            ],
            [
                table(
                    "dq_failed_checks", "Не пройденные проверки (последний результат)", "dq_latest",
                    columns=("severity_label", "table_name", "description", "unexpected_count", "element_count",
                             "checked_at", "error"),
                    order=[("severity_label", True)], where=["NOT success"], limit=500, width=12,
                ),
            ],
            [
                total("dq_files", "Файлов загружено", "files", dataset="load_files", fmt=",d", width=3),
                total("dq_rejected", "Файлов отклонено", "files_rejected", dataset="load_files", fmt=",d", width=3),
                total("dq_rows", "Строк загружено", "rows_loaded", dataset="load_files", fmt=",d", width=3),
                total("dq_quarantined", "Строк в карантине", "rows_quarantined", dataset="load_files", fmt=",d",
                      width=3),
            ],
            [
                table(
                    "dq_by_feed", "Загрузки по источникам", "load_files", groupby=("feed",),
                    metrics=("files", "files_rejected", "rows_read", "rows_loaded", "rows_quarantined"),
                    order=[("rows_read", False)], width=6,
                ),
                table(
                    "dq_reasons", "Карантин: поле и причина", "quarantine_reasons", groupby=("feed", "field", "reason"),
                    metrics=("rows",), order=[("rows", False)], width=6,
                ),
            ],
            [
                table(
                    "dq_files_list", "Файлы", "load_files",
                    columns=("loaded_date", "feed", "file_name", "status_label", "rows_read", "rows_loaded",
                             "rows_quarantined", "error"),
                    order=[("loaded_date", False)], limit=1000, width=12,
                ),
            ],
        ],
        filters={"Период": ""},
    ),
]  # fmt: skip

# ----------------------------------------------------------------------------- the bundle


def _dataset_file(dataset: Dataset) -> str:
    return f"datasets/tsur_marts/{dataset.key}.yaml"


def _dataset_yaml(dataset: Dataset) -> dict[str, Any]:
    columns = [
        {
            "column_name": name,
            "verbose_name": label,
            "is_dttm": name == dataset.dttm or kind.startswith(("DATE", "TIMESTAMP")),
            "is_active": True,
            "type": kind,
            "advanced_data_type": None,
            "groupby": True,
            "filterable": True,
            "expression": None,
            "description": None,
            "python_date_format": None,
            "extra": {},
        }
        for name, (kind, label) in dataset.columns.items()
    ]
    columns += [
        {
            "column_name": name,
            "verbose_name": label,
            "is_dttm": "::date" in expression,
            "is_active": True,
            "type": "DATE" if "::date" in expression else "TEXT",
            "advanced_data_type": None,
            "groupby": True,
            "filterable": True,
            "expression": expression,
            "description": None,
            "python_date_format": None,
            "extra": {},
        }
        for name, (expression, label) in dataset.computed.items()
    ]
    metrics = [
        {
            "metric_name": name,
            "verbose_name": label,
            "metric_type": None,
            "expression": expression,
            "description": None,
            "d3format": fmt,
            "currency": None,
            "extra": {},
            "warning_text": None,
        }
        for name, (expression, label, fmt) in dataset.metrics.items()
    ]
    return {
        "table_name": dataset.table,
        "main_dttm_col": dataset.dttm,
        "description": dataset.description,
        "default_endpoint": None,
        "offset": 0,
        "cache_timeout": None,
        "catalog": None,
        "schema": dataset.schema,
        "sql": dataset.sql,
        "params": None,
        "template_params": None,
        "filter_select_enabled": True,
        "fetch_values_predicate": None,
        "extra": None,
        "normalize_columns": False,
        "always_filter_main_dttm": False,
        "uuid": _uuid("dataset", dataset.key),
        "metrics": metrics,
        "columns": columns,
        "version": "1.0.0",
        "database_uuid": _uuid("database", "tsur_marts"),
    }


def _chart_yaml(chart: Chart) -> dict[str, Any]:
    params = {"viz_type": chart.viz, **chart.params, "adhoc_filters": _filters(chart)}
    params = {key: value for key, value in params.items() if value is not None}
    return {
        "slice_name": chart.title,
        "description": chart.description,
        "certified_by": None,
        "certification_details": None,
        "viz_type": chart.viz,
        "params": params,
        "query_context": None,
        "cache_timeout": None,
        "uuid": _uuid("chart", chart.key),
        "version": "1.0.0",
        "dataset_uuid": _uuid("dataset", chart.dataset),
    }


def _dashboard_yaml(dashboard: Dashboard, chart_ids: dict[str, int]) -> dict[str, Any]:
    position: dict[str, Any] = {
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]},
        "GRID_ID": {"type": "GRID", "id": "GRID_ID", "children": [], "parents": ["ROOT_ID"]},
        "HEADER_ID": {"id": "HEADER_ID", "type": "HEADER", "meta": {"text": dashboard.title}},
    }
    ids_here: list[int] = []
    columns_of: dict[int, set[str]] = {}  # chart id -> the columns its dataset has
    for row_number, row in enumerate(dashboard.rows, start=1):
        row_id = f"ROW-{dashboard.key}-{row_number}"
        position["GRID_ID"]["children"].append(row_id)
        position[row_id] = {
            "type": "ROW",
            "id": row_id,
            "children": [],
            "parents": ["ROOT_ID", "GRID_ID"],
            "meta": {"background": "BACKGROUND_TRANSPARENT"},
        }
        for item_number, item in enumerate(row, start=1):
            parents = ["ROOT_ID", "GRID_ID", row_id]
            if isinstance(item, Chart):
                item_id = f"CHART-{item.key}"
                meta = {
                    "chartId": chart_ids[item.key],
                    "height": item.height,
                    "width": item.width,
                    "sliceName": item.title,
                    "uuid": _uuid("chart", item.key),
                }
                position[item_id] = {"type": "CHART", "id": item_id, "children": [], "parents": parents, "meta": meta}
                ids_here.append(chart_ids[item.key])
                dataset = DATASETS_BY_KEY[item.dataset]
                columns_of[chart_ids[item.key]] = {*dataset.columns, *dataset.computed, "__time__" * bool(dataset.dttm)}
            else:
                item_id = f"MARKDOWN-{dashboard.key}-{row_number}-{item_number}"
                meta = {"code": item["markdown"], "height": item["height"], "width": item["width"]}
                position[item_id] = {
                    "type": "MARKDOWN",
                    "id": item_id,
                    "children": [],
                    "parents": parents,
                    "meta": meta,
                }
            position[row_id]["children"].append(item_id)

    native_filters = []
    for name, dataset_key in dashboard.filters.items():
        # A filter acts on the charts whose dataset has its column, and only those show it as applied.
        column = _FILTER_COLUMNS.get(name, "__time__")
        in_scope = [chart_id for chart_id in ids_here if column in columns_of[chart_id]]
        spec: dict[str, Any] = {
            "id": f"NATIVE_FILTER-{_uuid('filter', dashboard.key, name)[:18]}",
            "name": name,
            "type": "NATIVE_FILTER",
            "description": "",
            "cascadeParentIds": [],
            "scope": {"rootPath": ["ROOT_ID"], "excluded": [i for i in ids_here if i not in in_scope]},
            "chartsInScope": in_scope,
            "tabsInScope": [],
            "defaultDataMask": {"extraFormData": {}, "filterState": {}, "ownState": {}},
        }
        if not dataset_key:
            spec |= {"filterType": "filter_time", "targets": [{}], "controlValues": {"enableEmptyFilter": False}}
        else:
            spec |= {
                "filterType": "filter_select",
                "targets": [{"datasetUuid": _uuid("dataset", dataset_key), "column": {"name": _FILTER_COLUMNS[name]}}],
                "controlValues": {
                    "enableEmptyFilter": False,
                    "multiSelect": True,
                    "searchAllOptions": False,
                    "inverseSelection": False,
                    "defaultToFirstItem": False,
                    "sortAscending": True,
                },
            }
        native_filters.append(spec)

    return {
        "dashboard_title": dashboard.title,
        "description": dashboard.description,
        "css": "",
        "slug": dashboard.key,
        "certified_by": "ЦУР",
        "certification_details": "Официальный отчет (superset_dashboards/, импортируется tsur serve)",
        "published": True,
        "uuid": _uuid("dashboard", dashboard.key),
        "position": position,
        "metadata": {
            "color_scheme": "supersetColors",
            "label_colors": {},
            "shared_label_colors": [],
            "color_scheme_domain": [],
            "cross_filters_enabled": False,
            "refresh_frequency": 0,
            "timed_refresh_immune_slices": [],
            "expanded_slices": {},
            "default_filters": "{}",
            "chart_configuration": {},
            "global_chart_configuration": {
                "scope": {"rootPath": ["ROOT_ID"], "excluded": []},
                "chartsInScope": ids_here,
            },
            "native_filter_configuration": native_filters,
        },
        "version": "1.0.0",
    }


def charts() -> list[Chart]:
    return [item for dashboard in DASHBOARDS for row in dashboard.rows for item in row if isinstance(item, Chart)]


def render() -> dict[str, str]:
    """Every file of the bundle, by its path inside it."""

    def dump(data: Any) -> str:
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)

    files = {
        "metadata.yaml": dump({"version": "1.0.0", "type": "Dashboard", "timestamp": "2026-01-01T00:00:00+00:00"}),
        DATABASE_FILE: dump(
            {
                "database_name": DATABASE_NAME,
                "sqlalchemy_uri": DATABASE_URI_PLACEHOLDER,
                "cache_timeout": None,
                "expose_in_sqllab": True,
                "allow_run_async": False,
                "allow_ctas": False,
                "allow_cvas": False,
                "allow_dml": False,
                "allow_file_upload": False,
                "extra": {"allows_virtual_table_explore": True, "schema_options": {"expose_in_sqllab": True}},
                "uuid": _uuid("database", "tsur_marts"),
                "version": "1.0.0",
            }
        ),
    }
    for dataset in DATASETS:
        files[_dataset_file(dataset)] = dump(_dataset_yaml(dataset))
    all_charts = charts()
    keys = [chart.key for chart in all_charts]
    duplicates = {key for key in keys if keys.count(key) > 1}
    if duplicates:
        raise ValueError(f"chart keys used twice: {sorted(duplicates)}")
    chart_ids = {chart.key: number for number, chart in enumerate(all_charts, start=1)}
    for chart in all_charts:
        files[f"charts/{chart.key}.yaml"] = dump(_chart_yaml(chart))
    for dashboard in DASHBOARDS:
        files[f"dashboards/{dashboard.key}.yaml"] = dump(_dashboard_yaml(dashboard, chart_ids))
    return files


def write(folder: Path = BUNDLE_DIR) -> list[Path]:
    """Write the bundle to ``folder``, removing files no declaration makes any more."""
    files = render()
    for stale in folder.rglob("*.yaml") if folder.exists() else []:
        if stale.relative_to(folder).as_posix() not in files:
            stale.unlink()
    written = []
    for relative, text in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    print(f"{len(write())} files written to {BUNDLE_DIR.relative_to(PROJECT_ROOT)}")
