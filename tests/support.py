"""Helpers shared by the extraction tests: the shared spec, the scorer, schema checks."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

import jsonschema
import pytest

from pipeline.paths import REPO_ROOT, shared_dir

SHARED = shared_dir()
SCORER = SHARED / "spec" / "score.py"
SCHEMA_PATH = SHARED / "spec" / "record.schema.json"
BORN_DIGITAL = REPO_ROOT / "fixtures" / "born_digital"
SCANNED = REPO_ROOT / "fixtures" / "scanned"
BAD = REPO_ROOT / "fixtures" / "bad"
CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")

needs_shared = pytest.mark.skipif(not SCORER.exists(), reason=f"the shared spec is not at {SHARED} (set SELFEVAL_SHARED)")
needs_fonts = pytest.mark.skipif(not CJK_FONT.exists(), reason="CJK fonts missing: run scripts/setup.sh (apt fonts-wqy-zenhei ...)")


@lru_cache(maxsize=1)
def schema_validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def schema_errors(document: dict) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in schema_validator().iter_errors(document)]


def score(truth: Path, pred: Path) -> dict:
    """Run ../shared/spec/score.py as a program and return its summary."""
    result = subprocess.run([sys.executable, str(SCORER), str(truth), str(pred), "--show", "50"],
                            capture_output=True, text=True, check=True)
    summary = json.loads(result.stdout)
    summary["misses"] = result.stderr
    return summary


def truth_pairs(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.pdf") if p.with_suffix(".json").exists())


def copy_truth(pdfs: list[Path], dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for pdf in pdfs:
        shutil.copy(pdf.with_suffix(".json"), dest / f"{pdf.stem}.json")
    return dest


def issue_keys(validation: dict) -> set[tuple[str, str, str]]:
    return {(i["rule"], i["severity"], i["path"]) for i in validation["issues"]}


def extract_all(pdfs: list[Path], out: Path, extractor=None) -> dict[str, dict]:
    """Extract every PDF to OUT/<stem>.json as the CLI would; return the written documents."""
    from pipeline.extract import Extractor
    from pipeline.record import write_document

    extractor = extractor or Extractor()
    docs = {}
    for pdf in pdfs:
        write_document(out / f"{pdf.stem}.json", extractor.extract(pdf, display_name=pdf.name))
        docs[pdf.stem] = json.loads((out / f"{pdf.stem}.json").read_text(encoding="utf-8"))
    return docs


def ctc_decoder(tmp_path: Path, chars: list[str], reading=None, lexicon=None):
    """paddleocr's CTC decoder over a toy dictionary ``chars``, wrapped as the engines wrap it."""
    from paddleocr.ppocr.postprocess.rec_postprocess import CTCLabelDecode

    from pipeline.ocr.confidence import nfkc, weakest_character_decoder

    keys = tmp_path / "keys.txt"
    keys.write_text("\n".join(chars) + "\n", encoding="utf-8")
    original = CTCLabelDecode(character_dict_path=str(keys), use_space_char=False)
    return weakest_character_decoder(original, reading or nfkc, lexicon=lexicon)


def ctc_preds(chars: list[str], rows: list[dict[str, float]]):
    """One line's class probabilities per step: the given characters', the rest the blank's."""
    import numpy as np

    classes = ["blank", *chars]
    out = np.zeros((1, len(rows), len(classes)), dtype=np.float32)
    for t, row in enumerate(rows):
        for char, p in row.items():
            out[0, t, classes.index(char)] = p
        out[0, t, 0] = 1.0 - sum(row.values())
    return out
