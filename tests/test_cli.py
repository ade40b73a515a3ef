"""The command line: --help everywhere, meaningful exit codes."""
from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from pipeline import exitcodes
from pipeline.cli import app
from tests.support import BORN_DIGITAL

runner = CliRunner()


def command_names() -> list[str]:
    import typer.main
    group = typer.main.get_command(app)
    return sorted(group.commands)


def test_main_help_lists_commands():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for name in ("extract", "bench"):
        assert name in result.output


@pytest.mark.parametrize("name", command_names())
def test_every_command_has_help(name):
    result = runner.invoke(app, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_extract_writes_one_json_per_pdf_and_exits_by_status(tmp_path):
    pdfs = sorted(BORN_DIGITAL.glob("*.pdf"))
    result = runner.invoke(app, ["-q", "extract", *map(str, pdfs), "--out", str(tmp_path)])
    assert sorted(p.stem for p in tmp_path.glob("*.json")) == sorted(p.stem for p in pdfs)
    assert result.exit_code in (exitcodes.OK, exitcodes.NEEDS_REVIEW)


def test_extract_without_pdfs_is_a_usage_error(tmp_path):
    result = runner.invoke(app, ["extract", str(tmp_path), "--out", str(tmp_path / "out")])
    assert result.exit_code == exitcodes.USAGE


def test_entry_point_runs():
    result = subprocess.run([sys.executable, "-m", "pipeline.cli", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "extract" in result.stdout


def test_exit_codes_for_statuses():
    assert exitcodes.for_statuses(["succeeded"]) == exitcodes.OK
    assert exitcodes.for_statuses(["succeeded", "needs_review"]) == exitcodes.NEEDS_REVIEW
    assert exitcodes.for_statuses(["needs_review", "failed"]) == exitcodes.FAILED
