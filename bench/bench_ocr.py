"""Compare OCR weights on the grid-first cell path: accuracy, seconds per page, load time, peak RSS.

    .venv/bin/python bench/bench_ocr.py                       # every candidate, every table page
    .venv/bin/python bench/bench_ocr.py --pages 6 --engines ppocrv6-tiny-onnx ppocrv4-paddle
    .venv/bin/python bench/bench_ocr.py --v4-onnx-dir /tmp/rapidocr_ort/rapidocr_onnxruntime/models

Pages: the committed born-digital fixtures rendered at 200 dpi gray; tables from
``pipeline.grid.detect_tables``, cells read by ``pipeline.recognize.read_cells``
and compared with the text layer (glyph centres inside the cell, NFKC, no
whitespace), as ``tests/test_recognize.py`` does. ``--scanned`` adds the scanned
fixtures' pages (prepared by ``prepare_page``; timed, no truth).

Each engine runs in its own subprocess, so its peak RSS is its own. Times are
for ``read_cells`` only (cropping + recognition), after one warm-up call;
medians over pages, wall clock and process CPU time (``time.process_time``,
less sensitive to a loaded machine; with 2 threads it can exceed wall time).
``PP-OCRv4 onnx`` runs only with ``--v4-onnx-dir`` (the models folder of the
``rapidocr_onnxruntime`` wheel, which the project does not install).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DPI = 200
SCALE = 72 / DPI
CANDIDATES = ["ppocrv4-paddle", "ppocrv5-mobile-onnx", "ppocrv6-small-onnx", "ppocrv6-tiny-onnx", "ppocrv4-onnx"]


# ---------------------------------------------------------------- worker (one engine, own process)

def make_engine(name: str, cpu_threads: int, v4_onnx_dir: str | None):
    if name == "ppocrv4-paddle":
        from pipeline.ocr.paddle import PaddleEngine
        return PaddleEngine(cpu_threads=cpu_threads)
    from pipeline.ocr.paddle_onnx import PaddleOnnxEngine
    if name == "ppocrv4-onnx":
        return PaddleOnnxEngine(_v4_onnx_paths(Path(v4_onnx_dir)), cpu_threads=cpu_threads)
    return PaddleOnnxEngine(engine=name, cpu_threads=cpu_threads)


def _v4_onnx_paths(models: Path):
    """rapidocr_onnxruntime's PP-OCRv4 ONNX files (not in the manifest: bench only, unverified)."""
    from models.weights import OcrModelPaths, resolve_ocr_models

    v4_dict = resolve_ocr_models("ppocrv4-paddle").rec_char_dict
    det, rec, cls = (models / f for f in ("ch_PP-OCRv4_det_infer.onnx", "ch_PP-OCRv4_rec_infer.onnx",
                                          "ch_ppocr_mobile_v2.0_cls_infer.onnx"))
    return OcrModelPaths(engine="ppocrv4-onnx", det_dir=models, rec_dir=models, cls_dir=models,
                         rec_char_dict=v4_dict, format="onnx", det_model=det, rec_model=rec, cls_model=cls)


class TimedEngine:
    """Passes calls through to the engine and sums the time spent in ``recognize``."""

    def __init__(self, engine):
        self.engine, self.wall, self.cpu, self.crops = engine, 0.0, 0.0, 0

    def recognize(self, crops):
        wall, cpu = time.perf_counter(), time.process_time()
        out = self.engine.recognize(crops)
        self.wall += time.perf_counter() - wall
        self.cpu += time.process_time() - cpu
        self.crops += len(crops)
        return out

    def detect(self, image):
        return self.engine.detect(image)


def born_digital_pages(limit: int | None):
    from pipeline.grid import detect_tables
    from tests.test_recognize import BORN_DIGITAL, _page_gray_and_chars
    import pypdfium2 as pdfium

    pages = []
    for pdf_path in sorted(BORN_DIGITAL.glob("*.pdf")):
        for page_no in range(1, len(pdfium.PdfDocument(str(pdf_path))) + 1):
            gray, chars = _page_gray_and_chars(pdf_path, page_no)
            if detect_tables(gray, page=page_no, scale=SCALE):
                pages.append((f"{pdf_path.stem}#{page_no}", gray, chars))
            if limit and len(pages) >= limit:
                return pages
    return pages


def scanned_pages(limit: int | None):
    from pipeline.document import PdfSource
    from pipeline.prepare import prepare_page

    pages = []
    for pdf_path in sorted((ROOT / "fixtures" / "scanned").glob("*.pdf")):
        with PdfSource(pdf_path) as source:
            for page_no in range(1, source.page_count + 1):
                pages.append((f"{pdf_path.stem}#{page_no}", prepare_page(source.render_color(page_no, DPI)).gray, None))
                if limit and len(pages) >= limit:
                    return pages
    return pages


def read_page(gray, chars, engine: TimedEngine) -> dict:
    from pipeline import grid, recognize
    from tests.test_recognize import _norm

    tables = grid.detect_tables(gray, page=1, scale=SCALE)
    engine.wall = engine.cpu = 0.0
    engine.crops = 0
    wall, cpu = time.perf_counter(), time.process_time()
    for table in tables:
        recognize.read_cells(gray, table, scale=SCALE, engine=engine)
    result = {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu,
              "rec_wall": engine.wall, "rec_cpu": engine.cpu, "crops": engine.crops,
              "cells": sum(len(t.cells) for t in tables)}
    if chars is not None:
        misses = []
        for cell in (c for t in tables for c in t.cells):
            truth = _norm("".join(ch for ch, x, y in chars if cell.bbox.contains_point(x, y)))
            if truth != _norm(cell.text):
                misses.append([truth, cell.text])
        result["misses"] = misses
    return result


def worker(args) -> None:
    from tests.test_ocr import render_line

    pages = born_digital_pages(args.pages)
    scans = scanned_pages(args.pages) if args.scanned else []
    rss_before = _peak_rss_mb()
    cpu = time.process_time()
    engine = make_engine(args.worker, args.threads, args.v4_onnx_dir).load()
    load_cpu = time.process_time() - cpu
    timed = TimedEngine(engine)
    timed.recognize([render_line("项目支出绩效自评表"), render_line("98.5%")])   # warm-up
    out = {"engine": args.worker, "load_s": engine.load_seconds, "load_cpu_s": load_cpu,
           "rss_before_load_mb": rss_before,
           "pages": {name: read_page(gray, chars, timed) for name, gray, chars in pages},
           "scanned": {name: read_page(gray, None, timed) for name, gray, _ in scans}}
    out["peak_rss_mb"] = _peak_rss_mb()
    print(json.dumps(out, ensure_ascii=False))


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---------------------------------------------------------------- parent: one subprocess per engine, table

def run_engine(name: str, args) -> dict:
    cmd = [sys.executable, __file__, "--worker", name, "--threads", str(args.threads)]
    if args.pages:
        cmd += ["--pages", str(args.pages)]
    if args.scanned:
        cmd.append("--scanned")
    if args.v4_onnx_dir:
        cmd += ["--v4-onnx-dir", args.v4_onnx_dir]
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode or not lines:
        raise RuntimeError(f"{name} failed ({done.returncode}): {done.stderr[-2000:]}")
    return json.loads(lines[-1])


def summarize(result: dict) -> dict:
    pages = list(result["pages"].values())
    scans = list(result["scanned"].values())
    cells = sum(p["cells"] for p in pages)
    missed = sum(len(p["misses"]) for p in pages)
    med = lambda rows, key: statistics.median(r[key] for r in rows) if rows else float("nan")   # noqa: E731
    return {"engine": result["engine"], "pages": len(pages), "cells": cells,
            "cell_accuracy": round(1 - missed / cells, 4) if cells else None,
            "page_s_wall_median": round(med(pages, "wall"), 3), "page_s_cpu_median": round(med(pages, "cpu"), 3),
            "rec_s_wall_median": round(med(pages, "rec_wall"), 3),
            "crops_per_page_median": med(pages, "crops"),
            "scan_page_s_wall_median": round(med(scans, "wall"), 3), "scan_page_s_cpu_median": round(med(scans, "cpu"), 3),
            "load_s": round(result["load_s"], 2), "load_cpu_s": round(result["load_cpu_s"], 2),
            "peak_rss_mb": round(result["peak_rss_mb"]), "rss_before_load_mb": round(result["rss_before_load_mb"])}


def print_table(rows: list[dict]) -> None:
    head = ["engine", "cell acc", "page s wall", "page s cpu", "rec s wall", "scan s wall", "scan s cpu",
            "load s", "peak RSS MB"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows:
        acc = f"{100 * r['cell_accuracy']:.2f} %" if r["cell_accuracy"] is not None else "-"
        print(f"| {r['engine']} | {acc} | {r['page_s_wall_median']} | {r['page_s_cpu_median']} | "
              f"{r['rec_s_wall_median']} | {r['scan_page_s_wall_median']} | {r['scan_page_s_cpu_median']} | "
              f"{r['load_s']} | {r['peak_rss_mb']} |")
    if rows:
        print(f"({rows[0]['pages']} table pages, {rows[0]['cells']} cells, "
              f"~{rows[0]['crops_per_page_median']} line crops per page; RSS before engine load "
              f"~{rows[0]['rss_before_load_mb']} MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engines", nargs="+", default=None, help=f"default: {CANDIDATES}")
    parser.add_argument("--pages", type=int, default=None, help="first N table pages only")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--scanned", action="store_true", help="also time the scanned fixtures' pages")
    parser.add_argument("--v4-onnx-dir", default=None, help="rapidocr_onnxruntime models folder (PP-OCRv4 ONNX)")
    parser.add_argument("--json", type=Path, default=None, help="write raw per-page results here")
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    names = args.engines or [n for n in CANDIDATES if n != "ppocrv4-onnx" or args.v4_onnx_dir]
    raw, rows = [], []
    for name in names:
        print(f"... {name}", file=sys.stderr, flush=True)
        result = run_engine(name, args)
        raw.append(result)
        rows.append(summarize(result))
        print(json.dumps(rows[-1], ensure_ascii=False), file=sys.stderr, flush=True)
    print_table(rows)
    if args.json:
        args.json.write_text(json.dumps(raw, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
