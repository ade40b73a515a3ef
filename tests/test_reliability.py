"""The orchestration's reliability promises, each one a test."""
from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flows.ingest import ingest
from flows.rerun import rerun
from pipeline import storage
from pipeline.ledger import FINAL_STATUSES, RUNNING, Ledger
from tests.flow_support import BAD, BORN_DIGITAL, ROOT, born_digital_inbox, copy_into, json_outputs

pytestmark = pytest.mark.usefixtures("prefect_harness")

EXTRACTION_DELAY_S = 2.0
FRESH_CLAIM_S = 0.5

INGEST_IN_SUBPROCESS = (
    "import sys; from flows.ingest import ingest; "
    "ingest(sys.argv[1], sys.argv[2], db=sys.argv[3], concurrency=2, lease_s=float(sys.argv[4]), "
    "extractor='tests.flow_support:SlowExtractor')"
)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _wait_for_progress(db_url: str, proc: subprocess.Popen, timeout: float = 180) -> list:
    """Until one document finished and another has only just been claimed.

    Claimed together, two documents also finish together: the one still running when the first
    finishes may be done a moment later, before the kill lands. One first seen running within the
    last FRESH_CLAIM_S still has most of its (slowed) extraction ahead of it.
    """
    deadline = time.monotonic() + timeout
    first_seen_running: dict[int, float] = {}
    with Ledger(db_url) as ledger:
        while time.monotonic() < deadline and proc.poll() is None:
            rows, now = ledger.select(), time.monotonic()
            for row in rows:
                if row.status == RUNNING:
                    first_seen_running.setdefault(row.id, now)
            fresh = [r for r in rows if r.status == RUNNING and now - first_seen_running[r.id] < FRESH_CLAIM_S]
            if fresh and any(r.status in FINAL_STATUSES for r in rows):
                return rows
            time.sleep(0.05)
    pytest.fail(f"the ingest never got going (exit code {proc.poll()})")


def test_kill_9_mid_ingest_then_new_run_processes_each_document_exactly_once(tmp_path, sqlite_url):
    inbox, out, lease_s = tmp_path / "inbox", tmp_path / "out", 3.0
    born_digital_inbox(inbox, 8)
    env = os.environ | {"PREFECT_HOME": str(tmp_path / "prefect"), "SELFEVAL_TEST_DELAY_S": str(EXTRACTION_DELAY_S),
                        "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_API_URL": "",
                        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180"}
    proc = subprocess.Popen([sys.executable, "-c", INGEST_IN_SUBPROCESS, str(inbox), str(out), sqlite_url, str(lease_s)],
                            cwd=ROOT, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for_progress(sqlite_url, proc)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the worker and its extraction processes, like a lost host
        proc.wait()
    with Ledger(sqlite_url) as ledger:
        at_kill = {r.id: r for r in ledger.select()}
    done_before = {i for i, r in at_kill.items() if r.status in FINAL_STATUSES}
    running_at_kill = {i for i, r in at_kill.items() if r.status == RUNNING}
    assert done_before and running_at_kill
    mtimes = {i: os.stat(at_kill[i].output_uri).st_mtime_ns for i in done_before}

    time.sleep(lease_s + 0.5)  # the dead worker's leases run out
    report = ingest(str(inbox), str(out), db=sqlite_url, concurrency=2, lease_s=lease_s)

    assert set(report.reclaimed) == running_at_kill
    with Ledger(sqlite_url) as ledger:
        rows = ledger.select()
    assert len(rows) == 8 and all(r.status in FINAL_STATUSES for r in rows)
    for row in rows:
        assert row.attempts == (2 if row.id in running_at_kill else 1)
        assert row.output_version == 1
    assert {i: os.stat(at_kill[i].output_uri).st_mtime_ns for i in done_before} == mtimes
    outputs = json_outputs(out)
    assert sorted(str(p) for p in outputs) == sorted(r.output_uri for r in rows)
    assert sorted(json.loads(p.read_text(encoding="utf-8"))["document"]["sha256"] for p in outputs) == \
        sorted(r.sha256 for r in rows)
    assert not any(p.name.startswith(storage.TEMP_PREFIX) for p in out.rglob("*"))
    assert not (out / "versions").exists()


def test_same_file_twice_and_under_another_name_is_processed_once(tmp_path, sqlite_url):
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    data = BORN_DIGITAL[0].read_bytes()
    (inbox / "form.pdf").write_bytes(data)
    (inbox / "form (copy).pdf").write_bytes(data)
    first = ingest(str(inbox), str(out), db=sqlite_url)
    (inbox / "renamed later.pdf").write_bytes(data)
    second = ingest(str(inbox), str(out), db=sqlite_url)
    assert len(first.results) == 1 and first.duplicates == 1
    assert second.results == [] and second.skipped_known == 3
    assert len(json_outputs(out)) == 1
    with Ledger(sqlite_url) as ledger:
        (row,) = ledger.select()
        assert row.attempts == 1
        assert len(ledger.paths(row.id)) == 3


def test_bad_files_fail_with_a_reason_and_the_run_goes_on(tmp_path, sqlite_url):
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    copy_into(inbox, BAD + BORN_DIGITAL[:1])
    report = ingest(str(inbox), str(out), db=sqlite_url, concurrency=2)
    by_name = {r.display_name: r for r in report.results}
    assert set(by_name) == {p.name for p in BAD + BORN_DIGITAL[:1]}
    for bad in BAD:
        result = by_name[bad.name]
        assert result.status == "failed", bad.name
        assert result.error_stage and result.error_message, bad.name
    assert by_name[BORN_DIGITAL[0].name].status in ("succeeded", "needs_review")
    with Ledger(sqlite_url) as ledger:
        assert all(r.attempts == 1 for r in ledger.select())  # a bad PDF is not retried
    assert len(json_outputs(out)) == len(BAD) + 1


@pytest.fixture
def small_tmpfs(tmp_path):
    """A 256 KiB tmpfs to break on purpose; needs root (mount), skipped otherwise."""
    mount_point = tmp_path / "outdev"
    mount_point.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount_point)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs to simulate storage failures: {done.stderr.strip()}")
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], check=False)


def _fill(mount_point: Path) -> Path:
    filler = mount_point / "filler.bin"
    with open(filler, "wb", buffering=0) as fh:
        try:
            while True:
                fh.write(b"\0" * 4096)
        except OSError:
            pass
    return filler


def _assert_storage_failure_then_rerun_succeeds(inbox: Path, out: Path, db: str, reason: str, fix) -> None:
    inputs = {p: _sha(p) for p in inbox.iterdir()}
    report = ingest(str(inbox), str(out), db=db)
    assert len(report.results) == 2
    for result in report.results:
        assert result.status == "failed" and result.error_stage == "storage"
        assert reason in result.error_message
    assert {p: _sha(p) for p in inbox.iterdir()} == inputs  # no input lost or touched
    fix()
    again = rerun(stage="storage", db=db)
    assert len(again.results) == 2
    assert all(r.status in ("succeeded", "needs_review") for r in again.results)
    assert len(json_outputs(out)) == 2
    with Ledger(db) as ledger:
        assert all(r.error_stage != "storage" and r.output_uri for r in ledger.select())


def test_disk_full_fails_documents_keeps_inputs_and_rerun_after_fix_succeeds(tmp_path, sqlite_url, small_tmpfs):
    inbox = tmp_path / "inbox"
    born_digital_inbox(inbox, 2)
    filler = _fill(small_tmpfs)
    _assert_storage_failure_then_rerun_succeeds(inbox, small_tmpfs, sqlite_url, "no space left",
                                                fix=filler.unlink)


def test_read_only_output_fails_documents_and_rerun_after_fix_succeeds(tmp_path, sqlite_url, small_tmpfs):
    inbox = tmp_path / "inbox"
    born_digital_inbox(inbox, 2)
    subprocess.run(["mount", "-o", "remount,ro", str(small_tmpfs)], check=True)
    _assert_storage_failure_then_rerun_succeeds(
        inbox, small_tmpfs, sqlite_url, "not writable",
        fix=lambda: subprocess.run(["mount", "-o", "remount,rw", str(small_tmpfs)], check=True))


def test_two_ingest_workers_sharing_a_postgresql_ledger_never_double_process(tmp_path, postgres_url):
    """Two hosts' worth of ingest on one machine: same inbox, same output storage, one PostgreSQL ledger."""
    inbox, out, lease_s = tmp_path / "inbox", tmp_path / "out", 60.0
    born_digital_inbox(inbox, 8)
    procs = []
    for worker in ("a", "b"):
        env = os.environ | {"PREFECT_HOME": str(tmp_path / f"prefect-{worker}"), "SELFEVAL_TEST_DELAY_S": "0.5",
                            "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_API_URL": "",
                        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180"}
        procs.append(subprocess.Popen(
            [sys.executable, "-c", INGEST_IN_SUBPROCESS, str(inbox), str(out), postgres_url, str(lease_s)],
            cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL,
            stderr=open(tmp_path / f"worker-{worker}.log", "w")))
    try:
        for worker, proc in zip("ab", procs):
            assert proc.wait(timeout=300) == 0, (tmp_path / f"worker-{worker}.log").read_text()[-3000:]
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
    with Ledger(postgres_url) as ledger:
        rows = ledger.select()
    assert len(rows) == 8
    assert all(r.status in FINAL_STATUSES and r.attempts == 1 for r in rows)
    assert len(json_outputs(out)) == 8 and not (out / "versions").exists()
