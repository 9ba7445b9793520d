"""Инцидент Менеджмент: social-network incidents and the weekly IM exports (XLSX, 47 columns).

An incident's life: the ЦУР operator assigns an executor (the operators work
08:00-22:00 every day), the executor drafts a first answer within the
working-hours limit (9 working hours, 4 for important ones; late for a share
that depends on the agency), the ЦУР approves and publishes it, often as an
interim answer followed by the final one, then the author is asked how
satisfied they are and the incident closes with a reason. Durations are
written the way IM writes them: fractions of a day as decimal text, the small
ones in E-notation; free-text cells start with an apostrophe.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

from orchestration.generate.behaviour import Weighted
from orchestration.generate.calendar import DAY, Calendar
from orchestration.generate.defects import FeedFaults, Spoiler
from orchestration.generate.manifest import FileRecord, SourceResult
from orchestration.generate.people import People, translit
from orchestration.generate.reference import Agency, Municipality, Reference
from orchestration.generate.routing import Router
from orchestration.generate.texts import answer_text, appeal_text, info_text, interim_text
from orchestration.generate.timeline import Timeline
from orchestration.generate.traffic import Traffic
from orchestration.generate.xlsx import XlsxWriter

HEADER = (
    "Кабинет", "ID", "Номер инцидента", "Отдел", "Исполнитель", "Общее время первого ответа",
    "Общий текст первого ответа", "Время с даты создания инцидента до времени первого ответа",
    "Время с даты создания инцидента до времени первого ответа, рабочее время",
    "Время назначения последнего исполнителя", "Время 1го ответа ПИ", "Первая реакция с момента назн. ПИ",
    "Уложились или нет после назн. ПИ", "Время с начала создания инцидента до окончания",
    "Время отправки первого ответа ПИ на согласование", "Время, которое первый ответ ПИ находился на согласовании",
    "Текущий шаг инцидента", "Дата создания", "Дата окончания", "Группа тем", "Тема", "Регион", "Муниципалитет",
    "Населенный пункт", "Улица", "Дом", "Объект старый", "Объект", "Тип инцидента", "Итог",
    "Есть медиафайл в ответе", "Есть медиафайл в сообщении", "Урл поста", "Урл блога", "Текст инцидента",
    "1ый ответ ПИ", "2ой ответ ПИ", "3ий ответ ПИ", "Причина закрытия", "Аудитория", "Вовлеченность",
    "URL автора", "Аккаунт публикации ответа", "Теги", "Примечание",
    "Время попадания на шаг оценка удовлетворенности", "Опрос отправлен",
)  # fmt: skip
(
    CABINET,
    ID,
    NUMBER,
    DEPARTMENT,
    EXECUTOR,
    FIRST_AT,
    FIRST_TEXT,
    FIRST_DUR,
    FIRST_WORK_DUR,
    ASSIGNED_AT,
    EXEC_FIRST_AT,
    EXEC_REACTION,
    EXEC_IN_TIME,
    TOTAL_DUR,
    SENT_FOR_APPROVAL_AT,
    APPROVAL_DUR,
    STEP,
    CREATED,
    CLOSED,
    GROUP,
    THEME,
    REGION,
    MUNICIPALITY,
    LOCALITY,
    STREET,
    HOUSE,
    OBJECT_OLD,
    OBJECT,
    KIND,
    OUTCOME,
    MEDIA_ANSWER,
    MEDIA_MESSAGE,
    POST_URL,
    BLOG_URL,
    TEXT,
    ANSWER_1,
    ANSWER_2,
    ANSWER_3,
    CLOSING_REASON,
    AUDIENCE,
    ENGAGEMENT,
    AUTHOR_URL,
    ANSWER_ACCOUNT,
    TAGS,
    NOTE,
    SATISFACTION_AT,
    SURVEY_SENT,
) = range(47)
NUMERIC_COLUMNS = (ID, NUMBER, AUDIENCE, ENGAGEMENT)

NEW, ASSIGNED, INTERIM, SATISFACTION, DONE = (
    "Новый",
    "Назначен исполнитель",
    "Промежуточный ответ",
    "Оценка удовлетворенности",
    "Готово",
)
EMPTY_ANSWER = "'"
NETWORKS = Weighted(["vk", "ok", "tg", "dzen", "youtube"], [60, 15, 20, 3, 2])
INFORMATIONAL_RATE = 0.25
HIGH_IMPORTANCE_RATE = 0.10
HIGH_IMPORTANCE_TAG = "Высокая важность"  # what dbt var im_high_importance_tag looks for in «Теги»
INTERIM_RATE = 0.45  # the executor's first answer is an interim one
OPERATOR_FIRST_RATE = 0.6  # an operator's «передали исполнителю» comes before the executor's answer
THIRD_ANSWER_RATE = 0.08
NO_REACTION_RATE = 0.45
REPEAT_RATE = 0.07
REPEAT_WINDOW = 42 * DAY  # a repeat comes within six weeks of the first incident
OPERATOR_HOURS = (8, 22)  # the ЦУР's operators are on duty every day in these hours
_OUTCOME_KIND = {"Решено": "resolved", "Разъяснено": "explained", "Отложено": "postponed", "Не решено": "not_solved"}
ALIAS_RATE = 0.05

FAULTS = FeedFaults(
    id_column="ID",
    date_columns=("Дата создания", "Дата окончания", "Общее время первого ответа"),
    bad_dates=("2026-13-45 10:00:00", "31.02.2026", "вчера", "2026-02-30 25:61:00"),
    category_column="Группа тем",
    unknown_categories=("Цифровизация", "Погода", "Реклама и спам", "Без темы"),
    status_column="Текущий шаг инцидента",
    status_values=(NEW, ASSIGNED, INTERIM, SATISFACTION, DONE),
)


def day_fraction(seconds: int) -> str:
    """A duration as IM writes it: a fraction of a day; below 0.01 in E-notation (4.8611111111111112E-3)."""
    x = seconds / DAY
    if x <= 0:
        return "0"
    if x < 0.01:
        mantissa, exponent = f"{x:.16E}".split("E")
        return f"{mantissa}E{int(exponent)}"
    return repr(x)


class _Blogs:
    """Communities and channels per municipality and network, with their audiences; stable for the run."""

    def __init__(self, seed: int, municipalities: list[Municipality]):
        rng = random.Random(f"{seed}:blogs")
        self._pool: dict[tuple[str, str], list[tuple[str, str, int]]] = {}
        for m in municipalities:
            place = translit(m.admin_center.split(". ", 1)[-1]).replace(" ", "_").replace("-", "_")
            for network in NETWORKS.values:
                blogs = []
                for i in range(3 + int(rng.random() * 5)):
                    gid = 10_000_000 + int(rng.random() * 200_000_000)
                    audience = int(m.population * rng.uniform(0.02, 0.6)) + 50
                    slug = (
                        f"podslushano_{place}"
                        if i == 0
                        else f"{place}_{('news', 'live', 'online', 'today')[i % 4]}"
                        if i < 4
                        else f"public{gid}"
                    )
                    blogs.append((slug, str(gid), audience))
                self._pool[(m.oktmo, network)] = blogs

    def pick(self, rng: random.Random, oktmo: str, network: str) -> tuple[str, str, int]:
        blogs = self._pool[(oktmo, network)]
        return blogs[min(int(rng.random() ** 2 * len(blogs)), len(blogs) - 1)]  # the big ones get most posts


def _urls(
    rng: random.Random, network: str, blog: tuple[str, str, int], profile_id: int, handle: str
) -> tuple[str, str, str]:
    """(post, blog, author) URLs for a post in ``blog``."""
    slug, gid, _audience = blog
    post = 1000 + int(rng.random() * 900_000)
    if network == "vk":
        return f"https://vk.com/wall-{gid}_{post}", f"https://vk.com/{slug}", f"https://vk.com/id{profile_id}"
    if network == "ok":
        return (
            f"https://ok.ru/group/{gid}/topic/{post}{gid[-4:]}",
            f"https://ok.ru/group/{gid}",
            f"https://ok.ru/profile/{profile_id}",
        )
    if network == "tg":
        return f"https://t.me/{slug}/{post}", f"https://t.me/{slug}", f"https://t.me/{handle}"
    if network == "dzen":
        return (f"https://dzen.ru/a/{gid}{post:x}", f"https://dzen.ru/{slug}", f"https://dzen.ru/user/{profile_id:x}")
    return (
        f"https://www.youtube.com/watch?v={gid}{post:x}",
        f"https://www.youtube.com/@{slug}",
        f"https://www.youtube.com/@{handle}",
    )


_OBJECTS = {
    "zhkh": "МКД",
    "landscaping": "Двор",
    "roads": "Автомобильная дорога",
    "education": "Школа",
    "health": "Поликлиника",
    "transport": "Остановка общественного транспорта",
    "tko": "Контейнерная площадка",
    "energy": "Линия электропередачи",
}


def generate_im(
    ref: Reference,
    cal: Calendar,
    router: Router,
    total: int,
    seed: int,
    out_dir: Path,
    spoiler: Spoiler,
    progress: Callable[[int, int], None],
) -> SourceResult:
    rng = random.Random(f"{seed}:im")
    traffic = Traffic(ref, cal, "im", seed)
    people = People(rng)
    blogs = _Blogs(seed, ref.municipalities)
    result = SourceResult(appeals=total)
    folder = out_dir / "im"
    folder.mkdir(parents=True, exist_ok=True)
    exports = cal.exports
    timeline = Timeline(cal.end, cal.week_of)
    change = timeline.change
    week_of, iso_hms, working_between, add_working = cal.week_of, cal.iso_hms, cal.working_between, cal.add_working
    add_duty, work_day = cal.add_duty, cal.work_per_day
    lognorm, expo = rng.lognormvariate, rng.expovariate
    cabinet = f"ЦУР {ref.region.name}"
    region_name = ref.region.name
    dates = cal.dates
    quarter_of = [(d.year * 4 + (d.month - 1) // 3) for d in dates]
    first_quarter = quarter_of[0]
    block_quarter = result.block_quarter
    accounts: dict[tuple[str, str], str] = {}
    recent: list[tuple] = []  # ring of recent incidents' author and place, for repeats
    incident_id = 40_000_000 + int(rng.random() * 9_000_000)
    incident_number = 100_000 + int(rng.random() * 50_000)
    next_week = 0

    def account(agency: Agency, network: str) -> str:
        key = (agency.agency_id, network)
        found = accounts.get(key)
        if found is None:
            local = random.Random(f"{seed}:account:{agency.agency_id}:{network}")
            found = _urls(
                local,
                network,
                (f"public{100_000 + int(local.random() * 9e8)}", str(100_000 + int(local.random() * 9e8)), 0),
                0,
                "",
            )[1]
            accounts[key] = found
        return found

    def flush(upto: int) -> None:
        nonlocal next_week
        while next_week < len(exports) and next_week < upto:
            export = exports[next_week]
            name = f"im_export_{export.file_date.isoformat()}.xlsx"
            rows = spoiler.spoil(f"im/{name}", HEADER, timeline.take(next_week))
            with XlsxWriter(folder / name, "Sheet1", HEADER, NUMERIC_COLUMNS) as writer:
                writer.write_rows(rows)
            result.files.append(FileRecord(folder / name, "im", len(rows)))
            next_week += 1

    counts = traffic.day_counts(total)
    for day, count in enumerate(counts):
        if count == 0:
            continue
        flush(week_of(day * DAY))
        topics = traffic.topics(day)
        the_date = dates[day]
        quarter = quarter_of[day] - first_quarter
        for t0 in traffic.moments(rng, day, count):
            repeat = None
            if recent and rng.random() < REPEAT_RATE:
                candidate = recent[int(rng.random() * len(recent))]
                if t0 - candidate[0] <= REPEAT_WINDOW:
                    repeat = candidate
            if repeat is not None:
                _t, person, municipality, choice, network, blog = repeat
            else:
                person = people.person()
                municipality = traffic.municipalities.pick(rng.random())
                choice = topics.pick(rng.random())
                network = NETWORKS.pick(rng.random())
                blog = blogs.pick(rng, municipality.oktmo, network)
                if len(recent) < 4000:
                    recent.append((t0, person, municipality, choice, network, blog))
                else:
                    recent[int(rng.random() * 4000)] = (t0, person, municipality, choice, network, blog)
            label, topic = choice.label, choice.topic
            block = label.block_code
            key = (block, quarter)
            block_quarter[key] = block_quarter.get(key, 0) + 1
            agency = router.executor(rng, block, municipality, the_date)
            profile = router.profiles[agency.agency_id]
            incident_id += 1 + int(rng.random() * 25)
            incident_number += 1 + int(rng.random() * 3)
            handle = person.email.split("@", 1)[0].replace(".", "_")
            post_url, blog_url, author_url = _urls(rng, network, blog, person.profile_id, handle)
            with_address = rng.random() < 0.7
            street, house = (person.street, person.house) if with_address else ("", "")
            address = f"{municipality.admin_center}, {street}, д. {house}" if with_address else ""
            informational = rng.random() < INFORMATIONAL_RATE
            important = rng.random() < HIGH_IMPORTANCE_RATE
            kind = _OBJECTS.get(block)
            obj = f"{kind} {street}, {house}" if kind and with_address and rng.random() < 0.35 else ""
            tags = "Повторное" if repeat is not None else ("Резонанс" if rng.random() < 0.03 else "")
            if block == "military" and rng.random() < 0.3:
                tags = "СВО"
            if important:  # the 4-hour first-answer limit below; the export says so only through a tag
                tags = f"{tags}, {HIGH_IMPORTANCE_TAG}" if tags else HIGH_IMPORTANCE_TAG
            row = [
                cabinet,
                str(incident_id),
                str(incident_number),
                choice.block_name,
                router.spelling(rng, agency, ALIAS_RATE),
                "",
                EMPTY_ANSWER,
                "",
                "",
                "",
                "",
                "",
                "-",
                "",
                "",
                "",
                NEW,
                iso_hms(t0),
                "",
                label.category,
                label.subcategory,
                region_name,
                municipality.name,
                municipality.admin_center,
                street,
                house,
                obj if rng.random() < 0.05 else "",
                obj,
                "Информационный" if informational else "Решаемый",
                "",
                "Нет",
                "Да" if rng.random() < 0.35 else "Нет",
                post_url,
                blog_url,
                "'" + appeal_text(rng, topic, label.category if label.catch_all else label.subcategory, address),
                EMPTY_ANSWER,
                EMPTY_ANSWER,
                EMPTY_ANSWER,
                "",
                str(blog[2]),
                str(int(lognorm(2.7, 1.2))),
                author_url,
                "",
                tags,
                "Передано в ЕДДС" if rng.random() < 0.015 else "",
                "",
                "",
            ]

            # The operator assigns the executor (the operators are on duty every day).
            t_assign = add_duty(t0, 120 + int(lognorm(7.0, 0.9)), OPERATOR_HOURS)  # median ~20 minutes
            change(t_assign, (STEP, ASSIGNED), (ASSIGNED_AT, iso_hms(t_assign)))
            formal = rng.random() < profile.formal_rate
            month = dates[t_assign // DAY].month - 1
            if informational:
                outcome = "Разъяснено"
                final_text = "'" + info_text(rng, agency.short_name)
            else:
                u = rng.random()
                if formal:
                    outcome = "Разъяснено"
                elif u < 0.28 + 0.35 * profile.quality:
                    outcome = "Решено"
                elif u < 0.80:
                    outcome = "Разъяснено"
                elif u < 0.90:
                    outcome = "Отложено"
                else:
                    outcome = "Не решено"
                final_text = "'" + answer_text(rng, topic, _OUTCOME_KIND[outcome], agency.short_name, month, formal)
            published = account(agency, network)
            approval = 300 + int(lognorm(7.4, 0.8))  # the ЦУР checks an executor's text: ~30 minutes

            if informational:
                # The operator answers from what is public: no executor's draft, no deadline to keep.
                t_final = add_duty(t_assign, 300 + int(lognorm(7.2, 0.8)), OPERATOR_HOURS)
                change(
                    t_final,
                    (FIRST_AT, iso_hms(t_final)),
                    (FIRST_TEXT, final_text),
                    (FIRST_DUR, day_fraction(t_final - t0)),
                    (FIRST_WORK_DUR, day_fraction(working_between(t0, t_final))),
                    (ANSWER_1, final_text),
                    (ANSWER_ACCOUNT, published),
                    (STEP, SATISFACTION),
                )
                in_time = True
            else:
                # The executor's first answer, in working time from the assignment.
                limit = (4 if important else 9) * 3600
                if rng.random() < profile.breach_rate:
                    work = limit + 600 + int(expo(1 / (6 * 3600)))
                else:
                    work = int(lognorm(9.2, 0.9) * profile.speed)  # median ~2.7 working hours
                    if work > limit:
                        work = 900 + int(rng.random() * (limit - 900))
                t_draft = add_working(t_assign, work)
                t_published = t_draft + approval
                in_time = working_between(t_assign, t_draft) <= limit
                executor_final = rng.random() >= INTERIM_RATE
                executor_text = final_text if executor_final else "'" + interim_text(rng, agency.short_name)
                change(
                    t_draft,
                    (EXEC_FIRST_AT, iso_hms(t_draft)),
                    (EXEC_REACTION, day_fraction(t_draft - t_assign)),
                    (EXEC_IN_TIME, "Да" if in_time else "Нет"),
                    (SENT_FOR_APPROVAL_AT, iso_hms(t_draft)),
                )
                change(
                    t_published,
                    (ANSWER_1, executor_text),
                    (ANSWER_ACCOUNT, published),
                    (APPROVAL_DUR, day_fraction(approval)),
                    (STEP, SATISFACTION if executor_final else INTERIM),
                )
                # Often an operator answers first («передали исполнителю»), long before the executor does.
                t_first, first_text = t_published, executor_text
                if rng.random() < OPERATOR_FIRST_RATE:
                    t_quick = add_duty(t_assign, 300 + int(lognorm(7.2, 0.8)), OPERATOR_HOURS)
                    if t_quick < t_published:
                        t_first, first_text = t_quick, "'" + interim_text(rng, agency.short_name)
                        change(t_quick, (STEP, INTERIM))
                change(
                    t_first,
                    (FIRST_AT, iso_hms(t_first)),
                    (FIRST_TEXT, first_text),
                    (FIRST_DUR, day_fraction(t_first - t0)),
                    (FIRST_WORK_DUR, day_fraction(working_between(t0, t_first))),
                )
                if executor_final:
                    t_final = t_published
                else:
                    # The final answer: within 7 working days of the interim one, unless the agency is late.
                    if rng.random() < profile.breach_rate:
                        work = 7 * work_day + int(expo(1 / (2.5 * work_day)))
                    else:
                        work = min(int(lognorm(0.3, 0.9) * profile.speed * work_day), 7 * work_day - 60)
                    t_final = add_working(t_published, max(work, 1800)) + approval
                    change(t_final, (ANSWER_2, final_text), (STEP, SATISFACTION))
            row_answer_2_free = informational or executor_final
            media = "Да" if rng.random() < (0.35 if outcome == "Решено" else 0.08) else "Нет"
            change(t_final, (OUTCOME, outcome), (MEDIA_ANSWER, media))
            if rng.random() < THIRD_ANSWER_RATE:
                t_third = t_final + 3600 + int(expo(1 / (8 * 3600)))
                change(
                    t_third,
                    (
                        ANSWER_2 if row_answer_2_free else ANSWER_3,
                        "'"
                        + interim_text(rng, agency.short_name).replace(
                            "Ответ будет дан дополнительно.", "Дополнительно сообщаем, что вопрос остается на контроле."
                        ),
                    ),
                )
            t_satisfaction = t_final + 60 + int(rng.random() * 600)
            survey = rng.random() < 0.9
            change(t_satisfaction, (SATISFACTION_AT, iso_hms(t_satisfaction)), (SURVEY_SENT, "Да" if survey else "Нет"))
            t_close = t_satisfaction + int(lognorm(11.0, 0.7))  # the author has ~a day or two to react
            if rng.random() < 0.003:
                reason = "5"  # a stray value the real exports have
            elif rng.random() < 0.04:
                reason = "Дальнейший диалог нецелесообразен"
            elif not survey or rng.random() < NO_REACTION_RATE:
                reason = "Нет ответа от автора"
            else:
                score = {"Решено": 4.4, "Разъяснено": 3.3, "Отложено": 2.9, "Не решено": 1.8}[outcome]
                score += profile.rating_shift + rng.gauss(0.0, 0.9) - (0.8 if not in_time else 0.0)
                score -= 1.3 if formal else 0.0
                reason = "Автор доволен" if score >= 3.8 else ("Автор нейтрален" if score >= 2.6 else "Автор недоволен")
            change(
                t_close,
                (STEP, DONE),
                (CLOSED, iso_hms(t_close)),
                (CLOSING_REASON, reason),
                (TOTAL_DUR, day_fraction(t_close - t0)),
            )
            timeline.replay(row, t0)
        progress(day + 1, cal.days)
    flush(len(exports))
    return result
