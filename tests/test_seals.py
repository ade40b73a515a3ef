"""Round seals on grey scans: found by their ring, erased by shape and tone; print and rulings stay (no OCR)."""
from __future__ import annotations

import random
from pathlib import Path

import cv2
import numpy as np
import pytest

from fixtures.scan import _multiply, _seal_layer
from pipeline.grid import detect_tables
from pipeline.seals import erase_seals, find_seals
from tests.grid_synth import draw_form

DPI = 200
DATA = Path(__file__).parent / "data" / "seals"
SEAL_RADIUS_PX = int(21 / 25.4 * DPI)      # a 42 mm official seal


def grey_stamped(form_image: np.ndarray, centre: tuple[int, int], seed: int = 0, strength: float = 1.0) -> np.ndarray:
    """The simulator's red seal multiplied over the page (its ink's opacity times ``strength``),
    then scanned in grey."""
    bgr = cv2.cvtColor(form_image, cv2.COLOR_GRAY2BGR)
    rgb = bgr[..., ::-1].copy()
    layer = _seal_layer(SEAL_RADIUS_PX, "深圳市罗湖区政务服务数据管理局", random.Random(seed))
    layer[..., 3] *= strength
    _multiply(rgb, layer, centre[0] - layer.shape[1] // 2, centre[1] - layer.shape[0] // 2)
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)


@pytest.fixture(scope="module")
def form():
    return draw_form(dpi=DPI)


@pytest.fixture(scope="module")
def centre(form):
    k = DPI / 72
    return int((form.xs_pt[4] + 10) * k), int(form.ys_pt[8] * k)


def disk(shape, centre, radius) -> np.ndarray:
    yy, xx = np.ogrid[:shape[0], :shape[1]]
    return np.hypot(xx - centre[0], yy - centre[1]) <= radius


def test_grey_seal_is_found_by_its_ring(form, centre):
    [seal] = find_seals(grey_stamped(form.image, centre), DPI)
    assert abs(seal.cx - centre[0]) <= 6 and abs(seal.cy - centre[1]) <= 6
    assert 0.8 * SEAL_RADIUS_PX <= seal.radius <= SEAL_RADIUS_PX


def test_faint_seal_running_off_the_page_is_found_by_the_ring_left_on_it(form, centre):
    """Only 0.6 of the radius below the centre is on the page: a third of the ring is off it.
    What is on the page is judged alone (a faint ring is thick ink along only part of its length)."""
    page = form.image[:centre[1] + int(0.4 * SEAL_RADIUS_PX)]
    [seal] = find_seals(grey_stamped(page, centre, strength=0.55), DPI)
    assert abs(seal.cx - centre[0]) <= 6 and abs(seal.cy - centre[1]) <= 6


def test_no_seal_on_a_page_without_one(form):
    assert find_seals(form.image, DPI) == []


def test_erasing_lifts_seal_ink_and_keeps_print_and_rulings(form, centre):
    stamped = grey_stamped(form.image, centre)
    erased, seals = erase_seals(stamped, DPI)
    assert len(seals) == 1
    inside = disk(form.image.shape, centre, SEAL_RADIUS_PX)
    print_ink = form.image < 128
    seal_only = inside & ~cv2.dilate(print_ink.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool) \
        & (stamped < 200)
    assert seal_only.sum() > 2000
    assert (erased[seal_only] > 200).mean() > 0.9          # the seal's ink is gone
    assert (erased[inside & print_ink] < 128).mean() > 0.9  # the print under and around it stays


def test_grid_under_an_erased_seal_is_the_form_grid(form, centre):
    erased, _ = erase_seals(grey_stamped(form.image, centre), DPI)
    [table] = detect_tables(erased, page=1, scale=72 / DPI)
    assert {(c.row, c.col, c.row_span, c.col_span) for c in table.cells} == form.cells


def test_the_blurred_rim_of_lifted_seal_ink_goes_with_it(form, centre):
    """A scan blurs every seal stroke into a light rim; left behind, its outlines read as strokes."""
    stamped = cv2.GaussianBlur(grey_stamped(form.image, centre), (0, 0), 0.6)
    erased, _ = erase_seals(stamped, DPI)
    inside = disk(form.image.shape, centre, SEAL_RADIUS_PX)
    near_print = cv2.dilate((form.image < 128).astype(np.uint8), np.ones((7, 7), np.uint8)).astype(bool)
    rim = inside & ~near_print & (stamped >= 200) & (stamped < 245)
    assert rim.sum() > 2000
    assert (erased[rim] >= 235).mean() > 0.9


def test_seal_letters_crossing_print_are_lifted_off_it(form, centre):
    """A letter touching a glyph makes one ink piece with it; its strokes away from the glyph still go."""
    page = form.image.copy()
    for dy in (-int(0.72 * SEAL_RADIUS_PX), int(0.05 * SEAL_RADIUS_PX)):   # print across the letters' band
        cv2.putText(page, "8888888888", (centre[0] - int(0.9 * SEAL_RADIUS_PX), centre[1] + dy),
                    cv2.FONT_HERSHEY_SIMPLEX, 1.2, 0, 3)
    stamped = grey_stamped(page, centre)
    erased, _ = erase_seals(stamped, DPI)
    print_ink = page < 128
    _, pieces = cv2.connectedComponents((stamped < 200).astype(np.uint8), connectivity=8)
    with_print = np.setdiff1d(np.unique(pieces[print_ink]), [0])
    letter_band = disk(page.shape, centre, 0.8 * SEAL_RADIUS_PX) & ~disk(page.shape, centre, 0.4 * SEAL_RADIUS_PX)
    away_from_print = ~cv2.dilate(print_ink.astype(np.uint8), np.ones((9, 9), np.uint8)).astype(bool)
    letter_strokes = letter_band & np.isin(pieces, with_print) & away_from_print & (stamped < 200)
    assert letter_strokes.sum() > 1000
    assert (erased[letter_strokes] > 200).mean() > 0.9
    assert (erased[disk(page.shape, centre, SEAL_RADIUS_PX) & print_ink] < 128).mean() > 0.98


def test_only_seal_toned_strokes_are_cut_off_print():
    """Off the print's dark core, a stroke holding the seal's ink tone goes; a lighter one (faint
    print) stays, and so does a darker one (a thin print stroke, lightened by blur past the cut)."""
    from pipeline.seals import _near_print, _strokes_off_print
    window = np.full((40, 120), 240, dtype=np.uint8)
    window[15:25, 30:40] = 60          # print's dark core
    window[18:21, 40:70] = 135         # a seal stroke leaving the glyph, in the seal's tone
    window[18:21, 0:30] = 185          # faint print, lighter than the seal's ink
    window[10:25, 75:85] = 60          # another glyph's core
    window[8:10, 85:110] = 120         # its thin top bar: lighter than the cut, darker than the seal's ink
    weak = window < 200
    cut = 113.0                        # between print (60) and seal ink (135)
    off_print = weak & ~_near_print(window, weak, cut, reach=4)
    off = _strokes_off_print(window, off_print, 60 + 0.9 * (135 - 60), seal_level=135.0)
    assert off[18:21, 50:70].all()
    assert not off[18:21, 0:30].any()
    assert not off[15:25, 30:40].any()
    assert not off[8:10, 85:110].any()


def test_thin_print_strokes_under_a_grey_seal_stay():
    """Four 15s under a seal's letters on a typical grey scan (seed 42): blur sets the 5's thin
    top bar apart from its glyph and lightens it past the tone cut between print and seal ink.
    Beside the print it still is darker than the seal's ink: it stays, and the 15s read 15."""
    page = cv2.imread(str(DATA / "fives_under_a_grey_seal.png"), cv2.IMREAD_GRAYSCALE)
    erased, seals = erase_seals(page, DPI)
    assert len(seals) == 1
    for x, y in ((145, 207), (313, 207), (145, 276), (313, 276)):     # the 15s across the seal
        box = (slice(y - 12, y + 12), slice(x - 14, x + 18))
        ink = page[box] < 180
        assert (erased[box][ink] < 180).mean() > 0.9


def test_light_print_stroke_crossing_the_ring_stays(form, centre):
    """A thin print stroke at 200 dpi (a '1') is light; under the ring it is darker than the ring
    alone, if not by much: it stays where the ring is lifted around it."""
    page = np.maximum(form.image, 100)                     # grey print, as scanned
    x = centre[0] - SEAL_RADIUS_PX + 6                     # along the ring's left side
    y0, y1 = centre[1] - 30, centre[1] + 30
    page[y0:y1, x - 1:x + 2] = 180
    erased, _ = erase_seals(grey_stamped(page, centre), DPI)
    assert (erased[y0:y1, x - 1:x + 2] < 200).mean() > 0.8


def test_the_seal_benchmark_scores_lifting_against_the_seal_free_twin(sealed_twins, capsys):
    """bench/bench_seals.py: the grey page's seal found, little print lost, most seal ink lifted."""
    import importlib.util
    import sys
    from pathlib import Path
    path = Path(__file__).resolve().parents[1] / "bench" / "bench_seals.py"
    spec = importlib.util.spec_from_file_location("bench_seals", path)
    bench = sys.modules.setdefault("bench_seals", importlib.util.module_from_spec(spec))
    spec.loader.exec_module(bench)
    sealed, twin = sealed_twins
    [score] = bench.run(sealed.parent, twin.parent, worst=5)
    assert score.seals_found == score.seals_planned == 1
    assert score.print_px > 1000 and score.seal_px > 5000
    assert score.print_lost < 0.1 * score.print_px
    assert score.seal_left < 0.3 * score.seal_px
    assert "seals found 1 of 1" in capsys.readouterr().out


def star_centred(form, centre) -> tuple[np.ndarray, np.ndarray]:
    """The form with grey print (a scan's) and glyphs of it across the seal's star and its edge,
    stamped and blurred as a scan blurs; and the mask of those glyphs."""
    page = np.where(form.image < 128, 110, form.image).astype(np.uint8)
    glyph = np.zeros(page.shape, dtype=np.uint8)
    cv2.putText(glyph, "4%%", (centre[0] - 40, centre[1] + 22), cv2.FONT_HERSHEY_SIMPLEX, 2.0, 1, 3)
    page[glyph > 0] = 110
    return cv2.GaussianBlur(grey_stamped(page, centre), (0, 0), 0.6), glyph > 0


def test_print_under_the_star_comes_back_at_its_own_tone(form, centre):
    """Ink multiplies: print under the star is print times the star's ink; dividing the star out
    gives the print back as printed (110), and the star's bare ink turns to paper."""
    stamped, glyph = star_centred(form, centre)
    erased, _ = erase_seals(stamped, DPI)
    star = disk(stamped.shape, centre, 0.3 * SEAL_RADIUS_PX)
    under = star & glyph & (stamped < 90)
    assert under.sum() > 200
    assert np.abs(erased[under].astype(int) - 110).mean() < 20
    bare = star & ~cv2.dilate(glyph.astype(np.uint8), np.ones((7, 7), np.uint8)).astype(bool) \
        & (stamped < 180) & (form.image > 128)
    assert bare.sum() > 500
    assert (erased[bare] > 200).mean() > 0.9


def test_a_glyph_touching_the_star_keeps_its_strokes_beside_it(form, centre):
    """A '%' by the star joins its thick ink; the star is bounded by its drawn outline, not by
    its ink, so the glyph's strokes beside it stay."""
    stamped, glyph = star_centred(form, centre)
    erased, _ = erase_seals(stamped, DPI)
    star = disk(stamped.shape, centre, 0.32 * SEAL_RADIUS_PX)
    beside = glyph & ~cv2.dilate(star.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool) \
        & disk(stamped.shape, centre, 0.6 * SEAL_RADIUS_PX)
    assert beside.sum() > 100
    assert (erased[beside] < 160).mean() > 0.95
