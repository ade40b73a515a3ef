"""Round official seals on grey scans: find them by their ring, lift their ink off the print.

On a colour scan a seal is told apart by its red (``prepare.suppress_colour_ink``);
on a grey scan it is mid-grey ink over the print. What still tells it apart is
its shape, fixed by the rules for official seals: a thick ring 38–45 mm across,
a five-pointed star at its centre and the unit's name along the inside of the
ring. The ring is found as a circle of thick strokes (Hough on a coarse copy,
then checked along its whole circumference). Inside it: the ring and the star,
fitted as drawn (a circle of the ring's width, a five-pointed star), are divided
out, since ink multiplies: their bare ink turns to paper and print under them
comes back at its own tone; the letters are erased as ink
pieces holding no pixel as dark as the print beside the seal (hysteresis),
and where a letter touches print, its strokes beyond a stroke's reach of
print-dark pixels go too.
The table's rulings through the seal are kept along their straight course.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache
from typing import Callable

import cv2
import numpy as np

from pipeline.grid import ruling_masks
from pipeline.ink import component_minima, gray_median, labelled_minima

MM_PER_IN = 25.4
SEAL_RADIUS_MM = (14.0, 26.0)      # outer radius range searched (standard seals: 19–22.5 mm)
THICK_STROKE_MM = 0.7              # strokes at least this thick survive the opening: ring, star, not print
HOUGH_DPI = 50.0                   # circles are searched on a copy this coarse
MIN_RING_COVERAGE = 0.5            # share of the ring's circumference that must be thick ink
MIN_RING_ON_PAGE = 0.6             # share of the ring's circumference that must lie on the page
STAR_RADIUS_SHARE = 0.35           # the star sits within this share of the radius from the centre
UNDER_SHARE = 0.85                 # print under the ring or star is darker than this share of the seal's ink
TONE_MARGIN = 60.0                 # ink: this much darker than paper
LETTER_CUT_SHARE = 0.75            # a seal letter's darkest pixel lies beyond this share from print to seal ink
GLYPH_AREA_PX = 20                 # ink pieces this large beside the seal count as print glyphs
MIN_GLYPHS_BESIDE = 5              # fewer print glyphs beside a seal do not tell print's tone
MIN_TONE_GAP = 25.0                # seal ink must be this much lighter than print to lift letters by tone
BESIDE_SHARE = 1.05                # print beside a seal lies beyond this share of its reach (clear of the ring)
PRINT_REACH_MM = 0.5               # a print stroke's light rim lies within this of its dark core (4 px at 200 dpi)
SEAL_TONE_SLACK = 15.0             # a seal stroke holds pixels this close to its ink's tone; faint print does not
TAIL_TONE_GAP = 60.0               # seal ink this much lighter than print: its strokes are cut off the print too
NEAR_CUT_SHARE = 0.9               # ink within a stroke's reach of print lies beyond this share to be seal ink
HALO_PX = 5                        # reach of a lifted stroke's blurred rim (each side: 2 px)
UNMIX_TONE_PX = 3.0                # the ring's and star's ink tone is smoothed over this (Gaussian sigma)
UNMIX_EDGE_PX = 1.0                # their ink fades out over this about their drawn outline (Gaussian sigma)
GHOST_MARGIN = 20.0                # a mark along the shapes' outlines: this much darker than paper
MIN_RING_FIT_PX = 200              # thick ink pixels a ring is fitted to, at least
RING_FIT_SLACK = 0.1               # the fitted ring strays from the found one by less than this share of its radius
STAR_SEARCH_SHARE = 0.45           # the star's thick ink is looked for within this share of the radius
STAR_SIZE_SHARES = (0.26, 0.28, 0.30, 0.32, 0.34)   # star's outer radius as a share of the ring's
STAR_TURN_STEP_DEG = 2.0
STAR_INNER_SHARE = 0.39            # a regular five-pointed star's inner corners (0.38-0.40 of its points)
STAR_MIN_MATCH = 0.5               # intersection over union a star must reach
RING_BAND_SHARE = 0.12             # the ring's band, as a share of the radius, each side of the fitted circle


@dataclass(frozen=True)
class Seal:
    """A round seal in image pixels: ``radius`` is the middle of its ring."""
    cx: float
    cy: float
    radius: float
    ink_level: float               # median gray of the ring's ink


def thick_ink(gray: np.ndarray, dpi: float, paper: float) -> np.ndarray:
    """Ink clearly darker than paper in strokes at least THICK_STROKE_MM wide."""
    tone = (gray < paper - TONE_MARGIN).astype(np.uint8)
    k = max(3, int(round(THICK_STROKE_MM * dpi / MM_PER_IN)) | 1)
    return cv2.morphologyEx(tone, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))


def find_seals(gray: np.ndarray, dpi: float) -> list[Seal]:
    """Round seals of the page: circles of thick ink whose ring is mostly there."""
    return _seals_in(gray, thick_ink(gray, dpi, gray_median(gray)), dpi)


def _seals_in(gray: np.ndarray, thick: np.ndarray, dpi: float) -> list[Seal]:
    if not thick.any():
        return []
    factor = max(1, int(round(dpi / HOUGH_DPI)))
    small = cv2.resize(thick * 255, None, fx=1 / factor, fy=1 / factor, interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), 1.0)
    px_per_mm = dpi / MM_PER_IN
    r_min, r_max = (int(r * px_per_mm / factor) for r in SEAL_RADIUS_MM)
    found = cv2.HoughCircles(small, cv2.HOUGH_GRADIENT, dp=1, minDist=r_min, param1=80, param2=15,
                             minRadius=r_min, maxRadius=r_max)
    if found is None:
        return []
    seals: list[Seal] = []
    for x, y, r in found[0][:8]:
        seal = _fit_ring(gray, thick, x * factor, y * factor, r * factor)
        if seal is not None and not any(_overlaps(seal, other) for other in seals):
            seals.append(seal)
    return seals


def _fit_ring(gray: np.ndarray, thick: np.ndarray, cx: float, cy: float, radius: float) -> Seal | None:
    """The radius near ``radius`` whose circle runs along thick ink the most, if it is a ring
    (judged on the part of the circle on the page)."""
    angles = np.linspace(0, 2 * np.pi, 360, endpoint=False)
    h, w = thick.shape
    best, best_r = 0.0, radius
    for r in np.linspace(0.85 * radius, 1.15 * radius, 13):
        xs = np.round(cx + r * np.cos(angles)).astype(int)
        ys = np.round(cy + r * np.sin(angles)).astype(int)
        on_page = (xs >= 0) & (xs < w) & (ys >= 0) & (ys < h)   # a seal may run off the page's edge
        if on_page.mean() < MIN_RING_ON_PAGE:
            continue
        coverage = float(thick[ys[on_page], xs[on_page]].mean())
        if coverage > best:
            best, best_r = coverage, r
    if best < MIN_RING_COVERAGE:
        return None
    reach = (1 + RING_BAND_SHARE) * best_r
    x0, y0, x1, y1 = _box(cx, cy, reach, thick.shape)
    yy, xx = np.ogrid[y0:y1, x0:x1]
    ring = (np.abs(np.hypot(xx - cx, yy - cy) - best_r) <= RING_BAND_SHARE * best_r) & (thick[y0:y1, x0:x1] > 0)
    return Seal(cx, cy, best_r, float(np.median(gray[y0:y1, x0:x1][ring])))


def _box(cx: float, cy: float, reach: float, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    """x0, y0, x1, y1 of the pixels within ``reach`` of (cx, cy) along each axis, on the image."""
    return (max(0, int(cx - reach)), max(0, int(cy - reach)),
            min(shape[1], int(cx + reach) + 1), min(shape[0], int(cy + reach) + 1))


def _overlaps(a: Seal, b: Seal) -> bool:
    return np.hypot(a.cx - b.cx, a.cy - b.cy) < 0.25 * (a.radius + b.radius)


def erase_seals(gray: np.ndarray, dpi: float) -> tuple[np.ndarray, list[Seal]]:
    """``gray`` with the ink of its round seals lifted to paper; print and rulings under them kept."""
    paper = gray_median(gray)
    thick = thick_ink(gray, dpi, paper)
    seals = _seals_in(gray, thick, dpi)
    if not seals:
        return gray, []
    out = gray.copy()
    rulings = ruling_masks(gray, scale=72.0 / dpi)
    thick = thick > 0
    page_print = cache(lambda: _print_tone(gray, seals, paper))    # asked for by few seals
    for seal in seals:
        _erase_one(out, thick, rulings, seal, paper, dpi, page_print)
    return out, seals


def _print_tone(gray: np.ndarray, seals: list[Seal], paper: float) -> float | None:
    """The page's print tone off its seals: the median darkest pixel of its glyph-sized ink pieces."""
    ink = (gray < paper - TONE_MARGIN).astype(np.uint8)
    for seal in seals:
        reach = BESIDE_SHARE * seal.radius * (1 + RING_BAND_SHARE)
        cv2.circle(ink, (int(round(seal.cx)), int(round(seal.cy))), int(np.ceil(reach)), 0, thickness=-1)
    return _glyph_tone(gray, ink > 0)


def _glyph_tone(gray: np.ndarray, ink: np.ndarray) -> float | None:
    """Print's tone: the median darkest pixel of ``ink``'s glyph-sized pieces; None where there
    are too few of them to tell."""
    minima = component_minima(gray, ink, min_area=GLYPH_AREA_PX)
    return float(np.median(minima)) if minima.size >= MIN_GLYPHS_BESIDE else None


def _erase_one(out: np.ndarray, thick: np.ndarray, rulings: tuple[np.ndarray, np.ndarray], seal: Seal,
               paper: float, dpi: float, page_print: Callable[[], float | None]) -> None:
    reach = seal.radius * (1 + RING_BAND_SHARE)
    margin = 1.25 * reach           # the window reaches past the seal, so crossing rulings show as such
    x0, y0, x1, y1 = _box(seal.cx, seal.cy, margin, out.shape)
    window = out[y0:y1, x0:x1]
    yy, xx = np.ogrid[y0:y1, x0:x1]
    d = np.hypot(xx - seal.cx, yy - seal.cy)
    table_lines = np.zeros(d.shape, dtype=bool)
    for mask, vertical in zip(rulings, (False, True)):   # apart: a ring would join them into one piece
        table_lines |= _crossing_rulings(mask[y0:y1, x0:x1] > 0, d, reach, vertical=vertical)
    table_lines = cv2.dilate(table_lines.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    inside = (d <= reach) & ~table_lines
    ring_and_star = _ring_and_star(thick[y0:y1, x0:x1], d, replace(seal, cx=seal.cx - x0, cy=seal.cy - y0))
    # print under the ring or star is darker than either: a piece holding it is print, however light
    under = (window < UNDER_SHARE * seal.ink_level) & ring_and_star
    _unmix(window, ring_and_star, inside, seal, paper)  # first, so a letter is not joined to the ring
    blank = np.uint8(min(255.0, paper))
    beside = d > BESIDE_SHARE * reach
    # ruling candidates too faint or short to count as crossing lines still are no seal strokes
    lines = cv2.dilate(((rulings[0][y0:y1, x0:x1] > 0) | (rulings[1][y0:y1, x0:x1] > 0)).astype(np.uint8),
                       np.ones((3, 3), np.uint8)) > 0
    reach_px = int(round(PRINT_REACH_MM * dpi / MM_PER_IN))
    lifted = _light_marks(window, inside, beside, seal, paper, off_lines=~lines, reach=reach_px, printed=under,
                          page_print=page_print)
    window[lifted | _halo(window, lifted, inside, seal)] = blank


def _ring_and_star(thick: np.ndarray, d: np.ndarray, seal: Seal) -> np.ndarray:
    """The seal's ring and star as drawn, a mask of the window: the ring fitted to its thick ink
    (centre, radius, width), the star a five-pointed one about the ring's centre, its size and
    turn those that cover its thick ink best. Geometry, not ink, bounds them, so print touching
    them is not taken for them. A seal whose ring or star does not fit its ink (another design)
    has its thick ink in their zones taken as drawn."""
    band = thick & (np.abs(d - seal.radius) <= RING_BAND_SHARE * seal.radius)
    ring = _fitted_ring(band, seal)
    if ring is None:
        return band | (thick & (d <= STAR_RADIUS_SHARE * seal.radius))
    cx, cy, radius, width = ring
    ys, xs = np.ogrid[:thick.shape[0], :thick.shape[1]]
    dist = np.hypot(xs - cx, ys - cy)
    shapes = np.abs(dist - radius) <= width / 2
    reach = STAR_SEARCH_SHARE * radius
    x0, y0, x1, y1 = _box(cx, cy, reach, thick.shape)
    centre = thick[y0:y1, x0:x1] & (dist[y0:y1, x0:x1] <= reach)
    star = _fitted_star(centre, cx - x0, cy - y0, radius)
    shapes[y0:y1, x0:x1] |= centre & (dist[y0:y1, x0:x1] <= STAR_RADIUS_SHARE * radius) if star is None else star
    return shapes


def _fitted_ring(band: np.ndarray, seal: Seal) -> tuple[float, float, float, float] | None:
    """Centre, radius and width of the ring: a least-squares circle through its thick ink
    (twice, the second time without the ink far off the first: letters and print by it); None
    where that circle strays from the seal's or the ring's width is implausible."""
    py, px = np.nonzero(band)
    for _ in range(2):
        if px.size < MIN_RING_FIT_PX:
            return None
        cx, cy, radius = _circle_through(px.astype(np.float64), py.astype(np.float64))
        off = np.hypot(px - cx, py - cy) - radius
        near = np.abs(off) <= 1.5 * float(np.percentile(np.abs(off), 80)) + 1
        px, py = px[near], py[near]
    off = np.hypot(px - cx, py - cy) - radius
    width = float(np.percentile(off, 90) - np.percentile(off, 10)) / 0.8    # spread of a uniform band
    strays = max(abs(cx - seal.cx), abs(cy - seal.cy), abs(radius - seal.radius)) > RING_FIT_SLACK * seal.radius
    if strays or not 2.0 <= width <= 2 * RING_BAND_SHARE * seal.radius:
        return None
    return cx, cy, radius, width


def _circle_through(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """The circle nearest the points (algebraic least squares)."""
    a = np.column_stack([x, y, np.ones_like(x)])
    b = x * x + y * y
    (p, q, r), *_ = np.linalg.lstsq(a, b, rcond=None)
    cx, cy = p / 2, q / 2
    return float(cx), float(cy), float(np.sqrt(max(r + cx * cx + cy * cy, 0.0)))


def _fitted_star(thick: np.ndarray, cx: float, cy: float, radius: float) -> np.ndarray | None:
    """The five-pointed star (size and turn searched) that best matches the thick ink about the
    centre (intersection over union), if it matches well."""
    best, best_mask = STAR_MIN_MATCH, None
    total = int(thick.sum())
    if total == 0:
        return None
    for share in STAR_SIZE_SHARES:
        for turn in np.radians(np.arange(0.0, 72.0, STAR_TURN_STEP_DEG)):
            mask = _star_mask(thick.shape, cx, cy, share * radius, turn)
            both = int((mask & thick).sum())
            match = both / (int(mask.sum()) + total - both)
            if match > best:
                best, best_mask = match, mask
    return best_mask


def _star_mask(shape: tuple[int, ...], cx: float, cy: float, outer: float, turn: float) -> np.ndarray:
    k = np.arange(10)
    r = np.where(k % 2 == 0, outer, STAR_INNER_SHARE * outer)
    a = -np.pi / 2 + turn + k * np.pi / 5
    points = np.round(np.column_stack([cx + r * np.cos(a), cy + r * np.sin(a)]) * 4).astype(np.int32)
    mask = np.zeros(shape, dtype=np.uint8)
    cv2.fillPoly(mask, [points], 1, lineType=cv2.LINE_8, shift=2)
    return mask.astype(bool)


def _unmix(window: np.ndarray, shapes: np.ndarray, inside: np.ndarray, seal: Seal, paper: float) -> None:
    """The ring and the star divided out of ``window``: print under and beside them kept.

    Ink multiplies: where the seal's ink lets through a share ``t`` of the light,
    print under it shows as ``print * t`` and bare paper as ``paper * t``.
    Dividing by ``t`` turns the shapes' bare ink to paper and gives the print
    under them back as printed; lifting their pixels lighter than a cut instead
    took the light rims of glyphs that touch them ('%' by the star, a '4'
    across its edge). ``t`` follows the shapes' ink (its pixels near the ring's
    tone; print under them is darker) smoothed over a few pixels, and fades
    out over their blurred edge.
    """
    if not shapes.any():
        return
    gray = window.astype(np.float32)
    cover = cv2.GaussianBlur(shapes.astype(np.float32), (0, 0), UNMIX_EDGE_PX)
    passed = 1.0 - (1.0 - _shape_tone(gray, shapes & inside, seal, paper) / paper) * cover
    restored = np.minimum(paper, gray / np.maximum(passed, 0.05))
    _without_outline_ghosts(restored, gray, (cover > 0.02) & (cover < 0.98), seal, paper)
    zone = inside & (cover > 0.02)
    window[zone] = restored[zone].astype(np.uint8)


def _shape_tone(gray: np.ndarray, shapes: np.ndarray, seal: Seal, paper: float) -> np.ndarray:
    """The tone of the shapes' bare ink about each pixel: their pixels within ``SEAL_TONE_SLACK`` of
    the ring's tone (print under them is darker), smoothed; the ring's tone where there are none."""
    bare = (shapes & (np.abs(gray - seal.ink_level) <= SEAL_TONE_SLACK)).astype(np.float32)
    weight = cv2.GaussianBlur(bare, (0, 0), UNMIX_TONE_PX)
    tone = cv2.GaussianBlur(gray * bare, (0, 0), UNMIX_TONE_PX) / np.maximum(weight, 1e-6)
    return np.minimum(np.where(weight > 0.05, tone, seal.ink_level), paper)


def _without_outline_ghosts(restored: np.ndarray, gray: np.ndarray, edge: np.ndarray, seal: Seal,
                            paper: float) -> None:
    """Along the shapes' outlines (``edge``) the model is a pixel or so off and leaves their ghost
    (a flat piece of it reads as '一'): there, as around any lifted seal stroke (``_halo``), what
    is lighter than the seal's ink goes, and so do marks lying along the outlines and nowhere else."""
    restored[edge & (gray > seal.ink_level)] = paper
    marks = restored < paper - GHOST_MARGIN
    labels = cv2.connectedComponents(marks.astype(np.uint8), connectivity=8)[1]
    off_edge = np.bincount(labels[marks & ~edge], minlength=int(labels.max()) + 1) > 0
    restored[marks & ~off_edge[labels]] = paper


def _halo(window: np.ndarray, lifted: np.ndarray, inside: np.ndarray, seal: Seal) -> np.ndarray:
    """The blurred rim of lifted seal ink: lighter than the seal's ink, it falls outside the
    ink masks, yet its outlines read as strokes to the recogniser."""
    rim = cv2.dilate(lifted.astype(np.uint8), np.ones((HALO_PX, HALO_PX), np.uint8)) > 0
    return rim & inside & ~lifted & (window > seal.ink_level)


def _crossing_rulings(rulings: np.ndarray, d: np.ndarray, reach: float, *, vertical: bool) -> np.ndarray:
    """The table's lines through the seal: ruling pieces that run on beyond it, kept to their straight course.

    A ring's side merges with a ruling it touches, so a piece is cut down to the
    line fitted on its part outside the seal, where it is ruling alone.
    """
    n, labels = cv2.connectedComponents(rulings.astype(np.uint8), connectivity=8)
    keep = np.zeros_like(rulings)
    outside = (d > reach) & rulings
    for label in np.unique(labels[outside]):
        if label == 0:
            continue
        ys, xs = np.nonzero(labels == label)
        out = outside[ys, xs]
        along, across = (ys, xs) if vertical else (xs, ys)
        if np.ptp(along[out]) < 2:
            continue
        slope, offset = np.polyfit(along[out], across[out], 1)
        thickness = max(1.0, float(np.percentile(np.abs(across[out] - (slope * along[out] + offset)), 95)))
        on_line = np.abs(across - (slope * along + offset)) <= thickness + 1
        keep[ys[on_line], xs[on_line]] = True
    return keep


def _light_marks(window: np.ndarray, inside: np.ndarray, around: np.ndarray, seal: Seal,
                 paper: float, *, off_lines: np.ndarray, reach: int, printed: np.ndarray,
                 page_print: Callable[[], float | None]) -> np.ndarray:
    """Ink pieces inside the seal with no pixel as dark as print: the seal's letters (hysteresis).

    Print is measured beside the seal, where no seal ink darkens it: the
    median darkest pixel of its glyphs (with hardly any there, at a page's top
    or margin, the page's print tone off its seals). The cut lies between that and the
    seal's ink; a glyph of print holds pixels darker than that, a seal letter
    that touches no print does not. Where print is as light as the seal, the
    two cannot be told apart by tone and nothing is lifted.

    Ink within a stroke's reach of print's dark core must lie nearer the
    seal's tone (``NEAR_CUT_SHARE``): blur lightens a thin print stroke set
    apart from its glyph's core (a 5's top bar) past the cut, yet it stays
    darker than the seal's ink.

    A piece holding ``printed`` pixels (print under the ring or star, known by
    the darkness of both inks) is print, however light it is once the seal's
    ink is divided out: a thin stroke of faint print.
    """
    ink = window < paper - TONE_MARGIN
    weak = inside & ink
    if not weak.any():
        return weak
    print_level = _glyph_tone(window, ink & around)
    if print_level is None:     # hardly any print around the seal (page top, margin): the page's stands for it
        print_level = page_print()
    if print_level is None:     # hardly any print on the page: the darkest ink inside the seal
        print_level = float(np.percentile(window[weak], 5))
    if seal.ink_level - print_level < MIN_TONE_GAP:
        return np.zeros_like(inside)
    cut = print_level + LETTER_CUT_SHARE * (seal.ink_level - print_level)
    near_cut = print_level + NEAR_CUT_SHARE * (seal.ink_level - print_level)
    near = _near_print(window, weak, cut, reach)
    labels, minima, _ = labelled_minima(window, weak)
    by_print = np.bincount(labels[near], minlength=minima.size) > 0
    light = np.where(by_print, minima > near_cut, minima > cut)
    light[labels[printed & weak]] = False
    light[0] = False
    letters = light[labels]
    if seal.ink_level - print_level >= TAIL_TONE_GAP:
        letters |= _strokes_off_print(window, weak & ~near, near_cut, seal.ink_level) & off_lines
    return letters


def _near_print(window: np.ndarray, weak: np.ndarray, cut: float, reach: int) -> np.ndarray:
    """Pixels within ``reach`` of ink as dark as print."""
    core = (weak & (window <= cut)).astype(np.uint8)
    return cv2.dilate(core, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * reach + 1,) * 2)) > 0


def _strokes_off_print(window: np.ndarray, off_print: np.ndarray, cut: float, seal_level: float) -> np.ndarray:
    """Seal ink joined to print, beyond a stroke's reach of any pixel as dark as print.

    A seal letter crossing a glyph makes one ink piece with it, so the piece
    holds print's darkness and stays; its seal strokes away from the print
    (``off_print``) go where their darkest pixel lies between ``cut`` and the
    seal's ink tone: a thin print stroke is darker, faint print lighter.
    """
    labels, minima, _ = labelled_minima(window, off_print)
    seal_dark = (minima <= seal_level + SEAL_TONE_SLACK) & (minima > cut)
    seal_dark[0] = False
    return seal_dark[labels]
