"""Prefect tasks shared by the ingest and rerun flows: one document from claim to ledger.

Only transient failures are retried (with exponential backoff): output storage I/O
errors, database operational errors, a crashed extraction worker. A bad PDF is not
an error here at all: the extractor returns a ``failed`` Document and that is recorded.
"""
from __future__ import annotations

import functools
import os
import socket
import tempfile
import threading
import time
import uuid
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.tasks import exponential_backoff
from sqlalchemy.exc import DBAPIError, OperationalError

from flows.worker import DEFAULT_EXTRACTOR, Extraction, active_pool, extract_file
from pipeline import storage
from pipeline.ledger import FAILED, Ledger, Outcome

STORAGE_RETRIES = 3
DB_RETRIES = 3


@dataclass(frozen=True)
class DocumentJob:
    doc_id: int
    sha256: str
    source_url: str
    display_name: str
    output_root: str
    db_url: str
    lease_s: float
    owner: str
    from_statuses: tuple[str, ...] = ("pending",)
    extractor: str = DEFAULT_EXTRACTOR


@dataclass
class DocumentResult:
    doc_id: int
    display_name: str
    status: str                      # succeeded / needs_review / failed, or "skipped" (claimed elsewhere)
    error_stage: str | None = None
    error_message: str | None = None
    output_uri: str | None = None
    output_version: int | None = None
    seconds: float = 0.0
    worker_pid: int | None = None
    worker_peak_rss_mb: float | None = None
    notes: list[str] = field(default_factory=list)


def worker_identity() -> str:
    """Unique per flow run: host, pid and a random suffix."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@functools.lru_cache(maxsize=8)
def ledger_for(db_url: str, lease_s: float) -> Ledger:
    return Ledger(db_url, lease_s=lease_s)


def is_transient(exc: BaseException | None) -> bool:
    if isinstance(exc, (storage.StorageError, OperationalError, BrokenProcessPool)):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return False


def retry_transient_only(task, task_run, state) -> bool:
    try:
        state.result()
    except Exception as exc:  # noqa: BLE001 - we only classify it
        return is_transient(exc)
    return False


_transient_retries = dict(retry_delay_seconds=exponential_backoff(backoff_factor=0.5),
                          retry_jitter_factor=0.5, retry_condition_fn=retry_transient_only,
                          cache_policy=NO_CACHE)


@task(name="claim-document", retries=DB_RETRIES, **_transient_retries)
def claim_document(job: DocumentJob) -> bool:
    return ledger_for(job.db_url, job.lease_s).claim(job.doc_id, job.owner, from_statuses=job.from_statuses)


@task(name="extract-document", retries=1, **_transient_retries)
def extract_document(job: DocumentJob) -> Extraction:
    with tempfile.TemporaryDirectory(prefix="selfeval-in-") as scratch:
        local = storage.local_copy(job.source_url, scratch)
        pool = active_pool()
        if pool is None:
            return extract_file(local, job.display_name, job.sha256, job.extractor)
        executor = pool.ensure_executor()
        future = executor.submit(extract_file, local, job.display_name, job.sha256, job.extractor)
        try:
            return future.result()
        except BrokenProcessPool:
            pool.restart_if_broken(executor)
            raise


@task(name="store-output", retries=STORAGE_RETRIES, **_transient_retries)
def store_output(job: DocumentJob, document: dict) -> tuple[str, int]:
    """Write the JSON; a previous output of this document becomes versions/<name>.v<N>.json."""
    row = ledger_for(job.db_url, job.lease_s).get(job.doc_id)
    previous_version = row.output_version if row else 0
    if row and row.output_uri:
        storage.keep_previous_version(row.output_uri, previous_version)
    target = storage.join(job.output_root, storage.output_name(job.display_name, job.sha256))
    storage.write_json_atomic(target, document)
    return target, previous_version + 1


@task(name="record-outcome", retries=DB_RETRIES, **_transient_retries)
def record_outcome(job: DocumentJob, outcome: Outcome) -> bool:
    return ledger_for(job.db_url, job.lease_s).finish(job.doc_id, job.owner, outcome)


class _Heartbeat:
    """Renews the lease while the document is worked on; notices when it was lost."""

    def __init__(self, job: DocumentJob):
        self.job = job
        self.lost = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name=f"heartbeat-{job.doc_id}")

    def __enter__(self) -> "_Heartbeat":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        ledger = ledger_for(self.job.db_url, self.job.lease_s)
        while not self._stop.wait(max(0.2, self.job.lease_s / 3)):
            try:
                if not ledger.heartbeat(self.job.doc_id, self.job.owner):
                    self.lost = True
                    return
            except Exception:  # a missed beat is not fatal; the lease covers a few
                continue


@task(name="process-document", cache_policy=NO_CACHE)
def process_document(job: DocumentJob) -> DocumentResult:
    log = get_run_logger()
    started = time.monotonic()
    result = DocumentResult(doc_id=job.doc_id, display_name=job.display_name, status="skipped")
    if not claim_document(job):
        result.notes.append("claimed by another worker")
        return result
    with _Heartbeat(job) as heartbeat:
        try:
            extraction = extract_document(job)
        except Exception as err:
            extraction = None
            outcome = Outcome(status=FAILED, error_stage="worker", error_message=f"{type(err).__name__}: {err}")
        if extraction is not None:
            result.worker_pid = extraction.worker_pid
            result.worker_peak_rss_mb = extraction.worker_peak_rss_mb
            outcome = _store(job, extraction, heartbeat)
            if outcome is None:
                result.notes.append("lease lost to another worker; output not written")
                return result
    if not record_outcome(job, outcome):
        result.notes.append("lease lost before the outcome was recorded")
        result.status = "skipped"
        return result
    result.status = outcome.status
    result.error_stage, result.error_message = outcome.error_stage, outcome.error_message
    result.output_uri, result.output_version = outcome.output_uri, outcome.output_version
    result.seconds = time.monotonic() - started
    log.info("%s: %s%s", job.display_name, outcome.status,
             f" ({outcome.error_stage}: {outcome.error_message})" if outcome.error_stage else "")
    return result


def _store(job: DocumentJob, extraction: Extraction, heartbeat: _Heartbeat) -> Outcome | None:
    """Write the output unless the lease was lost; storage failure fails the document."""
    if heartbeat.lost or not ledger_for(job.db_url, job.lease_s).heartbeat(job.doc_id, job.owner):
        return None
    try:
        uri, version = store_output(job, extraction.document)
    except storage.StorageError as err:
        return Outcome(status=FAILED, error_stage="storage", error_message=str(err))
    return Outcome(status=extraction.status, output_uri=uri, output_version=version,
                   error_stage=extraction.error_stage, error_message=extraction.error_message)
