"""Open a PDF with pypdfium2: page count, sizes, renders and the text layer.

Every way a file can fail to be a readable PDF becomes a ``PdfOpenError``
with a reason a person understands; nothing else escapes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from pipeline.objects import BBox, Glyph

PDF_MAGIC = b"%PDF-"


class PdfOpenError(Exception):
    """The file is not a PDF this pipeline can read; ``str(err)`` says why."""


@dataclass(frozen=True)
class PageSize:
    width: float
    height: float


class PdfSource:
    """An open PDF. Use as a context manager so pdfium handles are closed."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._pdf = _open(self.path)
        self.page_count = len(self._pdf)

    def __enter__(self) -> "PdfSource":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._pdf.close()

    def page_size(self, page_no: int) -> PageSize:
        width, height = self._pdf.get_page_size(page_no - 1)
        return PageSize(width, height)

    def render_gray(self, page_no: int, dpi: float) -> np.ndarray:
        page = self._pdf[page_no - 1]
        try:
            bitmap = page.render(scale=dpi / 72.0, grayscale=True)
            image = bitmap.to_numpy()
            return image[:, :, 0].copy() if image.ndim == 3 else image.copy()
        finally:
            page.close()

    def render_color(self, page_no: int, dpi: float) -> np.ndarray:
        """BGR uint8, as OpenCV expects."""
        page = self._pdf[page_no - 1]
        try:
            bitmap = page.render(scale=dpi / 72.0, rev_byteorder=False)
            image = bitmap.to_numpy()
            return image[:, :, :3].copy()
        finally:
            page.close()

    def glyphs(self, page_no: int) -> list[Glyph]:
        """Characters of the text layer with tight boxes, top-left origin points."""
        page = self._pdf[page_no - 1]
        try:
            height = page.get_height()
            textpage = page.get_textpage()
            try:
                return list(_iter_glyphs(textpage, height))
            finally:
                textpage.close()
        finally:
            page.close()

    def image_coverage(self, page_no: int) -> float:
        """Fraction of the page covered by image objects (a scan is ~1.0)."""
        page = self._pdf[page_no - 1]
        try:
            area = page.get_width() * page.get_height()
            covered = 0.0
            for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE]):
                left, bottom, right, top = obj.get_bounds()
                covered += max(0.0, right - left) * max(0.0, top - bottom)
            return min(1.0, covered / area) if area else 0.0
        finally:
            page.close()

    def image_dpi(self, page_no: int) -> float | None:
        """Resolution of the page's largest image as placed on the page (a scan's dpi); None without one."""
        page = self._pdf[page_no - 1]
        try:
            best: tuple[float, float] | None = None
            for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE]):
                left, _, right, _ = obj.get_bounds()
                width_px, _ = obj.get_px_size()
                if right > left and width_px and (best is None or right - left > best[0]):
                    best = (right - left, width_px * 72.0 / (right - left))
            return best[1] if best else None
        finally:
            page.close()


def _iter_glyphs(textpage, page_height: float):
    for index in range(textpage.count_chars()):
        char = textpage.get_text_range(index, 1)
        if not char or char.isspace():
            continue
        # loose boxes span the font's ascent to descent, so quotes and commas share their line's height
        left, bottom, right, top = textpage.get_charbox(index, loose=True)
        if right <= left and top <= bottom:
            continue
        yield Glyph(char, BBox(left, page_height - top, right, page_height - bottom))


def _open(path: Path) -> pdfium.PdfDocument:
    try:
        with open(path, "rb") as fh:
            head = fh.read(1024)
    except OSError as err:
        raise PdfOpenError(f"cannot read file: {err.strerror or err}") from err
    if not head:
        raise PdfOpenError("empty file (0 bytes)")
    if PDF_MAGIC not in head:
        raise PdfOpenError("not a PDF (no %PDF- header)")
    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as err:
        if _declares_no_pages(path):
            raise PdfOpenError("the PDF has no pages") from err
        raise PdfOpenError(_pdfium_reason(err)) from err
    if len(pdf) == 0:
        pdf.close()
        raise PdfOpenError("the PDF has no pages")
    return pdf


EMPTY_PAGE_TREE = re.compile(rb"/Type\s*/Pages\b[^>]*?/Count\s+0\b")


def _declares_no_pages(path: Path) -> bool:
    """PDFium refuses a well-formed PDF whose page tree is empty; tell that apart from damage."""
    try:
        data = path.read_bytes()
    except OSError:
        return False
    return bool(EMPTY_PAGE_TREE.search(data)) and not re.search(rb"/Type\s*/Page\b", data)


def _pdfium_reason(err: Exception) -> str:
    text = str(err)
    if "password" in text.lower():
        return "encrypted PDF (password required)"
    if "format" in text.lower() or "corrupt" in text.lower():
        return f"corrupt or damaged PDF ({text})"
    return f"cannot open PDF ({text})"
