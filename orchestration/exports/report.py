"""The governor's weekly report: one PDF in Russian — summary, top problems, deadlines, the rating.

PDF, not XLSX: the report is read and printed, not recalculated, and a PDF
looks the same on every screen and printer of the governor's office. It is
drawn with matplotlib (tables and charts on A4 pages) in DejaVu Sans, the
Cyrillic font matplotlib ships, so nothing is downloaded at run time. The
bytes depend on the data only: no creation date in the PDF's metadata, the
data's as-of printed instead.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg

from orchestration.exports.package import data_as_of, region_profile
from orchestration.exports.periods import MONTHS_RU, Period, containing

A4 = (8.27, 11.69)
BLUE, RED, GREY = "#1F4E79", "#C00000", "#7F7F7F"


@dataclass
class ReportData:
    region_name: str
    timezone: str
    week: Period
    as_of: datetime
    current: dict | None
    previous: dict | None
    history: list[dict]  # the last 12 weeks, oldest first
    problems: list[tuple]
    channels: list[tuple]
    overdue: list[tuple]
    rating_month: date | None
    rating: list[tuple]
    rated_entities: int


def _rows(conn: psycopg.Connection, sql: str, params: dict) -> list[dict]:
    cursor = conn.execute(sql, params)
    names = [c.name for c in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def gather(conn: psycopg.Connection, region: str, week: Period) -> ReportData:
    region_name, timezone = region_profile(conn, region)
    params = {"region": region, "start": week.start, "end": week.end, "first": week.start.replace(day=1)}
    history = _rows(
        conn,
        """
        select period_start, received_count, answered_count, on_time_share, overdue_open_at_period_end,
            open_at_period_end, satisfaction_share, mean_hours_to_answer, mean_hours_to_first_response,
            rating_4_5_share
        from marts.agg_appeals_by_period
        where region_code = %(region)s and period_grain = 'week' and dimension = 'region'
            and period_start <= %(start)s and period_start > %(start)s - 84
        order by period_start
        """,
        params,
    )
    by_start = {row["period_start"]: row for row in history}
    problems = conn.execute(
        """
        select block_name, category_name, appeal_count, previous_appeal_count, growth_rate, negative_share,
            is_catch_all
        from marts.agg_problem_categories
        where region_code = %(region)s and period_grain = 'week' and period_start = %(start)s and is_top
            and appeal_count > 0
        order by appeal_count desc, priority_score desc, category_code collate "C"
        limit 8
        """,
        params,
    ).fetchall()
    channels = conn.execute(
        """
        select coalesce(dimension_label, 'не определен'), received_count
        from marts.agg_appeals_by_period
        where region_code = %(region)s and period_grain = 'week' and period_start = %(start)s
            and dimension = 'channel' and received_count > 0
        order by received_count desc, dimension_value collate "C"
        """,
        params,
    ).fetchall()
    overdue = conn.execute(
        """
        select coalesce(dimension_label, 'не определен'), open_at_period_end, overdue_open_at_period_end,
            answered_count, on_time_share
        from marts.agg_appeals_by_period
        where region_code = %(region)s and period_grain = 'week' and period_start = %(start)s
            and dimension = 'agency' and overdue_open_at_period_end > 0
        order by overdue_open_at_period_end desc, on_time_share nulls last, dimension_value collate "C"
        limit 10
        """,
        params,
    ).fetchall()
    month = conn.execute(
        """
        select max(period_start) from marts.agg_agency_rating
        where region_code = %(region)s and period_grain = 'month' and is_complete and period_end <= %(end)s
        """,
        params,
    ).fetchone()[0]
    rating, rated = [], 0
    as_of = data_as_of(conn, region)
    if month is not None:
        rating = conn.execute(
            """
            select rating_rank, agency_short_name, total_score, quality_score, speed_score, previous_rank, movement
            from marts.agg_agency_rating
            where region_code = %s and period_grain = 'month' and period_start = %s and is_rated
            order by rating_rank, agency_id collate "C"
            """,
            (region, month),
        ).fetchall()
        rated = len(rating)
    return ReportData(
        region_name=region_name,
        timezone=timezone,
        week=week,
        as_of=as_of.astimezone(ZoneInfo(timezone)) if as_of else None,
        current=by_start.get(week.start),
        previous=by_start.get(week.previous().start),
        history=history,
        problems=problems,
        channels=channels,
        overdue=overdue,
        rating_month=month,
        rating=rating,
        rated_entities=rated,
    )


def _num(value, decimals: int = 0, suffix: str = "") -> str:
    if value is None:
        return "—"
    text = f"{value:,.{decimals}f}".replace(",", " ").replace(".", ",")
    return text + suffix


def _pct(value) -> str:
    return "—" if value is None else _num(100 * value, 1, " %")


def _change(current, previous, *, share: bool = False) -> str:
    if current is None or previous is None:
        return ""
    if share:
        delta = 100 * (current - previous)
        return f"{'+' if delta >= 0 else '−'}{_num(abs(delta), 1)} п.п. к пред. неделе"
    delta = current - previous
    return f"{'+' if delta >= 0 else '−'}{_num(abs(delta))} к пред. неделе"


_MOVES = {"up": "▲", "down": "▼", "same": "=", "new": "нов.", "not_rated": ""}


def render(data: ReportData) -> bytes:
    """The report as PDF bytes."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    style = {"font.family": "DejaVu Sans", "font.size": 9, "pdf.compression": 6, "svg.hashsalt": "tsur"}
    buffer = io.BytesIO()
    metadata = {"Title": f"Еженедельный доклад: {data.region_name}, {data.week.label}", "Author": "ЦУР"}
    metadata |= {"Creator": "tsur", "Producer": "tsur", "CreationDate": None, "ModDate": None}
    with plt.rc_context(style), PdfPages(buffer, metadata=metadata) as pdf:
        pdf.savefig(_page_one(plt, data))
        pdf.savefig(_page_two(plt, data))
        plt.close("all")
    return buffer.getvalue()


def _header(fig, data: ReportData, page: int) -> None:
    fig.text(0.06, 0.965, "Еженедельный доклад Губернатору", fontsize=15, weight="bold", color=BLUE)
    fig.text(0.06, 0.945, f"Обращения граждан — {data.region_name}", fontsize=11)
    fig.text(0.06, 0.927, data.week.title_ru.capitalize(), fontsize=10, color=GREY)
    as_of = data.as_of.strftime("%d.%m.%Y %H:%M") + f" ({data.timezone})" if data.as_of else "—"
    fig.text(0.94, 0.927, f"Данные на {as_of}", fontsize=8, color=GREY, ha="right")
    fig.text(0.5, 0.02, f"ЦУР · tsur · страница {page} из 2", fontsize=7, color=GREY, ha="center")


def _kpis(fig, data: ReportData) -> None:
    from matplotlib.patches import FancyBboxPatch

    now, before = data.current or {}, data.previous or {}

    def delta(key: str, share: bool = False) -> str:
        return _change(now.get(key), before.get(key), share=share)

    open_now = f"на рассмотрении: {_num(now.get('open_at_period_end'))}"
    first = f"до первого ответа: {_num(now.get('mean_hours_to_first_response'), 1, ' ч')}"
    tiles = [
        ("Поступило обращений", _num(now.get("received_count")), delta("received_count")),
        ("Дан ответ", _num(now.get("answered_count")), delta("answered_count")),
        ("Ответы в срок", _pct(now.get("on_time_share")), delta("on_time_share", share=True)),
        ("Просрочено на конец недели", _num(now.get("overdue_open_at_period_end")), open_now),
        ("Удовлетворенность", _pct(now.get("satisfaction_share")), delta("satisfaction_share", share=True)),
        ("Среднее время ответа", _num(now.get("mean_hours_to_answer"), 1, " ч"), first),
    ]
    for index, (label, value, note) in enumerate(tiles):
        x, y = 0.06 + (index % 3) * 0.30, 0.855 - (index // 3) * 0.085
        fig.add_artist(
            FancyBboxPatch(
                (x, y - 0.012), 0.28, 0.07, boxstyle="round,pad=0.004", transform=fig.transFigure,
                facecolor="#F2F6FA", edgecolor="#BDD7EE", linewidth=0.8,
            )
        )  # fmt: skip
        fig.text(x + 0.012, y + 0.04, label, fontsize=8, color=GREY)
        fig.text(x + 0.012, y + 0.008, value, fontsize=16, weight="bold", color=BLUE)
        fig.text(x + 0.012, y - 0.006, note, fontsize=7, color=GREY)


def _fit(text: str, width: float) -> str:
    """Cut a cell's text to what its column holds (about 95 characters across the page at 7.5 pt)."""
    limit = max(4, int(width * 95))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _table(
    ax, header: list[str], rows: list[list[str]], widths: list[float], title: str, empty: str = "нет данных"
) -> None:
    ax.axis("off")
    ax.set_title(title, loc="left", fontsize=10, weight="bold", color=BLUE)
    if not rows:
        ax.text(0, 0.8, empty, fontsize=9, color=GREY, transform=ax.transAxes)
        return
    rows = [[_fit(cell, width) for cell, width in zip(row, widths, strict=True)] for row in rows]
    table = ax.table(cellText=rows, colLabels=header, colWidths=widths, loc="upper left", cellLoc="left")
    table.auto_set_font_size(False)
    table.set_fontsize(7.5)
    table.scale(1, 1.35)
    for (row, _), cell in table.get_celld().items():
        cell.set_edgecolor("#D9D9D9")
        if row == 0:
            cell.set_facecolor("#DDEBF7")
            cell.set_text_props(weight="bold")


def _page_one(plt, data: ReportData):
    fig = plt.figure(figsize=A4)
    _header(fig, data, 1)
    _kpis(fig, data)
    chart = fig.add_axes((0.08, 0.50, 0.84, 0.20))
    weeks = [row["period_start"] for row in data.history]
    labels = [f"{d:%d.%m}" for d in weeks]
    chart.bar(labels, [row["received_count"] for row in data.history], color="#9DC3E6", label="поступило")
    chart.bar(labels, [row["answered_count"] for row in data.history], color=BLUE, width=0.4, label="дан ответ")
    chart.set_title(
        "Обращения за 12 недель (подпись — понедельник недели)", loc="left", fontsize=10, weight="bold", color=BLUE
    )
    chart.tick_params(axis="x", labelsize=7)
    chart.spines[["top", "right"]].set_visible(False)
    share = chart.twinx()
    share.plot(labels, [100 * (r["on_time_share"] or 0) for r in data.history], color=RED, marker="o", markersize=3,
               label="доля в срок, %")  # fmt: skip
    share.set_ylim(0, 105)
    share.spines[["top"]].set_visible(False)
    handles = chart.get_legend_handles_labels()[0] + share.get_legend_handles_labels()[0]
    chart.legend(handles=handles, loc="lower left", fontsize=7, frameon=False, ncols=3, bbox_to_anchor=(0, -0.28))
    problems = fig.add_axes((0.06, 0.17, 0.88, 0.25))
    rows = [
        [block, category + (" *" if catch_all else ""), _num(count), _num(previous), _pct(growth), _pct(negative)]
        for block, category, count, previous, growth, negative, catch_all in data.problems
    ]
    _table(problems, ["Блок", "Категория", "Обращ.", "Пред. нед.", "Рост", "Недовольны"], rows,
           [0.28, 0.36, 0.08, 0.09, 0.09, 0.10], "Главные проблемы недели (топ категорий тематических блоков)",
           "обращений за неделю нет")  # fmt: skip
    channels = ", ".join(f"{name} — {_num(count)}" for name, count in data.channels[:6])
    fig.text(0.06, 0.115, "Каналы поступления: " + (channels or "нет обращений"), fontsize=8, wrap=True)
    fig.text(0.06, 0.085, "* «Прочие по направлению»: требуют разбора по подкатегориям.", fontsize=7, color=GREY)
    return fig


def _page_two(plt, data: ReportData):
    fig = plt.figure(figsize=A4)
    _header(fig, data, 2)
    deadlines = fig.add_axes((0.06, 0.60, 0.88, 0.29))
    rows = [
        [name, _num(open_), _num(overdue), _num(answered), _pct(on_time)]
        for name, open_, overdue, answered, on_time in data.overdue
    ]
    _table(deadlines, ["Орган власти", "На рассмотрении", "Просрочено", "Ответов за неделю", "Ответы в срок"], rows,
           [0.40, 0.15, 0.15, 0.15, 0.15], "Сроки: органы власти с просроченными обращениями на конец недели",
           "просроченных обращений на конец недели нет")  # fmt: skip
    rating = fig.add_axes((0.06, 0.20, 0.88, 0.35))
    month = f"{MONTHS_RU[data.rating_month.month - 1]} {data.rating_month.year}" if data.rating_month else "—"
    chosen = data.rating[:5] + [r for r in data.rating[-3:] if r not in data.rating[:5]]
    rows = [
        [_num(rank), name, _num(total, 1), _num(quality, 1), _num(speed, 1),
         f"{_num(previous)} {_MOVES.get(movement, '')}".strip()]
        for rank, name, total, quality, speed, previous, movement in chosen
    ]  # fmt: skip
    _table(rating, ["Место", "Орган власти", "Итоговый балл", "Качество", "Оперативность", "Пред. место"], rows,
           [0.08, 0.40, 0.13, 0.13, 0.13, 0.13],
           f"Рейтинг органов власти за {month}: пять лучших и три последних из {data.rated_entities}",
           "рейтинг за завершенный месяц еще не рассчитан")  # fmt: skip
    fig.text(
        0.06,
        0.07,
        "Рейтинг — по методике ЦУР (количество, качество, оперативность, полнота реагирования; 0–100 баллов).\n"
        "Сроки — по плановой дате ПОС и правилам ЦУР для остальных каналов; доля в срок — от ответов со сроком.",
        fontsize=7,
        color=GREY,
    )
    return fig


def write_report(conn: psycopg.Connection, region: str, week: Period, outbox: Path) -> Path:
    """The report of ``week`` in ``outbox/<region>/governor_report/<week>/``; rewritten only when it changes."""
    if week.kind != "weekly":
        week = containing("weekly", week.start)
    data = gather(conn, region.upper(), week)
    pdf = render(data)
    folder = outbox / region.upper() / "governor_report" / week.label
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"governor_report_{region.upper()}_{week.label}.pdf"
    if not path.exists() or path.read_bytes() != pdf:
        temporary = path.with_suffix(".pdf.tmp")
        temporary.write_bytes(pdf)
        temporary.replace(path)
    return path
