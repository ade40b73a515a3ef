"""Grid-first cell recognition: line splitting, dash geometry, cell filling; and a real rendered form."""
from __future__ import annotations

import unicodedata
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from pipeline import recognize as R
from pipeline.objects import BBox, Cell, Table
from pipeline.ocr.base import Recognition

CJK_FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
BORN_DIGITAL = Path(__file__).resolve().parents[1] / "fixtures" / "born_digital"
DPI = 200
SCALE = 72 / DPI            # points per pixel
TEXT_PX = 28                # ~10 pt at 200 dpi
ONE_LEVEL = R.InkLevels(weak=160, strong=160)   # plain thresholding, no hysteresis


def draw_text(canvas: np.ndarray, xy: tuple[int, int], text: str, size: int = TEXT_PX) -> None:
    image = Image.fromarray(canvas)
    ImageDraw.Draw(image).text(xy, text, font=ImageFont.truetype(CJK_FONT, size), fill=0)
    canvas[:] = np.array(image)


def blank(h: int, w: int) -> np.ndarray:
    return np.full((h, w), 255, np.uint8)


class RecordingEngine:
    """Stands in for the recogniser: answers by crop width and remembers every crop it was given."""

    def __init__(self, wide_px: int = 150, confidence: float = 0.95):
        self.crops: list[np.ndarray] = []
        self.wide_px = wide_px
        self.confidence = confidence

    def recognize(self, crops):
        self.crops.extend(crops)
        return [Recognition("WIDE" if c.shape[1] > self.wide_px else "NARROW", self.confidence) for c in crops]

    def detect(self, image):
        return []


# ---------------------------------------------------------------- geometry without OCR

def test_two_wrapped_lines_are_split_in_reading_order():
    crop = blank(90, 400)
    draw_text(crop, (5, 5), "项目实施目标包括完成")
    draw_text(crop, (5, 45), "需求调研")
    bands = R.split_text_lines(R.clean_ink(crop, ONE_LEVEL, 1 / SCALE).mask, TEXT_PX)
    assert len(bands) == 2
    assert bands[0][1] <= bands[1][0]
    assert bands[0][0] < 40 <= bands[1][0]


@pytest.mark.parametrize("char", ["三", "二", "言"])
def test_a_character_of_separate_strokes_stays_one_line(char):
    crop = blank(60, 80)
    draw_text(crop, (10, 10), char)
    assert len(R.split_text_lines(R.clean_ink(crop, ONE_LEVEL, 1 / SCALE).mask, TEXT_PX)) == 1


def test_touching_lines_are_cut_at_the_lightest_row():
    single = blank(60, 400)
    draw_text(single, (5, 5), "项目实施目标包括")
    (top, bottom), = R.ink_runs(R.clean_ink(single, ONE_LEVEL, 1 / SCALE).mask)
    line_h = bottom - top
    crop = blank(90, 400)
    draw_text(crop, (5, 5), "项目实施目标包括")
    draw_text(crop, (5, 5 + line_h), "需求调研完成情况")   # no white row between the lines
    mask = R.clean_ink(crop, ONE_LEVEL, 1 / SCALE).mask
    assert len(R.ink_runs(mask)) == 1
    bands = R.split_text_lines(mask, line_h)
    assert len(bands) == 2
    assert abs(bands[0][1] - (top + line_h)) <= 4


def test_lone_dash_is_recognised_from_geometry():
    crop = blank(45, 200)
    cv2.line(crop, (85, 22), (115, 22), 0, 2)
    assert R.is_lone_dash(R.clean_ink(crop, ONE_LEVEL, 1 / SCALE).mask, TEXT_PX)


@pytest.mark.parametrize("text", ["12", "三", "—10", "/"])
def test_text_is_not_a_dash(text):
    crop = blank(45, 200)
    draw_text(crop, (70, 6), text)
    assert not R.is_lone_dash(R.clean_ink(crop, ONE_LEVEL, 1 / SCALE).mask, TEXT_PX)


def test_ruling_remnants_and_speckles_are_not_ink():
    crop = blank(45, 200)
    crop[0:2, :] = 0            # the cell's top ruling leaking into the crop
    crop[:, 198:200] = 0        # and its right one
    crop[20, 50] = 0            # one speckle
    assert not R.clean_ink(crop, ONE_LEVEL, 1 / SCALE).mask.any()


def test_light_marks_apart_from_text_are_not_ink():
    crop = blank(60, 400)
    draw_text(crop, (10, 14), "有效提升")
    cv2.ellipse(crop, (300, 70), (90, 60), 0, 180, 270, 185, 4)      # a seal's leftover arc, light grey
    others = []
    for text in ("项目实施目标", "满意度指标", "数量指标", "不适用"):
        cell = blank(60, 400)
        draw_text(cell, (10, 14), text)
        others.append(cell)
    levels = R.page_ink_levels(crop, [crop, *others], 1 / SCALE)
    assert levels.strong < 185 < levels.weak
    mask = R.clean_ink(crop, levels, 1 / SCALE).mask
    assert not mask[:, 200:].any()
    assert mask[:, :160].sum() > 0.8 * (crop[:, :160] < levels.weak).sum()


def test_dust_under_a_full_line_is_not_ink_of_the_short_line_below():
    """A speck just under the first line, past the end of the second (时间5): it was near a glyph
    above, but no glyph stands level with it on its own line."""
    crop = blank(70, 330)
    draw_text(crop, (4, 2), "缴纳行政服务大厅租金")
    draw_text(crop, (4, 36), "时间")
    crop[36:39, 220:223] = 0                       # 3x3 px of dust, 1 px below the first line's ink
    mask = R.clean_ink(crop, ONE_LEVEL, 1 / SCALE).mask
    assert not mask[34:70, 100:].any()
    assert mask[34:70, :80].any()


def test_a_comma_wrapped_to_a_line_start_stays():
    """A full-width comma begins the second line: in Song it sits at its em's left, about an em
    from the next glyph (3x6 px, 20 px on, at 200 dpi), and far below the line above."""
    crop = blank(70, 330)
    draw_text(crop, (4, 2), "平台项目的平台建设工作")
    draw_text(crop, (32, 36), "建设内容")
    crop[59:64, 8:11] = 0                          # 15 px: dot-sized
    mask = R.clean_ink(crop, ONE_LEVEL, 1 / SCALE).mask
    assert mask[59:64, 8:11].all()


def test_a_hairline_dash_stays_ink_however_light():
    crop = blank(45, 200)
    draw_text(crop, (20, 6), "无")
    cv2.line(crop, (120, 22), (150, 22), 165, 1)
    levels = R.InkLevels(weak=200, strong=120)
    assert R.clean_ink(crop, levels, 1 / SCALE).mask[:, 110:160].any()


def test_ruling_stub_at_the_cell_edge_is_dropped_but_a_leading_one_stays():
    crop = blank(45, 220)
    draw_text(crop, (80, 8), "95%")
    crop[8:38, 216:219] = 0                                            # a bent ruling's remnant
    mask = R.clean_ink(crop, ONE_LEVEL, 1 / SCALE).mask
    assert not mask[:, 200:].any() and mask[:, 80:140].any()
    line = blank(45, 300)
    draw_text(line, (2, 8), "1.保障")
    kept = R.clean_ink(line, ONE_LEVEL, 1 / SCALE).mask
    assert kept[:, :12].any()


# ---------------------------------------------------------------- read_cells with a recording engine

def synthetic_form() -> tuple[np.ndarray, Table]:
    """A 2x3 ruled table at 200 dpi: wrapped text, one line, a dash, empty, a low-confidence-free 三."""
    xs, ys = [50, 450, 650, 850], [50, 150, 230]
    page = blank(300, 900)
    for x in xs:
        cv2.line(page, (x, ys[0]), (x, ys[-1]), 0, 3)
    for y in ys:
        cv2.line(page, (xs[0], y), (xs[-1], y), 0, 3)
    draw_text(page, (60, 60), "完成项目需求调研及系统设计")   # wide line on top
    draw_text(page, (60, 100), "等工作")                     # narrow line below
    draw_text(page, (460, 80), "分值")
    cv2.line(page, (735, 100), (765, 100), 0, 2)             # lone dash
    draw_text(page, (460, 175), "三")
    cells = []
    for r in range(2):
        for c in range(3):
            bbox = BBox(xs[c] * SCALE, ys[r] * SCALE, xs[c + 1] * SCALE, ys[r + 1] * SCALE)
            cells.append(Cell(row=r, col=c, row_span=1, col_span=1, bbox=bbox, text="stale", confidence=0.1))
    table = Table(page=1, bbox=BBox(xs[0] * SCALE, ys[0] * SCALE, xs[-1] * SCALE, ys[-1] * SCALE),
                  n_rows=2, n_cols=3, cells=cells)
    return page, table


def test_read_cells_fills_texts_in_reading_order_and_skips_empty_and_dash_cells():
    page, table = synthetic_form()
    engine = RecordingEngine()
    R.read_cells(page, table, scale=SCALE, engine=engine)
    texts = {(c.row, c.col): c.text for c in table.cells}
    assert texts == {(0, 0): "WIDENARROW", (0, 1): "NARROW", (0, 2): "—",
                     (1, 0): "", (1, 1): "NARROW", (1, 2): ""}
    assert len(engine.crops) == 4                     # 2 lines + 分值 + 三; no crop for dash or empty cells
    assert all(c.confidence >= 0.95 and not c.unreadable for c in table.cells)
    widths = [R._rec_width(c) for c in engine.crops]
    assert widths == sorted(widths)                    # handed over narrowest first


def test_cells_below_the_confidence_floor_are_unreadable():
    page, table = synthetic_form()
    R.read_cells(page, table, scale=SCALE, engine=RecordingEngine(confidence=0.3), confidence_floor=0.5)
    flags = {(c.row, c.col): (c.unreadable, round(c.confidence, 2)) for c in table.cells}
    assert flags[(0, 0)] == (True, 0.3) and flags[(0, 2)] == (False, R.DASH_CONFIDENCE)
    assert flags[(1, 0)] == (False, 1.0)


def test_wide_crops_go_to_the_recogniser_in_small_chunks():
    crops = [blank(40, 100)] * 10 + [blank(40, 2000)] * 3
    engine = RecordingEngine()
    calls = []
    engine.recognize = lambda cs: (calls.append(len(cs)), [Recognition("x", 1.0)] * len(cs))[1]
    assert R.recognize_in_width_order(crops, engine) == [Recognition("x", 1.0)] * 13
    assert calls == [8, 2, 1, 1, 1]


def test_reading_order_of_detected_boxes():
    boxes = [BBox(300, 12, 400, 40), BBox(10, 60, 200, 90), BBox(10, 10, 120, 38)]
    assert R.reading_order(boxes) == [boxes[2], boxes[0], boxes[1]]


# ---------------------------------------------------------------- the real engine on a rendered form

def _norm(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def _page_gray_and_chars(pdf_path: Path, page_no: int):
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(pdf_path))
    page = pdf[page_no - 1]
    gray = np.array(page.render(scale=DPI / 72, grayscale=True).to_pil().convert("L"))
    textpage, height = page.get_textpage(), page.get_height()
    chars = []
    for i in range(textpage.count_chars()):
        left, bottom, right, top = textpage.get_charbox(i)
        chars.append((textpage.get_text_range(i, 1), (left + right) / 2, height - (bottom + top) / 2))
    return gray, chars


@pytest.fixture(scope="module")
def paddle_engine():
    from pipeline.ocr.paddle import PaddleEngine

    return PaddleEngine().load()


@pytest.mark.ocr
def test_cells_of_a_rendered_form_match_its_text_layer(paddle_engine):
    from pipeline.grid import detect_tables

    pdf_path = BORN_DIGITAL / "bd_c_landscape.pdf"
    if not pdf_path.exists():
        pytest.skip(f"{pdf_path} not generated")
    gray, chars = _page_gray_and_chars(pdf_path, 1)
    tables = detect_tables(gray, page=1, scale=SCALE)
    assert tables
    total = exact = 0
    misses = []
    for table in tables:
        R.read_cells(gray, table, scale=SCALE, engine=paddle_engine)
        for cell in table.cells:
            truth = _norm("".join(ch for ch, x, y in chars if cell.bbox.contains_point(x, y)))
            total += 1
            exact += truth == _norm(cell.text)
            if truth != _norm(cell.text):
                misses.append((truth, cell.text))
    accuracy = exact / total
    print(f"cell accuracy {accuracy:.3f} ({exact}/{total}); misses: {misses}")
    assert total > 80
    assert accuracy >= 0.95, misses
    dash_cells = [c for t in tables for c in t.cells if c.text == R.DASH]
    assert dash_cells


@pytest.mark.ocr
def test_read_region_finds_loose_title_lines(paddle_engine):
    page = blank(220, 1400)
    draw_text(page, (40, 20), "附件1")
    draw_text(page, (400, 100), "项目支出绩效自评表", size=44)
    lines = R.read_region(page, BBox(0, 0, 1400, 220), scale=SCALE, engine=paddle_engine)
    assert [line.text.replace(" ", "") for line in lines] == ["附件1", "项目支出绩效自评表"]
    assert lines[1].bbox.y0 > 90 * SCALE and lines[1].bbox.x0 == pytest.approx(400 * SCALE, abs=8)
    assert R.read_region(blank(100, 100), BBox(0, 0, 100, 100), scale=SCALE, engine=paddle_engine) == []


def test_closely_set_lines_parted_by_a_hair_are_not_merged():
    """Long texts wrap with little leading: the gap between lines may be a row or two of paper."""
    crop = blank(200, 420)
    single = blank(60, 420)
    draw_text(single, (5, 5), "项目实施目标包括")
    (top, bottom), = R.ink_runs(R.clean_ink(single, ONE_LEVEL, 1 / SCALE).mask)
    pitch = bottom - top + 2
    for k in range(6):
        draw_text(crop, (5, 5 + k * pitch), "项目实施目标包括完成")
    mask = R.clean_ink(crop, ONE_LEVEL, 1 / SCALE).mask
    bands = R.split_text_lines(mask, bottom - top)
    assert len(bands) == 6
    assert all(abs((b1 - b0) - (bottom - top)) <= 3 for b0, b1 in bands)


def test_a_light_full_stop_after_text_stays_but_a_light_speck_alone_goes():
    crop = blank(60, 420)
    draw_text(crop, (10, 14), "验收")
    glyphs = np.flatnonzero((crop < 128).any(axis=0))
    foot = int(np.flatnonzero((crop < 128).any(axis=1))[-1])
    stop_x = int(glyphs[-1]) + 8
    cv2.circle(crop, (stop_x, foot - 4), 4, 160, 1)                     # a '。' blurred light
    cv2.circle(crop, (360, 20), 4, 160, 1)                              # the same mark apart from text
    levels = R.InkLevels(weak=200, strong=140)
    mask = R.clean_ink(crop, levels, 1 / SCALE).mask
    assert mask[foot - 9:foot + 1, stop_x - 5:stop_x + 6].any()
    assert not mask[:, 340:].any()


SCANNED_CROPS = Path(__file__).resolve().parent / "data" / "full_stops"


@pytest.mark.parametrize("crop_name, levels, stop", [
    # typical seed 42 002_11 page 5: '严控公务接待费支出。', the foot of 出 reaching lower
    ("zhichu.png", R.InkLevels(weak=218, strong=167), (223, 19, 8, 8)),
    # ... '，未实施。' wrapped: the '。' level with the middle of 施
    ("shishi.png", R.InkLevels(weak=218, strong=167), (105, 41, 10, 8)),
    # typical seed 99 002_17 page 6: '平台建设' ran to the edge, its '。' opens the next line ('。我局积极')
    ("wrapped_wo.png", R.InkLevels(weak=208, strong=148), (5, 45, 8, 8)),
])
def test_a_light_full_stop_beside_its_character_stays(crop_name, levels, stop):
    """Cells of real scans (levels as page_ink_levels measured them): each '。' a grey level lighter
    than the strong ink."""
    crop = cv2.imread(str(SCANNED_CROPS / crop_name), cv2.IMREAD_GRAYSCALE)
    x, y, w, h = stop
    mask = R.clean_ink(crop, levels, 1 / SCALE).mask
    assert mask[y:y + h, x:x + w].sum() >= w * h // 3


@pytest.mark.parametrize("at_left", [True, False])
def test_a_light_mark_at_a_crop_s_edge_goes(at_left):
    """Nothing beside it on either side, the crop ending at it: no character for it to stand by."""
    crop = blank(40, 60)
    cv2.circle(crop, (4, 20) if at_left else (55, 20), 4, 160, 1)
    mask = R.clean_ink(crop, R.InkLevels(weak=200, strong=140), 1 / SCALE).mask
    assert not mask.any()


def test_a_seal_s_dot_beside_a_lone_slash_is_no_full_stop():
    """Typical seed 42 002_11 page 5: a round grey piece of a seal's letter stands low right after
    a '/' placeholder; taken for a '。', it made the cell two glyphs, read 'L'."""
    from pipeline.glyphs import is_lone_slash
    crop = cv2.imread(str(SCANNED_CROPS / "slash_seal.png"), cv2.IMREAD_GRAYSCALE)
    mask = R.clean_ink(crop, R.InkLevels(weak=218, strong=167), 1 / SCALE).mask
    assert is_lone_slash(mask, text_height=23)


def test_a_light_round_mark_level_with_a_character_s_top_goes():
    crop = blank(60, 420)
    draw_text(crop, (10, 14), "严控公务接待费支出")
    ink = crop < 128
    last = int(np.flatnonzero(ink.any(axis=0))[-1])
    rows = np.flatnonzero(ink[:, last - TEXT_PX // 2:last + 1].any(axis=1))
    centre = (last + 9, int(rows[0] + 0.2 * (rows[-1] - rows[0])))
    cv2.circle(crop, centre, 4, 160, 1)
    mask = R.clean_ink(crop, R.InkLevels(weak=200, strong=140), 1 / SCALE).mask
    assert not mask[centre[1] - 5:centre[1] + 6, centre[0] - 5:centre[0] + 6].any()


def _full_line_with_a_light_mark_below(mark_x: int) -> tuple[np.ndarray, tuple[int, int]]:
    crop = blank(80, 330)
    draw_text(crop, (4, 4), "本项目已收回资金，未实施")
    ink = crop < 128
    cols, rows = np.flatnonzero(ink.any(axis=0)), np.flatnonzero(ink.any(axis=1))
    x, y = int(cols[0]) + mark_x, int(rows[-1]) + 20
    cv2.circle(crop, (x, y), 3, 165, -1)                                # a '。' blurred light
    return crop, (x, y)


def test_a_light_full_stop_wrapped_to_a_line_of_its_own_stays():
    """The text ran to the cell's edge and its '。' went on to the next line, under its first character."""
    crop, (x, y) = _full_line_with_a_light_mark_below(mark_x=2)
    mask = R.clean_ink(crop[:, :int(np.flatnonzero((crop < 128).any(axis=0))[-1]) + 12],
                       R.InkLevels(weak=200, strong=140), 1 / SCALE).mask
    assert mask[y - 4:y + 5, x - 4:x + 5].any()


@pytest.mark.parametrize("mark_x", [120, 260])
def test_a_light_mark_under_a_line_elsewhere_is_dust(mark_x):
    crop, (x, y) = _full_line_with_a_light_mark_below(mark_x)
    mask = R.clean_ink(crop, R.InkLevels(weak=200, strong=140), 1 / SCALE).mask
    assert not mask[y - 4:y + 5, x - 4:x + 5].any()


def test_a_cell_of_light_flat_strokes_only_is_blank():
    """A seal's letters lifted off an empty cell leave light flat pieces: no placeholder, no text."""
    page, table = synthetic_form()
    xs, y = (120, 200), 190          # in cell (1, 0), which is empty
    page[y:y + 2, xs[0]:xs[0] + 12] = 170                # shorter than a '—'
    page[y + 8:y + 10, xs[1]:xs[1] + 9] = 170
    engine = RecordingEngine()
    R.read_cells(page, table, scale=SCALE, engine=engine)
    cell = next(c for c in table.cells if (c.row, c.col) == (1, 0))
    assert cell.text == "" and len(engine.crops) == 4


class ChineseEngine(RecordingEngine):
    """Reads every line as '系统', dropping any mark, as the recogniser drops a wrapped '、'."""

    def recognize(self, crops):
        self.crops.extend(crops)
        return [Recognition("系统", 0.95) for _ in crops]


def test_a_mark_wrapped_onto_the_line_after_a_full_one_is_put_back_and_nowhere_else():
    xs, ys = [50, 355, 755, 1155], [50, 150]
    page = blank(200, 1200)
    for x in xs:
        cv2.line(page, (x, ys[0]), (x, ys[-1]), 0, 3)
    for y in ys:
        cv2.line(page, (xs[0], y), (xs[-1], y), 0, 3)
    draw_text(page, (60, 60), "项目建设内容包括系统")      # runs to the cell's edge
    draw_text(page, (60, 100), "、系统")                  # the mark wrapped onto the second line
    draw_text(page, (365, 80), "、系统")                  # a cell's first line: nothing wraps there
    draw_text(page, (765, 60), "项目建设")                # a short line: nothing wraps after it
    draw_text(page, (765, 100), "、系统")
    cells = [Cell(row=0, col=c, row_span=1, col_span=1,
                  bbox=BBox(xs[c] * SCALE, ys[0] * SCALE, xs[c + 1] * SCALE, ys[1] * SCALE)) for c in range(3)]
    table = Table(page=1, bbox=BBox(xs[0] * SCALE, ys[0] * SCALE, xs[-1] * SCALE, ys[-1] * SCALE),
                  n_rows=1, n_cols=3, cells=cells)
    R.read_cells(page, table, scale=SCALE, engine=ChineseEngine())
    assert [c.text for c in table.cells] == ["系统、系统", "系统", "系统系统"]


def _three_by_three(middle_row_text: list[tuple[int, str]], stub: bool = False, text_row_below: bool = False
                    ) -> tuple[np.ndarray, Table, list[np.ndarray], list[int]]:
    """A 3x3 ruled table whose middle row joins columns 1 and 2 (their ruling wiped there, or
    with ``stub`` wiped down to a thick stub the grid did not take for a line); with
    ``text_row_below`` the last row is one cell across the table."""
    xs, ys = [20, 220, 420, 620], [20, 80, 140, 200]
    page = blank(220, 640)
    for y in ys:
        cv2.line(page, (xs[0], y), (xs[-1], y), 0, 2)
    for x in xs:
        for y0, y1 in zip(ys, ys[1:]):
            wiped = x == xs[2] and y0 == ys[1]
            inside_text_row = text_row_below and y0 == ys[2] and x not in (xs[0], xs[-1])
            if not (wiped or inside_text_row):
                cv2.line(page, (x, y0), (x, y1), 0, 2)
    for x, text in middle_row_text:
        draw_text(page, (x, ys[1] + 15), text)
    if stub:
        cv2.line(page, (xs[2], ys[1] + 22), (xs[2], ys[2] - 14), 0, 5)
    cells = []
    for r in range(3):
        spans = [(0, 1), (1, 2)] if r == 1 else [(0, 1), (1, 1), (2, 1)]
        if r == 2 and text_row_below:
            spans = [(0, 3)]
        for c, span in spans:
            bbox = BBox(xs[c] * SCALE, ys[r] * SCALE, xs[c + span] * SCALE, ys[r + 1] * SCALE)
            cells.append(Cell(row=r, col=c, row_span=1, col_span=span, bbox=bbox))
    table = Table(page=1, bbox=BBox(xs[0] * SCALE, ys[0] * SCALE, xs[-1] * SCALE, ys[-1] * SCALE),
                  n_rows=3, n_cols=3, cells=cells, col_edges=tuple(x * SCALE for x in xs),
                  row_edges=tuple(y * SCALE for y in ys))
    inset = 3
    boxes = [R.crop_box_px(c.bbox, SCALE, page.shape, inset) for c in cells]
    masks = [R.clean_ink(page[y0:y1, x0:x1], ONE_LEVEL, 1 / SCALE).mask for x0, y0, x1, y1 in boxes]
    return page, table, masks, [b[0] for b in boxes]


@pytest.mark.parametrize("texts, options", [
    ([(290, "20.0"), (490, "20.0")], {}),                         # two values
    ([(290, "100"), (490, "99.9")], {"stub": True}),              # ... a stub of their ruling left
    ([(290, "0.00"), (490, "—")], {"text_row_below": True}),      # ... above a text row spanning the table
    ([(226, "用户满意度"), (490, "95%")], {}),                     # a name and its target (seed 42 001_01 #1)
    ([(260, "时效"), (426, "辅助性人员")], {}),                    # a level-2 label and its name (001_06 #3)
    ([(478, "不适用")], {}),                                      # a value beside a blank cell (seed 99 001_06 #4)
], ids=["values", "stub", "above-text-row", "name-target", "label-name", "value-beside-blank"])
def test_cells_joined_by_a_wiped_ruling_are_parted_at_the_column_line(texts, options):
    _, table, masks, x0s = _three_by_three(texts, **options)
    assert R.split_fused_cells(table, masks, x0s, SCALE)
    middle = [(c.col, c.col_span) for c in table.cells if c.row == 1]
    assert middle == [(0, 1), (1, 1), (2, 1)]


def test_a_name_running_on_across_the_column_line_stays_one_cell():
    """深圳市大鹏新|区政务服务: a character's spacing falls on the line, where no name ends."""
    _, table, masks, x0s = _three_by_three([(246, "深圳市大鹏新"), (426, "区政务服务")])
    assert not R.split_fused_cells(table, masks, x0s, SCALE)


def test_a_short_text_at_a_joined_cell_s_left_stays_one_cell():
    """Left-aligned in a cell two columns wide, the right part blank: one cell's text, not set apart."""
    _, table, masks, x0s = _three_by_three([(226, "档案整理")])
    assert not R.split_fused_cells(table, masks, x0s, SCALE)


def test_a_text_running_across_the_column_line_stays_one_cell():
    _, table, masks, x0s = _three_by_three([(230, "已完成55台，"), (430, "有效提高效率")])
    assert not R.split_fused_cells(table, masks, x0s, SCALE)


def test_a_line_runs_to_the_edge_within_the_ems_given():
    line = np.zeros((20, 200), dtype=bool)
    line[5:15, 10:155] = True                       # ink ends 45 px (2.25 text heights) short
    assert not R.runs_to_edge(line, 20.0)
    assert not R.runs_to_edge(line, 20.0, ems=R.CONTINUED_EMS)
    line[5:15, 155:165] = True                      # a full stop's room short: 35 px, 1.75 heights
    assert not R.runs_to_edge(line, 20.0)
    assert R.runs_to_edge(line, 20.0, ems=R.CONTINUED_EMS)


class FixedEngine(RecordingEngine):
    """Answers every crop with one reading."""

    def __init__(self, text: str):
        super().__init__()
        self.text = text

    def recognize(self, crops):
        self.crops.extend(crops)
        return [Recognition(self.text, 0.8) for _ in crops]


@pytest.mark.parametrize("read, expected", [("7", "/"), ("1", "/"), ("Z", "/"), ("2", "2")])
def test_one_slanted_stroke_is_a_slash_unless_the_recogniser_reads_a_digit_no_slash_is_read_as(read, expected):
    """Typical seed 21 002_07 #1: a '2' whose faint foot went with a seal's lifted star is one
    slanted stroke; the recogniser, which says 1, 7 or Z for a '/', read it '2'."""
    page, table = synthetic_form()
    cv2.line(page, (748, 205), (760, 177), 0, 3)          # one slanted stroke in the empty cell (1, 2)
    R.read_cells(page, table, scale=SCALE, engine=FixedEngine(read))
    cell = next(c for c in table.cells if (c.row, c.col) == (1, 2))
    assert cell.text == expected
    assert (cell.confidence == R.DASH_CONFIDENCE) is (expected == "/")
