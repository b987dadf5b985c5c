"""The ``commonground`` command: a thin shell over the library.

Exit codes (also in docs/cli.md): 0 success, 1 other error, 2 invalid input or record,
3 invalid document, 4 not found, 5 store error, 6 model error, 130 interrupted.
"""

from __future__ import annotations

import logging
import sys

import typer
from typer._click.exceptions import ClickException

from commonground.errors import CommongroundError, Interrupted

#: usage errors (unknown option, missing or malformed value): typer bundles its own copy of
#: click, whose exceptions are not click's own
USAGE_ERRORS = ClickException

app = typer.Typer(
    name="commonground",
    help="Cities learn from each other's SDG innovations: catalog, ingest, SDG mapping, web app.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # plain help: the rich panels label every flag "<bool>", as if it took a value
    rich_markup_mode=None,
)


def _register() -> None:
    from commonground.cli import catalog, ingest, sdg, web

    for module in (catalog, ingest, sdg, web):
        module.register(app)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; errors a user can act on print one line and exit with their code."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    _register()
    try:
        rc = app(args=argv, prog_name="commonground", standalone_mode=False)
    except CommongroundError as exc:
        typer.echo(exc.message if isinstance(exc, Interrupted) else f"error: {exc.message}",
                   err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        typer.echo("aborted", err=True)
        sys.exit(1)
    except USAGE_ERRORS as exc:
        exc.show()
        sys.exit(exc.exit_code)
    if rc == 130:  # typer turns Ctrl-C into exit code 130 before it reaches the except above
        typer.echo("interrupted", err=True)
    sys.exit(rc if isinstance(rc, int) else 0)
