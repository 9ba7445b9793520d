import pytest

from orchestration.ingest.converters import FieldError, build_converter


def test_pos_dates_accept_both_export_forms_and_iso():
    convert = build_converter("timestamp", formats=["%d.%m.%Y", "%d.%m.%Y %H:%M"])
    assert convert("06.01.2026") == "2026-01-06 00:00:00"
    assert convert("06.01.2026 14:35") == "2026-01-06 14:35:00"
    assert convert("2026-01-06 14:35:10") == "2026-01-06 14:35:10"


@pytest.mark.parametrize("bad", ["31.02.2026", "2026-13-45", "вчера", "06/01/2026", "01.01.1900"])
def test_impossible_dates_are_refused_with_the_expected_form(bad):
    convert = build_converter("timestamp", formats=["%d.%m.%Y"])
    with pytest.raises(FieldError) as info:
        convert(bad)
    assert "DD.MM.YYYY" in info.value.reason or "1990" in info.value.reason


def test_date_field_refuses_a_time_of_day():
    with pytest.raises(FieldError):
        build_converter("date", formats=["%d.%m.%Y %H:%M"])("01.02.2026 10:00")


def test_null_markers_and_required_values():
    optional = build_converter("text", null_values=["", "-"])
    assert optional("-") is None
    assert optional("  ") is None
    required = build_converter("text", required=True, null_values=["", "-"])
    with pytest.raises(FieldError, match="required"):
        required("-")


def test_russian_yes_no_flags():
    convert = build_converter("boolean")
    assert [convert(v) for v in ("Да", "нет", "ДА", "1", "false")] == ["t", "f", "t", "t", "f"]
    with pytest.raises(FieldError, match="yes/no"):
        convert("может быть")


def test_rating_bounds_and_whole_numbers():
    convert = build_converter("integer", minimum=1, maximum=5)
    assert convert("5") == "5"
    assert convert("4.0") == "4"  # XLSX stores numbers as floats
    for bad in ("0", "6", "10", "4.5", "пять"):
        with pytest.raises(FieldError, match="from 1 to 5"):
            convert(bad)


def test_numeric_with_decimal_comma_and_spaces():
    convert = build_converter("numeric")
    assert convert("1 234,5") == "1234.5"
    assert convert("60") == "60"


def test_day_fractions_become_intervals_including_e_notation():
    convert = build_converter("duration", unit="days")
    assert convert("4.8611111111111112E-3") == "420.000 seconds"  # 7 minutes
    assert convert("0.5") == "43200.000 seconds"
    with pytest.raises(FieldError):
        convert("-0.1")


def test_apostrophe_escape_is_stripped_and_a_lone_apostrophe_is_empty():
    convert = build_converter("text", strip_apostrophe=True)
    assert convert("'Ямы на дороге") == "Ямы на дороге"
    assert convert("'") is None


def test_value_maps_are_case_and_space_insensitive_and_reject_unknowns():
    convert = build_converter("text", values={"Ответ дан": "answered", "Закрыто": "closed"})
    assert convert("ответ  дан") == "answered"
    with pytest.raises(FieldError, match="Ответ дан"):
        convert("Потеряно")
    keep = build_converter("text", values={"Ответ дан": "answered"}, unmapped="keep")
    assert keep("Потеряно") == "Потеряно"


def test_pattern_check():
    convert = build_converter("text", pattern=r"\d{8}")
    assert convert("15701000") == "15701000"
    with pytest.raises(FieldError, match=r"\\d\{8\}"):
        convert("1570")
