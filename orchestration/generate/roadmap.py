"""The ЦУР's дорожная карта: a yearly list of events, in two versions over the period.

Version 1 is the plan as adopted at the start of the period; version 2 is the
yearly update at its end: a few deadlines moved (status «перенесено»), a few
events cancelled, new ones added, statuses as they stand. The events are
generic to every ЦУР; a block-specific event appears only if the region has
that block, with the block's lead agency responsible.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

from orchestration.generate.calendar import Calendar
from orchestration.generate.manifest import FileRecord
from orchestration.generate.people import People
from orchestration.generate.reference import Reference
from orchestration.generate.xlsx import write_xlsx

HEADER = (
    "Регион",
    "Версия",
    "№",
    "Мероприятие",
    "Блок",
    "Ответственный исполнитель",
    "Ответственное лицо",
    "Срок",
    "Статус",
    "Дата исполнения",
    "Комментарий",
)
NUMERIC_COLUMNS = (1, 2)

# (event, block code or "" for the whole region, month of the deadline)
EVENTS: tuple[tuple[str, str, int], ...] = (
    ("Подключение всех органов исполнительной власти региона к платформе обратной связи (ПОС)", "", 2),
    ("Подключение органов местного самоуправления и подведомственных учреждений к ПОС", "", 4),
    ("Размещение виджета ПОС на официальных сайтах органов власти и муниципальных образований", "", 3),
    ("Создание и ведение официальных страниц (госпабликов) органов власти в социальных сетях", "", 6),
    ("Подключение муниципальных госпабликов к системе Инцидент Менеджмент", "", 5),
    ("Утверждение регламента отработки инцидентов в системе Инцидент Менеджмент", "", 2),
    ("Назначение ответственных за работу с обращениями граждан в отраслевых блоках", "", 1),
    ("Обучение ответственных сотрудников работе в ПОС и Инцидент Менеджменте", "", 3),
    ("Настройка автоматической маршрутизации сообщений ПОС конечному исполнителю", "", 9),
    ("Актуализация перечня тематических блоков и ответственных органов власти", "", 1),
    ("Еженедельный мониторинг сроков отработки сообщений и отчет куратору ЦУР", "", 12),
    ("Ежемесячный рейтинг органов власти и муниципалитетов по работе с обращениями", "", 12),
    ("Проведение опросов удовлетворенности качеством ответов на обращения", "", 10),
    ("Работа с повторными обращениями и формальными ответами (отписками)", "", 8),
    ("Публикация ежеквартального отчета ЦУР о работе с обращениями граждан", "", 12),
    ("Обеспечение среднего времени ответа на сообщения в ПОС не более 8 дней", "", 12),
    ("Обеспечение доли оценок 4-5 не менее 60 % от числа оцененных ответов в ПОС", "", 12),
    ("Обеспечение первого ответа на инциденты в социальных сетях в пределах рабочего дня", "", 12),
    ("Внедрение хранилища данных ЦУР для учета обращений из всех источников", "", 11),
    ("Интеграция регионального портала обращений с ПОС", "", 10),
    ("Ежемесячная выгрузка данных в ИАС «BI: ЦУР РФ» (АНО «Диалог Регионы»)", "", 12),
    ("Выездные совещания в муниципалитетах с низкими показателями работы с обращениями", "", 7),
    ("Горячая линия по вопросам отопительного сезона", "zhkh", 10),
    ("Шаблоны ответов на типовые обращения по ЖКХ", "zhkh", 4),
    ("Мониторинг уборки снега и наледи по сообщениям граждан", "landscaping", 2),
    ("Голосование на ПОС по выбору объектов благоустройства", "landscaping", 4),
    ("Мониторинг ямочного ремонта дорог по сообщениям граждан", "roads", 6),
    ("Контроль работы регионального оператора по вывозу ТКО по сообщениям граждан", "tko", 9),
    ("Мониторинг записи к врачу и лекарственного обеспечения по сообщениям граждан", "health", 5),
    ("Контроль расписания и качества работы общественного транспорта", "transport", 8),
    ("Мониторинг обращений участников СВО и членов их семей", "military", 12),
    ("Разъяснение мер социальной поддержки в госпабликах", "social", 6),
)
NEW_EVENTS: tuple[tuple[str, str, int], ...] = (
    ("Подключение чат-бота региона в мессенджере к приему обращений", "", 6),
    ("Снижение доли просроченных сообщений ПОС до 5 %", "", 12),
    ("Разбор обращений категории «прочие по направлению» и уточнение классификатора", "", 5),
)
_COMMENTS = {
    "исполнено": ("", "Отчет направлен куратору ЦУР", "Исполнено в срок"),
    "в работе": ("", "Работа ведется", "Готовится проект документа"),
    "не начато": (
        "",
        "",
    ),
    "перенесено": ("Срок перенесен решением куратора ЦУР", "Перенесено в связи с изменением порядка работы"),
    "отменено": ("Мероприятие исключено при актуализации дорожной карты", "Утратило актуальность"),
}


def _deadline(year: int, month: int) -> date:
    following = date(year + (month == 12), month % 12 + 1, 1)
    return following - timedelta(days=1)


def _status(rng: random.Random, deadline: date, as_of: date) -> tuple[str, str]:
    """Status and date done as of ``as_of``."""
    if deadline < as_of:
        if rng.random() < 0.85:
            done = deadline - timedelta(days=int(rng.random() * 40))
            return "исполнено", done.strftime("%d.%m.%Y")
        return "в работе", ""
    if (deadline - as_of).days < 120 and rng.random() < 0.6:
        return "в работе", ""
    return "не начато", ""


def write_roadmaps(ref: Reference, cal: Calendar, seed: int, out_dir: Path) -> list[FileRecord]:
    rng = random.Random(f"{seed}:roadmap")
    people = People(rng)
    blocks = {b.code: b.name for b in ref.blocks}
    members = ref.block_agencies
    region_wide = members.get("other") or next(iter(members.values()))

    def responsible(block: str) -> str:
        chosen = [a for a, role in members.get(block, region_wide) if role == "lead"] or [region_wide[0][0]]
        agencies = [ref.agencies[a] for a in chosen]
        valid = [a for a in agencies if a.valid_on(cal.start)] or agencies
        return valid[0].name

    folder = out_dir / "roadmap"
    folder.mkdir(parents=True, exist_ok=True)
    year1 = cal.start.year
    last_day = cal.dates[cal.days - 1]
    year2 = year1 + 1 if last_day.year > year1 else year1
    plan = [(name, block, month) for name, block, month in EVENTS if not block or block in blocks]
    persons = {name: people.official() for name, _b, _m in (*plan, *NEW_EVENTS)}
    files = []

    # Version 1: adopted at the start of the period.
    rows = []
    for number, (name, block, month) in enumerate(plan, start=1):
        deadline = _deadline(year1, month)
        if deadline < cal.start:  # a deadline already behind the plan's date moves to the next year
            deadline = _deadline(year1 + 1, month)
        status, done = _status(rng, deadline, cal.start)
        rows.append(
            [
                ref.region.name,
                "1",
                str(number),
                name,
                blocks.get(block, ""),
                responsible(block or "other"),
                persons[name],
                deadline.strftime("%d.%m.%Y"),
                status,
                done,
                _COMMENTS[status][int(rng.random() * len(_COMMENTS[status]))],
            ]
        )
    path = folder / f"roadmap_{year1}_v1.xlsx"
    files.append(FileRecord(path, "roadmap", write_xlsx(path, "Дорожная карта", HEADER, rows, NUMERIC_COLUMNS)))

    # Version 2: the yearly update, statuses as of the end of the period.
    as_of = cal.end_date
    rows2 = []
    for number, (name, block, month) in enumerate(plan, start=1):
        u = rng.random()
        deadline = _deadline(year2, month)
        if u < 0.08:
            status, done, comment = "отменено", "", _COMMENTS["отменено"][int(rng.random() * 2)]
        elif u < 0.22:
            deadline = _deadline(year2 + (month >= 10), (month + 2) % 12 + 1)
            status, done, comment = "перенесено", "", _COMMENTS["перенесено"][int(rng.random() * 2)]
        else:
            status, done = _status(rng, deadline, as_of)
            comment = _COMMENTS[status][int(rng.random() * len(_COMMENTS[status]))]
        rows2.append(
            [
                ref.region.name,
                "2",
                str(number),
                name,
                blocks.get(block, ""),
                responsible(block or "other"),
                persons[name],
                deadline.strftime("%d.%m.%Y"),
                status,
                done,
                comment,
            ]
        )
    for offset, (name, block, month) in enumerate(NEW_EVENTS, start=len(plan) + 1):
        deadline = _deadline(year2, month)
        status, done = _status(rng, deadline, as_of)
        rows2.append(
            [
                ref.region.name,
                "2",
                str(offset),
                name,
                blocks.get(block, ""),
                responsible("other"),
                persons[name],
                deadline.strftime("%d.%m.%Y"),
                status,
                done,
                "Добавлено при актуализации",
            ]
        )
    path = folder / f"roadmap_{year2}_v2.xlsx"
    files.append(FileRecord(path, "roadmap", write_xlsx(path, "Дорожная карта", HEADER, rows2, NUMERIC_COLUMNS)))
    return files
