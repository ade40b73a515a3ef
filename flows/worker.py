"""The extraction side of the orchestration: a pool of processes, one Extractor (one OCR model) each.

The flow's tasks run in threads and hand the CPU-heavy extraction to this pool, so the
number of OCR models in memory is the number of worker processes. Workers are
recycled after ``max_tasks_per_child`` documents to keep memory bounded even if a
library leaks. Without a pool (a task running on a Dask worker, say) extraction runs
in the calling process with that process's own cached Extractor.
"""
from __future__ import annotations

import importlib
import multiprocessing
import os
import resource
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from pipeline.hashing import sha256_or_zero

DEFAULT_EXTRACTOR = "pipeline.extract:Extractor"
MAX_TASKS_PER_CHILD = 200

_extractor = None
_extractor_path: str | None = None


@dataclass(frozen=True)
class Extraction:
    """What a worker sends back: the document JSON and a little about the worker."""
    status: str
    document: dict
    error_stage: str | None
    error_message: str | None
    worker_pid: int
    worker_peak_rss_mb: float


def load_extractor(path: str):
    """``module:Class`` → an instance (the project's Extractor, or a wrapper around it)."""
    module_name, _, attr = path.partition(":")
    factory = getattr(importlib.import_module(module_name), attr or "Extractor")
    return factory()


def init_worker(extractor_path: str) -> None:
    global _extractor, _extractor_path
    _extractor = load_extractor(extractor_path)
    _extractor_path = extractor_path


def _process_extractor(extractor_path: str):
    if _extractor is None or _extractor_path != extractor_path:
        init_worker(extractor_path)
    return _extractor


def extract_file(local_path: str, display_name: str, expected_sha256: str,
                 extractor_path: str = DEFAULT_EXTRACTOR) -> Extraction:
    """Extract one local file; never raises for a bad document."""
    actual = sha256_or_zero(local_path)
    if actual != expected_sha256:
        return _failed_extraction(display_name, actual, "input",
                                  f"the file at {display_name} changed since it was registered "
                                  f"(sha256 {actual[:12]}…, expected {expected_sha256[:12]}…)")
    try:
        document = _process_extractor(extractor_path).extract(local_path, display_name=display_name)
    except Exception as err:  # the extractor promises not to raise; if it does, the document fails
        return _failed_extraction(display_name, actual, "extract", f"{type(err).__name__}: {err}")
    errors = document.errors
    first = errors[0] if errors else None
    return Extraction(status=document.status, document=document.to_json(),
                      error_stage=first.stage if first else None,
                      error_message="; ".join(e.message for e in errors) or None,
                      worker_pid=os.getpid(), worker_peak_rss_mb=peak_rss_mb())


def _failed_extraction(display_name: str, sha256: str, stage: str, message: str) -> Extraction:
    from pipeline.record import Document, DocumentInfo, ErrorItem

    document = Document(document=DocumentInfo(file=display_name, sha256=sha256), status="failed",
                        errors=[ErrorItem(stage=stage, message=message)])
    return Extraction(status="failed", document=document.to_json(), error_stage=stage,
                      error_message=message, worker_pid=os.getpid(), worker_peak_rss_mb=peak_rss_mb())





def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


class ExtractionPool:
    """A restartable ProcessPoolExecutor (spawned workers, one Extractor each)."""

    def __init__(self, workers: int, extractor_path: str = DEFAULT_EXTRACTOR,
                 max_tasks_per_child: int = MAX_TASKS_PER_CHILD):
        self.workers = max(1, workers)
        self.extractor_path = extractor_path
        self.max_tasks_per_child = max_tasks_per_child
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None

    def __enter__(self) -> "ExtractionPool":
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()

    def ensure_executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ProcessPoolExecutor(
                    max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                    initializer=init_worker, initargs=(self.extractor_path,),
                    max_tasks_per_child=self.max_tasks_per_child)
            return self._executor

    def submit(self, local_path: str, display_name: str, expected_sha256: str) -> Future:
        return self.ensure_executor().submit(extract_file, local_path, display_name, expected_sha256,
                                     self.extractor_path)

    def restart_if_broken(self, broken: ProcessPoolExecutor | None = None) -> None:
        """After a worker died (BrokenProcessPool) the executor is unusable: replace it."""
        with self._lock:
            if self._executor is not None and (broken is None or self._executor is broken):
                self._executor.shutdown(wait=False, cancel_futures=True)
                self._executor = None

    @property
    def executor(self) -> ProcessPoolExecutor | None:
        return self._executor

    def shutdown(self) -> None:
        with self._lock:
            if self._executor is not None:
                self._executor.shutdown(wait=True, cancel_futures=True)
                self._executor = None


_active_pool: ExtractionPool | None = None


def set_active_pool(pool: ExtractionPool | None) -> None:
    global _active_pool
    _active_pool = pool


def active_pool() -> ExtractionPool | None:
    return _active_pool


__all__ = ["BrokenProcessPool", "Extraction", "ExtractionPool", "active_pool", "extract_file",
           "set_active_pool", "DEFAULT_EXTRACTOR"]
