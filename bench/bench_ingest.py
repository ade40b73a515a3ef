"""Ingest N fixture documents with 1 and 2 worker processes: documents per minute, peak RSS per process.

    .venv/bin/python bench/bench_ingest.py                 # 100 documents from fixtures/born_digital
    .venv/bin/python bench/bench_ingest.py -n 10 --workers 1 2 --fixtures fixtures/scanned

Each run gets a fresh inbox of N distinct documents (fixture PDFs cycled, each copy
made unique by a trailing PDF comment), a fresh output folder and a fresh SQLite
ledger. Prefect runs in ephemeral mode; a one-document warm-up starts it before timing.
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")


def make_inbox(folder: Path, sources: list[Path], count: int) -> None:
    folder.mkdir(parents=True)
    for i in range(count):
        source = sources[i % len(sources)]
        (folder / f"{source.stem}_{i:04d}.pdf").write_bytes(source.read_bytes() + f"\n% copy {i}\n".encode())


def run_once(workdir: Path, sources: list[Path], count: int, workers: int) -> dict:
    from flows.ingest import ingest

    inbox = workdir / f"inbox-{workers}"
    make_inbox(inbox, sources, count)
    started = time.perf_counter()
    report = ingest(str(inbox), str(workdir / f"out-{workers}"),
                    db=f"sqlite:///{workdir / f'ledger-{workers}.db'}", concurrency=workers)
    seconds = time.perf_counter() - started
    rss_by_pid: dict[int, float] = {}
    for result in report.results:
        if result.worker_pid is not None:
            rss_by_pid[result.worker_pid] = max(rss_by_pid.get(result.worker_pid, 0.0), result.worker_peak_rss_mb or 0.0)
    return {"workers": workers, "documents": len(report.results), "seconds": seconds,
            "docs_per_min": 60.0 * len(report.results) / seconds, "summary": report.summary(),
            "worker_rss_mb": rss_by_pid}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--count", type=int, default=100)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--fixtures", type=Path, default=ROOT / "fixtures" / "born_digital")
    args = parser.parse_args()
    sources = sorted(args.fixtures.glob("*.pdf"))
    if not sources:
        sys.exit(f"no PDFs under {args.fixtures}")
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        workdir = Path(tmp)
        run_once(workdir / "warmup", sources, 1, 1)
        rows = [run_once(workdir, sources, args.count, workers) for workers in args.workers]
    orchestrator_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(f"\n{args.count} documents from {args.fixtures} on {os.cpu_count()} CPU(s)")
    print(f"{'workers':>7} {'docs':>5} {'seconds':>8} {'docs/min':>9}  peak RSS per worker process (MiB)  outcome")
    for row in rows:
        rss = ", ".join(f"{mb:.0f}" for _, mb in sorted(row["worker_rss_mb"].items()))
        outcome = ", ".join(f"{k} {v}" for k, v in row["summary"].items() if v)
        print(f"{row['workers']:>7} {row['documents']:>5} {row['seconds']:>8.1f} {row['docs_per_min']:>9.1f}  {rss:<34} {outcome}")
    print(f"orchestrating process (flow + Prefect ephemeral client) peak RSS: {orchestrator_rss:.0f} MiB")


if __name__ == "__main__":
    main()
