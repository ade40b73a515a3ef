"""The ``ingest`` flow: new PDFs in an inbox → JSON documents in output storage, every step in the ledger.

A document is identified by the sha256 of its bytes, so a file already processed
(under any name) is skipped and a changed file is processed again. Rows a dead
worker left ``running`` are taken over once their lease has expired.
"""
from __future__ import annotations

from prefect import flow, get_run_logger
from prefect.task_runners import ThreadPoolTaskRunner

from flows.runner import MAX_CONCURRENCY, RunReport, notify, run_jobs
from flows.tasks import DocumentJob, ledger_for, worker_identity
from flows.worker import DEFAULT_EXTRACTOR
from pipeline import storage
from pipeline.ledger import DEFAULT_LEASE_S, PENDING, resolve_db_url


@flow(name="ingest", task_runner=ThreadPoolTaskRunner(max_workers=MAX_CONCURRENCY),
      log_prints=False, validate_parameters=True)
def ingest(inbox: str, output: str, db: str | None = None, concurrency: int = 1,
           pattern: str = "*.pdf", lease_s: float = DEFAULT_LEASE_S,
           extractor: str = DEFAULT_EXTRACTOR) -> RunReport:
    """Process every new PDF under ``inbox`` into ``output`` (local folder or fsspec URL)."""
    log = get_run_logger()
    db_url = resolve_db_url(db)
    ledger = ledger_for(db_url, lease_s)
    report = RunReport(reclaimed=ledger.release_stale())
    if report.reclaimed:
        log.warning("took over %d document(s) a stopped worker left running: %s",
                    len(report.reclaimed), report.reclaimed)
    storage.sweep_temp_files(output, older_than_s=lease_s)
    jobs = plan_jobs(inbox, output, db_url, lease_s, pattern, extractor, report)
    log.info("%d file(s) to process, %d already processed, %d duplicate(s)",
             len(jobs), report.skipped_known, report.duplicates)
    report.results = run_jobs(jobs, concurrency, extractor)
    log.info("done: %s", report.summary())
    return report


def plan_jobs(inbox: str, output: str, db_url: str, lease_s: float, pattern: str,
              extractor: str, report: RunReport) -> list[DocumentJob]:
    """Register every listed file; a job for each document not processed yet."""
    ledger = ledger_for(db_url, lease_s)
    owner = worker_identity()
    files = storage.list_inbox(inbox, pattern)
    notify("listed", len(files))
    jobs: dict[str, DocumentJob] = {}
    for item in files:
        sha = storage.sha256_of(item.url)
        registration = ledger.register(sha, item.url, display_name=item.name, output_root=output)
        row = registration.document
        if sha in jobs:
            report.duplicates += 1
        elif row.status != PENDING and not _stale_running(row):
            report.skipped_known += 1
        else:
            jobs[sha] = DocumentJob(doc_id=row.id, sha256=sha, source_url=item.url,
                                    display_name=row.display_name,
                                    output_root=output, db_url=db_url,
                                    lease_s=lease_s, owner=owner, extractor=extractor)
    return list(jobs.values())


def _stale_running(row) -> bool:
    from pipeline.ledger import RUNNING, utcnow
    return row.status == RUNNING and row.lease_expires_at is not None and row.lease_expires_at < utcnow()


if __name__ == "__main__":
    import sys
    ingest(sys.argv[1], sys.argv[2])
