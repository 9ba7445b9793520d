"""The demo region generator: the same bytes from the same seed, the real formats, realistic behaviour, and
faults with a ground truth that the loader's quarantine agrees with.

Everything is checked on the files themselves (csv and python-calamine), the way a region would see them,
not on the generator's internals. Sizes are small (a few thousand appeals) so the module stays fast.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import json
import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import pairwise
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from orchestration.generate import GenerationSummary, generate_region
from orchestration.settings import REFERENCE_DIR

START = date(2025, 11, 1)
REGIONS = ("BRY", "YEV", "KHM", "PSK", "IRK")


# ---------------------------------------------------------------------------------------------- reading the files


def read_table(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header and rows of one generated file as text cells, the way the sources mean them."""
    if path.suffix == ".xlsx":
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
        cells = [[_text(v) for v in row] for row in sheet]
        return cells[0], cells[1:]
    encoding = "cp1251" if path.parent.name == "regional" else "utf-8-sig"
    with path.open(encoding=encoding, newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    return rows[0], rows[1:]


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def records(path: Path) -> list[dict[str, str]]:
    """The rows as dicts by header name; a row cut short (the truncated-row fault) is left out."""
    header, rows = read_table(path)
    return [dict(zip(header, row, strict=True)) for row in rows if len(row) == len(header)]


def dmy(value: str) -> date:
    return datetime.strptime(value[:10], "%d.%m.%Y").date()


def digests(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@dataclass
class Demo:
    """A generated folder, read once: every weekly version of each ПОС message and IM incident, the portal."""

    summary: GenerationSummary
    pos_history: dict[str, list[dict[str, str]]] = field(default_factory=dict)  # Номер → rows, oldest export first
    pos_exports: list[tuple[Path, list[dict[str, str]]]] = field(default_factory=list)
    im_history: dict[str, list[dict[str, str]]] = field(default_factory=dict)  # ID → rows, oldest export first
    im_exports: list[tuple[Path, list[dict[str, str]]]] = field(default_factory=list)
    portal: list[dict[str, str]] = field(default_factory=list)

    @property
    def out(self) -> Path:
        return self.summary.out_dir

    @property
    def pos(self) -> list[dict[str, str]]:
        """Each ПОС message as its newest export shows it."""
        return [versions[-1] for versions in self.pos_history.values()]

    @property
    def im(self) -> list[dict[str, str]]:
        return [versions[-1] for versions in self.im_history.values()]

    def appeals(self) -> list[tuple[date, str]]:
        """(arrival date, category and subcategory) of every appeal of the three sources."""
        found = [(dmy(r["Дата поступления"]), f"{r['Категория']} {r['Подкатегория']}") for r in self.pos]
        found += [(date.fromisoformat(r["Дата создания"][:10]), f"{r['Группа тем']} {r['Тема']}") for r in self.im]
        found += [(dmy(r["Дата регистрации"]), f"{r['Тематика']} {r['Подтематика']}") for r in self.portal]
        return found


def read_demo(summary: GenerationSummary) -> Demo:
    demo = Demo(summary)
    out = summary.out_dir
    for path in sorted(out.glob("pos/pos_export_*")):  # ISO dates in the names: sorted = export order
        rows = records(path)
        demo.pos_exports.append((path, rows))
        for row in rows:
            demo.pos_history.setdefault(row["Номер"], []).append(row)
    for path in sorted(out.glob("im/im_export_*.xlsx")):
        rows = records(path)
        demo.im_exports.append((path, rows))
        for row in rows:
            demo.im_history.setdefault(row["ID"], []).append(row)
    (portal,) = out.glob("regional/portal_*.csv")
    demo.portal = records(portal)
    return demo


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """A whole year (November to October) of a small region, clean: formats and realism are read from it."""
    out = tmp_path_factory.mktemp("year")
    return read_demo(generate_region("BRY", 6000, START, 12, 11, out))


@pytest.fixture(scope="module")
def spoiled(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """Three months with 2 % of the rows spoiled, and defects.json saying which."""
    out = tmp_path_factory.mktemp("spoiled")
    return read_demo(generate_region("BRY", 4000, START, 3, 5, out, defects=0.02))


# -------------------------------------------------------------------------------------------------- determinism

SMALL = ("BRY", 3000, START, 2)  # region, appeals, start, months


@pytest.fixture(scope="module")
def reference_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """One run in one process; the others must give its bytes, file by file."""
    out = tmp_path_factory.mktemp("reference")
    generate_region(*SMALL, 3, out, defects=0.02, workers=1)
    return out, digests(out)


def test_the_same_arguments_give_the_same_bytes(reference_run, tmp_path):
    generate_region(*SMALL, 3, tmp_path, defects=0.02, workers=1)
    again = digests(tmp_path)
    assert {"manifest.json", "defects.json"} <= again.keys()
    assert sum(name.startswith(("pos/", "im/", "regional/")) for name in again) >= 15
    assert again == reference_run[1]


def test_the_manifest_lists_every_data_file_with_its_digest_and_rows(reference_run):
    out, digest = reference_run
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    listed = {f["path"]: f["sha256"] for f in manifest["files"]}
    assert listed == {k: v for k, v in digest.items() if k not in ("manifest.json", "defects.json")}
    for entry in manifest["files"]:
        _header, rows = read_table(out / entry["path"])
        assert entry["rows"] == len(rows), entry["path"]


def test_another_seed_gives_other_bytes(reference_run, tmp_path):
    generate_region(*SMALL, 4, tmp_path, defects=0.02, workers=1)
    other, reference = digests(tmp_path), reference_run[1]
    appeal_files = [name for name in reference if name.startswith(("pos/", "im/", "regional/"))]
    assert appeal_files and set(appeal_files) <= other.keys()
    assert all(other[name] != reference[name] for name in appeal_files)


def test_worker_processes_change_only_the_speed(reference_run, tmp_path):
    summary = generate_region(*SMALL, 3, tmp_path, defects=0.02, workers=2)
    assert digests(tmp_path) == reference_run[1]
    assert summary.appeals == {"pos": 1350, "im": 1200, "regional": 450}


def test_a_rerun_into_a_used_folder_leaves_no_stale_files(tmp_path):
    generate_region("BRY", 1000, START, 2, 1, tmp_path / "used", defects=0.01)
    generate_region("BRY", 1000, START, 1, 1, tmp_path / "used")
    generate_region("BRY", 1000, START, 1, 1, tmp_path / "fresh")
    assert digests(tmp_path / "used") == digests(tmp_path / "fresh")


# ------------------------------------------------------------------------------------------------------ formats


def test_pos_csv_exports_have_the_back_office_header_and_encoding(year, mappings):
    expected = [f.columns[0] for f in mappings["pos"].fields]
    assert len(expected) == 25
    for literal in ("Номер", "Номер ЕПГУ", "Верхнеуровневый ЛКО", "Дата поступления", "Стадия", "Просрочено",
                    "Фаст-трек", "Оценка ответа заявителем", "Повторное рассмотрение", "ФИО руководителя",
                    "Направлено по email в ФОИВ, не подключенный к ПОС"):  # fmt: skip
        assert literal in expected
    csvs = [path for path, _ in year.pos_exports if path.suffix == ".csv"]
    assert len(csvs) >= 35  # 52 weekly exports, every 4th one XLSX
    headers = []
    for path in csvs:
        data = path.read_bytes()
        assert data.startswith(codecs.BOM_UTF8), path.name
        assert data.count(b"\n") == data.count(b"\r\n"), f"{path.name}: bare LF"
        first_line = data[3:].split(b"\r\n", 1)[0].decode("utf-8")
        assert first_line.split(";") == read_table(path)[0]  # ';' separates, no header needs quoting
        headers.append(first_line.split(";"))
    assert all(sorted(h) == sorted(expected) for h in headers)
    # a newer platform version moves columns midway; the first exports have the mapping's order
    assert headers[0] == expected
    assert len({tuple(h) for h in headers}) == 2


def test_pos_cells_use_dd_mm_yyyy_and_a_dash_for_empty(year):
    date_only = re.compile(r"\d\d\.\d\d\.\d{4}")
    with_time = re.compile(r"\d\d\.\d\d\.\d{4} \d\d:\d\d")
    dashes = Counter()
    for path, rows in year.pos_exports:
        received = date_only if path.suffix == ".csv" else with_time  # the XLSX exports add HH:MM
        for row in rows:
            assert "" not in row.values(), f"{path.name}: an empty cell instead of '-'"
            assert received.fullmatch(row["Дата поступления"]), row["Дата поступления"]
            assert date_only.fullmatch(row["Дата планируемого завершения работ"])
            actual = row["Дата фактического завершения работ"]
            assert actual == "-" or date_only.fullmatch(actual)
            assert row["Оценка ответа заявителем"] in {"-", "1", "2", "3", "4", "5"}
            for name in ("Просрочено", "Фаст-трек", "Повторное рассмотрение"):
                assert row[name] in ("Да", "Нет")
            dashes.update(name for name, value in row.items() if value == "-")
    for name in ("Дата фактического завершения работ", "Тип решения", "Оценка ответа заявителем", "ФИО исполнителя"):
        assert dashes[name] > 0, name


def test_some_pos_exports_are_xlsx_on_sheet0(year, mappings):
    xlsx = [path for path, _ in year.pos_exports if path.suffix == ".xlsx"]
    assert len(xlsx) >= 10
    expected = sorted(f.columns[0] for f in mappings["pos"].fields)
    for path in xlsx:
        workbook = CalamineWorkbook.from_path(str(path))
        assert workbook.sheet_names == ["Sheet0"]
        assert sorted(read_table(path)[0]) == expected


def test_im_exports_have_47_columns_apostrophes_and_day_fractions(year, mappings):
    expected = [f.columns[0] for f in mappings["im"].fields]
    assert len(expected) == 47
    assert {"Кабинет", "ID", "Текст инцидента", "Причина закрытия", "Время 1го ответа ПИ", "Урл блога"} <= set(expected)
    durations = [f.columns[0] for f in mappings["im"].fields if f.type == "duration"]
    assert len(durations) == 5
    texts = ("Текст инцидента", "1ый ответ ПИ", "2ой ответ ПИ", "3ий ответ ПИ", "Общий текст первого ответа")
    e_notation = re.compile(r"\d\.\d+E-\d+")
    seen_e = 0
    for path, rows in year.im_exports:
        assert read_table(path)[0] == expected, path.name
        for row in rows:
            assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", row["Дата создания"])
            assert len(row["Текст инцидента"]) > 20
            for name in texts:
                assert row[name].startswith("'"), (name, row[name])  # an empty answer is a lone '
            for name in durations:
                if row[name]:
                    assert float(row[name]) >= 0
                    seen_e += bool(e_notation.fullmatch(row[name]))
            assert row["Уложились или нет после назн. ПИ"] in ("Да", "Нет", "-")
    assert seen_e > 10


def test_the_regional_portal_is_windows_1251(year, mappings):
    (path,) = year.out.glob("regional/portal_*.csv")
    data = path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    text = data.decode("cp1251")
    header = text.split("\r\n", 1)[0].split(";")
    assert set(header) == {f.columns[0] for f in mappings["regional_portal"].fields}
    assert {"Рег. номер", "Дата регистрации", "Заявитель", "Телефон", "Текст обращения"} <= set(header)
    assert len(year.portal) == 900


def test_messages_reappear_in_later_exports_with_a_later_stage(year):
    rank = {"Модерация": 0, "Исполнение": 1, "Завершено": 2}
    history = year.pos_history
    again = [versions for versions in history.values() if len(versions) >= 2]
    assert len(again) > len(history) // 2
    progressed = [v for v in again if rank[v[-1]["Стадия"]] > rank[v[0]["Стадия"]]]
    assert len(progressed) > 0.8 * len(again)
    for versions in again:
        for before, after in pairwise(versions):
            if rank[after["Стадия"]] < rank[before["Стадия"]]:  # only a re-review reopens a message
                assert after["Повторное рассмотрение"] == "Да"


def test_no_export_shows_the_future(year):
    for path, rows in year.pos_exports:
        exported = date.fromisoformat(path.stem.rsplit("_", 1)[1])
        for row in rows:
            assert dmy(row["Дата поступления"]) < exported
            actual = row["Дата фактического завершения работ"]
            assert actual == "-" or dmy(actual) < exported
    for path, rows in year.im_exports:
        exported = path.stem.rsplit("_", 1)[1]
        for row in rows:
            assert all(row[n][:10] < exported for n in ("Дата создания", "Дата окончания") if row[n])


def test_every_life_runs_forward(year):
    for versions in year.pos_history.values():
        for row in versions:
            received = dmy(row["Дата поступления"])
            assert dmy(row["Дата планируемого завершения работ"]) >= received
            if row["Стадия"] == "Завершено":
                assert dmy(row["Дата фактического завершения работ"]) >= received
            else:
                assert row["Дата фактического завершения работ"] == "-" and row["Тип решения"] == "-"
    for versions in year.im_history.values():
        for row in versions:
            moments = [row[n] for n in ("Дата создания", "Время назначения последнего исполнителя",
                                        "Общее время первого ответа", "Дата окончания") if row[n]]  # fmt: skip
            assert moments == sorted(moments), row["ID"]

    def moment(value: str) -> datetime:
        return datetime.strptime(value, "%d.%m.%Y %H:%M")

    for row in year.portal:
        moments = [moment(row[n]) for n in ("Дата регистрации", "Дата промежуточного ответа", "Дата ответа") if row[n]]
        assert moments == sorted(moments), row["Рег. номер"]  # an interim answer comes before the final one
        if row["Состояние"] in ("Закрыто", "Ответ дан", "Отклонено"):
            assert row["Дата ответа"]
        if row["Оценка"]:
            assert row["Дата ответа"]


def _region_names() -> dict[str, str]:
    with (REFERENCE_DIR / "regions.csv").open(encoding="utf-8-sig", newline="") as handle:
        return {r["region_code"]: r["region_name"] for r in csv.DictReader(handle)}


@pytest.mark.parametrize("region", REGIONS)
def test_every_region_generates(region, tmp_path):
    summary = generate_region(region, 800, START, 1, 2, tmp_path)
    assert {f.feed for f in summary.files} == {"pos", "im", "regional_portal", "roadmap", "indicators", "staff"}
    assert all(f.rows > 0 for f in summary.files)
    name = _region_names()[region]
    pos = [r for path in sorted(tmp_path.glob("pos/*")) for r in records(path)]
    assert pos and {r["Верхнеуровневый ЛКО"] for r in pos} == {name}
    im = [r for path in sorted(tmp_path.glob("im/*")) for r in records(path)]
    assert im and {r["Регион"] for r in im} == {name}
    (portal,) = tmp_path.glob("regional/*.csv")
    assert len(records(portal)) == summary.appeals["regional"]


# ------------------------------------------------------------------------------------------------------ realism

SNOW = re.compile(r"снег|налед|гололед|сосульк", re.IGNORECASE)
HEATING = re.compile(r"отоплен|отопительн|теплоснаб|низкая температура|тепловых сет", re.IGNORECASE)


def test_snow_and_ice_come_in_winter(year):
    months = Counter(day.month for day, topic in year.appeals() if SNOW.search(topic))
    winter, summer = months[12] + months[1] + months[2], months[6] + months[7] + months[8]
    assert winter >= 60
    assert winter > 5 * max(summer, 1)


def test_heating_complaints_peak_in_october(year):
    months = Counter(day.month for day, topic in year.appeals() if HEATING.search(topic))
    assert sum(months.values()) >= 100
    assert max(months, key=months.__getitem__) == 10, months
    assert months[10] > 3 * months[7]


def test_weekdays_are_busier_than_weekends(year):
    for name, appeals in (("all", year.appeals()), ("ПОС", [(dmy(r["Дата поступления"]), "") for r in year.pos])):
        per_day = Counter(day for day, _ in appeals)
        weekday = statistics.mean(n for day, n in per_day.items() if day.weekday() < 5)
        weekend = statistics.mean(n for day, n in per_day.items() if day.weekday() >= 5)
        assert weekday > 1.6 * weekend, name


def _ranks(values: dict[str, float]) -> dict[str, float]:
    """Rank of each value (ties share their mean rank)."""
    ordered = sorted(values.values())
    return {k: (ordered.index(v) + len(ordered) - ordered[::-1].index(v) - 1) / 2 for k, v in values.items()}


def answer_speeds(demo: Demo) -> tuple[dict[str, float], dict[str, float]]:
    """Median days from arrival to answer per agency: ПОС (≥ 30 answers) and the regional portal (≥ 15)."""
    pos: dict[str, list[int]] = defaultdict(list)
    for row in demo.pos:
        if row["Статус"] == "Отправлен ответ заявителю":
            days = dmy(row["Дата фактического завершения работ"]) - dmy(row["Дата поступления"])
            pos[row["Организация, в которой находится сообщение"]].append(days.days)
    portal: dict[str, list[float]] = defaultdict(list)
    for row in demo.portal:
        if (
            row["Дата ответа"]
            and row["Состояние"] != "Отклонено"
            and row["Результат"] != "Перенаправлено по компетенции"
        ):
            took = datetime.strptime(row["Дата ответа"], "%d.%m.%Y %H:%M") - datetime.strptime(
                row["Дата регистрации"], "%d.%m.%Y %H:%M"
            )
            portal[row["Исполнитель"]].append(took.total_seconds() / 86400)
    return (
        {k: statistics.median(v) for k, v in pos.items() if len(v) >= 30},
        {k: statistics.median(v) for k, v in portal.items() if len(v) >= 15},
    )


def test_agencies_differ_in_speed(year):
    pos, portal = answer_speeds(year)
    assert len(pos) >= 6 and len(portal) >= 6
    assert max(pos.values()) > 1.3 * min(pos.values())
    assert max(portal.values()) > 1.4 * min(portal.values())
    # and it is the agency, not chance: the same agencies are fast or slow in both sources
    common = sorted(pos.keys() & portal.keys())
    assert len(common) >= 6
    pos_rank, portal_rank = _ranks({k: pos[k] for k in common}), _ranks({k: portal[k] for k in common})
    rho = statistics.correlation([pos_rank[k] for k in common], [portal_rank[k] for k in common])
    assert rho > 0.4, rho


def test_deadlines_are_missed_sometimes(year):
    overdue = sum(r["Просрочено"] == "Да" for r in year.pos) / len(year.pos)
    assert 0.03 < overdue < 0.25
    late = [r for r in year.pos if r["Стадия"] == "Завершено" and r["Просрочено"] == "Да"]
    assert any(
        dmy(r["Дата фактического завершения работ"]) > dmy(r["Дата планируемого завершения работ"]) for r in late
    )
    im_met = Counter(r["Уложились или нет после назн. ПИ"] for r in year.im)
    assert 0 < im_met["Нет"] < 0.3 * (im_met["Да"] + im_met["Нет"])

    def portal_time(value: str) -> datetime:
        return datetime.strptime(value, "%d.%m.%Y %H:%M")

    answered = [r for r in year.portal if r["Дата ответа"]]
    assert any(portal_time(r["Дата ответа"]) > portal_time(r["Срок исполнения"]) for r in answered)


def test_redirects_happen(year):
    moved = sum(r["Организация, в которую поступило сообщение"] != r["Организация, в которой находится сообщение"]
                for r in year.pos) / len(year.pos)  # fmt: skip
    assert 0.03 < moved < 0.15
    statuses = {r["Статус"] for versions in year.pos_history.values() for r in versions}
    assert {"Передано в вышестоящую организацию", "Направлено в подведомственную организацию"} <= statuses
    assert {"Перенаправлено", "Перенаправлено по компетенции"} <= (
        {r["Состояние"] for r in year.portal} | {r["Результат"] for r in year.portal}
    )


def test_repeat_appeals_come_from_the_same_people(year):
    rereviewed = sum(r["Повторное рассмотрение"] == "Да" for r in year.pos) / len(year.pos)
    assert 0.01 < rereviewed < 0.10
    repeats = [i for i, r in enumerate(year.portal) if r["Повторное"] == "да"]
    assert 0.01 < len(repeats) / len(year.portal) < 0.12
    for i in repeats:
        earlier = {r["Заявитель"] for r in year.portal[:i]}
        assert year.portal[i]["Заявитель"] in earlier
    incidents = sorted(year.im, key=lambda r: r["Дата создания"])
    authors: set[str] = set()
    repeated = 0
    for row in incidents:
        if "Повторное" in row["Теги"]:
            assert row["URL автора"] in authors
            repeated += 1
        authors.add(row["URL автора"])
    assert repeated > 10


def test_some_appeals_are_still_open_at_the_end(year):
    open_pos = sum(r["Стадия"] != "Завершено" for r in year.pos) / len(year.pos)
    assert 0.005 < open_pos < 0.2
    assert {"На рассмотрении", "Зарегистрировано"} & {r["Состояние"] for r in year.portal}
    assert any(not r["Дата ответа"] for r in year.portal)
    open_im = [r for r in year.im if r["Текущий шаг инцидента"] != "Готово"]
    assert open_im and all(not r["Дата окончания"] for r in open_im)


def test_personal_data_is_filled_and_fake(year):
    from orchestration.generate import people

    first_names = set(people._MALE) | set(people._FEMALE)
    surnames = set(people._SURNAMES) | set(people._FEMALE_SURNAMES)
    names = [r["Заявитель"] for r in year.portal]
    assert len(set(names)) > 0.8 * len(names)
    for row in year.portal:
        surname, first, patronymic = row["Заявитель"].split(" ")
        assert surname in surnames and first in first_names
        if first in people._FEMALE:
            assert surname in people._FEMALE_SURNAMES and re.fullmatch(r"\w+(овна|евна|ична)", patronymic), row
        else:
            assert surname in people._SURNAMES and re.fullmatch(r"\w+(ович|евич|ич)", patronymic), row
        assert re.fullmatch(r"\+7 \(9\d\d\) \d{3}-\d\d-\d\d|\+79\d{9}", row["Телефон"]), row["Телефон"]
        assert row["E-mail"] == "" or re.fullmatch(r"[a-z0-9._]+@[a-z]+\.ru|[a-z0-9._]+@gmail\.com", row["E-mail"])
        assert row["Адрес"]
    assert sum(bool(r["E-mail"]) for r in year.portal) > 0.5 * len(year.portal)
    assert sum("Адрес: " in r["Текст обращения"] for r in year.portal) > 0.3 * len(year.portal)
    for row in year.im:
        assert re.match(r"https://(vk\.com|ok\.ru|t\.me|dzen\.ru|www\.youtube\.com)/", row["URL автора"])
    officials = [r["ФИО руководителя"] for r in year.pos]
    assert all(len(n.split(" ")) == 3 and n.split(" ")[1] in first_names for n in officials)


# ------------------------------------------------------------------------------------------------ topics and texts


@pytest.mark.parametrize(
    ("names", "busiest", "quietest"),
    [
        ("Уборка снега и наледи на дорогах", {1, 2, 12}, {6, 7, 8}),
        ("Теплоснабжение Начало отопительного сезона", {10}, {6, 7}),
        ("Отключение горячей воды", {6, 7}, {1, 2, 3, 10, 11, 12}),
        ("Школы Горячее питание", {9}, {7}),  # school meals, not hot water
        ("Загрязнение воздуха Сжигание мусора и сухой травы", {4}, {1, 2, 12}),  # a fire risk, not mowing
    ],
)
def test_seasons_follow_the_topic(names, busiest, quietest):
    from orchestration.generate.behaviour import season

    profile = season(names)
    top = max(profile)
    assert {m for m in range(1, 13) if profile[m - 1] == top} <= busiest
    assert all(profile[m - 1] <= min(profile) + 0.3 for m in quietest)


@pytest.mark.parametrize(
    "names",
    ["Земельные участки многодетным семьям", "Выплаты военнослужащим и их семьям", "Подключение к газовым сетям"],
)
def test_words_that_merely_contain_a_keyword_have_no_season(names):
    from orchestration.generate.behaviour import FLAT_SEASON, season

    assert season(names) == FLAT_SEASON  # «семьям», «сетям» are not potholes («ямы»)


@pytest.mark.parametrize(
    ("names", "fact"),
    [
        ("Школы Горячее питание", "Горячее питание"),
        ("Отключение горячей воды", "Нет горячей воды"),
        ("Запись на прием к врачу Электронная запись на прием к врачу", "Запись на прием к врачу"),
        ("Земельные участки Предоставление земельных участков", "Земельные участки"),
        ("Земельные участки многодетным семьям", "Земельные участки"),
        ("Газоснабжение Подключение к газовым сетям", "Газификация"),
        ("Благоустройство Уличное освещение", "Не горят фонари"),
        ("Выплаты военнослужащим и их семьям", "Выплаты и пособия"),
        ("Вывоз ТКО Несвоевременный вывоз мусора", "Не вывозится мусор"),
        ("Многоквартирные дома Капитальный ремонт", "(own)"),
        ("Жилищная политика Очередь на улучшение жилищных условий", "(own)"),
    ],
)
def test_appeal_texts_follow_the_topic(names, fact):
    from orchestration.generate.texts import topic_for

    assert topic_for(names, "(own)").fact == fact


def test_answers_read_as_russian():
    import random

    from orchestration.generate.reference import load_reference
    from orchestration.generate.texts import answer_text, appeal_text, days, topic_for

    assert [days(n) for n in (1, 2, 4, 5, 11, 12, 14, 21, 22, 25)] == [
        "1 день", "2 дня", "4 дня", "5 дней", "11 дней", "12 дней", "14 дней", "21 день", "22 дня", "25 дней",
    ]  # fmt: skip
    rng = random.Random(1)
    for region in REGIONS:
        for labels in load_reference(region).labels.values():
            for label in labels:
                topic = topic_for(label.canonical_text, label.subcategory)
                # «{done} выполнены / проведены / включены в план»: what was done is plural
                assert topic.done.split(" ")[0] in ("работы", "мероприятия", "проверочные", "необходимые"), topic.done
                text = appeal_text(rng, topic, label.subcategory, "")
                assert not re.search(r"\b([2-4]|2[2-4]) дней|\b(1|21) дн", text), text
                answer = answer_text(rng, topic, "resolved", "Департамент", 0, False)
                text.encode("cp1251")  # the portal writes Windows-1251
                answer.encode("cp1251")


# ------------------------------------------------------------------------------------------------------ defects

KINDS = {"bad_date", "unknown_category", "duplicate_id", "rating_out_of_range", "missing_column", "truncated_row"}


def _ground_truth(demo: Demo) -> dict:
    return json.loads((demo.out / "defects.json").read_text(encoding="utf-8"))


def test_defects_json_lists_every_kind(spoiled):
    truth = _ground_truth(spoiled)
    assert set(truth["injected"]) == KINDS
    assert truth["injected"] == spoiled.summary.defects
    entries = [e for es in truth["files"].values() for e in es]
    assert Counter(e["kind"] for e in entries) == Counter(truth["injected"])
    assert truth["injected"]["missing_column"] == 1 and truth["injected"]["truncated_row"] == 1
    rows = sum(f.rows for f in spoiled.summary.files if f.feed in ("pos", "im", "regional_portal"))
    row_level = sum(n for kind, n in truth["injected"].items() if kind not in ("missing_column", "truncated_row"))
    assert 0.01 * rows < row_level < 0.03 * rows  # --defects 0.02


def test_the_ground_truth_matches_the_files(spoiled):
    for relpath, entries in _ground_truth(spoiled)["files"].items():
        path = spoiled.out / relpath
        header, rows = read_table(path)
        for e in entries:
            if e["kind"] == "missing_column":
                assert e["field"] not in header
                continue
            if e["kind"] == "truncated_row":
                data = path.read_bytes()
                assert not data.endswith(b"\r\n")
                assert data.rsplit(b"\r\n", 1)[1].decode("utf-8") == e["value"]
                assert e["row"] == len(rows)
                continue
            row = dict(zip(header, rows[e["row"] - 1], strict=True))
            assert row[e["field"]] == e["value"], (relpath, e)
            if e["kind"] == "duplicate_id":
                original = dict(zip(header, rows[e["duplicate_of"] - 1], strict=True))
                assert original[e["field"]] == e["value"] and original != row  # same id, different content


@pytest.mark.integration
def test_the_loader_quarantines_what_the_ground_truth_says(spoiled, conn, mappings):
    from orchestration.ingest.loader import load_file, plan_files

    out = spoiled.out
    truth = _ground_truth(spoiled)["files"]
    manifest = {f["path"]: f["rows"] for f in json.loads((out / "manifest.json").read_text("utf-8"))["files"]}
    planned, unmatched = plan_files([out], mappings)
    assert unmatched == []
    assert sorted(p.relative_to(out).as_posix() for p, _ in planned) == sorted(manifest)
    seen = Counter()
    for path, mapping in planned:
        relpath = path.relative_to(out).as_posix()
        rows, entries = manifest[relpath], truth.get(relpath, [])
        result = load_file(conn, path, mapping)
        assert result.rows_read == rows, relpath
        assert result.rows_loaded + result.rows_quarantined == rows, relpath
        quarantined = conn.execute(
            "select row_number, field, value from raw.quarantine where load_id = %s", (result.load_id,)
        ).fetchall()
        if any(e["kind"] == "missing_column" for e in entries):
            assert result.status == "rejected" and result.rows_loaded == 0
            assert sorted(q[0] for q in quarantined) == list(range(1, rows + 1))
            seen["missing_column"] += 1
            continue
        assert result.status == "loaded", (relpath, result.message)
        expected = {
            (e["row"], e["field"], e["value"]) for e in entries if e["kind"] in ("bad_date", "rating_out_of_range")
        }
        expected |= {(e["row"], None, None) for e in entries if e["kind"] == "truncated_row"}
        assert set(quarantined) == expected, relpath
        assert len(quarantined) == len(expected)
        # Unknown categories and duplicate ids are the data-quality checks' business: the loader keeps them.
        table, column = mapping.target.table, {f.columns[0]: f.name for f in mapping.fields}
        for e in entries:
            if e["kind"] == "unknown_category":
                got = conn.execute(
                    f"select {column[e['field']]} from {table} where _load_id = %s and _row_number = %s",
                    (result.load_id, e["row"]),
                ).fetchall()
                assert got == [(e["value"],)], (relpath, e)
            elif e["kind"] == "duplicate_id":
                got = conn.execute(
                    f"select {column[e['field']]}::text from {table} where _load_id = %s and _row_number in (%s, %s)",
                    (result.load_id, e["row"], e["duplicate_of"]),
                ).fetchall()
                assert got == [(e["value"],), (e["value"],)], (relpath, e)
            seen[e["kind"]] += 1
    assert set(seen) == KINDS
