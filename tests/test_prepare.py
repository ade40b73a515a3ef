import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from pipeline.grid import detect_tables
from pipeline.prepare import estimate_skew, prepare_page, suppress_red
from tests.grid_synth import draw_form, to_scan

DPI = 200
SCANNED = Path(__file__).resolve().parents[1] / "fixtures" / "scanned"


def spans(table):
    return {(c.row, c.col, c.row_span, c.col_span) for c in table.cells}


@pytest.fixture(scope="module")
def form():
    return draw_form(dpi=DPI)


@pytest.mark.parametrize("turns,skew", [(0, 0.0), (0, 2.0), (1, -1.5), (2, 1.2), (3, -2.0), (2, 0.0)])
def test_degraded_scan_is_restored(form, turns, skew):
    scan = to_scan(form, quarter_turns=turns, skew_deg=skew, stamp=True, noise=6, jpeg=55,
                   black_border=30, seed=turns)
    page = prepare_page(scan, dpi=DPI)
    assert page.rotation == (360 - 90 * turns) % 360
    assert page.gray.shape == form.image.shape
    assert abs(estimate_skew(page.gray, DPI)) < 0.15
    [table] = detect_tables(page.gray, page=1, scale=72 / DPI)
    assert (table.n_rows, table.n_cols) == (len(form.ys_pt) - 1, len(form.xs_pt) - 1)
    assert spans(table) == form.cells


def test_matrix_maps_original_pixels_to_prepared_pixels(form):
    scan = to_scan(form, quarter_turns=1, skew_deg=1.5)
    page = prepare_page(scan, dpi=DPI)
    [table] = detect_tables(page.gray, page=1, scale=72 / DPI)
    # The table's top-left corner in the scan: turn the clean corner the way to_scan did.
    k = DPI / 72
    h, w = form.image.shape
    rot = cv2.getRotationMatrix2D((w / 2, h / 2), 1.5, 1.0)
    x, y = rot @ np.array([form.xs_pt[0] * k, form.ys_pt[0] * k, 1.0])
    x_scan, y_scan = h - 1 - y, x                      # one clockwise quarter turn
    px, py, pw = page.matrix @ np.array([x_scan, y_scan, 1.0])
    assert px / pw == pytest.approx(table.bbox.x0 * k, abs=4)
    assert py / pw == pytest.approx(table.bbox.y0 * k, abs=4)


def test_red_seal_is_removed_but_black_print_under_it_stays(form):
    scan = to_scan(form, stamp=True, jpeg=70)
    gray = suppress_red(scan)
    h, w = form.image.shape
    cx, cy, r = int(w * 0.62), int(h * 0.3), int(w * 0.09)
    ring = np.zeros((h, w), np.uint8)
    cv2.circle(ring, (cx, cy), r, 1, max(2, r // 12))
    paper_under_ring = ring.astype(bool) & (form.image > 200)
    print_under_ring = ring.astype(bool) & (form.image < 50)
    assert np.median(gray[paper_under_ring]) > 230
    assert np.median(gray[print_under_ring]) < 120


def test_grey_scan_with_black_border_and_no_seal(form):
    scan = cv2.cvtColor(to_scan(form, skew_deg=-0.8, black_border=40, noise=4), cv2.COLOR_BGR2GRAY)
    page = prepare_page(scan, dpi=DPI)
    assert page.rotation == 0
    assert page.gray[:20].min() > 200                   # the border became paper
    [table] = detect_tables(page.gray, page=1, scale=72 / DPI)
    assert spans(table) == form.cells


def test_keystone_is_straightened(form):
    h, w = form.image.shape
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = np.float32([[25, 10], [w - 5, 0], [w, h], [0, h - 12]])
    warped = cv2.warpPerspective(form.image, cv2.getPerspectiveTransform(src, dst), (w, h),
                                 borderValue=255)
    page = prepare_page(warped, dpi=DPI)
    assert page.perspective
    [table] = detect_tables(page.gray, page=1, scale=72 / DPI)
    assert spans(table) == form.cells


def test_page_without_table_asks_the_flip_hook():
    blank = np.full((2339, 1654), 255, np.uint8)
    cv2.putText(blank, "NARRATIVE REPORT PAGE", (300, 400), cv2.FONT_HERSHEY_SIMPLEX, 2, 0, 3)
    asked = []
    page = prepare_page(blank, dpi=DPI, flip_hook=lambda g: asked.append(g.shape) or True)
    assert asked and page.rotation == 180
    assert prepare_page(blank, dpi=DPI).rotation == 0


def test_speck_removal_keeps_thin_rulings():
    form = draw_form(dpi=150, line_pt=0.5, with_text=False)
    noisy = form.image.copy()
    rng = np.random.default_rng(3)
    ys, xs = rng.integers(0, noisy.shape[0], 3000), rng.integers(0, noisy.shape[1], 3000)
    noisy[ys, xs] = 0
    page = prepare_page(noisy, dpi=150)
    assert (page.gray[ys, xs] > 200).mean() > 0.9
    [table] = detect_tables(page.gray, page=1, scale=72 / 150)
    assert spans(table) == form.cells


def scanned_fixture_pages():
    if not SCANNED.is_dir():
        return []
    out = []
    for sidecar in sorted(SCANNED.glob("*.scan.json")):
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
        for page in meta["pages"]:
            out.append((sidecar.name.removesuffix(".scan.json"), page))
    return out


@pytest.mark.skipif(not scanned_fixture_pages(), reason="scanned fixtures not generated")
@pytest.mark.parametrize("name,meta", scanned_fixture_pages(),
                         ids=lambda v: v if isinstance(v, str) else f"p{v['page']}")
def test_scanned_fixture_page(name, meta):
    """Turn recovered, skew removed; form pages (those in the truth) show a wide table."""
    import pypdfium2

    truth = json.loads((SCANNED / f"{name}.json").read_text(encoding="utf-8"))
    form_pages = {p for form in truth["forms"] for p in form["pages"]}
    doc = pypdfium2.PdfDocument(str(SCANNED / f"{name}.pdf"))
    try:
        dpi = meta["dpi"]
        image = doc[meta["page"] - 1].render(scale=dpi / 72).to_numpy()[..., :3]
    finally:
        doc.close()
    page = prepare_page(np.ascontiguousarray(image), dpi=dpi)
    if meta["page"] in form_pages:
        assert page.rotation == (360 - meta["turn_deg"]) % 360
        assert abs(estimate_skew(page.gray, dpi)) < 0.15
        tables = detect_tables(page.gray, page=meta["page"], scale=72 / dpi)
        if not tables and meta["seals"] and meta["grey"]:
            pytest.xfail("a one-row remainder under grey seals with faint rulings (known limit)")
        assert any(t.bbox.width * dpi / 72 > 0.6 * page.gray.shape[1] for t in tables)
