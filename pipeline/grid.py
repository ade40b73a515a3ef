"""Ruled tables from a page image: ruling segments → grid lines → (merged) cells.

Works on a gray page image (dark ink on white) in pixels; every length threshold
is given in PDF points and converted with ``scale`` (points per pixel), so the
same settings hold for a 144-dpi render and a 300-dpi scan.

Method: adaptive threshold → opening with long horizontal / vertical kernels →
connected components as segments → collinear pieces chained, short chains kept
only where they join perpendicular rulings at both ends (this drops "——" dashes
and text strokes) → segments that touch each other grouped into tables → segment
positions clustered into grid lines → for every elementary cell edge, the share
covered by ruling decides whether the two neighbouring cells are merged.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from pipeline.objects import BBox, Cell, Table

# All lengths in PDF points.
OPEN_LEN_PT = 11.0          # shortest ruling piece kept by the opening (longer than a text stroke)
LONG_LEN_PT = 60.0          # a chain this long is a ruling even when it touches nothing
GAP_PT = 5.0                # collinear pieces closer than this are one broken line
SNAP_PT = 2.5               # positions closer than this are the same grid line / touch
CLOSE_PT = 1.5              # small gaps closed along the line direction before the opening
BLOCK_PT = 9.0              # adaptive threshold neighbourhood
EDGE_COVER = 0.5            # ruled share of an elementary edge that makes it a cell border
MIN_TABLE_W_PT = 100.0
MIN_TABLE_H_PT = 12.0


@dataclass(frozen=True)
class Segment:
    """One ruling piece in pixels: ``pos`` is y for a horizontal line, x for a vertical one."""
    pos: float
    start: float
    end: float
    thickness: float

    @property
    def length(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class Segments:
    horizontal: tuple[Segment, ...]
    vertical: tuple[Segment, ...]


def detect_tables(gray: np.ndarray, *, page: int, scale: float) -> list[Table]:
    """Every ruled table on the page, top to bottom, in PDF points."""
    segments = detect_segments(gray, scale=scale)
    px_per_pt = 1.0 / scale
    tables = []
    for h_group, v_group in _group_touching(segments, SNAP_PT * px_per_pt):
        table = _build_table(h_group, v_group, page=page, scale=scale)
        if table is not None:
            tables.append(table)
    tables.sort(key=lambda t: (t.bbox.y0, t.bbox.x0))
    return tables


# ---------------------------------------------------------------- segments

def detect_segments(gray: np.ndarray, *, scale: float) -> Segments:
    """Ruling segments (px) of the page, text strokes and dashes removed."""
    if gray.ndim == 3:
        gray = cv2.cvtColor(gray, cv2.COLOR_BGR2GRAY)
    px = 1.0 / scale
    ink = _binarize(gray, px)
    h_raw = _pieces(_line_mask(ink, px, horizontal=True), horizontal=True)
    v_raw = _pieces(_line_mask(ink, px, horizontal=False), horizontal=False)
    h_chains = _chain(h_raw, gap=GAP_PT * px, snap=SNAP_PT * px)
    v_chains = _chain(v_raw, gap=GAP_PT * px, snap=SNAP_PT * px)
    h_keep, v_keep = _keep_rulings(h_chains, v_chains, snap=SNAP_PT * px, long_len=LONG_LEN_PT * px)
    return Segments(tuple(s for c in h_keep for s in c), tuple(s for c in v_keep for s in c))


def _binarize(gray: np.ndarray, px: float) -> np.ndarray:
    block = max(11, int(BLOCK_PT * px) | 1)
    ink = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C,
                                cv2.THRESH_BINARY_INV, block, 12)
    # Solid thick lines are hollowed by a local threshold; plain darkness keeps them whole.
    return ink | np.where(gray < 110, np.uint8(255), np.uint8(0))


def _line_mask(ink: np.ndarray, px: float, *, horizontal: bool) -> np.ndarray:
    close_len = max(2, int(round(CLOSE_PT * px)))
    open_len = max(8, int(round(OPEN_LEN_PT * px)))
    close_k = np.ones((1, close_len) if horizontal else (close_len, 1), np.uint8)
    open_k = np.ones((1, open_len) if horizontal else (open_len, 1), np.uint8)
    mask = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, close_k)
    return cv2.morphologyEx(mask, cv2.MORPH_OPEN, open_k)


def _pieces(mask: np.ndarray, *, horizontal: bool) -> list[Segment]:
    # External contours are several times faster than labelling on a sparse mask.
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    out = []
    for contour in contours:
        x, y, w, h = cv2.boundingRect(contour)
        if horizontal:
            out.append(Segment(y + (h - 1) / 2, float(x), float(x + w - 1), float(h)))
        else:
            out.append(Segment(x + (w - 1) / 2, float(y), float(y + h - 1), float(w)))
    return out


def _chain(pieces: list[Segment], *, gap: float, snap: float) -> list[list[Segment]]:
    """Collinear pieces with small gaps between them, as lists (one list per broken line)."""
    chains: list[list[Segment]] = []
    for seg in sorted(pieces, key=lambda s: (s.start, s.pos)):
        for chain in chains:
            last = chain[-1]
            if abs(last.pos - seg.pos) <= snap and seg.start - max(s.end for s in chain) <= gap:
                chain.append(seg)
                break
        else:
            chains.append([seg])
    return chains


def _keep_rulings(h_chains: list[list[Segment]], v_chains: list[list[Segment]], *, snap: float,
                  long_len: float) -> tuple[list[list[Segment]], list[list[Segment]]]:
    """Chains that are rulings: one unbroken long piece, or both ends on an accepted perpendicular.

    Anchoring only on accepted rulings (grown in two rounds) keeps text strokes out: the
    aligned stroke tops of a title chain into a long broken "line", but they end on other
    strokes, never on a ruling.
    """
    def is_long(chain: list[Segment]) -> bool:
        return max(s.length for s in chain) >= long_len

    h_keep = [c for c in h_chains if is_long(c)]
    v_keep = [c for c in v_chains if is_long(c)]
    for _ in range(2):
        h_keep = [c for c in h_chains if is_long(c) or _both_ends_touch(c, v_keep, snap)]
        v_keep = [c for c in v_chains if is_long(c) or _both_ends_touch(c, h_keep, snap)]
    return h_keep, v_keep


def _both_ends_touch(chain: list[Segment], others: list[list[Segment]], snap: float) -> bool:
    start, end = chain[0].start, max(s.end for s in chain)
    pos = sum(s.pos * s.length for s in chain) / max(1e-6, sum(s.length for s in chain))
    return _touches(start, pos, others, snap) and _touches(end, pos, others, snap)


def _touches(at: float, pos: float, others: list[list[Segment]], snap: float) -> bool:
    """Whether a perpendicular chain passes through the point (along=at, across=pos)."""
    for chain in others:
        for seg in chain:
            if abs(seg.pos - at) <= snap and seg.start - snap <= pos <= seg.end + snap:
                return True
    return False


# ---------------------------------------------------------------- tables

def _group_touching(segments: Segments, snap: float) -> list[tuple[list[Segment], list[Segment]]]:
    """Segments connected through crossings or collinear overlap: one group per table."""
    hs, vs = list(segments.horizontal), list(segments.vertical)
    if not hs or not vs:
        return []
    parent = list(range(len(hs) + len(vs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(a: int, b: int) -> None:
        parent[find(a)] = find(b)

    h = np.array([(s.pos, s.start, s.end) for s in hs])
    v = np.array([(s.pos, s.start, s.end) for s in vs])
    cross = ((v[None, :, 0] >= h[:, None, 1] - snap) & (v[None, :, 0] <= h[:, None, 2] + snap)
             & (h[:, None, 0] >= v[None, :, 1] - snap) & (h[:, None, 0] <= v[None, :, 2] + snap))
    for i, j in zip(*np.nonzero(cross)):
        union(int(i), len(hs) + int(j))
    groups: dict[int, tuple[list[Segment], list[Segment]]] = {}
    for i, seg in enumerate(hs):
        groups.setdefault(find(i), ([], []))[0].append(seg)
    for j, seg in enumerate(vs):
        groups.setdefault(find(len(hs) + j), ([], []))[1].append(seg)
    return [g for g in groups.values() if g[0] and g[1]]


def _cluster_lines(segs: list[Segment], snap: float) -> list[list[Segment]]:
    """Segments whose positions chain within ``snap`` form one grid line."""
    lines: list[list[Segment]] = []
    for seg in sorted(segs, key=lambda s: s.pos):
        if lines and seg.pos - lines[-1][-1].pos <= snap:
            lines[-1].append(seg)
        else:
            lines.append([seg])
    return lines


def _line_position(line: list[Segment]) -> float:
    return sum(s.pos * s.length for s in line) / max(1e-6, sum(s.length for s in line))


def _coverage_table(lines: list[list[Segment]], cuts: list[float], margin: float) -> np.ndarray:
    """cover[i, k]: ruled share of grid line i between cuts[k] and cuts[k+1]."""
    cover = np.zeros((len(lines), len(cuts) - 1))
    for i, line in enumerate(lines):
        spans = [(s.start, s.end) for s in line]
        for k in range(len(cuts) - 1):
            a, b = cuts[k] + margin, cuts[k + 1] - margin
            if b <= a:
                a, b = cuts[k], cuts[k + 1]
            cover[i, k] = _covered_length(spans, a, b) / (b - a)
    return cover


def _covered_length(spans: list[tuple[float, float]], a: float, b: float) -> float:
    clipped = sorted((max(a, s), min(b, e)) for s, e in spans if e > a and s < b)
    total, reach = 0.0, a
    for s, e in clipped:
        if e > reach:
            total += e - max(s, reach)
            reach = e
    return total


def _build_table(hs: list[Segment], vs: list[Segment], *, page: int, scale: float) -> Table | None:
    px = 1.0 / scale
    snap = SNAP_PT * px
    h_lines, v_lines = _cluster_lines(hs, snap), _cluster_lines(vs, snap)
    ys = [_line_position(line) for line in h_lines]
    xs = [_line_position(line) for line in v_lines]
    if not _is_table_shape(len(ys) - 1, len(xs) - 1):
        return None
    if (xs[-1] - xs[0]) * scale < MIN_TABLE_W_PT or (ys[-1] - ys[0]) * scale < MIN_TABLE_H_PT:
        return None
    h_cover = _coverage_table(h_lines, xs, margin=snap)   # [row line, col]
    v_cover = _coverage_table(v_lines, ys, margin=snap)   # [col line, row]
    rects = _merge_cells(h_cover >= EDGE_COVER, v_cover >= EDGE_COVER, len(ys) - 1, len(xs) - 1)
    cells = [Cell(r0, c0, r1 - r0, c1 - c0,
                  BBox(xs[c0] * scale, ys[r0] * scale, xs[c1] * scale, ys[r1] * scale))
             for r0, c0, r1, c1 in rects]
    cells.sort(key=lambda c: (c.row, c.col))
    return Table(page=page, bbox=BBox(xs[0] * scale, ys[0] * scale, xs[-1] * scale, ys[-1] * scale),
                 n_rows=len(ys) - 1, n_cols=len(xs) - 1, cells=cells,
                 col_edges=tuple(x * scale for x in xs), row_edges=tuple(y * scale for y in ys))


def _is_table_shape(n_rows: int, n_cols: int) -> bool:
    # A lone ruled row of several columns is kept: it is how a form's last row
    # (总分) looks when it spills onto the next page.
    return (n_rows >= 2 and n_cols >= 2) or (n_rows == 1 and n_cols >= 3)


def _merge_cells(h_ruled: np.ndarray, v_ruled: np.ndarray, n_rows: int, n_cols: int
                 ) -> list[tuple[int, int, int, int]]:
    """Rectangles (r0, c0, r1, c1), end exclusive, that partition the grid.

    Elementary cells are joined across every unruled edge; a joined group that is
    not a rectangle (a ruling that stops mid-cell) grows to its bounding box,
    absorbing whatever it overlaps, so every grid position ends in exactly one cell.
    """
    label = np.arange(n_rows * n_cols).reshape(n_rows, n_cols)
    parent = list(range(n_rows * n_cols))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(a: int, b: int) -> None:
        parent[find(a)] = find(b)

    for r in range(n_rows):
        for c in range(n_cols):
            if c + 1 < n_cols and not v_ruled[c + 1, r]:
                union(label[r, c], label[r, c + 1])
            if r + 1 < n_rows and not h_ruled[r + 1, c]:
                union(label[r, c], label[r + 1, c])
    while True:
        roots = np.vectorize(find)(label)
        changed = False
        for root in np.unique(roots):
            rr, cc = np.nonzero(roots == root)
            r0, r1, c0, c1 = rr.min(), rr.max() + 1, cc.min(), cc.max() + 1
            box = roots[r0:r1, c0:c1]
            if (box != root).any():
                for other in np.unique(box):
                    union(int(other), int(root))
                changed = True
        if not changed:
            break
    rects = []
    for root in np.unique(roots):
        rr, cc = np.nonzero(roots == root)
        rects.append((int(rr.min()), int(cc.min()), int(rr.max()) + 1, int(cc.max()) + 1))
    return rects
