"""Accuracy and speed benchmark over a fixture folder (NAME.pdf + NAME.json truth).

Accuracy comes from ../shared/spec/score.py, called as a program (never
copied in). Speed is seconds per page; memory is the process's peak RSS,
printed after each document so that flatness in the number of pages shows.
Documents with a ``NAME.scan.json`` sidecar are grouped by its ``level``.
"""
from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table as RichTable

from pipeline.extract import ExtractOptions, Extractor
from pipeline.paths import shared_dir
from pipeline.recognize import DEFAULT_CONFIDENCE_FLOOR
from pipeline.record import write_document


@dataclass
class DocTiming:
    name: str
    group: str
    pages: int
    seconds: float
    peak_rss_mb: float


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def group_of(pdf: Path) -> str:
    sidecar = pdf.with_suffix(".scan.json")
    if sidecar.exists():
        return json.loads(sidecar.read_text(encoding="utf-8")).get("level", "scanned")
    return "born-digital"


def run_bench(fixtures: Path, *, out: Path | None, shared: Path | None, ocr: str, console: Console,
              grid: str = "opencv", confidence_floor: float = DEFAULT_CONFIDENCE_FLOOR) -> int:
    pdfs = sorted(p for p in fixtures.glob("*.pdf") if p.with_suffix(".json").exists())
    if not pdfs:
        console.print(f"[red]no NAME.pdf + NAME.json pairs in {fixtures}[/red]")
        return 2
    out = out or Path(tempfile.mkdtemp(prefix="selfeval-bench-"))
    extractor = Extractor(ExtractOptions(ocr=ocr, grid=grid, confidence_floor=confidence_floor))
    if ocr == "always" or any(group_of(pdf) != "born-digital" for pdf in pdfs):
        console.print(f"OCR engine loaded in {extractor.warm_up():.1f} s (not counted below)")
    timings = [_extract_one(extractor, pdf, out, console) for pdf in pdfs]
    scorer = (shared or shared_dir()) / "spec" / "score.py"
    for group in sorted({t.group for t in timings}):
        members = [t for t in timings if t.group == group]
        summary = _score_group(scorer, fixtures, out, [t.name for t in members])
        _print_group(console, group, members, summary)
    return 0


def _extract_one(extractor: Extractor, pdf: Path, out: Path, console: Console) -> DocTiming:
    start = time.perf_counter()
    document = extractor.extract(pdf, display_name=pdf.name)
    seconds = time.perf_counter() - start
    write_document(out / f"{pdf.stem}.json", document)
    timing = DocTiming(pdf.stem, group_of(pdf), document.document.page_count, seconds, peak_rss_mb())
    console.print(f"{pdf.name}: {timing.pages} pages, {seconds:.2f} s, "
                  f"{seconds / max(timing.pages, 1):.3f} s/page, peak RSS {timing.peak_rss_mb:.0f} MB, {document.status}")
    return timing


def _score_group(scorer: Path, fixtures: Path, out: Path, names: list[str]) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        truth = Path(tmp) / "truth"
        truth.mkdir()
        for name in names:
            (truth / f"{name}.json").symlink_to((fixtures / f"{name}.json").resolve())
        result = subprocess.run([sys.executable, str(scorer), str(truth), str(out), "--show", "0"],
                                capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def _print_group(console: Console, group: str, members: list[DocTiming], summary: dict) -> None:
    pages = sum(t.pages for t in members)
    per_page = [t.seconds / max(t.pages, 1) for t in members]
    table = RichTable(title=f"{group}: {len(members)} PDFs, {pages} pages, {summary['documents_forms']} forms")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key in ("field_accuracy", "text_similarity", "row_recall", "row_precision", "measure_accuracy",
                "form_exact", "silent_error_rate", "false_alarm_rate"):
        table.add_row(key, str(summary.get(key)))
    table.add_row("seconds per page (total)", f"{sum(t.seconds for t in members) / max(pages, 1):.3f}")
    table.add_row("seconds per page (median doc)", f"{statistics.median(per_page):.3f}")
    table.add_row("peak RSS MB", f"{max(t.peak_rss_mb for t in members):.0f}")
    Console().print(table)
