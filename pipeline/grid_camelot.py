"""Grid backend on Camelot's lattice parser (born-digital pages only).

Camelot finds the ruling and the cell edges; the cells are rebuilt here as
merged rectangles with spans (Camelot itself copies text into spanned cells
instead) and filled by ``textlayer.fill_cells`` like the OpenCV backend, so
the two backends differ only in where the grid comes from.  Kept as a
measured alternative: see ``selfeval bench --grid camelot``.
"""
from __future__ import annotations

import logging
from pathlib import Path

from pipeline.objects import BBox, Cell, Table

log = logging.getLogger("selfeval.grid_camelot")


def detect_tables_camelot(pdf_path: Path, page_no: int, page_height: float) -> list[Table]:
    import camelot

    found = camelot.read_pdf(str(pdf_path), pages=str(page_no), flavor="lattice", suppress_stdout=True)
    tables = [_to_table(t, page_no, page_height) for t in found]
    return sorted(tables, key=lambda t: t.bbox.y0)


def _to_table(found, page_no: int, page_height: float) -> Table:
    grid = found.cells
    n_rows, n_cols = len(grid), len(grid[0])
    col_edges = tuple([grid[0][c].x1 for c in range(n_cols)] + [grid[0][-1].x2])
    row_edges = tuple([page_height - grid[r][0].y2 for r in range(n_rows)] + [page_height - grid[-1][0].y1])
    parent = {(r, c): (r, c) for r in range(n_rows) for c in range(n_cols)}

    def root(key):
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for r in range(n_rows):
        for c in range(n_cols):
            if c + 1 < n_cols and not grid[r][c].right:
                parent[root((r, c + 1))] = root((r, c))
            if r + 1 < n_rows and not grid[r][c].bottom:
                parent[root((r + 1, c))] = root((r, c))
    groups: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for key in parent:
        groups.setdefault(root(key), []).append(key)
    cells = []
    for members in groups.values():
        r0, r1 = min(m[0] for m in members), max(m[0] for m in members) + 1
        c0, c1 = min(m[1] for m in members), max(m[1] for m in members) + 1
        bbox = BBox(col_edges[c0], row_edges[r0], col_edges[c1], row_edges[r1])
        cells.append(Cell(r0, c0, r1 - r0, c1 - c0, bbox))
    cells.sort(key=lambda cell: (cell.row, cell.col))
    bbox = BBox(col_edges[0], row_edges[0], col_edges[-1], row_edges[-1])
    return Table(page=page_no, bbox=bbox, n_rows=n_rows, n_cols=n_cols, cells=cells,
                 col_edges=col_edges, row_edges=row_edges)
