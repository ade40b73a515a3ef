"""Born-digital text: put text-layer characters into grid cells by their centres.

Whole words or lines are never assigned by overlap (peers glue a right-aligned
number to the neighbouring cell that way); each character goes to the cell
that contains its centre.
"""
from __future__ import annotations

from bisect import bisect_right

from pipeline.objects import Cell, Glyph, Table, TextLine
from pipeline.text import normalize_text


def fill_cells(tables: list[Table], glyphs: list[Glyph]) -> list[Glyph]:
    """Set every cell's text from the glyphs inside it; return the glyphs outside all tables."""
    buckets: dict[int, list[Glyph]] = {}
    locators = [CellLocator(table) for table in tables]
    loose: list[Glyph] = []
    for glyph in glyphs:
        cell = _locate(locators, glyph.bbox.cx, glyph.bbox.cy)
        if cell is None:
            loose.append(glyph)
        else:
            buckets.setdefault(id(cell), []).append(glyph)
    for table in tables:
        for cell in table.cells:
            cell.text = normalize_text(join_lines(group_lines(buckets.get(id(cell), [])))) or ""
            cell.confidence = 1.0
    return loose


class CellLocator:
    """Finds the cell under a point in O(log n) from the table's ruling positions."""

    def __init__(self, table: Table):
        self.table = table
        self.owner: dict[tuple[int, int], Cell] = {}
        for cell in table.cells:
            for row in range(cell.row, cell.end_row):
                for col in range(cell.col, cell.end_col):
                    self.owner[(row, col)] = cell

    def at(self, x: float, y: float) -> Cell | None:
        if not self.table.bbox.contains_point(x, y):
            return None
        row = bisect_right(self.table.row_edges, y) - 1
        col = bisect_right(self.table.col_edges, x) - 1
        return self.owner.get((row, col))


def _locate(locators: list[CellLocator], x: float, y: float) -> Cell | None:
    for locator in locators:
        cell = locator.at(x, y)
        if cell is not None:
            return cell
    return None


def group_lines(glyphs: list[Glyph]) -> list[list[Glyph]]:
    """Cluster glyphs into text lines by vertical centre, each line sorted left to right."""
    lines: list[list[Glyph]] = []
    for glyph in sorted(glyphs, key=lambda g: (g.bbox.cy, g.bbox.x0)):
        if lines and _same_line(lines[-1], glyph):
            lines[-1].append(glyph)
        else:
            lines.append([glyph])
    return [sorted(line, key=lambda g: g.bbox.x0) for line in lines]


def _same_line(line: list[Glyph], glyph: Glyph) -> bool:
    top = min(g.bbox.y0 for g in line)
    bottom = max(g.bbox.y1 for g in line)
    height = max(bottom - top, glyph.bbox.height, 1.0)
    centre = (top + bottom) / 2
    return abs(glyph.bbox.cy - centre) < 0.5 * height


def line_text(line: list[Glyph]) -> str:
    """Characters of one line, with a space where an ASCII word gap was printed."""
    out = ""
    for prev, glyph in zip([None] + line[:-1], line):
        if prev is not None and glyph.bbox.x0 - prev.bbox.x1 > 0.3 * max(glyph.bbox.height, 1.0):
            out += " "
        out += glyph.text
    return out


def join_lines(lines: list[list[Glyph]]) -> str:
    """Wrapped lines joined without a separator: a line break inside a cell is not a space."""
    return "".join(line_text(line) for line in lines)


def loose_lines(glyphs: list[Glyph]) -> list[TextLine]:
    """Text outside the tables (titles, 附件1, notes), one TextLine per printed line."""
    out = []
    for line in group_lines(glyphs):
        bbox = line[0].bbox
        for glyph in line[1:]:
            bbox = bbox.union(glyph.bbox)
        text = normalize_text(line_text(line))
        if text:
            out.append(TextLine(text=text, bbox=bbox, confidence=1.0))
    return out

