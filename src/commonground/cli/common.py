"""Shared plumbing of the CLI: settings, the store, output and errors."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import typer
from pydantic import BaseModel
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from commonground.settings import Settings, load_settings
from commonground.store import Store

T = TypeVar("T")

JSON_OPTION = typer.Option(False, "--json", help="Print machine-readable JSON.")


def settings() -> Settings:
    return load_settings()


def open_store(s: Settings | None = None) -> Store:
    return Store((s or settings()).database_url)


def to_jsonable(obj: Any) -> Any:
    if isinstance(obj, BaseModel):
        return obj.model_dump(mode="json")
    if isinstance(obj, list | tuple):
        return [to_jsonable(o) for o in obj]
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    return obj


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(to_jsonable(obj), ensure_ascii=False, indent=2) + "\n")


def err(message: str) -> None:
    typer.echo(message, err=True)


@contextmanager
def progress(description: str, total: int | None = None) -> Iterator[Progress]:
    """A progress bar on stderr (hidden when stderr is not a terminal)."""
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), transient=True,
                   disable=not sys.stderr.isatty())
    with bar:
        bar.add_task(description, total=total)
        yield bar


def track(items: Iterable[T], description: str, total: int | None = None) -> Iterator[T]:
    with progress(description, total) as bar:
        task = bar.task_ids[0]
        for item in items:
            yield item
            bar.advance(task)
