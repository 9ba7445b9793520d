"""The package's tables: what each file holds, its columns (English key, Russian header, type) and its query.

This module is the format (docs/exports.md is its description): a column's
key, header, type and decimals are a promise to the recipient and change only
with ``SCHEMA_VERSION``. Every query reads the marts only (agg_* and dims),
which hold no personal data, and returns rows in a stable order: text keys
sort ``collate "C"``, so the order (and the bytes) do not depend on the
server's locale.
"""

from __future__ import annotations

from dataclasses import dataclass

SCHEMA_VERSION = "1.0"


@dataclass(frozen=True)
class Column:
    key: str  # English key: the query's column name and the manifest's
    header: str  # Russian header in the CSV and XLSX
    kind: str  # text | int | decimal | percent | date | bool
    decimals: int = 0  # for decimal and percent


@dataclass(frozen=True)
class Table:
    name: str  # file name without extension
    sheet: str  # XLSX sheet name (≤ 31 characters)
    title: str  # what it is, in Russian
    key: tuple[str, ...]  # columns that identify a row (for revision diffs)
    columns: tuple[Column, ...]
    sql: str  # parameters: region, grain, period_start, period_end
    kinds: tuple[str, ...] = ("weekly", "monthly", "quarterly")

    def header(self) -> list[str]:
        return [c.header for c in self.columns]


def _c(key: str, header: str, kind: str = "int", decimals: int = 0) -> Column:
    return Column(key, header, kind, decimals)


# The dimensions of agg_appeals_by_period, in the order the file lists them.
DIMENSIONS = ("region", "block", "category", "channel", "agency", "municipality")

APPEALS = Table(
    name="appeals",
    sheet="Обращения",
    title="Обращения: объемы, сроки, время ответа, удовлетворенность — по региону и разрезам",
    key=("dimension", "dimension_code"),
    columns=(
        _c("dimension", "Разрез", "text"),
        _c("dimension_code", "Код", "text"),
        _c("dimension_name", "Наименование", "text"),
        _c("received", "Поступило"),
        _c("rejected", "Отклонено модерацией"),
        _c("repeat", "Повторные"),
        _c("redirected", "Перенаправлено"),
        _c("answered", "Дан ответ"),
        _c("answered_with_deadline", "Ответы со сроком"),
        _c("answered_on_time", "Ответы в срок"),
        _c("on_time_share", "Доля ответов в срок, %", "percent", 2),
        _c("open_at_period_end", "На рассмотрении на конец периода"),
        _c("overdue_open_at_period_end", "Из них просрочено"),
        _c("first_response_count", "С первым ответом"),
        _c("first_response_on_time_share", "Доля первых ответов в срок, %", "percent", 2),
        _c("mean_hours_to_first_response", "Среднее время до первого ответа, ч", "decimal", 1),
        _c("median_hours_to_first_response", "Медиана времени до первого ответа, ч", "decimal", 1),
        _c("mean_working_hours_to_first_response", "Среднее время до первого ответа, рабочие ч", "decimal", 1),
        _c("mean_hours_to_answer", "Среднее время до ответа, ч", "decimal", 1),
        _c("median_hours_to_answer", "Медиана времени до ответа, ч", "decimal", 1),
        _c("p90_hours_to_answer", "90-й процентиль времени до ответа, ч", "decimal", 1),
        _c("mean_working_hours_to_answer", "Среднее время до ответа, рабочие ч", "decimal", 1),
        _c("rated", "Оценено заявителями (1–5)"),
        _c("mean_rating", "Средняя оценка", "decimal", 2),
        _c("rating_4_5_share", "Доля оценок 4–5, %", "percent", 2),
        _c("assessed", "С оценкой или реакцией"),
        _c("satisfied", "Удовлетворены"),
        _c("negative", "Недовольны"),
        _c("satisfaction_share", "Доля удовлетворенных, %", "percent", 2),
        _c("negative_share", "Доля недовольных, %", "percent", 2),
        _c("formal_reply_share", "Доля формальных ответов, %", "percent", 2),
    ),
    sql="""
        select
            p.dimension,
            coalesce(p.dimension_value, '') as dimension_code,
            coalesce(p.dimension_label, 'не определено') as dimension_name,
            p.received_count as received,
            p.received_rejected_count as rejected,
            p.received_repeat_count as repeat,
            p.received_redirected_count as redirected,
            p.answered_count as answered,
            p.answered_with_deadline_count as answered_with_deadline,
            p.answered_on_time_count as answered_on_time,
            p.on_time_share,
            p.open_at_period_end,
            p.overdue_open_at_period_end,
            p.first_response_count,
            p.first_response_on_time_share,
            p.mean_hours_to_first_response,
            t.median_hours_to_first_response,
            p.mean_working_hours_to_first_response,
            p.mean_hours_to_answer,
            t.median_hours_to_answer,
            t.p90_hours_to_answer,
            p.mean_working_hours_to_answer,
            p.rated_count as rated,
            p.mean_rating,
            p.rating_4_5_share,
            p.assessed_count as assessed,
            p.satisfied_count as satisfied,
            p.negative_count as negative,
            p.satisfaction_share,
            p.negative_share,
            p.formal_reply_share
        from marts.agg_appeals_by_period as p
        left join marts.agg_appeal_times_by_period as t
            on t.period_grain = p.period_grain and t.period_start = p.period_start
            and t.region_code = p.region_code and t.dimension = p.dimension
            and t.dimension_value is not distinct from p.dimension_value
        where p.region_code = %(region)s and p.period_grain = %(grain)s and p.period_start = %(period_start)s
            and p.dimension = any(%(dimensions)s)
        order by array_position(%(dimensions)s, p.dimension), p.dimension_value collate "C" nulls last
    """,
)

PROBLEM_CATEGORIES = Table(
    name="problem_categories",
    sheet="Проблемные категории",
    title="Проблемные категории по тематическим блокам: объем, рост, негатив, просрочки, приоритет",
    key=("block_code", "category_code"),
    columns=(
        _c("block_code", "Код блока", "text"),
        _c("block_name", "Тематический блок", "text"),
        _c("priority_rank", "Место в блоке"),
        _c("category_code", "Код категории", "text"),
        _c("category_name", "Категория", "text"),
        _c("is_catch_all", "Прочие по направлению", "bool"),
        _c("is_top", "В топе блока", "bool"),
        _c("appeal_count", "Обращений"),
        _c("previous_appeal_count", "Обращений в предыдущем периоде"),
        _c("volume_share", "Доля в блоке, %", "percent", 2),
        _c("growth_rate", "Рост к предыдущему периоду, %", "percent", 2),
        _c("negative_share", "Доля недовольных, %", "percent", 2),
        _c("overdue_share", "Доля просроченных, %", "percent", 2),
        _c("priority_score", "Приоритет (0–1)", "decimal", 4),
    ),
    sql="""
        select block_code, block_name, priority_rank, category_code, category_name, is_catch_all, is_top,
            appeal_count, previous_appeal_count, volume_share, growth_rate, negative_share, overdue_share,
            priority_score
        from marts.agg_problem_categories
        where region_code = %(region)s and period_grain = %(grain)s and period_start = %(period_start)s
        order by block_code collate "C", priority_rank, category_code collate "C"
    """,
)

_RATING_SCORES = (
    _c("appeals_received", "Поступило обращений"),
    _c("appeals_answered", "Дан ответ"),
    _c("is_rated", "Участвует в рейтинге", "bool"),
    _c("not_rated_reason", "Причина неучастия", "text"),
    _c("quantity_score", "Количество, баллы", "decimal", 2),
    _c("quality_score", "Качество, баллы", "decimal", 2),
    _c("speed_score", "Оперативность, баллы", "decimal", 2),
    _c("completeness_score", "Полнота реагирования, баллы", "decimal", 2),
    _c("total_score", "Итоговый балл", "decimal", 2),
    _c("rating_rank", "Место"),
    _c("rated_entities", "Участников рейтинга"),
    _c("previous_rank", "Место в предыдущем периоде"),
    _c("movement", "Динамика", "text"),
)
_RATING_SELECT = """appeals_received, appeals_answered, is_rated, not_rated_reason, quantity_score, quality_score,
            speed_score, completeness_score, total_score, rating_rank, rated_entities, previous_rank, movement"""

AGENCY_RATING = Table(
    name="agency_rating",
    sheet="Рейтинг органов власти",
    title="Рейтинг органов власти (методика: docs/rating-methodology.md)",
    key=("agency_id",),
    columns=(
        _c("agency_id", "Код органа", "text"),
        _c("agency_name", "Орган власти", "text"),
        _c("agency_kind", "Вид органа", "text"),
        *_RATING_SCORES,
    ),
    sql=f"""
        select agency_id, agency_short_name as agency_name, agency_kind, {_RATING_SELECT}
        from marts.agg_agency_rating
        where region_code = %(region)s and period_grain = %(grain)s and period_start = %(period_start)s
        order by rating_rank nulls last, agency_id collate "C"
    """,
    kinds=("monthly", "quarterly"),
)

MUNICIPALITY_RATING = Table(
    name="municipality_rating",
    sheet="Рейтинг муниципалитетов",
    title="Рейтинг муниципальных образований (методика: docs/rating-methodology.md)",
    key=("municipality_oktmo",),
    columns=(
        _c("municipality_oktmo", "ОКТМО", "text"),
        _c("municipality_name", "Муниципальное образование", "text"),
        _c("municipality_kind", "Вид", "text"),
        _c("population", "Население"),
        *_RATING_SCORES,
    ),
    sql=f"""
        select municipality_oktmo, municipality_name, municipality_kind, population, {_RATING_SELECT}
        from marts.agg_municipality_rating
        where region_code = %(region)s and period_grain = %(grain)s and period_start = %(period_start)s
        order by rating_rank nulls last, municipality_oktmo collate "C"
    """,
    kinds=("monthly", "quarterly"),
)

# The roadmap's newest version, by responsible agency. The agency as the file
# writes it may be a person's name, so only the resolved agency goes out.
ROADMAP = Table(
    name="roadmap",
    sheet="Дорожная карта",
    title="Дорожная карта (последняя версия) по ответственным органам, на дату актуальности данных",
    key=("roadmap_version", "agency_id"),
    columns=(
        _c("roadmap_version", "Версия дорожной карты", "text"),
        _c("agency_id", "Код органа", "text"),
        _c("agency_name", "Ответственный орган", "text"),
        _c("events", "Мероприятий"),
        _c("events_due", "Срок наступил"),
        _c("events_done_on_time", "Выполнено в срок"),
        _c("events_done_late", "Выполнено с нарушением срока"),
        _c("events_overdue", "Просрочено"),
        _c("events_not_yet_due", "Срок не наступил"),
        _c("events_cancelled", "Отменено"),
        _c("events_due_date_moved", "Перенесен срок"),
        _c("done_on_time_share", "Доля выполненных в срок, %", "percent", 2),
        _c("overdue_share", "Доля просроченных, %", "percent", 2),
        _c("as_of_date", "Дата актуальности", "date"),
    ),
    sql="""
        with latest as (
            select
                r.roadmap_version,
                coalesce(r.responsible_agency_id, '') as agency_id,
                sum(r.events) as events,
                sum(r.events_due) as events_due,
                sum(r.events_done_on_time) as events_done_on_time,
                sum(r.events_done_late) as events_done_late,
                sum(r.events_overdue) as events_overdue,
                sum(r.events_not_yet_due) as events_not_yet_due,
                sum(r.events_cancelled) as events_cancelled,
                sum(r.events_due_date_moved) as events_due_date_moved,
                max(r.as_of_date) as as_of_date
            from marts.agg_roadmap_performance as r
            where r.region_code = %(region)s and r.is_latest_version
            group by 1, 2
        )
        select
            latest.roadmap_version,
            latest.agency_id,
            coalesce(a.short_name, 'не сопоставлен со справочником') as agency_name,
            latest.events, latest.events_due, latest.events_done_on_time, latest.events_done_late,
            latest.events_overdue, latest.events_not_yet_due, latest.events_cancelled, latest.events_due_date_moved,
            latest.events_done_on_time::float8 / nullif(latest.events_due, 0) as done_on_time_share,
            latest.events_overdue::float8 / nullif(latest.events_due, 0) as overdue_share,
            latest.as_of_date
        from latest
        left join marts.dim_agency as a on a.agency_id = latest.agency_id and a.is_current_version
        order by latest.roadmap_version collate "C", latest.agency_id collate "C"
    """,
)

INDICATORS = Table(
    name="indicators",
    sheet="Показатели",
    title="Целевые показатели года, к которому относится конец периода, на дату актуальности данных",
    key=("indicator_year", "indicator_code"),
    columns=(
        _c("indicator_year", "Год"),
        _c("indicator_code", "Код показателя", "text"),
        _c("indicator_name", "Показатель", "text"),
        _c("indicator_kind", "Вид (mandatory — обязательный, additional — дополнительный)", "text"),
        _c("unit", "Единица измерения", "text"),
        _c("direction", "Направление (higher_is_better / lower_is_better)", "text"),
        _c("target_value", "Целевое значение", "decimal", 2),
        _c("actual_value", "Фактическое значение", "decimal", 2),
        _c("actual_source", "Источник значения (computed / reported)", "text"),
        _c("deadline", "Срок достижения", "date"),
        _c("data_through", "Данные по", "date"),
        _c("status", "Статус", "text"),
    ),
    sql="""
        select indicator_year, indicator_code, indicator_name, indicator_kind, unit, direction, target_value,
            actual_value, actual_source, deadline, data_through, status
        from marts.agg_indicator_progress
        where region_code = %(region)s and indicator_year = extract(year from %(period_end)s::date)::int
        order by indicator_code collate "C"
    """,
)

TABLES = (APPEALS, PROBLEM_CATEGORIES, AGENCY_RATING, MUNICIPALITY_RATING, ROADMAP, INDICATORS)


def tables_for(kind: str) -> tuple[Table, ...]:
    return tuple(t for t in TABLES if kind in t.kinds)
