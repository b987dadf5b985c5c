"""The ingest command: reports (PDF, DOCX, HTML, Markdown, text) to catalog records."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

import typer

from commonground.cli.catalog import NO_MAP_HELP, enricher, model_summary
from commonground.cli.common import JSON_OPTION, open_store, print_json, settings, track


def ingest_cmd(
    path: Path = typer.Argument(..., help="A report (.pdf, .docx, .html, .md, .txt) or a "
                                          "folder of them."),
    dry_run: bool = typer.Option(False, "--dry-run",
                                 help="Extract and print, store nothing."),
    no_map: bool = typer.Option(False, "--no-map", help=NO_MAP_HELP),
    show_text: bool = typer.Option(False, "--text",
                                   help="Print the extracted text that offsets refer to "
                                        "(pages separated by form feeds) and exit."),
    json_out: bool = JSON_OPTION,
) -> None:
    """Split reports into case studies and add them to the catalog (one transaction).

    Every fact cites its page and offsets; ingesting again updates, never duplicates.
    """
    from commonground import ingest

    s = settings()
    paths = ingest.document_paths(path)
    if show_text:
        for p in paths:
            sys.stdout.write(ingest.read_document(p, s).text + "\n")
        return

    def progress(items: Iterable[Path]) -> Iterable[Path]:
        return track(items, "reading", total=len(paths)) if len(paths) > 1 else items

    records, warnings = ingest.extract_paths(paths, s, progress=progress)
    enrich = enricher(s, no_map)
    if dry_run:
        if enrich is not None:
            records = [enrich(r) for r in track(records, "mapping SDGs", total=len(records))]
            warnings += enrich.warnings()
        for w in warnings:
            typer.echo(f"warning: {w}", err=True)
        if json_out:
            print_json(records)
        else:
            for r in records:
                goals = ",".join(str(g) for g in r.goals("stated")) or "-"
                typer.echo(f"{r.id:60}  {r.city.name} ({r.city.country})  stated SDGs {goals}"
                           f"  {len(r.outcomes)} figures  {r.sources[0].locator}")
            typer.echo(f"{len(records)} case studies from {len(paths)} file(s); "
                       "nothing stored (--dry-run)", err=True)
        return
    report = ingest.ingest(open_store(s), records, warnings, enrich=enrich)
    summary = model_summary(report, enrich, no_map, "ingested")
    if json_out:
        print_json(report)
        return
    for w in report.warnings:
        typer.echo(f"warning: {w}", err=True)
    name = paths[0].name if len(paths) == 1 else f"{path.name} ({len(paths)} files)"
    held = len(records) - report.total
    typer.echo(f"{name}: {len(records)} case studies; {len(report.added)} added, "
               f"{len(report.updated)} updated, {len(report.unchanged)} unchanged"
               + (f", {held} already in the catalog under another id" if held else "")
               + f"; {summary}")


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest_cmd)
