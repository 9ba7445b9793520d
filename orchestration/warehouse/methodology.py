"""docs/rating-methodology.md, generated from the rating seeds.

The rating of agencies and municipalities is published to officials together
with its methodology. Both must say the same thing, so the document is not
written by hand: this module renders it from the three seeds the marts are
computed from (``rating_metrics.csv``: what each metric is; ``rating_weights.csv``:
axes, weights, directions; ``rating_settings.csv``: minimum volumes) and a
fixed text for the rules that live in SQL (periods, normalisation, totals,
ranks). ``tests/unit/test_methodology.py`` fails when the committed document
differs from what the seeds give; ``make methodology`` rewrites it.

The fixed text describes ``models/intermediate/ratings`` and
``models/marts/ratings``; whoever changes a rule there changes it here too,
and ``tests/integration/test_rating_recompute.py`` (which recomputes a period
from ``fct_appeals`` by this text) tells when they drift apart.
"""

from __future__ import annotations

import csv
import sys
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from orchestration.settings import PROJECT_ROOT, REFERENCE_DIR

DOCUMENT_PATH = PROJECT_ROOT / "docs" / "rating-methodology.md"

SUBJECTS = {"agency": "органов власти", "municipality": "муниципальных образований"}
SUBJECT_TITLES = {"agency": "Рейтинг органов власти", "municipality": "Рейтинг муниципальных образований"}
AXES = {
    "quantity": "Количество",
    "quality": "Качество",
    "speed": "Скорость (оперативность)",
    "completeness": "Полнота реагирования",
}
AXES_EN = {"quantity": "quantity", "quality": "quality", "speed": "speed", "completeness": "completeness"}
BASES = {
    "received": "поступившие в периоде",
    "answered": "получившие окончательный ответ в периоде",
    "in_work": "находившиеся в работе в периоде",
}
DIRECTIONS = {"higher_is_better": "больше — лучше", "lower_is_better": "меньше — лучше"}
GRAINS = {"month": "месяц", "quarter": "квартал"}


@dataclass(frozen=True)
class Metric:
    """A row of rating_metrics.csv."""

    metric: str
    subject: str
    unit: str
    base: str
    name_ru: str
    definition_ru: str
    name_en: str


@dataclass(frozen=True)
class Weight:
    """A row of rating_weights.csv."""

    region_code: str
    subject: str
    axis: str
    metric: str
    weight: Decimal
    direction: str
    description_ru: str


@dataclass(frozen=True)
class Setting:
    """A row of rating_settings.csv."""

    region_code: str
    subject: str
    period_grain: str
    min_appeals: int
    description_ru: str


@dataclass(frozen=True)
class RatingSeeds:
    """The three rating seeds and the region names the document refers to."""

    metrics: list[Metric]
    weights: list[Weight]
    settings: list[Setting]
    regions: dict[str, str]  # region_code → region_name


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load_seeds(reference_dir: Path = REFERENCE_DIR) -> RatingSeeds:
    """Read the seeds as dbt loads them (the same CSV files)."""
    metrics = [Metric(**row) for row in _rows(reference_dir / "rating_metrics.csv")]
    weights = [
        Weight(**{**row, "weight": Decimal(row["weight"])}) for row in _rows(reference_dir / "rating_weights.csv")
    ]
    settings = [
        Setting(**{**row, "min_appeals": int(row["min_appeals"])})
        for row in _rows(reference_dir / "rating_settings.csv")
    ]
    regions = {row["region_code"]: row["region_name"] for row in _rows(reference_dir / "regions.csv")}
    return RatingSeeds(metrics, weights, settings, regions)


def _number(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text.replace(".", ",")


def _region_label(seeds: RatingSeeds, code: str) -> str:
    return "по умолчанию (`*`)" if code == "*" else f"{seeds.regions.get(code, code)} (`{code}`)"


def _metric_table(seeds: RatingSeeds) -> list[str]:
    lines = [
        "| Код | Показатель | Для кого | Ед. | По каким обращениям | Определение |",
        "|---|---|---|---|---|---|",
    ]
    for m in seeds.metrics:
        who = {"agency": "органы", "municipality": "муниципалитеты", "*": "все"}[m.subject]
        lines.append(f"| `{m.metric}` | {m.name_ru} | {who} | {m.unit} | {BASES[m.base]} | {m.definition_ru} |")
    return lines


def _weight_tables(seeds: RatingSeeds) -> list[str]:
    metrics = {m.metric: m for m in seeds.metrics}
    sets: dict[tuple[str, str], list[Weight]] = defaultdict(list)
    for w in seeds.weights:
        sets[(w.region_code, w.subject)].append(w)
    order = {axis: i for i, axis in enumerate(AXES)}
    lines: list[str] = []
    for subject, title in SUBJECT_TITLES.items():
        lines += [f"### {title}", ""]
        own = sorted(code for code, subj in sets if subj == subject and code != "*")
        default_users = sorted(code for code in seeds.regions if code not in own)
        for code in ["*", *own]:
            rows = sorted(sets[(code, subject)], key=lambda w: (order[w.axis], -w.weight, w.metric))
            users = ", ".join(_region_label(seeds, c) for c in default_users) if code == "*" else ""
            heading = "Веса по умолчанию (`*`)" if code == "*" else f"Веса региона: {_region_label(seeds, code)}"
            lines += [f"**{heading}**" + (f" — применяются в регионах: {users}." if users else "."), ""]
            lines += ["| Ось | Показатель | Вес, % | Направление | Почему |", "|---|---|---:|---|---|"]
            for axis in AXES:
                axis_rows = [w for w in rows if w.axis == axis]
                for w in axis_rows:
                    name = metrics[w.metric].name_ru
                    lines.append(
                        f"| {AXES[axis]} | {name} (`{w.metric}`) | {_number(w.weight)} | "
                        f"{DIRECTIONS[w.direction]} | {w.description_ru} |"
                    )
            totals = {axis: sum((w.weight for w in rows if w.axis == axis), Decimal(0)) for axis in AXES}
            summary = "; ".join(f"{AXES[a].lower()} {_number(t)} %" for a, t in totals.items() if t)
            lines += ["", f"Итого по осям: {summary}.", ""]
    return lines


def _settings_table(seeds: RatingSeeds) -> list[str]:
    lines = ["| Регион | Кто | Период | Минимум обращений | Правило |", "|---|---|---|---:|---|"]
    for s in sorted(seeds.settings, key=lambda s: (s.region_code != "*", s.region_code, s.subject, s.period_grain)):
        who = {"agency": "органы власти", "municipality": "муниципалитеты"}[s.subject]
        lines.append(
            f"| {_region_label(seeds, s.region_code)} | {who} | {GRAINS[s.period_grain]} | {s.min_appeals} | "
            f"{s.description_ru} |"
        )
    return lines


HEADER = """\
<!-- Сгенерировано из seeds/reference/rating_metrics.csv, rating_weights.csv и rating_settings.csv
     командой `make methodology` (python -m orchestration.warehouse.methodology).
     Не редактируйте вручную: измените CSV и сгенерируйте заново; тест сверяет документ с CSV. -->

# Методика рейтинга органов власти и муниципальных образований по работе с обращениями граждан

Центр управления регионом (ЦУР) по акту о его создании обеспечивает «рейтингование органов
государственной власти и органов местного самоуправления по количеству, качеству, скорости и
полноте реагирования на обращения и сообщения (жалобы) по всем видам обратной связи». Этот документ
описывает, как рейтинг считается в хранилище tsur: по каким обращениям, какими показателями, с
какими весами. Рейтинг и методика строятся из одних и тех же файлов настроек, поэтому не могут
расходиться: изменение весов меняет и рейтинг, и этот документ.

Рейтинг публикуется в таблицах `marts.agg_agency_rating` (органы власти) и
`marts.agg_municipality_rating` (муниципальные образования); значения и баллы каждого показателя —
в `marts.agg_rating_metric_scores`.

## 1. Кто участвует в рейтинге

- **Органы власти** — все организации из справочника `agencies.csv` региона (региональные органы
  власти, администрации муниципальных образований, территориальные органы федеральных органов,
  иные), которые существовали хотя бы один день периода. Обращение засчитывается органу, в котором
  оно находится (организация из выгрузки источника). Если орган упразднён до начала периода
  (`valid_to`), его обращения засчитываются правопреемнику (`successor_agency_id`, по цепочке до
  первого действующего).
- **Муниципальные образования** — все муниципалитеты региона из `municipalities.csv`. Обращение
  засчитывается муниципалитету, к территории которого оно относится (ОКТМО), кто бы на него ни
  отвечал. Обращения без указания муниципалитета в рейтинг муниципалитетов не входят.
- Каждый орган и каждый муниципалитет присутствует в рейтинге **каждого** периода — в том числе без
  обращений. Если за период к нему поступило меньше обращений, чем минимальный объём (раздел 4),
  он показывается с пометкой «не оценивается» и причиной (`no_appeals` — обращений нет,
  `below_minimum` — меньше минимума, `no_metrics` — ни по одному взвешенному показателю нет
  значения) и без балла и места. Балл ему не приписывается: по нескольким обращениям качество и
  скорость работы не оценить.

## 2. Какие обращения учитываются и когда

- Все каналы: Платформа обратной связи (ПОС), Инцидент Менеджмент (социальные сети),
  региональные системы.
- Не учитываются обращения, отклонённые модератором (на них никто не должен был отвечать).
- Периоды — календарный **месяц** и **квартал** по местной дате региона. Рейтинг строится за каждый
  период от первого месяца с данными до текущего; текущий (незавершённый) период помечен
  `is_complete = false`, его значения ещё меняются.
- **Момент среза** периода — конец периода (полночь после последнего дня, местное время), а для
  текущего периода — дата актуальности данных (последняя загруженная выгрузка). «Отвечено к
  срезу», «просрочено на срез» определяются на этот момент, поэтому рейтинг завершённого периода
  не меняется, когда позже приходят ответы.
- Базы показателей: «поступившие в периоде» — дата поступления в периоде; «получившие
  окончательный ответ в периоде» — дата окончательного ответа в периоде; «находившиеся в работе в
  периоде» — поступившие не позже конца периода и не получившие ответа до его начала.

## 3. Показатели

Значение каждого показателя округляется до 0,01 (доли — в процентах, время — в часах) до
сравнения. Медиана — серединное значение упорядоченного ряда (при чётном числе — среднее двух
серединных). Доля, у которой знаменатель равен нулю (например, нет ни одной оценки), не имеет
значения: показатель для этого участника пропускается (см. раздел 6).

"""

RULES = """\
## 5. Нормирование: балл показателя от 0 до 100

Баллы показателя сравнивают участников **одного периода и одного вида** (органы с органами,
муниципалитеты с муниципалитетами) по **месту** значения, а не по его величине, чтобы один
участник с выдающимся значением (например, орган с объёмом в десять раз больше прочих) не сжимал
всех остальных в угол шкалы.

Пусть n — число оцениваемых участников (раздел 4), у которых показатель имеет значение. Участники
упорядочиваются от худшего значения к лучшему (направление показателя — в таблице весов: «больше —
лучше» или «меньше — лучше»). Если значение участника стоит на позиции r (первая позиция у
худшего; одинаковые значения занимают позицию первого из них) и такое же значение имеют t
участников (включая его), то

> **балл = 100 × (r − 1 + (t − 1) / 2) / (n − 1)**, с округлением до 0,01.

Лучшее значение получает 100, худшее — 0, одинаковые значения — одинаковый балл (среднее их
позиций). Если показатель есть только у одного участника, он получает 100. Пример: значения 90,
80, 80, 50 («больше — лучше») дают баллы 100; 50; 50; 0.

## 6. Итоговый балл и баллы по осям

> **итоговый балл = Σ (вес × балл показателя) / Σ вес** по взвешенным показателям, имеющим у
> участника значение; округление до 0,01.

Если у участника нет значения какого-то показателя (например, ни одного оценённого ответа или
первых ответов — ПОС их не сообщает), вес этого показателя распределяется между остальными его
показателями пропорционально их весам. Балл по оси (количество, качество, скорость, полнота) —
то же среднее по показателям этой оси; у оси без значений балла нет. Показатель с весом 0
показывается, но в баллы не входит.

## 7. Место и динамика

Место — по убыванию итогового балла среди оцениваемых участников периода (1 — лучший); равные
баллы делят место, следующее место пропускается (1, 1, 3). Для каждого участника показывается
место в предыдущем периоде того же вида (предыдущий месяц или квартал), изменение места
(положительное — поднялся) и динамика: `up` (выше), `down` (ниже), `same` (то же место), `new`
(в предыдущем периоде не оценивался), `not_rated` (не оценивается сейчас).

"""

ENGLISH = """\
## English summary

The ЦУР rates agencies and municipalities monthly and quarterly on the four axes the regional acts
name: quantity, quality, speed and completeness of the response to citizens' appeals. Every agency
existing in the period and every municipality is listed in every period; one that received fewer
appeals than the minimum above is listed as not rated, with the reason, and gets no score or rank.
Rejected appeals are left out; periods are local calendar months and quarters; "answered by" and
"overdue" are judged at the period's end (or the data's as-of for the running period). Each metric
(table in section 3) is rounded to 0.01 and scored 0–100 by its mid-rank percentile among the rated
entities of the period: score = 100 × (r − 1 + (t − 1)/2) / (n − 1), r = position from the worst,
t = entities with the same value, n = entities with a value (a lone entity scores 100). The total is
Σ weight × score / Σ weight over the weighted metrics the entity has a value for (a missing metric
hands its weight to the others in proportion), rounded to 0.01; axis scores are the same mean per
axis. Ranks are by total, descending, ties sharing a rank (1, 1, 3); movement compares with the
previous period of the same grain. The weights (section 8) come from `seeds/reference/rating_weights.csv`:
a region edits them there and regenerates this document with `make methodology`.

Metrics: {metrics}.
"""


def render(seeds: RatingSeeds) -> str:
    """The whole document, deterministic for the same seeds."""
    lines = [HEADER.rstrip("\n"), "", *_metric_table(seeds), ""]
    lines += [
        "## 4. Минимальный объём",
        "",
        "Участник оценивается за период, если за период к нему (органу) или по его территории",
        "(муниципалитету) поступило не меньше обращений, чем указано ниже. Строка региона заменяет",
        "строку по умолчанию (`*`).",
        "",
        *_settings_table(seeds),
        "",
    ]
    lines.append(RULES.rstrip("\n"))
    lines += [
        "",
        "## 8. Оси, показатели и веса",
        "",
        "Веса — в процентах, по каждому региону и виду участников в сумме 100. Регион, у которого есть",
        "свои строки для вида участников, использует только их; остальные регионы — веса по умолчанию",
        "(`*`).",
        "",
        *_weight_tables(seeds),
    ]
    metrics_en = "; ".join(f"`{m.metric}` — {m.name_en} ({m.unit})" for m in seeds.metrics)
    lines.append(ENGLISH.format(metrics=metrics_en).rstrip("\n"))
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the document, or with ``--check`` say whether the committed one is current."""
    args = sys.argv[1:] if argv is None else argv
    text = render(load_seeds())
    if "--check" in args:
        current = DOCUMENT_PATH.read_text(encoding="utf-8") if DOCUMENT_PATH.exists() else ""
        if current != text:
            print(
                f"{DOCUMENT_PATH} is not what the rating seeds give: run `make methodology` and commit it.",
                file=sys.stderr,
            )
            return 1
        return 0
    DOCUMENT_PATH.write_text(text, encoding="utf-8")
    print(f"{DOCUMENT_PATH}: from rating_metrics, rating_weights and rating_settings", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
