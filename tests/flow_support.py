"""Helpers for the orchestration tests: inboxes of fixture PDFs, distinct variants, a slow extractor."""
from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from pipeline.extract import Extractor

ROOT = Path(__file__).resolve().parents[1]
BORN_DIGITAL = sorted((ROOT / "fixtures" / "born_digital").glob("*.pdf"))
BAD = sorted((ROOT / "fixtures" / "bad").glob("*.pdf"))


def pdf_variant(source: Path, target: Path, n: int) -> Path:
    """The same PDF with a trailing comment: still valid, different bytes (a distinct document)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(source.read_bytes() + f"\n% variant {n}\n".encode())
    return target


def born_digital_inbox(folder: Path, count: int) -> list[Path]:
    """``count`` distinct born-digital documents cycled from the fixtures."""
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for i in range(count):
        source = BORN_DIGITAL[i % len(BORN_DIGITAL)]
        made.append(pdf_variant(source, folder / f"{source.stem}_{i:03d}.pdf", i))
    return made


def copy_into(folder: Path, files: list[Path]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for path in files:
        shutil.copy(path, folder / path.name)


def json_outputs(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.json"))


class SlowExtractor(Extractor):
    """The real extractor, slowed down (SELFEVAL_TEST_DELAY_S) so a test can kill a run mid-way."""

    def extract(self, path, *, display_name=None):
        time.sleep(float(os.environ.get("SELFEVAL_TEST_DELAY_S", "1.0")))
        return super().extract(path, display_name=display_name)
