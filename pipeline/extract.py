"""The whole PDF: pages → layouts → forms → records → one Document.

Page stages are callables over one page (docling style); errors are
collected as ``ErrorItem``s rather than raised, so one bad page or form does
not lose the rest, and a file that cannot be read at all ends as a
``failed`` Document with the reason.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from pipeline import grid, textlayer
from pipeline.document import PdfOpenError, PdfSource
from pipeline.forms import split_forms
from pipeline.hashing import sha256_or_zero
from pipeline.mapping import map_form
from pipeline.measures import parse_measure
from pipeline.objects import PageLayout
from pipeline.record import Document, DocumentInfo, ErrorItem, Form, document_status
from pipeline.recognize import DEFAULT_CONFIDENCE_FLOOR
from pipeline.repair import drop_stray_digits, infer_unreadable_points, repair_weights
from pipeline.validate import validate_form

log = logging.getLogger("selfeval.extract")

TEXT_LAYER_DPI = 144          # renders for grid detection of born-digital pages
MIN_TEXT_GLYPHS = 10          # fewer characters than this: the page has no usable text layer
SCAN_IMAGE_COVERAGE = 0.6     # a page mostly covered by an image is a scan


@dataclass
class ExtractOptions:
    dpi: int = 200                                   # render resolution for pages read by OCR
    ocr: Literal["auto", "always", "never"] = "auto"  # auto: OCR only pages without a text layer
    confidence_floor: float = DEFAULT_CONFIDENCE_FLOOR  # OCR confidence below this raises `unreadable`
    grid: Literal["opencv", "camelot"] = "opencv"    # grid backend for pages with a text layer


class PageReader(Protocol):
    def __call__(self, source: PdfSource, page_no: int) -> PageLayout: ...


def read_text_layer_page(source: PdfSource, page_no: int, grid_backend: str = "opencv") -> PageLayout:
    size = source.page_size(page_no)
    if grid_backend == "camelot":
        from pipeline.grid_camelot import detect_tables_camelot
        tables = detect_tables_camelot(source.path, page_no, size.height)
    else:
        gray = source.render_gray(page_no, TEXT_LAYER_DPI)
        tables = grid.detect_tables(gray, page=page_no, scale=72.0 / TEXT_LAYER_DPI)
    loose = textlayer.fill_cells(tables, source.glyphs(page_no))
    return PageLayout(page=page_no, width=size.width, height=size.height, tables=tables,
                      free_text=textlayer.loose_lines(loose), source="text_layer")


@dataclass
class Extractor:
    """Extracts documents; holds the OCR engine (loaded on first scanned page), one per process."""
    options: ExtractOptions = field(default_factory=ExtractOptions)
    _ocr_reader: PageReader | None = field(default=None, init=False, repr=False)

    def extract(self, path: str | Path, *, display_name: str | None = None) -> Document:
        path = Path(path)
        info = DocumentInfo(file=display_name or str(path), sha256=sha256_or_zero(path))
        try:
            with PdfSource(path) as source:
                info.page_count = source.page_count
                return self._extract_source(source, info)
        except PdfOpenError as err:
            log.warning("%s: cannot open: %s", info.file, err)
            return _failed(info, "open", str(err))

    def _extract_source(self, source: PdfSource, info: DocumentInfo) -> Document:
        errors: list[ErrorItem] = []
        layouts = []
        for page_no in range(1, source.page_count + 1):
            try:
                layouts.append(self._read_page(source, page_no))
            except Exception as err:  # one unreadable page must not lose the others
                log.exception("%s page %d: page stage failed", info.file, page_no)
                errors.append(ErrorItem(stage="page", message=f"{type(err).__name__}: {err}", page=page_no))
        split = split_forms(layouts)
        info.non_form_pages = split.non_form_pages or None
        forms = []
        for index, form_slice in enumerate(split.forms):
            try:
                forms.append(build_form(form_slice, index))
            except Exception as err:
                page = form_slice.pages[0] if form_slice.pages else None
                log.exception("%s page %s: mapping form %d failed", info.file, page, index)
                errors.append(ErrorItem(stage="mapping", message=f"form {index}: {type(err).__name__}: {err}", page=page))
        if not forms:
            reason = "no form found" if not errors else "no form could be read"
            log.warning("%s: %s", info.file, reason)
            return Document(document=info, status="failed", errors=errors + [ErrorItem(stage="forms", message=reason)])
        status = document_status(forms)
        if errors and status == "succeeded":
            status = "needs_review"
        return Document(document=info, status=status, forms=forms, errors=errors)

    def _read_page(self, source: PdfSource, page_no: int) -> PageLayout:
        if self._needs_ocr(source, page_no):
            return self._ocr_page_reader()(source, page_no)
        return read_text_layer_page(source, page_no, self.options.grid)

    def _needs_ocr(self, source: PdfSource, page_no: int) -> bool:
        if self.options.ocr != "auto":
            return self.options.ocr == "always"
        if source.image_coverage(page_no) < SCAN_IMAGE_COVERAGE:
            return False
        return len(source.glyphs(page_no)) < MIN_TEXT_GLYPHS

    def warm_up(self) -> float:
        """Load the OCR engine now (benchmarks time it apart); returns the seconds it took."""
        started = time.perf_counter()
        engine = self._ocr_page_reader().ocr()
        if hasattr(engine, "load"):
            engine.load()
        return time.perf_counter() - started

    def _ocr_page_reader(self) -> PageReader:
        if self._ocr_reader is None:
            from pipeline.scanned import ScannedPageReader
            self._ocr_reader = ScannedPageReader(dpi=self.options.dpi, confidence_floor=self.options.confidence_floor)
        return self._ocr_reader


def build_form(form_slice, index: int) -> Form:
    mapped = map_form(form_slice, form_index=index)
    form = mapped.form
    for row in form.indicators:
        row.target_measure = parse_measure(row.target)
        row.actual_measure = parse_measure(row.actual)
    unreadable = dict(mapped.unreadable)
    repairs = []
    if "ocr" in form_slice.sources:
        repairs = (repair_weights(form, unreadable) + drop_stray_digits(form, unreadable)
                   + infer_unreadable_points(form, unreadable))
    # a rate seen printed as a ratio gets the ratio tolerance; otherwise the validator infers it
    form.validation = validate_form(form, unreadable=unreadable,
                                    rate_printed_as_ratio=True if mapped.rate_printed_as_ratio else None,
                                    noted=repairs)
    return form


def extract_pdf(path: str | Path, *, display_name: str | None = None,
                options: ExtractOptions | None = None) -> Document:
    return Extractor(options or ExtractOptions()).extract(path, display_name=display_name)


def _failed(info: DocumentInfo, stage: str, message: str) -> Document:
    return Document(document=info, status="failed", errors=[ErrorItem(stage=stage, message=message)])
