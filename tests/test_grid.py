from pathlib import Path

import cv2
import numpy as np
import pytest

from pipeline.grid import detect_segments, detect_tables
from tests.grid_synth import draw_form

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "born_digital"


def spans(table):
    return {(c.row, c.col, c.row_span, c.col_span) for c in table.cells}


def assert_partition(table):
    covered = np.zeros((table.n_rows, table.n_cols), int)
    for c in table.cells:
        covered[c.row:c.end_row, c.col:c.end_col] += 1
    assert (covered == 1).all()


def assert_matches(table, form, tol_pt):
    assert (table.n_rows, table.n_cols) == (len(form.ys_pt) - 1, len(form.xs_pt) - 1)
    assert spans(table) == form.cells
    assert np.allclose(table.col_edges, form.xs_pt, atol=tol_pt)
    assert np.allclose(table.row_edges, form.ys_pt, atol=tol_pt)
    assert_partition(table)


@pytest.mark.parametrize("dpi,line_pt", [(144, 0.5), (144, 2.0), (200, 0.5), (300, 1.0), (100, 0.7)])
def test_synthetic_form_recovered(dpi, line_pt):
    form = draw_form(dpi=dpi, line_pt=line_pt)
    tables = detect_tables(form.image, page=3, scale=72 / dpi)
    assert len(tables) == 1
    table = tables[0]
    assert table.page == 3
    assert_matches(table, form, tol_pt=0.6 + line_pt / 2)
    cell = table.cell_at(4, 0)
    assert (cell.row, cell.row_span) == (4, 3)
    assert cell.bbox.y0 == pytest.approx(form.ys_pt[4], abs=1)
    assert cell.bbox.y1 == pytest.approx(form.ys_pt[7], abs=1)
    assert all(c.text == "" for c in table.cells)


def test_faint_gray_lines():
    form = draw_form(dpi=144, line_gray=185)
    [table] = detect_tables(form.image, page=1, scale=0.5)
    assert_matches(table, form, tol_pt=1)


def test_dash_on_a_grid_line_height_does_not_split_a_merged_cell():
    form = draw_form(dpi=144, with_text=False)
    k = 2.0
    y = int(form.ys_pt[5] * k)           # row line 5 runs through the merged cell at column 0
    x_mid = (form.xs_pt[0] + form.xs_pt[1]) / 2 * k
    cv2.line(form.image, (int(x_mid - 20), y), (int(x_mid + 20), y), 0, 1)
    [table] = detect_tables(form.image, page=1, scale=0.5)
    assert spans(table) == form.cells


def test_two_tables_top_to_bottom_and_small_boxes_ignored():
    top = draw_form(dpi=144, origin_pt=(36, 60), layout=["ab", "cd", "ee"], col_widths=[120, 200],
                    row_heights=[20, 20, 30], with_text=False)
    bottom = draw_form(dpi=144, origin_pt=(36, 300), with_text=False)
    image = np.minimum(top.image, bottom.image)
    cv2.rectangle(image, (900, 1500), (930, 1530), 0, 1)          # a checkbox
    cv2.rectangle(image, (100, 1500), (160, 1530), 0, 1)          # a lone box split in two
    cv2.line(image, (130, 1500), (130, 1530), 0, 1)
    tables = detect_tables(image, page=1, scale=0.5)
    assert len(tables) == 2
    assert_matches(tables[0], top, tol_pt=0.6)
    assert_matches(tables[1], bottom, tol_pt=0.6)


def test_broken_lines_are_joined():
    form = draw_form(dpi=200, with_text=False)
    rng = np.random.default_rng(1)
    ink = form.image < 128
    ys, xs = np.nonzero(ink)
    # punch ~15 short gaps of 3 px into the rulings
    for i in rng.choice(len(ys), 200, replace=False):
        form.image[ys[i] - 1:ys[i] + 2, xs[i] - 1:xs[i] + 2] = 255
    [table] = detect_tables(form.image, page=1, scale=72 / 200)
    assert_matches(table, form, tol_pt=1)


def test_text_strokes_are_not_rulings():
    form = draw_form(dpi=300)
    segments = detect_segments(form.image, scale=72 / 300)
    k = 300 / 72
    for seg in segments.horizontal:
        assert min(abs(seg.pos / k - y) for y in form.ys_pt) < 1.5
    for seg in segments.vertical:
        assert min(abs(seg.pos / k - x) for x in form.xs_pt) < 1.5


def test_blank_page_has_no_table():
    assert detect_tables(np.full((1684, 1190), 255, np.uint8), page=1, scale=0.5) == []


def fixture_pdfs():
    return sorted(FIXTURES.glob("*.pdf"))[:6] if FIXTURES.is_dir() else []


@pytest.mark.skipif(not fixture_pdfs(), reason="born-digital fixtures not generated")
@pytest.mark.parametrize("pdf", fixture_pdfs(), ids=lambda p: p.name)
def test_born_digital_fixture_form_pages_have_wide_tables(pdf):
    """Pages holding part of a form have a table almost as wide as the page; other pages none."""
    import json

    import pypdfium2

    truth = json.loads(pdf.with_suffix(".json").read_text(encoding="utf-8"))
    form_pages = {p for form in truth["forms"] for p in form["pages"]}
    doc = pypdfium2.PdfDocument(str(pdf))
    try:
        for i in range(len(doc)):
            page = doc[i]
            gray = page.render(scale=2, grayscale=True).to_numpy()
            tables = detect_tables(gray, page=i + 1, scale=0.5)
            for table in tables:
                assert_partition(table)
                assert table.bbox.width > 0.6 * page.get_width()
            assert bool(tables) == (i + 1 in form_pages), f"page {i + 1}"
    finally:
        doc.close()


def test_lone_row_whose_rulings_break_at_the_same_place_is_one_table():
    """A form's 总分 row alone on a page, both rulings broken between the same columns (a seal)."""
    dpi = 200
    k = dpi / 72
    img = np.full((int(842 * k), int(595 * k)), 255, np.uint8)
    xs = [int(v * k) for v in (40, 300, 420, 500, 560)]
    y0, y1 = int(60 * k), int(80 * k)
    gap = (int(330 * k), int(360 * k))              # 30 pt without ruling, top and bottom alike
    for y in (y0, y1):
        cv2.line(img, (xs[0], y), (gap[0], y), 0, 2)
        cv2.line(img, (gap[1], y), (xs[-1], y), 0, 2)
    for x in xs:
        cv2.line(img, (x, y0), (x, y1), 0, 2)
    [table] = detect_tables(img, page=1, scale=72 / dpi)
    assert (table.n_rows, table.n_cols) == (1, 4)
    assert table.bbox.x0 == pytest.approx(40, abs=2) and table.bbox.x1 == pytest.approx(560, abs=2)


def test_column_line_whose_end_faded_still_parts_the_rows_it_rules():
    """A continuation table's column line, its top 9 pt too faint to survive (scan_typical 003_14 p5)."""
    dpi = 200
    k = dpi / 72
    img = np.full((int(300 * k), int(595 * k)), 255, np.uint8)
    xs = [int(v * k) for v in (40, 110, 184, 273, 378, 560)]
    ys = [int(v * k) for v in (53, 73, 92, 112)]
    for y in ys:
        cv2.line(img, (xs[0], y), (xs[-1], y), 0, 2)
    for x in (xs[0], xs[-1]):
        cv2.line(img, (x, ys[0]), (x, ys[-1]), 0, 2)
    for x in (xs[1], xs[2], xs[4]):                 # the last row is one cell from column 1 on
        cv2.line(img, (x, ys[0]), (x, ys[2]), 0, 2)
    cv2.line(img, (xs[3], int(62 * k)), (xs[3], ys[2]), 0, 2)
    [table] = detect_tables(img, page=1, scale=72 / dpi)
    assert table.n_cols == 5
    assert table.cell_at(0, 2).bbox.x1 == pytest.approx(273, abs=2)
    assert table.cell_at(1, 3).bbox.x0 == pytest.approx(273, abs=2)


def test_column_line_broken_near_the_end_of_a_lone_row_still_parts_its_cells():
    """A form's last indicator row alone on a page, one column line lost over its last 4.5 pt
    (scan_typical seed 99 003_19 p5): shorter than a long chain may be, it stops short by a
    fifth of its length and still parts 满意度指标 from the indicator's name."""
    lines = (across((38, 64), 39, 802) + down((39, 104, 187, 379, 474, 565, 629, 694, 802), 38, 64)
             + down((283,), 38, 59.5) + across((84,), 39, 802) + down((39, 565, 629, 694, 802), 64, 84))
    [table] = detect_tables(ruled_page(200, (842, 200), lines, 2), page=1, scale=72 / 200)
    assert table.n_cols == 9
    assert table.cell_at(0, 2).bbox.x1 == pytest.approx(283, abs=2)
    assert table.cell_at(0, 3).bbox.x0 == pytest.approx(283, abs=2)


def test_a_thin_stroke_hanging_from_a_row_line_well_short_of_the_next_is_no_column_line():
    """A 20 pt row with a thin stroke from its top ruling ending 15 pt down, 5 pt short of the
    bottom one (a seal ring's remnant, scan_typical seed 7 001_03 p5): it stops short by more
    than a quarter of its length and parts nothing."""
    lines = (across((38, 58.3), 39, 802) + down((39, 187, 379, 802), 38, 58.3) + down((283,), 38, 53.1))
    [table] = detect_tables(ruled_page(200, (842, 200), lines, 2), page=1, scale=72 / 200)
    assert table.n_cols == 3


def test_short_stroke_near_a_ruling_is_no_column_line():
    """A text stroke standing under a row line, as long as a glyph, stays text."""
    dpi = 200
    k = dpi / 72
    img = np.full((int(300 * k), int(595 * k)), 255, np.uint8)
    xs = [int(v * k) for v in (40, 300, 560)]
    ys = [int(v * k) for v in (53, 73, 92)]
    for y in ys:
        cv2.line(img, (xs[0], y), (xs[-1], y), 0, 2)
    for x in xs:
        cv2.line(img, (x, ys[0]), (x, ys[-1]), 0, 2)
    cv2.line(img, (int(150 * k), int(56 * k)), (int(150 * k), int(68 * k)), 0, 2)
    [table] = detect_tables(img, page=1, scale=72 / dpi)
    assert table.n_cols == 2


def test_lone_row_whose_rulings_break_at_different_places_is_one_table():
    """The same row with its top ruling broken at 300 pt and its bottom one at 380 pt: the
    left and right pieces overlap, and each side is ruled by the same two row lines."""
    dpi = 200
    k = dpi / 72
    img = np.full((int(842 * k), int(595 * k)), 255, np.uint8)
    xs = [int(v * k) for v in (40, 420, 500, 560)]
    y0, y1 = int(60 * k), int(80 * k)
    for y, gap in ((y0, 300), (y1, 380)):
        cv2.line(img, (xs[0], y), (int(gap * k), y), 0, 2)
        cv2.line(img, (int((gap + 6) * k), y), (xs[-1], y), 0, 2)
    for x in xs:
        cv2.line(img, (x, y0), (x, y1), 0, 2)
    [table] = detect_tables(img, page=1, scale=72 / dpi)
    assert (table.n_rows, table.n_cols) == (1, 3)
    assert table.bbox.x0 == pytest.approx(40, abs=2) and table.bbox.x1 == pytest.approx(560, abs=2)


def ruled_page(dpi: float, size_pt: tuple[float, float], lines, width: int) -> np.ndarray:
    """A white page with straight rulings drawn on it: ((x0, y0), (x1, y1)) in points."""
    k = dpi / 72
    img = np.full((int(size_pt[1] * k), int(size_pt[0] * k)), 255, np.uint8)
    for (x0, y0), (x1, y1) in lines:
        cv2.line(img, (int(x0 * k), int(y0 * k)), (int(x1 * k), int(y1 * k)), 0, width)
    return img


def across(ys, x0, x1):
    return [((x0, y), (x1, y)) for y in ys]


def down(xs, y0, y1):
    return [((x, y0), (x, y1)) for x in xs]


def test_column_line_broken_twice_in_one_row_keeps_its_stub_at_the_junction():
    """A header row's column line, solid down to just past its row line, then lost but for a
    stub shorter than a glyph that meets the next row line (scan_hard 001_03 p6): the stub
    still parts the row's two cells; without it 实施单位's value took in 一级预算单位. The
    row below is one merged cell, so no column line runs on from the stub."""
    lines = (across((53, 73, 92, 112, 200), 40, 560) + down((40, 560), 53, 200)
             + down((120, 400), 53, 92) + down((120, 400), 112, 200)
             + down((300,), 53, 77) + down((300,), 84, 92) + down((300,), 112, 200))   # a 8 pt stub
    [table] = detect_tables(ruled_page(300, (595, 300), lines, 3), page=1, scale=72 / 300)
    assert table.n_cols == 4
    assert table.cell_at(1, 1).bbox.x1 == pytest.approx(300, abs=2)
    assert table.cell_at(1, 2).bbox.x0 == pytest.approx(300, abs=2)
    assert table.cell_at(2, 0).col_span == 4


def test_text_stroke_on_a_column_line_standing_on_a_ruling_is_no_stub():
    """A tightly filled merged cell's last line: a glyph's stroke 7 pt long, right on the line of
    the column ruling above and below, ending 2.5 pt over the row line (born-digital full_002_08
    p3, 年度总体目标). No piece of that column line faces it: the cell stays whole."""
    lines = (across((200, 250, 282, 309, 380), 47, 794) + down((47, 108, 403, 794), 200, 380)
             + down((190,), 200, 282) + down((190,), 309, 380))    # the column line skips the goals row
    img = ruled_page(144, (842, 400), lines, 1)
    k = 144 / 72
    cv2.line(img, (int(190 * k), int(299 * k)), (int(190 * k), int(306.5 * k)), 0, 2)
    [table] = detect_tables(img, page=1, scale=72 / 144)
    goals = table.cell_at(2, 1)
    assert goals.bbox.x0 == pytest.approx(108, abs=2) and goals.bbox.x1 == pytest.approx(403, abs=2)


def test_short_table_whose_middle_lost_a_row_line_under_a_seal_is_one_table():
    """A two-row continuation table (满意度 row and 总分) with two seals over its middle: there
    the bottom ruling is gone, and the rulings broke into three pieces that cross nothing of
    each other. The middle piece has two of the three row lines; it is still the same table
    (scan_hard 003_14 p7, which came out as two tables and lost the middle columns)."""
    pieces = {54: [(56, 284), (290, 540), (550, 793)],
              73: [(56, 300), (310, 530), (545, 793)],
              92: [(56, 340), (520, 793)]}
    lines = [line for y, spans_pt in pieces.items() for x0, x1 in spans_pt for line in across((y,), x0, x1)]
    lines += down((56, 559, 632, 695, 793), 54, 92) + down((117, 190, 278, 375, 474), 54, 73)   # 总分 spans six
    [table] = detect_tables(ruled_page(200, (842, 300), lines, 2), page=1, scale=72 / 200)
    assert (table.n_rows, table.n_cols) == (2, 9)
    assert spans(table) == {(0, c, 1, 1) for c in range(9)} | {(1, 0, 1, 6), (1, 6, 1, 1), (1, 7, 1, 1),
                                                                (1, 8, 1, 1)}


def test_column_line_running_on_into_a_seal_past_the_top_ruling_still_parts_its_cells():
    """A two-row continuation table (满意度 row and 总分): a seal's stroke touches the column line
    between 实际完成值 and 分值 above the table, so the line's one piece runs 17 pt past the top
    ruling and ends on nothing; 57 pt is short of a long ruling (typical 002_11 p8, where '98%'
    and the weight 20 fused into '98%120')."""
    lines = (across((47, 66.6, 86.2), 56, 786) + down((56, 117, 200, 288, 400, 503, 655, 714, 786), 47, 86.2)
             + down((593,), 30, 86.2))
    [table] = detect_tables(ruled_page(200, (842, 140), lines, 2), page=1, scale=72 / 200)
    assert table.n_cols == 9
    assert table.cell_at(0, 5).bbox.x1 == pytest.approx(593, abs=2)
    assert table.bbox.y0 == pytest.approx(47, abs=2)


def test_a_stroke_crossing_two_rulings_but_ending_on_neither_is_no_column_line():
    """A seal ring's side crossing a row and ending above and below it, on no ruling: no column."""
    lines = across((47, 66.6, 86.2), 56, 786) + down((56, 400, 786), 47, 86.2) + down((593,), 52, 100)
    [table] = detect_tables(ruled_page(200, (842, 140), lines, 2), page=1, scale=72 / 200)
    assert table.n_cols == 2


def test_a_stroke_from_the_bottom_ruling_through_a_dark_band_below_is_no_ruling():
    """A seal ring's side standing on a table's bottom ruling and crossing a thick dark band
    below it (typical 001_01 p8 on prepare's 110-dpi copy): the band is no ruling, so the
    stroke is not taken for a column line running on past a crossing; when it was, the table
    grew a row and the keystone fit on it warped the page."""
    from pipeline.grid import Segment, _chain, _keep_rulings
    table_h = [Segment(y, 47.0, 800.0, 3.0) for y in (202.0, 300.0, 544.0)]
    band = Segment(581.0, 0.0, 608.0, 26.0)
    table_v = [Segment(x, 202.0, 544.0, 3.0) for x in (47.0, 400.0, 798.0)]
    ring_side = Segment(609.0, 544.0, 592.0, 8.0)
    hs, vs = _chain(table_h + [band], gap=5, snap=2.5), _chain(table_v + [ring_side], gap=5, snap=2.5)
    _, v_keep = _keep_rulings(hs, hs, vs, vs, snap=2.5, long_len=60, bridge=12, thick=5)
    assert [c[0].pos for c in v_keep] == [47.0, 400.0, 798.0]
    thin_band = Segment(581.0, 0.0, 608.0, 3.0)      # a real ruling there: the stroke is a column line
    hs = _chain(table_h + [thin_band], gap=5, snap=2.5)
    _, v_keep = _keep_rulings(hs, hs, vs, vs, snap=2.5, long_len=60, bridge=12, thick=5)
    assert 609.0 in [c[0].pos for c in v_keep]


def test_a_stub_pair_crossing_only_each_other_belongs_to_the_table_around_it():
    """A column line broken just above and below a row line, whose row line is broken around
    it too: the stub and the row line's piece cross only each other (typical 003_14 p2, red seal
    over the score column). They are part of the table they lie in, not a table of their own:
    alone, they left the row's score and deviation cells fused."""
    from pipeline.grid import Segment, Segments, _group_touching
    rows = (365.8, 385.2, 404.6, 424.3)
    hs = [Segment(y, 573.0, 795.0, 3.0) for y in rows if y != 404.6]
    hs += [Segment(404.6, 573.0, 690.0, 3.0), Segment(404.6, 725.0, 795.0, 3.0), Segment(404.6, 700.0, 718.0, 3.0)]
    vs = [Segment(x, 365.8, 424.3, 3.0) for x in (573.0, 640.0, 795.0)]
    vs += [Segment(708.3, 365.8, 390.6, 3.0), Segment(708.3, 392.4, 406.4, 3.0), Segment(708.3, 408.6, 424.3, 3.0)]
    groups = _group_touching(Segments(tuple(hs), tuple(vs)), snap=2.5)
    assert len(groups) == 1
    assert sorted(s.start for s in groups[0][1] if s.pos == 708.3) == [365.8, 392.4, 408.6]
