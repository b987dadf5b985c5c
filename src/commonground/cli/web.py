"""CLI commands of the web domain: ``serve``."""

from __future__ import annotations

import typer

from commonground.cli.common import settings


def serve(
    host: str | None = typer.Option(None, help="Address to listen on "
                                               "(default COMMONGROUND_HOST, 127.0.0.1)."),
    port: int | None = typer.Option(None, help="Port to listen on "
                                               "(default COMMONGROUND_PORT, 8000)."),
) -> None:
    """Serve the web app and the JSON API (/api/v1) over the store."""
    from sqlalchemy.engine import make_url

    from commonground.web.serve import serve as run

    s = settings()
    shown = make_url(s.database_url).render_as_string(hide_password=True)
    typer.echo(f"serving {shown} on http://{host or s.host}:{port or s.port}/", err=True)
    run(s, host=host, port=port)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
