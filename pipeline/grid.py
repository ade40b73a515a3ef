"""Ruled tables from a page image: ruling segments → grid lines → (merged) cells.

Works on a gray page image (dark ink on white) in pixels; every length threshold
is given in PDF points and converted with ``scale`` (points per pixel), so the
same settings hold for a 144-dpi render and a 300-dpi scan.

Method: adaptive threshold → opening with long horizontal / vertical kernels →
contours as segments (digit baselines fused by blur dropped) → collinear pieces
chained; a chain is a ruling when it holds one long unbroken piece, when it joins
accepted perpendicular rulings at both ends, or when it lies on the line of a long
ruling (this drops "——" dashes and text strokes, keeps faint broken rulings) →
segments that cross grouped into tables → positions clustered into grid lines →
for every elementary cell edge, the share covered by ruling decides whether the two
neighbouring cells are merged; a merged group that is not a rectangle is cut again
along its best-inked grid line.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from pipeline.objects import BBox, Cell, Table

# All lengths in PDF points.
OPEN_LEN_PT = 11.0          # shortest ruling piece kept by the opening (longer than a text stroke)
STUB_LEN_PT = 5.0           # shortest broken ruling's stub kept where it leaves a junction on a ruling's line
LONG_LEN_PT = 60.0          # an unbroken piece this long is a ruling even when it touches nothing
COLLINEAR_SHARE = 0.4       # a piece this share of LONG_LEN_PT on a long ruling's line is part of it
GAP_PT = 5.0                # collinear pieces closer than this are one broken line
BRIDGE_PT = 12.0            # ...and closer than this may still join up to reach the rulings at both ends
SNAP_PT = 2.5               # positions closer than this are the same grid line / touch
CLOSE_PT = 1.5              # small gaps closed along the line direction before the opening
BLOCK_PT = 9.0              # adaptive threshold neighbourhood
INK_CONTRAST = 12           # adaptive threshold offset: low enough for faint rulings on scans
EDGE_COVER = 0.3            # ruled share of an elementary edge that makes it a cell border
THICK_PT = 3.0              # a piece thicker than this caught something besides its ruling
SIDE_BAND_PT = 2.0          # band beside a ruling that must be mostly paper...
SIDE_INK_MAX = 0.3          # ...at most this share of ink
SPLIT_GAP_PT = 60.0         # side-by-side pieces of one table with the same row lines lie closer than this
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
    groups = _group_touching(segments, SNAP_PT * px_per_pt)
    for h_group, v_group in _join_split_groups(groups, SNAP_PT * px_per_pt, SPLIT_GAP_PT * px_per_pt):
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
    thick = THICK_PT * px
    h_raw = _pieces(_line_mask(ink, px, horizontal=True), horizontal=True, thick=thick)
    v_raw = _pieces(_line_mask(ink, px, horizontal=False), horizontal=False, thick=thick)
    h_raw = _drop_text_baselines(ink, h_raw, px)
    snap = SNAP_PT * px
    h_chains = _chain(h_raw, gap=GAP_PT * px, snap=snap)
    v_chains = _chain(v_raw, gap=GAP_PT * px, snap=snap)
    h_bridged = _chain(h_raw, gap=BRIDGE_PT * px, snap=snap)
    v_bridged = _chain(v_raw, gap=BRIDGE_PT * px, snap=snap)
    h_keep, v_keep = _keep_rulings(h_chains, h_bridged, v_chains, v_bridged, snap=snap,
                                   long_len=LONG_LEN_PT * px, bridge=BRIDGE_PT * px, thick=thick)
    h_stubs = _junction_stubs(ink, px, h_keep, v_keep, horizontal=True)
    v_stubs = _junction_stubs(ink, px, v_keep, h_keep, horizontal=False)
    return Segments(tuple(s for c in h_keep for s in c) + h_stubs,
                    tuple(s for c in v_keep for s in c) + v_stubs)


def ruling_masks(gray: np.ndarray, *, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Horizontal and vertical ruling candidates (uint8 masks) before any text filtering."""
    px = 1.0 / scale
    ink = _binarize(gray, px)
    return _line_mask(ink, px, horizontal=True), _line_mask(ink, px, horizontal=False)


def _drop_text_baselines(ink: np.ndarray, hs: list[Segment], px: float) -> list[Segment]:
    """Drop horizontal pieces with dense ink right above or below them along their whole length.

    Blurred scans fuse the baseline of a run of digits into a long straight "line"; a
    ruling has paper on both sides (cell text keeps a margin from it). Seal rings only
    cross a ruling here and there, so they do not fill its side bands.
    """
    integral = cv2.integral((ink > 0).astype(np.uint8))
    depth = max(2, int(round(SIDE_BAND_PT * px)))
    h, w = ink.shape

    def density(x0: int, y0: int, x1: int, y1: int) -> float:
        x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
        if x1 <= x0 or y1 <= y0:
            return 0.0
        total = integral[y1, x1] - integral[y0, x1] - integral[y1, x0] + integral[y0, x0]
        return total / ((x1 - x0) * (y1 - y0))

    def isolated(seg: Segment) -> bool:
        top = int(round(seg.pos - (seg.thickness - 1) / 2))
        bottom = top + int(seg.thickness)
        a, b = int(seg.start), int(seg.end) + 1
        above = density(a, top - 1 - depth, b, top - 1)
        below = density(a, bottom + 1, b, bottom + 1 + depth)
        return max(above, below) < SIDE_INK_MAX

    return [s for s in hs if isolated(s)]


def _binarize(gray: np.ndarray, px: float) -> np.ndarray:
    block = max(11, int(BLOCK_PT * px) | 1)
    ink = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C,
                                cv2.THRESH_BINARY_INV, block, INK_CONTRAST)
    # Solid thick lines are hollowed by a local threshold; plain darkness keeps them whole.
    return ink | np.where(gray < 110, np.uint8(255), np.uint8(0))


def _junction_stubs(ink: np.ndarray, px: float, kept: list[list[Segment]], across: list[list[Segment]], *,
                    horizontal: bool) -> tuple[Segment, ...]:
    """Pieces too short for the opening that finish a broken ruling at a junction.

    A ruling broken twice within one cell edge leaves a stub shorter than a text
    stroke; lost, the edge reads as unruled and two cells fuse. Such a stub lies on
    the line of a long ruling, faces a kept piece of that line across a gap no
    wider than a bridge, and meets a perpendicular ruling at its far end. A text
    stroke, even one standing on a ruling right on a column's line (a tightly
    filled cell's last line), has no kept piece of that line facing it.
    """
    snap, bridge, thick = SNAP_PT * px, BRIDGE_PT * px, THICK_PT * px
    lines = [_line_position(c) for c in kept if _pixel_extent(c) >= LONG_LEN_PT * px]
    if not lines:
        return ()
    mask = _line_mask(ink, px, horizontal=horizontal, open_pt=STUB_LEN_PT)
    pieces = _pieces(mask & _bands(mask.shape, lines, snap / 2 + thick, horizontal=horizontal),
                     horizontal=horizontal, thick=thick)
    return tuple(p for p in pieces
                 if p.length < OPEN_LEN_PT * px and p.thickness <= thick
                 and min(abs(p.pos - pos) for pos in lines) <= snap / 2
                 and _finishes_a_broken_ruling(p, kept, across, snap, bridge))


def _bands(shape: tuple[int, ...], positions: list[float], half: float, *, horizontal: bool) -> np.ndarray:
    """255 within ``half`` of each position (rows for horizontal lines, columns for vertical ones)."""
    size = shape[0] if horizontal else shape[1]
    inside = np.zeros(size, np.uint8)
    for pos in positions:
        inside[max(0, int(pos - half)):min(size, int(pos + half) + 1)] = 255
    return inside[:, None] if horizontal else inside[None, :]


def _finishes_a_broken_ruling(stub: Segment, kept: list[list[Segment]], across: list[list[Segment]],
                              snap: float, bridge: float) -> bool:
    for seg in (s for chain in kept for s in chain if abs(s.pos - stub.pos) <= snap / 2):
        if 0 <= stub.start - seg.end <= bridge and _touches(stub.end, stub.pos, across, snap):
            return True
        if 0 <= seg.start - stub.end <= bridge and _touches(stub.start, stub.pos, across, snap):
            return True
    return False


def _line_mask(ink: np.ndarray, px: float, *, horizontal: bool, open_pt: float = OPEN_LEN_PT) -> np.ndarray:
    close_len = max(2, int(round(CLOSE_PT * px)))
    open_len = max(4, int(round(open_pt * px)))
    close_k = np.ones((1, close_len) if horizontal else (close_len, 1), np.uint8)
    open_k = np.ones((1, open_len) if horizontal else (open_len, 1), np.uint8)
    mask = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, close_k)
    return cv2.morphologyEx(mask, cv2.MORPH_OPEN, open_k)


def _pieces(mask: np.ndarray, *, horizontal: bool, thick: float) -> list[Segment]:
    # External contours are several times faster than labelling on a sparse mask.
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    out = []
    for contour in contours:
        x, y, w, h = cv2.boundingRect(contour)
        if horizontal:
            pos = y + (h - 1) / 2 if h <= thick else y + _densest(mask[y:y + h, x:x + w], axis=1)
            out.append(Segment(pos, float(x), float(x + w - 1), float(h)))
        else:
            pos = x + (w - 1) / 2 if w <= thick else x + _densest(mask[y:y + h, x:x + w], axis=0)
            out.append(Segment(pos, float(y), float(y + h - 1), float(w)))
    return out


def _densest(box: np.ndarray, axis: int) -> float:
    """Row (axis=1) or column (axis=0) holding most ink: where a ruling runs in a piece that
    also caught a seal's ring or a signature stroke."""
    return float(np.argmax((box > 0).sum(axis=axis)))


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


def _keep_rulings(h_chains: list[list[Segment]], h_bridged: list[list[Segment]],
                  v_chains: list[list[Segment]], v_bridged: list[list[Segment]], *, snap: float,
                  long_len: float, bridge: float, thick: float) -> tuple[list[list[Segment]], list[list[Segment]]]:
    """Chains that are rulings: one unbroken long piece, or both ends on an accepted perpendicular.

    A short chain may reach the perpendiculars through wider gaps (its bridged chain): a
    faint ruling falls apart into pieces further apart than a text stroke ever sits from a
    ruling's end. Anchoring only on accepted rulings (grown in two rounds) keeps text out:
    the aligned stroke tops of a title end on other strokes, never on a ruling.
    """
    h_reach = _bridged_of(h_chains, h_bridged)
    v_reach = _bridged_of(v_chains, v_bridged)

    def is_long(chain: list[Segment]) -> bool:
        # One unbroken long piece: no run of text strokes is that long.
        return max(s.length for s in chain) >= long_len

    def is_thin_long(chain: list[Segment]) -> bool:
        # An unbroken long piece of a ruling's width (a scanner border or a band of dirt is thicker).
        return any(s.length >= long_len and s.thickness <= thick for s in chain)

    fair = long_len * COLLINEAR_SHARE     # no text stroke is this long either
    h_keep = [c for c in h_chains if is_long(c)]
    v_keep = [c for c in v_chains if is_long(c)]
    for _ in range(2):
        v_extent = _extents(v_keep, v_reach)
        v_long = [c for c in v_extent if is_thin_long(c)]
        h_keep = [c for i, c in enumerate(h_chains)
                  if is_long(c) or _both_ends_touch(h_reach[i], v_extent, snap, fair=fair, bridge=bridge)
                  or _runs_on_past_a_crossing(h_reach[i], v_long, snap, fair=fair)]
        h_extent = _extents(h_keep, h_reach)
        h_long = [c for c in h_extent if is_thin_long(c)]
        v_keep = [c for i, c in enumerate(v_chains)
                  if is_long(c) or _both_ends_touch(v_reach[i], h_extent, snap, fair=fair, bridge=bridge)
                  or _runs_on_past_a_crossing(v_reach[i], h_long, snap, fair=fair)]
    return (_add_collinear(h_chains, h_keep, is_long, snap, fair),
            _add_collinear(v_chains, v_keep, is_long, snap, fair))


def _add_collinear(chains, kept, is_long, snap: float, min_len: float) -> list[list[Segment]]:
    """Also keep fair-sized pieces lying on the line of a long ruling, however far away.

    A faint ruling can be lost over a whole cell edge and more; what survives of it
    still sits exactly on the line that its unbroken stretches draw elsewhere.
    """
    kept_ids = {id(c) for c in kept}
    lines = [c[0].pos for c in kept if is_long(c)]
    extra = [c for c in chains if id(c) not in kept_ids
             and _pixel_extent(c) >= min_len
             and any(abs(c[0].pos - pos) <= snap / 2 for pos in lines)]
    return kept + extra


def _pixel_extent(chain: list[Segment]) -> float:
    """Pixels a chain spans, both end pixels counted."""
    return max(s.end for s in chain) - chain[0].start + 1


def _bridged_of(chains: list[list[Segment]], bridged: list[list[Segment]]) -> list[list[Segment]]:
    owner = {id(seg): chain for chain in bridged for seg in chain}
    return [owner[id(chain[0])] for chain in chains]


def _extents(kept: list[list[Segment]], reach: list[list[Segment]]) -> list[list[Segment]]:
    """The bridged chains of the kept ones (deduplicated): a junction may sit in a gap."""
    seen, out = set(), []
    for chain in kept:
        for seg in chain:
            seen.add(id(seg))
    for chain in reach:
        if id(chain) not in seen and any(id(seg) in seen for seg in chain):
            seen.add(id(chain))
            out.append(chain)
    return out


def _both_ends_touch(chain: list[Segment], others: list[list[Segment]], snap: float, *,
                     fair: float = math.inf, bridge: float = 0.0) -> bool:
    """Both ends on a perpendicular; a chain may stop short of one of them (its stretch there
    too faint to survive as a piece) by up to ``bridge`` if at least ``fair`` long, and by up
    to a quarter of its length if shorter: a ruling broken across a one-row table (a form's
    last row alone on a page) is shorter than ``fair`` however little of it is lost, while a
    seal ring's remnant in a cell stops further short."""
    start, end = chain[0].start, max(s.end for s in chain)
    pos = _line_position(chain)
    at_start, at_end = _touches(start, pos, others, snap), _touches(end, pos, others, snap)
    if at_start and at_end:
        return True
    short = bridge if end - start >= fair else min(bridge, max(0.0, (end - start) / 4 - snap))
    return ((at_start and _touches(end, pos, others, snap, beyond=short))
            or (at_end and _touches(start, pos, others, snap, beyond=-short)))


def _runs_on_past_a_crossing(chain: list[Segment], others: list[list[Segment]], snap: float, *,
                             fair: float) -> bool:
    """One end on a long ruling, and a second long ruling crossed on the way: a ruling that runs
    on past its last crossing into a seal's stroke (its far end then touches nothing).

    Only unbroken long rulings of a ruling's width count: a seal ring's side crossing a table's
    bottom ruling down to a thick dark band below the table grew the table a row, and the
    keystone fit on it warped the page (typical 001_01 p8).
    """
    start, end = chain[0].start, max(s.end for s in chain)
    if end - start < fair:
        return False
    pos = _line_position(chain)
    if not (_touches(start, pos, others, snap) or _touches(end, pos, others, snap)):
        return False
    crossed = sorted({round(s.pos) for c in others if c[0].start - snap <= pos <= max(x.end for x in c) + snap
                      for s in c if start - snap <= s.pos <= end + snap})
    return len(crossed) >= 2 and crossed[-1] - crossed[0] > snap


def _touches(at: float, pos: float, others: list[list[Segment]], snap: float, beyond: float = 0.0) -> bool:
    """Whether a perpendicular chain passes through the point (along=at, across=pos), or, with
    ``beyond``, through the stretch from it that far on along the line (negative: backwards).

    A chain counts over its whole extent, gaps included: a ruling broken right at the
    junction still holds the line that ends on it.
    """
    lo, hi = (at - snap, at + snap + beyond) if beyond >= 0 else (at - snap + beyond, at + snap)
    for chain in others:
        if chain[0].start - snap <= pos <= max(s.end for s in chain) + snap and any(
                lo <= s.pos <= hi for s in chain):
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
    tables = _nested_joined([g for g in groups.values() if g[0] and g[1]], snap)
    # A piece of a broken ruling may cross nothing; it belongs to the table around it.
    boxes = [_group_box(g) for g in tables]
    for g in groups.values():
        if g[0] and g[1]:
            continue
        for seg in g[0]:
            _adopt(seg, seg.start, seg.end, seg.pos, tables, boxes, 0, snap)
        for seg in g[1]:
            _adopt(seg, seg.pos, seg.pos, (seg.start + seg.end) / 2, tables, boxes, 1, snap)
    return tables


def _nested_joined(tables, snap: float):
    """Groups lying inside another group's box joined to it: tables do not nest, so a stub of a
    broken ruling crossing only a stub of another is part of the table around it (typical 003_14
    p2, where such a pair came out as a table of its own and two cells of a row fused)."""
    boxed = sorted(((_group_box(g), g) for g in tables), key=lambda bg: -_area(bg[0]))
    kept: list = []
    for box, group in boxed:
        host = next((k for k_box, k in kept if _inside(box, k_box, snap)), None)
        if host is None:
            kept.append((box, group))
        else:
            host[0].extend(group[0])
            host[1].extend(group[1])
    return [group for _, group in kept]


def _area(box: tuple[float, float, float, float]) -> float:
    return (box[2] - box[0]) * (box[3] - box[1])


def _inside(inner, outer, snap: float) -> bool:
    return (inner[0] >= outer[0] - snap and inner[1] >= outer[1] - snap
            and inner[2] <= outer[2] + snap and inner[3] <= outer[3] + snap)


def _join_split_groups(groups, snap: float, max_gap: float):
    """Join side-by-side groups ruled by the same row lines: one table whose rulings broke apart.

    On a badly scanned single-row table (a form's 总分 row alone on a page) every
    horizontal ruling can break between the same columns, or at places whose pieces
    overlap, and the table falls into pieces that touch nothing of each other. Under a
    seal a piece can lose a row line the others keep: its lines need only be theirs.
    """
    groups = [(list(hs), list(vs)) for hs, vs in groups]
    joined = True
    while joined:
        joined = False
        for a, b in ((a, b) for a in range(len(groups)) for b in range(len(groups)) if a != b):
            if _rows_within(groups[b], groups[a], snap) and _x_gap(groups[a], groups[b]) <= max_gap:
                groups[a][0].extend(groups[b][0])
                groups[a][1].extend(groups[b][1])
                del groups[b]
                joined = True
                break
    return groups


def _row_lines(group, snap: float) -> list[float]:
    return [_line_position(line) for line in _cluster_lines(group[0], snap)]


def _rows_within(inner, outer, snap: float) -> bool:
    """At least two row lines, every one of ``inner``'s on a row line of ``outer``."""
    lines, of_outer = _row_lines(inner, snap), _row_lines(outer, snap)
    return len(lines) >= 2 and all(any(abs(p - q) <= snap for q in of_outer) for p in lines)


def _x_gap(a, b) -> float:
    """Gap between the spans of two groups' rulings, either side (negative: they overlap, a broken
    ruling's pieces reaching past each other)."""
    a0, a1 = min(s.start for s in a[0]), max(s.end for s in a[0])
    b0, b1 = min(s.start for s in b[0]), max(s.end for s in b[0])
    return max(b0 - a1, a0 - b1)


def _group_box(group: tuple[list[Segment], list[Segment]]) -> tuple[float, float, float, float]:
    hs, vs = group
    return (min(s.pos for s in vs), min(s.pos for s in hs), max(s.pos for s in vs), max(s.pos for s in hs))


def _adopt(seg: Segment, x0: float, x1: float, y: float, tables, boxes, which: int, snap: float) -> None:
    for table, (bx0, by0, bx1, by1) in zip(tables, boxes):
        if bx0 - snap <= x0 and x1 <= bx1 + snap and by0 - snap <= y <= by1 + snap:
            table[which].append(seg)
            return


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
    rects = _merge_cells(h_cover, v_cover, len(ys) - 1, len(xs) - 1)
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


def _merge_cells(h_cover: np.ndarray, v_cover: np.ndarray, n_rows: int, n_cols: int
                 ) -> list[tuple[int, int, int, int]]:
    """Rectangles (r0, c0, r1, c1), end exclusive, that partition the grid.

    ``h_cover[i, c]``: ruled share of row line i over column c; ``v_cover[j, r]``: of column
    line j over row r. Elementary cells are joined across every unruled edge. A joined group
    that is not a rectangle means a ruling was missed (faint, broken, under a seal): the
    group is cut along the grid line whose joined edges carry the most ink, and the pieces
    are treated the same way until every one is a rectangle.
    """
    h_ruled = h_cover >= EDGE_COVER
    v_ruled = v_cover >= EDGE_COVER
    everything = {(r, c) for r in range(n_rows) for c in range(n_cols)}
    stack = _joined_groups(everything, h_ruled, v_ruled)
    rects = []
    while stack:
        group = stack.pop()
        r0, c0, r1, c1 = _bounds(group)
        if len(group) == (r1 - r0) * (c1 - c0):
            rects.append((r0, c0, r1, c1))
            continue
        _rule_strongest_line(group, (r0, c0, r1, c1), h_cover, v_cover, h_ruled, v_ruled)
        stack.extend(_joined_groups(group, h_ruled, v_ruled))
    return rects


def _bounds(group: set[tuple[int, int]]) -> tuple[int, int, int, int]:
    rows = [r for r, _ in group]
    cols = [c for _, c in group]
    return min(rows), min(cols), max(rows) + 1, max(cols) + 1


def _joined_groups(cells: set[tuple[int, int]], h_ruled: np.ndarray, v_ruled: np.ndarray
                   ) -> list[set[tuple[int, int]]]:
    """Connected parts of ``cells`` where neighbours are joined across unruled edges."""
    left = set(cells)
    groups = []
    while left:
        seed = left.pop()
        group, todo = {seed}, [seed]
        while todo:
            r, c = todo.pop()
            for nr, nc, open_edge in ((r, c + 1, lambda: not v_ruled[c + 1, r]),
                                      (r, c - 1, lambda: not v_ruled[c, r]),
                                      (r + 1, c, lambda: not h_ruled[r + 1, c]),
                                      (r - 1, c, lambda: not h_ruled[r, c])):
                if (nr, nc) in left and open_edge():
                    left.discard((nr, nc))
                    group.add((nr, nc))
                    todo.append((nr, nc))
        groups.append(group)
    return groups


def _rule_strongest_line(group, bounds, h_cover, v_cover, h_ruled, v_ruled) -> None:
    """Mark as ruled the joined edges of ``group`` along its inner grid line with most ink."""
    r0, c0, r1, c1 = bounds
    best: tuple[float, list] | None = None
    for r in range(r0 + 1, r1):
        edges = [(r, c) for c in range(c0, c1) if (r - 1, c) in group and (r, c) in group]
        if edges:
            score = float(np.mean([h_cover[e] for e in edges]))
            if best is None or score > best[0]:
                best = (score, [(h_ruled, e) for e in edges])
    for c in range(c0 + 1, c1):
        edges = [(c, r) for r in range(r0, r1) if (r, c - 1) in group and (r, c) in group]
        if edges:
            score = float(np.mean([v_cover[e] for e in edges]))
            if best is None or score > best[0]:
                best = (score, [(v_ruled, e) for e in edges])
    for ruled, edge in best[1]:
        ruled[edge] = True
