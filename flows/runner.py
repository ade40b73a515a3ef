"""Runs document jobs from inside a flow: a bounded window of task runs over one extraction pool."""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Callable

from prefect.futures import as_completed

from flows.tasks import DocumentJob, DocumentResult, process_document
from flows.worker import ExtractionPool, set_active_pool

MAX_CONCURRENCY = 16

# In-process observers (the CLI's progress bar); flows run in the caller's process in
# Prefect's ephemeral mode, so a plain callback is enough and nothing is serialised.
_listeners: list[Callable[[str, object], None]] = []


def add_listener(listener: Callable[[str, object], None]) -> None:
    _listeners.append(listener)


def remove_listener(listener: Callable[[str, object], None]) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def notify(event: str, payload: object) -> None:
    for listener in list(_listeners):
        listener(event, payload)


@dataclass
class RunReport:
    """What a flow run did; the flow's return value."""
    results: list[DocumentResult] = field(default_factory=list)
    skipped_known: int = 0          # already processed earlier (same sha256)
    duplicates: int = 0             # same bytes twice in this listing
    reclaimed: list[int] = field(default_factory=list)   # rows a dead worker had left running
    errors: list[str] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def statuses(self) -> list[str]:
        return [r.status for r in self.results if r.status != "skipped"]

    def summary(self) -> dict:
        return {s: self.count(s) for s in ("succeeded", "needs_review", "failed", "skipped")} | {
            "already_processed": self.skipped_known, "duplicates": self.duplicates,
            "reclaimed": len(self.reclaimed)}


def clamp_concurrency(concurrency: int) -> int:
    return max(1, min(int(concurrency), MAX_CONCURRENCY))


def run_jobs(jobs: list[DocumentJob], concurrency: int, extractor: str) -> list[DocumentResult]:
    """At most ``concurrency`` documents in flight, each extracted in its own worker process."""
    concurrency = clamp_concurrency(concurrency)
    notify("total", len(jobs))
    results: list[DocumentResult] = []
    if not jobs:
        return results
    queue = deque(jobs)
    inflight: dict = {}
    with ExtractionPool(concurrency, extractor) as pool:
        set_active_pool(pool)
        try:
            while queue or inflight:
                while queue and len(inflight) < concurrency:
                    job = queue.popleft()
                    inflight[process_document.submit(job)] = job
                done = next(as_completed(list(inflight)))
                job = inflight.pop(done)
                results.append(_result_of(done, job))
                notify("done", results[-1])
        finally:
            set_active_pool(None)
    return results


def _result_of(future, job: DocumentJob) -> DocumentResult:
    try:
        return future.result()
    except Exception as err:  # the ledger itself was unreachable after retries
        return DocumentResult(doc_id=job.doc_id, display_name=job.display_name, status="failed",
                              error_stage="ledger", error_message=f"{type(err).__name__}: {err}")
