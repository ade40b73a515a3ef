"""Geometry and table dataclasses shared by every stage.

Coordinates are PDF points with a top-left origin unless a name says ``px``
(pixels of a rendered or scanned page image, also top-left).
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class BBox:
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    def contains_point(self, x: float, y: float) -> bool:
        return self.x0 <= x <= self.x1 and self.y0 <= y <= self.y1

    def scaled(self, factor: float) -> "BBox":
        return BBox(self.x0 * factor, self.y0 * factor, self.x1 * factor, self.y1 * factor)

    def union(self, other: "BBox") -> "BBox":
        return BBox(min(self.x0, other.x0), min(self.y0, other.y0),
                    max(self.x1, other.x1), max(self.y1, other.y1))

    def as_list(self, ndigits: int = 2) -> list[float]:
        return [round(v, ndigits) for v in (self.x0, self.y0, self.x1, self.y1)]


@dataclass(frozen=True)
class Glyph:
    """One character of a text layer (or of an OCR line split into characters)."""
    text: str
    bbox: BBox


@dataclass(frozen=True)
class TextLine:
    """Text recognised or read inside one cell, with the recogniser's confidence."""
    text: str
    bbox: BBox
    confidence: float = 1.0


@dataclass
class Cell:
    """A (possibly merged) cell of a ruled table, with explicit spans as in docling."""
    row: int
    col: int
    row_span: int
    col_span: int
    bbox: BBox
    text: str = ""
    confidence: float = 1.0
    unreadable: bool = False

    @property
    def end_row(self) -> int:
        return self.row + self.row_span

    @property
    def end_col(self) -> int:
        return self.col + self.col_span


@dataclass
class Table:
    """One ruled table found on one page."""
    page: int                       # 1-based page number
    bbox: BBox
    n_rows: int
    n_cols: int
    cells: list[Cell] = field(default_factory=list)
    col_edges: tuple[float, ...] = ()   # x of the vertical rulings, points
    row_edges: tuple[float, ...] = ()   # y of the horizontal rulings, points

    def rows(self) -> list[list[Cell]]:
        """Cells grouped by the row they start in, each row sorted by column."""
        grouped: list[list[Cell]] = [[] for _ in range(self.n_rows)]
        for cell in self.cells:
            grouped[cell.row].append(cell)
        return [sorted(r, key=lambda c: c.col) for r in grouped]

    def cell_at(self, row: int, col: int) -> Cell | None:
        for cell in self.cells:
            if cell.row <= row < cell.end_row and cell.col <= col < cell.end_col:
                return cell
        return None


@dataclass
class PageLayout:
    """What the structure stages know about one page: its tables and loose text lines."""
    page: int
    width: float
    height: float
    tables: list[Table] = field(default_factory=list)
    free_text: list[TextLine] = field(default_factory=list)
    source: str = "text_layer"      # or "ocr"
    note: str | None = None          # why the page holds no form, when it does not
