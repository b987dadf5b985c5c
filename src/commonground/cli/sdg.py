"""SDG commands: map a text, list goals, run the benchmark, map a corpus (`commonground sdg`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from commonground.cli.common import JSON_OPTION, err, print_json, progress, settings
from commonground.errors import Interrupted, InvalidInput
from commonground.sdg.mapping import SECONDARY_FLOOR, GoalScore, SdgMapping
from commonground.settings import check_precision

sdg_app = typer.Typer(help="The SDG framework and mapper: map texts and corpora onto the goals.",
                      no_args_is_help=True, rich_markup_mode=None)

MODE_OPTION = typer.Option(None, "--mode",
                           help="accurate (default; COMMONGROUND_SDG_MODE) or fast.")
PRECISION_OPTION = typer.Option(
    None, "--precision",
    help="The accurate mode's MiniLM precision: fp32 (the model's own; "
         "COMMONGROUND_SDG_PRECISION) or int8 (faster on CPUs without AVX-512; "
         "its accuracy is in docs/benchmarks.md).")
#: document types read through commonground.ingest; everything else is read as UTF-8 text
DOCUMENT_SUFFIXES = {".pdf", ".docx", ".html", ".htm", ".xhtml"}
#: plain-text file names: a missing one is reported, not mapped as words
TEXT_SUFFIXES = {".txt", ".md", ".rst", ".csv", ".json", ".jsonl", ".text"}


def _check_mode(mode: str | None) -> str | None:
    if mode is not None and mode not in {"accurate", "fast"}:
        raise InvalidInput(f"--mode {mode!r} is unknown; use 'accurate' or 'fast'")
    return mode


def _check_precision(precision: str | None) -> str | None:
    return check_precision(precision, "--precision", unset_ok=True)


def _looks_binary(data: bytes) -> bool:
    sample = data[:8192]
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return b"\x00" in sample or controls > max(2, len(sample) // 100)


def _decode(data: bytes, where: str) -> str:
    if _looks_binary(data):
        raise InvalidInput(f"{where} looks like binary data, not text; give UTF-8 text, "
                           "or a .pdf, .docx or .html file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{where} is not UTF-8 text (byte {exc.start}); "
                           "re-save it as UTF-8") from None
    if not text.strip():
        raise InvalidInput(f"{where} is empty; give some text to map")
    return text


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:  # e.g. a long sentence is "File name too long" (ENAMETOOLONG)
        return False


def _looks_like_path(source: str) -> bool:
    """A missing file rather than text: a short argument ending in a document's extension
    ("My Report 2024.pdf", "notes/water.rst"), or one word that starts like a path ("./x",
    "/data/x", "~/x"); "HIV/AIDS" is text."""
    words = source.split()
    if Path(source).suffix.lower() in DOCUMENT_SUFFIXES | TEXT_SUFFIXES and len(words) <= 5:
        return True
    return len(words) == 1 and source.startswith(("/", "./", "../", "~/"))


def _check_argument_bytes(source: str) -> None:
    """Python keeps an argument's bytes that are not UTF-8 as lone surrogates (0xff as
    '\\udcff'); name the byte instead of failing later."""
    if source.isascii():
        return
    try:
        source.encode("utf-8")
    except UnicodeEncodeError as exc:
        code = ord(source[exc.start])
        byte = f"byte {code - 0xDC00:#04x}" if 0xDC80 <= code <= 0xDCFF else f"{code:#06x}"
        raise InvalidInput(f"the argument is not UTF-8 text ({byte} at character {exc.start}); "
                           "use a UTF-8 terminal, or put the text in a UTF-8 file") from None


def read_input(source: str | None) -> tuple[str, str]:
    """(text, where it came from) for a TEXT argument, a FILE path or '-' (stdin)."""
    if source is None or source == "-":
        if source is None and sys.stdin.isatty():
            raise InvalidInput("nothing to map; give a text, a file path, or '-' to read stdin")
        return _decode(sys.stdin.buffer.read(), "standard input"), "stdin"
    path = Path(source)
    if "\n" in source or not _exists(path) or (path.is_dir() and "/" not in source):
        # a word that happens to name a folder here ("water") is text
        _check_argument_bytes(source)  # after the paths: a file's name need not be UTF-8
        if not source.strip():
            raise InvalidInput("the text is empty; give some text to map")
        if "\n" not in source and _looks_like_path(source.strip()):
            raise InvalidInput(f"file {source!r} does not exist; check the path (to map these "
                               "words as text, pipe them in: echo '...' | commonground sdg "
                               "map -)")
        return source, "argument"
    if path.is_dir():
        raise InvalidInput(f"{source!r} is a folder; give a file inside it, a text, or '-' "
                           "for stdin (map-corpus maps many texts at once)")
    if path.is_file() and path.suffix.lower() in DOCUMENT_SUFFIXES:
        from commonground.ingest.readers import read_document

        return read_document(path, settings()).text, path.name
    try:  # a file, or a pipe or device such as <(command) or /dev/stdin
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"{path.name} cannot be read ({exc.strerror or exc}); "
                           "check the path and its permissions") from None
    return _decode(data, path.name), path.name


def _goal_label(goal: int, lang: str = "en") -> str:
    from commonground.sdg.framework import framework

    return framework().goal(goal).label(lang)


def _target_text(target: str, lang: str = "en", width: int = 100) -> str:
    """The official target text in ``lang`` (English where the framework lacks it), cut
    to ``width`` characters; '' for an id the framework lacks (a model of one's own)."""
    from commonground.sdg.framework import framework

    text = " ".join(framework().target_text(target, lang).split())
    return text if len(text) <= width else text[:width - 1].rstrip() + "…"


#: why a goal at 15% can be proposed while one at 40% is not (see docs/sdg-mapper.md)
THRESHOLD_NOTE = ("each goal has its own threshold, chosen by cross-validation: a proposed "
                  "goal may show a lower probability than one not proposed")


def _print_mapping(mapping: SdgMapping) -> None:
    predicted = sorted((g for g in mapping.goals if g.predicted), key=lambda g: -g.probability)
    # the official titles in the text's own language where the framework has it
    lang = mapping.language or "en"
    typer.echo(f"SDG mapping ({mapping.mode} mode"
               + (f", language {mapping.language}" if mapping.language else "") + ")")
    if not predicted:
        best = max(mapping.goals, key=lambda g: g.probability)
        typer.echo(f"no goal predicted; the likeliest is {best.goal} "
                   f"{_goal_label(best.goal, lang)} ({best.probability:.2f})")
    def goal_line(g: GoalScore) -> str:
        return f"  SDG {g.goal:>2}  {g.probability:5.2f}  {_goal_label(g.goal, lang)}"

    for g in predicted:
        typer.echo(goal_line(g))
        for e in g.evidence[:3]:
            snippet = " ".join(e.split())
            typer.echo(f"            “{snippet[:160]}{'…' if len(snippet) > 160 else ''}”")
    secondary = mapping.secondary_goals()
    if secondary:
        typer.echo(f"not proposed, possible secondary themes (probability {SECONDARY_FLOOR:.2f} "
                   "or more):")
        for g in secondary:
            typer.echo(goal_line(g))
    if mapping.targets:
        typer.echo("top targets:")
        for t in sorted(mapping.targets, key=lambda t: -t.score)[:5]:
            typer.echo(f"  {t.target:<5} {t.score:5.2f}  {_target_text(t.target, lang)}")
    for note in mapping.notes:
        typer.echo(f"note: {note}", err=True)
    typer.echo(THRESHOLD_NOTE)


@sdg_app.command("map")
def map_cmd(
    source: str | None = typer.Argument(
        None, metavar="TEXT | FILE | -",
        help="Text to map, a file (.txt, .md, .pdf, .docx, .html) or '-' for stdin."),
    mode: str | None = MODE_OPTION,
    precision: str | None = PRECISION_OPTION,
    json_out: bool = JSON_OPTION,
) -> None:
    """Map a text onto the 17 SDGs: probabilities, decisions, evidence and targets."""
    from commonground.sdg.enrich import load_mapper

    _check_precision(precision)
    text, _ = read_input(source)
    mapper = load_mapper(settings(), mode=_check_mode(mode), precision=precision, hint="")
    mapping = mapper.map(text)
    if json_out:
        print_json(mapping)
    else:
        _print_mapping(mapping)


@sdg_app.command("goals")
def goals_cmd(
    lang: str = typer.Option("en", "--lang", help="Language of the titles (en, es, fr, zh-Hans, "
                             "ar, ru and more; an unknown one is refused with the list)."),
    json_out: bool = JSON_OPTION,
) -> None:
    """List the 17 goals with their titles and official colours."""
    from commonground.sdg.framework import framework

    fw = framework()
    lang = fw.check_language(lang)
    rows = [{"goal": g.number, "label": g.label(lang), "title": g.long(lang),
             "colour": g.colour, "targets": len(g.targets)} for g in fw.goals]
    if json_out:
        print_json(rows)
        return
    for r in rows:
        typer.echo(f"{r['goal']:>2}  {r['colour']}  {r['label']}")


@sdg_app.command("benchmark")
def benchmark_cmd(mode: str | None = MODE_OPTION, precision: str | None = PRECISION_OPTION,
                  json_out: bool = JSON_OPTION) -> None:
    """Run the SDG Classification Benchmark (1,251 held-out texts) and print the scores."""
    from commonground.sdg.benchmark import format_report, run_benchmark
    from commonground.sdg.enrich import load_mapper

    mapper = load_mapper(settings(), mode=_check_mode(mode),
                         precision=_check_precision(precision), hint="")
    report = run_benchmark(mapper)
    if json_out:
        print_json(report)
    else:
        typer.echo(format_report(report))


@sdg_app.command("map-corpus")
def map_corpus_cmd(
    input_path: Path = typer.Argument(..., metavar="INPUT",
                                      help="A .csv, .jsonl or .parquet corpus."),
    text_column: str = typer.Option(..., "--text-column", help="Column holding the text."),
    out: Path = typer.Option(..., "--out", help="Output .jsonl, .csv or .parquet file."),
    id_column: str | None = typer.Option(None, "--id-column",
                                         help="Column of row ids (default: row numbers)."),
    mode: str = typer.Option("fast", "--mode", help="fast (default here) or accurate."),
    precision: str | None = PRECISION_OPTION,
    batch_size: int = typer.Option(500, "--batch-size", help="Rows per batch (and Dask task)."),
    workers: int | None = typer.Option(None, "--workers",
                                       help="Run on a local Dask cluster of N processes."),
    scheduler: str | None = typer.Option(None, "--scheduler",
                                         help="Run on an existing Dask cluster, e.g. "
                                              "tcp://10.0.0.5:8786."),
    restart: bool = typer.Option(False, "--restart",
                                 help="Discard an unfinished earlier run instead of resuming."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing output."),
    json_out: bool = JSON_OPTION,
) -> None:
    """Map every row of a corpus, streamed in batches; rerun the same command to resume."""
    from commonground import batch

    _check_mode(mode)
    _check_precision(precision)
    if workers is not None and scheduler is not None:
        raise InvalidInput("give either --workers N or --scheduler ADDRESS, not both")
    config = settings()
    source = batch.ModelSpec(model=config.sdg_model, mode=mode,
                             precision=precision or config.sdg_precision,
                             multilingual=config.sdg_multilingual)
    total = batch.count_rows(input_path) if input_path.is_file() else None
    done = 0

    def run(executor: Any) -> batch.MapCorpusReport:
        nonlocal done
        with progress(f"mapping {input_path.name}", total) as bar:
            def advance(n: int) -> None:
                nonlocal done
                done += n
                bar.advance(bar.task_ids[0], n)

            return batch.map_corpus(input_path, out, text_column=text_column,
                                    id_column=id_column, batch_size=batch_size, source=source,
                                    executor=executor, restart=restart, overwrite=overwrite,
                                    on_progress=advance)

    try:
        if workers is None and scheduler is None:
            report = run(batch.LocalExecutor())
        else:
            from commonground.batch.dask_runner import DaskExecutor, dask_client

            with dask_client(workers=workers, scheduler=scheduler) as client:
                report = run(DaskExecutor(client))
    except KeyboardInterrupt:
        raise Interrupted(f"interrupted after {done} rows; the finished batches are kept in "
                          f"{batch.parts_dir(out)}: rerun the same command to resume") from None
    if json_out:
        print_json(report)
        return
    extra = (f", {report.resumed_batches} batches resumed" if report.resumed_batches else "")
    typer.echo(f"{report.output}: {report.rows} rows in {report.batches} batches "
               f"({report.mode} mode, {report.seconds:.1f} s{extra})")
    if report.rows_without_text:
        err(f"warning: {report.rows_without_text} rows had no text in {text_column!r}; "
            "their probabilities are empty")


def register(app: typer.Typer) -> None:
    app.add_typer(sdg_app, name="sdg")
