"""Bad input ends as a failed document with a reason; the run goes on with the next file."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from pipeline.extract import extract_pdf
from tests.support import BAD, BORN_DIGITAL, needs_shared, schema_errors

EXPECTED_REASONS = {
    "corrupt_truncated.pdf": "corrupt",
    "encrypted_password.pdf": "encrypted",
    "empty_zero_pages.pdf": "no pages",
    "no_form_narrative.pdf": "no form found",
    "not_pdf_png.pdf": "not a PDF",
    "not_pdf_text.pdf": "not a PDF",
}


@pytest.mark.parametrize("name", sorted(EXPECTED_REASONS))
def test_bad_file_is_a_failed_document_with_a_reason(name):
    document = extract_pdf(BAD / name, display_name=name)
    assert document.status == "failed"
    assert document.forms == []
    assert EXPECTED_REASONS[name] in document.errors[-1].message
    assert document.errors[-1].stage in ("open", "forms")


@needs_shared
@pytest.mark.parametrize("name", sorted(EXPECTED_REASONS))
def test_failed_documents_are_schema_valid(name):
    assert schema_errors(extract_pdf(BAD / name, display_name=name).to_json()) == []


def test_zero_byte_file_fails_cleanly(tmp_path):
    empty = tmp_path / "zero.pdf"
    empty.write_bytes(b"")
    document = extract_pdf(empty)
    assert document.status == "failed" and "empty file" in document.errors[0].message


def test_missing_file_fails_cleanly(tmp_path):
    document = extract_pdf(tmp_path / "absent.pdf")
    assert document.status == "failed" and "cannot read" in document.errors[0].message


def test_cli_run_goes_on_after_bad_files(tmp_path):
    good = sorted(BORN_DIGITAL.glob("*.pdf"))[0]
    bad = sorted(BAD.glob("*.pdf"))
    result = subprocess.run([sys.executable, "-m", "pipeline.cli", "extract", *map(str, bad), str(good),
                             "--out", str(tmp_path)], capture_output=True, text=True)
    assert result.returncode == 1, result.stderr          # exitcodes.FAILED
    assert "Traceback" not in result.stdout + result.stderr
    for pdf in bad:
        assert json.loads((tmp_path / f"{pdf.stem}.json").read_text())["status"] == "failed"
    assert json.loads((tmp_path / f"{good.stem}.json").read_text())["status"] in ("succeeded", "needs_review")
