"""Catalog commands: import, export, list, show, schema, settings, demo."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from commonground import catalog
from commonground.cli.common import JSON_OPTION, open_store, print_json, settings
from commonground.errors import InvalidInput
from commonground.settings import Settings

if TYPE_CHECKING:
    from commonground.sdg.enrich import ModelEnricher

NO_MAP_HELP = ("Do not attach model SDGs; the model links already stored for an updated "
               "initiative are kept.")


def enricher(s: Settings, no_map: bool) -> ModelEnricher | None:
    """The SDG mapper's enricher for import and ingest, or None when mapping is off."""
    if not s.auto_map_sdgs or no_map:
        return None
    from commonground.sdg.enrich import model_enricher

    return model_enricher(s)


def model_summary(report: catalog.ImportReport, enrich: ModelEnricher | None,
                  no_map: bool, done: str = "imported") -> str:
    """The summary's account of model SDGs; records the mapper had to skip also become
    warnings in ``report`` (so ``--json`` says so too)."""
    if enrich is None:
        why = "--no-map" if no_map else "COMMONGROUND_AUTO_MAP_SDGS=0"
        return f"model SDGs not mapped ({why}; model links already stored are kept)"
    from commonground.sdg.enrich import no_words_count

    report.warnings += enrich.warnings()
    report.unmapped_no_words = list(enrich.no_words)
    text = f"{report.model_sdgs} model SDG links on the {done} records"
    if enrich.no_words:
        text += f"; {no_words_count(len(enrich.no_words))} (no words in the text)"
    return text


def import_(
    path: Path = typer.Argument(..., help="A .json (array), .jsonl or .csv file of initiatives."),
    no_map: bool = typer.Option(False, "--no-map", help=NO_MAP_HELP),
    json_out: bool = JSON_OPTION,
) -> None:
    """Import initiatives (add or update by id) in one transaction."""
    records = catalog.read_records(path)
    s = settings()
    enrich = enricher(s, no_map)
    report = catalog.add_initiatives(open_store(s), records, enrich=enrich)
    summary = model_summary(report, enrich, no_map)
    if json_out:
        print_json(report)
    else:
        typer.echo(f"{path.name}: {len(report.added)} added, {len(report.updated)} updated, "
                   f"{len(report.unchanged)} unchanged; {summary}")
        for w in report.warnings:
            typer.echo(f"warning: {w}", err=True)


def export(
    fmt: str = typer.Option("json", "--format", "-f",
                            help="json, jsonl, csv or datapackage (Frictionless)."),
    output: Path | None = typer.Option(None, "--output", "-o",
                                       help="File (or folder/.zip for datapackage); "
                                            "stdout if omitted."),
) -> None:
    """Export every initiative in the public record format."""
    if fmt not in catalog.EXPORT_FORMATS:
        raise InvalidInput(f"--format {fmt!r} is unknown; use "
                           f"{', '.join(catalog.EXPORT_FORMATS)}")
    text = catalog.write_export(catalog.iter_records(open_store()), fmt, output)
    if text is not None:
        sys.stdout.write(text)


def list_(
    goal: int | None = typer.Option(None, "--sdg", help="Only initiatives linked to this goal."),
    country: str | None = typer.Option(None, help="ISO 3166-1 alpha-2 country code."),
    region: str | None = typer.Option(None, help="World region."),
    award: str | None = typer.Option(None, help="Award programme, e.g. 'Guangzhou Award'."),
    sector: str | None = typer.Option(None, help="Partner sector (public, private, "
                                                 "civil_society, academic, international)."),
    year_from: int | None = typer.Option(None, help="Active in or after this year."),
    year_to: int | None = typer.Option(None, help="Active in or before this year."),
    q: str | None = typer.Option(None, help="Words in the title or summary."),
    limit: int = typer.Option(50, help="Page size."),
    offset: int = typer.Option(0, help="Skip this many."),
    json_out: bool = JSON_OPTION,
) -> None:
    """List initiatives, filtered."""
    f = catalog.Filters(goal=goal, country=country, region=region, award=award, sector=sector,
                        year_from=year_from, year_to=year_to, q=q)
    page = catalog.list_initiatives(open_store(), f, limit=limit, offset=offset)
    if json_out:
        print_json(page)
        return
    if not page.items:
        typer.echo("no initiatives match; run `commonground demo --no-serve` to load the demo data"
                   if not f.active() else "no initiatives match these filters")
        return
    for it in page.items:
        goals = ",".join(str(g) for g in it.goals)
        typer.echo(f"{it.id:55}  {it.city.name} ({it.city.country})  SDGs {goals}")
    typer.echo(f"{len(page.items)} of {page.total}", err=True)


def show(
    initiative_id: str = typer.Argument(..., help="Initiative id (see `commonground list`)."),
    json_out: bool = JSON_OPTION,
) -> None:
    """Show one initiative."""
    rec = catalog.get_initiative(open_store(), initiative_id)
    if json_out:
        print_json(rec)
        return
    typer.echo(f"{rec.title}\n{rec.city.name}, {rec.city.country}"
               + (f" (since {rec.period.start})" if rec.period.start else ""))
    if rec.summary:
        typer.echo(f"\n{rec.summary}")
    for src in ("stated", "editor", "model"):
        goals = rec.goals(src)  # type: ignore[arg-type]
        if goals:
            typer.echo(f"SDGs ({src}): {', '.join(map(str, goals))}")
    if rec.partners:
        typer.echo("Partners:")
        for p in rec.partners:
            typer.echo(f"  - {p.name} [{p.sector or 'sector unknown'}]"
                       + (f": {p.role}" if p.role else ""))
    if rec.outcomes:
        typer.echo("Outcomes:")
        for o in rec.outcomes:
            figure = f"{o.value:g} {o.unit or ''}".strip() if o.value is not None else ""
            when = f" ({o.year})" if o.year else ""
            typer.echo(f"  - {o.description}" + (f" [{figure}{when}]" if figure else when))
    if rec.awards:
        typer.echo("Awards: " + "; ".join(a.programme + (f" {a.year}" if a.year else "")
                                          for a in rec.awards))


def schema() -> None:
    """Print the JSON Schema of the public record format."""
    from commonground.catalog.schema import record_schema

    sys.stdout.write(json.dumps(record_schema(), indent=2) + "\n")


def settings_cmd(json_out: bool = JSON_OPTION) -> None:
    """List the settings (COMMONGROUND_* variables) with their current values."""
    from dataclasses import asdict

    from commonground.settings import PREFIX, Settings

    s = asdict(settings())
    helps = Settings.help()
    if json_out:
        print_json({k: {"env": PREFIX + k.upper(), "value": v, "help": helps[k]}
                    for k, v in s.items()})
        return
    for k, v in s.items():
        typer.echo(f"{PREFIX + k.upper():34} = {v!r}\n    {helps[k]}")


def demo(
    no_serve: bool = typer.Option(False, "--no-serve", help="Load the demo data and exit."),
    host: str | None = typer.Option(None, help="Address to listen on."),
    port: int | None = typer.Option(None, help="Port to listen on."),
) -> None:
    """Load the demo data (the report's eight initiatives) and serve the web app."""
    from commonground.catalog.demo import load_demo

    s = settings()
    report = load_demo(open_store(s), s)
    typer.echo(f"demo data: {len(report.added)} added, {len(report.updated)} updated, "
               f"{len(report.unchanged)} unchanged ({s.database_url})", err=True)
    for w in report.warnings:
        typer.echo(f"warning: {w}", err=True)
    if not no_serve:
        from commonground.web.serve import serve

        serve(s, host=host, port=port)


def register(app: typer.Typer) -> None:
    app.command("import")(import_)
    app.command("export")(export)
    app.command("list")(list_)
    app.command("show")(show)
    app.command("schema")(schema)
    app.command("settings")(settings_cmd)
    app.command("demo")(demo)
