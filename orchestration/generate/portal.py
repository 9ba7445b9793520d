"""A regional appeals portal: one Windows-1251 CSV with every appeal's state at the end of the period.

This is the feed that shows onboarding by configuration (seeds/feeds/
regional_portal.yml): its own column names, its own status words, dates as
DD.MM.YYYY HH:MM, the applicant's contacts in the clear. Appeals follow
59-ФЗ: 30 days, extendable by 30; some are redirected by competence.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

from orchestration.generate.behaviour import Weighted
from orchestration.generate.calendar import DAY, Calendar
from orchestration.generate.defects import FeedFaults, Spoiler
from orchestration.generate.delimited import csv_text
from orchestration.generate.manifest import FileRecord, SourceResult
from orchestration.generate.people import People
from orchestration.generate.reference import Reference
from orchestration.generate.routing import Router
from orchestration.generate.texts import answer_text, appeal_text
from orchestration.generate.traffic import Traffic

HEADER = (
    "Рег. номер", "Дата регистрации", "Канал поступления", "Тематика", "Подтематика", "Исполнитель",
    "Муниципальное образование", "ОКТМО", "Состояние", "Срок исполнения", "Дата промежуточного ответа",
    "Дата ответа", "Оценка", "Повторное", "Результат", "Заявитель", "Телефон", "E-mail", "Адрес",
    "Текст обращения", "Текст ответа",
)  # fmt: skip
CHANNELS = Weighted(
    ["Портал", "Телефон горячей линии", "Электронная почта", "Письменное обращение", "Личный прием"],
    [45, 25, 15, 10, 5],
)
REJECT_RATE = 0.03
REDIRECT_RATE = 0.08
BY_COMPETENCE_SHARE = 0.4  # of redirects: sent outside the region's bodies, which closes the appeal here
EXTEND_RATE = 0.06
INTERIM_RATE = 0.35
RATED_RATE = 0.30
REPEAT_RATE = 0.07
REPEAT_WINDOW = 60 * DAY
ALIAS_RATE = 0.04

FAULTS = FeedFaults(
    id_column="Рег. номер",
    date_columns=("Дата регистрации", "Срок исполнения", "Дата ответа"),
    bad_dates=("31.02.2026 10:00", "вчера", "2026-13-45", "00.00.0000 00:00"),
    category_column="Тематика",
    unknown_categories=("Иные вопросы", "Без тематики", "Разное"),
    rating_column="Оценка",
    status_column="Состояние",
    status_values=("Зарегистрировано", "На рассмотрении", "Ответ дан", "Закрыто"),
)


def generate_portal(
    ref: Reference,
    cal: Calendar,
    router: Router,
    total: int,
    seed: int,
    out_dir: Path,
    spoiler: Spoiler,
    progress: Callable[[int, int], None],
) -> SourceResult:
    rng = random.Random(f"{seed}:regional")
    traffic = Traffic(ref, cal, "regional", seed)
    people = People(rng)
    result = SourceResult(appeals=total)
    folder = out_dir / "regional"
    folder.mkdir(parents=True, exist_ok=True)
    file_date = cal.dates[cal.days - 1]
    relpath = f"regional/portal_{file_date.isoformat()}.csv"
    path = out_dir / relpath
    now, dmy_hm, add_working, work_day = cal.end, cal.dmy_hm, cal.add_working, cal.work_per_day
    lognorm, expo = rng.lognormvariate, rng.expovariate
    dates = cal.dates
    quarter_of = [(d.year * 4 + (d.month - 1) // 3) for d in dates]
    first_quarter = quarter_of[0]
    block_quarter = result.block_quarter
    recent: list[tuple] = []
    sequence = 0
    written = 0
    prefix = ref.region.subject_code

    with path.open("w", encoding="cp1251", newline="", errors="strict") as handle:
        handle.write(csv_text([HEADER]))
        for day, count in enumerate(traffic.day_counts(total)):
            topics = traffic.topics(day)
            the_date = dates[day]
            quarter = quarter_of[day] - first_quarter
            rows: list[list[str]] = []
            for t0 in traffic.moments(rng, day, count):
                repeat = None
                if recent and rng.random() < REPEAT_RATE:
                    candidate = recent[int(rng.random() * len(recent))]
                    if t0 - candidate[0] <= REPEAT_WINDOW:
                        repeat = candidate
                if repeat is not None:
                    _t, person, municipality, choice = repeat
                else:
                    person = people.person()
                    municipality = traffic.municipalities.pick(rng.random())
                    choice = topics.pick(rng.random())
                    entry = (t0, person, municipality, choice)
                    if len(recent) < 3000:
                        recent.append(entry)
                    else:
                        recent[int(rng.random() * 3000)] = entry
                label, topic = choice.label, choice.topic
                block = label.block_code
                block_quarter[(block, quarter)] = block_quarter.get((block, quarter), 0) + 1
                agency = router.executor(rng, block, municipality, the_date)
                profile = router.profiles[agency.agency_id]
                sequence += 1 + int(rng.random() * 3)
                channel = CHANNELS.pick(rng.random())
                address = f"{municipality.admin_center}, {person.street}, д. {person.house}"
                if person.flat:
                    address += f", кв. {person.flat}"
                subject = label.subcategory if not label.catch_all else label.category
                text = appeal_text(rng, topic, subject, address if rng.random() < 0.6 else "")
                due = t0 + 30 * DAY
                state, interim, answered, rating, result_word, answer = "Зарегистрировано", "", "", "", "", ""
                executor_name = router.spelling(rng, agency, ALIAS_RATE)
                t_work = add_working(t0, int(lognorm(9.5, 0.8)))  # registered and sent to the executor
                if t_work < now:
                    state = "На рассмотрении"
                if rng.random() < REJECT_RATE:
                    t_rej = add_working(t0, int(lognorm(10.5, 0.7)))
                    if t_rej < now:
                        state, result_word = "Отклонено", "Отказано"
                        answered = dmy_hm(t_rej)
                        answer = "Обращение не содержит сведений, необходимых для рассмотрения (ст. 11 59-ФЗ)."
                else:
                    start = t_work
                    if rng.random() < REDIRECT_RATE:
                        t_redirect = add_working(t_work, int(lognorm(0.5, 0.6) * work_day))
                        if rng.random() < BY_COMPETENCE_SHARE:
                            if t_redirect < now:
                                state, result_word, answered = (
                                    "Закрыто",
                                    "Перенаправлено по компетенции",
                                    dmy_hm(t_redirect),
                                )
                                answer = (
                                    "Обращение направлено по компетенции в федеральный орган власти "
                                    "(ч. 3 ст. 8 59-ФЗ), заявитель уведомлен."
                                )
                            start = -1
                        else:
                            final = router.misrouted(rng, agency, block, municipality, the_date)
                            if final is not None and t_redirect < now:
                                state = "Перенаправлено"
                                agency = final[0]
                                profile = router.profiles[agency.agency_id]
                                executor_name = router.spelling(rng, agency, ALIAS_RATE)
                            start = t_redirect
                    if start >= 0:
                        if rng.random() < EXTEND_RATE:
                            t_ext = start + int(rng.random() * max(DAY, due - start - DAY))
                            due += 30 * DAY
                            if t_ext < now:
                                state = "Продлено"
                        t_interim = now
                        if channel in ("Портал", "Телефон горячей линии") and rng.random() < INTERIM_RATE:
                            t_interim = add_working(start, int(lognorm(0.0, 0.7) * work_day))
                        if rng.random() < profile.breach_rate:
                            t_ans = due + DAY + int(expo(1 / (6 * DAY)))
                        else:
                            t_ans = add_working(start, int(lognorm(1.9, 0.7) * profile.speed * work_day))
                            if t_ans >= due:
                                t_ans = due - int(rng.random() * 3 * DAY)
                        t_ans = max(t_ans, start + 3600)
                        if t_interim < min(t_ans, now):  # an interim answer only comes before the final one
                            interim = dmy_hm(t_interim)
                        if t_ans < now:
                            formal = rng.random() < profile.formal_rate
                            u = rng.random()
                            if not formal and u < 0.08:
                                result_word, kind = "Отказано", "not_solved"
                            elif not formal and u < 0.33 + 0.3 * profile.quality:
                                result_word, kind = "Решено", "resolved"
                            else:
                                result_word, kind = "Разъяснено", "explained"
                            answered = dmy_hm(t_ans)
                            answer = answer_text(
                                rng, topic, kind, agency.short_name, dates[t_ans // DAY].month - 1, formal
                            )
                            t_close = t_ans + int(rng.uniform(3, 10) * DAY)
                            state = "Закрыто" if t_close < now else "Ответ дан"
                            if rng.random() < RATED_RATE:
                                score = {"Решено": 4.4, "Разъяснено": 3.2, "Отказано": 1.8}[result_word]
                                score += profile.rating_shift + rng.gauss(0.0, 0.9) - (1.3 if formal else 0.0)
                                score -= 0.8 if t_ans > due else 0.0
                                rating = str(min(5, max(1, round(score))))
                rows.append(
                    [
                        f"{prefix}-ОГ-{sequence:07d}",
                        dmy_hm(t0),
                        channel,
                        label.category,
                        label.subcategory,
                        executor_name,
                        municipality.name,
                        municipality.oktmo,
                        state,
                        dmy_hm(due),
                        interim,
                        answered,
                        rating,
                        "да" if repeat is not None else "нет",
                        result_word,
                        person.full_name,
                        person.phone,
                        person.email if channel != "Письменное обращение" or rng.random() < 0.3 else "",
                        address,
                        text,
                        answer,
                    ]
                )
            if rows:
                rows = spoiler.spoil(relpath, HEADER, rows, first_row=written + 1)
                handle.write(csv_text(rows))
                written += len(rows)
            progress(day + 1, cal.days)
    result.files.append(FileRecord(path, "regional_portal", written))
    return result
