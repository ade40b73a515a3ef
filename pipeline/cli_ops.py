"""``selfeval ingest`` / ``status`` / ``rerun``: the ledger-backed jobs on the command line.

``ingest`` and ``rerun`` run the Prefect flows in Prefect's ephemeral mode (no server
to start); point ``PREFECT_API_URL`` at a server to have the runs recorded there.
Exit codes come from ``pipeline.exitcodes``: 0 all succeeded, 1 something failed,
3 something needs review (nothing failed), 2 usage error.
"""
from __future__ import annotations

import json
import os
from contextlib import contextmanager
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from pipeline import exitcodes
from pipeline.ledger import STATUSES, DocumentView, Ledger, resolve_db_url

console = Console(stderr=True)
DbOption = Annotated[Optional[str], typer.Option("--db", help="Ledger URL (default $SELFEVAL_DB or sqlite:///.selfeval/ledger.db).")]


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest_command)
    app.command("status")(status_command)
    app.command("rerun")(rerun_command)


def _quiet_prefect() -> None:
    # Before prefect is imported: its INFO lines would tear through the progress bar.
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")  # 20 s is short on a busy host


def ingest_command(
    inbox: Annotated[str, typer.Argument(help="Folder or fsspec URL holding the PDFs.")],
    out: Annotated[str, typer.Option("--out", "-o", help="Folder or fsspec URL for the JSON documents.")],
    db: DbOption = None,
    concurrency: Annotated[int, typer.Option("--concurrency", "-j", min=1, max=16, help="Worker processes.")] = 1,
    pattern: Annotated[str, typer.Option(help="File name pattern (case-insensitive).")] = "*.pdf",
) -> None:
    """Process every new PDF under INBOX into OUT, recording each in the ledger."""
    _quiet_prefect()
    from flows.ingest import ingest

    with _progress("ingest"):
        try:
            report = ingest(inbox=inbox, output=out, db=db, concurrency=concurrency, pattern=pattern)
        except FileNotFoundError as err:
            console.print(f"[red]{err}[/red]")
            raise typer.Exit(exitcodes.USAGE)
    raise typer.Exit(_report(report))


def rerun_command(
    ids: Annotated[Optional[list[str]], typer.Argument(help="Document ids or sha256 prefixes.")] = None,
    failed: Annotated[bool, typer.Option("--failed", help="Documents that failed.")] = False,
    needs_review: Annotated[bool, typer.Option("--needs-review", help="Documents that need review.")] = False,
    stage: Annotated[Optional[str], typer.Option("--stage", help="Only those whose error came from this stage.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Every document in the ledger.")] = False,
    out: Annotated[Optional[str], typer.Option("--out", "-o", help="Write outputs here instead of where each went.")] = None,
    db: DbOption = None,
    concurrency: Annotated[int, typer.Option("--concurrency", "-j", min=1, max=16)] = 1,
) -> None:
    """Reprocess documents; each previous output is kept under versions/."""
    statuses = [s for s, on in (("failed", failed), ("needs_review", needs_review)) if on]
    if not (ids or statuses or stage or all_):
        console.print("[red]choose what to rerun: ID..., --failed, --needs-review, --stage S or --all[/red]")
        raise typer.Exit(exitcodes.USAGE)
    _quiet_prefect()
    from flows.rerun import rerun

    with _progress("rerun"):
        try:
            report = rerun(ids=ids or None, status=statuses or None, stage=stage, all=all_,
                           output=out, db=db, concurrency=concurrency)
        except ValueError as err:
            console.print(f"[red]{err}[/red]")
            raise typer.Exit(exitcodes.USAGE)
    for line in report.errors:
        console.print(f"[red]{line}[/red]")
    code = _report(report)
    raise typer.Exit(exitcodes.FAILED if report.errors and code == exitcodes.OK else code)


def status_command(
    status: Annotated[Optional[str], typer.Option("--status", help=f"One of {', '.join(STATUSES)}.")] = None,
    stage: Annotated[Optional[str], typer.Option("--stage", help="Error stage (open, forms, storage, ...).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines instead of a table.")] = False,
    db: DbOption = None,
) -> None:
    """Show the ledger (every document, or those with a status / error stage)."""
    if status and status not in STATUSES:
        console.print(f"[red]--status must be one of {', '.join(STATUSES)}[/red]")
        raise typer.Exit(exitcodes.USAGE)
    with Ledger(db) as ledger:
        rows = ledger.select(statuses=[status] if status else None, stage=stage)
        counts = ledger.counts()
    if as_json:
        for row in rows:
            typer.echo(json.dumps(row.to_json(), ensure_ascii=False))
        return
    Console().print(_ledger_table(rows))
    console.print(f"{resolve_db_url(db)}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))


def _ledger_table(rows: list[DocumentView]) -> Table:
    table = Table("id", "file", "status", "tries", "stage", "error", "output", "v", "secs", "updated")
    colours = {"succeeded": "green", "needs_review": "yellow", "failed": "red", "running": "cyan"}
    for row in rows:
        colour = colours.get(row.status, "white")
        table.add_row(str(row.id), row.display_name, f"[{colour}]{row.status}[/{colour}]",
                      str(row.attempts), row.error_stage or "", _short(row.error_message, 60),
                      (row.output_uri or "").rsplit("/", 1)[-1], str(row.output_version or ""),
                      f"{row.duration_s:.1f}" if row.duration_s is not None else "",
                      row.updated_at.strftime("%Y-%m-%d %H:%M:%S"))
    return table


def _short(text: str | None, width: int) -> str:
    if not text:
        return ""
    return text if len(text) <= width else text[: width - 1] + "…"


@contextmanager
def _progress(label: str):
    """A rich progress bar fed by the flow's in-process notifications."""
    from flows.runner import add_listener, remove_listener

    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=console, transient=False)
    bar = progress.add_task(label, total=None)

    def listener(event: str, payload) -> None:
        if event == "total":
            progress.update(bar, total=payload, completed=0)
        elif event == "done":
            progress.update(bar, advance=1, description=f"{label}: {payload.display_name}")

    add_listener(listener)
    try:
        with progress:
            yield progress
    finally:
        remove_listener(listener)


def _report(report) -> int:
    """Print what did not succeed and a summary; return the exit code."""
    for result in report.results:
        if result.status in ("failed", "needs_review"):
            colour = "red" if result.status == "failed" else "yellow"
            reason = f"{result.error_stage}: {result.error_message}" if result.error_stage else "validation issues"
            console.print(f"[{colour}]{result.status}[/{colour}] #{result.doc_id} {result.display_name} ({reason})")
    summary = report.summary()
    console.print(", ".join(f"{k} {v}" for k, v in summary.items() if v))
    return exitcodes.for_statuses(report.statuses)
