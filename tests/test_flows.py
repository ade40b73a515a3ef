"""The ingest and rerun flows end to end (Prefect's temporary API, real extractor, real pool)."""
from __future__ import annotations

import json

import pytest

from flows.ingest import ingest
from flows.rerun import NothingSelected, rerun
from pipeline.ledger import Ledger
from tests.flow_support import BAD, BORN_DIGITAL, born_digital_inbox, copy_into, json_outputs, pdf_variant

pytestmark = pytest.mark.usefixtures("prefect_harness")


def test_ingest_then_second_run_skips_everything(tmp_path, sqlite_url):
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    copy_into(inbox, BORN_DIGITAL + BAD[:2])
    report = ingest(str(inbox), str(out), db=sqlite_url, concurrency=2)
    assert len(report.results) == len(BORN_DIGITAL) + 2
    outputs = json_outputs(out)
    assert len(outputs) == len(report.results)
    with Ledger(sqlite_url) as ledger:
        rows = ledger.select()
    assert {r.status for r in rows} <= {"succeeded", "needs_review", "failed"}
    for row in rows:
        document = json.loads(open(row.output_uri, encoding="utf-8").read())
        assert document["document"]["sha256"] == row.sha256
        assert document["status"] == row.status
    again = ingest(str(inbox), str(out), db=sqlite_url)
    assert again.results == [] and again.skipped_known == len(rows)


def test_changed_file_at_same_path_is_processed_again(tmp_path, sqlite_url):
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    target = inbox / "form.pdf"
    pdf_variant(BORN_DIGITAL[0], target, 1)
    first = ingest(str(inbox), str(out), db=sqlite_url)
    pdf_variant(BORN_DIGITAL[0], target, 2)
    second = ingest(str(inbox), str(out), db=sqlite_url)
    assert len(first.results) == 1 and len(second.results) == 1
    assert first.results[0].doc_id != second.results[0].doc_id
    assert len(json_outputs(out)) == 2


def test_rerun_keeps_the_previous_output_as_a_version(tmp_path, sqlite_url):
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    born_digital_inbox(inbox, 2)
    first = ingest(str(inbox), str(out), db=sqlite_url)
    doc_id = first.results[0].doc_id
    report = rerun(ids=[str(doc_id)], db=sqlite_url)
    assert [r.doc_id for r in report.results] == [doc_id]
    assert report.results[0].output_version == 2
    with Ledger(sqlite_url) as ledger:
        row = ledger.get(doc_id)
    assert row.output_version == 2 and row.attempts == 2
    versions = list((out / "versions").glob("*.v1.json"))
    assert len(versions) == 1
    assert json.loads(versions[0].read_text(encoding="utf-8"))["document"]["sha256"] == row.sha256
    assert len(json_outputs(out)) == 2


def test_rerun_by_status_picks_only_those(tmp_path, sqlite_url):
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    copy_into(inbox, BORN_DIGITAL[:1] + BAD[:2])
    ingest(str(inbox), str(out), db=sqlite_url)
    report = rerun(status=["failed"], db=sqlite_url)
    assert len(report.results) == 2 and all(r.status == "failed" for r in report.results)
    with pytest.raises(NothingSelected):
        rerun(db=sqlite_url)


def test_object_store_inbox_and_output(tmp_path, sqlite_url):
    import uuid

    import fsspec

    bucket = f"memory://bucket-{uuid.uuid4().hex[:6]}"
    fs = fsspec.filesystem("memory")
    fs.pipe_file(bucket.removeprefix("memory://") + "/inbox/a.pdf", BORN_DIGITAL[0].read_bytes())
    report = ingest(bucket + "/inbox", bucket + "/out", db=sqlite_url)
    assert len(report.results) == 1 and report.results[0].status in ("succeeded", "needs_review")
    written = [p for p in fs.find(bucket.removeprefix("memory://") + "/out")]
    assert len(written) == 1 and written[0].endswith(".json")


def test_cli_ingest_status_rerun_exit_codes(tmp_path, sqlite_url):
    from typer.testing import CliRunner

    from pipeline import exitcodes
    from pipeline.cli import app

    inbox, out = tmp_path / "inbox", tmp_path / "out"
    copy_into(inbox, BAD[:1])
    runner = CliRunner()
    result = runner.invoke(app, ["ingest", str(inbox), "--out", str(out), "--db", sqlite_url])
    assert result.exit_code == exitcodes.FAILED, result.output
    assert BAD[0].name in result.output
    result = runner.invoke(app, ["status", "--json", "--status", "failed", "--db", sqlite_url])
    assert result.exit_code == 0
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [r["display_name"] for r in rows] == [BAD[0].name]
    assert runner.invoke(app, ["rerun", "--db", sqlite_url]).exit_code == exitcodes.USAGE
    assert runner.invoke(app, ["status", "--status", "bogus", "--db", sqlite_url]).exit_code == exitcodes.USAGE
    result = runner.invoke(app, ["rerun", "--failed", "--db", sqlite_url])
    assert result.exit_code == exitcodes.FAILED
    copy_into(inbox, BORN_DIGITAL[:1])
    result = runner.invoke(app, ["ingest", str(inbox), "--out", str(out), "--db", sqlite_url])
    assert result.exit_code in (exitcodes.OK, exitcodes.NEEDS_REVIEW), result.output
