"""Geometry checks on single glyphs that the recogniser gets wrong.

PP-OCR reads the comparator in front of a number (``≥95%``, ``⩾12``) as
``>``, ``》`` or drops it, which turns a target into another measure without
lowering the confidence.  The first glyph of a line is checked here by its
shape instead: a chevron (``>``/``<``) with one or two bars under it is
``≥``/``≤``, a bare chevron is ``>``/``<``.
"""
from __future__ import annotations

import cv2
import numpy as np

READ_AS_COMPARATOR = set(">＞》〉›<＜《〈‹≥≤≧≦⩾⩽Vv")
CHEVRON_OFFSET = 0.22      # middle rows' ink must sit this far (share of width) beyond the outer rows'
MIN_CHEVRON_RATIO = 0.6    # width / height of a comparator's chevron; digits are narrower


def first_glyph(mask: np.ndarray) -> np.ndarray | None:
    """The columns of the first glyph of a line mask (ink up to the first clear column gap)."""
    cols = mask.any(axis=0)
    if not cols.any():
        return None
    start = int(np.argmax(cols))
    end = start
    while end < len(cols) and cols[end]:
        end += 1
    rows = np.flatnonzero(mask[:, start:end].any(axis=1))
    return mask[rows[0]:rows[-1] + 1, start:end]


def comparator_of(glyph: np.ndarray, line_height: int) -> str | None:
    """'>=', '<=', '>' or '<' when the glyph is a comparator, else None."""
    if glyph is None or glyph.shape[0] < 0.45 * line_height:
        return None
    chevron, bar_rows = _split_bar_rows(glyph)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(chevron.astype(np.uint8), connectivity=8)
    order = sorted(range(1, n), key=lambda i: -stats[i][4])
    if not order:
        return None
    parts = [stats[i] for i in order]
    main = parts[0]
    x, y, w, h = (int(v) for v in main[:4])
    if h < 0.35 * line_height or w < MIN_CHEVRON_RATIO * h:
        return None                         # narrower than a comparator: a digit such as 2 or 7
    direction = _chevron_direction(labels[y:y + h, x:x + w] == order[0])
    if direction is None:
        return None
    bars = [p for p in parts[1:] if _is_bar_below(p, main)]
    if len(parts) - 1 != len(bars):
        return None                         # other marks: a symbol we do not know
    return direction + ("=" if bars or bar_rows else "")


def _split_bar_rows(glyph: np.ndarray) -> tuple[np.ndarray, bool]:
    """Cut a bar fused to the chevron's foot (small print): wide ink rows in the bottom third."""
    h, w = glyph.shape
    spans = []
    for row in glyph:
        xs = np.flatnonzero(row)
        spans.append((xs[-1] - xs[0] + 1) / w if len(xs) else 0.0)
    cut = h
    for index in range(h - 1, int(h * 0.65), -1):
        if spans[index] >= 0.7:
            cut = index
        elif cut < h:
            break
    if cut == h:
        return glyph, False
    return glyph[:cut], True


def _chevron_direction(ink: np.ndarray) -> str | None:
    h, w = ink.shape
    thirds = [ink[: h // 3], ink[h // 3: 2 * h // 3], ink[2 * h // 3:]]
    centres = []
    for band in thirds:
        xs = np.flatnonzero(band.any(axis=0))
        if not len(xs):
            return None
        centres.append(float(np.mean(np.nonzero(band)[1])) / max(w - 1, 1))
    top, middle, bottom = centres
    if abs(top - bottom) > 0.3:
        return None
    outer = (top + bottom) / 2
    if middle - outer > CHEVRON_OFFSET and _arm_ends_at(ink, left=True):
        return ">"
    if outer - middle > CHEVRON_OFFSET and _arm_ends_at(ink, left=False):
        return "<"
    return None


def _arm_ends_at(ink: np.ndarray, *, left: bool) -> bool:
    """Both arms of a chevron end narrow at the open side (unlike the arc of a '2' or '7')."""
    h, w = ink.shape
    for row in (ink[0], ink[h - 1]):
        xs = np.flatnonzero(row)
        if not len(xs) or (xs[-1] - xs[0] + 1) > 0.5 * w:
            return False
        end = xs[0] / w if left else (w - 1 - xs[-1]) / w
        if end > 0.2:
            return False
    return True


def _is_bar_below(part, main) -> bool:
    """A thin stroke under the chevron, level or slanted (some fonts print ≥ as ⩾)."""
    x, y, w, h, area = (int(v) for v in part[:5])
    mx, my, mw, mh = (int(v) for v in main[:4])
    thickness = area / max(w, 1)
    return y >= my + 0.4 * mh and w >= 0.5 * mw and thickness <= 0.2 * mh


SYMBOL = {">=": "≥", "<=": "≤", ">": ">", "<": "<"}


def restore_comparator(text: str, line_mask: np.ndarray) -> str:
    """Fix a line's leading comparator from the first glyph's shape, when OCR lost or misread it."""
    if not text:
        return text
    starts_with_digit = text[0].isdigit()
    if not (starts_with_digit or text[0] in READ_AS_COMPARATOR):
        return text
    if starts_with_digit and glyph_count(line_mask) <= len(text):
        return text                         # every glyph is accounted for: nothing was dropped
    glyph = first_glyph(line_mask)
    op = comparator_of(glyph, _ink_height(line_mask))
    if op is None:
        return text
    symbol = SYMBOL[op]
    return symbol + text if starts_with_digit else symbol + text[1:]


def glyph_count(mask: np.ndarray) -> int:
    """Ink runs separated by clear columns (digits and symbols stand apart; CJK may split)."""
    cols = mask.any(axis=0).astype(np.int8)
    return int(np.count_nonzero(np.diff(np.concatenate(([0], cols))) == 1))


def _ink_height(mask: np.ndarray) -> int:
    rows = np.flatnonzero(mask.any(axis=1))
    return int(rows[-1] - rows[0] + 1) if len(rows) else 0
