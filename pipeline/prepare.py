"""Scanned page → upright, deskewed, seal-free, denoised gray image plus the transform applied.

Steps, cheapest evidence first (no OCR); decisions are taken on a ~110-dpi copy:

1. gray + red-seal suppression (colour BGR scans): seal ink turns to paper white while
   black print under it stays; isolated specks removed (by size, not by a median filter,
   which would erase 1-px rulings);
2. scanner borders (solid dark regions touching the image edge) become white;
3. text direction (0/180 vs 90/270): nearest neighbours of character blobs lie along the
   text line, so their prevailing direction tells horizontal from vertical writing;
4. deskew: projection-profile search of the near-horizontal ink (rulings dominate) over ±5°;
5. 0 vs 180: the form's asymmetry — the left label column of the table holds a few tall
   merged cells while the right column holds one cell per row, and cell text is left-aligned
   or centred, never right-aligned. When neither speaks (no table), ``flip_hook`` (e.g. the
   OCR angle classifier run on a few crops) may decide; without it the page stays as is;
6. perspective: the main table's four borders are fitted as lines; when their corners are
   more than 1 pt off a rectangle, the quadrilateral is warped onto that rectangle.

``matrix`` (3x3) maps original-image pixels to prepared-image pixels.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import cv2
import numpy as np

from pipeline.ink import gray_quantile
from pipeline.seals import erase_seals

RED_INK_MIN = 25   # red minus max(green, blue) above which a pixel is seal ink (or its halo)
SEAL_OUTLINE_MIN = 140  # a grey pixel on a seal's outline lighter than this is the outline, not print
SEAL_INK_MIN_RED = 185  # seal ink whose (paper-scaled) red channel is lighter than this has no print under it
PRINT_UNDER_SEAL_RED = 150  # print under a seal is at most this light in (paper-scaled) red: faint print 130-166
BLUE_INK_MIN = 35  # blue minus max(green, red) above which a pixel is ballpoint ink

from pipeline import grid

A4_LONG_IN = 11.69
MAX_SKEW_DEG = 5.0
MIN_SKEW_DEG = 0.05          # below this a rotation would only blur the page
ANALYSIS_DPI = 110.0
TEXT_VOTES_TO_TELL = 60       # fewer glyph-neighbour votes than this and the rulings tell a turned page
TURNED_RULINGS_RATIO = 4.0    # ... by running down it this many times more than across (a tall table: 1.5)
MIN_RULING_SHARE = 1.0        # ... over at least the page's height in all
FlipHook = Callable[[np.ndarray], bool]   # upright-candidate gray → True when it is upside down


@dataclass
class PreparedPage:
    gray: np.ndarray          # upright, deskewed, seals suppressed, denoised
    rotation: int             # 0/90/180/270, clockwise, applied to make it upright
    skew_deg: float           # deskew angle applied (counter-clockwise as displayed)
    matrix: np.ndarray        # 3x3 from original image px to prepared image px
    perspective: bool = False  # whether a keystone correction was applied
    seals: int = 0             # round seals found by shape (grey scans) and lifted off the print


def prepare_page(image: np.ndarray, *, dpi: float | None = None,
                 flip_hook: FlipHook | None = None, lift_seals: bool = True) -> PreparedPage:
    """``image``: BGR or gray uint8 scan. ``dpi`` defaults to an A4-sized guess. ``lift_seals``
    False leaves grey seals on the page (``bench/bench_seals.py`` lifts them itself)."""
    dpi = dpi or estimate_dpi(image.shape[:2])
    gray = suppress_colour_ink(image) if image.ndim == 3 else image.copy()
    gray = remove_specks(gray, dpi)      # before any resampling smears a speck into a blob
    # Every decision is taken on a small copy that follows the full image through each step.
    small, small_dpi = _analysis_copy(gray, dpi)
    gray, small = whiten_scanner_borders(gray, small, small_dpi)
    matrix = np.eye(3)

    rotation = 90 if text_runs_vertically(small, small_dpi) else 0
    if rotation:
        gray, m = rotate_quarter(gray, 90)
        small, _ = rotate_quarter(small, 90)
        matrix = m @ matrix

    skew = estimate_skew(small, small_dpi)
    if abs(skew) < MIN_SKEW_DEG:
        skew = 0.0
    else:
        gray, m = rotate_small(gray, skew)
        small, _ = rotate_small(small, skew)
        matrix = m @ matrix

    if is_upside_down(small, small_dpi, flip_hook):
        gray, m = rotate_quarter(gray, 180)
        small, _ = rotate_quarter(small, 180)
        matrix = m @ matrix
        rotation = (rotation + 180) % 360

    gray, m = straighten_table(gray, small, small_dpi)
    perspective = m is not None
    if perspective:
        matrix = m @ matrix
    gray, seals = erase_seals(gray, dpi) if lift_seals else (gray, [])
    return PreparedPage(gray=gray, rotation=rotation, skew_deg=skew, matrix=matrix,
                        perspective=perspective, seals=len(seals))


def _analysis_copy(gray: np.ndarray, dpi: float) -> tuple[np.ndarray, float]:
    """The page at about ANALYSIS_DPI (orientation and skew need no more), with its dpi."""
    factor = ANALYSIS_DPI / dpi
    if factor >= 0.9:
        return gray, dpi
    small = cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    return small, dpi * small.shape[1] / gray.shape[1]


def estimate_dpi(shape: tuple[int, int]) -> float:
    return max(shape) / A4_LONG_IN


# ---------------------------------------------------------------- cleaning

def suppress_colour_ink(bgr: np.ndarray) -> np.ndarray:
    """Gray image in which red (seal) and blue (pen) ink turn light and black ink under them stays dark.

    Reddish pixels take their red channel, scaled so the paper stays paper: seal ink
    reflects red like paper does, black print beneath it does not. Nothing is forced
    to white, so no white halo is left around the seal and no stroke under it is cut.
    """
    b, g, r = cv2.split(bgr)
    redness = cv2.subtract(r, cv2.max(g, b))                  # saturates at 0
    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    paper_red = max(gray_quantile(r, 0.9), 1.0)
    scaled = r.astype(np.float32) * (255.0 / paper_red)
    # a quarter of the redness on top lightens seal ink that is light in red, not the strokes under
    # it: faint print under a seal is as dark in red as beside it, and must not come out lighter
    lift = np.clip((scaled - PRINT_UNDER_SEAL_RED) / 40.0, 0.0, 1.0)
    red_as_gray = np.clip(scaled + 0.25 * lift * redness.astype(np.float32), 0, 255).astype(np.uint8)
    seal = redness > RED_INK_MIN
    out = np.where(seal, red_as_gray, gray)
    # JPEG keeps the seal's darkness at full resolution but its colour at half: a seal stroke's
    # outline comes out grey, not red. Pixels next to seal ink that are not dark print are paper.
    outline = cv2.dilate(seal.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool) & ~seal
    paper = np.uint8(min(255.0, paper_red))
    out[outline & (gray > SEAL_OUTLINE_MIN)] = paper
    out[seal & (red_as_gray > SEAL_INK_MIN_RED)] = paper
    # blue ballpoint (signatures, ticks) over print: black print has no blueness, so it stays
    blueness = cv2.subtract(b, cv2.max(g, r))
    out[blueness > BLUE_INK_MIN] = np.uint8(min(255.0, paper_red))
    return out


def whiten_scanner_borders(gray: np.ndarray, small: np.ndarray, small_dpi: float
                           ) -> tuple[np.ndarray, np.ndarray]:
    """Solid dark regions that touch the image edge (scanner lid, page shadow) become white.

    Found on the small copy: a ~1 mm erosion keeps only solid areas (no ruling or stroke is
    that thick); those touching the image edge are the border.
    """
    dark = (small < 90).astype(np.uint8)
    k = max(3, int(small_dpi / 25))
    solid = cv2.erode(dark, np.ones((k, k), np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(solid, connectivity=4)
    h, w = small.shape
    touching = [i for i in range(1, n)
                if stats[i, 0] == 0 or stats[i, 1] == 0
                or stats[i, 0] + stats[i, 2] >= w or stats[i, 1] + stats[i, 3] >= h]
    if not touching:
        return gray, small
    # Generous dilation: the blurred rim of a border must not survive as a row of specks.
    border = cv2.dilate(np.isin(labels, touching).astype(np.uint8), np.ones((2 * k + 3, 2 * k + 3), np.uint8))
    small = small.copy()
    small[border.astype(bool)] = 255
    border = cv2.resize(border, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_NEAREST)
    gray = gray.copy()
    gray[border.astype(bool)] = 255
    return gray, small


def remove_specks(gray: np.ndarray, dpi: float) -> np.ndarray:
    """Isolated dark dots (scanner dust, JPEG blotches) smaller than any glyph part become white.

    A median filter would also erase 1-px rulings; counting ink in a small window does not
    (a 1-px line has 5 ink pixels in any 5x5 window around one of its pixels).
    """
    ink = (cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV,
                                 max(11, int(dpi / 8) | 1), 15) // 255)
    window = 5 if dpi < 250 else 7
    count = cv2.boxFilter(ink, cv2.CV_16U, (window, window), normalize=False)
    speck = (ink > 0) & (count <= window - 2)
    if not speck.any():
        return gray
    out = gray.copy()
    out[speck] = 255
    return out


# ---------------------------------------------------------------- orientation

def text_runs_vertically(gray: np.ndarray, dpi: float) -> bool:
    """Whether character blobs line up vertically (page turned by 90 or 270 degrees).

    A page with little text (a form's 总分 row alone, run over from the page
    before) is told by its rulings instead: a form's long rulings run across the
    page, turned they run down it.
    """
    horizontal, vertical = _neighbour_votes(gray, dpi)
    if vertical > 1.3 * horizontal and vertical >= 20:
        return True
    if horizontal + vertical >= TEXT_VOTES_TO_TELL:
        return False
    across, down = (int(np.count_nonzero(mask)) for mask in _ruling_ink(_ink(gray, dpi / 72), dpi / 72))
    return down >= TURNED_RULINGS_RATIO * max(across, 1) and down >= MIN_RULING_SHARE * gray.shape[0]


def _ink(gray: np.ndarray, pt: float) -> np.ndarray:
    """Ink of a page (pt: pixels per point) by a local threshold, faint rulings included."""
    return cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV,
                                 max(11, int(9 * pt) | 1), 12)


def _neighbour_votes(gray: np.ndarray, dpi: float) -> tuple[int, int]:
    pt = dpi / 72
    ink = _ink(gray, pt)
    ink &= ~_rulings_mask(ink, pt)
    close = max(2, int(round(1.5 * pt)))       # joins the radicals of one character
    ink = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, np.ones((close, close), np.uint8))
    n, _, stats, centroids = cv2.connectedComponentsWithStats(ink, connectivity=8)
    w, h = stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT]
    size = np.maximum(w, h)
    margin = 20 * pt                              # scanner rims and punch holes live there
    cx, cy = centroids[1:, 0], centroids[1:, 1]
    inside = (cx > margin) & (cy > margin) & (cx < ink.shape[1] - margin) & (cy < ink.shape[0] - margin)
    keep = (size >= 4 * pt) & (size <= 24 * pt) & inside   # glyph-sized blobs
    pts = centroids[1:][keep]
    if len(pts) < 10:
        return 0, 0
    rng = np.random.default_rng(0)
    probe = pts[rng.choice(len(pts), min(len(pts), 400), replace=False)]
    d = probe[:, None, :] - pts[None, :, :]
    dist = np.hypot(d[..., 0], d[..., 1])
    dist[dist < 1e-6] = np.inf
    nearest = d[np.arange(len(probe)), dist.argmin(axis=1)]
    ratio_ok = np.isfinite(dist.min(axis=1)) & (dist.min(axis=1) <= 30 * pt)
    dx, dy = np.abs(nearest[ratio_ok, 0]), np.abs(nearest[ratio_ok, 1])
    return int((dx > 2 * dy).sum()), int((dy > 2 * dx).sum())


def _rulings_mask(ink: np.ndarray, pt: float) -> np.ndarray:
    h, v = _ruling_ink(ink, pt)
    return cv2.dilate(h | v, np.ones((3, 3), np.uint8))


def _ruling_ink(ink: np.ndarray, pt: float) -> tuple[np.ndarray, np.ndarray]:
    """Ink of straight strokes at least 30 pt long: across the page, and down it."""
    length = max(15, int(30 * pt))
    return (cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((1, length), np.uint8)),
            cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((length, 1), np.uint8)))


def is_upside_down(gray: np.ndarray, dpi: float, flip_hook: FlipHook | None = None) -> bool:
    score = upright_score(gray, dpi)
    if score == 0 and flip_hook is not None:
        return bool(flip_hook(gray))
    return score < 0


def upright_score(gray: np.ndarray, dpi: float) -> float:
    """> 0 when the page reads upright, < 0 when upside down, 0 when the layout does not tell."""
    score = _ragged_edge_vote(gray, dpi)
    for table in grid.detect_tables(gray, page=1, scale=72 / dpi):
        left = sum(1 for c in table.cells if c.col == 0)
        right = sum(1 for c in table.cells if c.end_col == table.n_cols)
        score += 2 * np.sign(right - left)
        score += _alignment_vote(gray, table, dpi / 72)
    return float(np.sign(score))


def _ragged_edge_vote(gray: np.ndarray, dpi: float) -> float:
    """+1 when text lines share left edges more than right edges (flush left, ragged right).

    Notes blocks, narrative pages and left-aligned cell text are flush left; centred text
    is neutral. Upside down, the flush edge is on the right.
    """
    pt = dpi / 72
    ink = _ink(gray, pt)
    ink &= ~_rulings_mask(ink, pt)
    bars = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, np.ones((1, max(3, int(8 * pt))), np.uint8))
    n, _, stats, _ = cv2.connectedComponentsWithStats(bars, connectivity=8)
    w, h = stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT]
    lines = stats[1:][(h >= 5 * pt) & (h <= 20 * pt) & (w >= 60 * pt)]
    if len(lines) < 3:
        return 0.0
    lefts = lines[:, cv2.CC_STAT_LEFT].astype(float)
    rights = lefts + lines[:, cv2.CC_STAT_WIDTH]
    tol = 2 * pt

    def shared(edges: np.ndarray) -> int:
        return int((np.abs(edges[:, None] - edges[None, :]) <= tol).sum() - len(edges))

    flush_left, flush_right = shared(lefts), shared(rights)
    if max(flush_left, flush_right) < 4 or abs(flush_left - flush_right) < 0.3 * max(flush_left, flush_right):
        return 0.0
    return 1.0 if flush_left > flush_right else -1.0


def _alignment_vote(gray: np.ndarray, table, pt: float) -> float:
    """+1 when cell text hugs the left border more often than the right (upright), -1 otherwise."""
    ink = gray < 140
    lean = 0
    for cell in table.cells:
        x0, y0, x1, y1 = (int(round(v * pt)) for v in (cell.bbox.x0, cell.bbox.y0, cell.bbox.x1, cell.bbox.y1))
        pad = max(3, int(2 * pt))
        box = ink[y0 + pad:y1 - pad, x0 + pad:x1 - pad]
        if box.size == 0:
            continue
        cols = np.nonzero(box.any(axis=0))[0]
        if len(cols) == 0:
            continue
        left_gap, right_gap = cols[0], box.shape[1] - 1 - cols[-1]
        if abs(left_gap - right_gap) > 6 * pt:       # clearly not centred
            lean += 1 if left_gap < right_gap else -1
    return float(np.sign(lean)) if abs(lean) >= 2 else 0.0   # one cell may just hold a seal


def rotate_quarter(gray: np.ndarray, degrees_cw: int) -> tuple[np.ndarray, np.ndarray]:
    h, w = gray.shape
    if degrees_cw == 90:
        return cv2.rotate(gray, cv2.ROTATE_90_CLOCKWISE), np.array([[0, -1, h - 1], [1, 0, 0], [0, 0, 1.0]])
    if degrees_cw == 180:
        return cv2.rotate(gray, cv2.ROTATE_180), np.array([[-1, 0, w - 1], [0, -1, h - 1], [0, 0, 1.0]])
    if degrees_cw == 270:
        return cv2.rotate(gray, cv2.ROTATE_90_COUNTERCLOCKWISE), np.array([[0, 1, 0], [-1, 0, w - 1], [0, 0, 1.0]])
    return gray, np.eye(3)


# ---------------------------------------------------------------- deskew

def estimate_skew(gray: np.ndarray, dpi: float) -> float:
    """Angle (degrees, counter-clockwise as displayed) that makes the rulings horizontal."""
    pt = dpi / 72
    ink = _ink(gray, pt)
    # Short horizontal opening: keeps pieces of tilted rulings, drops most text.
    flat = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((1, max(8, int(4 * pt))), np.uint8))
    ys, xs = np.nonzero(flat)
    if len(ys) < 200:
        return 0.0
    xs = xs - gray.shape[1] / 2
    sample = np.random.default_rng(0).permutation(len(ys))
    few, many = sample[:40_000], sample[:150_000]
    coarse = _best_angle(xs[few], ys[few], np.arange(-MAX_SKEW_DEG, MAX_SKEW_DEG + 1e-9, 0.2))
    fine = _best_angle(xs[many], ys[many], coarse + 0.02 * np.arange(-12, 13))
    return float(round(-fine, 3))


def _best_angle(xs: np.ndarray, ys: np.ndarray, angles: np.ndarray) -> float:
    """Angle whose shear concentrates the ink into the fewest rows (sum of squared row counts)."""
    scores = []
    for a in angles:
        y = np.round(ys + xs * np.tan(np.radians(a))).astype(np.int64)
        y -= y.min()
        scores.append(float((np.bincount(y).astype(np.float64) ** 2).sum()))
    i = int(np.argmax(scores))
    if 0 < i < len(scores) - 1:      # parabolic refinement between grid steps
        s0, s1, s2 = scores[i - 1], scores[i], scores[i + 1]
        denom = s0 - 2 * s1 + s2
        if denom < 0:
            step = angles[1] - angles[0]
            return float(angles[i] + 0.5 * (s0 - s2) / denom * step)
    return float(angles[i])


def rotate_small(gray: np.ndarray, angle_deg: float) -> tuple[np.ndarray, np.ndarray]:
    h, w = gray.shape
    m = cv2.getRotationMatrix2D(((w - 1) / 2, (h - 1) / 2), angle_deg, 1.0)
    out = cv2.warpAffine(gray, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)
    return out, np.vstack([m, [0, 0, 1.0]])


# ---------------------------------------------------------------- perspective

def straighten_table(gray: np.ndarray, small: np.ndarray, small_dpi: float
                     ) -> tuple[np.ndarray, np.ndarray | None]:
    """Warp the largest table's border quadrilateral onto a rectangle when it is visibly keystoned.

    Each border is a line fitted through the ruling pixels near the detected border, so a
    faint or broken border still gives its true slope; the corners are their intersections.
    """
    pt = small_dpi / 72
    tables = grid.detect_tables(small, page=1, scale=1 / pt)
    if not tables:
        return gray, None
    table = max(tables, key=lambda t: t.bbox.width * t.bbox.height)
    if table.n_rows < 3:
        return gray, None
    h_mask, v_mask = grid.ruling_masks(small, scale=1 / pt)
    b = table.bbox.scaled(pt)
    band = 6 * pt
    top = _fit_border(h_mask, b.y0, (b.x0, b.x1), band, horizontal=True)
    bottom = _fit_border(h_mask, b.y1, (b.x0, b.x1), band, horizontal=True)
    left = _fit_border(v_mask, b.x0, (b.y0, b.y1), band, horizontal=False)
    right = _fit_border(v_mask, b.x1, (b.y0, b.y1), band, horizontal=False)
    if any(line is None for line in (top, bottom, left, right)):
        return gray, None
    factor = gray.shape[1] / small.shape[1]
    src = np.float32([_intersect(top, left), _intersect(top, right),
                      _intersect(bottom, right), _intersect(bottom, left)]) * factor
    x0, x1 = (src[0, 0] + src[3, 0]) / 2, (src[1, 0] + src[2, 0]) / 2
    y0, y1 = (src[0, 1] + src[1, 1]) / 2, (src[2, 1] + src[3, 1]) / 2
    dst = np.float32([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])
    if np.abs(src - dst).max() < 1.0 * pt * factor:     # under 1 pt off: leave the pixels alone
        return gray, None
    m = cv2.getPerspectiveTransform(src, dst)
    out = cv2.warpPerspective(gray, m, (gray.shape[1], gray.shape[0]), flags=cv2.INTER_LINEAR,
                              borderValue=255)
    return out, m


def _fit_border(mask: np.ndarray, pos: float, extent: tuple[float, float], band: float, *,
                horizontal: bool) -> tuple[float, float, float, float] | None:
    """Line (vx, vy, x, y) through the ruling pixels within ``band`` of a border position."""
    lo, hi = int(max(0, pos - band)), int(pos + band) + 1
    a, b = int(max(0, extent[0] - band)), int(extent[1] + band) + 1
    strip = mask[lo:hi, a:b] if horizontal else mask[a:b, lo:hi]
    ys, xs = np.nonzero(strip)
    if len(xs) < 50:
        return None
    if horizontal:
        points = np.column_stack([xs + a, ys + lo])
    else:
        points = np.column_stack([xs + lo, ys + a])
    vx, vy, x, y = cv2.fitLine(points.astype(np.float32), cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
    return float(vx), float(vy), float(x), float(y)


def _intersect(l1, l2) -> tuple[float, float]:
    vx1, vy1, x1, y1 = l1
    vx2, vy2, x2, y2 = l2
    denom = vx1 * vy2 - vy1 * vx2
    t = ((x2 - x1) * vy2 - (y2 - y1) * vx2) / denom
    return x1 + t * vx1, y1 + t * vy1
