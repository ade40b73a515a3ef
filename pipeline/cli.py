"""``selfeval``: the command line.

    selfeval extract PDF... --out DIR     one JSON document per PDF
    selfeval bench FIXTURES               accuracy (../shared/spec/score.py), s/page, peak RSS
    selfeval ingest / status / rerun      the ledger-backed jobs (pipeline.cli_ops)
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from pipeline import exitcodes

app = typer.Typer(help="Extract 项目支出绩效自评表 forms from PDFs into validated JSON.",
                  no_args_is_help=True, add_completion=False)
console = Console(stderr=True)


@app.callback()
def main(verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log every stage.")] = False,
         quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only errors.")] = False) -> None:
    """Extract 项目支出绩效自评表 forms from PDFs into validated JSON."""
    level = logging.DEBUG if verbose else logging.ERROR if quiet else logging.WARNING
    logging.basicConfig(level=level, format="%(message)s", force=True,
                        handlers=[RichHandler(console=console, show_path=False)])


def progress_bar() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console, transient=False)


def output_name(pdf: Path) -> str:
    return f"{pdf.stem}.json"


@app.command()
def extract(
    pdfs: Annotated[list[Path], typer.Argument(help="PDF files (or folders of PDFs) to extract.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the JSON documents.")] = Path("out"),
    ocr: Annotated[str, typer.Option(help="auto: OCR pages without a text layer; always; never.")] = "auto",
    dpi: Annotated[int, typer.Option(help="Render resolution for OCR.")] = 200,
) -> None:
    """Extract every PDF into OUT/<name>.json (one document per PDF)."""
    from pipeline.extract import ExtractOptions, Extractor
    from pipeline.record import write_document

    if ocr not in ("auto", "always", "never"):
        raise typer.BadParameter("--ocr must be auto, always or never")
    files = expand_pdfs(pdfs)
    if not files:
        console.print("[red]no PDF files given[/red]")
        raise typer.Exit(exitcodes.USAGE)
    extractor = Extractor(ExtractOptions(dpi=dpi, ocr=ocr))
    statuses = []
    with progress_bar() as progress:
        task = progress.add_task("extracting", total=len(files))
        for pdf in files:
            progress.update(task, description=f"{pdf.name}")
            document = extractor.extract(pdf, display_name=str(pdf))
            write_document(out / output_name(pdf), document)
            statuses.append(document.status)
            if document.status != "succeeded":
                reason = "; ".join(e.message for e in document.errors) or "validation errors"
                console.print(f"{pdf}: [yellow]{document.status}[/yellow] ({reason})")
            progress.advance(task)
    console.print(f"{len(files)} documents: " + ", ".join(f"{s} {statuses.count(s)}" for s in sorted(set(statuses))))
    raise typer.Exit(exitcodes.for_statuses(statuses))


def expand_pdfs(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.suffix.lower() == ".pdf"))
        else:
            files.append(path)
    return files


@app.command()
def bench(
    fixtures: Annotated[Path, typer.Argument(help="Folder of NAME.pdf + NAME.json truth pairs.")],
    out: Annotated[Optional[Path], typer.Option(help="Where to write outputs (default: a temp folder).")] = None,
    shared: Annotated[Optional[Path], typer.Option(help="The shared/ folder holding spec/score.py.")] = None,
    ocr: Annotated[str, typer.Option(help="auto, always or never.")] = "auto",
    grid: Annotated[str, typer.Option(help="Grid backend for text-layer pages: opencv or camelot.")] = "opencv",
    confidence_floor: Annotated[float, typer.Option(help="OCR confidence below which a field is unreadable.")] = 0.6,
) -> None:
    """Extract a fixture set, then print the scorer's summary, seconds per page and peak RSS."""
    from pipeline.bench import run_bench

    raise typer.Exit(run_bench(fixtures, out=out, shared=shared, ocr=ocr, console=console, grid=grid,
                               confidence_floor=confidence_floor))


def _register_ops() -> None:
    from pipeline import cli_ops    # ingest / status / rerun: the ledger-backed commands

    cli_ops.register(app)


_register_ops()

if __name__ == "__main__":
    app()
