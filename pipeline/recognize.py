"""Grid-first text recognition for scanned pages.

The ruling grid already says where every cell is, so no text detector runs on
the table: each cell is cropped inside its borders, its text lines are found
by horizontal ink projection, and all line crops of the page go through the
recogniser in one width-sorted batch. Empty cells never reach the recogniser;
a lone dash ("—", common in funds/score cells and a weak spot of the
recogniser) is recognised from its geometry.

Cell bboxes are PDF points; pixel = point / scale (``scale`` = points per pixel).
"""
from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from pipeline.glyphs import (comparator_doubtful, is_lone_slash, restore_asterisk, restore_colon_marks,
                             restore_comma, restore_comparator, restore_full_stop, restore_leading_mark)
from pipeline.ink import component_minima, gray_median, inked_spans, labelled_minima
from pipeline.objects import BBox, Cell, Table, TextLine
from pipeline.ocr.base import OcrEngine, Recognition, WordChoosingEngine
from pipeline.ocr.lexicon import Lexicon

DASH = "—"
DASH_CONFIDENCE = 0.99
NO_SLASH_READ = re.compile(r"[02-689]")  # a digit the recogniser never makes of a '/' (it says 1, 7, Z, V, y)
DOUBTFUL_CONFIDENCE = 0.3        # a reading the glyph checks contradict: below any floor
# A line that wrapped: its ink ends within this many text heights of the cell's edge.
WRAPPED_EMS = 1.5
# A line whose words run on into the next: its ink ends within this many text heights of the
# cell's edge (a full stop's ink stops an em short of its box, and the wrap leaves up to an em).
CONTINUED_EMS = 2.0
# Line confidence is the weakest character's probability (pipeline/ocr/confidence.py); on the
# simulated scans a floor of 0.6 catches 70 % of the wrong fields and flags 3 % of the right ones.
DEFAULT_CONFIDENCE_FLOOR = 0.6
FALLBACK_TEXT_HEIGHT_PT = 10.0   # used when a page has no text line to measure
MIN_TEXT_HEIGHT_PT = 4.0         # runs lower than this do not count when measuring text height
INSET_PT = 1.2                   # shrink of a cell crop so its ruling lines stay out
SPECKLE_AREA_PT2 = 0.5           # ink components smaller than this are noise
DOT_AREA_PT2 = 2.0               # a dot-sized mark ("." "：" or dust) is smaller than this
GLYPH_AREA_PT2 = 4.0             # ink components this large count when measuring the text's darkness
MIN_GLYPHS_FOR_LEVELS = 20       # fewer than this and the page keeps a single ink level
STRONG_INK_SHARE = 0.55          # strong level: this share of the way from the text's darkness to the paper
FULL_STOP_PT = (1.5, 4.5)        # a '。' is this large (points, width and height)
STOP_CENTRE_SHARE = 0.4          # ... its centre below this share of the character before it
STOP_HEIGHT_SHARE = 0.6          # ... and at most this share of that character's height
STOP_BESIDE_WIDTH = 0.7          # ... its line's ink over six mark widths beside it spans this share
                                 # of its height at least (a lone '/' 0.57)
HAIRLINE_PT = 1.5                # a flat stroke no taller than this is kept however light
STUB_ZONE_PT = 2.5               # a ruling remnant lies wholly within this of the crop's border
STUB_THICKNESS_PT = 1.2          # ... and is no thicker than this
STUB_GAP_PT = 2.0                # ... with no other ink this close beside it (along its length)
DOT_REACH_PT = 7.0               # full-width punctuation stands within this of a glyph; dust beyond it is dropped
FUSED_BAND_PT = 2.0              # no ink this close to a column line inside a merged cell: it was two cells
FUSED_CENTRE_SHARE = 0.2         # ... each side's ink centred within this share of its width
FUSED_FILL_SHARE = 0.8           # ... and narrower than this share of it
FUSED_NAME_GAP_PT = 6.0          # ... or one side starting at its left, the left side ending this far short of the line
LINE_MERGE_HEIGHT = 1.25         # runs merge into one text line only up to this many text heights
LONE_DASH_MIN_LENGTH = 0.6       # a placeholder "—" is an em long (0.9–1.1 text heights); a seal letter's stroke less
RECOGNIZE_CHUNK = 64             # line crops per recogniser call at most
REC_HEIGHT, REC_MIN_WIDTH = 48, 320   # the recogniser's input: height, and the width short crops are padded to
CHUNK_WIDTH_BUDGET = 8 * 320     # crops × widest input width per recogniser call (bounds the memory peak)


@dataclass(frozen=True)
class InkLevels:
    """Two gray levels of a page: below ``weak`` a pixel may be ink; a stroke counts only if it
    holds pixels below ``strong`` (hysteresis), so light marks — seal ink left after colour
    suppression, a grey seal, faint ruling remnants, scanner dirt — never join the text."""
    weak: int
    strong: int


@dataclass(frozen=True)
class CellInk:
    """The cleaned ink of one cell crop: ``mask`` is True on ink, ``gray`` has removed ink whitened."""
    gray: np.ndarray
    mask: np.ndarray


# ---------------------------------------------------------------- crops and ink

def page_ink_threshold(gray: np.ndarray, paper: float | None = None) -> int:
    """Gray level below which a pixel is ink.

    Halfway between Otsu's level and the paper (the page median, given or
    measured): thin strokes such as a lone "—" render lighter than Otsu's
    level at 200 dpi.
    """
    otsu, _ = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    paper = gray_median(gray) if paper is None else paper
    return int(min(220, max(90, (otsu + paper) / 2)))


def page_ink_levels(gray: np.ndarray, crops: Sequence[np.ndarray], px_per_pt: float) -> InkLevels:
    """The page's weak level, and a strong level between its text's darkness and its paper.

    Text darkness is measured, not assumed: the darkest pixel of each glyph-sized
    ink component of the cells, at the lower quartile (text outnumbers any seal
    or stain on a form page). Scans differ a lot here — black print on a
    colour scan whose seal was lifted is far lighter than on a grey scan.
    """
    paper = gray_median(gray)
    weak = page_ink_threshold(gray, paper)
    minima = np.concatenate([component_minima(crop, crop < weak, GLYPH_AREA_PT2 * px_per_pt ** 2) for crop in crops]
                            or [np.empty(0)])
    if minima.size < MIN_GLYPHS_FOR_LEVELS:
        return InkLevels(weak, weak)
    text_dark = float(np.percentile(minima, 25))
    strong = int(round(text_dark + STRONG_INK_SHARE * (paper - text_dark)))
    return InkLevels(weak, min(weak, strong))


def crop_box_px(bbox_pt: BBox, scale: float, shape: tuple[int, ...], inset_px: int) -> tuple[int, int, int, int]:
    h, w = shape[:2]
    x0 = max(0, int(round(bbox_pt.x0 / scale)) + inset_px)
    y0 = max(0, int(round(bbox_pt.y0 / scale)) + inset_px)
    x1 = min(w, int(round(bbox_pt.x1 / scale)) - inset_px)
    y1 = min(h, int(round(bbox_pt.y1 / scale)) - inset_px)
    return x0, y0, max(x0, x1), max(y0, y1)


def clean_ink(crop: np.ndarray, levels: InkLevels, px_per_pt: float) -> CellInk:
    """Binarise a cell crop (hysteresis) and drop ruling remnants along its border and speckles."""
    raw = crop < levels.weak
    if not raw.any():
        return CellInk(crop, raw)
    mask = _with_strong_ink(crop, raw, levels, px_per_pt)
    mask = _without_edge_rulings(mask, edge=max(3, int(round(2.5 * px_per_pt))))
    mask = _without_specks(mask, min_area=max(2.0, SPECKLE_AREA_PT2 * px_per_pt ** 2),
                           thin=max(3.0, 1.5 * px_per_pt))
    mask = _without_isolated_dots(mask, dot_area=DOT_AREA_PT2 * px_per_pt ** 2,
                                  reach=max(3, int(round(DOT_REACH_PT * px_per_pt))))
    mask = _without_edge_stubs(mask, px_per_pt)
    gray = crop.copy()
    gray[raw & ~mask] = 255
    return CellInk(gray, mask)


def _with_strong_ink(crop: np.ndarray, weak: np.ndarray, levels: InkLevels, px_per_pt: float) -> np.ndarray:
    """The weak ink components that hold strong ink (hysteresis): glyphs whole, light marks gone.

    A flat stroke ('—', '-') is kept either way: a hairline never renders as
    dark as a glyph's stem, and it is the value of many cells. So is a full
    stop: its thin ring blurs lighter than any stem (see _full_stops).
    """
    labels, minima, stats = labelled_minima(crop, weak)
    keep = minima < levels.strong
    heights, widths = stats[:, cv2.CC_STAT_HEIGHT], stats[:, cv2.CC_STAT_WIDTH]
    keep |= (heights <= HAIRLINE_PT * px_per_pt) & (widths >= 3 * heights)
    keep[0] = False
    keep |= _full_stops(keep, labels, stats, minima < (levels.weak + levels.strong) / 2, px_per_pt)
    return keep[labels]


def _full_stops(kept: np.ndarray, labels: np.ndarray, stats: np.ndarray, darkish: np.ndarray,
                px_per_pt: float) -> np.ndarray:
    """Light round marks the size of a '。' set low right after a kept glyph, or wrapped to a line's start.

    Seal remains and dirt are light too, but seldom round, mark-sized and
    low beside the character they follow (or, wrapped, precede).
    """
    found = np.zeros(len(kept), dtype=bool)
    lo, hi = FULL_STOP_PT[0] * px_per_pt, FULL_STOP_PT[1] * px_per_pt
    glyphs = kept[labels]
    for i in np.flatnonzero(~kept & darkish):
        x, y, w, h = (int(v) for v in stats[i][:4])
        if lo <= w <= hi and lo <= h <= hi and 0.6 * h <= w <= 1.6 * h:
            found[i] = (_low_beside(glyphs, x, y, w, h, after=True) or _opens_a_wrapped_line(glyphs, x, y, w, h)
                        or _wrapped_to_line_start(glyphs, x, y, w, h))
    return found


def _low_beside(glyphs: np.ndarray, x: int, y: int, w: int, h: int, *, after: bool) -> bool:
    """The mark sits no higher than the middle of the character just before it (``after``) or just
    after it, and is much smaller; and it stands among characters, not beside a lone '/' or '1' (a
    seal's remains beside a '/' placeholder are no full stop).

    The character is the ink beside the mark that reaches the mark's rows,
    taken whole. Fonts set a '。' at the foot of its em or centred in its lower
    half, so its own foot need not be level with the character's.
    """
    top = max(0, y - 4 * h)
    cols = slice(max(0, x - 3 * w), x) if after else slice(x + w, x + 4 * w)
    window = glyphs[top:y + 2 * h, cols]
    if not window.any():
        return False
    _, labels = cv2.connectedComponents(window.astype(np.uint8), connectivity=8)
    beside = np.setdiff1d(labels[y - top:y - top + h], [0])
    if not beside.size:
        return False
    rows = np.flatnonzero(np.isin(labels, beside).any(axis=1))
    glyph_top, glyph_bottom = top + rows[0], top + rows[-1] + 1
    glyph_height = glyph_bottom - glyph_top
    low = y + h / 2 >= glyph_top + STOP_CENTRE_SHARE * glyph_height and y + h <= glyph_bottom + max(2, 0.4 * h)
    around = glyphs[glyph_top:glyph_bottom, slice(max(0, x - 6 * w), x) if after else slice(x + w, x + 7 * w)]
    broad = np.count_nonzero(around.any(axis=0)) >= STOP_BESIDE_WIDTH * glyph_height
    return bool(low and broad and h <= STOP_HEIGHT_SHARE * glyph_height)


def _opens_a_wrapped_line(glyphs: np.ndarray, x: int, y: int, w: int, h: int) -> bool:
    """The mark opens a line, low before its first character, under a line that ran to the cell's
    edge: a '。' wrapped onto a line the text goes on in ('。我局积极落实')."""
    if glyphs[y:y + h, :x].any() or not _low_beside(glyphs, x, y, w, h, after=False):
        return False
    return _under_a_full_line(glyphs, _top_of_inked_rows(glyphs, y), x, w, 2 * h)


def _wrapped_to_line_start(glyphs: np.ndarray, x: int, y: int, w: int, h: int) -> bool:
    """The mark is alone on the line under a full line of text, at that line's start: a wrapped '。'.

    The text ran to the cell's right edge and its last mark went on to the
    next line, where it stands at the left of its em, under the line's first
    character. Dust seldom lands just there, round and mark-sized.
    """
    if glyphs[max(0, y - h // 2):y + h + h // 2].any():
        return False
    return _under_a_full_line(glyphs, y, x, w, 2 * h)


def _under_a_full_line(glyphs: np.ndarray, below: int, x: int, w: int, min_height: int) -> bool:
    """The nearest line of glyphs above row ``below`` is a line's height or less above it, at least
    ``min_height`` tall, runs to the cell's edge and starts within two mark widths of ``x``."""
    rows = np.flatnonzero(glyphs[:below].any(axis=1))
    if not rows.size:
        return False
    line_bottom = rows[-1] + 1
    line_top = _top_of_inked_rows(glyphs, line_bottom - 1)
    line_height = line_bottom - line_top
    if line_height < min_height or below - line_bottom > line_height:
        return False
    line = glyphs[line_top:line_bottom]
    under_first = abs(x - np.flatnonzero(line.any(axis=0))[0]) <= 2 * w
    return bool(under_first and runs_to_edge(line, line_height))


def _top_of_inked_rows(glyphs: np.ndarray, row: int) -> int:
    """The first row of the unbroken run of inked rows up to ``row``: the top of its line."""
    while row > 0 and glyphs[row - 1].any():
        row -= 1
    return row


def _without_edge_rulings(mask: np.ndarray, edge: int) -> np.ndarray:
    """Clear rows/columns near the crop border that are mostly ink: a ruling line, not text."""
    mask = mask.copy()
    h, w = mask.shape
    for rows in (slice(0, min(edge, h)), slice(max(0, h - edge), h)):
        full = mask[rows].mean(axis=1) > 0.6
        mask[rows][full] = False
    for cols in (slice(0, min(edge, w)), slice(max(0, w - edge), w)):
        full = mask[:, cols].mean(axis=0) > 0.6
        mask[:, cols][:, full] = False
    return mask


def _without_isolated_dots(mask: np.ndarray, dot_area: float, reach: int) -> np.ndarray:
    """Drop dot-sized marks far from any glyph of their own line: scanner dust, not punctuation.

    A decimal point or a colon sits next to the characters it belongs to, level
    with them; dust that lands in the blank part of a cell would be read as '：'
    or '.', and dust just under a full line, at the end of a short one, as a
    letter of the short line (时间5).
    """
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    if n <= 1:
        return mask
    small = stats[:, cv2.CC_STAT_AREA] < dot_area
    small[0] = False
    if not small[1:].any():
        return mask
    glyphs = np.isin(labels, np.flatnonzero(~small)[1:]) if (~small[1:]).any() else np.zeros_like(mask)
    # A mark before a glyph may stand an em from it (a full-width comma wrapped to a line's start
    # sits at its em's left); after one, closer; across the line, only as far as a blur's spread.
    level, before = max(1, reach // 6), reach + reach // 2
    kernel = np.ones((2 * level + 1, reach + before + 1), np.uint8)
    near = cv2.dilate(glyphs.astype(np.uint8), kernel, anchor=(reach, level)) > 0
    keep = ~small
    for i in np.flatnonzero(small):
        keep[i] = bool(near[labels == i].any())
    keep[0] = False
    return keep[labels]


def _without_edge_stubs(mask: np.ndarray, px_per_pt: float) -> np.ndarray:
    """Drop short ruling remnants lying along the crop's border, apart from the text.

    A skewed or bent ruling that the eraser missed leaves a thin stroke at the
    cell's edge, which OCR reads as '1', 'I' or '-' glued to the value. A glyph
    never lies wholly inside the edge zone with no other ink beside it.
    """
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    if n <= 2:
        return mask
    h, w = mask.shape
    zone, thin, gap = (max(2, int(round(v * px_per_pt))) for v in (STUB_ZONE_PT, STUB_THICKNESS_PT, STUB_GAP_PT))
    drop = np.zeros(n, dtype=bool)
    for i in range(1, n):
        x, y, cw, ch, _ = (int(v) for v in stats[i])
        vertical = cw <= thin and ch >= 2 * cw and (x + cw <= zone or x >= w - zone)
        horizontal = ch <= thin and cw >= 2 * ch and (y + ch <= zone or y >= h - zone)
        if not (vertical or horizontal):
            continue
        others = (labels != i) & (labels != 0)
        if vertical:
            near = others[:, max(0, x - gap):min(w, x + cw + gap)]
        else:
            near = others[max(0, y - gap):min(h, y + ch + gap), :]
        drop[i] = not near.any()
    return mask & ~drop[labels]


def _without_specks(mask: np.ndarray, min_area: float, thin: float) -> np.ndarray:
    """Drop tiny components and long thin ones lying along the border (ruling stubs)."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    h, w = mask.shape
    keep = np.zeros(n, dtype=bool)
    for i in range(1, n):
        x, y, cw, ch, area = stats[i]
        touches = x == 0 or y == 0 or x + cw == w or y + ch == h
        stub = touches and ((cw >= 0.5 * w and ch <= thin) or (ch >= 0.5 * h and cw <= thin))
        keep[i] = area >= min_area and not stub
    return keep[labels]


# ---------------------------------------------------------------- geometry of the ink

def ink_runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Row ranges [y0, y1) holding ink, from the horizontal projection."""
    return inked_spans(mask.any(axis=1))


def split_text_lines(mask: np.ndarray, text_height_px: float) -> list[tuple[int, int]]:
    """Text line bands [y0, y1) of a cell, top to bottom.

    Projection runs are merged when the gap is a hair or a thin run (a stroke
    of 二/三, a dot) fits into one line with its neighbour, so long as the
    merged band is no taller than a line: closely set lines of long texts
    are parted by gaps of a hair too. A band much taller than a line (lines
    touching) is cut at its lightest rows.
    """
    bands: list[tuple[int, int]] = []
    for y0, y1 in ink_runs(mask):
        if bands:
            p0, p1 = bands[-1]
            gap = y0 - p1
            thin = min(p1 - p0, y1 - y0) < 0.55 * text_height_px
            one_line = y1 - p0 <= LINE_MERGE_HEIGHT * text_height_px
            if one_line and (gap <= max(1.0, 0.12 * text_height_px) or thin):
                bands[-1] = (p0, y1)
                continue
        bands.append((y0, y1))
    out: list[tuple[int, int]] = []
    for band in bands:
        out.extend(_cut_tall_band(mask, band, text_height_px))
    return out


def _cut_tall_band(mask: np.ndarray, band: tuple[int, int], text_height_px: float) -> list[tuple[int, int]]:
    y0, y1 = band
    if y1 - y0 <= 1.7 * text_height_px:
        return [band]
    lines = max(2, int(round((y1 - y0) / text_height_px)))
    profile = mask[y0:y1].sum(axis=1)
    cuts = []
    for k in range(1, lines):
        centre = int((y1 - y0) * k / lines)
        lo, hi = max(1, centre - int(0.3 * text_height_px)), min(y1 - y0 - 1, centre + int(0.3 * text_height_px))
        cuts.append(y0 + lo + int(np.argmin(profile[lo:hi + 1])))
    edges = [y0, *cuts, y1]
    return [(a, b) for a, b in zip(edges, edges[1:]) if b > a]


def is_lone_dash(mask: np.ndarray, text_height_px: float) -> bool:
    """One thin, flat horizontal stroke and nothing else: a "—" placeholder."""
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    if n != 2:
        return False
    _, _, w, h, area = stats[1]
    flat = h <= max(2.0, 0.3 * text_height_px) and w >= 3 * h
    long_enough = w >= LONE_DASH_MIN_LENGTH * text_height_px
    solid = area >= 0.45 * w * h       # a speck fused on its edge makes the box taller
    return bool(flat and long_enough and solid)


def line_crop(ink: CellInk, band: tuple[int, int], text_height_px: float) -> np.ndarray:
    """The gray crop of one text line, trimmed to its ink and padded with white."""
    y0, y1 = band
    cols = np.flatnonzero(ink.mask[y0:y1].any(axis=0))
    x0, x1 = int(cols[0]), int(cols[-1]) + 1
    pad = max(2, int(round(0.25 * text_height_px)))
    piece = ink.gray[y0:y1, x0:x1]
    return cv2.copyMakeBorder(piece, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=255)


def glyph_shapes(ink: CellInk, band: tuple[int, int], levels: InkLevels) -> np.ndarray:
    """A line's ink cut at the middle of the weak and strong levels, for telling glyphs by shape.

    The weak level keeps faint strokes but fattens glyphs until a comparator's
    bar and arm fuse; shape checks want the strokes at their printed width.
    """
    y0, y1 = band
    return ink.mask[y0:y1] & (ink.gray[y0:y1] < (levels.weak + levels.strong) / 2)


def typical_text_height(masks: Sequence[np.ndarray], px_per_pt: float) -> float:
    """Median height of the page's projection runs tall enough to be text lines."""
    floor = MIN_TEXT_HEIGHT_PT * px_per_pt
    heights = [b - a for m in masks for a, b in ink_runs(m) if b - a >= floor]
    if not heights:
        return FALLBACK_TEXT_HEIGHT_PT * px_per_pt
    return float(np.median(heights))


# ---------------------------------------------------------------- recognition

def recognize_in_width_order(crops: Sequence[np.ndarray], engine: OcrEngine) -> list[Recognition]:
    """Recognise crops narrowest first, in chunks of similar width; results in input order.

    A recogniser pads every crop of a batch to the widest one, so a chunk costs
    (crops × widest width): capping that keeps the few very long lines of a
    page (goal texts across the whole table) from driving the memory peak.
    """
    order = sorted(range(len(crops)), key=lambda i: _rec_width(crops[i]))
    results = [Recognition("", 0.0)] * len(crops)
    for chunk in _width_chunks(order, [_rec_width(c) for c in crops]):
        for i, rec in zip(chunk, engine.recognize([crops[i] for i in chunk])):
            results[i] = rec
    return results


def _rec_width(crop: np.ndarray) -> float:
    """Width of the crop once scaled to the recogniser's input height."""
    return max(REC_MIN_WIDTH, REC_HEIGHT * crop.shape[1] / max(1, crop.shape[0]))


def _width_chunks(order: list[int], widths: list[float]) -> list[list[int]]:
    chunks: list[list[int]] = [[]]
    for i in order:
        current = chunks[-1]
        if current and ((len(current) + 1) * widths[i] > CHUNK_WIDTH_BUDGET or len(current) >= RECOGNIZE_CHUNK):
            chunks.append([])
        chunks[-1].append(i)
    return [c for c in chunks if c]


def read_cells(gray: np.ndarray, table: Table, *, scale: float, engine: OcrEngine,
               confidence_floor: float = DEFAULT_CONFIDENCE_FLOOR) -> None:
    """Fill ``text``, ``confidence`` and ``unreadable`` of every cell of ``table`` from the page image."""
    px_per_pt = 1.0 / scale
    inset = max(2, int(round(INSET_PT * px_per_pt)))
    boxes = [crop_box_px(cell.bbox, scale, gray.shape, inset) for cell in table.cells]
    cell_crops = [gray[y0:y1, x0:x1] for x0, y0, x1, y1 in boxes]
    levels = page_ink_levels(gray, cell_crops, px_per_pt)
    inks = [clean_ink(crop, levels, px_per_pt) for crop in cell_crops]
    if split_fused_cells(table, [ink.mask for ink in inks], [box[0] for box in boxes], scale):
        cell_crops = [gray[y0:y1, x0:x1] for x0, y0, x1, y1 in
                      (crop_box_px(cell.bbox, scale, gray.shape, inset) for cell in table.cells)]
        inks = [clean_ink(crop, levels, px_per_pt) for crop in cell_crops]
    text_h = typical_text_height([ink.mask for ink in inks], px_per_pt)

    crops: list[np.ndarray] = []
    masks: list[np.ndarray] = []
    shapes: list[np.ndarray] = []
    owners: list[int] = []
    gaps: list[float] = []          # text heights between the ink of the line before it, in its cell, and the edge
    slashes: set[int] = set()       # cells whose ink is one slanted stroke
    for index, (cell, ink) in enumerate(zip(table.cells, inks)):
        cell.text, cell.confidence, cell.unreadable = "", 1.0, False
        if not ink.mask.any():
            continue
        if is_lone_dash(ink.mask, text_h):
            cell.text, cell.confidence = DASH, DASH_CONFIDENCE
            continue
        if is_lone_slash(ink.mask, text_h):
            # a '/' placeholder by its shape, unless the recogniser reads a digit no '/' is read as:
            # a '2' whose faint foot a seal's lifting took off is one slanted stroke too
            slashes.add(index)
        if not (ink.gray[ink.mask] < levels.strong).any():
            continue        # light flat strokes and dots only, no placeholder: a seal letter's remains
        previous = None
        for band in split_text_lines(ink.mask, text_h):
            crops.append(line_crop(ink, band, text_h))
            masks.append(ink.mask[band[0]:band[1]])
            shapes.append(glyph_shapes(ink, band, levels))
            owners.append(index)
            gaps.append(math.inf if previous is None else ems_to_edge(previous, text_h))
            previous = masks[-1]

    lines: dict[int, list[tuple[str, Recognition]]] = {}
    recognitions = recognize_in_width_order(crops, engine)
    lexicon = engine.lexicon() if isinstance(engine, WordChoosingEngine) else None
    for owner, mask, shape, gap, rec in zip(owners, masks, shapes, gaps, recognitions):
        text, doubtful = restore_marks(rec.text, mask, shape, text_h, after_wrap=gap <= WRAPPED_EMS)
        cell = table.cells[owner]
        cell.confidence = min(cell.confidence, DOUBTFUL_CONFIDENCE if doubtful else 1.0, rec.confidence)
        before = lines.setdefault(owner, [])
        if gap <= CONTINUED_EMS and lexicon is not None and before:
            text, overruled = _chosen_across_the_wrap(lexicon, before, text, rec)
            cell.confidence = min([cell.confidence, *overruled])
        before.append((text, rec))
    for owner, parts in lines.items():
        cell = table.cells[owner]
        cell.text = "".join(text for text, _ in parts)
        cell.unreadable = cell.confidence < confidence_floor
    for owner in slashes:
        cell = table.cells[owner]
        if not NO_SLASH_READ.search(cell.text):
            cell.text, cell.confidence, cell.unreadable = "/", DASH_CONFIDENCE, False


def _chosen_across_the_wrap(lexicon: Lexicon, before: list[tuple[str, Recognition]], text: str,
                            rec: Recognition) -> tuple[str, list[float]]:
    """A line continuing the one before it in its cell (the last of ``before``, amended in place):
    the characters either side of the wrap chosen by the words both lines make."""
    upper, upper_rec = before[-1]
    upper, text, overruled = lexicon.choose_across(upper, upper_rec.readings, text, rec.readings)
    before[-1] = (upper, upper_rec)
    return text, overruled


def restore_marks(read: str, mask: np.ndarray, shape: np.ndarray, text_height: float, *,
                  after_wrap: bool) -> tuple[str, bool]:
    """One line's reading with the marks its glyphs show put right, and whether a comparator in it
    stays doubtful. ``mask``: the line's ink; ``shape``: its strokes at their printed width;
    ``after_wrap``: the line before it in its cell ran to the cell's edge."""
    comparators = restore_comparator(read, shape)
    text = restore_full_stop(restore_colon_marks(comparators, shape), mask, text_height)
    text = restore_asterisk(restore_comma(text, mask), mask)
    if after_wrap:
        text = restore_leading_mark(text, mask)      # a mark wraps only onto the line after a full one
    return text, comparator_doubtful(text, shape, overruled=comparators != read)


def runs_to_edge(line_mask: np.ndarray, text_height: float, *, ems: float = WRAPPED_EMS) -> bool:
    """The line's ink reaches within ``ems`` text heights of the crop's right edge: its text wrapped."""
    return ems_to_edge(line_mask, text_height) <= ems


def ems_to_edge(line_mask: np.ndarray, text_height: float) -> float:
    """Text heights between the line's last ink and the crop's right edge (inf for no ink)."""
    cols = np.flatnonzero(line_mask.any(axis=0))
    if not cols.size or text_height <= 0:
        return math.inf
    return (line_mask.shape[1] - cols[-1]) / text_height


def split_fused_cells(table: Table, masks: Sequence[np.ndarray], crop_x0: Sequence[int], scale: float) -> bool:
    """Part merged cells along a column line the rows around rule, where the ink leaves it blank.

    A seal or a break can wipe a ruling between two cells of one row (weight
    and score, say), so the grid joins them and both values run together as
    one text ('20.0120.0'). The column line is there in the rows around; when
    this cell has centred ink on both sides of it and none on it, it was two
    cells (a goal text running across the line is not centred in either part).
    Where the left part's ink ends well short of the line, a name before its
    target, or a level-2 label before its name, are parted too; and a cell two
    columns wide whose ink stands set apart in one part, the other blank.
    """
    band = max(2, int(round(FUSED_BAND_PT / scale)))
    cells: list[Cell] = []
    for cell, mask, x0 in zip(table.cells, masks, crop_x0):
        cells.extend(_parted(cell, mask, x0, table, band, scale))
    if len(cells) == len(table.cells):
        return False
    table.cells = sorted(cells, key=lambda c: (c.row, c.col))
    return True


def _parted(cell: Cell, mask: np.ndarray, crop_x0: int, table: Table, band: int, scale: float) -> list[Cell]:
    # the width a ruling's remains may take: its thickness and a pixel of blur each side, plus its
    # drift over the crop's height on a page skewed by up to 2° (a ruling the grid missed was also
    # not straightened)
    remains = int(round(STUB_THICKNESS_PT / scale + mask.shape[0] * np.tan(np.radians(2.0)))) + 2
    paper = int(round(FUSED_NAME_GAP_PT / scale))
    for col in range(cell.col + 1, cell.end_col):
        x = int(round(table.col_edges[col] / scale)) - crop_x0
        if x - band <= 0 or x + band >= mask.shape[1]:
            continue
        if np.count_nonzero(mask[:, x - band:x + band].any(axis=0)) > remains:
            continue                      # ink on the line, more than the ruling's faint remains
        if _parts_hold_cells(cell, mask[:, :x - band], mask[:, x + band:], paper) and _ruled_around(table, cell, col):
            left = Cell(cell.row, cell.col, cell.row_span, col - cell.col,
                        BBox(cell.bbox.x0, cell.bbox.y0, table.col_edges[col], cell.bbox.y1))
            right = Cell(cell.row, col, cell.row_span, cell.end_col - col,
                         BBox(table.col_edges[col], cell.bbox.y0, cell.bbox.x1, cell.bbox.y1))
            return [left, right]
    return [cell]


def _centred(mask: np.ndarray) -> bool:
    """Ink centred in its part and not filling it, as values stand in their cells (a text running on does not)."""
    cols = _ink_cols(mask)
    if not cols.size:
        return False
    width = mask.shape[1]
    narrow = cols[-1] - cols[0] + 1 <= FUSED_FILL_SHARE * width
    return narrow and abs((cols[0] + cols[-1]) / 2 - width / 2) <= FUSED_CENTRE_SHARE * width


def _two_cells_of_ink(left: np.ndarray, right: np.ndarray, paper: int) -> bool:
    """The ink either side of a column line stands as two cells' texts do: two values centred; or,
    where the left one ends ``paper`` px or more short of the line, a name before a target set
    apart in its cell, or a level-2 label set apart before a name starting at its cell's left (a
    text running on across the line starts at its cell's edge and leaves only a character's
    spacing at the line)."""
    if not left.any() or not right.any():
        return False
    if _centred(left) and _centred(right):
        return True
    if _ink_cols(left)[-1] >= left.shape[1] - paper:
        return False
    return _set_apart(right, paper) or (_set_apart(left, paper) and _starts_at_left(right))


def _parts_hold_cells(cell: Cell, left: np.ndarray, right: np.ndarray, paper: int) -> bool:
    two_columns = cell.end_col - cell.col == 2
    return _two_cells_of_ink(left, right, paper) or (two_columns and _one_cell_of_ink(left, right, paper))


def _one_cell_of_ink(left: np.ndarray, right: np.ndarray, paper: int) -> bool:
    """One part blank, the other's ink set apart in it: a value beside an empty cell ('不适用' after
    a blank target). Only for a cell two columns wide: a wider joined cell's centred text (总分)
    may lie set apart in a middle column."""
    if left.any() == right.any():
        return False
    return _set_apart(left if left.any() else right, paper)


def _set_apart(mask: np.ndarray, paper: int) -> bool:
    """Centred, with ``paper`` px or more clear on both sides (a text running on starts at its edge)."""
    cols = _ink_cols(mask)
    return _centred(mask) and cols[0] >= paper and cols[-1] < mask.shape[1] - paper


def _ink_cols(mask: np.ndarray) -> np.ndarray:
    return np.flatnonzero(mask.any(axis=0))


def _starts_at_left(mask: np.ndarray) -> bool:
    return _ink_cols(mask)[0] <= FUSED_CENTRE_SHARE * mask.shape[1]


def _ruled_around(table: Table, cell: Cell, col: int) -> bool:
    """Column line ``col`` borders cells in the nearest rows above and below that are not joined alike.

    Rows joined over the same columns (two rows whose ruling the same seal
    wiped) are passed over; a row that spans the line itself says no, unless
    its cell also runs past the joined cell (a section's text row after the
    funds block says nothing about the block's columns).
    """
    verdicts = []
    for step in (-1, 1):
        row = cell.row - 1 if step < 0 else cell.end_row
        while 0 <= row < table.n_rows:
            here = [c for c in table.cells if c.row <= row < c.end_row and c.col < cell.end_col and c.end_col > cell.col]
            if any(c.col == cell.col and c.end_col == cell.end_col for c in here):
                row += step
                continue
            if not any(_wider(c, cell) for c in here):
                verdicts.append(any(col in (c.col, c.end_col) for c in here))
            break
    return bool(verdicts) and all(verdicts)


def _wider(other: Cell, cell: Cell) -> bool:
    return other.col <= cell.col and other.end_col >= cell.end_col and \
        (other.col < cell.col or other.end_col > cell.end_col)


def read_region(gray: np.ndarray, bbox_px: BBox, *, scale: float, engine: OcrEngine) -> list[TextLine]:
    """Detect and recognise loose text lines (titles, 附件1) in a page region; bboxes in PDF points."""
    h, w = gray.shape[:2]
    x0, y0 = max(0, int(bbox_px.x0)), max(0, int(bbox_px.y0))
    x1, y1 = min(w, int(np.ceil(bbox_px.x1))), min(h, int(np.ceil(bbox_px.y1)))
    region = gray[y0:y1, x0:x1]
    if not region.size or not (region < page_ink_threshold(gray)).any():
        return []
    boxes = reading_order(engine.detect(region))
    if not boxes:
        return []
    crops = [_box_crop(region, box) for box in boxes]
    lines = []
    for box, rec in zip(boxes, engine.recognize(crops)):
        if rec.text.strip():
            page_box = BBox(box.x0 + x0, box.y0 + y0, box.x1 + x0, box.y1 + y0).scaled(scale)
            lines.append(TextLine(text=rec.text, bbox=page_box, confidence=rec.confidence))
    return lines


def reading_order(boxes: Sequence[BBox]) -> list[BBox]:
    """Top-to-bottom lines (boxes overlapping vertically by half share a line), left to right in a line."""
    rows: list[list[BBox]] = []
    for box in sorted(boxes, key=lambda b: b.cy):
        if rows and abs(box.cy - rows[-1][0].cy) <= 0.5 * min(box.height, rows[-1][0].height):
            rows[-1].append(box)
        else:
            rows.append([box])
    return [b for row in rows for b in sorted(row, key=lambda b: b.x0)]


def _box_crop(region: np.ndarray, box: BBox) -> np.ndarray:
    h, w = region.shape[:2]
    pad = max(2, int(round(0.15 * box.height)))
    x0, y0 = max(0, int(box.x0) - pad), max(0, int(box.y0) - pad)
    x1, y1 = min(w, int(np.ceil(box.x1)) + pad), min(h, int(np.ceil(box.y1)) + pad)
    return region[y0:y1, x0:x1]
