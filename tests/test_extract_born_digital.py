"""End to end on born-digital PDFs: exact against the truth, schema-valid, validation reproduced."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.extract import Extractor
from tests.support import (BORN_DIGITAL, copy_truth, extract_all, issue_keys, needs_fonts, needs_shared,
                           schema_errors, score, truth_pairs)

pytestmark = needs_shared


def assert_exact(summary: dict) -> None:
    for key in ("field_accuracy", "row_recall", "row_precision", "measure_accuracy", "form_exact"):
        assert summary[key] == 1.0, f"{key}={summary[key]}\n{summary['misses']}"
    assert summary["silent_error_rate"] == 0.0


def assert_same_validation(docs: dict[str, dict], truth_dir: Path) -> None:
    for name, doc in docs.items():
        truth = json.loads((truth_dir / f"{name}.json").read_text(encoding="utf-8"))
        assert doc["status"] == truth["status"], name
        assert len(doc["forms"]) == len(truth["forms"]), name
        for got, want in zip(doc["forms"], truth["forms"]):
            assert got["pages"] == want["pages"], (name, got["form_index"])
            assert got["validation"]["status"] == want["validation"]["status"], (name, got["form_index"])
            assert issue_keys(got["validation"]) == issue_keys(want["validation"]), (name, got["form_index"])


@pytest.fixture(scope="module")
def small_set(tmp_path_factory) -> tuple[dict[str, dict], Path, Path]:
    pdfs = truth_pairs(BORN_DIGITAL)
    assert len(pdfs) >= 3
    out = tmp_path_factory.mktemp("bd-out")
    return extract_all(pdfs, out), copy_truth(pdfs, tmp_path_factory.mktemp("bd-truth")), out


def test_small_set_is_exact(small_set):
    _, truth, out = small_set
    assert_exact(score(truth, out))


def test_every_output_validates_against_the_schema(small_set):
    docs, _, _ = small_set
    for name, doc in docs.items():
        assert schema_errors(doc) == [], name


def test_validation_reproduces_the_truth(small_set):
    docs, truth, _ = small_set
    assert_same_validation(docs, truth)


def test_non_form_pages_are_noted_not_failed(small_set):
    docs, truth, _ = small_set
    noted = {name: doc["document"].get("non_form_pages") for name, doc in docs.items()}
    expected = {name: json.loads((truth / f"{name}.json").read_text())["document"].get("non_form_pages")
                for name in docs}
    assert noted == expected
    assert any(pages for pages in noted.values()), "the small set must hold a cover/narrative/blank page"


def test_provenance_points_at_the_text_layer(small_set):
    docs, _, _ = small_set
    form = next(iter(docs.values()))["forms"][0]
    assert form["provenance"]["source"] == "text_layer"
    name = form["provenance"]["fields"]["project.name"]
    assert name["confidence"] == 1.0 and name["page"] in form["pages"]
    x0, y0, x1, y1 = name["bbox"]
    assert 0 <= x0 < x1 and 0 <= y0 < y1


@needs_fonts
def test_all_61_truth_forms_born_digital(tmp_path):
    """The full generated set: every seed form, multi-form PDFs, forms over page breaks."""
    from fixtures.generate import born_digital

    pdfs = sorted(born_digital(tmp_path / "full", "full"))
    pdfs = [p if p.suffix == ".pdf" else p.with_suffix(".pdf") for p in pdfs]
    docs = extract_all(pdfs, tmp_path / "out")
    truth = tmp_path / "full"
    summary = score(truth, tmp_path / "out")
    assert summary["documents_forms"] == 61
    assert_exact(summary)
    assert_same_validation(docs, truth)
    forms = [f for doc in docs.values() for f in doc["forms"]]
    assert sum(f["validation"]["status"] == "invalid" for f in forms) == 2
    assert sum(f["validation"]["status"] == "warnings" for f in forms) == 3
    assert any(len(f["pages"]) > 1 for f in forms), "the full set must hold page-spanning forms"


def test_camelot_grid_backend_reads_the_same(tmp_path):
    """The alternative grid backend (Camelot lattice) gives the same exact result, only slower."""
    from pipeline.extract import ExtractOptions

    pdfs = truth_pairs(BORN_DIGITAL)[:2]
    extract_all(pdfs, tmp_path / "out", Extractor(ExtractOptions(grid="camelot")))
    assert_exact(score(copy_truth(pdfs, tmp_path / "truth"), tmp_path / "out"))
