import json
from datetime import datetime

import openpyxl
import pytest

from orchestration.ingest.readers import ReadError, open_table


def _rows(table):
    return [(n, cells, error) for n, cells, error in table.rows]


@pytest.mark.parametrize(
    ("encoding", "detected"), [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("cp1251", "cp1251")]
)
def test_encodings_are_detected(tmp_path, encoding, detected):
    path = tmp_path / "f.csv"
    path.write_text("Номер;Состояние\r\n1;Ответ дан\r\n", encoding=encoding)
    table = open_table(path)
    assert table.encoding == detected
    assert table.header == ["Номер", "Состояние"]
    assert _rows(table) == [(1, ["1", "Ответ дан"], None)]


@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
def test_delimiter_is_detected_from_the_header(tmp_path, delimiter):
    path = tmp_path / "f.csv"
    path.write_text(delimiter.join(["a", "b", "c"]) + "\n" + delimiter.join(["1", "2", "3"]) + "\n")
    table = open_table(path)
    assert table.delimiter == delimiter
    assert _rows(table)[0][1] == ["1", "2", "3"]


def test_a_row_cut_inside_quotes_is_reported_not_lost(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text('a;b;c\n1;2;3\n4;5;"cut in the mid')
    rows = _rows(open_table(path))
    assert rows[0] == (1, ["1", "2", "3"], None)
    assert rows[1][0] == 2 and rows[1][1] is None and "cannot be split" in rows[1][2]


def test_blank_lines_are_not_rows(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("a;b\n1;2\n\n3;4\n")
    assert [n for n, _, _ in open_table(path).rows] == [1, 2]


def test_xlsx_native_values_are_rendered_as_the_converters_expect(tmp_path):
    path = tmp_path / "f.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Sheet0"
    sheet.append(["Номер", "Дата поступления", "Оценка", "Текст"])
    sheet.append([327441806, datetime(2026, 1, 6, 14, 35), 5, "'Яма"])
    sheet.append([None, None, None, None])
    book.save(path)
    table = open_table(path, sheet="Sheet0")
    assert table.header == ["Номер", "Дата поступления", "Оценка", "Текст"]
    assert _rows(table) == [(1, ["327441806", "2026-01-06 14:35:00", "5", "'Яма"], None)]


def test_jsonl_records_and_a_broken_line(tmp_path):
    path = tmp_path / "f.jsonl"
    lines = [
        json.dumps({"id": "A-1", "rating": 5}, ensure_ascii=False),
        "{not json",
        json.dumps({"rating": 4, "id": "A-3"}),
    ]
    path.write_text("\n".join(lines) + "\n")
    table = open_table(path)
    assert table.header == ["id", "rating"]
    rows = _rows(table)
    assert rows[0] == (1, ["A-1", "5"], None)
    assert rows[1][1] is None and "not a JSON object" in rows[1][2]
    assert rows[2] == (3, ["A-3", "4"], None)


def test_an_empty_file_is_a_clear_error(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("")
    with pytest.raises(ReadError, match="empty"):
        open_table(path)
