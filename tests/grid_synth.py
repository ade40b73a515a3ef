"""Synthetic ruled forms drawn with OpenCV, with their known grid (for grid and prepare tests)."""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

# One letter per cell; equal letters form one merged (rectangular) cell.
FORM_LAYOUT = [
    "abbbcdddd",
    "effghhhhh",
    "iiiiiiiii",
    "jjklmnopq",
    "rstuvwxyz",
    "rABCDEFGH",
    "rIJKLMNOP",
    "QRRRRSSSS",
    "QTTTTUUUU",
    "VWXYZ0123",
    "V4X5678<>",
    "V4@#$%^&*",
    "+++++-===",
]
COL_WIDTHS_PT = [62, 58, 70, 64, 60, 50, 44, 44, 72]
ROW_HEIGHTS_PT = [24, 24, 20, 30, 22, 22, 22, 20, 44, 30, 30, 44, 22]


@dataclass
class SyntheticForm:
    image: np.ndarray                    # gray uint8
    xs_pt: list[float]
    ys_pt: list[float]
    cells: set[tuple[int, int, int, int]]  # (row, col, row_span, col_span)


def layout_cells(layout: list[str]) -> set[tuple[int, int, int, int]]:
    cells = {}
    for r, line in enumerate(layout):
        for c, ch in enumerate(line):
            r0, c0, r1, c1 = cells.get(ch, (r, c, r, c))
            cells[ch] = (min(r0, r), min(c0, c), max(r1, r), max(c1, c))
    return {(r0, c0, r1 - r0 + 1, c1 - c0 + 1) for r0, c0, r1, c1 in cells.values()}


def draw_form(*, dpi: float = 144, line_pt: float = 0.5, origin_pt=(36.0, 90.0),
              page_pt=(595.0, 842.0), layout=FORM_LAYOUT, col_widths=COL_WIDTHS_PT,
              row_heights=ROW_HEIGHTS_PT, with_text: bool = True, line_gray: int = 0,
              seed: int = 0) -> SyntheticForm:
    rng = np.random.default_rng(seed)
    k = dpi / 72.0
    img = np.full((int(page_pt[1] * k), int(page_pt[0] * k)), 255, np.uint8)
    xs = list(origin_pt[0] + np.concatenate([[0], np.cumsum(col_widths)]))
    ys = list(origin_pt[1] + np.concatenate([[0], np.cumsum(row_heights)]))
    cells = layout_cells(layout)
    thick = max(1, int(round(line_pt * k)))
    for r, c, rs, cs in cells:
        p0 = (int(round(xs[c] * k)), int(round(ys[r] * k)))
        p1 = (int(round(xs[c + cs] * k)), int(round(ys[r + rs] * k)))
        cv2.rectangle(img, p0, p1, line_gray, thick)
        if with_text:
            _fill_text(img, [v * k for v in (xs[c], ys[r], xs[c + cs], ys[r + rs])], k, rng)
    if with_text:
        _title(img, k, xs, ys)
    return SyntheticForm(img, xs, ys, cells)


def _fill_text(img, box, k, rng) -> None:
    x0, y0, x1, y1 = box
    kind = rng.integers(0, 4)
    cy = (y0 + y1) / 2
    if kind == 0:   # an em-dash pair "——" centred in the cell
        w = min(20 * k, (x1 - x0) * 0.6)
        cv2.line(img, (int((x0 + x1 - w) / 2), int(cy)), (int((x0 + x1 + w) / 2), int(cy)), 0,
                 max(1, int(0.6 * k)))
        return
    fs = 0.35 * k
    line_h = 11 * k
    n_lines = max(1, int((y1 - y0 - 4 * k) // line_h))
    for i in range(min(n_lines, 3)):
        n = int((x1 - x0 - 6 * k) // (7 * k))
        if n <= 0:
            return
        text = "".join(rng.choice(list("ABEFHKLMNTZ0123456789%"), size=min(n, 12)))
        y = int(y0 + 3 * k + (i + 1) * line_h - 2 * k)
        cv2.putText(img, text, (int(x0 + 3 * k), y), cv2.FONT_HERSHEY_SIMPLEX, fs, 0, max(1, int(k * 0.6)))


def _title(img, k, xs, ys) -> None:
    cx = int((xs[0] + xs[-1]) / 2 * k)
    cv2.putText(img, "PROJECT SELF EVALUATION", (cx - int(150 * k), int((ys[0] - 30) * k)),
                cv2.FONT_HERSHEY_SIMPLEX, 0.9 * k, 0, max(1, int(k)))
    cv2.putText(img, "Notes: 1. HEL LO 2. WORLD", (int(xs[0] * k), int((ys[-1] + 24) * k)),
                cv2.FONT_HERSHEY_SIMPLEX, 0.4 * k, 0, max(1, int(k * 0.6)))


def to_scan(form: SyntheticForm, *, quarter_turns: int = 0, skew_deg: float = 0.0,
            stamp: bool = False, noise: float = 0.0, jpeg: int | None = None,
            black_border: int = 0, seed: int = 0) -> np.ndarray:
    """A colour 'scan' of a synthetic form: red stamp, skew, quarter turns, noise, JPEG, dark border."""
    rng = np.random.default_rng(seed)
    bgr = cv2.cvtColor(form.image, cv2.COLOR_GRAY2BGR)
    h, w = form.image.shape
    if stamp:
        # Stamp ink multiplies with the print below it, as on paper: black stays black.
        layer = np.full_like(bgr, 255)
        centre = (int(w * 0.62), int(h * 0.3))
        radius = int(w * 0.09)
        red = (40, 40, 210)
        cv2.circle(layer, centre, radius, red, max(2, radius // 12))
        cv2.circle(layer, centre, radius // 5, red, -1)
        cv2.putText(layer, "SEAL OF OFFICE", (centre[0] - radius // 2 - 20, centre[1] + radius // 2),
                    cv2.FONT_HERSHEY_SIMPLEX, radius / 160, red, 2)
        bgr = (bgr.astype(np.uint16) * layer // 255).astype(np.uint8)
    if skew_deg:
        m = cv2.getRotationMatrix2D((w / 2, h / 2), skew_deg, 1.0)
        bgr = cv2.warpAffine(bgr, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=(255, 255, 255))
    bgr = np.ascontiguousarray(np.rot90(bgr, k=-quarter_turns))   # clockwise turns
    if black_border:
        bgr[:black_border] = 20
        bgr[:, -black_border:] = 25
        bgr[-black_border // 2:] = 15
    if noise:
        bgr = np.clip(bgr + rng.normal(0, noise, bgr.shape), 0, 255).astype(np.uint8)
    if jpeg:
        ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, jpeg])
        bgr = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    return bgr
