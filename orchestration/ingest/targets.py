"""The raw tables that feeds load into, field by field.

A *target* is a raw table with a fixed set of canonical fields. Feed mapping
files (``seeds/feeds/*.yml``) say which column of a source file fills which
field; the loader converts and validates every value against the field's type
here, so the raw layer is typed and every bad value is quarantined with a
reason. The dbt sources in ``dbt_project/models/staging`` mirror these tables.

``pii=True`` marks personal data (citizens' names, contacts, addresses, texts,
profile links; officials' names). Such fields never leave the raw layer:
staging reads them only to derive hashes or flags.
"""

from __future__ import annotations

from dataclasses import dataclass

# Value types a field can have; the loader has one converter per type.
FIELD_TYPES = ("text", "integer", "numeric", "date", "timestamp", "boolean", "duration")

# Postgres column type for each field type. Timestamps are local wall-clock
# time of the region, as the sources give them; staging attaches the time zone.
SQL_TYPES = {
    "text": "text",
    "integer": "bigint",
    "numeric": "numeric",
    "date": "date",
    "timestamp": "timestamp without time zone",
    "boolean": "boolean",
    "duration": "interval",
}

# Metadata columns every raw table carries, in this order, before the fields.
META_COLUMNS = (
    ("_load_id", "bigint not null"),
    ("_feed", "text not null"),
    ("_exported_at", "timestamp without time zone not null"),
    ("_row_number", "integer not null"),
)


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    description: str
    pii: bool = False

    def __post_init__(self) -> None:
        if self.type not in FIELD_TYPES:
            raise ValueError(f"field {self.name}: unknown type {self.type!r}")


@dataclass(frozen=True)
class Target:
    name: str
    description: str
    fields: tuple[Field, ...]

    @property
    def table(self) -> str:
        return f"raw.{self.name}"

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


def _f(name: str, type_: str, description: str, pii: bool = False) -> Field:
    return Field(name, type_, description, pii)


POS_MESSAGES = Target(
    "pos_messages",
    "ПОС back-office export: one row per message per export; every version kept.",
    (
        _f("pos_number", "integer", "Номер: the message id in ПОС (key)."),
        _f("epgu_number", "text", "Номер ЕПГУ."),
        _f("source_code", "text", "Источник: widget or service code, e.g. MED_DOC_EPGU."),
        _f("top_level_lko", "text", "Верхнеуровневый ЛКО: top-level organisation (the region)."),
        _f("category", "text", "Категория (ПОС taxonomy)."),
        _f("subcategory", "text", "Подкатегория (ПОС taxonomy)."),
        _f("fact", "text", "Факт: the standard fact chosen by the applicant."),
        _f("org_received", "text", "Организация, в которую поступило сообщение."),
        _f("org_current", "text", "Организация, в которой находится сообщение."),
        _f("received_at", "timestamp", "Дата поступления (local time; date only in most exports)."),
        _f("planned_completion_at", "timestamp", "Дата планируемого завершения работ (authoritative due date)."),
        _f("actual_completion_at", "timestamp", "Дата фактического завершения работ."),
        _f("stage", "text", "Стадия, e.g. Модерация, Исполнение, Завершено."),
        _f("status", "text", "Статус, e.g. Назначен исполнитель, Отправлен ответ заявителю."),
        _f("is_overdue", "boolean", "Просрочено (authoritative overdue flag)."),
        _f("is_fast_track", "boolean", "Фаст-трек."),
        _f("fz_kind", "text", "ФЗ: Обычное сообщение or a 59-ФЗ marker."),
        _f("chose_59fz", "boolean", "Заявитель выбрал подачу по 59-ФЗ."),
        _f("decision_type", "text", "Тип решения: Решено, Разъяснено, Не решено."),
        _f("emailed_to_foiv", "boolean", "Направлено по email в ФОИВ, не подключенный к ПОС."),
        _f("rating", "integer", "Оценка ответа заявителем, 1 to 5."),
        _f("is_repeat_review", "boolean", "Повторное рассмотрение."),
        _f("coordinator_name", "text", "ФИО координатора.", pii=True),
        _f("executor_name", "text", "ФИО исполнителя.", pii=True),
        _f("head_name", "text", "ФИО руководителя.", pii=True),
    ),
)

IM_INCIDENTS = Target(
    "im_incidents",
    "Инцидент Менеджмент export: one row per social-network incident per export.",
    (
        _f("cabinet", "text", "Кабинет: the IM cabinet (region or organisation)."),
        _f("im_id", "text", "ID: the incident id in IM (key)."),
        _f("incident_number", "text", "Номер инцидента."),
        _f("department", "text", "Отдел: the ЦУР department handling it."),
        _f("executor_org", "text", "Исполнитель: the organisation answering (профильный исполнитель)."),
        _f("first_response_at", "timestamp", "Общее время первого ответа."),
        _f("first_response_text", "text", "Общий текст первого ответа.", pii=True),
        _f("first_response_duration", "duration", "Время с даты создания инцидента до времени первого ответа."),
        _f("first_response_working_duration", "duration", "The same, in working time."),
        _f("last_executor_assigned_at", "timestamp", "Время назначения последнего исполнителя."),
        _f("executor_first_response_at", "timestamp", "Время 1го ответа ПИ."),
        _f("executor_first_reaction_duration", "duration", "Первая реакция с момента назн. ПИ."),
        _f("executor_met_deadline", "boolean", "Уложились или нет после назн. ПИ."),
        _f("resolution_duration", "duration", "Время с начала создания инцидента до окончания."),
        _f("executor_answer_sent_for_approval_at", "timestamp", "Время отправки первого ответа ПИ на согласование."),
        _f(
            "executor_answer_approval_duration", "duration", "Время, которое первый ответ ПИ находился на согласовании."
        ),
        _f("current_step", "text", "Текущий шаг инцидента, e.g. Готово, Оценка удовлетворенности."),
        _f("created_at", "timestamp", "Дата создания (local time)."),
        _f("closed_at", "timestamp", "Дата окончания (local time)."),
        _f("topic_group", "text", "Группа тем (about 26 values)."),
        _f("topic", "text", "Тема."),
        _f("region_name", "text", "Регион."),
        _f("municipality_name", "text", "Муниципалитет."),
        _f("locality", "text", "Населенный пункт."),
        _f("street", "text", "Улица.", pii=True),
        _f("house", "text", "Дом.", pii=True),
        _f("object_old", "text", "Объект старый."),
        _f("object_name", "text", "Объект."),
        _f("incident_type", "text", "Тип инцидента: Решаемый or Информационный."),
        _f("outcome", "text", "Итог: Решено, Разъяснено, Не решено, Отложено."),
        _f("has_media_in_answer", "boolean", "Есть медиафайл в ответе."),
        _f("has_media_in_message", "boolean", "Есть медиафайл в сообщении."),
        _f("post_url", "text", "Урл поста.", pii=True),
        _f("blog_url", "text", "Урл блога (its host tells the social network).", pii=True),
        _f("incident_text", "text", "Текст инцидента.", pii=True),
        _f("executor_answer_1", "text", "1ый ответ ПИ.", pii=True),
        _f("executor_answer_2", "text", "2ой ответ ПИ.", pii=True),
        _f("executor_answer_3", "text", "3ий ответ ПИ.", pii=True),
        _f("closing_reason", "text", "Причина закрытия, e.g. Автор доволен (stray values kept)."),
        _f("audience", "integer", "Аудитория."),
        _f("engagement", "integer", "Вовлеченность."),
        _f("author_url", "text", "URL автора.", pii=True),
        _f("answer_account", "text", "Аккаунт публикации ответа.", pii=True),
        _f("tags", "text", "Теги."),
        _f("note", "text", "Примечание.", pii=True),
        _f("satisfaction_step_at", "timestamp", "Время попадания на шаг оценка удовлетворенности."),
        _f("survey_sent", "boolean", "Опрос отправлен."),
    ),
)

REGIONAL_APPEALS = Target(
    "regional_appeals",
    "Appeals from regional and municipal systems, one canonical shape for all of them; _feed names the system.",
    (
        _f("region_name", "text", "Region, as the file or the feed mapping names it."),
        _f("source_id", "text", "The appeal's id in its system (key within the feed)."),
        _f("received_at", "timestamp", "Registration time (local)."),
        _f("channel", "text", "How it arrived: portal, hotline, email, letter, personal, messenger."),
        _f("topic_group", "text", "The system's own category (mapped to a block in seeds)."),
        _f("topic", "text", "The system's own subcategory."),
        _f("agency_name", "text", "Organisation responsible for the answer."),
        _f("municipality", "text", "Municipality name as the system writes it."),
        _f("oktmo", "text", "Municipality ОКТМО, where the system has it."),
        _f(
            "status",
            "text",
            "Canonical state: new, rejected, assigned, redirected, in_work, postponed, answered, closed, reopened.",
        ),
        _f("source_status", "text", "The system's own status text."),
        _f("due_at", "timestamp", "Planned answer date, if the system sets one."),
        _f("first_response_at", "timestamp", "First (interim) response."),
        _f("answered_at", "timestamp", "Final answer sent."),
        _f("rating", "integer", "Applicant's rating, 1 to 5."),
        _f("is_repeat", "boolean", "The system marks it as a repeat appeal."),
        _f("answer_type", "text", "Kind of answer: решено, разъяснено, отказано, перенаправлено..."),
        _f("applicant_name", "text", "Applicant's name.", pii=True),
        _f("applicant_phone", "text", "Applicant's phone.", pii=True),
        _f("applicant_email", "text", "Applicant's e-mail.", pii=True),
        _f("address", "text", "Address of the problem or the applicant.", pii=True),
        _f("appeal_text", "text", "Text of the appeal.", pii=True),
        _f("answer_text", "text", "Text of the answer.", pii=True),
    ),
)

ROADMAP_EVENTS = Target(
    "roadmap_events",
    "Дорожная карта: one row per event per roadmap version.",
    (
        _f("region_name", "text", "Region, as the file or the feed mapping names it."),
        _f("roadmap_version", "text", "Version of the roadmap, e.g. 2026-1."),
        _f("event_number", "text", "Номер мероприятия, e.g. 1.2."),
        _f("event_name", "text", "Мероприятие."),
        _f("block", "text", "Thematic block the event belongs to, if any."),
        _f("responsible_agency", "text", "Responsible organisation."),
        _f("responsible_person", "text", "Responsible official.", pii=True),
        _f("due_date", "date", "Срок исполнения."),
        _f("status", "text", "Статус: не начато, в работе, исполнено, перенесено, отменено."),
        _f("done_date", "date", "Дата исполнения."),
        _f("comment", "text", "Комментарий."),
    ),
)

INDICATOR_TARGETS = Target(
    "indicator_targets",
    "Target and additional indicators of the ЦУР per year.",
    (
        _f("region_name", "text", "Region, as the file or the feed mapping names it."),
        _f("year", "integer", "Год."),
        _f("indicator_code", "text", "Код показателя."),
        _f("indicator_name", "text", "Показатель."),
        _f("indicator_kind", "text", "Вид: обязательный or дополнительный."),
        _f("block", "text", "Thematic block, or empty for the whole region."),
        _f("unit", "text", "Единица измерения."),
        _f("direction", "text", "больше лучше or меньше лучше."),
        _f("target_value", "numeric", "Целевое значение."),
        _f("actual_value", "numeric", "Фактическое значение, where reported by hand."),
        _f("deadline", "date", "Срок достижения."),
    ),
)

BLOCK_STAFF = Target(
    "block_staff",
    "Staff seconded to each thematic block of the ЦУР.",
    (
        _f("region_name", "text", "Region, as the file or the feed mapping names it."),
        _f("as_of", "date", "Дата."),
        _f("block", "text", "Блок."),
        _f("organisation", "text", "Organisation the staff come from."),
        _f("staff_count", "integer", "Численность сотрудников."),
    ),
)

TARGETS: dict[str, Target] = {
    t.name: t for t in (POS_MESSAGES, IM_INCIDENTS, REGIONAL_APPEALS, ROADMAP_EVENTS, INDICATOR_TARGETS, BLOCK_STAFF)
}
