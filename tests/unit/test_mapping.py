from pathlib import Path

import pytest

from orchestration.ingest.mapping import MappingError, feed_for, load_mappings, parse_mapping
from orchestration.ingest.targets import TARGETS


def test_every_shipped_mapping_is_valid_and_targets_a_raw_table(mappings):
    assert {"pos", "im", "regional_portal", "roadmap", "indicators", "staff"} <= set(mappings)
    for mapping in mappings.values():
        assert mapping.target.name in TARGETS


def test_pos_and_im_map_every_column_of_the_real_exports(mappings):
    assert len(mappings["pos"].fields) == 25
    assert len(mappings["im"].fields) == 47


@pytest.mark.parametrize(
    ("name", "feed"),
    [
        ("pos_export_2026-01-12.csv", "pos"),
        ("POS_export_2026-01-12.XLSX", "pos"),
        ("im_export_2026-01-12.xlsx", "im"),
        ("portal_2026-10-31.csv", "regional_portal"),
        ("roadmap_2026_v2.xlsx", "roadmap"),
        ("staff_2026-10-01.csv", "staff"),
        ("indicators_2026.xlsx", "indicators"),
    ],
)
def test_files_are_recognised_by_name(mappings, name, feed):
    assert feed_for(Path(name), mappings).feed == feed


def test_unknown_file_matches_no_feed(mappings):
    assert feed_for(Path("notes.txt"), mappings) is None


def test_export_time_comes_from_the_file_name(mappings):
    assert mappings["pos"].exported_at(Path("pos_export_2026-01-12.csv")).isoformat() == "2026-01-12T00:00:00"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "feed.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_misspelt_field_is_named_with_the_file(tmp_path):
    path = _write(tmp_path, "feed: x\ntarget: regional_appeals\nfiles: [x_*.csv]\nfields:\n  recieved_at: Дата\n")
    with pytest.raises(MappingError) as info:
        parse_mapping(path)
    assert str(path) in str(info.value)
    assert "fields.recieved_at" in str(info.value)
    assert "received_at" in str(info.value)  # the list of valid fields


def test_an_unknown_option_and_target_are_refused(tmp_path):
    with pytest.raises(MappingError, match="unknown option"):
        parse_mapping(
            _write(
                tmp_path,
                "feed: x\ntarget: regional_appeals\nfiles: [a]\nfields:\n  source_id: {column: A, requird: true}\n",
            )
        )
    with pytest.raises(MappingError, match="unknown raw table"):
        parse_mapping(_write(tmp_path, "feed: x\ntarget: appeals\nfiles: [a]\nfields:\n  a: b\n"))


def test_two_mappings_for_one_feed_are_refused(tmp_path):
    text = "feed: x\ntarget: block_staff\nfiles: [a]\nfields:\n  block: Блок\n"
    (tmp_path / "a.yml").write_text(text, encoding="utf-8")
    (tmp_path / "b.yml").write_text(text, encoding="utf-8")
    with pytest.raises(MappingError, match="already defined"):
        load_mappings(tmp_path)
