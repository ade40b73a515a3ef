"""The ledger on SQLite and PostgreSQL: identity by sha256, atomic claims, leases, selection."""
from __future__ import annotations

import multiprocessing
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from pipeline.ledger import (FAILED, NEEDS_REVIEW, PENDING, RUNNING, SUCCEEDED, Ledger, Outcome,
                             resolve_db_url)

SHA_A = "a" * 64
SHA_B = "b" * 64


@pytest.fixture
def ledger(ledger_url):
    with Ledger(ledger_url, lease_s=60) as led:
        yield led


def test_same_bytes_under_two_names_is_one_document(ledger):
    first = ledger.register(SHA_A, "/in/a.pdf")
    second = ledger.register(SHA_A, "/in/copy of a.pdf")
    assert first.is_new and not second.is_new
    assert first.document.id == second.document.id
    assert set(ledger.paths(first.document.id)) == {"/in/a.pdf", "/in/copy of a.pdf"}
    assert first.document.status == PENDING and first.document.display_name == "a.pdf"


def test_changed_file_at_same_path_is_a_new_document(ledger):
    old = ledger.register(SHA_A, "/in/a.pdf").document
    new = ledger.register(SHA_B, "/in/a.pdf")
    assert new.is_new and new.document.id != old.id


def test_claim_then_finish_records_outcome_and_timing(ledger):
    doc = ledger.register(SHA_A, "/in/a.pdf", output_root="/out").document
    assert ledger.claim(doc.id, "w1")
    row = ledger.get(doc.id)
    assert row.status == RUNNING and row.attempts == 1 and row.lease_owner == "w1"
    assert ledger.finish(doc.id, "w1", Outcome(SUCCEEDED, output_uri="/out/a.json", output_version=1))
    row = ledger.get(doc.id)
    assert (row.status, row.output_uri, row.output_version, row.lease_owner) == (SUCCEEDED, "/out/a.json", 1, None)
    assert row.duration_s is not None and row.duration_s >= 0
    assert row.output_root == "/out"


def test_only_the_lease_holder_may_finish(ledger):
    doc = ledger.register(SHA_A, "/in/a.pdf").document
    assert ledger.claim(doc.id, "w1")
    assert not ledger.claim(doc.id, "w2")
    assert not ledger.finish(doc.id, "w2", Outcome(FAILED, error_stage="open", error_message="x"))
    assert ledger.get(doc.id).status == RUNNING


def test_finished_documents_are_not_claimed_again_unless_asked(ledger):
    doc = ledger.register(SHA_A, "/in/a.pdf").document
    ledger.claim(doc.id, "w1")
    ledger.finish(doc.id, "w1", Outcome(FAILED, error_stage="storage", error_message="disk full"))
    assert not ledger.claim(doc.id, "w2")
    assert ledger.claim(doc.id, "w2", from_statuses=(FAILED,))
    assert ledger.get(doc.id).attempts == 2


def test_expired_lease_is_reclaimed_never_stuck_running(ledger_url):
    with Ledger(ledger_url, lease_s=0.5) as ledger:
        doc = ledger.register(SHA_A, "/in/a.pdf").document
        assert ledger.claim(doc.id, "dead-worker")
        assert ledger.release_stale() == []
        time.sleep(0.8)
        assert not ledger.heartbeat(doc.id, "someone-else")
        assert ledger.release_stale() == [doc.id]
        row = ledger.get(doc.id)
        assert row.status == PENDING and row.error_stage == "worker"
        assert ledger.claim(doc.id, "w2")
        assert not ledger.finish(doc.id, "dead-worker", Outcome(SUCCEEDED))


def test_expired_running_row_can_be_claimed_directly(ledger_url):
    with Ledger(ledger_url, lease_s=0.3) as ledger:
        doc = ledger.register(SHA_A, "/in/a.pdf").document
        ledger.claim(doc.id, "dead-worker")
        assert not ledger.claim(doc.id, "w2")
        time.sleep(0.5)
        assert ledger.claim(doc.id, "w2")


def test_heartbeat_keeps_a_live_worker_s_lease(ledger_url):
    with Ledger(ledger_url, lease_s=0.6) as ledger:
        doc = ledger.register(SHA_A, "/in/a.pdf").document
        ledger.claim(doc.id, "w1")
        for _ in range(3):
            time.sleep(0.3)
            assert ledger.heartbeat(doc.id, "w1")
        assert not ledger.claim(doc.id, "w2")


def test_racing_threads_claim_each_document_once(ledger):
    ids = [ledger.register(f"{i:064x}", f"/in/{i}.pdf").document.id for i in range(30)]

    def grab(worker: str) -> list[int]:
        return [doc_id for doc_id in ids if ledger.claim(doc_id, worker)]

    with ThreadPoolExecutor(4) as pool:
        claimed = list(pool.map(grab, ["w1", "w2", "w3", "w4"]))
    flat = [doc_id for part in claimed for doc_id in part]
    assert sorted(flat) == sorted(ids)


def _claim_all(url: str, worker: str, ids: list[int], queue) -> None:
    ledger = Ledger(url)
    queue.put((worker, [doc_id for doc_id in ids if ledger.claim(doc_id, worker)]))


def test_two_worker_processes_on_one_ledger_never_double_process(ledger):
    ids = [ledger.register(f"{i:064x}", f"/in/{i}.pdf").document.id for i in range(60)]
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    workers = [ctx.Process(target=_claim_all, args=(ledger.url, name, ids, queue)) for name in ("w1", "w2")]
    for proc in workers:
        proc.start()
    results = dict(queue.get(timeout=120) for _ in workers)
    for proc in workers:
        proc.join(timeout=60)
    assert not set(results["w1"]) & set(results["w2"])
    assert sorted(results["w1"] + results["w2"]) == sorted(ids)


def test_select_by_id_sha_prefix_status_and_stage(ledger):
    a = ledger.register(SHA_A, "/in/a.pdf").document
    b = ledger.register(SHA_B, "/in/b.pdf").document
    ledger.claim(a.id, "w")
    ledger.finish(a.id, "w", Outcome(FAILED, error_stage="storage", error_message="read-only"))
    ledger.claim(b.id, "w")
    ledger.finish(b.id, "w", Outcome(NEEDS_REVIEW))
    assert [r.id for r in ledger.select(ids=[str(a.id)])] == [a.id]
    assert [r.id for r in ledger.select(ids=["bbbbbbbb"])] == [b.id]
    assert [r.id for r in ledger.select(statuses=[FAILED])] == [a.id]
    assert [r.id for r in ledger.select(stage="storage")] == [a.id]
    assert ledger.counts() == {FAILED: 1, NEEDS_REVIEW: 1}
    with pytest.raises(ValueError):
        ledger.select(ids=["xyz"])


def test_db_url_resolution(monkeypatch, tmp_path):
    monkeypatch.delenv("SELFEVAL_DB", raising=False)
    assert resolve_db_url() == "sqlite:///.selfeval/ledger.db"
    monkeypatch.setenv("SELFEVAL_DB", "postgresql://u@h/db")
    assert resolve_db_url() == "postgresql://u@h/db"
    assert resolve_db_url(str(tmp_path / "l.db")) == f"sqlite:///{tmp_path / 'l.db'}"
