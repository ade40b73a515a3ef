"""Split the pages of a PDF into forms and stitch forms that run over pages.

Every table becomes a sequence of rows (``FormRow``); a row lists the cells
that cover it, merged cells included, with x positions relative to the
table's width so that a continuation table on the next page (or a scan with
another offset) lines up with the header it continues.  A row holding a
``项目名称`` label (or another label of a form's first row) starts a new form; rows before the first form and pages that
contribute no rows are non-form pages (cover sheets, narrative reports, blank
backs).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.objects import Cell, PageLayout, Table, TextLine
from pipeline.text import label_key, starts_with_label

# Labels of a form's first row: 项目名称 in every layout, beside it 项目编码/项目编号 and 绩效自评年度
# (layout A) or 项目金额 (B, C); any one of them starts the form when a seal or a signature covers the rest.
FORM_START_LABELS = ("项目名称", "项目编码", "项目编号", "绩效自评年度", "项目金额")


@dataclass(frozen=True)
class RowCell:
    cell: Cell
    page: int
    x0: float          # relative to the table's width, 0..1
    x1: float
    starts_here: bool  # the cell's first grid row is this row

    @property
    def text(self) -> str:
        return self.cell.text

    @property
    def key(self) -> str:
        return label_key(self.cell.text)


@dataclass
class FormRow:
    page: int
    grid_row: int
    cells: list[RowCell]

    def right_of(self, rc: RowCell) -> RowCell | None:
        later = [other for other in self.cells if other.x0 >= rc.x1 - 1e-6]
        return min(later, key=lambda other: other.x0) if later else None


@dataclass
class FormSlice:
    """The rows of one form in reading order, across pages."""
    rows: list[FormRow] = field(default_factory=list)
    title_lines: list[TextLine] = field(default_factory=list)
    sources: set[str] = field(default_factory=set)

    @property
    def pages(self) -> list[int]:
        return sorted({row.page for row in self.rows})


@dataclass
class SplitResult:
    forms: list[FormSlice]
    non_form_pages: list[int]


def table_rows(table: Table) -> list[FormRow]:
    width = table.bbox.width or 1.0
    rows = [FormRow(table.page, r, []) for r in range(table.n_rows)]
    for cell in table.cells:
        x0 = (cell.bbox.x0 - table.bbox.x0) / width
        x1 = (cell.bbox.x1 - table.bbox.x0) / width
        for r in range(cell.row, cell.end_row):
            rows[r].cells.append(RowCell(cell, table.page, x0, x1, r == cell.row))
    for row in rows:
        row.cells.sort(key=lambda rc: rc.x0)
    return rows


def starts_form(row: FormRow) -> bool:
    return any(rc.starts_here and starts_with_label(rc.key, label)
               for rc in row.cells for label in FORM_START_LABELS)


def split_forms(pages: list[PageLayout]) -> SplitResult:
    forms: list[FormSlice] = []
    used_pages: set[int] = set()
    for layout in pages:
        # loose lines not yet claimed by a form on this page, top to bottom
        pending_lines = sorted(layout.free_text, key=lambda line: line.bbox.y0)
        for table in sorted(layout.tables, key=lambda t: t.bbox.y0):
            for row in table_rows(table):
                if starts_form(row):
                    top = row.cells[0].cell.bbox.y0
                    title = [line for line in pending_lines if line.bbox.y1 <= top + 1]
                    pending_lines = [line for line in pending_lines if line not in title]
                    forms.append(FormSlice(title_lines=title))
                if not forms:
                    continue
                forms[-1].rows.append(row)
                forms[-1].sources.add(layout.source)
                used_pages.add(layout.page)
    non_form = [layout.page for layout in pages if layout.page not in used_pages]
    return SplitResult(forms=forms, non_form_pages=non_form)
