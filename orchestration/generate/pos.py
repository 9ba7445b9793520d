"""ПОС (Госуслуги «Решаем вместе»): messages, their lifecycle, and the weekly back-office exports.

Each message's whole life is decided when it arrives: moderation (or
rejection), the executor, maybe a redirect between levels, maybe a postponed
deadline, the answer (late for a share that depends on the agency), the
citizen's rating and, after a rating of 1-2, sometimes a re-review. The life
is a list of timed cell changes; the row as it stands at the end of each week
with a change goes into that week's export (the Monday after), so a message
reappears export after export with a later stage, as in the real platform.

Weeks are written as soon as no later arrival can touch them, so memory holds
only the few weeks a message's life spans, not the whole period.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

from orchestration.generate.behaviour import Weighted
from orchestration.generate.calendar import DAY, Calendar
from orchestration.generate.defects import FeedFaults, Spoiler
from orchestration.generate.delimited import write_csv
from orchestration.generate.manifest import FileRecord, SourceResult
from orchestration.generate.people import People
from orchestration.generate.reference import Agency, Reference
from orchestration.generate.routing import Router
from orchestration.generate.timeline import Timeline
from orchestration.generate.traffic import Traffic
from orchestration.generate.xlsx import write_xlsx

HEADER = (
    "Номер", "Номер ЕПГУ", "Источник", "Верхнеуровневый ЛКО", "Категория", "Подкатегория", "Факт",
    "Организация, в которую поступило сообщение", "Организация, в которой находится сообщение",
    "Дата поступления", "Дата планируемого завершения работ", "Дата фактического завершения работ",
    "Стадия", "Статус", "Просрочено", "Фаст-трек", "ФЗ", "Заявитель выбрал подачу по 59-ФЗ", "Тип решения",
    "Направлено по email в ФОИВ, не подключенный к ПОС", "Оценка ответа заявителем", "Повторное рассмотрение",
    "ФИО координатора", "ФИО исполнителя", "ФИО руководителя",
)  # fmt: skip
# A newer platform version (from the middle of the period) moves a few columns.
_SWAPS = (
    ("Источник", "Верхнеуровневый ЛКО"),
    ("Просрочено", "Фаст-трек"),
    ("Направлено по email в ФОИВ, не подключенный к ПОС", "Оценка ответа заявителем"),
    ("ФИО координатора", "ФИО исполнителя"),
)
HEADER_V2 = list(HEADER)
for _a, _b in _SWAPS:
    _i, _j = HEADER_V2.index(_a), HEADER_V2.index(_b)
    HEADER_V2[_i], HEADER_V2[_j] = HEADER_V2[_j], HEADER_V2[_i]
HEADER_V2 = tuple(HEADER_V2)
ORDER_V2 = tuple(HEADER.index(h) for h in HEADER_V2)
NUMERIC_COLUMNS = ("Номер", "Номер ЕПГУ", "Оценка ответа заявителем")

# Cell positions in the canonical order.
(
    NUM,
    EPGU,
    SOURCE,
    LKO,
    CAT,
    SUB,
    FACT,
    ORG_IN,
    ORG_NOW,
    RECEIVED,
    PLANNED,
    ACTUAL,
    STAGE,
    STATUS,
    OVERDUE,
    FAST,
    FZ,
    CHOSE59,
    DECISION,
    EMAILED,
    RATING,
    REREVIEW,
    COORD,
    EXECUTOR,
    HEAD,
) = range(25)

MODERATION, EXECUTION, DONE = "Модерация", "Исполнение", "Завершено"
ON_MODERATION, ASSIGNED, UP, DOWN = (
    "На модерации",
    "Назначен исполнитель",
    "Передано в вышестоящую организацию",
    "Направлено в подведомственную организацию",
)
ANSWERED, REJECTED = "Отправлен ответ заявителю", "Отклонено модератором"
_SCORE = {"Решено": 4.5, "Разъяснено": 3.3, "Не решено": 1.7}  # mean rating before agency, delay and form
_SOURCE_CODES = Weighted(
    ["EPGU", "MOBILE_EPGU", "GOSWEB_WIDGET", "POS_WIDGET", "VK_MINIAPP", "EPGU_LK"], [40, 24, 14, 9, 6, 7]
)

REJECT_RATE = 0.04
FAST_TRACK_RATE = 0.30
FZ59_RATE = 0.08
REDIRECT_RATE = 0.08
POSTPONE_RATE = 0.07
RATED_RATE = 0.45
REREVIEW_RATE = 0.40  # of ratings 1-2
ALIAS_RATE = 0.06
LAST_DAYS_RATE = 0.12  # answers that come in the last three days before the deadline
MODERATOR_HOURS = (8, 20)  # the region's ПОС moderators are on duty every day

FAULTS = FeedFaults(
    id_column="Номер",
    date_columns=("Дата поступления", "Дата планируемого завершения работ", "Дата фактического завершения работ"),
    bad_dates=("31.02.2026", "2026-13-45", "вчера", "00.00.0000", "32.13.2025"),
    category_column="Категория",
    unknown_categories=(
        "Цифровая трансформация",
        "Категория не определена",
        "Прочие вопросы платформы",
        "Тестовая категория",
    ),
    rating_column="Оценка ответа заявителем",
    status_column="Статус",
    status_values=(ON_MODERATION, ASSIGNED, ANSWERED),
)


class _Officials:
    """Each agency's coordinator, executors and head: a stable small staff per agency."""

    def __init__(self, seed: int):
        self.seed = seed
        self._staff: dict[str, tuple[list[str], list[str], str]] = {}

    def of(self, agency: Agency) -> tuple[list[str], list[str], str]:
        found = self._staff.get(agency.agency_id)
        if found is None:
            people = People(random.Random(f"{self.seed}:officials:{agency.agency_id}"))
            coordinators = [people.official() for _ in range(2)]
            executors = [people.official() for _ in range(3 + int(people.rng.random() * 6))]
            found = (coordinators, executors, people.official())
            self._staff[agency.agency_id] = found
        return found


def generate_pos(
    ref: Reference,
    cal: Calendar,
    router: Router,
    total: int,
    seed: int,
    out_dir: Path,
    spoiler: Spoiler,
    progress: Callable[[int, int], None],
) -> SourceResult:
    rng = random.Random(f"{seed}:pos")
    traffic = Traffic(ref, cal, "pos", seed)
    officials = _Officials(seed)
    result = SourceResult(appeals=total)
    folder = out_dir / "pos"
    folder.mkdir(parents=True, exist_ok=True)

    exports = cal.exports
    xlsx_week = [e.index % 4 == 3 for e in exports]
    midpoint = cal.end // 2
    csv_exports = [e.index for e in exports if not xlsx_week[e.index]]
    # Whole-file faults land in two CSV exports a third and two thirds into the period.
    missing_column_week = csv_exports[len(csv_exports) // 3] if spoiler.rate > 0 and len(csv_exports) > 2 else -1
    truncated_week = csv_exports[2 * len(csv_exports) // 3] if spoiler.rate > 0 and len(csv_exports) > 2 else -1

    week_of, dmy, hm = cal.week_of, cal.dmy, cal.hm
    add_working, add_duty, work_day_seconds = cal.add_working, cal.add_duty, cal.work_per_day
    lko = ref.region.name
    dates = cal.dates
    number = 300_000_000 + int(rng.random() * 50_000_000)
    epgu = 6_000_000_000 + int(rng.random() * 900_000_000)
    step = max(2, min(150, int(600_000_000 / max(total, 1))))
    quarter_of = [(d.year * 4 + (d.month - 1) // 3) for d in dates]
    first_quarter = quarter_of[0]
    block_quarter = result.block_quarter
    counts = traffic.day_counts(total)
    next_week = 0
    lognorm, expo = rng.lognormvariate, rng.expovariate
    timeline = Timeline(cal.end, cal.week_of)
    change = timeline.change

    def flush(upto: int) -> None:
        nonlocal next_week
        while next_week < len(exports) and next_week < upto:
            _write_export(exports[next_week], timeline.take(next_week))
            next_week += 1

    def _write_export(export, rows: list[list[str]]) -> None:
        is_xlsx = xlsx_week[export.index]
        name = f"pos_export_{export.file_date.isoformat()}.{'xlsx' if is_xlsx else 'csv'}"
        relpath = f"pos/{name}"
        path = folder / name
        dropped = ("Дата поступления",) if export.index == missing_column_week else ()
        rows = spoiler.spoil(relpath, HEADER, rows, skip_columns=dropped)
        header: tuple[str, ...] = HEADER
        if export.week_start >= midpoint:
            header = HEADER_V2
            rows = [[r[i] for i in ORDER_V2] for r in rows]
        if dropped:
            gone = header.index(dropped[0])
            header = header[:gone] + header[gone + 1 :]
            rows = [r[:gone] + r[gone + 1 :] for r in rows]
            spoiler.record(relpath, {"kind": "missing_column", "row": 0, "field": dropped[0], "value": ""})
        if is_xlsx:
            numeric = [header.index(h) for h in NUMERIC_COLUMNS]
            count = write_xlsx(path, "Sheet0", header, rows, numeric)
        else:
            truncate = export.index == truncated_week and bool(rows)
            cut = write_csv(path, header, rows, encoding="utf-8", bom=True, truncate_last=truncate)
            count = len(rows)
            if cut is not None:
                spoiler.forget_row(relpath, count)
                cells = cut.split(";")
                spoiler.record(
                    relpath, {"kind": "truncated_row", "row": count, "field": header[len(cells) - 1], "value": cut}
                )
        result.files.append(FileRecord(path, "pos", count))

    for day, count in enumerate(counts):
        if count == 0:
            continue
        flush(week_of(day * DAY))
        topics = traffic.topics(day)
        the_date = dates[day]
        quarter = quarter_of[day] - first_quarter
        for t0 in traffic.moments(rng, day, count):
            choice = topics.pick(rng.random())
            label = choice.label
            municipality = traffic.municipalities.pick(rng.random())
            block = label.block_code
            key = (block, quarter)
            block_quarter[key] = block_quarter.get(key, 0) + 1
            final = router.executor(rng, block, municipality, the_date)
            profile = router.profiles[final.agency_id]
            number += 1 + int(rng.random() * step)
            epgu += 1 + int(rng.random() * 40)

            fz59 = rng.random() < FZ59_RATE
            fast = not fz59 and rng.random() < FAST_TRACK_RATE
            planned_day = day + (10 if fast else 30)
            misroute = (
                router.misrouted(rng, final, block, municipality, the_date) if rng.random() < REDIRECT_RATE else None
            )
            first = misroute[0] if misroute else final
            first_name = router.spelling(rng, first, ALIAS_RATE)
            final_name = first_name if first is final else router.spelling(rng, final, ALIAS_RATE)
            coordinators, executors, head = officials.of(first)
            source_code = (
                "MED_DOC_EPGU" if block == "health" and rng.random() < 0.3 else _SOURCE_CODES.pick(rng.random())
            )
            row = [
                str(number),
                str(epgu),
                source_code,
                lko,
                label.category,
                label.subcategory,
                choice.topic.fact,
                first_name,
                first_name,
                dmy[day],
                dmy[planned_day],
                "-",
                MODERATION,
                ON_MODERATION,
                "Нет",
                "Да" if fast else "Нет",
                "Обращение по 59-ФЗ" if fz59 else "Обычное сообщение",
                "Да" if fz59 else "Нет",
                "-",
                "Да" if rng.random() < 0.004 else "-",
                "-",
                "Нет",
                "-",
                "-",
                head,
            ]
            received_hm = f"{dmy[day]} {hm[t0 % DAY // 60]}"

            t_mod = add_duty(t0, int(lognorm(8.3, 0.9)), MODERATOR_HOURS)  # median ~70 minutes on duty
            if rng.random() < REJECT_RATE:
                change(t_mod, (STAGE, DONE), (STATUS, REJECTED), (ACTUAL, dmy[t_mod // DAY]))
            else:
                change(
                    t_mod,
                    (STAGE, EXECUTION),
                    (STATUS, ASSIGNED),
                    (COORD, coordinators[int(rng.random() * len(coordinators))]),
                    (EXECUTOR, executors[int(rng.random() * len(executors))]),
                )
                cycle_start = t_mod
                if misroute:
                    cycle_start = add_working(t_mod, int(lognorm(10.0, 0.8)))  # median ~6 working hours
                    _c, final_executors, final_head = officials.of(final)
                    change(
                        cycle_start,
                        (ORG_NOW, final_name),
                        (STATUS, UP if misroute[1] else DOWN),
                        (EXECUTOR, final_executors[int(rng.random() * len(final_executors))]),
                        (HEAD, final_head),
                    )
                if not fast and rng.random() < POSTPONE_RATE:
                    # the agency asks for more time before the deadline; the answer comes after that
                    cycle_start += int(rng.random() * max(DAY, (planned_day * DAY - cycle_start) * 0.9))
                    planned_day += 30
                    change(cycle_start, (PLANNED, dmy[planned_day]))
                rereviewed = False
                while True:
                    deadline = (planned_day + 1) * DAY
                    if rng.random() < profile.breach_rate * (1.25 if fast else 1.0):
                        t_ans = (planned_day + 1 + int(expo(0.2))) * DAY + 9 * 3600 + int(rng.random() * 9 * 3600)
                    elif rng.random() < LAST_DAYS_RATE:
                        lo = max(cycle_start + 3600, deadline - 3 * DAY)
                        t_ans = lo + int(rng.random() * max(1, deadline - 60 - lo))
                    else:
                        working_days = lognorm(0.0, 0.8) * (2.2 if fast else 4.5) * profile.speed
                        t_ans = add_working(cycle_start, int(min(working_days, 60.0) * work_day_seconds))
                        if t_ans >= deadline:
                            lo = max(cycle_start + 3600, deadline - 3 * DAY)
                            t_ans = lo + int(rng.random() * max(1, deadline - 60 - lo))
                    t_ans = max(t_ans, cycle_start + 1800)
                    late = t_ans >= deadline
                    if late:
                        change(deadline, (OVERDUE, "Да"))
                    formal = rng.random() < profile.formal_rate
                    u = rng.random()
                    if not formal and u < 0.22 + 0.38 * profile.quality + (0.15 if rereviewed else 0.0):
                        decision = "Решено"
                    elif formal or u < 0.9 - 0.08 * profile.quality:
                        decision = "Разъяснено"
                    else:
                        decision = "Не решено"
                    change(t_ans, (STAGE, DONE), (STATUS, ANSWERED), (ACTUAL, dmy[t_ans // DAY]), (DECISION, decision))
                    if rng.random() >= RATED_RATE:
                        break
                    t_rate = t_ans + 600 + int(expo(0.7) * DAY)
                    score = _SCORE[decision] + profile.rating_shift + rng.gauss(0.0, 0.9)
                    score -= (0.9 if late else 0.0) + (1.3 if formal else 0.0)
                    rating = min(5, max(1, round(score)))
                    change(t_rate, (RATING, str(rating)))
                    if rating > 2 or rereviewed or rng.random() >= REREVIEW_RATE:
                        break
                    # a low rating sends the message back to the executor: a new cycle with a short deadline
                    rereviewed, fast = True, True
                    cycle_start = add_working(t_rate, int(lognorm(10.5, 0.7)))
                    planned_day = cycle_start // DAY + 10
                    change(
                        cycle_start,
                        (STAGE, EXECUTION),
                        (STATUS, ASSIGNED),
                        (REREVIEW, "Да"),
                        (RATING, "-"),
                        (DECISION, "-"),
                        (ACTUAL, "-"),
                        (PLANNED, dmy[planned_day]),
                    )

            # Replay the changes: the row as it stands at the end of each week with a change.
            timeline.replay(row, t0, RECEIVED, received_hm, xlsx_week)
        progress(day + 1, cal.days)
    flush(len(exports))
    return result
