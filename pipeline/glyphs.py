"""Geometry checks on single glyphs that the recogniser gets wrong.

PP-OCR reads the comparator in front of a number (``≥95%``, ``⩾12``) as
``>``, ``》`` or drops it, which turns a target into another measure without
lowering the confidence.  The first glyph of a line is checked here by its
shape instead: a chevron (``>``/``<``) with a bar under it is ``≥``/``≤``,
with two ``≧``/``≦``, a bare chevron is ``>``/``<``. Punctuation the same way:
a colon whose lower mark is a comma is a semicolon, a line-ending colon with no
pair of marks was made up, a small low ring ending a line is a full stop.
"""
from __future__ import annotations

from typing import Iterator, NamedTuple

import cv2
import numpy as np

from pipeline.ink import inked_spans
from pipeline.ocr.lexicon import is_chinese

READ_AS_COMPARATOR = set(">＞》〉›<＜《〈‹≥≤≧≦⩾⩽Vv")
UPPER_ARM_RUN = 0.35       # a chevron's upper arm runs across this share of its width or more
ARC_SPAN = 0.7             # a row under a chevron's top spans at most this share of its width; a 2's arc more
CHEVRON_OFFSET = 0.22      # middle rows' ink must sit this far (share of width) beyond the outer rows'
MIN_CHEVRON_RATIO = 0.6    # width / height of a comparator's chevron; digits are narrower
BARE_CHEVRON_MAX_INK_RATIO = 1.2  # lower-half / upper-half ink: a bare chevron up to 1.23, one with its bar
FUSED_BAR_INK_RATIO = 1.3         # fused in from 1.24; from this on surely fused; between the two the height tells
BAR_HEIGHT_SHARE = 0.75           # ... a chevron with its bar below is this share of the digit after it or more
BARRED_HEIGHT_MAX = 1.15          # ... and no taller than this share (an '=' after a chevron stands shorter)
HEIGHT_TOLD_INK_RATIO = 1.1       # that tall, a chevron this bottom-heavy has its bar fused in (a bare one 0.9-1.23,
                                  # at 0.56-0.67 of the digit after it)
DIGIT_PER_CHINESE = 0.78          # a digit's height over a Chinese character's, for a chevron before a character
BAR_ROW_INK = 0.7          # a row of either bar of ≧: inked over this share of the glyph's width
BAR_GAP_INK = 0.5          # a row between the bars of ≧: inked over at most this share
BAR_GAP_SHARE = 0.2        # the rows between the two bars of ≧, as a share of the glyph's height
BARS_SHUT_SHARE = 0.34      # solid rows of ≧'s bars blurred into one band: this share of its height and more
                            # (measured 0.40; ≥'s one bar 0.14-0.21, at 150 dpi 0.27)
SHUT_STROKES = 1.6          # ... or, on a chevron fused to its bars, this many times its strokes' height (≥'s one
                            # bar up to 1.5 at 150 dpi, ≧ 1.7-1.8 at 200 and 300 dpi) ...
BARS_SHUT_MIN_SHARE = 0.28  # ... and this share of its height (≧ 0.32, ≥ at 1.4-1.5 0.19-0.21)


def first_glyph(mask: np.ndarray) -> np.ndarray | None:
    """The first glyph of a line mask (ink up to the first clear column gap), trimmed to its rows."""
    glyphs = glyphs_of(mask)
    return glyphs[0] if glyphs else None


def comparator_of(glyph: np.ndarray, line_height: int, next_height: float | None = None) -> str | None:
    """'>=', '<=', '>' or '<' when the glyph is a comparator ('>==', '<==' for ≧ ≦), else None.

    ``next_height``: the height of the glyph after it (the number a comparator stands before), as
    the height of a digit.
    """
    if glyph is None or glyph.shape[0] < 0.45 * line_height:
        return None
    pieces = cv2.connectedComponents(glyph.astype(np.uint8), connectivity=8)[0] - 1
    fused = _fused_bar_comparator(glyph, next_height) if pieces == 1 else None
    if fused:
        return fused + "=" if _bars_thicker_than_one(glyph) else fused
    double_top = _double_bar_top(glyph)
    if double_top is None:
        # a slanted bar apart from the chevron (⩾) reaches up beside the lower arm, where cutting
        # the lowest rows off would leave a stub of it by the chevron: tried whole first
        whole = _chevron_and_bars(glyph, line_height) if pieces > 1 else None
        if whole and whole[1]:
            return whole[0] + ("==" if _two_stacked(whole[1]) else "=")
        chevron, bar_rows = _split_bar_rows(glyph)
    else:
        chevron, bar_rows = glyph[:double_top], True
    found = _chevron_and_bars(chevron, line_height)
    if found is None:
        return None
    direction, bars = found
    if double_top is not None or _two_stacked(bars):
        return direction + "=="
    return direction + ("=" if bars or bar_rows else "")


def _chevron_and_bars(ink: np.ndarray, line_height: int) -> tuple[str, list] | None:
    """The direction of the ink's largest piece as a chevron, and its other pieces, all bars below it."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
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
    return direction, bars


def _fused_bar_comparator(glyph: np.ndarray, next_height: float | None) -> str | None:
    """'>='/'<=' printed as one piece (``glyph`` is one): a slanted bar (⩾) fused to the lower arm
    makes it bottom-heavy.

    A bare chevron holds about as much ink in its lower half as in its upper
    half (0.8–1.23 on scans); with the bar fused in, 1.24–1.9. Between
    BARE_CHEVRON_MAX_INK_RATIO and FUSED_BAR_INK_RATIO the height tells: a bare
    chevron stands about as high as a small letter (0.58–0.63 of the digit
    after it), with the bar below 0.77–1.0 of it. The height is asked beyond
    that band too: a bare '>' printed heavy reaches 1.34 (typical seed 21).
    As tall as one with its bar, a chevron is taken as fused from
    HEIGHT_TOLD_INK_RATIO on (seed 42: ⩾ at 1.19, 0.88 of the digit after it).
    """
    h = glyph.shape[0]
    if h < 6 or glyph.shape[1] < MIN_CHEVRON_RATIO * 0.75 * h:
        return None
    heaviness = _bottom_heaviness(glyph)
    if heaviness < (HEIGHT_TOLD_INK_RATIO if _as_tall_as_barred(h, next_height) else BARE_CHEVRON_MAX_INK_RATIO):
        return None
    direction = _chevron_direction(glyph)
    if direction is None and _double_bar_top(glyph) is None:
        direction = _upper_arm_direction(glyph)     # a ⩾ whose bar thickened the lower half (≧ is told apart)
    if not direction:
        return None
    if next_height and h < BAR_HEIGHT_SHARE * next_height:
        return None             # as short as a bare chevron: heavily printed, no bar below it
    if _in_between(heaviness) and not next_height:
        return None
    return direction + "="


def _as_tall_as_barred(height: int, next_height: float | None) -> bool:
    """A chevron as tall against the number after it as one with its bar below."""
    return bool(next_height) and BAR_HEIGHT_SHARE * next_height <= height <= BARRED_HEIGHT_MAX * next_height


def _in_between(heaviness: float) -> bool:
    """Too bottom-heavy for a bare chevron, too light for one with a bar surely fused in."""
    return BARE_CHEVRON_MAX_INK_RATIO <= heaviness < FUSED_BAR_INK_RATIO


def _bottom_heaviness(glyph: np.ndarray) -> float:
    """Ink in the glyph's lower half over ink in its upper half."""
    h = glyph.shape[0]
    return float(glyph[h - h // 2:].sum()) / max(1.0, float(glyph[: h // 2].sum()))


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


def _double_bar_top(glyph: np.ndarray) -> int | None:
    """The first row of the upper of two bars under a chevron (≧, ≦), else None.

    Bars are runs of solid rows (nearly the glyph's width) in the lower part,
    apart by rows with little ink: a coarse scan blurs them to a faint gap.
    A bar's blurred edge is no gap, so one bar is never taken for two.
    """
    h, w = glyph.shape
    ink = glyph.sum(axis=1)
    solid, clear = ink >= BAR_ROW_INK * w, ink <= BAR_GAP_INK * w
    max_gap = max(2, round(BAR_GAP_SHARE * h))
    bars, top, bottom, gap = 0, None, None, 0
    for index in range(h - 1, int(h * 0.55), -1):
        if solid[index]:
            bars += top is None or gap > 0
            top, gap = index, 0
            bottom = index if bottom is None else bottom
        elif top is None:
            continue                # a blurred bar's ragged lowest row
        elif clear[index] and gap < max_gap:
            gap += 1
        else:
            break
    if bars == 1 and bottom - top + 1 >= BARS_SHUT_SHARE * h:
        return top                  # blurred shut: one band twice a bar's height
    return top if bars >= 2 else None


def _bars_thicker_than_one(glyph: np.ndarray) -> bool:
    """The solid band at the glyph's foot is two bars blurred shut (≧): SHUT_STROKES times the
    chevron's strokes (their median vertical run) and BARS_SHUT_MIN_SHARE of the glyph or more."""
    h, w = glyph.shape
    solid = glyph.sum(axis=1) >= BAR_ROW_INK * w
    rows = np.flatnonzero(solid[int(h * 0.55):])
    if not rows.size:
        return False
    bottom = top = int(rows[-1]) + int(h * 0.55)
    while top - 1 > 0.4 * h and solid[top - 1]:
        top -= 1
    strokes = [end - start for column in glyph[:top].T for start, end in inked_spans(column)]
    band = bottom - top + 1
    return bool(strokes) and band >= SHUT_STROKES * float(np.median(strokes)) and band >= BARS_SHUT_MIN_SHARE * h


def _chevron_direction(ink: np.ndarray) -> str | None:
    h, w = ink.shape
    if _arched_top(ink):
        return None
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


def _arched_top(ink: np.ndarray) -> bool:
    """A row just under the top inked across most of the width: the arc of a '2' (its base cut off
    as a bar), where a chevron's arm runs narrow."""
    h, w = ink.shape
    return any(np.ptp(xs) + 1 > ARC_SPAN * w for row in ink[1:max(2, h // 5) + 1] if len(xs := np.flatnonzero(row)))


def _upper_arm_direction(ink: np.ndarray) -> str | None:
    """The direction of a chevron whose bar, fused below, thickened its lower half past the
    thirds' test: its upper arm alone runs from a narrow end at the open side's top corner to the
    point, and the lower half ends at that side too."""
    h, w = ink.shape
    rows = [np.flatnonzero(row) for row in ink]
    if any(not len(xs) for xs in rows) or rows[0][-1] - rows[0][0] + 1 > 0.5 * w or _arched_top(ink):
        return None
    upper = rows[: max(2, 2 * h // 3)]
    top, bottom = rows[0], rows[-1]
    if top[0] <= 0.2 * w and bottom[0] <= 0.2 * w and max(xs[0] for xs in upper) - top[0] >= UPPER_ARM_RUN * w:
        return ">"
    if (w - 1 - top[-1] <= 0.2 * w and w - 1 - bottom[-1] <= 0.2 * w
            and top[-1] - min(xs[-1] for xs in upper) >= UPPER_ARM_RUN * w):
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


def _two_stacked(bars: list) -> bool:
    """Two bars (component stats) one under the other, apart: a sharp ≧ (one bar broken in two lies level)."""
    ordered = sorted(bars, key=lambda part: part[1])
    return any(lower[1] >= upper[1] + upper[3] for upper, lower in zip(ordered, ordered[1:]))


def _is_bar_below(part, main) -> bool:
    """A thin stroke under the chevron, level or slanted (some fonts print ≥ as ⩾)."""
    x, y, w, h, area = (int(v) for v in part[:5])
    mx, my, mw, mh = (int(v) for v in main[:4])
    thickness = area / max(w, 1)
    return y >= my + 0.4 * mh and w >= 0.5 * mw and thickness <= 0.2 * mh


SYMBOL = {">==": "≧", "<==": "≦", ">=": "≥", "<=": "≤", ">": ">", "<": "<"}


def restore_comparator(text: str, line_mask: np.ndarray) -> str:
    """Fix the comparators of a line from the glyphs' shapes, when OCR lost or misread them.

    Chevron glyphs are found left to right; when their number matches the
    comparator-like characters OCR returned (or one more, the first dropped in
    front of a number; or fewer, one read as two side by side), each takes the
    symbol its shape says (≥ ≤ > <).
    """
    if not text:
        return text
    at = [i for i, char in enumerate(text) if char in READ_AS_COMPARATOR and (i == 0 or char not in "Vv")]
    if not at and not text[0].isdigit():
        return text
    found = _comparators(glyphs_of(line_mask), _ink_height(line_mask), text)
    # a comparator dropped in front of the first number is the line's first glyph; a chevron-like
    # shape further on (a seal's remains, a stroke of a character) puts none in front
    first = getattr(next(found, None), "op", None)
    if not at and not first:
        return text
    if at and at[0] == 0 and not first:
        return text     # the comparator read first is no chevron of its own (run into the number): nothing to match
    ops = [op for op in [first] + [chevron.op for chevron in found if chevron] if op]
    if not ops:
        return text
    chars = list(text)
    if len(ops) == len(at) + 1 and text[0].isdigit() and first and glyph_count(line_mask) > len(text):
        chars.insert(0, "")
        at = [0] + [i + 1 for i in at]
    doubled = [i for i in at if i - 1 in at and "".join(chars[i + 1:i + 2]).isdigit()]
    if doubled and len(ops) == len(at) - len(doubled):
        for index in doubled:               # one chevron read as two marks ('≥>95%')
            chars[index] = ""
        at = [i for i in at if i not in doubled]
    if len(ops) != len(at):
        return text
    for index, op in zip(at, ops):
        printed_bar = chars[index + 1:index + 2] == ["="]     # '>=' printed as two characters
        chars[index] = SYMBOL[op[0] if printed_bar else op]
    return "".join(chars)


COLON_LIKE = {":": ";", "：": "；", ";": ";", "；": "；"}
MARK_DOT_SHARE = 0.35        # each dot of a colon or semicolon is at most this share of the line's height
COMMA_TALLER_PX = 1.5         # a semicolon's comma stands this much taller than its dot ...
COMMA_HEAVIER = 1.35         # ... and holds this much more ink
MIN_LOWER_INK = 0.6          # a colon's lower dot holds about the upper's ink (a speck under a stroke less)


def restore_colon_marks(text: str, line_mask: np.ndarray) -> str:
    """Colons and semicolons checked against the line's two-mark glyphs.

    A colon-like mark ending or starting a line where that glyph is no pair of
    marks was made up by the recogniser (it writes one beside a line's first or
    last character now and then): it goes. A semicolon read as a colon comes
    back where the lower mark is a comma, taller and heavier than the dot above
    (on a 200-dpi scan the recogniser reads the small comma as a dot). The
    two-mark glyphs are matched to the colon-like characters left to right,
    only when their numbers agree; the width is kept. Never the other way: a
    small comma can blur into a dot, so a dot proves no colon.
    """
    runs = _column_runs(line_mask)
    if not runs:
        return text
    height = _ink_height(line_mask)
    if len(text) > 1 and text[-1] in COLON_LIKE and not _is_two_marks(runs[-1], height):
        text = text[:-1]
    if len(text) > 1 and text[0] in COLON_LIKE and not _is_two_marks(runs[0], height):
        text = text[1:]
    at = [i for i, char in enumerate(text) if char in COLON_LIKE]
    if not at:
        return text
    marks = _two_mark_glyphs(runs, height)
    if len(marks) != len(at):
        return text
    chars = list(text)
    for index, (upper, lower) in zip(at, marks):
        if lower[3] - upper[3] >= COMMA_TALLER_PX and lower[4] >= COMMA_HEAVIER * upper[4]:
            chars[index] = COLON_LIKE[chars[index]]
    return "".join(chars)


def _is_two_marks(run: np.ndarray, height: int) -> bool:
    return len(_two_mark_glyphs([run], height)) == 1


def _two_mark_glyphs(runs: list[np.ndarray], height: int) -> list[np.ndarray]:
    """The (x, y, w, h, area) stats of the upper and lower mark, for every column run that is a
    narrow glyph of two small marks one above the other (':', ';', and their full-width forms)."""
    found = []
    for piece in runs:
        if piece.shape[1] > MARK_DOT_SHARE * height:
            continue
        n, _, stats, _ = cv2.connectedComponentsWithStats(piece.astype(np.uint8), connectivity=8)
        parts = sorted((stats[i] for i in range(1, n)), key=lambda part: part[1])
        if len(parts) != 2 or not all(_dot_or_comma(part, height) for part in parts):
            continue
        upper, lower = parts
        if lower[1] >= upper[1] + upper[3] and lower[4] >= MIN_LOWER_INK * upper[4]:   # stacked, apart
            found.append(np.array([upper, lower]))
    return found


def _dot_or_comma(part, height: int) -> bool:
    """A mark's stats: small, and not a sliver (a ruling's remains read as ';' are one pixel wide)."""
    width, tall = int(part[2]), int(part[3])
    return tall <= MARK_DOT_SHARE * height and width >= 2 and width >= 0.3 * tall


def _column_runs(mask: np.ndarray) -> list[np.ndarray]:
    """Every ink run between clear columns, untrimmed (rows keep the line's frame)."""
    return [mask[:, x0:x1] for x0, x1 in _column_spans(mask)]


BARE_COMPARATORS = set(">＞》〉›<＜《〈‹")
PRINTED_COMPARATORS = set(SYMBOL.values())


def comparator_doubtful(text: str, line_mask: np.ndarray, *, overruled: bool = False) -> bool:
    """A comparator the glyphs leave in doubt: a bare '>'/'<' that no chevron glyph without a bar
    confirms (the reading may have lost a '≥'/'≤'; a bare chevron as tall as one with its bar
    cannot), or, where the glyph checks ``overruled`` the recogniser, a chevron between bare and
    bar-fused.

    Forms print ≥/≤ twenty times as often as >/<, so an unconfirmed bare
    comparator goes to review rather than out as a different target. Where the
    recogniser and an in-between glyph agree, the line stands as read.
    """
    if not any(char in BARE_COMPARATORS or char in PRINTED_COMPARATORS for char in text):
        return False
    chevrons = [chevron for chevron in _comparators(glyphs_of(line_mask), _ink_height(line_mask), text) if chevron]
    if overruled and any(_between_bare_and_fused(chevron.glyph) for chevron in chevrons):
        return True
    bare = sum(char in BARE_COMPARATORS for char in text)
    return bare > sum(chevron.op in (">", "<") and not chevron.bar_lost for chevron in chevrons)


class Chevron(NamedTuple):
    op: str                     # '>', '>=', '>==' and the same with '<'
    glyph: np.ndarray
    next_height: float | None   # of the glyph after it, as a digit's

    @property
    def bar_lost(self) -> bool:
        """A bare chevron as tall as one with its bar below: the bar may have gone (a seal's
        lifting took it), so it cannot vouch for a bare comparator."""
        return self.op in (">", "<") and _as_tall_as_barred(self.glyph.shape[0], self.next_height)


def _comparators(glyphs: list[np.ndarray], line_height: int, text: str) -> Iterator[Chevron | None]:
    """Each glyph's comparator (None where it is none), glyph by glyph as asked. Where the reading
    puts a comparator before a Chinese character ('≤财政下达预算'), the first glyph's height is
    weighed against that character's as against a digit's."""
    before_chinese = len(text) > 1 and text[0] in READ_AS_COMPARATOR and is_chinese(text[1])
    return (_chevron_at(glyphs, i, line_height, before_chinese=before_chinese and i == 0)
            for i in range(len(glyphs)))


def _chevron_at(glyphs: list[np.ndarray], index: int, line_height: int, *,
                before_chinese: bool = False) -> Chevron | None:
    following = _lead_height(glyphs[index + 1]) if index + 1 < len(glyphs) else None
    if following and before_chinese:
        following *= DIGIT_PER_CHINESE
    op = comparator_of(glyphs[index], line_height, following)
    return Chevron(op, glyphs[index], following) if op else None


def _lead_height(glyph: np.ndarray) -> int:
    """Height of the glyph's first character: digits run into the character after them ('50份'),
    which stands taller; a digit is about half as wide as high."""
    rows = np.flatnonzero(glyph[:, :max(1, int(np.ceil(0.6 * glyph.shape[0])))].any(axis=1))
    return int(rows[-1] - rows[0] + 1) if rows.size else glyph.shape[0]


def _between_bare_and_fused(glyph: np.ndarray) -> bool:
    """A one-piece chevron too bottom-heavy for a bare one, too light for one with a bar surely fused in."""
    if cv2.connectedComponents(glyph.astype(np.uint8), connectivity=8)[0] != 2:
        return False
    return _in_between(_bottom_heaviness(glyph))


def glyphs_of(mask: np.ndarray) -> list[np.ndarray]:
    """Every ink run between clear columns, trimmed to its rows, left to right."""
    out = []
    for piece in _column_runs(mask):
        rows = np.flatnonzero(piece.any(axis=1))
        out.append(piece[rows[0]:rows[-1] + 1])
    return out


def glyph_count(mask: np.ndarray) -> int:
    """Ink runs separated by clear columns (digits and symbols stand apart; CJK may split)."""
    cols = mask.any(axis=0).astype(np.int8)
    return int(np.count_nonzero(np.diff(np.concatenate(([0], cols))) == 1))


def _ink_height(mask: np.ndarray) -> int:
    rows = np.flatnonzero(mask.any(axis=1))
    return int(rows[-1] - rows[0] + 1) if len(rows) else 0


SLASH_SPECK_SHARE = 0.1   # ink beside a '/' this much smaller than its stroke is a speck
SLASH_MAX_FILL = 0.65      # share of its box a '/' stroke fills (a bold or blurred one, upsampled from 150 dpi, 0.55)


def is_lone_slash(mask: np.ndarray, text_height: float) -> bool:
    """One slanted stroke and nothing else level with it: a '/' placeholder (the recogniser says '1' or '7').

    Specks beside the stroke, and a seal's remains above or below it, are no print.
    """
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    if n < 2:
        return False
    stroke = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    x, y, w, h, area = (int(v) for v in stats[stroke])
    if any(_level_with(stats[i], y, h) and stats[i, cv2.CC_STAT_AREA] > SLASH_SPECK_SHARE * area
           for i in range(1, n) if i != stroke):
        return False
    if h < 0.5 * text_height or w < 0.2 * h or w > 0.9 * h:
        return False
    ink = labels[y:y + h, x:x + w] == stroke
    band = max(1, h // 5)
    top = float(np.mean(np.nonzero(ink[:band])[1]))
    bottom = float(np.mean(np.nonzero(ink[h - band:])[1]))
    middle = float(np.mean(np.nonzero(ink[h // 2 - band // 2: h // 2 + band // 2 + 1])[1]))
    slanted = top - bottom >= 0.2 * h
    straight = abs(middle - (top + bottom) / 2) <= 0.15 * h
    thin = np.count_nonzero(ink) <= SLASH_MAX_FILL * w * h
    return bool(slanted and straight and thin and not encloses_paper(ink))


SLASH_HOLE_SHARE = 0.02    # paper shut in by a stroke, as a share of its box: a '0' a seal's stroke crossed


def encloses_paper(ink: np.ndarray) -> bool:
    """The stroke shuts paper in (a '0', '6' or '%' a seal's straight stroke crossed); a '/' does not."""
    h, w = ink.shape
    paper = np.pad(~ink, 1, constant_values=True).astype(np.uint8)
    cv2.floodFill(paper, None, (0, 0), 0)
    return np.count_nonzero(paper) >= max(2.0, SLASH_HOLE_SHARE * w * h)


FULL_STOP_LOOKALIKES = set("0oO°α■●•1口四①②③④⑤⑥⑦⑧⑨⑩")  # the filled ones: a ring blurred shut; 1 口 四 on coarse
                                                 # scans; a circled digit (none is printed in the forms)
LONE_FULL_STOP_SHARE = 0.55
CLOSES_BEFORE_A_STOP = set("%％)）”")   # a sentence may end on these before its '。' ('达到90%。')
SENTENCE_MARKS = set("，,。")
STOP_CENTRE_MIN = 0.45    # a '。' is centred at least this share down its line (0.48 where a font centres it)
CENTRED_STOP_MAX = 0.4    # ... and, so centred, stands at most this share of it (0.33 there)
RING_MIN_SHARE = 0.22     # a '。' stands at least this share of its line's height (a comma's head less)
RING_MIN_FILL = 0.6       # ... and its blurred ring fills its box this much (a 、 stroke about half)


def _level_with(stats_row: np.ndarray, y: int, h: int) -> bool:
    top, height = int(stats_row[cv2.CC_STAT_TOP]), int(stats_row[cv2.CC_STAT_HEIGHT])
    return top < y + h and top + height > y


def restore_full_stop(text: str, line_mask: np.ndarray, text_height: float | None = None) -> str:
    """A trailing '。' read as '0'/'o' (or '■', '1', '四' on a coarse scan), or dropped: the last glyph is
    a small ring set low after CJK text.

    A '。' wrapped onto a line of its own is told by its size against the
    page's text height (a digit 0 stands about 0.8 of it, a '。' under half).
    One the recogniser dropped (150-dpi scans) is put back only where the last
    glyph is round and filled like a blurred ring, not a comma's or 、's stroke
    (any small low mark would take a seal's remains at a cell's end for one).
    """
    if len(text) == 1 and text_height and _ink_height(line_mask) <= LONE_FULL_STOP_SHARE * text_height:
        return "。" if text in FULL_STOP_LOOKALIKES or (is_chinese(text) and _is_round_blob(line_mask)) else text
    if len(text) >= 2 and text[-1] in FULL_STOP_LOOKALIKES and is_chinese(text[-2]):
        return text[:-1] + "。" if _placed_as_a_stop(_last_run(line_mask), line_mask) else text
    if text and _ends_a_sentence(text) and _is_ring(_last_run(line_mask), line_mask):
        return text + "。"
    return text


def _ends_a_sentence(text: str) -> bool:
    """Ends on a character, or on a rate or a bracket after prose (a '，' or '。' in it): a value
    cell's '100%' is no sentence, and dust after it no full stop."""
    return is_chinese(text[-1]) or (text[-1] in CLOSES_BEFORE_A_STOP and bool(SENTENCE_MARKS & set(text)))


def _is_round_blob(mask: np.ndarray) -> bool:
    """One solid round piece of ink: a blurred ring, which the recogniser, scaling it to a line's
    height, may read as any boxy character (日, 目)."""
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    if n != 2:
        return False
    _, _, w, h, area = (int(v) for v in stats[1])
    return 0.7 <= w / h <= 1.4 and area >= RING_MIN_FILL * w * h


def _last_run(mask: np.ndarray) -> np.ndarray:
    runs = _column_runs(mask)
    return runs[-1] if runs else mask


def _small_and_low(run: np.ndarray, line_mask: np.ndarray) -> bool:
    """Ink of a column run (rows in the line's frame) no taller than half the line, in its lower part."""
    rows = np.flatnonzero(run.any(axis=1))
    if not rows.size:
        return False
    height = _ink_height(line_mask)
    return (rows[-1] - rows[0] + 1) <= 0.55 * height and rows[0] >= 0.35 * height


def _placed_as_a_stop(run: np.ndarray, line_mask: np.ndarray) -> bool:
    """Small and low in its line (``_small_and_low``), or, as fonts that centre a '。' in its em set
    it, smaller still and centred no higher than the line's middle (a box '□' stands taller)."""
    if _small_and_low(run, line_mask):
        return True
    rows = np.flatnonzero(run.any(axis=1))
    if not rows.size:
        return False
    height = _ink_height(line_mask)
    centred_low = (rows[0] + rows[-1] + 1) / 2 >= STOP_CENTRE_MIN * height
    return centred_low and rows[-1] - rows[0] + 1 <= CENTRED_STOP_MAX * height


def _is_ring(run: np.ndarray, line_mask: np.ndarray) -> bool:
    if not _placed_as_a_stop(run, line_mask):
        return False
    rows = np.flatnonzero(run.any(axis=1))
    h, w = rows[-1] - rows[0] + 1, run.shape[1]
    fill = run.sum() / float(h * w)
    return h >= RING_MIN_SHARE * _ink_height(line_mask) and 0.7 <= w / h <= 1.4 and fill >= RING_MIN_FILL


LOW_MARKS = set(".,，。、")
COMMA_TALL = 1.4          # a comma's glyph, its tail under the dot, stands this much taller than wide
COMMA_MIN_SHARE = 0.19    # ... and at least this share of its line's height (a '.' at most 0.17 in these fonts)


def restore_comma(text: str, line_mask: np.ndarray) -> str:
    """A '.' after a Chinese character, before another or ending the line, whose glyph is a comma's: '，'.

    The recogniser reads a blurred comma as '.' now and then (情况核查.为); a
    full stop printed there is a round dot (the truth has one: 验收较晚.以后).
    The line's small low marks are matched to its . , 。 、 in order, only when
    their numbers agree.
    """
    at = {i for i in range(1, len(text))
          if text[i] == "." and is_chinese(text[i - 1]) and (i + 1 == len(text) or is_chinese(text[i + 1]))}
    if not at:
        return text
    marks = [i for i, char in enumerate(text) if char in LOW_MARKS]
    runs = [run for run in _column_runs(line_mask) if _small_and_low(run, line_mask)]
    if len(runs) != len(marks):
        return text
    chars = list(text)
    for index, run in zip(marks, runs):
        if index in at and _comma_shaped(run, line_mask):
            chars[index] = "，"
    return "".join(chars)


def _comma_shaped(run: np.ndarray, line_mask: np.ndarray) -> bool:
    rows = np.flatnonzero(run.any(axis=1))
    height = rows[-1] - rows[0] + 1
    return height >= COMMA_TALL * run.shape[1] and height >= COMMA_MIN_SHARE * _ink_height(line_mask)


LEADING_COMMA_WIDTH = 0.75  # a comma is narrower than this share of its height; a '、' or '。' wider
RING_BLURRED_FILL = 0.64   # a '。' blurred shut fills this much of its box or more (0.67–0.8); a '、' 0.34–0.59
LEADING_MARK_MIN = 0.15   # a mark stands 0.2 of its line's height or more; dust left by the cleaning is smaller
LEADING_MARK_HAIR = 0.1   # a gap this narrow (share of the line's height) inside a mark is a break, not a space
LEADING_MARK_EM = 0.5     # a mark wrapped to a line's start keeps its em: the next glyph starts this far on
                          # (share of the line's height; marks 0.56–1.2); the dot of 心 or 小 0.26–0.32


def restore_leading_mark(text: str, line_mask: np.ndarray) -> str:
    """A '、', '，' or '。' wrapped to the start of a line, which the recogniser drops ('、系统补丁' read '系统补丁').

    The line's first glyph is mark-sized, its top well below the line's, and
    the next glyph stands a good part of an em after it (a dot of a character
    lies closer to the rest of it).
    """
    if not text or not (is_chinese(text[0]) or text[0].isdigit()):
        return text
    height = _ink_height(line_mask)
    spans = _joined_across_hairs(_column_spans(line_mask), max(1, int(LEADING_MARK_HAIR * height)))
    if len(spans) < 2:
        return text
    (x0, x1), (next_x0, _) = spans[0], spans[1]
    mark = line_mask[:, x0:x1]
    rows = np.flatnonzero(mark.any(axis=1))
    line_top = int(np.flatnonzero(line_mask.any(axis=1))[0])
    tall, wide = rows[-1] - rows[0] + 1, x1 - x0
    mark_sized = LEADING_MARK_MIN * height <= max(tall, wide) <= 0.5 * height and min(tall, wide) >= 2
    below_top = rows[0] - line_top >= 0.25 * height      # a 、 sits about the line's middle, a ， low
    if not (mark_sized and below_top and next_x0 - x0 >= LEADING_MARK_EM * height):
        return text
    return _mark_shaped_as(mark[rows[0]:rows[-1] + 1]) + text


def _mark_shaped_as(mark: np.ndarray) -> str:
    """'，' narrow with its tail (0.4–0.67 as wide as tall), '。' a round ring (filled by blur or not),
    else '、', a slanted stroke as wide as tall that leaves two corners of its box blank."""
    h, w = mark.shape
    if w < LEADING_COMMA_WIDTH * h:
        return "，"
    round_ = 0.7 <= w / h <= 1.4 and (mark.sum() >= RING_BLURRED_FILL * w * h or _has_hole(mark))
    return "。" if round_ else "、"


def _has_hole(mark: np.ndarray) -> bool:
    _, hierarchy = cv2.findContours(mark.astype(np.uint8), cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    return hierarchy is not None and bool((hierarchy[0][:, 3] >= 0).any())


def _joined_across_hairs(spans: list[tuple[int, int]], hair: int) -> list[tuple[int, int]]:
    """Column spans with gaps of ``hair`` columns or less closed: one glyph that blur or faint print broke."""
    joined: list[tuple[int, int]] = []
    for x0, x1 in spans:
        if joined and x0 - joined[-1][1] <= hair:
            joined[-1] = (joined[-1][0], x1)
        else:
            joined.append((x0, x1))
    return joined


def _column_spans(mask: np.ndarray) -> list[tuple[int, int]]:
    """[x0, x1) of every ink run between clear columns."""
    return inked_spans(mask.any(axis=0))


READ_AS_ASTERISK = set("~～")
ASTERISK_MAX_SHARE = 0.55   # an asterisk's ink stands at most this share of its line's height, in its upper part
ASTERISK_MIN_ASPECT = 0.6   # ... and about as tall as wide (a tilde is a flat wave)


def restore_asterisk(text: str, line_mask: np.ndarray) -> str:
    """A '~' before a digit whose glyph is a small raised blob: '*' (金额*0.96, 7*24小时).

    The recogniser reads a blurred asterisk as a tilde; a tilde sits at the
    middle of the line, an asterisk at its top. Only a line with one such
    reading and one small raised glyph is changed.
    """
    at = [i for i in range(len(text) - 1) if text[i] in READ_AS_ASTERISK and text[i + 1].isdigit()]
    if len(at) != 1:
        return text
    raised = [run for run in _column_runs(line_mask) if _small_and_high(run, line_mask)]
    if len(raised) != 1:
        return text
    return text[:at[0]] + "*" + text[at[0] + 1:]


def _small_and_high(run: np.ndarray, line_mask: np.ndarray) -> bool:
    """Ink of a column run no taller than about half the line, at its top (a dot of 小 stands lower), not flat."""
    rows = np.flatnonzero(run.any(axis=1))
    line_rows = np.flatnonzero(line_mask.any(axis=1))
    if not rows.size or not line_rows.size:
        return False
    top, height, tall = line_rows[0], line_rows[-1] - line_rows[0] + 1, rows[-1] - rows[0] + 1
    return (tall <= ASTERISK_MAX_SHARE * height and rows[0] - top <= 0.25 * height
            and rows[-1] - top < 0.6 * height and tall >= ASTERISK_MIN_ASPECT * run.shape[1])
