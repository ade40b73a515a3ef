"""The ``rerun`` flow: reprocess chosen documents (by id, status, error stage, or all).

The previous output of a document is kept as ``versions/<name>.v<N>.json``; the new
one takes its place. The input is read from the paths the ledger recorded (the most
recently seen first) and must still hold the same bytes.
"""
from __future__ import annotations

from prefect import flow, get_run_logger
from prefect.task_runners import ThreadPoolTaskRunner

from flows.runner import MAX_CONCURRENCY, RunReport, run_jobs
from flows.tasks import DocumentJob, ledger_for, worker_identity
from flows.worker import DEFAULT_EXTRACTOR
from pipeline import storage
from pipeline.ledger import DEFAULT_LEASE_S, FINAL_STATUSES, PENDING, DocumentView, resolve_db_url

RERUNNABLE = (PENDING, *FINAL_STATUSES)


class NothingSelected(ValueError):
    """A rerun needs ids, a status, a stage or ``all``."""


@flow(name="rerun", task_runner=ThreadPoolTaskRunner(max_workers=MAX_CONCURRENCY),
      validate_parameters=True)
def rerun(ids: list[str] | None = None, status: list[str] | None = None, stage: str | None = None,
          all: bool = False, output: str | None = None, db: str | None = None,
          concurrency: int = 1, lease_s: float = DEFAULT_LEASE_S,
          extractor: str = DEFAULT_EXTRACTOR) -> RunReport:
    """Reprocess the selected documents; ``output`` overrides where each one's output goes."""
    log = get_run_logger()
    db_url = resolve_db_url(db)
    ledger = ledger_for(db_url, lease_s)
    report = RunReport(reclaimed=ledger.release_stale())
    rows = select_rows(ledger, ids=ids, status=status, stage=stage, all=all)
    owner = worker_identity()
    jobs = []
    for row in rows:
        job = job_for(ledger, row, output, db_url, lease_s, owner, extractor)
        if isinstance(job, str):
            report.errors.append(job)
            log.error(job)
        else:
            jobs.append(job)
    log.info("rerunning %d document(s)", len(jobs))
    report.results = run_jobs(jobs, concurrency, extractor)
    log.info("done: %s", report.summary())
    return report


def select_rows(ledger, *, ids, status, stage, all) -> list[DocumentView]:
    if not (ids or status or stage or all):
        raise NothingSelected("choose documents to rerun: ids, a status, an error stage, or all")
    statuses = list(status) if status else None
    rows = ledger.select(ids=ids or None, statuses=statuses, stage=stage)
    return [row for row in rows if row.status in RERUNNABLE]


def job_for(ledger, row: DocumentView, output: str | None, db_url: str, lease_s: float,
            owner: str, extractor: str) -> DocumentJob | str:
    """A job for ``row``, or why it cannot be rerun."""
    source = next((path for path in ledger.paths(row.id) if storage.exists(path)), None)
    if source is None:
        return f"document {row.id} ({row.display_name}): input no longer found at {ledger.paths(row.id)}"
    target = output or row.output_root
    if target is None:
        return f"document {row.id} ({row.display_name}): no output location known; pass output"
    return DocumentJob(doc_id=row.id, sha256=row.sha256, source_url=source, display_name=row.display_name,
                       output_root=target, db_url=db_url, lease_s=lease_s, owner=owner,
                       from_statuses=(row.status,), extractor=extractor)
