"""The fixture generator: deterministic, schema-valid truth, and the truth really printed in the PDFs."""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import jsonschema
import pypdfium2 as pdfium
import pytest

from fixtures import bad, layouts, render
from fixtures.generate import born_digital
from fixtures.truth import load_schema, load_truth_forms

COMMITTED = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture(scope="module")
def small_set(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("small")
    born_digital(out, "small", seed=0)
    return out


@pytest.fixture(scope="module")
def full_set(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("full")
    born_digital(out, "full", seed=0)
    return out


def _truths(folder: Path) -> list[tuple[Path, dict]]:
    return [(p.with_suffix(".pdf"), json.loads(p.read_text(encoding="utf-8")))
            for p in sorted(folder.glob("*.json")) if not p.name.endswith(".scan.json")]


def _page_texts(pdf_path: Path) -> list[str]:
    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        return [re.sub(r"\s+", "", pdf[i].get_textpage().get_text_range()) for i in range(len(pdf))]
    finally:
        pdf.close()


def _squash(text: str | None) -> str:
    return re.sub(r"\s+", "", text or "")


def test_generator_is_deterministic(small_set, tmp_path):
    born_digital(tmp_path, "small", seed=0)
    for path in sorted(small_set.iterdir()):
        assert path.read_bytes() == (tmp_path / path.name).read_bytes(), path.name


def test_committed_small_set_is_current(small_set):
    for path in sorted(small_set.iterdir()):
        assert (COMMITTED / "born_digital" / path.name).read_bytes() == path.read_bytes(), \
            f"{path.name}: regenerate with python -m fixtures.generate born-digital --out fixtures/born_digital"


@pytest.mark.parametrize("folder", ["born_digital", "scanned", "bad"])
def test_committed_truth_is_schema_valid_and_matches_its_pdf(folder):
    schema = load_schema()
    truths = _truths(COMMITTED / folder)
    assert truths
    for pdf_path, truth in truths:
        jsonschema.validate(truth, schema)
        assert truth["document"]["file"] == pdf_path.name
        assert truth["document"]["sha256"] == hashlib.sha256(pdf_path.read_bytes()).hexdigest()


def test_small_set_covers_layouts_spanning_forms_and_non_form_pages(small_set):
    truths = _truths(small_set)
    titles = {f["title"] for _, t in truths for f in t["forms"]}
    assert "项目支出绩效自评表" in titles and any(t.startswith("2021年") for t in titles)
    assert any(f["project"]["competent_department"] == "0102013" for _, t in truths for f in t["forms"])  # B
    assert any(len(f["pages"]) > 1 for _, t in truths for f in t["forms"])
    assert any(t["document"].get("non_form_pages") for _, t in truths)


def test_full_set_holds_every_truth_form_once_with_valid_pages(full_set):
    schema = load_schema()
    seen = []
    orientations_spanning = set()
    for pdf_path, truth in _truths(full_set):
        jsonschema.validate(truth, schema)
        pdf = pdfium.PdfDocument(str(pdf_path))
        sizes = [pdf[i].get_size() for i in range(len(pdf))]
        pdf.close()
        assert truth["document"]["page_count"] == len(sizes)
        form_pages = [p for f in truth["forms"] for p in f["pages"]]
        assert not set(form_pages) & set(truth["document"].get("non_form_pages", []))
        assert set(form_pages) | set(truth["document"].get("non_form_pages", [])) == set(range(1, len(sizes) + 1))
        for i, form in enumerate(truth["forms"]):
            assert form["form_index"] == i and form["provenance"]["pages"] == form["pages"]
            seen.append((form["project"]["name"], form["title"]))
            if len(form["pages"]) > 1:
                w, h = sizes[form["pages"][0] - 1]
                orientations_spanning.add("landscape" if w > h else "portrait")
    assert len(seen) == len(load_truth_forms())
    assert orientations_spanning == {"landscape", "portrait"}


def _form_strings(form: dict) -> list[str]:
    p = form["project"]
    strings = [form["title"], p["name"], p["code"], p["implementing_unit"], p["budget_unit"],
               p["competent_department"], form["goals"]["expected"], form["goals"]["actual"]]
    strings += list(form["level1_weights"])
    for ind in form["indicators"]:
        strings += [ind["level2"], ind["name"], ind["target"], ind["actual"], ind["deviation"]]
    for row in form["funds"].values():
        strings += [layouts.two_dec(row[k]) for k in ("initial_budget", "annual_budget", "executed")]
    return [_squash(s) for s in strings if s]


@pytest.mark.parametrize("which", ["small", "full"])
def test_every_truth_text_is_in_the_text_layer_of_its_pages(which, small_set, full_set):
    folder = small_set if which == "small" else full_set
    for pdf_path, truth in _truths(folder):
        pages = _page_texts(pdf_path)
        for form in truth["forms"]:
            text = "".join(pages[p - 1] for p in form["pages"])
            for s in _form_strings(form):
                assert s in text, f"{pdf_path.name} form {form['form_index']}: {s!r} not printed"


def test_non_form_pages_hold_no_ruled_table(small_set):
    for pdf_path, truth in _truths(small_set):
        for page in truth["document"].get("non_form_pages", []):
            assert "年度绩效指标" not in _page_texts(pdf_path)[page - 1]


def test_wrap_never_loses_or_reorders_characters():
    render.register_fonts()
    text = "1.2021年度新区行政服务大厅平稳运转，提供9.3万单；Windows 10 升级≥40000件工单标签"
    for width in (20, 45, 80, 300):
        lines = render.wrap_text(text, "WQYZenHei", 9, width)
        assert "".join(lines) == text
        assert all(render.text_width(l.rstrip(), "WQYZenHei", 9) <= width or len(l) == 1 for l in lines)


def test_bad_inputs_do_not_open_as_pdfs_except_the_no_form_one():
    for name in bad.BAD_FILES:
        with pytest.raises(pdfium.PdfiumError):
            pdfium.PdfDocument(str(COMMITTED / "bad" / name))
    no_form = pdfium.PdfDocument(str(COMMITTED / "bad" / "no_form_narrative.pdf"))
    assert len(no_form) >= 2
    no_form.close()


def test_bad_inputs_are_deterministic(tmp_path):
    bad.write_bad_inputs(tmp_path)
    for path in sorted(tmp_path.iterdir()):
        assert path.read_bytes() == (COMMITTED / "bad" / path.name).read_bytes(), path.name


@pytest.mark.parametrize("seed", [0, 1])
def test_no_cell_text_is_taller_than_its_cell(seed):
    from fixtures import documents, plans
    from fixtures.truth import forms_by_key
    forms = load_truth_forms()
    truth = forms_by_key(forms)
    for spec in plans.full_plan(forms, seed) + plans.small_plan():
        assert documents.render_doc(spec, truth, seed).overflowing_cells == 0, spec.name


# ---------------------------------------------------------------- scan simulator

@pytest.fixture(scope="module")
def scanned_small(tmp_path_factory) -> Path:
    from fixtures import scan
    out = tmp_path_factory.mktemp("scanned")
    scan.scanned_set(out, "mixed", "small", seed=0)
    return out


def test_scan_simulator_is_deterministic_and_committed_set_is_current(scanned_small):
    files = sorted(scanned_small.iterdir())
    assert len([f for f in files if f.suffix == ".pdf"]) == 3
    for path in files:
        assert (COMMITTED / "scanned" / path.name).read_bytes() == path.read_bytes(), \
            f"{path.name}: regenerate with python -m fixtures.generate scanned --level mixed --out fixtures/scanned"


def test_scanned_pdfs_are_image_only_with_valid_truth_and_sidecar(scanned_small):
    schema = load_schema()
    levels = set()
    for pdf_path, truth in _truths(scanned_small):
        jsonschema.validate(truth, schema)
        assert truth["document"]["sha256"] == hashlib.sha256(pdf_path.read_bytes()).hexdigest()
        assert all(f["provenance"]["source"] == "ocr" for f in truth["forms"])
        pdf = pdfium.PdfDocument(str(pdf_path))
        assert len(pdf) == truth["document"]["page_count"]
        for i in range(len(pdf)):
            assert pdf[i].get_textpage().count_chars() == 0
            assert any(isinstance(o, pdfium.PdfImage) for o in pdf[i].get_objects())
        pdf.close()
        sidecar = json.loads(pdf_path.with_suffix(".scan.json").read_text(encoding="utf-8"))
        assert sidecar["file"] == pdf_path.name and len(sidecar["pages"]) == truth["document"]["page_count"]
        levels.add(sidecar["level"])
        for page in sidecar["pages"]:
            if sidecar["level"] == "clean":
                assert page["dpi"] == 300 and abs(page["skew_deg"]) <= 0.5 and page["turn_deg"] == 0
            if sidecar["level"] == "typical":
                assert page["dpi"] == 200 and 1.0 <= abs(page["skew_deg"]) <= 2.0
    assert levels == {"clean", "typical", "hard"}


def test_hard_scans_turn_pages_and_stamp_seals(tmp_path):
    from fixtures import documents, scan
    from fixtures.truth import forms_by_key
    truth = forms_by_key(load_truth_forms())
    spec = documents.DocSpec("turns", tuple(documents.Item("form", (k,)) for k in ("003-00", "003-01", "003-02")),
                             orientation="portrait")
    pdf_path = scan.scan_doc(documents.render_doc(spec, truth, 0), "hard", tmp_path, seed=0)
    pages = json.loads(pdf_path.with_suffix(".scan.json").read_text(encoding="utf-8"))["pages"]
    assert any(p["turn_deg"] for p in pages)
    assert any(p["seals"] for p in pages)
    pdf = pdfium.PdfDocument(str(pdf_path))
    for i, p in enumerate(pages):
        w, h = pdf[i].get_size()
        assert (w > h) == (p["turn_deg"] in (90, 270))  # portrait pages turned a quarter lie landscape
    pdf.close()


def test_a_seal_free_twin_differs_from_its_scan_only_under_the_seals(sealed_twins):
    import numpy as np
    sealed, twin = sealed_twins
    assert sealed.with_suffix(".scan.json").read_bytes() == twin.with_suffix(".scan.json").read_bytes()
    pages = json.loads(sealed.with_suffix(".scan.json").read_text(encoding="utf-8"))["pages"]
    with_pdf, without_pdf = pdfium.PdfDocument(str(sealed)), pdfium.PdfDocument(str(twin))
    for i, page in enumerate(pages):
        scale = page["dpi"] / 72
        a = np.asarray(with_pdf[i].render(scale=scale).to_pil().convert("L"), dtype=np.int16)
        b = np.asarray(without_pdf[i].render(scale=scale).to_pil().convert("L"), dtype=np.int16)
        ys, xs = np.nonzero(b - a > 40)                       # darker in the scan: seal ink
        near = np.zeros(len(ys), dtype=bool)
        for seal in page["seals"]:                            # recorded before skew and keystone: some slack
            cx, cy = seal["center_px"]
            near |= np.hypot(xs - cx, ys - cy) <= 1.1 * seal["radius_px"] + 0.02 * max(a.shape)
        assert near.all()
        assert (len(ys) > 1000) == bool(page["seals"])
    with_pdf.close()
    without_pdf.close()
