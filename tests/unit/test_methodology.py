"""docs/rating-methodology.md is what the rating seeds generate: the published rating and its explanation agree."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from orchestration.warehouse import methodology


def test_committed_methodology_matches_the_seeds():
    expected = methodology.render(methodology.load_seeds())
    committed = methodology.DOCUMENT_PATH.read_text(encoding="utf-8")
    assert committed == expected, "docs/rating-methodology.md is stale: run `make methodology` and commit it"


def test_a_region_edit_of_a_weight_changes_the_document():
    seeds = methodology.load_seeds()
    first = seeds.weights[0]
    edited = replace(first, weight=first.weight + Decimal("0.5"))
    text = methodology.render(replace(seeds, weights=[edited, *seeds.weights[1:]]))
    assert text != methodology.render(seeds)
    assert f"(`{first.metric}`) | {methodology._number(edited.weight)} |" in text


def test_check_mode_reports_a_stale_document(tmp_path, monkeypatch, capsys):
    stale = tmp_path / "rating-methodology.md"
    stale.write_text("# old\n", encoding="utf-8")
    monkeypatch.setattr(methodology, "DOCUMENT_PATH", stale)
    assert methodology.main(["--check"]) == 1
    assert "make methodology" in capsys.readouterr().err
    assert methodology.main([]) == 0
    assert methodology.main(["--check"]) == 0
