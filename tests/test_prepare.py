import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from pipeline.grid import detect_tables
from pipeline.prepare import estimate_skew, prepare_page, suppress_colour_ink
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
    gray = suppress_colour_ink(scan)
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
            out.append((sidecar.name.removesuffix(".scan.json"), dict(page, level=meta["level"])))
    return out


def render_page(pdf: Path, index: int, dpi: float, *, grey: bool) -> np.ndarray:
    """A page as the pipeline renders it: gray, or BGR for a scan."""
    import pypdfium2

    doc = pypdfium2.PdfDocument(str(pdf))
    try:
        pixels = doc[index].render(scale=dpi / 72, grayscale=grey).to_numpy()
    finally:
        doc.close()
    return pixels if grey else np.ascontiguousarray(pixels[..., :3])


_BORN_CACHE: dict[str, Path] = {}


def born_digital_twin(name: str, tmp_dir: Path) -> Path:
    """The scan's source PDF, re-rendered by the fixture generator (deterministic)."""
    if name not in _BORN_CACHE:
        from fixtures import documents, render, scan
        from fixtures.truth import forms_by_key, load_truth_forms

        meta = json.loads((SCANNED / f"{name}.scan.json").read_text(encoding="utf-8"))
        spec = {s.name: s for s in scan.small_scan_plan()}[meta["born_digital"]]
        doc = documents.render_doc(spec, forms_by_key(load_truth_forms()), meta["seed"])
        path = tmp_dir / f"{name}.born.pdf"
        render.write_pdf(doc.pages, str(path), title=spec.name)
        _BORN_CACHE[name] = path
    return _BORN_CACHE[name]


@pytest.mark.skipif(not scanned_fixture_pages(), reason="scanned fixtures not generated")
@pytest.mark.parametrize("name,meta", scanned_fixture_pages(),
                         ids=lambda v: v if isinstance(v, str) else f"p{v['page']}")
def test_scanned_fixture_page(name, meta, tmp_path_factory):
    """Turn recovered, skew removed, and the same grid as the born-digital page it was printed from."""
    dpi = meta["dpi"]
    image = render_page(SCANNED / f"{name}.pdf", meta["page"] - 1, dpi, grey=False)
    page = prepare_page(image, dpi=dpi)
    twin = born_digital_twin(name, tmp_path_factory.mktemp("born"))
    expected = detect_tables(render_page(twin, meta["page"] - 1, dpi, grey=True), page=1, scale=72 / dpi)
    if not expected:
        return                                          # a blank or cover page: nothing to align on
    assert page.rotation == (360 - meta["turn_deg"]) % 360
    assert abs(estimate_skew(page.gray, dpi)) < 0.15
    tables = detect_tables(page.gray, page=1, scale=72 / dpi)
    if not tables and meta["seals"] and meta["grey"] and meta["level"] == "hard":
        pytest.xfail("a one-row remainder under three grey seals with faint rulings (known limit)")
    assert [(t.n_rows, t.n_cols) for t in tables] == [(t.n_rows, t.n_cols) for t in expected]
    for got, want in zip(tables, expected):
        assert spans(got) == spans(want)


def _red_seal_over(page: np.ndarray, form, quality: int) -> tuple[np.ndarray, np.ndarray]:
    """``page`` with a red seal stamped over the form's score column, JPEG-saved and colour-suppressed:
    (suppressed gray, the seal's ink alpha in page coordinates)."""
    import random

    from fixtures.scan import _multiply, _seal_layer

    rgb = cv2.cvtColor(page, cv2.COLOR_GRAY2RGB)
    layer = _seal_layer(165, "深圳市罗湖区政务服务数据管理局", random.Random(0))
    k = DPI / 72
    x, y = int((form.xs_pt[4] + 10) * k) - layer.shape[1] // 2, int(form.ys_pt[8] * k) - layer.shape[0] // 2
    _multiply(rgb, layer, x, y)
    _, jpeg = cv2.imencode(".jpg", rgb[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, quality])
    alpha = np.zeros(page.shape, np.float32)
    alpha[y:y + layer.shape[0], x:x + layer.shape[1]] = layer[..., 3]
    return suppress_colour_ink(cv2.imdecode(jpeg, cv2.IMREAD_COLOR)), alpha


def test_red_seal_outline_left_by_jpeg_is_lifted_too():
    """JPEG keeps a seal's darkness at full resolution but its red at half: its outline comes out grey."""
    form = draw_form(dpi=DPI)
    gray, alpha = _red_seal_over(form.image, form, 60)
    seal = alpha > 0.05
    seal = cv2.dilate(seal.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    near_print = cv2.dilate((form.image < 200).astype(np.uint8), np.ones((7, 7), np.uint8)).astype(bool)
    assert (gray[seal & ~near_print] < 200).mean() < 0.03            # was 0.064 before the outline was lifted
    assert (gray[seal & (form.image < 100)] < 128).mean() > 0.98      # print under the seal stays black


def _total_row_page(dpi: float = DPI) -> np.ndarray:
    """A landscape page holding only a form's 总分 row, run over from the page before."""
    from PIL import Image, ImageDraw, ImageFont

    k = dpi / 72
    page = Image.new("L", (int(842 * k), int(595 * k)), 255)
    draw = ImageDraw.Draw(page)
    xs = [56, 655, 714, 786]
    y0, y1 = 47, 67
    for y in (y0, y1):
        draw.line([(xs[0] * k, y * k), (xs[-1] * k, y * k)], fill=0, width=2)
    for x in xs:
        draw.line([(x * k, y0 * k), (x * k, y1 * k)], fill=0, width=2)
    font = ImageFont.truetype("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", int(10 * k))
    for x, text in ((340, "总分"), (670, "100"), (730, "99.8")):
        draw.text((x * k, (y0 + 4) * k), text, font=font, fill=0)
    return np.array(page)


@pytest.mark.skipif(not Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc").exists(), reason="CJK font missing")
@pytest.mark.parametrize("turn", [cv2.ROTATE_90_CLOCKWISE, cv2.ROTATE_90_COUNTERCLOCKWISE])
def test_a_turned_page_with_little_text_is_told_by_its_rulings(turn):
    """Four glyphs are too few to vote (scan_hard 001_04 p2 on seed 7 was taken for a non-form
    page); the one row's rulings running down the page say it was turned."""
    upright = _total_row_page()
    page = prepare_page(cv2.rotate(upright, turn), dpi=DPI)
    assert page.rotation in (90, 270)
    [table] = detect_tables(page.gray, page=1, scale=72 / DPI)
    assert (table.n_rows, table.n_cols) == (1, 3)
    assert prepare_page(upright, dpi=DPI).rotation == 0


def test_faint_print_under_a_red_seal_stays_as_dark_as_beside_it():
    """Faint grey print (a worn toner's 130) under a seal's letters: in red it is as dark as
    beside the seal, and it must come out so, or the recogniser loses it (typical 002_09 p7,
    where the weights 5 and 10 under the seal were read as 7 and 5)."""
    form = draw_form(dpi=DPI)
    faint = (255 - (255 - form.image.astype(np.float32)) * 0.5).astype(np.uint8)
    gray, alpha = _red_seal_over(faint, form, 75)
    under = alpha > 0.3
    core = form.image < 60
    beside = core & ~cv2.dilate(under.astype(np.uint8), np.ones((15, 15), np.uint8)).astype(bool)
    assert np.median(gray[core & under]) <= np.median(gray[beside]) + 10
