"""How well grey seals are lifted off the print, measured against the seal-free twins of the scans.

    .venv/bin/python -m fixtures.generate scanned --out /tmp/typical_seed42 --level typical --set full --seed 42
    .venv/bin/python -m fixtures.generate scanned --out /tmp/noseal_seed42 --level typical --set full --seed 42 \\
        --without-seal-ink
    .venv/bin/python bench/bench_seals.py /tmp/typical_seed42 /tmp/noseal_seed42 [--worst 10]

A twin is the same scan with its seals planned but not printed (same skew, noise
and JPEG draws), so it tells, pixel by pixel, what is print and what is seal.
Per grey page with a seal (the ``.scan.json`` sidecar says which; on colour
pages the red channel lifts the seal, ``prepare.suppress_colour_ink``): the
page is prepared with its seals left on, ``seals.erase_seals`` lifts them, and
the twin is brought into the same frame by the preparation's matrix. Within
each seal found (its disc, ``DISC_SHARE`` of its radius):

- print: the twin's ink (``INK_MARGIN`` darker than paper); *print lost* is
  the share of it that was ink before the lifting and is not after (the
  lifting may lighten print under a seal's ring to its own tone, which is
  no loss);
- seal ink: pixels the seal darkened by over ``SEAL_DARKENING`` where the twin
  has no ink; *seal left* is the share of it still ink after the lifting.

Both are pixel counts: a lost stroke can change a digit while most of a letter
left on blank paper changes nothing, so the accuracy benchmark
(``selfeval bench``) has the last word. This one answers in a minute which
pages a seal rule helps or hurts.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.document import PdfSource  # noqa: E402
from pipeline.ink import gray_median  # noqa: E402
from pipeline.prepare import estimate_dpi, prepare_page  # noqa: E402
from pipeline.seals import erase_seals  # noqa: E402

DISC_SHARE = 1.12        # a seal's reach, ring included, as a share of its radius
INK_MARGIN = 60          # ink is this much darker than paper
SEAL_DARKENING = 25      # a seal pixel: this much darker than the twin's


@dataclass
class SealScore:
    document: str
    page: int
    seals_planned: int
    seals_found: int
    print_px: int = 0
    print_lost: int = 0
    seal_px: int = 0
    seal_left: int = 0


def score_page(scan: np.ndarray, twin: np.ndarray, document: str, page: int, planned: int) -> SealScore:
    """Lift the seals of ``scan`` (one page as rendered, gray or BGR) and count against ``twin``."""
    prepared = prepare_page(scan, lift_seals=False)
    before = prepared.gray
    dpi = estimate_dpi(scan.shape[:2])
    after, seals = erase_seals(before, dpi)
    twin_gray = cv2.cvtColor(twin, cv2.COLOR_BGR2GRAY) if twin.ndim == 3 else twin
    height, width = before.shape
    paper = gray_median(before)
    twin_gray = cv2.warpPerspective(twin_gray, prepared.matrix, (width, height), borderValue=int(paper))
    printed = twin_gray < paper - INK_MARGIN
    sealed = (twin_gray.astype(np.int16) - before.astype(np.int16) > SEAL_DARKENING) & ~printed
    was_ink = before < paper - INK_MARGIN
    still_ink = after < paper - INK_MARGIN
    score = SealScore(document, page, planned, len(seals))
    yy, xx = np.ogrid[:height, :width]
    for seal in seals:
        disc = np.hypot(xx - seal.cx, yy - seal.cy) <= DISC_SHARE * seal.radius
        score.print_px += int((printed & disc).sum())
        score.print_lost += int((printed & disc & was_ink & ~still_ink).sum())
        score.seal_px += int((sealed & disc & (before < paper - INK_MARGIN)).sum())
        score.seal_left += int((sealed & disc & still_ink).sum())
    return score


def grey_sealed_pages(scanned: Path) -> list[tuple[Path, int, int]]:
    """(pdf, page, seals planned) of every grey page with a seal, from the scan sidecars."""
    pages = []
    for sidecar in sorted(scanned.glob("*.scan.json")):
        record = json.loads(sidecar.read_text(encoding="utf-8"))
        pdf = scanned / record["file"]
        pages += [(pdf, p["page"], len(p["seals"])) for p in record["pages"] if p["seals"] and p["grey"]]
    return pages


def run(scanned: Path, twins: Path, worst: int) -> list[SealScore]:
    scores, started = [], time.perf_counter()
    for pdf, page, planned in grey_sealed_pages(scanned):
        with PdfSource(pdf) as source, PdfSource(twins / pdf.name) as twin:
            dpi = source.image_dpi(page) or 200
            scores.append(score_page(source.render_color(page, dpi), twin.render_color(page, dpi),
                                     pdf.stem, page, planned))
    _report(scores, worst, time.perf_counter() - started)
    return scores


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.4f}" if whole else "-"


def _report(scores: list[SealScore], worst: int, seconds: float) -> None:
    print(f"{'document':32} {'page':>4} {'found':>5} {'print lost':>12} {'seal left':>12}")
    for s in sorted(scores, key=lambda s: -(s.print_lost * 10 + s.seal_left))[:worst]:
        print(f"{s.document:32} {s.page:>4} {s.seals_found}/{s.seals_planned:<3} "
              f"{s.print_lost:>5}/{s.print_px:<6} {s.seal_left:>5}/{s.seal_px:<6}")
    total = {field: sum(getattr(s, field) for s in scores)
             for field in ("seals_planned", "seals_found", "print_px", "print_lost", "seal_px", "seal_left")}
    print(f"pages {len(scores)}, seals found {total['seals_found']} of {total['seals_planned']}, "
          f"print lost {total['print_lost']}/{total['print_px']} ({_share(total['print_lost'], total['print_px'])}), "
          f"seal left {total['seal_left']}/{total['seal_px']} ({_share(total['seal_left'], total['seal_px'])}), "
          f"{seconds / max(1, len(scores)):.2f} s/page")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scanned", type=Path, help="a scanned fixture set (PDFs with .scan.json sidecars)")
    parser.add_argument("twins", type=Path, help="its seal-free twins (fixtures.generate ... --without-seal-ink)")
    parser.add_argument("--worst", type=int, default=10, help="pages listed, most print lost first")
    args = parser.parse_args(argv)
    run(args.scanned, args.twins, args.worst)
    return 0


if __name__ == "__main__":
    sys.exit(main())
